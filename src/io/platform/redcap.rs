//! REDCap: a raw export has the variable names (`record_id`, `phq9_1`,
//! checkbox choices as `var___1`, `{form}_complete`, `{form}_timestamp`)
//! and coded answers; a label export has the field labels as headers
//! (`Record ID`, the question texts, `Complete?`, a checkbox choice as
//! `Label (choice=Text)`) and the choice labels as answers. One header
//! row. The record id (the first column, whatever its name) is the id.

use super::{Layout, Platform};

pub fn detect(headers: &[String], _rows: &[Vec<String>]) -> Option<Layout> {
    let first = headers.first()?;
    // REDCap's own columns; a form's status `{form}_complete` (or a
    // checkbox choice) counts only after a variable name as the first
    // column, the record id: a plain table's `survey_complete` column
    // must not make its first column the id
    let redcap_columns = headers.iter().any(|h| {
        h == "redcap_event_name"
            || h == "redcap_repeat_instrument"
            || h == "redcap_survey_identifier"
    });
    let form_marks = variable_name(first)
        && headers
            .iter()
            .any(|h| h.ends_with("_complete") && variable_name(h))
        && headers
            .iter()
            .skip(1)
            .all(|h| variable_name(h) || h.is_empty());
    let raw_marks = redcap_columns || form_marks;
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

/// A REDCap variable name: lower-case letters, digits and `_`, starting
/// with a letter (a checkbox choice `var___1` is one too).
fn variable_name(h: &str) -> bool {
    h.starts_with(|c: char| c.is_ascii_lowercase())
        && h.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(h: &[&str]) -> Option<String> {
        let h: Vec<String> = h.iter().map(|s| s.to_string()).collect();
        detect(&h, &[]).map(|l| l.id.unwrap())
    }

    #[test]
    fn raw_exports_by_their_own_columns() {
        assert_eq!(
            platform(&["participant_id", "pmq1", "consent___1", "survey_complete"]).as_deref(),
            Some("participant_id")
        );
        assert_eq!(
            platform(&["study_id", "redcap_event_name", "Q1"]).as_deref(),
            Some("study_id")
        );
        // a plain table with a column that ends in _complete is no export
        assert_eq!(
            platform(&["class", "Name", "phq9_1", "survey_complete"]),
            None
        );
        assert_eq!(platform(&["id", "phq9_1", "phq9_2"]), None);
    }
}
