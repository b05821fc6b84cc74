//! FHIR and REDCap: `score --format fhir` (NDJSON, `--fhir-bundle`),
//! `instruments export --fhir|--redcap`, `instruments import`. Structure is
//! checked through serde_json, never by matching strings; the resources are
//! also parsed by a FHIR validator in tests/fhir/validate.py (.ci/run).

use serde_json::Value;

use super::{bin, data, root, run, write};

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON resource"))
        .collect()
}

fn find<'a>(rs: &'a [Value], kind: &str, id: &str) -> &'a Value {
    rs.iter()
        .find(|r| r["resourceType"] == kind && r["id"] == id)
        .unwrap_or_else(|| panic!("no {kind}/{id}"))
}

fn ext<'a>(r: &'a Value, name: &str) -> Vec<&'a Value> {
    r["extension"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["url"] == format!("urn:psyscreen:fhir:extension:{name}"))
        .collect()
}

#[test]
fn score_fhir_writes_a_response_and_an_observation_per_scale() {
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9,gad7", "--format", "fhir", "--quiet"])
        .arg(root().join("examples/class-survey.csv")));
    assert_eq!(code, 1, "the example has one invalid cell: {err}");
    let rs = lines(&out);
    // 30 rows × (2 responses + 2 observations)
    assert_eq!(rs.len(), 120);
    assert!(!out.to_lowercase().contains("diagnos"));
    // S7A07 (row 8): PHQ-9 2+2+2+2+1+2+1+1+1 = 14, GAD-7 2+2+2+1+1+1+2 = 11
    let qr = find(&rs, "QuestionnaireResponse", "qr-phq9-S7A07-r8");
    assert_eq!(qr["status"], "completed");
    assert_eq!(qr["identifier"]["value"], "S7A07");
    assert_eq!(qr["questionnaire"], "urn:psyscreen:questionnaire:phq9|1.0");
    let items = qr["item"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    assert_eq!(items[0]["linkId"], "phq9_1");
    // answer 2 of PHQ-9 item 1: LOINC LA6570-1 "More than half the days"
    let coding = &items[0]["answer"][0]["valueCoding"];
    assert_eq!(coding["system"], "http://loinc.org");
    assert_eq!(coding["code"], "LA6570-1");
    assert_eq!(coding["display"], "More than half the days");
    let obs = find(&rs, "Observation", "obs-phq9-S7A07-r8");
    assert_eq!(obs["status"], "final");
    assert_eq!(obs["category"][0]["coding"][0]["code"], "survey");
    assert_eq!(obs["code"]["coding"][0]["code"], "44261-6");
    assert_eq!(obs["valueInteger"], 14);
    assert_eq!(obs["interpretation"][0]["coding"][0]["code"], "moderate");
    assert_eq!(
        obs["derivedFrom"][0]["reference"],
        "QuestionnaireResponse/qr-phq9-S7A07-r8"
    );
    assert_eq!(ext(obs, "risk-level")[0]["valueCode"], "urgent");
    assert_eq!(ext(obs, "prorated")[0]["valueBoolean"], false);
    assert!(ext(obs, "risk-reason")[0]["valueString"]
        .as_str()
        .unwrap()
        .starts_with("PHQ-9 item 9"));
    let gad = find(&rs, "Observation", "obs-gad7-S7A07-r8");
    assert_eq!(gad["code"]["coding"][0]["code"], "70274-6");
    assert_eq!(gad["valueInteger"], 11);
    // GAD-7 answers have no verified LOINC answer codes: the instrument's own system
    let gqr = find(&rs, "QuestionnaireResponse", "qr-gad7-S7A07-r8");
    let g = &gqr["item"][0]["answer"][0]["valueCoding"];
    assert_eq!(
        g["system"],
        "urn:psyscreen:questionnaire:gad7:responses:freq4"
    );
    assert_eq!(g["code"], "2");
}

#[test]
fn prorated_and_incomplete_totals_are_marked() {
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--format", "fhir", "--quiet"])
        .arg(data("fhir/missing.csv")));
    assert_eq!(code, 0, "{err}");
    let rs = lines(&out);
    // P1: 2,2,2,2,.,2,2,2,1 = 15 of 8 answered: 15 × 9 / 8 = 16.875 → 17, prorated
    let p1 = find(&rs, "Observation", "obs-phq9-P1-r2");
    assert_eq!(p1["valueInteger"], 17);
    assert_eq!(ext(p1, "prorated")[0]["valueBoolean"], true);
    assert!(p1["note"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with("prorated: 1 of 9"));
    // the blank item is not in the response: it was not answered
    let qr = find(&rs, "QuestionnaireResponse", "qr-phq9-P1-r2");
    let linked: Vec<&str> = qr["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["linkId"].as_str().unwrap())
        .collect();
    assert!(!linked.contains(&"phq9_5") && linked.len() == 8);
    // P2: two missing is incomplete: no value, a reason, and never level `none`
    let p2 = find(&rs, "Observation", "obs-phq9-P2-r3");
    assert!(p2.get("valueInteger").is_none());
    assert_eq!(p2["dataAbsentReason"]["coding"][0]["code"], "unknown");
    assert_eq!(p2["interpretation"][0]["text"], "incomplete");
    assert_eq!(ext(p2, "risk-level")[0]["valueCode"], "monitor");
}

#[test]
fn a_bundle_is_one_transaction_whose_references_resolve() {
    let (out, err, code) = run(bin()
        .args([
            "score",
            "-i",
            "phq9",
            "--format",
            "fhir",
            "--fhir-bundle",
            "--quiet",
        ])
        .arg(data("fhir/missing.csv")));
    assert_eq!(code, 0, "{err}");
    let b: Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "transaction");
    let entries = b["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    for e in entries {
        let r = &e["resource"];
        assert_eq!(e["request"]["method"], "PUT");
        assert_eq!(
            e["request"]["url"],
            format!(
                "{}/{}",
                r["resourceType"].as_str().unwrap(),
                r["id"].as_str().unwrap()
            )
        );
        assert!(e["fullUrl"].as_str().unwrap().starts_with("urn:uuid:"));
    }
    assert_eq!(
        entries[1]["resource"]["derivedFrom"][0]["reference"],
        entries[0]["fullUrl"]
    );
}

