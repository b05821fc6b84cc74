//! `score`, `summary` and `report` read and score rows through one
//! pipeline: for the same rows they give the same totals, bands and
//! levels, and so does `summary` of the file `score` wrote.

use std::collections::BTreeMap;

use crate::{bin, root, run};

const INPUT: &str = "examples/class-survey.csv";
const SCALES: [&str; 2] = ["phq9", "gad7"];
const LEVELS: [&str; 4] = ["none", "monitor", "refer", "urgent"];

fn records(csv_text: &str) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Per class and over all: rows, rows per level, rows per band of each
/// scale, and the mean of each total (2 decimals, as `summary` writes).
#[derive(Debug, Default, PartialEq)]
struct Counts {
    n: u64,
    levels: BTreeMap<String, u64>,
    bands: BTreeMap<String, u64>,
    means: BTreeMap<String, String>,
}

/// What `score`'s rows add up to, per class.
fn from_scored_rows(rows: &[BTreeMap<String, String>]) -> BTreeMap<String, Counts> {
    let mut sums: BTreeMap<(String, &str), (f64, u64)> = BTreeMap::new();
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    for r in rows {
        let c = out.entry(r["class"].clone()).or_default();
        c.n += 1;
        *c.levels.entry(r["risk_level"].clone()).or_default() += 1;
        for s in SCALES {
            *c.bands
                .entry(format!("{s}_{}", r[&format!("{s}_band")]))
                .or_default() += 1;
            if let Ok(t) = r[&format!("{s}_total")].parse::<f64>() {
                let e = sums.entry((r["class"].clone(), s)).or_default();
                e.0 += t;
                e.1 += 1;
            }
        }
    }
    for ((class, s), (sum, n)) in sums {
        #[allow(clippy::cast_precision_loss)]
        let mean = format!("{:.2}", sum / n as f64);
        out.get_mut(&class)
            .unwrap()
            .means
            .insert(s.to_string(), mean);
    }
    out
}

/// What `summary --format csv` says, per class (group rows only).
fn from_summary(rows: &[BTreeMap<String, String>]) -> BTreeMap<String, Counts> {
    let mut out = BTreeMap::new();
    for r in rows.iter().filter(|r| r["scope"] == "group") {
        let mut c = Counts {
            n: r["n"].parse().unwrap(),
            ..Counts::default()
        };
        for l in LEVELS {
            let n: u64 = r[&format!("level_{l}")].parse().unwrap();
            if n > 0 {
                c.levels.insert(l.to_string(), n);
            }
        }
        for s in SCALES {
            c.means
                .insert(s.to_string(), r[&format!("{s}_mean")].clone());
            for (k, v) in r {
                let band = k.strip_prefix(&format!("{s}_")).unwrap_or("mean");
                let n: u64 = v.parse().unwrap_or(0);
                if !["mean", "sd"].contains(&band) && n > 0 {
                    c.bands.insert(k.clone(), n);
                }
            }
        }
        out.insert(r["class"].clone(), c);
    }
    out
}

fn psyscreen(args: &[&str]) -> String {
    let (stdout, stderr, code) = run(bin()
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", "1773619200")
        .args(args));
    assert_eq!(code, 1, "one invalid cell in the input: {stderr}");
    assert!(
        stderr.starts_with("row 28, column gad7_2: 'sometimes' is not a valid answer"),
        "{stderr}"
    );
    stdout
}

