//! Issue 14: an xlsx sheet is inflated once, checked as it is read (the
//! limits of README "Workbooks" hold as before: the same refusals), on a
//! thread of its own; the cells of a plain export are read in one pass.

use std::io::Write as _;
use std::path::Path;

use crate::{bin, run};

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
const HEADER_ROW: &str = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>id</t></is></c><c r=\"B1\" t=\"inlineStr\"><is><t>gad2_1</t></is></c><c r=\"C1\" t=\"inlineStr\"><is><t>gad2_2</t></is></c></row>";

/// Rows 2..=n+1 of respondents p0, p1, … (answers 1 and 2).
fn rows(n: usize) -> String {
    (0..n)
        .map(|i| {
            let r = i + 2;
            format!("<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>p{i}</t></is></c><c r=\"B{r}\"><v>1</v></c><c r=\"C{r}\"><v>2</v></c></row>")
        })
        .collect()
}

/// A workbook of sheets (name, whole worksheet XML) and any other parts,
/// written after the sheets, in this order.
fn workbook(path: &Path, sheets: &[(&str, String)], after: &[(&str, String)]) {
    let (mut list, mut rels) = (String::new(), String::new());
    for (i, (name, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        list.push_str(&format!(
            "<sheet name=\"{name}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>"
        ));
        rels.push_str(&format!("<Relationship Id=\"rId{n}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"));
    }
    let mut parts = vec![
        ("[Content_Types].xml".to_string(), "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>".to_string()),
        ("xl/workbook.xml".to_string(), format!("<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>{list}</sheets></workbook>")),
        ("xl/_rels/workbook.xml.rels".to_string(), format!("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{rels}</Relationships>")),
    ];
    for (i, (_, xml)) in sheets.iter().enumerate() {
        parts.push((format!("xl/worksheets/sheet{}.xml", i + 1), xml.clone()));
    }
    for (name, xml) in after {
        parts.push((name.to_string(), xml.clone()));
    }
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in parts {
        z.start_file(name, opts).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.finish().unwrap();
}

fn refusal(file: &Path, part: &str, why: &str) -> String {
    format!(
        "error: {}: refusing part `{part}`, which {why} (a damaged file or a zip bomb?)\n",
        file.display()
    )
}

const RUN: &str = "holds a run of more than 1 MiB without markup";

/// More than 1 MiB of blanks between two rows.
fn blanks() -> String {
    " ".repeat((1 << 20) + 10)
}

#[test]
fn a_run_without_markup_after_the_first_rows_stops_the_read_with_the_same_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late.xlsx");
    let sheet = format!(
        "{HEAD}{HEADER_ROW}{}{}{}</sheetData></worksheet>",
        rows(300),
        blanks(),
        "<row r=\"400\"><c r=\"A400\"><v>9</v></c></row>"
    );
    workbook(&path, &[("Answers", sheet)], &[]);
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--format", "csv", "-q"])
        .arg(&path));
    assert_eq!(code, 2, "{stderr}");
    // found as the part is read, not before: the rows read whole before it
    // are scored, and the read stops as any damaged sheet stops
    assert_eq!(
        stderr,
        format!(
            "{}error: {} could not be read past row 300: the rows up to it were scored, the rest was not read\n",
            refusal(&path, "xl/worksheets/sheet1.xml", RUN),
            path.display()
        )
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 300, "the header and 299 rows: {stdout:.200}");
    assert!(lines[299].starts_with("p298,3,"), "{}", lines[299]);
    // an output file is not written when the read stopped early
    let out = dir.path().join("out.csv");
    let (_, _, code) = run(bin()
        .args(["score", "-i", "gad2", "-q", "-o"])
        .arg(&out)
        .arg(&path));
    assert_eq!(code, 2);
    assert!(!out.exists());
}

#[test]
fn a_run_without_markup_before_the_first_row_is_whole_is_refused_before_any_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("early.xlsx");
    let sheet = format!(
        "{HEAD}{HEADER_ROW}{}{}</sheetData></worksheet>",
        blanks(),
        rows(3)
    );
    workbook(&path, &[("Answers", sheet)], &[]);
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--format", "csv", "-q"])
        .arg(&path));
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert_eq!(stderr, refusal(&path, "xl/worksheets/sheet1.xml", RUN));
}

#[test]
fn when_two_parts_are_bad_the_first_in_the_zip_is_named_as_before() {
    // the sheet (read as it is checked) comes before a styles part that
    // would expand about 1000-fold: the sheet's refusal is the one given,
    // as when every part was checked in order before anything was read
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.xlsx");
    let sheet = format!(
        "{HEAD}{HEADER_ROW}{}{}</sheetData></worksheet>",
        rows(3),
        blanks()
    );
    let styles = "<".repeat(20 << 20);
    workbook(
        &path,
        &[("Answers", sheet.clone())],
        &[("xl/styles.xml", styles.clone())],
    );
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--format", "csv", "-q"])
        .arg(&path));
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert_eq!(stderr, refusal(&path, "xl/worksheets/sheet1.xml", RUN));
    // with a good sheet, the styles part is the one refused
    let good = format!("{HEAD}{HEADER_ROW}{}</sheetData></worksheet>", rows(3));
    workbook(&path, &[("Answers", good)], &[("xl/styles.xml", styles)]);
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--format", "csv", "-q"])
        .arg(&path));
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: {}: refusing part `xl/styles.xml`, which would expand ",
            path.display()
        )),
        "{stderr}"
    );
}

