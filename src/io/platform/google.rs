//! Google Forms (the responses sheet, or its CSV download): `Timestamp`
//! first, then the question texts as headers (a grid's rows as
//! `Question [Row]`), the choice labels as answers.

use super::{Layout, Platform};

pub fn detect(headers: &[String], _rows: &[Vec<String>]) -> Option<Layout> {
    let first = headers.first()?.trim();
    ["Timestamp", "时间戳记", "時間戳記"]
        .contains(&first)
        .then(|| {
            Layout::new(
                Platform::GoogleForms,
                "question texts as headers, labels as answers",
                "题目文字作表头，选项文字作答案",
            )
        })
}