#[test]
fn fhir_ids_are_pseudonyms_when_pseudonymizing() {
    let dir = tempfile::tempdir().unwrap();
    let (out, err, code) = run(bin()
        .args([
            "score",
            "-i",
            "phq9",
            "--format",
            "fhir",
            "--quiet",
            "--pseudonymize",
        ])
        .arg(dir.path().join("key"))
        .arg(data("fhir/missing.csv")));
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("P1"), "no raw id anywhere");
    let rs = lines(&out);
    let id = rs[0]["identifier"]["value"].as_str().unwrap();
    assert!(
        id.len() >= 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
}

#[test]
fn the_subject_is_the_person_by_their_id_and_only_when_there_is_one() {
    let (out, err, _) = run(bin()
        .args(["score", "-i", "phq9,gad7", "--format", "fhir", "--quiet"])
        .arg(root().join("examples/class-survey.csv")));
    let rs = lines(&out);
    let person = serde_json::json!({"identifier": {"value": "S7A07"}});
    for kind_id in [
        ("QuestionnaireResponse", "qr-phq9-S7A07-r8"),
        ("QuestionnaireResponse", "qr-gad7-S7A07-r8"),
        ("Observation", "obs-phq9-S7A07-r8"),
        ("Observation", "obs-gad7-S7A07-r8"),
    ] {
        assert_eq!(find(&rs, kind_id.0, kind_id.1)["subject"], person, "{err}");
    }
    // a plain table has no submission time: no authored, and not the run's
    for r in &rs {
        assert!(r.get("authored").is_none() && r.get("effectiveDateTime").is_none());
    }
    // no id column, or a blank id: no subject (a row number is nobody)
    let dir = tempfile::tempdir().unwrap();
    let header = "phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9";
    let f = write(
        dir.path(),
        "noid.csv",
        &format!("{header}\n1,1,1,1,1,1,1,1,1\n"),
    );
    let blank = write(
        dir.path(),
        "blank.csv",
        &format!("id,{header}\n ,1,1,1,1,1,1,1,1,1\nS2,0,0,0,0,0,0,0,0,0\n"),
    );
    for (file, rows) in [(&f, 1), (&blank, 2)] {
        let (out, err, code) = run(bin()
            .args(["score", "-i", "phq9", "--format", "fhir"])
            .arg(file));
        assert_eq!(code, 0, "{err}");
        let rs = lines(&out);
        assert_eq!(rs.len(), rows * 2);
        for r in &rs[..2] {
            assert!(r.get("subject").is_none(), "{r}");
            assert!(r.get("identifier").is_none(), "{r}");
        }
    }
    let (out, _, _) = run(bin()
        .args(["score", "-i", "phq9", "--format", "fhir", "--fhir-bundle"])
        .arg(&blank));
    let b: Value = serde_json::from_str(&out).unwrap();
    let subjects: Vec<&Value> = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"]["subject"]["identifier"]["value"])
        .collect();
    assert_eq!(
        subjects,
        [&Value::Null, &Value::Null, &"S2".into(), &"S2".into()]
    );
}

#[test]
fn a_pseudonymized_subject_is_the_pseudonym_the_csv_shows() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    let score = |format: &str| {
        let (out, err, code) = run(bin()
            .args(["score", "-i", "phq9", "--quiet", "--format", format])
            .arg("--pseudonymize")
            .arg(&key)
            .arg(data("fhir/missing.csv")));
        assert_eq!(code, 0, "{err}");
        out
    };
    let csv_ids: Vec<String> = score("csv")
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let fhir = score("fhir");
    assert!(!fhir.contains("P1") && !fhir.contains("P2"), "no raw id");
    let rs = lines(&fhir);
    let subjects: Vec<&str> = rs
        .iter()
        .map(|r| r["subject"]["identifier"]["value"].as_str().unwrap())
        .collect();
    // P1's response and observation, then P2's
    let want: Vec<&str> = csv_ids
        .iter()
        .flat_map(|i| [i.as_str(), i.as_str()])
        .collect();
    assert_eq!(subjects, want);
    assert!(csv_ids.iter().all(|i| i.len() >= 16), "{csv_ids:?}");
}

#[test]
fn a_questionnaire_keeps_its_chinese_as_translations() {
    let q: Value = serde_json::from_str(&export("gad7", "--fhir")).unwrap();
    assert_eq!(q["language"], "en");
    let zh = |element: &Value| -> String {
        let t = &element["extension"][0];
        assert_eq!(
            t["url"],
            "http://hl7.org/fhir/StructureDefinition/translation"
        );
        assert_eq!(t["extension"][0]["url"], "lang");
        assert_eq!(t["extension"][0]["valueCode"], "zh-CN");
        assert_eq!(t["extension"][1]["url"], "content");
        t["extension"][1]["valueString"].as_str().unwrap().into()
    };
    assert_eq!(q["title"], "Generalized Anxiety Disorder 7 (GAD-7)");
    assert_eq!(zh(&q["_title"]), "广泛性焦虑量表（GAD-7）");
    assert_eq!(q["item"][0]["text"], "Feeling nervous, anxious or on edge");
    assert_eq!(zh(&q["item"][0]["_text"]), "感觉紧张、焦虑或急切");
    let last = &q["item"][6]["answerOption"][3]["valueCoding"];
    assert_eq!(last["display"], "Nearly every day");
    assert_eq!(zh(&last["_display"]), "几乎每天");
    // every built-in is bilingual: every item and option has one
    for id in builtin_ids() {
        let q: Value = serde_json::from_str(&export(&id, "--fhir")).unwrap();
        for item in q["item"].as_array().unwrap() {
            assert!(!zh(&item["_text"]).is_empty(), "{id} {}", item["linkId"]);
            for o in item["answerOption"].as_array().unwrap() {
                assert!(!zh(&o["valueCoding"]["_display"]).is_empty(), "{id}");
            }
        }
    }
}

