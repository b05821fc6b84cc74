//! LimeSurvey: one header row, as "code" headings (`id`, `submitdate`,
//! `lastpage`, `startlanguage`, `seed`, then `G1Q1`, an array's rows as
//! `PHQ9[SQ001]`), "full" headings (`Response ID`, `Date submitted`, …,
//! an array's rows as `Question [Subquestion]`) or "abbreviated" ones
//! (the full text cut short: it cannot be matched, so use full or code
//! headings). Answers are short (answer codes such as `A1`) or long
//! (the answer texts).

use super::{has, Layout, Platform};

pub fn detect(headers: &[String], _rows: &[Vec<String>]) -> Option<Layout> {
    let code = ["submitdate", "lastpage", "startlanguage"]
        .iter()
        .all(|h| has(headers, h));
    let full = [
        "Response ID",
        "Date submitted",
        "Last page",
        "Start language",
    ]
    .iter()
    .all(|h| has(headers, h));
    let (variant, id) = if code {
        ("code headings", "id")
    } else if full {
        ("full headings", "Response ID")
    } else {
        return None;
    };
    let mut l = Layout::new(Platform::Limesurvey, variant);
    l.id = has(headers, id).then(|| id.to_string());
    Some(l)
}
