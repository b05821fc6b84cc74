//! Hostile and careless inputs (red team): rows as the pipeline sees them.
//! A misaligned row, an input that breaks after thousands of rows, a scored
//! file with values its scales cannot have. Each test ran against the code
//! before its fix and failed; the inputs live in tests/hostile/rows/.

use std::io::Write as _;
use std::path::Path;

#[allow(unused_imports)]
use super::*;

/// Run in tests/hostile/rows, so messages name the file as given.
fn psyscreen(args: &[&str]) -> (String, String, i32) {
    run(bin()
        .current_dir(root().join("tests/hostile/rows"))
        .args(args))
}

/// stderr without `score`'s summary line (it carries the run time).
fn problems(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| !l.starts_with("scored ") && !l.starts_with("summarised "))
        .map(|l| format!("{l}\n"))
        .collect()
}

const SHIFTED: &str = "row 3: 11 fields but the header has 10 — an unquoted comma? \
    its answers cannot be matched to their columns and are not used (counted as missing)\n";

/// `Smith, John` unquoted: item 9 (3, urgent) moved out of the row and
/// every answer one column left, which scored `none`. Now no answer of the
/// row is used: it is incomplete, item 9 cannot be ruled out (`monitor`, the
/// default policy's missing_critical), its id is kept and it is said why.
#[test]
fn a_row_with_an_extra_field_is_not_scored_at_face_value() {
    let (stdout, stderr, code) =
        psyscreen(&["score", "shift.csv", "-i", "phq9", "--format", "csv"]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "id,phq9_total,phq9_band,phq9_prorated,risk_level,risk_label,risk_reasons\n\
         S1,0,minimal,false,none,No flag,\n\
         Smith,,incomplete,false,monitor,Monitor,cannot rule out: PHQ-9 item 9 missing; cannot rule out: PHQ-9 total missing\n\
         S3,9,mild,false,urgent,Urgent,PHQ-9 item 9: thoughts of death or self-harm (same-day suicide risk assessment)\n\
         S4,,incomplete,false,monitor,Monitor,cannot rule out: PHQ-9 item 9 missing; cannot rule out: PHQ-9 total missing\n"
    );
    assert_eq!(
        problems(&stderr),
        format!(
            "{SHIFTED}\
             row 5: has 4 field(s), but the header has 10; absent fields count as missing\n\
             notice: 1 row(s) at `urgent`: act on them now (crisis protocol; `psyscreen hotlines`)\nnotice: crisis protocol: RISK FLAG: this person may be at risk of suicide or self-harm. Do not leave them alone. Stay with them, remove means of harm if it is safe to do so, and arrange a same-day suicide risk assessment by a qualified professional. If there is immediate danger, call the local emergency number (China: 120 ambulance, 110 police). China national psychological assistance hotline: 12356 (24-hour in many areas).\n"
        ),
        "no per-cell noise ('John' is not a valid answer) for a row whose cells moved"
    );
    assert!(
        stderr.contains("2 row(s) with a wrong number of fields"),
        "{stderr}"
    );
}

