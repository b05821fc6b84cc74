//! REDCap: a raw export has the variable names (`record_id`, `phq9_1`,
//! checkbox choices as `var___1`, `{form}_complete`, `{form}_timestamp`)
//! and coded answers; a label export has the field labels as headers
//! (`Record ID`, the question texts, `Complete?`, a checkbox choice as
//! `Label (choice=Text)`) and the choice labels as answers. One header
//! row. The record id (the first column, whatever its name) is the id.

use super::{Layout, Platform};

pub fn detect(headers: &[String], _rows: &[Vec<String>]) -> Option<Layout> {
    let first = headers.first()?;
    let raw_marks = headers.iter().any(|h| {
        h == "redcap_event_name"
            || h == "redcap_repeat_instrument"
            || h == "redcap_survey_identifier"
            || h.ends_with("_complete")
            || checkbox(h)
    });
    let label_marks = headers.iter().any(|h| {
        h == "Event Name"
            || h == "Repeat Instrument"
            || h == "Survey Identifier"
            || h == "Complete?"
            || h.contains("(choice=")
    });
    let (en, zh) = if first == "record_id" || (raw_marks && !label_marks) {
        (
            "raw: variable names and coded answers",
            "原始：变量名与编码答案",
        )
    } else if first == "Record ID" || label_marks {
        (
            "labels: field labels as headers, choice labels as answers",
            "标签：字段标签作表头，选项标签作答案",
        )
    } else {
        return None;
    };
    let mut l = Layout::new(Platform::Redcap, en, zh);
    l.hint = Some((
        "a raw export is matched by variable names (phq9_1 …): other names need --map, or an export with labels",
        "原始导出按变量名（phq9_1 …）对应：其他变量名需要 --map，或改为导出标签",
    ));
    l.id = Some(first.clone());
    Some(l)
}

/// `var___1`: one choice of a checkbox field (1 checked, 0 not).
fn checkbox(h: &str) -> bool {
    h.rsplit_once("___")
        .is_some_and(|(name, code)| !name.is_empty() && !code.is_empty())
}
