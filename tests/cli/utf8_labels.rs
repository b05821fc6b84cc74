//! A label export (answers as the printed option labels, UTF-8) is checked
//! for bytes that are not UTF-8 around the cells read as labels, not
//! through them (issue 14): bytes that are not UTF-8 inside a cell that
//! is almost a label, in the cells before and after the answers, and a
//! character split between two answer cells are each still reported
//! with their row and column, on one thread and on two (the file is read
//! in parts there).

use crate::{bin, run};

const LABELS: [&str; 4] = ["完全不会", "好几天", "一半以上的天数", "几乎每天"];

/// A counselor's note, 48 bytes.
const NOTE: &str = "家长已知情，情况稳定，下周复查。";

/// 4,000 rows (~900 KB: enough to be read in parts on two threads) of
/// `id,姓名,phq9_1..phq9_9,备注`, row `n`'s item `i` (0-based) answered
/// `LABELS[(7n + 3i) % 4]`, with a few rows spoiled past the first 64 KiB
/// (where the encoding is detected). The note makes a row ~230 bytes, so
/// that its UTF-8 is checked around the answers (from 192 bytes; the
/// answers, ~120–130 bytes, are checked around from 128, else the whole
/// record is); row 3999's is short, and checked by the reader itself.
fn label_export() -> Vec<u8> {
    let mut text = "id,姓名,".to_string();
    text.push_str(
        &(1..=9)
            .map(|i| format!("phq9_{i}"))
            .collect::<Vec<_>>()
            .join(","),
    );
    text.push_str(",备注\n");
    let mut out = text.into_bytes();
    for n in 1..=4000usize {
        let mut cells: Vec<Vec<u8>> = (0..9)
            .map(|i| LABELS[(n * 7 + i * 3) % 4].as_bytes().to_vec())
            .collect();
        let mut id = format!("s{n}").into_bytes();
        let mut name = "张三".as_bytes().to_vec();
        let mut note = NOTE.repeat(2).into_bytes();
        match n {
            // a label whose last byte is not UTF-8
            1000 => cells[2] = ["完全不".as_bytes(), b"\xff"].concat(),
            1500 => id = b"s\xff".to_vec(),
            // 会 (e4 bc 9a) split between two answer cells by the comma
            2000 => {
                cells[0] = ["完全不".as_bytes(), b"\xe4"].concat();
                cells[1] = [&b"\xbc\x9a"[..], "好几天".as_bytes()].concat();
            }
            // U+FFFD written in the file: valid UTF-8, not a label
            2600 => cells[4] = "完全不\u{FFFD}".as_bytes().to_vec(),
            // labels typed another way: read as the labels
            3000 => {
                cells[5] = " 好几天 ".as_bytes().to_vec();
                cells[6] = "几乎每天。".as_bytes().to_vec();
            }
            // a name cut inside its last character, before the answers
            3500 => name = b"\xe5\xbc\xa0\xe4".to_vec(),
            // after the answers
            3999 => note = b"ok\xff".to_vec(),
            _ => {}
        }
        for cell in [&id, &name].into_iter().chain(&cells).chain([&note]) {
            out.extend_from_slice(cell);
            out.push(b',');
        }
        out.pop();
        out.push(b'\n');
    }
    out
}

#[test]
fn bytes_not_utf8_in_and_around_label_answers_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("labels.csv");
    std::fs::write(&f, label_export()).unwrap();
    let mut runs = Vec::new();
    for threads in ["1", "2"] {
        let (stdout, stderr, code) = run(bin()
            .args([
                "score",
                "-i",
                "phq9",
                "-q",
                "--format",
                "csv",
                "--threads",
                threads,
            ])
            .arg(&f));
        assert_eq!(code, 1, "{stderr}");
        // rows as a spreadsheet shows them: the header is row 1
        let problems: Vec<&str> = stderr.lines().filter(|l| l.starts_with("row ")).collect();
        assert_eq!(
            problems,
            [
                "row 1001, column phq9_3: '完全不\u{FFFD}' is not valid UTF-8; counted as missing",
                "row 1501, column id: 's\u{FFFD}' is not valid UTF-8; they are shown as \u{FFFD}",
                "row 2001, column phq9_1: '完全不\u{FFFD}' is not valid UTF-8 (as GBK it reads \"瀹屽叏涓嶄\": if the file is GBK, give --encoding gbk); counted as missing",
                "row 2001, column phq9_2: '\u{FFFD}\u{FFFD}好几天' is not valid UTF-8; counted as missing",
                "row 2601, column phq9_5: '完全不\u{FFFD}' is not a valid answer for phq9_5 (expected 0–3 or a label: 完全不会, 好几天, 一半以上的天数, 几乎每天); counted as missing — did you mean 完全不会?",
                "row 3501, column 姓名: '张\u{FFFD}' is not valid UTF-8 (as GBK it reads \"寮犱\": if the file is GBK, give --encoding gbk); they are shown as \u{FFFD}",
                "row 4000, column 备注: 'ok\u{FFFD}' is not valid UTF-8; they are shown as \u{FFFD}",
            ],
            "threads {threads}"
        );
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 4001);
        // rows 1000 and 2000 answer 0,3,2,1,0,3,2,1,0 ((7n + 3i) % 4 with
        // 7n % 4 = 0). Row 1000 lost item 3 (2): 10 from eight items,
        // prorated 10 × 9 / 8 = 11.25 → 11, moderate. Row 2000 lost items
        // 1 and 2: two missing, no total; item 9 answered 0.
        assert_eq!(
            lines[1000],
            "s1000,11,moderate,true,monitor,Monitor,PHQ-9 ≥ 10 (moderate depressive symptoms or more): flag for follow-up"
        );
        assert_eq!(
            lines[1500].split(',').next(),
            Some("s\u{FFFD}"),
            "the id as shown"
        );
        assert_eq!(
            lines[2000],
            "s2000,,incomplete,false,monitor,Monitor,cannot rule out: PHQ-9 total missing"
        );
        // row 3000 (3000 × 7 % 4 = 0: 0,3,2,1,0,3,2,1,0) typed items 6 and
        // 7 as " 好几天 " (1) and "几乎每天。" (3): 0+3+2+1+0+1+3+1+0 = 11
        assert!(
            lines[3000].starts_with("s3000,11,moderate,false,"),
            "{}",
            lines[3000]
        );
        runs.push((stdout, stderr));
    }
    assert_eq!(runs[0], runs[1], "one thread and two read the same");
}
