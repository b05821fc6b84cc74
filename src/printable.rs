//! Text from outside psyscreen (instrument and policy files, CSV headers and
//! cells) made safe to print on a terminal: a crafted string must not clear
//! the screen, move the cursor, set the window title or reorder text.

use std::borrow::Cow;

/// `s` without terminal control characters: C0 controls other than line
/// feed and tab (so ESC, CR, BEL, backspace), DEL, C1 controls, and the
/// bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069).
/// Each removed character becomes `\u{FFFD}` so a reader sees that
/// something was there. Borrowed when there is nothing to remove.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| if is_unsafe(c) { '\u{FFFD}' } else { c })
            .collect(),
    )
}

/// As [`printable`], for one line: line feeds and tabs are replaced too
/// (a header name or cell echoed in a one-line message).
pub fn printable_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) || c == '\n' || c == '\t') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\n' | '\t' => ' ',
                c if is_unsafe(c) => '\u{FFFD}',
                c => c,
            })
            .collect(),
    )
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(printable("PHQ-9 第9题\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_and_controls_are_replaced() {
        assert_eq!(
            printable("a\x1b[2Jb\x1b]0;pwn\x07c"),
            "a\u{FFFD}[2Jb\u{FFFD}]0;pwn\u{FFFD}c"
        );
        assert_eq!(printable("x\ry\u{9b}z"), "x\u{FFFD}y\u{FFFD}z");
        assert_eq!(printable("\u{202E}evil"), "\u{FFFD}evil");
        assert_eq!(printable("keep\nlines\tand tabs"), "keep\nlines\tand tabs");
        assert_eq!(printable_line("a\nb\tc\x1b"), "a b c\u{FFFD}");
    }
}