/// `score --format fhir` of an example export: its resources and stderr.
fn score_export(file: &std::path::Path, extra: &[&str]) -> (Vec<Value>, String) {
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--format", "fhir", "--quiet"])
        .args(extra)
        .arg(file));
    assert_eq!(code, 0, "{err}");
    (lines(&out), err)
}

#[test]
fn authored_is_a_platforms_submission_date_when_it_reads_unambiguously() {
    let export = |name: &str| root().join("examples/exports").join(name);
    // 问卷星 2026/3/16 8:12:00, 腾讯问卷 and LimeSurvey 2026-03-16 08:12:00,
    // Qualtrics EndDate 2026-03-16 08:10:35: no zone, so the date alone
    for (file, extra) in [
        ("wjx-text.csv", &[][..]),
        ("wjx-numbers.csv", &["--one-based"][..]),
        ("tencent.csv", &[]),
        ("limesurvey-full.csv", &[]),
        ("qualtrics-choice-text.csv", &[]),
        ("qualtrics-recode-values.tsv", &[]),
    ] {
        let (rs, err) = score_export(&export(file), extra);
        assert_eq!(rs.len(), 8, "{file}: 4 people × (response + observation)");
        for r in &rs {
            let time = match r["resourceType"].as_str().unwrap() {
                "QuestionnaireResponse" => &r["authored"],
                _ => &r["effectiveDateTime"],
            };
            assert_eq!(time, "2026-03-16", "{file}: {r}");
        }
        assert!(!err.contains("submission time"), "{file}: {err}");
    }
    let (rs, _) = score_export(&export("qualtrics-legacy.csv"), &[]);
    assert_eq!(rs[0]["authored"], "2016-03-16");
    // a time with its zone is kept whole
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(export("qualtrics-choice-text.csv"))
        .unwrap()
        .replacen(
            "2026-03-16 08:10:00,2026-03-16 08:10:35,",
            "2026-03-16 08:10:00,2026-03-16T08:10:35+08:00,",
            1,
        );
    let (rs, _) = score_export(&write(dir.path(), "q.csv", &text), &[]);
    assert_eq!(rs[0]["authored"], "2026-03-16T08:10:35+08:00");
    assert_eq!(rs[1]["effectiveDateTime"], "2026-03-16T08:10:35+08:00");
    assert_eq!(rs[2]["authored"], "2026-03-16");
    // LimeSurvey's 1980-01-01 stands for "not recorded": no time, and nothing to say
    let text = std::fs::read_to_string(export("limesurvey-full.csv"))
        .unwrap()
        .replacen("2026-03-16 08:12:00", "1980-01-01 00:00:00", 1);
    let (rs, err) = score_export(&write(dir.path(), "lime.csv", &text), &[]);
    assert!(rs[0].get("authored").is_none() && rs[1].get("effectiveDateTime").is_none());
    assert_eq!(rs[2]["authored"], "2026-03-16");
    assert!(!err.contains("submission time"), "{err}");
}

#[test]
fn a_date_that_reads_two_ways_gives_no_authored_and_says_so_once() {
    // Google Forms 3/16/2026 8:12:00, SurveyMonkey 03/16/2026 08:12:00 AM:
    // month or day first depends on a locale the file does not name
    for (file, column, cell) in [
        ("google-forms.csv", "Timestamp", "3/16/2026 8:12:00"),
        ("surveymonkey.csv", "End Date", "03/16/2026 08:12:00 AM"),
    ] {
        let (rs, err) = score_export(&root().join("examples/exports").join(file), &[]);
        for r in &rs {
            assert!(r.get("authored").is_none() && r.get("effectiveDateTime").is_none());
        }
        let said = format!(
            "column {column}: the submission time `{cell}` is not a date with the year first"
        );
        assert!(err.contains(&said), "{file}: {err}");
        assert_eq!(err.matches("submission time").count(), 1, "once: {err}");
    }
    let (_, err, _) = run(bin()
        .args([
            "score", "-i", "phq9", "--format", "fhir", "--quiet", "--lang", "zh",
        ])
        .arg(root().join("examples/exports/google-forms.csv")));
    assert!(
        err.contains("提交时间 `3/16/2026 8:12:00` 不是年份在前的日期"),
        "{err}"
    );
}

#[test]
fn only_a_platforms_own_column_is_a_submission_time() {
    // a plain table with a column named as wjx names its time: not wjx
    // (no 序号), so no time is taken from it
    let dir = tempfile::tempdir().unwrap();
    let header = "phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9";
    let f = write(
        dir.path(),
        "plain.csv",
        &format!(
            "id,提交答卷时间,EndDate,{header}\nS1,2026/3/16 8:12:00,2026-03-16,1,1,1,1,1,1,1,1,1\n"
        ),
    );
    let (rs, err) = score_export(&f, &[]);
    assert_eq!(rs[0]["subject"]["identifier"]["value"], "S1");
    for r in &rs {
        assert!(
            r.get("authored").is_none() && r.get("effectiveDateTime").is_none(),
            "{r}"
        );
    }
    assert!(!err.contains("submission time"), "{err}");
}

#[test]
fn a_running_number_of_responses_is_no_persons_subject() {
    let wjx = root().join("examples/exports/wjx-text.csv");
    // 序号 numbers the responses of one survey: the response's identifier only
    let (rs, _) = score_export(&wjx, &[]);
    assert_eq!(rs[0]["identifier"]["value"], "1");
    for r in &rs {
        assert!(r.get("subject").is_none(), "{r}");
    }
    // the student number names the person
    let (rs, _) = score_export(&wjx, &["--id-column", "1、您的学号"]);
    let person = serde_json::json!({"identifier": {"value": "202507101"}});
    assert_eq!(rs[0]["subject"], person);
    assert_eq!(rs[1]["subject"], person);
    assert_eq!(rs[0]["authored"], "2026-03-16");
    // and its pseudonym, as the CSV shows it
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    let args = |format: &'static str| {
        let mut a = vec![
            "score",
            "-i",
            "phq9",
            "--quiet",
            "--id-column",
            "1、您的学号",
        ];
        a.extend(["--format", format]);
        a
    };
    let (csv, _, _) = run(bin()
        .args(args("csv"))
        .arg("--pseudonymize")
        .arg(&key)
        .arg(&wjx));
    let first = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let (out, _, _) = run(bin()
        .args(args("fhir"))
        .arg("--pseudonymize")
        .arg(&key)
        .arg(&wjx));
    assert!(!out.contains("202507101"), "no raw id");
    let rs = lines(&out);
    assert_eq!(rs[0]["subject"]["identifier"]["value"], first.as_str());
}

