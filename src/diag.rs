//! Located diagnostics: a problem in a file the user wrote, rendered like a
//! compiler error (`--> file:line:col`, the line, a caret under the spot).
//! Pure text: no terminal, no I/O.

use std::borrow::Cow;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthChar;

/// 1-based line and column (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user named it (or `built-in:gad7`).
    pub file: String,
    pub span: Option<Span>,
    /// Where in the document, e.g. `scales[0].bands[1].min` (shown when no span).
    pub path: String,
    pub message: String,
    /// What was expected instead; shown beside the caret.
    pub expected: Option<String>,
}

impl Diagnostic {
    pub fn new(file: &str, path: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_string(),
            span: None,
            path: path.to_string(),
            message: message.into(),
            expected: None,
        }
    }

    #[must_use]
    pub fn at(mut self, span: Option<Span>) -> Self {
        self.span = span;
        self
    }

    #[must_use]
    pub fn expected(mut self, what: impl Into<String>) -> Self {
        self.expected = Some(what.into());
        self
    }

    /// Render with the source text the spans point into.
    pub fn render(&self, source: &str) -> String {
        self.render_as(crate::messages::error(), source)
    }

    /// Render as a warning: the same form, for what is allowed but unsafe.
    pub fn render_warning(&self, source: &str) -> String {
        self.render_as(crate::messages::warning(), source)
    }

    /// `severity`: the prefix with its separator (`error: `, `错误：`).
    fn render_as(&self, severity: &str, source: &str) -> String {
        use crate::messages::{pick, tr};
        let expected = self.expected.as_deref().map(shorten);
        let file = shorten(&self.file);
        let mut out = format!("{severity}{}\n", shorten(&self.message));
        let expect = pick("expected ", "应为：");
        let Some(span) = self.span else {
            if self.path.is_empty() {
                let _ = writeln!(out, "  --> {file}");
            } else {
                let path = shorten(&self.path);
                let _ = writeln!(
                    out,
                    "{}",
                    tr!("  --> {file} (at {path})", "  --> {file}（位置 {path}）")
                );
            }
            if let Some(e) = &expected {
                let _ = writeln!(out, "  = {expect}{e}");
            }
            return out;
        };
        let _ = writeln!(out, "  --> {file}:{}:{}", span.line, span.col);
        let Some(text) = source.lines().nth(span.line.saturating_sub(1)) else {
            return out;
        };
        let (text, col) = window(text.trim_end_matches('\r'), span.col);
        let num = span.line.to_string();
        let pad = " ".repeat(num.len());
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{num} | {}", text.replace('\t', "    "));
        let caret_pad = display_width(&text, col.saturating_sub(1));
        let _ = write!(out, "{pad} | {}^", " ".repeat(caret_pad));
        if let Some(e) = &expected {
            let _ = write!(out, " {expect}{e}");
        }
        out.push('\n');
        out
    }
}

/// Longest quoted text (`…` or "…") a message echoes whole.
const MAX_QUOTED: usize = 80;
/// Longest message, path or expectation shown, in characters.
const MAX_MESSAGE: usize = 2000;

/// A message as shown: every quoted piece of user text (a YAML key, a
/// label, a header) cut to [`MAX_QUOTED`] characters, and the whole to
/// [`MAX_MESSAGE`], cuts marked `…`. A key of megabytes must not come back
/// whole in every error about it.
fn shorten(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_QUOTED {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = rest[open..].chars().next().unwrap_or('"');
        let body_from = open + quote.len_utf8();
        let Some(len) = rest[body_from..].find(quote) else {
            break;
        };
        out.push_str(&rest[..body_from]);
        out.push_str(&cut(&rest[body_from..body_from + len], MAX_QUOTED));
        out.push(quote);
        rest = &rest[body_from + len + quote.len_utf8()..];
        if out.len() > MAX_MESSAGE * 4 {
            break;
        }
    }
    out.push_str(rest);
    Cow::Owned(cut(&out, MAX_MESSAGE).into_owned())
}

/// `text` cut to `max` characters, the cut marked `…`.
fn cut(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((at, _)) => Cow::Owned(format!("{}…", &text[..at])),
    }
}

/// Lines longer than this are shown as a window around the column.
const MAX_LINE: usize = 200;

/// The part of a long line worth showing: up to [`MAX_LINE`] characters
/// around `col`, cut ends marked `…`, and the column within it. A one-line
/// file of megabytes must not be printed whole with every error.
fn window(line: &str, col: usize) -> (Cow<'_, str>, usize) {
    if line.len() <= MAX_LINE || line.chars().count() <= MAX_LINE {
        return (Cow::Borrowed(line), col);
    }
    let byte_at = |n: usize| line.char_indices().nth(n).map_or(line.len(), |(i, _)| i);
    let start = col.saturating_sub(1).saturating_sub(MAX_LINE / 2);
    let (from, to) = (byte_at(start), byte_at(start + MAX_LINE));
    let mut shown = String::new();
    if from > 0 {
        shown.push('…');
    }
    shown.push_str(&line[from..to]);
    if to < line.len() {
        shown.push('…');
    }
    (Cow::Owned(shown), col - start + usize::from(from > 0))
}

/// Display width of the first `chars` characters of `line` (CJK = 2, tab = 4).
fn display_width(line: &str, chars: usize) -> usize {
    line.chars()
        .take(chars)
        .map(|c| if c == '\t' { 4 } else { c.width().unwrap_or(0) })
        .sum()
}

