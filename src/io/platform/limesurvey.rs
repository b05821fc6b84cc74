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
    let (en, zh, id) = if code {
        ("code headings", "代码表头", "id")
    } else if full {
        (
            "full (or abbreviated) headings",
            "完整（或缩略）表头",
            "Response ID",
        )
    } else {
        return None;
    };
    let mut l = Layout::new(Platform::Limesurvey, en, zh);
    l.hint = Some((
        "items are found by their text in full headings (Question [Subquestion]); abbreviated headings cut the text and code headings (PHQ9[SQ001]) have none: export with full headings and full answers, or give --map",
        "题目按完整表头中的文字（问题 [子问题]）对应；缩略表头截短了文字，代码表头（PHQ9[SQ001]）没有文字：请以完整表头与完整答案导出，或用 --map",
    ));
    l.id = has(headers, id).then(|| id.to_string());
    l.id_counts_responses = true;
    Some(l)
}