#[test]
fn min_level_keeps_only_the_people_at_it() {
    let (out, _, _) = run(bin()
        .args([
            "score",
            "-i",
            "phq9,gad7",
            "--format",
            "fhir",
            "--quiet",
            "--min-level",
            "urgent",
        ])
        .arg(root().join("examples/class-survey.csv")));
    let ids: std::collections::BTreeSet<String> = lines(&out)
        .iter()
        .filter(|r| r["resourceType"] == "QuestionnaireResponse")
        .map(|r| r["identifier"]["value"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), ["S7A07", "S8A02"]);
}

#[test]
fn fhir_options_that_do_not_fit_are_usage_errors() {
    let (out, err, code) = run(bin()
        .args(["score", "-i", "phq9", "--fhir-bundle", "--format", "csv"])
        .arg(data("fhir/missing.csv")));
    assert_eq!((out.as_str(), code), ("", 2));
    assert_eq!(err, "error: --fhir-bundle goes with --format fhir\n");
    let (out, err, code) = run(bin()
        .args([
            "score", "-i", "phq9", "--format", "fhir", "--keep", "phq9_1",
        ])
        .arg(data("fhir/missing.csv")));
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(
        err.contains("--keep has no place in FHIR resources"),
        "{err}"
    );
    // only `score` writes FHIR: no other command offers it
    let (_, err, code) = run(bin().args(["instruments", "list", "--format", "fhir"]));
    assert_eq!(code, 2);
    assert!(err.contains("invalid value 'fhir' for '--format"), "{err}");
}

fn export(id: &str, how: &str) -> String {
    let (out, err, code) = run(bin().args(["instruments", "export", id, how]));
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn a_questionnaire_carries_codes_weights_and_skip_logic() {
    let q: Value = serde_json::from_str(&export("phq9", "--fhir")).unwrap();
    assert_eq!(q["resourceType"], "Questionnaire");
    assert_eq!(q["url"], "urn:psyscreen:questionnaire:phq9");
    assert_eq!(q["code"][0]["code"], "44249-1");
    let codes: Vec<&str> = q["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"][0]["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3",
            "44260-8"
        ]
    );
    let weight = |o: &Value| o["extension"][0]["valueDecimal"].as_i64().unwrap();
    let first = q["item"][0]["answerOption"].as_array().unwrap();
    assert_eq!(first.iter().map(weight).collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert_eq!(
        first[0]["extension"][0]["url"],
        "http://hl7.org/fhir/StructureDefinition/itemWeight"
    );
    // PSS-10 item 4 is reverse-scored: "Never" (0) adds 4
    let pss: Value = serde_json::from_str(&export("pss10", "--fhir")).unwrap();
    let item4 = pss["item"][3]["answerOption"].as_array().unwrap();
    assert_eq!(
        item4.iter().map(weight).collect::<Vec<_>>(),
        [4, 3, 2, 1, 0]
    );
    // K10 item 3 is asked when item 2 > 1: any of the answers 2..5
    let k10: Value = serde_json::from_str(&export("k10", "--fhir")).unwrap();
    let when = k10["item"][2]["enableWhen"].as_array().unwrap();
    assert_eq!(k10["item"][2]["enableBehavior"], "any");
    let codes: Vec<&str> = when
        .iter()
        .map(|w| w["answerCoding"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["2", "3", "4", "5"]);
    assert!(when
        .iter()
        .all(|w| w["question"] == "k10_2" && w["operator"] == "="));
}

#[test]
fn a_redcap_dictionary_has_redcaps_columns_choices_and_totals() {
    let text = export("gad7", "--redcap");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header.len(), 18);
    assert_eq!(header[0], "Variable / Field Name");
    assert_eq!(header[5], "Choices, Calculations, OR Slider Labels");
    assert_eq!(header[11], "Branching Logic (Show field only if...)");
    assert_eq!(header[17], "Field Annotation");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][0], "record_id");
    assert_eq!(&rows[1][3], "radio");
    assert_eq!(
        &rows[1][5],
        "0, Not at all | 1, Several days | 2, More than half the days | 3, Nearly every day"
    );
    let total = rows.last().unwrap();
    assert_eq!((&total[0], &total[3]), ("gad7_total", "calc"));
    assert_eq!(
        &total[5],
        "[gad7_1]+[gad7_2]+[gad7_3]+[gad7_4]+[gad7_5]+[gad7_6]+[gad7_7]"
    );
}

/// An item as compared: id, English text, reverse, asked_if, if_skipped,
/// and its response set's id and options (value, English label).
type ItemFacts = (
    String,
    String,
    bool,
    Option<String>,
    Option<i64>,
    String,
    Vec<(i64, String)>,
);

