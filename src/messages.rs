//! The language of psyscreen's own messages on stderr (`--lang`): set once
//! by the command, read where a message is written. Messages people act on
//! (the run summary, warnings, problems in their file, errors they can fix)
//! are written with [`tr!`] in English and Chinese; internal errors stay in
//! English.

use std::sync::atomic::{AtomicBool, Ordering};

/// The language of texts (instruments, policies) and of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

static CHINESE: AtomicBool = AtomicBool::new(false);

/// Set the language of the messages of this run.
pub fn set(lang: Lang) {
    CHINESE.store(lang == Lang::Zh, Ordering::Relaxed);
}

/// The language of the messages of this run (English unless set).
pub fn lang() -> Lang {
    if CHINESE.load(Ordering::Relaxed) {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// A message in the run's language: `tr!("row {row}: …", "第 {row} 行：…")`,
/// both formats taking the same arguments.
macro_rules! tr {
    ($en:literal, $zh:literal $(, $($arg:tt)*)?) => {
        match $crate::messages::lang() {
            $crate::messages::Lang::En => format!($en $(, $($arg)*)?),
            $crate::messages::Lang::Zh => format!($zh $(, $($arg)*)?),
        }
    };
}
pub(crate) use tr;

/// The prefix of an error, a warning, a note or a notice.
pub fn error() -> &'static str {
    pick("error: ", "错误：")
}

pub fn warning() -> &'static str {
    pick("warning: ", "警告：")
}

pub fn note() -> &'static str {
    pick("note: ", "注意：")
}

pub fn notice() -> &'static str {
    pick("notice: ", "提示：")
}

/// Why a file could not be read, in the run's language: the system's
/// own words in English, the usual reasons in Chinese.
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match (lang(), e.kind()) {
        (Lang::Zh, ErrorKind::NotFound) => "没有这个文件".into(),
        (Lang::Zh, ErrorKind::PermissionDenied) => "没有读取权限".into(),
        (Lang::Zh, ErrorKind::IsADirectory) => "这是一个目录，不是文件".into(),
        _ => e.to_string(),
    }
}

/// `en` or `zh`, by the run's language.
pub fn pick(en: &'static str, zh: &'static str) -> &'static str {
    match lang() {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// `text` with the space that parts it from Chinese written after it:
/// none after full-width punctuation, which carries its own space
/// (`q.csv（按 UTF-8 读取）中的列`, `q.csv 中的列`).
pub fn spaced(text: &str) -> String {
    match text.chars().last() {
        Some('）' | '」' | '』' | '”' | '》' | '】') => text.to_string(),
        _ => format!("{text} "),
    }
}

#[cfg(test)]
mod tests {
    use super::spaced;

    #[test]
    fn no_space_after_full_width_punctuation() {
        assert_eq!(spaced("q.csv（按 UTF-8 读取）"), "q.csv（按 UTF-8 读取）");
        assert_eq!(spaced("q.csv"), "q.csv ");
    }
}
