//! Hostile and careless inputs (issue 11): xlsx workbooks (item 15), the
//! table format's memory (item 16) and `risk_reasons` as a JSON array
//! (item 18). Each test ran against the code before its fix and failed.
//! Small inputs live in tests/hostile/xlsx/ (made by
//! scripts/make-hostile-xlsx.py); big ones are made here, in a tempdir.

use super::*;

fn hostile(name: &str) -> PathBuf {
    root().join("tests/hostile/xlsx").join(name)
}

// ------------------------------------------------ 18: risk_reasons in JSON

#[test]
fn json_reasons_are_an_array_of_strings() {
    // item 9 = 2 fires the item-9 rule and the total rule: two reasons
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-", "-i", "phq9", "--format", "json", "-q"])
        .write_stdin(
            "id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n\
             a,3,3,3,3,3,3,3,3,2\n\
             b,0,0,0,0,0,0,0,0,0\n",
        ));
    assert_eq!(code, 0, "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let a = &rows[0]["risk_reasons"];
    let reasons = a.as_array().unwrap_or_else(|| panic!("not an array: {a}"));
    assert!(reasons.len() >= 2, "{stdout}");
    assert!(reasons.iter().all(|r| r.is_string()), "{stdout}");
    assert_eq!(rows[1]["risk_reasons"], serde_json::json!([]), "{stdout}");
}

#[test]
fn jsonl_reasons_are_an_array_and_csv_keeps_the_joined_text() {
    let input = "id,gad2_1,gad2_2\na,3,\n";
    let (stdout, _, code) = run(bin()
        .args(["score", "-", "-i", "gad2", "--format", "jsonl", "-q"])
        .write_stdin(input));
    assert_eq!(code, 0);
    assert!(
        stdout.ends_with("\"risk_reasons\":[\"cannot rule out: GAD-2 total missing\"]}\n"),
        "{stdout}"
    );
    let (stdout, _, code) = run(bin()
        .args(["score", "-", "-i", "gad2", "--format", "csv", "-q"])
        .write_stdin(input));
    assert_eq!(code, 0);
    assert!(
        stdout.ends_with(",monitor,Monitor,cannot rule out: GAD-2 total missing\n"),
        "{stdout}"
    );
}

// ------------------------------------------------ 16: --format table memory

fn gad2_rows(n: usize) -> String {
    let mut s = String::from("id,gad2_1,gad2_2\n");
    for i in 0..n {
        s.push_str(&format!("p{i},{},{}\n", i % 4, (i / 4) % 4));
    }
    s
}

#[test]
fn a_big_table_switches_to_csv_and_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "big.csv", &gad2_rows(2500));
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--format", "table", "-q"])
        .arg(&input));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        "note: more than 1000 rows: writing CSV instead of a table (choose with --format, or write to a file with -o)\n"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2501, "every row, once");
    assert_eq!(
        lines[0],
        "id,gad2_total,gad2_band,gad2_prorated,risk_level,risk_label,risk_reasons"
    );
    assert!(lines[1].starts_with("p0,0,negative,false,"), "{}", lines[1]);
    assert!(lines[2500].starts_with("p2499,"), "{}", lines[2500]);
    // the same rows as --format csv would give
    let (csv, _, _) = run(bin()
        .args(["score", "-i", "gad2", "--format", "csv", "-q"])
        .arg(&input));
    assert_eq!(stdout, csv);
}

#[test]
fn a_table_up_to_the_limit_stays_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "small.csv", &gad2_rows(1000));
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--format", "table", "-q"])
        .arg(&input));
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.starts_with('┌'), "{}", &stdout[..80]);
    assert!(stdout.contains("│ p999 "), "last row shown");
}

// ------------------------------------------------ 15: xlsx bounded

/// Run from the repository root, so messages name the file as given.
fn score_xlsx(name: &str) -> (String, String, i32) {
    run(bin()
        .current_dir(root())
        .args(["score", "-i", "gad2", "--format", "csv", "-q"])
        .arg(format!("tests/hostile/xlsx/{name}")))
}

const HEADER: &str = "id,gad2_total,gad2_band,gad2_prorated,risk_level,risk_label,risk_reasons";

