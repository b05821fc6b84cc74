# Cronbach's alpha of pss10.csv by R psych::alpha(), the reference for
# psyscreen's `summary --quality`. Items 4, 5, 7, 8 are reverse-scored as the
# PSS-10 instrument file says (4 - x on the 0-4 codes) before alpha, exactly
# as psyscreen scores them. Whole file, then class A and class B.
# Second case, constant-item.csv: 4 complete PHQ-9 cases in which item 9
# never varies; psych drops such an item from alpha ("had no variance and
# was deleted"), and psyscreen does the same.
# Run: Rscript alpha.R > alpha.out   (R 4.2.2, psych 2.2.9, Debian r-cran-psych)
suppressPackageStartupMessages(library(psych))
d <- read.csv("pss10.csv", stringsAsFactors = FALSE)
items <- paste0("pss10_", 1:10)
for (j in c(4, 5, 7, 8)) d[[items[j]]] <- 4 - d[[items[j]]]
cat("R", R.version$major, ".", R.version$minor, " psych ", format(packageVersion("psych")), "\n", sep = "")
rows <- list()
for (g in c("all", "A", "B")) {
  x <- if (g == "all") d[, items] else d[d$class == g, items]
  a <- alpha(x, check.keys = FALSE)
  rows[[length(rows) + 1]] <- data.frame(group = g, item = "", n = nrow(x),
    raw_alpha = a$total$raw_alpha, r_drop = NA, alpha_if_dropped = NA)
  rows[[length(rows) + 1]] <- data.frame(group = g, item = items, n = nrow(x),
    raw_alpha = NA, r_drop = a$item.stats$r.drop, alpha_if_dropped = a$alpha.drop$raw_alpha)
}
out <- do.call(rbind, rows)
f <- function(v) ifelse(is.na(v), "", sprintf("%.10f", v))
out_csv <- data.frame(group = out$group, item = out$item, n = out$n,
  raw_alpha = f(out$raw_alpha), r_drop = f(out$r_drop), alpha_if_dropped = f(out$alpha_if_dropped))
write.csv(out_csv, "psych-alpha.csv", row.names = FALSE, quote = FALSE)
print(out, digits = 6)

c <- read.csv("constant-item.csv", stringsAsFactors = FALSE)
citems <- paste0("phq9_", 1:9)
a <- suppressWarnings(alpha(c[, citems], check.keys = FALSE, warnings = FALSE))
kept <- rownames(a$alpha.drop)
cout <- rbind(
  data.frame(item = "", raw_alpha = f(a$total$raw_alpha), r_drop = "", alpha_if_dropped = ""),
  data.frame(item = citems, raw_alpha = "",
    r_drop = ifelse(citems %in% kept, f(a$item.stats[citems, "r.drop"]), ""),
    alpha_if_dropped = ifelse(citems %in% kept, f(a$alpha.drop[citems, "raw_alpha"]), "")))
write.csv(cout, "psych-alpha-constant.csv", row.names = FALSE, quote = FALSE)
cat("\nconstant-item.csv (phq9_9 has no variance):\n")
print(cout)