#[test]
fn score_summary_and_report_agree_on_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let scored_path = dir.path().join("scored.csv");
    let scored = psyscreen(&[
        "score",
        INPUT,
        "-i",
        "phq9,gad7",
        "--keep",
        "class",
        "--format",
        "csv",
        "-q",
    ]);
    std::fs::write(&scored_path, &scored).unwrap();
    let scored = records(&scored);
    assert_eq!(scored.len(), 30);
    let want = from_scored_rows(&scored);
    assert_eq!(want.len(), 3, "7A, 7B, 8A");

    let by_class = ["--by", "class", "--min-group", "1", "--format", "csv", "-q"];
    let raw = psyscreen(&[&["summary", INPUT, "-i", "phq9,gad7"][..], &by_class].concat());
    assert_eq!(from_summary(&records(&raw)), want, "summary -i");

    // the file `score` wrote, read back: the same counts (no cell problems)
    let (read_back, stderr, code) = run(bin().args(["summary"]).arg(&scored_path).args(by_class));
    assert_eq!(
        (code, stderr.as_str()),
        (
            0,
            "notice: 2 row(s) at `urgent`: act on them now (crisis protocol; `psyscreen hotlines`)\nnotice: crisis protocol: RISK FLAG: this person may be at risk of suicide or self-harm. Do not leave them alone. Stay with them, remove means of harm if it is safe to do so, and arrange a same-day suicide risk assessment by a qualified professional. If there is immediate danger, call the local emergency number (China: 120 ambulance, 110 police). China national psychological assistance hotline: 12356 (24-hour in many areas).\n"
        )
    );
    assert_eq!(
        from_summary(&records(&read_back)),
        want,
        "summary of score's file"
    );

    let html = dir.path().join("r.html");
    psyscreen(&[
        "report",
        INPUT,
        "-i",
        "phq9,gad7",
        "--by",
        "class",
        "--min-group",
        "1",
        "--list-ids",
        "-q",
        "-o",
        html.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&html).unwrap();
    // the overall row: n, then the rows per level
    let mut overall = format!(
        "<tr class=\"overall\"><td>All groups shown</td><td class=\"num\">{}</td>",
        scored.len()
    );
    for l in LEVELS {
        let n = scored.iter().filter(|r| r["risk_level"] == l).count();
        overall.push_str(&format!("<td class=\"num\">{n}</td>"));
    }
    assert!(html.contains(&overall), "{overall}\n{html}");
    // the referral list: the rows `score` put at refer or above, by class
    // (7A, 7B, 8A sort as text here), highest level first
    let mut referred: Vec<(&str, usize, &str)> = scored
        .iter()
        .filter_map(|r| {
            let l = LEVELS.iter().position(|l| *l == r["risk_level"]).unwrap();
            (l >= 2).then_some((r["class"].as_str(), l, r["id"].as_str()))
        })
        .collect();
    referred.sort_by_key(|(class, l, _)| (*class, std::cmp::Reverse(*l)));
    let list = &html[html.find("Referral list").unwrap()..];
    let ids: Vec<&str> = list
        .split("<td class=\"id\">")
        .skip(1)
        .map(|r| &r[..r.find('<').unwrap()])
        .collect();
    assert_eq!(
        ids,
        referred.iter().map(|(_, _, id)| *id).collect::<Vec<_>>()
    );
    assert!(!ids.is_empty());
}

/// The input's problems are reported by the pipeline, once, for every
/// command: `summary` and `report` say what `score` says, including the
/// closing warning about lines a quote took in (which `summary` and
/// `report` did not print before the pipeline), with the same exit code.
#[test]
fn every_command_reports_the_same_problems() {
    let dir = tempfile::tempdir().unwrap();
    let text = "id,class,gad2_1,gad2_2\na,7A,1,1\n\"b,7A,1,1\nc,3\nd,7A,x,3\n";
    let f = crate::write(dir.path(), "lost.csv", text);
    let problems = "row 3 (line 3), column id: a quote opens here and is never closed, so the rest of the file (lines 4–5) was read as this one cell and any rows there were not scored; remove the stray `\"` or close it, and score again\n\
         row 3: has 1 field(s), but the header has 4; absent fields count as missing\n\
         warning: 1 row(s) took in 2 more line(s) through a quoted cell: any rows on those lines were not scored (see above)\n";
    let report = dir.path().join("r.html");
    for args in [
        vec!["score", "-i", "gad2", "-q", "--format", "csv"],
        vec!["summary", "-i", "gad2", "--by", "class", "-q"],
        vec![
            "report",
            "-i",
            "gad2",
            "--by",
            "class",
            "-q",
            "-o",
            report.to_str().unwrap(),
        ],
    ] {
        let (_, stderr, code) = run(bin().args(&args).arg(&f));
        assert_eq!((code, stderr.as_str()), (1, problems), "{args:?}");
    }
}