fn items_of(yaml: &str, with_set_ids: bool) -> Vec<ItemFacts> {
    let y: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    let sets = &y["response_sets"];
    y["items"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|i| {
            let set = i["responses"].as_str().unwrap().to_string();
            let options = sets[set.as_str()]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|o| {
                    (
                        o["value"].as_i64().unwrap(),
                        o["label"]["en"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            (
                i["id"].as_str().unwrap().to_string(),
                i["text"]["en"].as_str().unwrap().to_string(),
                i["reverse"].as_bool().unwrap_or(false),
                i.get("asked_if").map(|c| serde_yaml::to_string(c).unwrap()),
                i["if_skipped"].as_i64(),
                if with_set_ids { set } else { String::new() },
                options,
            )
        })
        .collect()
}

/// Every built-in's id, as `instruments list` gives them.
fn builtin_ids() -> Vec<String> {
    let (out, _, code) = run(bin().args(["instruments", "list", "--format", "csv"]));
    assert_eq!(code, 0);
    let ids: Vec<String> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert!(ids.len() >= 12, "{ids:?}");
    ids
}

fn import(args: &[&str], file: &std::path::Path) -> String {
    let (out, err, code) = run(bin()
        .args(["instruments", "import"])
        .args(&args[..args.len().min(1)])
        .arg(file)
        .args(&args[args.len().min(1)..]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("needs a person before it can score"), "{err}");
    out
}

#[test]
fn redcap_round_trip_keeps_items_and_response_sets() {
    let dir = tempfile::tempdir().unwrap();
    for id in builtin_ids() {
        let id = id.as_str();
        let dict = write(dir.path(), &format!("{id}.csv"), &export(id, "--redcap"));
        let skeleton = import(&["redcap", "--form", id], &dict);
        let original =
            std::fs::read_to_string(root().join(format!("instruments/{id}.yaml"))).unwrap();
        assert_eq!(items_of(&skeleton, true), items_of(&original, true), "{id}");
    }
}

#[test]
fn fhir_round_trip_keeps_items_and_response_sets() {
    let dir = tempfile::tempdir().unwrap();
    // K10's skip logic comes back as another form of the same condition: below
    for id in builtin_ids().iter().filter(|i| *i != "k10") {
        let id = id.as_str();
        let q = write(dir.path(), &format!("{id}.json"), &export(id, "--fhir"));
        let skeleton = import(&[], &q);
        let original =
            std::fs::read_to_string(root().join(format!("instruments/{id}.yaml"))).unwrap();
        assert_eq!(
            items_of(&skeleton, false),
            items_of(&original, false),
            "{id}"
        );
        let y: serde_yaml::Value = serde_yaml::from_str(&skeleton).unwrap();
        assert_eq!(y["id"].as_str(), Some(id));
    }
    // PHQ-9's LOINC codes come back
    let q = write(dir.path(), "phq9.json", &export("phq9", "--fhir"));
    let y: serde_yaml::Value = serde_yaml::from_str(&import(&[], &q)).unwrap();
    assert_eq!(y["codes"]["panel"].as_str(), Some("44249-1"));
    assert_eq!(y["codes"]["items"]["phq9_9"].as_str(), Some("44260-8"));
    assert_eq!(y["codes"]["answers"]["set1"][3].as_str(), Some("LA6571-9"));
    // K10's "k10_2 > 1" comes back as the same condition: answers 1..5, > 1 is >= 2
    let q = write(dir.path(), "k10.json", &export("k10", "--fhir"));
    let y: serde_yaml::Value = serde_yaml::from_str(&import(&[], &q)).unwrap();
    assert_eq!(y["items"][2]["asked_if"].as_str(), Some("k10_2 >= 2"));
    assert_eq!(y["items"][2]["if_skipped"].as_i64(), Some(1));
}

/// An item's id, Chinese text and its options' Chinese labels.
type ItemChinese = (String, String, Vec<String>);

/// The Chinese of an instrument file: its name, instructions and items.
fn chinese_of(yaml: &str) -> (Value, Value, Vec<ItemChinese>) {
    let y: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    let zh = |v: &serde_yaml::Value| serde_json::to_value(&v["zh"]).unwrap();
    let items = y["items"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|i| {
            let set = &y["response_sets"][i["responses"].as_str().unwrap()];
            let labels = set.as_sequence().unwrap().iter();
            (
                i["id"].as_str().unwrap().to_string(),
                i["text"]["zh"].as_str().unwrap_or_default().to_string(),
                labels
                    .map(|o| o["label"]["zh"].as_str().unwrap_or_default().to_string())
                    .collect(),
            )
        })
        .collect();
    (zh(&y["name"]), zh(&y["instructions"]), items)
}

#[test]
fn a_fhir_round_trip_keeps_the_chinese() {
    let dir = tempfile::tempdir().unwrap();
    for id in builtin_ids() {
        let q = write(dir.path(), &format!("{id}.json"), &export(&id, "--fhir"));
        let (skeleton, err, code) = run(bin().args(["instruments", "import"]).arg(&q));
        assert_eq!(code, 0, "{err}");
        let original =
            std::fs::read_to_string(root().join(format!("instruments/{id}.yaml"))).unwrap();
        let (name, instructions, items) = chinese_of(&original);
        assert_eq!(
            chinese_of(&skeleton),
            (name.clone(), instructions, items),
            "{id}"
        );
        assert!(name.as_str().is_some_and(|n| !n.is_empty()), "{id}");
        // every text has both: nothing to add
        assert!(
            !err.contains("Chinese:") && !err.contains("English:"),
            "{err}"
        );
    }
}

#[test]
fn import_reads_a_questionnaire_in_chinese_or_with_some_chinese_missing() {
    let dir = tempfile::tempdir().unwrap();
    let mut q: Value = serde_json::from_str(&export("gad2", "--fhir")).unwrap();
    let translation = |lang: &str, text: &str| {
        serde_json::json!({"extension": [{
            "url": "http://hl7.org/fhir/StructureDefinition/translation",
            "extension": [{"url": "lang", "valueCode": lang}, {"url": "content", "valueString": text}],
        }]})
    };
    // a Traditional Chinese translation is not psyscreen's zh
    q["item"][1]["_text"] = translation("zh-TW", "無法停止或控制擔憂");
    let p = write(dir.path(), "partial.json", &q.to_string());
    let (y, err, code) = run(bin().args(["instruments", "import"]).arg(&p));
    assert_eq!(code, 0, "{err}");
    let (_, _, items) = chinese_of(&y);
    assert_eq!(items[0].1, "感觉紧张、焦虑或急切");
    assert_eq!(items[1].1, "");
    assert!(
        err.contains("Chinese: the Questionnaire has Chinese for some texts but not for `gad2_2`"),
        "{err}"
    );
    // Chinese first, English as its translation
    let mut zh = serde_json::json!({
        "resourceType": "Questionnaire",
        "language": "zh-CN",
        "url": "urn:psyscreen:questionnaire:t2",
        "title": "测试",
        "_title": translation("en", "Test"),
        "status": "draft",
        "item": [{
            "linkId": "t2_1", "type": "choice", "text": "第一题",
            "_text": translation("en-US", "Item one"),
            "answerOption": [
                {"valueCoding": {"code": "0", "display": "否", "_display": translation("en", "No")}},
                {"valueCoding": {"code": "1", "display": "是", "_display": translation("en", "Yes")}},
            ],
        }],
    });
    let p = write(dir.path(), "zh.json", &zh.to_string());
    let (y, err, code) = run(bin().args(["instruments", "import"]).arg(&p));
    assert_eq!(code, 0, "{err}");
    assert!(y.contains("name: {en: \"Test\", zh: \"测试\"}"), "{y}");
    assert!(
        y.contains("text: {en: \"Item one\", zh: \"第一题\"}"),
        "{y}"
    );
    assert!(
        y.contains("- {value: 1, label: {en: \"Yes\", zh: \"是\"}}"),
        "{y}"
    );
    assert!(!err.contains("English:"), "{err}");
    // no English: the Chinese stands in `en`, and a person is told
    zh["item"][0].as_object_mut().unwrap().remove("_text");
    let p = write(dir.path(), "zh-only.json", &zh.to_string());
    let (y, err, _) = run(bin()
        .args(["instruments", "import", "--lang", "zh"])
        .arg(&p));
    assert!(y.contains("text: {en: \"第一题\", zh: \"第一题\"}"), "{y}");
    assert!(
        err.contains("英文：该 Questionnaire 的语言为 zh-CN，有 1 处文本没有英文翻译"),
        "{err}"
    );
}

#[test]
fn a_skeleton_does_not_score_until_a_person_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let dict = write(dir.path(), "gad7.csv", &export("gad7", "--redcap"));
    let out = dir.path().join("gad7.yaml");
    let (_, err, code) = run(bin()
        .args(["instruments", "import", "redcap"])
        .arg(&dict)
        .args(["--form", "gad7", "-o"])
        .arg(&out));
    assert_eq!(code, 0, "{err}");
    let (_, err, code) = run(bin().args(["instruments", "validate"]).arg(&out));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bands"), "{err}");
}

#[test]
fn import_says_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "patient.json", r#"{"resourceType": "Patient"}"#);
    let (out, err, code) = run(bin().args(["instruments", "import"]).arg(&p));
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(err.contains("is not a FHIR Questionnaire"), "{err}");
    let dict = write(dir.path(), "d.csv", &export("gad7", "--redcap"));
    let (_, err, code) = run(bin().args(["instruments", "import", "redcap"]).arg(&dict));
    assert_eq!(code, 2);
    assert!(err.contains("needs --form NAME"), "{err}");
    let (_, err, code) = run(bin()
        .args(["instruments", "import", "redcap"])
        .arg(&dict)
        .args(["--form", "phq9"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("no radio or dropdown field in form `phq9`; its forms are: gad7"),
        "{err}"
    );
}

#[test]
fn a_code_with_a_wrong_check_digit_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("instruments/phq9.yaml"))
        .unwrap()
        .replace("phq9_2: 44255-8", "phq9_2: 44255-9")
        .replace(
            "total: {phq9: 44261-6}",
            "total: {phq9: 44261-6, phq8: 44261-6}",
        );
    let p = write(dir.path(), "phq9.yaml", &text);
    let (_, err, code) = run(bin().args(["instruments", "validate"]).arg(&p));
    assert_eq!(code, 2);
    assert!(
        err.contains("`44255-9` is not a LOINC code: its check digit should be 8 (a typo?)"),
        "{err}"
    );
    assert!(
        err.contains("codes.total names `phq8`, which is not a scale of this instrument"),
        "{err}"
    );
    assert!(err.contains("phq9.yaml:"), "located: {err}");
}

#[test]
fn a_total_with_decimals_is_a_quantity_in_score_units() {
    let (out, err, code) = run(bin()
        .args(["score", "--format", "fhir", "--quiet", "-i"])
        .arg(data("fhir/mean3.yaml"))
        .arg(data("fhir/mean3.csv")));
    assert_eq!(code, 0, "{err}");
    let rs = lines(&out);
    let obs = find(&rs, "Observation", "obs-mean3-M1-r2");
    // (4 + 5 + (1 + 5 − 2)) / 3 = 13 / 3 = 4.333… → 4.33 (item 3 reversed)
    assert_eq!(obs["valueQuantity"]["value"], 4.33);
    assert_eq!(obs["valueQuantity"]["unit"], "{score}");
    assert_eq!(obs["valueQuantity"]["code"], "{score}");
    assert_eq!(obs["valueQuantity"]["system"], "http://unitsofmeasure.org");
    assert!(obs.get("valueInteger").is_none());
}

#[test]
fn a_bundle_of_nobody_has_no_empty_entry_list() {
    let (out, err, code) = run(bin()
        .args(["score", "--format", "fhir", "--fhir-bundle", "--quiet"])
        .args(["--min-level", "refer", "-i"])
        .arg(data("fhir/mean3.yaml"))
        .arg(data("fhir/mean3.csv")));
    assert_eq!(code, 0, "{err}");
    let b: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(b["type"], "transaction");
    assert!(
        b.get("entry").is_none(),
        "FHIR JSON has no empty arrays: {out}"
    );
}

#[test]
fn a_closed_pipe_ends_fhir_output_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv =
        String::from("id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n");
    for k in 0..20_000 {
        csv.push_str(&format!("P{k},1,1,1,1,1,1,1,1,0\n"));
    }
    let input = write(dir.path(), "big.csv", &csv);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' score '{}' -i phq9 --format fhir --quiet | head -n 1",
            env!("CARGO_BIN_EXE_psyscreen"),
            input.display()
        ))
        .output()
        .unwrap();
    let first: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(first["id"], "qr-phq9-P0-r2");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// A dictionary made elsewhere: a record id in another form, descriptive