/// Problems rendered per file; a hostile file can have millions.
pub const MAX_RENDERED: usize = 50;

/// Render a list of diagnostics for one file, each followed by a blank
/// line: the first [`MAX_RENDERED`], then how many more there are.
pub fn render_all(diags: &[Diagnostic], source: &str) -> String {
    let mut out = String::new();
    for d in diags.iter().take(MAX_RENDERED) {
        out.push_str(&d.render(source));
        out.push('\n');
    }
    if let Some(first) = diags.get(MAX_RENDERED) {
        let (more, file) = (diags.len() - MAX_RENDERED, &first.file);
        let _ = writeln!(
            out,
            "{}{}\n",
            crate::messages::error(),
            crate::messages::tr!(
                "{more} more problem(s) in {file}, not shown: fix the ones above first",
                "{file} 中还有 {more} 个问题未显示：请先改正上面的问题"
            )
        );
    }
    out
}

/// Escape control characters before echoing user data on a terminal.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Diagnostics already rendered for the user (with source lines and carets).
/// `main` prints it verbatim and exits 2.
#[derive(Debug)]
pub struct Reported(pub String);

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.trim_end())
    }
}
impl std::error::Error for Reported {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_column() {
        let src = "id: x\nscales:\n  - {min: 6, max: 9}\n";
        let d = Diagnostic::new("f.yaml", "scales[0].min", "no band holds 5")
            .at(Some(Span { line: 3, col: 11 }))
            .expected("min: 5");
        assert_eq!(
            d.render(src),
            "error: no band holds 5\n  --> f.yaml:3:11\n  |\n3 |   - {min: 6, max: 9}\n  |           ^ expected min: 5\n"
        );
    }

    #[test]
    fn caret_after_wide_characters() {
        let src = "zh: \"轻度\", x: 1\n";
        let d = Diagnostic::new("f.yaml", "", "bad").at(Some(Span { line: 1, col: 11 }));
        // 4 ascii + quote + 2 wide chars (4 columns) + quote + ", " = 11 columns before x
        assert!(
            d.render(src).ends_with("  |             ^\n"),
            "{}",
            d.render(src)
        );
    }

    #[test]
    fn warnings_render_like_errors() {
        let d = Diagnostic::new("p.yaml", "", "unsafe").at(Some(Span { line: 1, col: 3 }));
        assert_eq!(
            d.render_warning("a: b\n"),
            "warning: unsafe\n  --> p.yaml:1:3\n  |\n1 | a: b\n  |   ^\n"
        );
    }

    #[test]
    fn a_long_line_is_shown_around_the_column() {
        let line = format!("{}BAD{}", "a".repeat(5000), "b".repeat(5000));
        let d = Diagnostic::new("f.yaml", "", "bad").at(Some(Span { line: 1, col: 5001 }));
        let r = d.render(&line);
        assert!(r.len() < 700, "{r}");
        let shown = r.lines().nth(3).unwrap();
        let caret = r.lines().nth(4).unwrap();
        assert!(
            shown.starts_with("1 | …a") && shown.ends_with("b…"),
            "{shown}"
        );
        // the caret is under the B of BAD
        let at = caret.chars().position(|c| c == '^').unwrap();
        assert_eq!(shown.chars().nth(at), Some('B'), "{r}");
        // a short line is untouched
        let d = Diagnostic::new("f.yaml", "", "bad").at(Some(Span { line: 1, col: 3 }));
        assert!(d.render("abcdef").contains("1 | abcdef\n"));
    }

    #[test]
    fn many_problems_are_cut_short() {
        let diags = vec![Diagnostic::new("f.yaml", "", "bad"); MAX_RENDERED + 7];
        let r = render_all(&diags, "");
        assert_eq!(r.matches("error: bad").count(), MAX_RENDERED);
        assert!(r.ends_with(
            "error: 7 more problem(s) in f.yaml, not shown: fix the ones above first\n\n"
        ));
    }

    #[test]
    fn without_span_names_the_path() {
        let d = Diagnostic::new("f.yaml", "scales[2]", "boom");
        assert_eq!(d.render(""), "error: boom\n  --> f.yaml (at scales[2])\n");
    }

    #[test]
    fn huge_user_text_is_cut_in_messages() {
        let key = "k".repeat(1_000_000);
        let d = Diagnostic::new(
            "m.yaml",
            &format!("columns.{key}"),
            format!("column \"{key}\" maps to `{key}`, unknown"),
        )
        .expected(format!("not `{key}`"));
        let r = d.render("");
        let short = format!("{}…", "k".repeat(MAX_QUOTED));
        assert_eq!(
            r.lines().next().unwrap(),
            format!("error: column \"{short}\" maps to `{short}`, unknown")
        );
        assert!(r.contains(&format!("expected not `{short}`")), "{r}");
        // unquoted text is cut as a whole
        let r = Diagnostic::new("m.yaml", "", "x ".repeat(1_000_000)).render("");
        assert!(r.len() < 3 * MAX_MESSAGE, "{}", r.len());
        assert!(r.lines().next().unwrap().ends_with('…'));
        // short messages are untouched, quotes and all
        assert_eq!(shorten("a `b` \"c"), "a `b` \"c");
    }

    #[test]
    fn sanitize_escapes_controls() {
        assert_eq!(sanitize("a\u{1b}[31mb"), "a\\u{1b}[31mb");
    }
}