/// The same with the comma in a kept column (`7,A`).
#[test]
fn an_extra_field_in_a_kept_column_is_not_scored_at_face_value() {
    let (stdout, stderr, code) = psyscreen(&[
        "score",
        "shift-keep.csv",
        "-i",
        "phq9",
        "--keep",
        "cls",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout.lines().nth(2),
        Some("S2,7,,incomplete,false,monitor,Monitor,cannot rule out: PHQ-9 item 9 missing; cannot rule out: PHQ-9 total missing")
    );
    assert_eq!(
        stderr,
        "row 3: 12 fields but the header has 11 — an unquoted comma? its answers cannot be matched to their columns and are not used (counted as missing)\n"
    );
}

/// summary and report read rows through the same pipeline: the shifted
/// row counts as incomplete and `monitor`, never `none`. A scored file
/// with a shifted row: its totals are not used, and its level is the
/// highest found where `risk_level` may have moved to (here `urgent`).
#[test]
fn summary_and_report_do_not_use_a_misaligned_row_either() {
    let (stdout, stderr, code) = psyscreen(&[
        "summary",
        "shift.csv",
        "-i",
        "phq9",
        "--by",
        "id",
        "--min-group",
        "1",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.starts_with(SHIFTED), "{stderr}");
    let smith = stdout
        .lines()
        .find(|l| l.starts_with("group,Smith,"))
        .unwrap();
    assert!(
        smith.ends_with(",1,0,1,0,0"),
        "incomplete, monitor: {smith}"
    );

    let (stdout, stderr, code) = psyscreen(&[
        "summary",
        "shift-scored.csv",
        "--by",
        "cls",
        "--min-group",
        "1",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("row 4: 9 fields but the header has 8 — an unquoted comma?"),
        "{stderr}"
    );
    let all = stdout.lines().find(|l| l.starts_with("all,")).unwrap();
    // n 3, 1 incomplete, mean of 5 and 22; levels: monitor 1, urgent 2
    assert_eq!(all, "all,,3,false,1,13.50,12.02,0,1,0,0,1,1,0,1,0,2");

    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let (_, stderr, code) = run(bin()
        .current_dir(root().join("tests/hostile/rows"))
        .args([
            "report",
            "shift.csv",
            "-i",
            "phq9",
            "--by",
            "id",
            "--min-group",
            "1",
            // one group per person: a staff report
            "--list-ids",
            "-o",
        ])
        .arg(&html));
    assert_eq!(code, 1);
    assert!(stderr.starts_with(SHIFTED), "{stderr}");
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains("Smith"), "on the referral list (monitor)");
}

/// An xlsx of the layout `id, phq9_1..9` whose rows 2..=`rows` hold P2…
/// (P2 answers 3 to item 9: urgent), and then `last` as the sheet's end.
fn workbook(path: &Path, rows: u32, last: &str) {
    let cols = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"];
    let mut sheet = String::from(
        "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\">",
    );
    for (c, col) in cols.iter().enumerate() {
        sheet.push_str(&format!("<c r=\"{col}1\" t=\"s\"><v>{c}</v></c>"));
    }
    sheet.push_str("</row>");
    let person = |r: u32, item9: u32| {
        let mut row =
            format!("<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>P{r}</t></is></c>");
        for col in &cols[1..9] {
            row.push_str(&format!("<c r=\"{col}{r}\"><v>0</v></c>"));
        }
        row.push_str(&format!("<c r=\"J{r}\"><v>{item9}</v></c></row>"));
        row
    };
    for r in 2..=rows {
        sheet.push_str(&person(r, u32::from(r == 2) * 3));
    }
    sheet.push_str(last);
    sheet.push_str("</sheetData></worksheet>");
    let headers: String = std::iter::once("id".to_string())
        .chain((1..=9).map(|i| format!("phq9_{i}")))
        .map(|h| format!("<si><t>{h}</t></si>"))
        .collect();
    let rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let parts = [
        ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>".to_string()),
        ("_rels/.rels", format!("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rels}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>")),
        ("xl/workbook.xml", format!("<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"{rels}\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>")),
        ("xl/_rels/workbook.xml.rels", format!("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rels}/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"{rels}/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>")),
        ("xl/sharedStrings.xml", format!("<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"10\" uniqueCount=\"10\">{headers}</sst>")),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in parts {
        z.start_file(name, opts).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.finish().unwrap();
}

/// Rows 2–2999, then row 3000 whose item 9 is shared string 999 (there
/// are 10): calamine fails on that cell (the red team's late.xlsx).
fn late_xlsx(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("late.xlsx");
    let mut bad =
        String::from("<row r=\"3000\"><c r=\"A3000\" t=\"inlineStr\"><is><t>P3000</t></is></c>");
    for col in ["B", "C", "D", "E", "F", "G", "H", "I"] {
        bad.push_str(&format!("<c r=\"{col}3000\"><v>0</v></c>"));
    }
    bad.push_str("<c r=\"J3000\" t=\"s\"><v>999</v></c></row>");
    workbook(&p, 2999, &bad);
    p
}

const LATE_ERROR: &str = "error: sheet `Sheet1` of late.xlsx: the cell after I3000 cannot be read \
    (Cell string index not found in shared strings table): the file is damaged (save it again from a spreadsheet program)\n\
    error: late.xlsx could not be read past row 2999: the rows up to it were scored, the rest was not read\n";

const URGENT: &str =
    "notice: 1 row(s) at `urgent`: act on them now (crisis protocol; `psyscreen hotlines`)\nnotice: crisis protocol: RISK FLAG: this person may be at risk of suicide or self-harm. Do not leave them alone. Stay with them, remove means of harm if it is safe to do so, and arrange a same-day suicide risk assessment by a qualified professional. If there is immediate danger, call the local emergency number (China: 120 ambulance, 110 police). China national psychological assistance hotline: 12356 (24-hour in many areas).\n";

/// A workbook damaged after thousands of rows: was "nothing scored",
/// exit 2 also with --fail-on hit, no urgent notice, JSON without its `]`,
/// no cell location. Now the rows read are scored and closed properly,
/// the urgent notice is given, the message says where and how far, and the
/// exit is 3 (--fail-on hit) or 2.
#[test]
fn a_workbook_damaged_after_thousands_of_rows_says_how_far_it_got() {
    let dir = tempfile::tempdir().unwrap();
    late_xlsx(dir.path());
    let score = |extra: &[&str]| {
        run(bin()
            .current_dir(dir.path())
            .args(["score", "late.xlsx", "-i", "phq9", "-q"])
            .args(extra))
    };
    let (stdout, stderr, code) = score(&["--format", "json", "--fail-on", "urgent"]);
    assert_eq!((code, stderr.clone()), (3, format!("{LATE_ERROR}{URGENT}")));
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("a whole JSON array");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2998, "every row before the damaged one");
    assert_eq!(rows[0]["risk_level"], "urgent");
    assert_eq!(rows[2997]["id"], "P2999");

    let (_, stderr, code) = score(&["--format", "csv"]);
    assert_eq!((code, stderr), (2, format!("{LATE_ERROR}{URGENT}")));

    let (stdout, stderr, code) = score(&[
        "-o",
        "out.csv",
        "--manifest",
        "run.json",
        "--fail-on",
        "urgent",
    ]);
    assert_eq!(code, 3);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!("{LATE_ERROR}error: out.csv was not written: the input could not be read to its end\n{URGENT}")
    );
    assert!(
        !dir.path().join("out.csv").exists(),
        "no partial file that looks whole"
    );
    assert!(!dir.path().join("run.json").exists(), "nor its manifest");

    // summary: no counts of part of the rows; the notice all the same
    let (stdout, stderr, code) = run(bin().current_dir(dir.path()).args([
        "summary",
        "late.xlsx",
        "-i",
        "phq9",
        "--by",
        "id",
        "--format",
        "csv",
    ]));
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "{}{URGENT}",
            LATE_ERROR.replace("were scored", "were read but not summarised")
        )
    );

    // report: no report of part of the rows
    let (_, stderr, code) = run(bin().current_dir(dir.path()).args([
        "report",
        "late.xlsx",
        "-i",
        "phq9",
        "--by",
        "id",
        "--list-ids",
        "-o",
        "r.html",
    ]));
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!(
            "{}error: r.html was not written: the input could not be read to its end\n{URGENT}",
            LATE_ERROR.replace("were scored", "were read but not summarised")
        )
    );
    assert!(!dir.path().join("r.html").exists());
}

/// The red team's late2.xlsx: row 2999 comes twice. Every row before it
/// is scored, and the error names the cell.
#[test]
fn a_row_that_comes_twice_late_in_a_workbook_keeps_the_rows_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("late2.xlsx");
    let dup = "<row r=\"2999\"><c r=\"A2999\" t=\"inlineStr\"><is><t>Pdup</t></is></c></row>";
    workbook(&p, 2999, dup);
    let (stdout, stderr, code) = run(bin().current_dir(dir.path()).args([
        "score",
        "late2.xlsx",
        "-i",
        "phq9",
        "-q",
        "--format",
        "csv",
    ]));
    assert_eq!(code, 2);
    assert_eq!(stdout.lines().count(), 1 + 2997, "rows 2–2998");
    assert_eq!(
        stderr,
        format!(
            "error: sheet `Sheet1` of late2.xlsx: cell A2999 comes twice or out of order: the file is damaged (save it again from a spreadsheet program)\n\
             error: late2.xlsx could not be read past row 2998: the rows up to it were scored, the rest was not read\n{URGENT}"
        )
    );
}

/// A scored file with totals its scale cannot have (30 and -5 for PHQ-9,
/// 2.5 where totals are whole) or a band that is not its total's: each is
/// a located problem (exit 1), and that scale's total and band are left
/// out (counted incomplete); the row's level stays as written.
#[test]
fn a_scored_file_with_impossible_values_is_reported_and_not_averaged() {
    let (stdout, stderr, code) = psyscreen(&[
        "summary",
        "impossible.csv",
        "--by",
        "cls",
        "--min-group",
        "1",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "row 2, column phq9_total: '30' is not a possible total of phq9 (0 to 27): the file was changed after scoring? the total and band are left out\n\
         row 3, column phq9_total: '-5' is not a possible total of phq9 (0 to 27): the file was changed after scoring? the total and band are left out\n\
         row 4, column phq9_total: '2.5' is not a possible total of phq9 (whole numbers): the file was changed after scoring? the total and band are left out\n\
         row 5, column phq9_band: 'severe' is not the band of phq9 total 3 (expected minimal): the file was changed after scoring? the total and band are left out\n\
         row 9, column phq9_band: 'incomplete' is not the band of phq9 total 5 (expected mild): the file was changed after scoring? the total and band are left out\n\
         notice: 1 row(s) at `urgent`: act on them now (crisis protocol; `psyscreen hotlines`)\nnotice: crisis protocol: RISK FLAG: this person may be at risk of suicide or self-harm. Do not leave them alone. Stay with them, remove means of harm if it is safe to do so, and arrange a same-day suicide risk assessment by a qualified professional. If there is immediate danger, call the local emergency number (China: 120 ambulance, 110 police). China national psychological assistance hotline: 12356 (24-hour in many areas).\n"
    );
    // n 8; 6 incomplete; mean of 22 and 4 only; minimal 1 (F), severe 1 (E)
    let all = stdout.lines().find(|l| l.starts_with("all,")).unwrap();
    assert_eq!(all, "all,,8,false,6,13.00,12.73,1,0,0,0,1,6,5,2,0,1");
}