/// and free-text fields, `sum()`, branching on quoted values.
#[test]
fn a_dictionary_from_another_project_gives_a_skeleton_and_says_what_it_left() {
    let (out, err, code) = run(bin()
        .args(["instruments", "import", "redcap"])
        .arg(data("fhir/redcap-other.csv"))
        .args(["--form", "mood_check"]));
    assert_eq!(code, 0, "{err}");
    let y: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
    assert_eq!(y["id"].as_str(), Some("mood_check"));
    assert_eq!(y["instructions"]["en"].as_str(), Some("In the last week:"));
    let items = y["items"].as_sequence().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["mood_1", "mood_2", "mood_3"]);
    assert_eq!(
        items[0]["responses"], items[1]["responses"],
        "one set for the same choices"
    );
    assert_eq!(
        serde_yaml::to_string(&items[2]["asked_if"]).unwrap(),
        "any:\n- mood_1 == 1\n- mood_2 == 1\n"
    );
    let set = items[2]["responses"].as_str().unwrap();
    assert_eq!(
        y["response_sets"][set][2]["label"]["en"].as_str(),
        Some("A lot")
    );
    assert_eq!(y["scales"][0]["id"].as_str(), Some("mood"));
    assert_eq!(y["scales"][0]["items"].as_sequence().unwrap().len(), 3);
    assert!(y["scales"][0]["bands"].as_sequence().unwrap().is_empty());
    assert!(
        err.contains("field `mood_notes` (notes): not a question with fixed answers: not read"),
        "{err}"
    );
    assert!(err.contains("scale `mood` from `mood_total` = `sum([mood_1],[mood_2],[mood_3])`: only its fields were read"), "{err}");
    assert!(err.contains("bands"), "{err}");
}

