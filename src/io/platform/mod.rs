//! Survey platforms' exports as they come: which platform wrote a file
//! (detected once from its first rows, or forced with `--from`), and what
//! its header rows mean. A platform turns its header rows into the
//! pipeline's normal header (row 1, with a question text per column where
//! the platform gives one) and says which row the answers start on; the
//! scoring core never sees the difference. `codebook` checks an export's
//! numbers against the instruments before anything is scored.
//!
//! One small module per platform, each with `detect(headers, rows)`:
//! `rows` are the rows after row 1 (at most `LOOK`), as text.

pub mod codebook;
mod google;
mod limesurvey;
mod qualtrics;
mod redcap;
mod surveymonkey;
mod tencent;
mod wjx;

use std::collections::VecDeque;

use crate::io::fields::Record;

pub use crate::cli::Platform;

use super::input::Table;
use super::record::RecordInfo;

/// Rows read ahead at open: the extra header rows a platform may have,
/// and a sample of answers for the code-book check.
pub const SAMPLE: usize = 200;

/// Rows after the header a detector looks at.
const LOOK: usize = 3;

/// What a platform's header rows mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub platform: Platform,
    /// The variant, for `--check` (`3 header rows: …`, `raw`, …), in
    /// English and Chinese.
    pub variant: (&'static str, &'static str),
    /// What to do when items are not found in this layout (English,
    /// Chinese), for `--check`.
    pub hint: Option<(&'static str, &'static str)>,
    /// Header rows after row 1 (skipped: they are no one's answers).
    pub extra_rows: usize,
    /// The header to use instead of row 1, when the platform spreads
    /// names over several rows (SurveyMonkey, Qualtrics legacy).
    pub headers: Option<Vec<String>>,
    /// Per column, the question text the platform puts in a header row
    /// other than the names (Qualtrics row 2); empty when none.
    pub texts: Vec<String>,
    /// The platform's response id column, the default id.
    pub id: Option<String>,
    /// `id` is the platform's running number of responses (1, 2, 3 … in
    /// each survey: wjx 序号, 腾讯问卷 编号, LimeSurvey's response id): it
    /// names a response, not a person, so `change` does not link waves by it.
    pub id_counts_responses: bool,
    /// The platform numbers options 1..k unless told otherwise (Qualtrics
    /// choice numbers, wjx 按选项序号, SurveyMonkey numerical values).
    pub numbers_from_one: bool,
    /// Instruments whose codes a labels export showed to be right
    /// (`codebook::cross_check`): the number-only check skips them.
    pub proven: Vec<String>,
}

impl Layout {
    fn new(platform: Platform, en: &'static str, zh: &'static str) -> Layout {
        Layout {
            platform,
            variant: (en, zh),
            hint: None,
            extra_rows: 0,
            headers: None,
            texts: Vec::new(),
            id: None,
            id_counts_responses: false,
            numbers_from_one: false,
            proven: Vec::new(),
        }
    }

    /// The variant in the run's language.
    pub fn variant(&self) -> &'static str {
        crate::messages::pick(self.variant.0, self.variant.1)
    }

    /// The hint in the run's language, if any.
    pub fn hint(&self) -> Option<&'static str> {
        self.hint.map(|(en, zh)| crate::messages::pick(en, zh))
    }

    /// The platform's name as people know it.
    pub fn name(&self) -> &'static str {
        name(self.platform)
    }

    /// The id column's name when it is only the platform's running number
    /// of responses (`id_counts_responses`): a response, not a person.
    pub fn running_id(&self) -> Option<&str> {
        self.id.as_deref().filter(|_| self.id_counts_responses)
    }

    /// The column in which the export records when a response was
    /// submitted, the better first: Qualtrics' `EndDate` (when the person
    /// finished) before `RecordedDate`. REDCap has a survey timestamp per
    /// form (`FORM_timestamp`), and which form holds which instrument is
    /// not known: none.
    pub fn submitted_column(&self, headers: &[String]) -> Option<usize> {
        let names: &[&str] = match self.platform {
            Platform::Qualtrics => &["EndDate", "RecordedDate"],
            Platform::Surveymonkey => &["End Date"],
            Platform::Limesurvey => &["submitdate", "Date submitted"],
            Platform::Tencent => &["结束答题时间"],
            Platform::Wjx => &["提交答卷时间"],
            // the first column, whose name marks the export
            Platform::GoogleForms => {
                let first = headers.first()?.trim();
                return ["Timestamp", "时间戳记", "時間戳記"]
                    .contains(&first)
                    .then_some(0);
            }
            Platform::Redcap | Platform::Plain | Platform::Auto => &[],
        };
        names.iter().find_map(|n| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(n))
        })
    }
}