#[test]
fn a_sheet_chosen_by_name_is_checked_and_the_others_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sheets.xlsx");
    let good = format!("{HEAD}{HEADER_ROW}{}</sheetData></worksheet>", rows(3));
    let bad = format!(
        "{HEAD}{HEADER_ROW}{}{}</sheetData></worksheet>",
        blanks(),
        rows(3)
    );
    workbook(
        &path,
        &[("First", good.clone()), ("Second", bad.clone())],
        &[],
    );
    // the sheet not read is refused as before, whichever is read
    for sheet in ["First", "Second"] {
        let (stdout, stderr, code) = run(bin()
            .args([
                "score", "-i", "gad2", "--format", "csv", "-q", "--sheet", sheet,
            ])
            .arg(&path));
        assert_eq!((code, stdout.as_str()), (2, ""), "{sheet}: {stderr}");
        assert_eq!(
            stderr,
            refusal(&path, "xl/worksheets/sheet2.xml", RUN),
            "{sheet}"
        );
    }
    // the bad sheet first: reading the good second one still refuses it
    workbook(&path, &[("First", bad), ("Second", good)], &[]);
    let (stdout, stderr, code) = run(bin()
        .args([
            "score", "-i", "gad2", "--format", "csv", "-q", "--sheet", "Second",
        ])
        .arg(&path));
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert_eq!(stderr, refusal(&path, "xl/worksheets/sheet1.xml", RUN));
}

#[test]
fn a_sheet_left_to_calamine_is_checked_whole_before_calamine_reads_it() {
    // a date-formatted cell sends the rest of the sheet to calamine; the
    // run of blanks after it is refused before calamine reads it
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dates.xlsx");
    let sheet = format!(
        "{HEAD}{HEADER_ROW}<row r=\"2\"><c r=\"A2\" s=\"1\"><v>45000</v></c><c r=\"B2\"><v>1</v></c><c r=\"C2\"><v>1</v></c></row>{}{}</sheetData></worksheet>",
        blanks(),
        "<row r=\"3\"><c r=\"A3\"><v>3</v></c></row>"
    );
    let styles = "<?xml version=\"1.0\"?><styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/></cellXfs></styleSheet>";
    workbook(
        &path,
        &[("Answers", sheet)],
        &[("xl/styles.xml", styles.to_string())],
    );
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--format", "csv", "-q"])
        .arg(&path));
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert_eq!(stderr, refusal(&path, "xl/worksheets/sheet1.xml", RUN));
}

/// Two people whose 18-digit ids (ID-card numbers) pandas or openpyxl
/// wrote as numbers, the second flagged on GAD-2 (3 + 3); `extra`, more
/// cells after each row's answers (`@` for the row's number), under
/// a column `note`.
fn long_ids(extra: &str) -> String {
    let row = |r: u32, id: &str, a: u32| {
        format!("<row r=\"{r}\"><c r=\"A{r}\"><v>{id}</v></c><c r=\"B{r}\"><v>{a}</v></c><c r=\"C{r}\"><v>{a}</v></c>{}</row>", extra.replace('@', &r.to_string()))
    };
    let note = "<c r=\"D1\" t=\"inlineStr\"><is><t>note</t></is></c></row>";
    let header = if extra.is_empty() {
        HEADER_ROW.to_string()
    } else {
        HEADER_ROW.replace("</row>", note)
    };
    format!(
        "{HEAD}{header}{}{}</sheetData></worksheet>",
        row(2, "110101200001011234", 0),
        row(3, "110101200001011235", 3)
    )
}

#[test]
fn an_id_of_18_digits_stored_as_a_number_keeps_every_digit() {
    // as an f64 both ids read 110101200001011230: one person, twice, and
    // `--duplicates first` set the flagged one aside
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ids.xlsx");
    workbook(&path, &[("Answers", long_ids(""))], &[]);
    let (stdout, stderr, code) = run(bin()
        .args([
            "score",
            "-i",
            "gad2",
            "--format",
            "csv",
            "--duplicates",
            "first",
            "-q",
        ])
        .arg(&path));
    assert_eq!(
        stdout,
        "id,gad2_total,gad2_band,gad2_prorated,risk_level,risk_label,risk_reasons\n\
         110101200001011234,0,negative,false,none,No flag,\n\
         110101200001011235,6,positive,false,monitor,Monitor,GAD-2 ≥ 3 (positive screen): flag and give the full GAD-7\n"
    );
    assert_eq!((stderr.as_str(), code), ("", 0));
}

#[test]
fn a_long_number_calamine_reads_is_said_to_have_maybe_lost_digits() {
    // an error cell (#N/A) in row 2 leaves the rest of the sheet to
    // calamine, whose f64 cannot hold row 3's id: said once, with the cell
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ids.xlsx");
    workbook(
        &path,
        &[("Answers", long_ids("<c r=\"D@\" t=\"e\"><v>#N/A</v></c>"))],
        &[],
    );
    let (stdout, stderr, code) = run(bin()
        .args(["score", "-i", "gad2", "--format", "csv", "-q"])
        .arg(&path));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\n110101200001011234,0,"), "{stdout}");
    assert_eq!(
        stderr,
        format!(
            "warning: sheet `Answers` of {}: cell A3 holds a number of 16 or more digits, read as 110101200001011230: its last digits may not be the ones typed, and two ids may read the same (numbers like it after it too); store ids as text in the workbook\n",
            path.display()
        )
    );
}