// ---- review of issue 16: hostile input to import, and --lang zh ----

#[test]
fn import_errors_are_located_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    // bad JSON: file:line:column
    let bad = write(
        dir.path(),
        "bad.json",
        "{\"resourceType\": \"Questionnaire\", \"item\": [\n  {\"linkId\": \"a\",,}\n]}",
    );
    let (out, err, code) = run(bin().args(["instruments", "import"]).arg(&bad));
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(
        err.starts_with(&format!("error: {}:2:18: not JSON: ", bad.display())),
        "{err}"
    );
    // nested too deep for the parser: an error, not a stack overflow
    let deep = write(dir.path(), "deep.json", &"[".repeat(100_000));
    let (_, err, code) = run(bin().args(["instruments", "import"]).arg(&deep));
    assert_eq!(code, 2);
    assert!(
        err.contains("deep.json:1:128: not JSON: recursion limit exceeded"),
        "{err}"
    );
    // bigger than a definition can be: refused before it is read
    let huge = dir.path().join("huge.json");
    std::fs::write(&huge, vec![b' '; 17 * 1024 * 1024]).unwrap();
    let (_, err, code) = run(bin().args(["instruments", "import"]).arg(&huge));
    assert_eq!(code, 2);
    assert!(err.contains("larger than 16 MB"), "{err}");
    // a Questionnaire of 10,000 items is read whole
    let items: Vec<Value> = (1..=10_000)
        .map(|i| {
            serde_json::json!({"linkId": format!("q{i}"), "text": format!("Q{i}"), "type": "choice",
                "answerOption": [{"valueCoding": {"code": "0", "display": "no"}}, {"valueCoding": {"code": "1", "display": "yes"}}]})
        })
        .collect();
    let big = write(
        dir.path(),
        "big.json",
        &serde_json::json!({"resourceType": "Questionnaire", "url": "urn:psyscreen:questionnaire:big", "item": items}).to_string(),
    );
    let (out, err, code) = run(bin().args(["instruments", "import"]).arg(&big));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.starts_with("note: 10000 item(s), 1 response set(s) read"),
        "{err}"
    );
    assert!(
        out.contains("\n  - {id: q10000, responses: set1, text: {en: \"Q10000\"}}\n"),
        "{out}"
    );
    // bytes that are no text at all: said, not guessed
    let noise = dir.path().join("noise.csv");
    std::fs::write(&noise, [0x81u8, 0x20, 0xff, 0xfe, 0x80, 0x0a].repeat(50)).unwrap();
    let (_, err, code) = run(bin()
        .args(["instruments", "import", "redcap", "--form", "f"])
        .arg(&noise));
    assert_eq!(code, 2);
    assert!(
        err.contains("noise.csv is neither UTF-8 nor GBK/GB18030"),
        "{err}"
    );
}

#[test]
fn a_redcap_dictionary_saved_as_gbk_is_read() {
    // a dictionary edited in Excel on a Chinese Windows is GBK
    let text = export("phq9", "--redcap").replace(
        "Little interest or pleasure in doing things",
        "做事时提不起劲或没有兴趣",
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("dict.csv");
    std::fs::write(&dict, &gbk).unwrap();
    let (out, err, code) = run(bin()
        .args(["instruments", "import", "redcap", "--form", "phq9"])
        .arg(&dict));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("{id: phq9_1, responses: freq4, text: {en: \"做事时提不起劲或没有兴趣\"}}"),
        "{out}"
    );
}

#[test]
fn import_says_in_chinese_what_needs_a_person() {
    let dir = tempfile::tempdir().unwrap();
    let dict = write(dir.path(), "d.csv", &export("gad7", "--redcap"));
    let (out, err, code) = run(bin()
        .args([
            "instruments",
            "import",
            "redcap",
            "--form",
            "gad7",
            "--lang",
            "zh",
        ])
        .arg(&dict));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.starts_with("注意：已读取 7 个题目、1 组选项；计分之前需要人工完成：\n  - 版本与名称：REDCap 中没有；`1.0` 与表单名只是占位\n"),
        "{err}"
    );
    assert!(
        err.contains("  - 出处、许可、分级、缺失数据规则、危机题目与已知答案测试：请依据正式发表的来源填写\n"),
        "{err}"
    );
    // the same list heads the skeleton
    assert!(out.contains("# - 版本与名称：REDCap 中没有"), "{out}");
    // errors too
    let (_, err, code) = run(bin()
        .args([
            "instruments",
            "import",
            "redcap",
            "--form",
            "phq9",
            "--lang",
            "zh",
        ])
        .arg(&dict));
    assert_eq!(code, 2);
    assert!(
        err.contains("的表单 `phq9` 中没有 radio 或 dropdown 字段；它的表单有：gad7"),
        "{err}"
    );
    let bad = write(dir.path(), "bad.json", "{\"resourceType\": ");
    let (_, err, code) = run(bin()
        .args(["instruments", "import", "--lang", "zh"])
        .arg(&bad));
    assert_eq!(code, 2);
    assert!(
        err.starts_with(&format!("错误：{}:1:17：不是 JSON：", bad.display())),
        "{err}"
    );
    let p = write(dir.path(), "patient.json", r#"{"resourceType": "Patient"}"#);
    let (_, err, _) = run(bin()
        .args(["instruments", "import", "--lang", "zh"])
        .arg(&p));
    assert!(
        err.contains("不是 FHIR Questionnaire（resourceType 为 \"Patient\"）"),
        "{err}"
    );
}

