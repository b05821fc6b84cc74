//! `--threads`: a large file read in parts on several threads gives the
//! same bytes on stdout and stderr, and the same exit code, as one reading
//! thread (`--threads 1`), whatever the file holds: a BOM, CRLF, blank
//! lines, rows with too many or too few fields, invalid answers, bytes that
//! are not UTF-8, repeated ids, quoted cells with line breaks (early: the
//! file is read by one reader; late: only the part after them is), GBK
//! (in parts too), stdin. No timing is asserted here (BENCHMARKS.md has the timings).

use std::path::{Path, PathBuf};

use super::{bin, root, run};

/// How a generated export looks.
#[derive(Clone, Copy)]
struct Layout {
    crlf: bool,
    bom: bool,
    final_break: bool,
    /// The row from which some cells are quoted with a line break in
    /// them (`None`: no quote anywhere).
    quotes_from: Option<usize>,
}

const ROWS: usize = 45_000;

/// A wjx-like export of `ROWS` rows (about 3 MB: several parts), with a
/// few rows of every kind of trouble, from a fixed pseudo-random sequence.
fn export(layout: Layout) -> Vec<u8> {
    let nl = if layout.crlf { "\r\n" } else { "\n" };
    let mut out = Vec::new();
    if layout.bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let mut header = vec!["id".to_string(), "class".to_string()];
    header.extend((1..=9).map(|i| format!("phq9_{i}")));
    header.extend((1..=7).map(|i| format!("gad7_{i}")));
    out.extend_from_slice(header.join(",").as_bytes());
    out.extend_from_slice(nl.as_bytes());
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for r in 0..ROWS {
        let k = next() % 1000;
        // ids repeat now and then (duplicates)
        let id = format!("S{}", next() % (ROWS as u64 * 4));
        let mut cells = vec![id, format!("C{}", next() % 40)];
        cells.extend((0..16).map(|_| (next() % 4).to_string()));
        match k {
            0..=4 => {
                cells[2 + (next() % 16) as usize] = ["x", "9", "", " 2 ", "-1"][k as usize].into()
            }
            5 => cells.push("extra".into()),
            6 => cells.truncate(6),
            _ => {}
        }
        let mut line = cells.join(",").into_bytes();
        if k == 7 {
            line.extend_from_slice(b"\xFF\xFE");
        }
        if layout.quotes_from.is_some_and(|q| r >= q) && k == 8 {
            // a line break in a quoted cell, or now and then a lone CR
            // (no line in a file of LF or CRLF lines)
            let inner = if r % 2 == 0 { nl } else { "\r" };
            let quoted = format!("{},\"two{inner}lines\",{}", cells[0], cells[2..].join(","));
            line = quoted.into_bytes();
        }
        out.extend_from_slice(&line);
        if r + 1 < ROWS || layout.final_break {
            out.extend_from_slice(nl.as_bytes());
        }
        if k == 9 {
            out.extend_from_slice(nl.as_bytes());
        }
    }
    if layout.final_break {
        // blank lines at the end (they move no row)
        out.extend_from_slice(nl.repeat(2).as_bytes());
    }
    out
}

/// stdout, stderr (the elapsed time taken out) and exit code of
/// `psyscreen ARGS --threads N`, reading `stdin` when given.
fn with_threads(args: &[&str], threads: &str, stdin: Option<&Path>) -> (String, String, i32) {
    let mut cmd = bin();
    cmd.args(args).args(["--threads", threads]);
    if let Some(p) = stdin {
        cmd.pipe_stdin(p).expect("stdin file");
    }
    let (out, err, code) = run(&mut cmd);
    let err = regex_free_elapsed(&err);
    (out, err, code)
}