pub fn name(p: Platform) -> &'static str {
    match p {
        Platform::Plain => "plain table",
        Platform::Auto => "detected",
        Platform::Qualtrics => "Qualtrics",
        Platform::Surveymonkey => "SurveyMonkey",
        Platform::Redcap => "REDCap",
        Platform::Limesurvey => "LimeSurvey",
        Platform::GoogleForms => "Google Forms",
        Platform::Tencent => "腾讯问卷 (Tencent Survey)",
        Platform::Wjx => "问卷星 (wjx)",
    }
}

type Detector = fn(&[String], &[Vec<String>]) -> Option<Layout>;

/// In the order they are tried: the most specific marks first.
const DETECTORS: [(Platform, Detector); 7] = [
    (Platform::Qualtrics, qualtrics::detect),
    (Platform::Surveymonkey, surveymonkey::detect),
    (Platform::Redcap, redcap::detect),
    (Platform::Limesurvey, limesurvey::detect),
    (Platform::GoogleForms, google::detect),
    (Platform::Tencent, tencent::detect),
    (Platform::Wjx, wjx::detect),
];

/// Which platform wrote `headers` and the `rows` after it; `from` forces
/// one (an error when the file does not have its layout). `None`: a plain
/// table.
pub fn detect(
    headers: &[String],
    rows: &[Vec<String>],
    from: Option<Platform>,
) -> Result<Option<Layout>, String> {
    match from {
        Some(Platform::Plain) => Ok(None),
        Some(Platform::Auto) | None => Ok(DETECTORS.iter().find_map(|(_, d)| d(headers, rows))),
        Some(p) => {
            let (_, detect) = DETECTORS
                .iter()
                .find(|(q, _)| *q == p)
                .expect("every platform but plain has a detector");
            detect(headers, rows).map(Some).ok_or_else(|| expected(p))
        }
    }
}

/// What `--from P` expects, when the file does not have it.
fn expected(p: Platform) -> String {
    use crate::messages::tr;
    let marks = match p {
        Platform::Qualtrics => tr!("row 3 of {{\"ImportId\":…}} cells, or a legacy row 1 of V1, V2, … over ResponseID", "第 3 行为 {{\"ImportId\":…}} 单元格，或旧版第 1 行为 V1, V2, …、其下为 ResponseID"),
        Platform::Surveymonkey => tr!("Respondent ID and Collector ID in row 1, and Response or a statement under each question in row 2", "第 1 行有 Respondent ID 与 Collector ID，第 2 行每题下为 Response 或矩阵的行"),
        Platform::Redcap => tr!("record_id (raw) or Record ID (labels) as the first column, or REDCap's own columns (redcap_event_name, *_complete, Complete?)", "第一列为 record_id（原始）或 Record ID（标签），或有 REDCap 自己的列（redcap_event_name、*_complete、Complete?）"),
        Platform::Limesurvey => tr!("LimeSurvey's own columns (id, submitdate, lastpage, startlanguage or Response ID, Date submitted, Last page, Start language)", "LimeSurvey 自己的列（id, submitdate, lastpage, startlanguage 或 Response ID, Date submitted, Last page, Start language）"),
        Platform::GoogleForms => tr!("Timestamp (or 时间戳记) as the first column", "第一列为 Timestamp（或 时间戳记）"),
        Platform::Tencent => tr!("开始答题时间 and 结束答题时间 (or 答题时长) columns", "有 开始答题时间 与 结束答题时间（或 答题时长）列"),
        Platform::Wjx => tr!("序号 and 提交答卷时间 (or 所用时间) columns", "有 序号 与 提交答卷时间（或 所用时间）列"),
        Platform::Plain | Platform::Auto => String::new(),
    };
    let name = name(p);
    tr!(
        "it does not look like a {name} export: expected {marks}",
        "看起来不是 {name} 的导出：应当{marks}"
    )
}