/// The three respondents of every crafted workbook, as scored from the
/// clean one.
fn clean_rows() -> Vec<String> {
    let (stdout, stderr, code) = score_xlsx("clean.xlsx");
    assert_eq!((code, stderr.as_str()), (0, ""));
    let lines: Vec<String> = stdout.lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert_eq!(lines[0], HEADER);
    assert!(
        lines[3].starts_with("s3,6,positive,false,monitor,"),
        "{stdout}"
    );
    lines
}

#[test]
fn a_stray_cell_at_xfd1048576_is_a_located_error_not_an_abort() {
    let (_, stderr, code) = score_xlsx("stray-xfd.xlsx");
    assert_eq!(code, 2, "{stderr}");
    // the rows before it are scored, and the error says how far it got
    assert!(
        stderr.ends_with(
            "error: sheet `Answers` of tests/hostile/xlsx/stray-xfd.xlsx: cell XFD1048576 holds 'x', beyond column FAN (4096), the last psyscreen reads: delete the stray cell or move the data left\n\
             error: tests/hostile/xlsx/stray-xfd.xlsx could not be read past row 4: the rows up to it were scored, the rest was not read\n"
        ),
        "{stderr}"
    );
}

#[test]
fn a_stray_cell_at_j1048576_is_one_row_not_a_million() {
    let (stdout, stderr, code) = score_xlsx("stray-j.xlsx");
    // the stray value is a row of its own, flagged as ragged: exit 1
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("has 10 field(s), but the header has 3"),
        "{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert_eq!(lines[..4], clean_rows()[..]);
    // nothing known about it: never a lower level than `monitor`
    assert_eq!(
        lines[4],
        ",,incomplete,false,monitor,Monitor,cannot rule out: GAD-2 total missing"
    );
}

#[test]
fn empty_rows_and_formatted_empty_cells_make_no_rows() {
    let (stdout, stderr, code) = score_xlsx("empty-rows.xlsx");
    assert_eq!((code, stderr.as_str()), (0, ""));
    let clean = clean_rows();
    assert_eq!(stdout, format!("{HEADER}\n{}\n{}\n", clean[1], clean[3]));
}

#[test]
fn the_same_cell_twice_is_an_error_not_the_last_answer() {
    // C2 = 3 then C2 = 0: taking the last would lower s3 from positive
    let (_, stderr, code) = score_xlsx("duplicate-cell.xlsx");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "error: sheet `Answers` of tests/hostile/xlsx/duplicate-cell.xlsx: cell C2 comes twice or out of order: the file is damaged"
        ),
        "{stderr}"
    );
    let (_, stderr, code) = score_xlsx("out-of-order.xlsx");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cell A2 comes twice or out of order"),
        "{stderr}"
    );
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_read() {
    for (name, why) in [
        (
            "bomb-declared.xlsx",
            "which would expand to 3.5 GiB, more than the 2 GiB psyscreen reads",
        ),
        (
            "bomb-ratio.xlsx",
            "which would expand 510-fold (to 16.8 MiB), more than the 250-fold psyscreen allows",
        ),
        (
            "liar.xlsx",
            "which expands to more than the 100 bytes its zip header says",
        ),
        (
            "blanks.xlsx",
            "which holds a run of more than 1 MiB without markup",
        ),
    ] {
        let (stdout, stderr, code) = score_xlsx(name);
        assert_eq!((code, stdout.as_str()), (2, ""), "{name}: {stderr}");
        assert_eq!(
            stderr,
            format!(
                "error: tests/hostile/xlsx/{name}: refusing part `xl/worksheets/sheet1.xml`, {why} (a damaged file or a zip bomb?)\n"
            ),
            "{name}"
        );
    }
}