/// `… in 0.42 s; …` → `… in _ s; …` (the only line that may differ).
fn regex_free_elapsed(err: &str) -> String {
    err.lines()
        .map(|l| match (l.find(" in "), l.find(" s;")) {
            (Some(a), Some(b)) if a < b && l[a + 4..b].parse::<f64>().is_ok() => {
                format!("{} in _ s;{}", &l[..a], &l[b + 3..])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Both ways give the same bytes and the same exit code.
fn same(args: &[&str], stdin: Option<&Path>) -> (String, String, i32) {
    let one = with_threads(args, "1", stdin);
    let two = with_threads(args, "2", stdin);
    let four = with_threads(args, "4", stdin);
    for other in [&two, &four] {
        assert_eq!(one.2, other.2, "exit code, {args:?}");
        assert_eq!(first_difference(&one.1, &other.1), None, "stderr, {args:?}");
        assert_eq!(first_difference(&one.0, &other.0), None, "stdout, {args:?}");
    }
    one
}

/// The first line where `a` and `b` differ (line number, both lines).
fn first_difference(a: &str, b: &str) -> Option<(usize, String, String)> {
    let (mut x, mut y) = (a.lines(), b.lines());
    for n in 1.. {
        match (x.next(), y.next()) {
            (None, None) => return None,
            (l, r) if l == r => {}
            (l, r) => {
                let shown = |s: Option<&str>| s.unwrap_or("<end>").chars().take(300).collect();
                return Some((n, shown(l), shown(r)));
            }
        }
    }
    None
}

fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write the export");
    p
}

const SCORE: [&str; 4] = ["-i", "phq9,gad7", "--keep", "class"];

#[test]
fn bom_lf_bad_rows_and_late_quoted_line_breaks_give_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout {
        crlf: false,
        bom: true,
        final_break: true,
        quotes_from: Some(ROWS * 3 / 4),
    };
    let p = file(dir.path(), "bom.csv", &export(layout));
    let p = p.to_str().unwrap();
    let (out, err, code) = same(&[&["score", p][..], &SCORE].concat(), None);
    assert_eq!(code, 1, "invalid cells: exit 1");
    // every row written, and the header (a kept cell may hold a line break)
    assert!(out.lines().count() > ROWS);
    assert!(
        out.contains("\"two\nlines\""),
        "cells with a line break, kept"
    );
    assert!(
        err.contains("19 fields but the header has 18"),
        "long rows are reported"
    );
    assert!(err.contains("has 6 field(s)"), "short rows are reported");
    assert!(
        err.contains("not valid UTF-8"),
        "undecodable cells are reported"
    );
    same(
        &[&["score", p, "--format", "jsonl"][..], &SCORE].concat(),
        None,
    );
    same(
        &[&["score", p, "--duplicates", "first"][..], &SCORE].concat(),
        None,
    );
    same(
        &[&["score", p, "--duplicates", "last", "-q"][..], &SCORE].concat(),
        None,
    );
    // rows handed over a run at a time stop at the first repeated id
    for mode in ["keep", "error"] {
        same(
            &[&["score", p, "--duplicates", mode][..], &SCORE].concat(),
            None,
        );
    }
    same(
        &[&["score", p, "--fail-on", "urgent", "-q"][..], &SCORE].concat(),
        None,
    );
    same(
        &[&["score", p, "--min-level", "refer", "-q"][..], &SCORE].concat(),
        None,
    );
    // the first pass over the file (each id's rows) in parts up to the
    // first quote, then on one reader, as the main pass
    let (_, err, code) = same(&["summary", p, "-i", "phq9,gad7", "--by", "class"], None);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("set aside, each id's last row kept"), "{err}");
}

#[test]
fn crlf_without_a_final_line_break_gives_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout {
        crlf: true,
        bom: false,
        final_break: false,
        quotes_from: None,
    };
    let p = file(dir.path(), "crlf.csv", &export(layout));
    let p = p.to_str().unwrap();
    let (out, _, code) = same(&[&["score", p][..], &SCORE].concat(), None);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), ROWS + 1);
    same(&["summary", p, "-i", "phq9,gad7", "--by", "class"], None);
    same(
        &[
            "summary",
            p,
            "-i",
            "phq9,gad7",
            "--by",
            "class",
            "--flags",
            "--format",
            "csv",
        ],
        None,
    );
}

#[test]
fn early_quoted_line_breaks_stdin_and_gbk_give_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let early = Layout {
        crlf: true,
        bom: true,
        final_break: true,
        quotes_from: Some(10),
    };
    let bytes = export(early);
    let p = file(dir.path(), "early.csv", &bytes);
    same(
        &[&["score", p.to_str().unwrap()][..], &SCORE].concat(),
        None,
    );
    // stdin: read once, by one reader
    same(&[&["score", "-"][..], &SCORE].concat(), Some(&p));
    // GBK: Chinese class names, read by one reader
    let text = String::from_utf8_lossy(&bytes[3..])
        .replace("class", "班级")
        .replace(",C", ",班");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let g = file(dir.path(), "gbk.csv", &gbk);
    let (out, _, _) = same(
        &[
            "score",
            g.to_str().unwrap(),
            "-i",
            "phq9,gad7",
            "--keep",
            "班级",
        ],
        None,
    );
    assert!(out.contains("班3"), "GBK read as GBK");
}

