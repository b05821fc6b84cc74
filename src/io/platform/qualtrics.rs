//! Qualtrics CSV/TSV: row 1 the export names (`Q1_1`, or names recoded
//! in the survey such as `phq9_1`), row 2 the question text (a matrix
//! statement as `Question - Statement`), row 3 `{"ImportId":"QID1_1"}`;
//! answers from row 4. The legacy export has two rows: `V1`…`V10` and
//! `Q1`… over `ResponseID`, `ResponseSet`, … and the question texts.
//! Numbers are the choices' recode values (1..k unless recoded).

use super::{cell, position, Layout, Platform};

pub fn detect(headers: &[String], rows: &[Vec<String>]) -> Option<Layout> {
    let import_row = |r: &Vec<String>| {
        let ids = r.iter().filter(|c| c.starts_with("{\"ImportId\"")).count();
        ids > 0 && ids * 2 >= r.iter().filter(|c| !c.is_empty()).count()
    };
    if rows.len() >= 2 && import_row(&rows[1]) {
        let mut l = Layout::new(
            Platform::Qualtrics,
            "3 header rows: names, question text, ImportId; answers from row 4",
            "3 行表头：变量名、题目文字、ImportId；作答从第 4 行起",
        );
        l.extra_rows = 2;
        l.texts = rows[0].clone();
        l.id = position(headers, "ResponseId").map(|c| headers[c].clone());
        l.numbers_from_one = true;
        return Some(l);
    }
    let legacy = headers.first().is_some_and(|h| h == "V1")
        && rows
            .first()
            .is_some_and(|r| cell(r, 0).eq_ignore_ascii_case("ResponseID"));
    if legacy {
        let mut l = Layout::new(
            Platform::Qualtrics,
            "legacy: 2 header rows (V1… names, then ResponseID… and question texts); answers from row 3",
            "旧版：2 行表头（V1… 变量名，然后 ResponseID… 与题目文字）；作答从第 3 行起",
        );
        l.extra_rows = 1;
        l.texts = rows[0].clone();
        // V1…V10 say nothing: their names are in row 2
        l.headers = Some(
            headers
                .iter()
                .enumerate()
                .map(|(c, h)| {
                    let v_name = h
                        .strip_prefix('V')
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
                    if v_name && !cell(&rows[0], c).is_empty() {
                        cell(&rows[0], c).to_string()
                    } else {
                        h.clone()
                    }
                })
                .collect(),
        );
        l.id = Some("ResponseID".into());
        l.numbers_from_one = true;
        return Some(l);
    }
    // the 2-row layout of a new export with the ImportId row left out
    let id = position(headers, "ResponseId")?;
    if rows
        .first()
        .is_some_and(|r| cell(r, id).eq_ignore_ascii_case("Response ID"))
    {
        let mut l = Layout::new(
            Platform::Qualtrics,
            "2 header rows: names, question text; answers from row 3",
            "2 行表头：变量名、题目文字；作答从第 3 行起",
        );
        l.extra_rows = 1;
        l.texts = rows[0].clone();
        l.id = Some(headers[id].clone());
        l.numbers_from_one = true;
        return Some(l);
    }
    None
}
