//! 腾讯问卷 (Tencent Survey): one header row with its own columns
//! (`编号`, `开始答题时间`, `结束答题时间`, `答题时长`, `地理位置…`, `用户类型`,
//! …) and the questions as numbered texts (`1.题目`; a matrix row as
//! `题目—行` or `题目(行)`); answers as option texts, or option numbers
//! 1..k in the coded export (导出答题编码).

use super::{has, Layout, Platform};

pub fn detect(headers: &[String], _rows: &[Vec<String>]) -> Option<Layout> {
    let marks =
        has(headers, "开始答题时间") && (has(headers, "结束答题时间") || has(headers, "答题时长"));
    marks.then(|| {
        let mut l = Layout::new(
            Platform::Tencent,
            "question texts as headers",
            "题目文字作表头",
        );
        l.numbers_from_one = true;
        l.id = has(headers, "编号").then(|| "编号".into());
        l.id_counts_responses = true;
        l
    })
}