#[test]
fn gbk_read_in_parts_gives_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout {
        crlf: true,
        bom: false,
        final_break: true,
        quotes_from: Some(ROWS * 3 / 4),
    };
    let text = String::from_utf8_lossy(&export(layout))
        .replace("class", "班级")
        .replace(",C", ",班");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let g = file(dir.path(), "gbk.csv", &gbk);
    let g = g.to_str().unwrap();
    let (out, _, code) = same(&["score", g, "-i", "phq9,gad7", "--keep", "班级"], None);
    assert_eq!(code, 1);
    assert!(out.contains("班3"), "GBK read as GBK");
    same(&["summary", g, "-i", "phq9,gad7", "--by", "班级"], None);
}

#[test]
fn a_report_and_a_manifest_are_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout {
        crlf: false,
        bom: false,
        final_break: true,
        quotes_from: None,
    };
    let p = file(dir.path(), "plain.csv", &export(layout));
    let p = p.to_str().unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        // the same names in two directories: the messages name them
        let dir = tempfile::tempdir().unwrap();
        let html = dir.path().join("r.html");
        let (_, err, code) = run(bin().args([
            "report",
            p,
            "-i",
            "phq9,gad7",
            "--by",
            "class",
            "-o",
            html.to_str().unwrap(),
            "--threads",
            threads,
        ]));
        let manifest = dir.path().join("m.json");
        let scored = dir.path().join("s.csv");
        let (_, err2, code2) = run(bin().args([
            "score",
            p,
            "-i",
            "phq9,gad7",
            "-q",
            "-o",
            scored.to_str().unwrap(),
            "--manifest",
            manifest.to_str().unwrap(),
            "--threads",
            threads,
        ]));
        let manifest = std::fs::read_to_string(&manifest).unwrap();
        // the manifest's time of creation differs run to run
        let manifest: Vec<&str> = manifest
            .lines()
            .filter(|l| !l.contains("\"created\"") && !l.contains("\"output\""))
            .collect();
        outputs.push((
            std::fs::read(&html).unwrap(),
            regex_free_elapsed(&err.replace(dir.path().to_str().unwrap(), "DIR")),
            code,
            std::fs::read(&scored).unwrap(),
            err2.replace(dir.path().to_str().unwrap(), "DIR"),
            code2,
            manifest.join("\n"),
        ));
    }
    let html_time = |h: &[u8]| {
        String::from_utf8_lossy(h)
            .lines()
            .filter(|l| !l.contains("20"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        html_time(&outputs[0].0),
        html_time(&outputs[1].0),
        "the report"
    );
    assert_eq!(first_difference(&outputs[0].1, &outputs[1].1), None);
    assert_eq!(outputs[0].2, outputs[1].2);
    assert!(outputs[0].3 == outputs[1].3, "the scored file");
    assert_eq!(outputs[0].4, outputs[1].4);
    assert_eq!(outputs[0].5, outputs[1].5);
    assert_eq!(outputs[0].6, outputs[1].6, "the manifest");
}

#[test]
fn threads_must_be_a_positive_count() {
    let (_, err, code) = run(bin().args(["score", "x.csv", "-i", "phq9", "--threads", "0"]));
    assert_eq!(code, 2);
    assert!(err.contains("--threads"), "{err}");
}

/// A platform export's header rows come from the rows read ahead at open,
/// and a headerless chunk numbers its rows from its first line: neither is
/// read in parts, and both give what one thread gives.
#[test]
fn platform_exports_and_headerless_chunks_give_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    // wjx, REDCap, Google Forms and Tencent have their header in row 1
    // alone and are read in parts; Qualtrics and SurveyMonkey have more
    // header rows and are not
    for (name, header_rows) in [
        ("redcap-raw.csv", 1),
        ("google-forms.csv", 1),
        ("tencent.csv", 1),
        ("wjx-text.csv", 1),
        ("wjx-numbers.csv", 1),
        ("qualtrics-choice-text.csv", 3),
        ("surveymonkey.csv", 2),
    ] {
        let text = std::fs::read_to_string(root().join("examples/exports").join(name)).unwrap();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let (header, rows) = lines.split_at(header_rows);
        let (mut big, rows) = (header.concat(), rows.concat());
        while big.len() < 3 << 20 {
            big.push_str(&rows);
        }
        let p = file(dir.path(), name, big.as_bytes());
        // wjx's 按选项序号 numbers options from 1
        let one_based = if name == "wjx-numbers.csv" {
            "--one-based"
        } else {
            "-q"
        };
        let (out, _, _) = same(
            &["score", p.to_str().unwrap(), "-i", "phq9", one_based],
            None,
        );
        assert!(out.lines().count() > 10_000, "{name}: every row scored");
    }
    let export = export(Layout {
        crlf: false,
        bom: false,
        final_break: true,
        quotes_from: None,
    });
    let text = String::from_utf8_lossy(&export).into_owned();
    let (header, rows) = text.split_once('\n').unwrap();
    let chunk = file(dir.path(), "chunk.csv", rows.as_bytes());
    same(
        &[
            "score",
            chunk.to_str().unwrap(),
            "-i",
            "phq9,gad7",
            "--header",
            header,
        ],
        None,
    );
}

