# Generates pss10.csv: 60 synthetic respondents (classes A and B, 30 each)
# answering the PSS-10 (raw codes 0-4 as printed; items 4, 5, 7, 8 are
# positively worded, so a stressed person answers them low). Made up, about
# no real person. Run once: Rscript make-pss10.R  (R 4.2.2, set.seed below)
set.seed(20260316)
n <- 60
stress <- rnorm(n)
reverse <- c(4, 5, 7, 8)
items <- sapply(1:10, function(j) {
  load <- if (j %in% reverse) -0.9 else 0.9
  x <- round(2 + load * stress + rnorm(n, sd = 0.9))
  pmin(pmax(x, 0), 4)
})
colnames(items) <- paste0("pss10_", 1:10)
d <- data.frame(id = sprintf("P%02d", 1:n), class = rep(c("A", "B"), each = 30), items)
write.csv(d, "pss10.csv", row.names = FALSE, quote = FALSE)