/// Read ahead the first rows of `table`, detect (or check the forced)
/// platform, and turn its header rows into `table`'s header: the extra
/// header rows are dropped, so the first row handed out is an answer row.
pub fn adapt(table: &mut Table, from: Option<Platform>) -> anyhow::Result<()> {
    if from == Some(Platform::Plain) {
        return Ok(());
    }
    table.read_ahead();
    let rows = look(table.ahead_rows());
    let layout = detect(&table.headers, &rows, from)
        .map_err(|e| anyhow::anyhow!("--from: {}: {e}", table.name))?;
    if let Some(l) = layout {
        let ahead = table.ahead_rows();
        let skip = l.extra_rows.min(ahead.len());
        ahead.drain(..skip);
        if let Some(h) = &l.headers {
            table.headers.clone_from(h);
        }
        table.layout = Some(l);
    }
    Ok(())
}

/// Read up to `SAMPLE` rows after the header of `read` into a queue, for
/// detection and the code-book check; a read error is kept for its turn.
pub fn peek(
    mut read: impl FnMut(&mut Record) -> anyhow::Result<Option<RecordInfo>>,
) -> (VecDeque<(Record, RecordInfo)>, Option<anyhow::Error>) {
    let mut rows = VecDeque::new();
    while rows.len() < SAMPLE {
        let mut rec = Record::new();
        match read(&mut rec) {
            Ok(Some(info)) => rows.push_back((rec, info)),
            Ok(None) => break,
            Err(e) => return (rows, Some(e)),
        }
    }
    (rows, None)
}

/// The first rows as text, for the detectors.
pub fn look(rows: &VecDeque<(Record, RecordInfo)>) -> Vec<Vec<String>> {
    rows.iter()
        .take(LOOK)
        .map(|(r, _)| {
            r.iter()
                .map(|c| String::from_utf8_lossy(c).trim().to_string())
                .collect()
        })
        .collect()
}

/// The cell of column `c` in `row`, or "".
fn cell(row: &[String], c: usize) -> &str {
    row.get(c).map_or("", String::as_str)
}

/// Does row 1 have this header (case and surrounding spaces aside)?
fn has(headers: &[String], name: &str) -> bool {
    headers.iter().any(|h| h.trim().eq_ignore_ascii_case(name))
}

fn position(headers: &[String], name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(name))
}