/// With no id column each row is written with its row number, which a
/// worker reading a part must know as one reader counts it (blank lines,
/// a BOM, CRLF, rows too long or short); `--min-level` and `--fail-on`
/// decide on the same rows either way.
#[test]
fn row_numbers_without_an_id_column_are_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout {
        crlf: true,
        bom: true,
        final_break: true,
        quotes_from: Some(ROWS * 3 / 4),
    };
    let text = String::from_utf8_lossy(&export(layout)).replacen("id,", "code,", 1);
    let p = file(dir.path(), "noid.csv", text.as_bytes());
    let p = p.to_str().unwrap();
    let (out, _, code) = same(&[&["score", p][..], &SCORE].concat(), None);
    assert_eq!(code, 1);
    assert!(out.starts_with("row,class,"), "{}", &out[..40]);
    // blank lines are rows too: the last number is past the rows written
    let last = out.lines().last().unwrap().split(',').next().unwrap();
    assert!(last.parse::<usize>().unwrap() > ROWS + 1, "{last}");
    same(
        &[
            &["score", p, "--min-level", "refer", "--fail-on", "urgent"][..],
            &SCORE,
        ]
        .concat(),
        None,
    );
}

/// stdout closed early (`| head`): with `--fail-on` every row is still
/// scored, unwritten, and the exit code and messages are those of one
/// thread; without it the run ends quietly with the notice of the rows
/// scored (the urgent first row), as with one thread.
#[test]
fn a_closed_stdout_ends_the_run_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout {
        crlf: false,
        bom: false,
        final_break: true,
        quotes_from: None,
    };
    let p = file(dir.path(), "head.csv", &export(layout));
    let mut clean = String::from("id,class");
    clean.extend((1..=9).map(|i| format!(",phq9_{i}")));
    clean.push('\n');
    clean.push_str("U,C1,0,0,0,0,0,0,0,0,3\n");
    for i in 0..ROWS * 2 {
        clean.push_str(&format!("P{i},C{},1,0,1,0,1,0,1,0,0\n", i % 9));
    }
    let quiet = file(dir.path(), "quiet.csv", clean.as_bytes());
    // the first bytes of stdout, then stdout closed: (exit code, stdout, stderr)
    let head = |args: &[&str], threads: &str| {
        let (code, first, stderr) =
            crate::head_of_stdout(args.iter().chain(&["--threads", threads]), 300);
        (code, first, regex_free_elapsed(&stderr))
    };
    let (p, quiet) = (p.to_str().unwrap(), quiet.to_str().unwrap());
    for args in [
        &[&["score", p, "--fail-on", "urgent"][..], &SCORE].concat(),
        &[
            &["score", p, "--fail-on", "urgent", "--duplicates", "first"][..],
            &SCORE,
        ]
        .concat(),
        &["score", quiet, "-i", "phq9", "--keep", "class"][..].to_vec(),
    ] {
        let one = head(args, "1");
        for threads in ["2", "4"] {
            let other = head(args, threads);
            assert_eq!(one.0, other.0, "exit code, {args:?}");
            assert_eq!(one.1, other.1, "stdout, {args:?}");
            assert_eq!(first_difference(&one.2, &other.2), None, "stderr, {args:?}");
        }
        if args.contains(&"--fail-on") {
            assert_eq!(one.0, Some(3), "{}", one.2);
            assert!(one.2.contains("output stopped early"), "{}", one.2);
        } else {
            assert_eq!(one.0, Some(0), "{}", one.2);
            assert!(
                one.2.starts_with("notice: 1 row(s) at `urgent`"),
                "{}",
                one.2
            );
        }
    }
}

