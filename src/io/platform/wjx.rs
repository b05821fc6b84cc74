//! 问卷星 (wjx): one header row with its own columns (`序号`, `提交答卷时间`,
//! `所用时间`, `来源`, `来源详情`, `来自IP`) and the questions as `1、题目`, a
//! matrix row as `第3题(行)`. Two downloads: 按选项序号 (option numbers
//! 1..k) and 按选项文本 (option texts).

use super::{has, Layout, Platform};

pub fn detect(headers: &[String], _rows: &[Vec<String>]) -> Option<Layout> {
    let marks = has(headers, "序号") && (has(headers, "提交答卷时间") || has(headers, "所用时间"));
    marks.then(|| {
        let mut l = Layout::new(
            Platform::Wjx,
            "question texts as headers (按选项序号 numbers or 按选项文本 texts)",
            "题目文字作表头（按选项序号或按选项文本）",
        );
        l.numbers_from_one = true;
        l.id = Some("序号".into());
        l.id_counts_responses = true;
        l
    })
}