/// The parts of a header or question text that may be an item's own
/// text, besides the whole: a matrix question's statement after its stem
/// (`Stem - Statement` in Qualtrics and SurveyMonkey, `Stem [Statement]`
/// in LimeSurvey and Google Forms, `第3题(Statement)` and `Stem—Statement`
/// in wjx and 腾讯问卷). Each part must match an item's text whole, so a
/// part never stands for a guess.
pub fn statement_parts(text: &str) -> Vec<&str> {
    let t = text.trim();
    let mut parts = Vec::new();
    // a bracketed statement at the end
    for (open, close) in [('[', ']'), ('(', ')'), ('（', '）'), ('【', '】')] {
        if let Some(body) = t.strip_suffix(close) {
            if let Some(at) = body.rfind(open) {
                parts.push(&body[at + open.len_utf8()..]);
            }
        }
    }
    // after any of the separators (a statement may hold one itself:
    // PHQ-9 item 8 has "——")
    for sep in [" - ", " – ", "—", "－", "-"] {
        for (at, _) in t.match_indices(sep) {
            parts.push(&t[at + sep.len()..]);
        }
    }
    parts.retain(|p| !p.trim().is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_platforms_submission_time_column() {
        let submitted_column =
            |h: &[String], p: Platform| Layout::new(p, "", "").submitted_column(h);
        let h = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let qualtrics = h(&["StartDate", "EndDate", "RecordedDate", "ResponseId"]);
        assert_eq!(submitted_column(&qualtrics, Platform::Qualtrics), Some(1));
        let recorded = h(&["StartDate", "RecordedDate", "ResponseId"]);
        assert_eq!(submitted_column(&recorded, Platform::Qualtrics), Some(1));
        let wjx = h(&["序号", "提交答卷时间", "所用时间"]);
        assert_eq!(submitted_column(&wjx, Platform::Wjx), Some(1));
        let tencent = h(&["编号", "开始答题时间", "结束答题时间"]);
        assert_eq!(submitted_column(&tencent, Platform::Tencent), Some(2));
        let lime = h(&["Response ID", "Date submitted", "Last page"]);
        assert_eq!(submitted_column(&lime, Platform::Limesurvey), Some(1));
        let lime = h(&["id", "submitdate", "lastpage"]);
        assert_eq!(submitted_column(&lime, Platform::Limesurvey), Some(1));
        let google = h(&["Timestamp", "Q [x]"]);
        assert_eq!(submitted_column(&google, Platform::GoogleForms), Some(0));
        let monkey = h(&["Respondent ID", "Collector ID", "Start Date", "End Date"]);
        assert_eq!(submitted_column(&monkey, Platform::Surveymonkey), Some(3));
        // only the platform's own column: another platform's name is no time
        assert_eq!(submitted_column(&wjx, Platform::Tencent), None);
        assert_eq!(submitted_column(&qualtrics, Platform::Plain), None);
        let redcap = h(&["record_id", "phq9_timestamp"]);
        assert_eq!(submitted_column(&redcap, Platform::Redcap), None);
    }

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn statements_after_their_stems() {
        assert_eq!(
            statement_parts("Over the last 2 weeks? - Feeling down, depressed, or hopeless"),
            [
                "Feeling down, depressed, or hopeless",
                " Feeling down, depressed, or hopeless"
            ]
        );
        assert_eq!(
            statement_parts("Over the last 2 weeks [Poor appetite or overeating]"),
            ["Poor appetite or overeating"]
        );
        assert_eq!(
            statement_parts("第3题(食欲不振或吃太多)"),
            ["食欲不振或吃太多"]
        );
        assert_eq!(
            statement_parts("3、过去两周—食欲不振或吃太多"),
            ["食欲不振或吃太多"]
        );
        // every separator counts: the statement may hold one itself
        assert_eq!(statement_parts("1.题—行—尾"), ["行—尾", "尾"]);
        assert!(statement_parts("Little interest or pleasure in doing things").is_empty());
    }

    #[test]
    fn each_platform_by_its_marks() {
        let d = |h: &[&str], rows: &[&[&str]]| {
            let rows: Vec<Vec<String>> = rows.iter().map(|r| strings(r)).collect();
            detect(&strings(h), &rows, None)
                .unwrap()
                .map(|l| l.platform)
        };
        assert_eq!(
            d(
                &["StartDate", "ResponseId", "Q1_1"],
                &[
                    &["Start Date", "Response ID", "Q - x"],
                    &[
                        "{\"ImportId\":\"startDate\"}",
                        "{\"ImportId\":\"_recordId\"}",
                        "{\"ImportId\":\"QID1_1\"}"
                    ]
                ]
            ),
            Some(Platform::Qualtrics)
        );
        assert_eq!(
            d(
                &["V1", "V2", "Q1"],
                &[&["ResponseID", "ResponseSet", "text"]]
            ),
            Some(Platform::Qualtrics)
        );
        assert_eq!(
            d(
                &["Respondent ID", "Collector ID", "Q", ""],
                &[&["", "", "a", "b"]]
            ),
            Some(Platform::Surveymonkey)
        );
        // a scored file that kept SurveyMonkey's columns: row 2 is a person
        assert_eq!(
            d(
                &["Respondent ID", "Collector ID", "phq9_total"],
                &[&["114", "431", "5"]]
            ),
            None
        );
        assert_eq!(
            d(&["record_id", "phq9_1"], &[&["1", "0"]]),
            Some(Platform::Redcap)
        );
        assert_eq!(
            d(&["Record ID", "Little"], &[&["1", "Not at all"]]),
            Some(Platform::Redcap)
        );
        assert_eq!(
            d(
                &["id", "submitdate", "lastpage", "startlanguage", "Q[1]"],
                &[]
            ),
            Some(Platform::Limesurvey)
        );
        assert_eq!(d(&["Timestamp", "Q [x]"], &[]), Some(Platform::GoogleForms));
        assert_eq!(
            d(&["编号", "开始答题时间", "结束答题时间", "1.x"], &[]),
            Some(Platform::Tencent)
        );
        assert_eq!(
            d(&["序号", "提交答卷时间", "所用时间", "1、x"], &[]),
            Some(Platform::Wjx)
        );
        assert_eq!(d(&["id", "phq9_1"], &[&["a", "1"]]), None);
        // forced: the layout must be there
        let err = detect(&strings(&["id", "x"]), &[], Some(Platform::Qualtrics)).unwrap_err();
        assert!(
            err.starts_with("it does not look like a Qualtrics export"),
            "{err}"
        );
        assert_eq!(
            detect(&strings(&["Timestamp", "x"]), &[], Some(Platform::Plain)).unwrap(),
            None
        );
    }
}
