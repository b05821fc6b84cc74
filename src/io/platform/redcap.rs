//! REDCap: a raw export has the variable names (`record_id`, `phq9_1`,
//! checkbox choices as `var___1`, `{form}_complete`) and coded answers; a
//! label export has the field labels as headers (`Record ID`, the question
//! texts, `Complete?`, a checkbox choice as `Label (choice=Text)`) and the
//! choice labels as answers. One header row. The record id (the first
//! column) is the id.

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
    let (variant, id) = if first == "record_id" || (raw_marks && !label_marks) {
        ("raw: variable names and coded answers", first.clone())
    } else if first == "Record ID" || label_marks {
        (
            "labels: field labels as headers, choice labels as answers",
            first.clone(),
        )
    } else {
        return None;
    };
    let mut l = Layout::new(Platform::Redcap, variant);
    l.id = Some(id);
    Some(l)
}

/// `var___1`: one choice of a checkbox field (1 checked, 0 not).
fn checkbox(h: &str) -> bool {
    h.rsplit_once("___")
        .is_some_and(|(name, code)| !name.is_empty() && !code.is_empty())
}
