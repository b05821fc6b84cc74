//! SurveyMonkey: a question's name spreads over two header rows. Row 1
//! has the question text over its first column only (blank over the
//! rest of a matrix), row 2 `Response`, `Open-Ended Response`, or a
//! matrix row's statement; metadata columns (`Respondent ID`, `Collector
//! ID`, dates, IP) have nothing in row 2. Answers from row 3, as choice
//! text (or 1..k with "numerical values").

use super::{cell, position, Layout, Platform};

pub fn detect(headers: &[String], rows: &[Vec<String>]) -> Option<Layout> {
    let id = position(headers, "Respondent ID")?;
    // row 2 is a header row only when it holds no respondent: a file
    // `score` wrote with --keep "Collector ID" has an id there
    // (nor a collector: SurveyMonkey fills it in every answer row), and
    // holds no number: its cells are Response or statements, never answers
    let collector = position(headers, "Collector ID")?;
    let second = rows.first().filter(|r| {
        cell(r, id).is_empty()
            && cell(r, collector).is_empty()
            && !r.iter().any(|c| c.trim().parse::<f64>().is_ok())
    })?;
    let mut names = Vec::with_capacity(headers.len());
    let mut question = String::new();
    for (c, h) in headers.iter().enumerate() {
        let sub = cell(second, c);
        if !h.is_empty() {
            question = h.clone();
        }
        let generic = sub.is_empty()
            || sub.eq_ignore_ascii_case("Response")
            || sub.eq_ignore_ascii_case("Open-Ended Response");
        // a matrix row (or a choice of several columns) under its question
        names.push(if generic {
            h.clone()
        } else {
            format!("{question} - {sub}")
        });
    }
    let mut l = Layout::new(
        Platform::Surveymonkey,
        "2 header rows: question, then Response or the matrix statement; answers from row 3",
        "2 行表头：题目，然后 Response 或矩阵的行；作答从第 3 行起",
    );
    l.extra_rows = 1;
    l.headers = Some(names);
    l.id = Some("Respondent ID".into());
    l.numbers_from_one = true;
    Some(l)
}