#[test]
fn a_redcap_dictionary_with_only_its_header_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let header = export("gad7", "--redcap")
        .lines()
        .next()
        .unwrap()
        .to_string();
    let dict = write(dir.path(), "header-only.csv", &format!("{header}\n"));
    let (out, err, code) = run(bin()
        .args(["instruments", "import", "redcap", "--form", "gad7"])
        .arg(&dict));
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(
        err.contains("header-only.csv has no fields: only its header"),
        "{err}"
    );
}

#[test]
fn skip_logic_enable_when_cannot_say_is_said_in_chinese() {
    // K10 with item 3 asked only when items 1 and 2 are both above 1:
    // "all of" two comparisons that each hold for several answers
    let text = std::fs::read_to_string(root().join("instruments/k10.yaml"))
        .unwrap()
        .replace(
            "asked_if: \"k10_2 > 1\", if_skipped: 1",
            "asked_if: {all: [\"k10_1 > 1\", \"k10_2 > 1\"]}, if_skipped: 1",
        );
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "k10-both.yaml", &text);
    let (out, err, code) = run(bin()
        .args(["instruments", "export", "--fhir", "--lang", "zh"])
        .arg(&file));
    assert_eq!((out.as_str(), code), ("", 2));
    assert_eq!(
        err,
        "错误：题目 `k10_3`：其 asked_if（k10_1 > 1 and k10_2 > 1）无法写成 FHIR enableWhen（只能是一个比较、任一比较，或每个都针对单一答案的全部比较）\n"
    );
}

/// A file that is not a data dictionary names only the columns it lacks.
#[test]
fn a_csv_that_is_no_dictionary_names_the_columns_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let dict = write(
        dir.path(),
        "d.csv",
        "Variable / Field Name,Form Name\n\"x,y\n",
    );
    let (out, err, code) = run(bin()
        .args(["instruments", "import", "redcap", "--form", "f"])
        .arg(&dict));
    assert_eq!((out.as_str(), code), ("", 2));
    assert_eq!(
        err.lines().next().unwrap_or_default(),
        format!(
            "error: {} is not a REDCap data dictionary: its header lacks \
             [\"Field Type\", \"Field Label\", \"Choices, Calculations, OR Slider Labels\"]",
            dict.display()
        )
    );
}

/// A REDCap field has one label: `export --redcap --lang zh` writes the
/// Chinese wording (English where an instrument has none), and `import
/// redcap --lang zh` reads it back as Chinese, standing in the English
/// until a person writes it (said among what needs a person). The English
/// dictionary is unchanged.
#[test]
fn a_redcap_dictionary_in_chinese_goes_there_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let (dict, err, code) =
        run(bin().args(["instruments", "export", "gad7", "--redcap", "--lang", "zh"]));
    assert_eq!((err.as_str(), code), ("", 0));
    let lines: Vec<&str> = dict.lines().collect();
    assert_eq!(lines[1], "record_id,gad7,,text,记录编号,,,,,,,,,,,,,");
    assert!(
        lines[2].starts_with("gad7_1,gad7,根据过去两周的状况，") && lines[2].ends_with(",radio,感觉紧张、焦虑或急切,\"0, 完全不会 | 1, 好几天 | 2, 一半以上的天数 | 3, 几乎每天\",,,,,,,,,,,,psyscreen response set: freq4"),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines.last().copied(),
        Some("gad7_total,gad7,,calc,GAD-7 总分,[gad7_1]+[gad7_2]+[gad7_3]+[gad7_4]+[gad7_5]+[gad7_6]+[gad7_7],有题目空白时为空；psyscreen 最多按比例补足 1 个缺失题目,,,,,,,,,,,")
    );
    assert_eq!(
        export("gad7", "--redcap").lines().nth(1),
        Some("record_id,gad7,,text,Record ID,,,,,,,,,,,,,")
    );
    let file = write(dir.path(), "zh.csv", &dict);
    let (yaml, err, code) = run(bin()
        .args(["instruments", "import", "redcap"])
        .arg(&file)
        .args(["--form", "gad7", "--lang", "zh"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "  - 英文：该数据字典的题目是中文，已读作 `zh` 文本；各文本的 `en` 中也是中文：请换成英文措辞\n"
        ),
        "{err}"
    );
    assert!(
        yaml.contains("    - {value: 3, label: {en: \"几乎每天\", zh: \"几乎每天\"}}\n"),
        "{yaml}"
    );
    assert!(
        yaml.contains("text: {en: \"感觉紧张、焦虑或急切\", zh: \"感觉紧张、焦虑或急切\"}}\n"),
        "{yaml}"
    );
    // read from the texts, whatever the language of messages
    let (yaml_en, err, code) = run(bin()
        .args(["instruments", "import", "redcap"])
        .arg(&file)
        .args(["--form", "gad7"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("  - English: the dictionary's questions are in Chinese, read as the `zh` texts; each text's `en` holds the Chinese too: put the English wording there\n"),
        "{err}"
    );
    // the same skeleton but for its comments and TODO placeholders (in
    // the language of messages)
    let body = |y: &str| {
        y.lines()
            .filter(|l| !l.contains('#') && !l.contains("TODO"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(body(&yaml_en), body(&yaml));
}