/// A record that never ends (no line break for more than 64 MiB), right
/// after the header and after a cut between parts, LF and CRLF: the same
/// located refusal on every thread count (a part's reader starts at a line
/// break, which its first record's line must not count).
#[test]
fn an_endless_record_is_refused_at_its_own_row_in_parts_too() {
    let dir = tempfile::tempdir().unwrap();
    let header = "id,class,phq9_1\n";
    let rows: String = (0..20_000).map(|i| format!("S{i},C1,1\n")).collect();
    // a long last row: the first line break after the first part's size
    // ends it, so the endless record is the first of the next part
    let long_row = format!("S99,{},1\n", "c".repeat(100_000));
    let endless = "b".repeat(70 << 20);
    for (name, before, row) in [
        ("first", header.to_string(), 2),
        ("cut", format!("{header}{rows}{long_row}"), 20_003),
    ] {
        for crlf in [false, true] {
            let before = if crlf {
                before.replace('\n', "\r\n")
            } else {
                before.clone()
            };
            let p = file(
                dir.path(),
                &format!("{name}-{crlf}.csv"),
                (before + &endless).as_bytes(),
            );
            let (_, err, code) = same(&["score", p.to_str().unwrap(), "-i", "phq9", "-q"], None);
            assert_eq!(code, 2, "{name} {crlf}: {err}");
            let said =
                format!("row {row} (line {row}): a record longer than 64 MiB: no line break");
            assert!(err.contains(&said), "{name} {crlf}: {err}");
            // the row before it was read whole: it is not the file's last
            // (with no row before it, the run itself fails)
            let past = format!("could not be read past row {}:", row - 1);
            assert_eq!(err.contains(&past), row > 2, "{name} {crlf}: {err}");
            if name == "cut" && !crlf {
                // `summary` meets it first in its pass over the ids, read
                // in parts too, then in the rows: the same refusal
                let args = [
                    "summary",
                    p.to_str().unwrap(),
                    "-i",
                    "phq9",
                    "--by",
                    "class",
                ];
                let (out, err, code) = same(&args, None);
                assert_eq!((code, out.as_str()), (2, ""), "{err}");
                assert!(err.contains(&said), "{err}");
            }
        }
    }
}

/// `summary FILE -i phq9 --by class --min-group N --format F`.
fn summary_by_class<'a>(file: &'a str, min_group: &'a str, format: &'a str) -> [&'a str; 10] {
    [
        "summary",
        file,
        "-i",
        "phq9",
        "--by",
        "class",
        "--min-group",
        min_group,
        "--format",
        format,
    ]
}

/// `summary` with thousands of groups (made on a thread of their own and
/// written as they come, 1,024 at a time, when there are threads to spare):
/// the same bytes in every format, groups suppressed alike, and a closed
/// stdout ends the run the same way.
#[test]
fn thousands_of_groups_are_written_the_same_on_any_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id,class");
    text.extend((1..=9).map(|i| format!(",phq9_{i}")));
    text.push('\n');
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for r in 0..30_000u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // 3,000 classes; an id given twice now and then
        let id = if r % 997 == 5 { r - 1 } else { r };
        text.push_str(&format!("S{id},K{}", r % 3_000));
        text.extend((0..9).map(|i| format!(",{}", (x >> (i * 2)) % 4)));
        text.push('\n');
    }
    let p = file(dir.path(), "classes.csv", text.as_bytes());
    let p = p.to_str().unwrap();
    let args = |format| summary_by_class(p, "10", format);
    let (csv, err, code) = same(&args("csv"), None);
    assert_eq!(code, 0, "{err}");
    // the header, every class in natural order, the overall row
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3_002);
    assert!(lines[1].starts_with("group,K0,"), "{}", lines[1]);
    assert!(lines[10].starts_with("group,K9,"), "{}", lines[10]);
    assert!(lines[11].starts_with("group,K10,"), "{}", lines[11]);
    assert!(lines[3_001].starts_with("all,,"), "{}", lines[3_001]);
    let suppressed = lines.iter().filter(|l| l.contains(",<10,true,")).count();
    assert!(suppressed > 0 && suppressed < 3_000, "{suppressed}");
    assert!(
        err.contains(&format!(
            "{} group(s) shown, {suppressed} suppressed",
            3_000 - suppressed
        )),
        "{err}"
    );
    for format in ["json", "jsonl"] {
        let (_, _, code) = same(&args(format), None);
        assert_eq!(code, 0);
    }
    let head = |threads: &str| {
        let (code, first, stderr) =
            crate::head_of_stdout(args("csv").iter().chain(&["--threads", threads]), 300);
        (code, first, regex_free_elapsed(&stderr))
    };
    let one = head("1");
    assert_eq!(one.0, Some(0), "{}", one.2);
    for threads in ["2", "4"] {
        let other = head(threads);
        assert_eq!((one.0, &one.1), (other.0, &other.1));
        assert_eq!(first_difference(&one.2, &other.2), None);
    }
}