/// A sheet of `n` respondents, written with the zip crate.
fn big_workbook(path: &Path, n: usize) {
    use std::io::Write as _;
    let mut sheet = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\
         <row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>id</t></is></c><c r=\"B1\" t=\"inlineStr\"><is><t>gad2_1</t></is></c><c r=\"C1\" t=\"inlineStr\"><is><t>gad2_2</t></is></c></row>",
    );
    for i in 0..n {
        let r = i + 2;
        // every 7th row has an empty row before it
        let r = r + r / 7;
        sheet.push_str(&format!(
            "<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>p{i}</t></is></c><c r=\"B{r}\"><v>{}</v></c><c r=\"C{r}\"><v>{}</v></c></row>",
            i % 4,
            (i / 4) % 4
        ));
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts = [
        ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>".to_string()),
        ("_rels/.rels", "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".to_string()),
        ("xl/workbook.xml", "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"Big\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>".to_string()),
        ("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>".to_string()),
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

#[test]
fn a_big_sheet_streams_every_row_in_order_like_its_csv_twin() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("big.xlsx");
    big_workbook(&xlsx, 3000);
    let csv = write(dir.path(), "big.csv", &gad2_rows(3000));
    let (from_xlsx, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--format", "csv", "-q"])
        .arg(&xlsx));
    assert_eq!((code, stderr.as_str()), (0, ""));
    let (from_csv, _, _) = run(bin()
        .args(["score", "-i", "gad2", "--format", "csv", "-q"])
        .arg(&csv));
    assert_eq!(from_xlsx.lines().count(), 3001);
    assert_eq!(from_xlsx, from_csv);
}

#[test]
fn the_manifest_hashes_the_whole_workbook() {
    use sha2::Digest as _;
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("run.json");
    let (_, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "-q", "-o"])
        .arg(dir.path().join("out.csv"))
        .arg("--manifest")
        .arg(&manifest)
        .arg(hostile("clean.xlsx")));
    assert_eq!((code, stderr.as_str()), (0, ""));
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let want = hex::encode(sha2::Sha256::digest(
        std::fs::read(hostile("clean.xlsx")).unwrap(),
    ));
    assert_eq!(m["input"]["sha256"], serde_json::json!(want));
    assert_eq!(m["input"]["rows"], serde_json::json!(3));
}

#[test]
fn an_ods_still_scores_and_a_stray_cell_far_away_is_refused_before_it_is_expanded() {
    let (stdout, stderr, code) = score_xlsx("clean.ods");
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(stdout.lines().collect::<Vec<_>>(), clean_rows());
    // a value 1,048,000 rows down and 16,000 columns right: calamine would
    // expand it into 16.8 billion cells
    let (stdout, stderr, code) = score_xlsx("stray-far.ods");
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert_eq!(
        stderr,
        "error: tests/hostile/xlsx/stray-far.ods: its sheets span 16769128005 cells (rows × columns in use), more than the 10000000 psyscreen reads from an .ods: save the sheet as xlsx or CSV, or delete stray cells far from the data\n"
    );
}

#[test]
fn rows_keep_the_sheets_numbers_when_empty_rows_are_skipped() {
    // no id column: a respondent is known by the row number, which must be
    // the row the spreadsheet shows, or a flag points at the wrong person
    let (stdout, stderr, code) = score_xlsx("gaps-no-id.xlsx");
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stderr,
        "row 4, column gad2_1: 'x' is not a valid answer for gad2_1 (expected 0–3 or a label: Not at all, Several days, More than half the days, Nearly every day); counted as missing\n"
    );
    assert_eq!(
        stdout,
        "row,gad2_total,gad2_band,gad2_prorated,risk_level,risk_label,risk_reasons\n\
         2,1,negative,false,none,No flag,\n\
         4,,incomplete,false,monitor,Monitor,cannot rule out: GAD-2 total missing\n\
         6,6,positive,false,monitor,Monitor,GAD-2 ≥ 3 (positive screen): flag and give the full GAD-7\n"
    );
    // summary --flags numbers rows the same way
    let (_, stderr, _) = run(bin()
        .current_dir(root())
        .args([
            "summary",
            "tests/hostile/xlsx/gaps-no-id.xlsx",
            "-i",
            "gad2",
            "--by",
            "gad2_2",
            "-q",
        ])
        .args(["--format", "csv"]));
    assert!(stderr.starts_with("row 4, column gad2_1: 'x'"), "{stderr}");
}