/// `summary`'s lines, encoded where the groups are made (over 1,024
/// groups: two chunks, made on as many threads), for classes that need a
/// formula escape, quotes or a line break: the same bytes as the records
/// the sink writes, on any threads; the class with a line break is still
/// reported where it took in a line.
#[test]
fn group_keys_that_need_quotes_or_escapes_are_written_alike_in_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id,class");
    text.extend((1..=9).map(|i| format!(",phq9_{i}")));
    text.push('\n');
    let mut n = 0;
    let mut row = |class: &str, answers: &dyn Fn(usize) -> usize| {
        n += 1;
        text.push_str(&format!("S{n},{class}"));
        text.extend((0..9).map(|i| format!(",{}", answers(n + i))));
        text.push('\n');
    };
    for g in 0..1_200 {
        for _ in 0..2 {
            row(&format!("K{g}"), &|x| x % 4);
        }
    }
    let hostile = [
        "=SUM(A1)",
        "\"a,b\"",
        "\"q\"\"uote\"",
        "@x",
        "中文",
        "-3",
        "\"line\nbreak\"",
    ];
    for class in hostile {
        for _ in 0..2 {
            row(class, &|_| 1);
        }
    }
    let p = file(dir.path(), "classes.csv", text.as_bytes());
    let p = p.to_str().unwrap();
    let (out, err, code) = same(&summary_by_class(p, "1", "csv"), None);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    // the header, 1,207 groups (one key over two lines), the overall row
    assert_eq!(lines.len(), 1_210);
    let shown = |key: &str| format!("group,{key},2,false,0,9.00,0.00,0,2,0,0,0,0,0,0,0,2");
    let hostile_lines: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.starts_with("group,K"))
        .collect();
    assert_eq!(
        hostile_lines,
        [
            "scope,class,n,suppressed,incomplete,phq9_mean,phq9_sd,phq9_minimal,phq9_mild,phq9_moderate,phq9_moderately_severe,phq9_severe,phq9_incomplete,level_none,level_monitor,level_refer,level_urgent",
            &shown("-3"),
            &shown("'=SUM(A1)"),
            &shown("'@x"),
            &shown("\"a,b\""),
            "group,\"line",
            &shown("break\"")["group,".len()..],
            &shown("\"q\"\"uote\""),
            &shown("中文"),
            "all,,2414,false,0,13.47,1.17,0,14,1800,600,0,0,0,600,0,1814",
        ]
    );
    let k0 = lines.iter().find(|l| l.starts_with("group,K0,"));
    assert_eq!(
        k0,
        Some(&"group,K0,2,false,0,13.50,0.71,0,0,2,0,0,0,0,0,0,2")
    );
    let quoted = |row: u32, line: u32| {
        format!(
            "row {row} (lines {line}–{}), column class: a quoted cell runs over 1 line break(s), so line {} was read as part of this one row and any rows there were not scored; if a `\"` there was not meant to open a quote, remove it and score again (rows are numbered as a spreadsheet shows them: one per record, not per line)",
            line + 1,
            line + 1
        )
    };
    assert_eq!(
        err.replace(p, "classes.csv").lines().collect::<Vec<_>>(),
        [
            quoted(2414, 2414).as_str(),
            &quoted(2415, 2416),
            "warning: 2 row(s) took in 2 more line(s) through a quoted cell: any rows on those lines were not scored (see above)",
            "notice: 1814 row(s) at `urgent`: act on them now (crisis protocol; `psyscreen hotlines`)",
            "notice: crisis protocol: RISK FLAG: this person may be at risk of suicide or self-harm. Do not leave them alone. Stay with them, remove means of harm if it is safe to do so, and arrange a same-day suicide risk assessment by a qualified professional. If there is immediate danger, call the local emergency number (China: 120 ambulance, 110 police). China national psychological assistance hotline: 12356 (24-hour in many areas).",
            "summarised 2414 row(s) of classes.csv (UTF-8) by class: 1207 group(s) shown, 0 suppressed (fewer than 1 respondents); 2 problem(s) reported above",
        ]
    );
}
