//! Clinical facts pinned independently of the YAML: every band boundary of
//! every built-in against INSTRUMENTS.md, every built-in's own known-answer
//! tests, and every file in instruments/ embedded in the binary.

use psyscreen::instrument::{builtin, builtin_ids, Instrument};
use psyscreen::score::known;

fn load(id: &str) -> Instrument {
    builtin(id)
        .expect("built-in")
        .expect("loads and passes its tests")
}

/// (instrument, scale, [(min, max, label)]) from INSTRUMENTS.md §2–§12.
/// (min, max, label) of each band, lowest first.
type Bands = &'static [(i64, i64, &'static str)];

const BANDS: &[(&str, &str, Bands)] = &[
    (
        "phq9",
        "phq9",
        &[
            (0, 4, "minimal"),
            (5, 9, "mild"),
            (10, 14, "moderate"),
            (15, 19, "moderately_severe"),
            (20, 27, "severe"),
        ],
    ),
    ("phq2", "phq2", &[(0, 2, "negative"), (3, 6, "positive")]),
    (
        "gad7",
        "gad7",
        &[
            (0, 4, "minimal"),
            (5, 9, "mild"),
            (10, 14, "moderate"),
            (15, 21, "severe"),
        ],
    ),
    ("gad2", "gad2", &[(0, 2, "negative"), (3, 6, "positive")]),
    (
        "pss10",
        "pss10",
        &[(0, 13, "low"), (14, 26, "moderate"), (27, 40, "high")],
    ),
    ("pss4", "pss4", &[(0, 16, "unbanded")]),
    (
        "dass21",
        "dass21_depression",
        &[
            (0, 9, "normal"),
            (10, 13, "mild"),
            (14, 20, "moderate"),
            (21, 27, "severe"),
            (28, 42, "extremely_severe"),
        ],
    ),
    (
        "dass21",
        "dass21_anxiety",
        &[
            (0, 7, "normal"),
            (8, 9, "mild"),
            (10, 14, "moderate"),
            (15, 19, "severe"),
            (20, 42, "extremely_severe"),
        ],
    ),
    (
        "dass21",
        "dass21_stress",
        &[
            (0, 14, "normal"),
            (15, 18, "mild"),
            (19, 25, "moderate"),
            (26, 33, "severe"),
            (34, 42, "extremely_severe"),
        ],
    ),
    (
        "k10",
        "k10",
        &[
            (10, 15, "low"),
            (16, 21, "moderate"),
            (22, 29, "high"),
            (30, 50, "very_high"),
        ],
    ),
    (
        "k6",
        "k6",
        &[(0, 4, "low"), (5, 12, "moderate"), (13, 24, "serious")],
    ),
    (
        "who5",
        "who5",
        &[
            (0, 28, "likely_depression"),
            (29, 50, "poor_wellbeing"),
            (51, 100, "adequate"),
        ],
    ),
    ("cesd", "cesd", &[(0, 15, "negative"), (16, 60, "positive")]),
    ("asq", "asq", &[(0, 0, "negative"), (1, 4, "positive")]),
];

#[test]
fn every_band_boundary_agrees_with_instruments_md() {
    let mut problems = Vec::new();
    for (id, scale_id, want) in BANDS {
        let inst = load(id);
        let scale = inst
            .scales
            .iter()
            .find(|s| s.id == *scale_id)
            .expect("scale exists");
        let got: Vec<(i64, i64, &str)> = scale
            .bands
            .iter()
            .map(|b| (b.min, b.max, b.label.as_str()))
            .collect();
        for (k, w) in want.iter().enumerate() {
            // one check per boundary: lowest and highest value of each band
            for (what, g, e) in [
                ("min", got.get(k).map(|b| b.0), w.0),
                ("max", got.get(k).map(|b| b.1), w.1),
            ] {
                if g != Some(e) {
                    problems.push(format!(
                        "{id}/{scale_id} band {} {what}: expected {e}, got {g:?}",
                        w.2
                    ));
                }
            }
            if got.get(k).map(|b| b.2) != Some(w.2) {
                problems.push(format!(
                    "{id}/{scale_id} band {k}: expected label {}, got {:?}",
                    w.2,
                    got.get(k)
                ));
            }
        }
        if got.len() != want.len() {
            problems.push(format!(
                "{id}/{scale_id}: {} bands, expected {}",
                got.len(),
                want.len()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn scoring_facts_agree_with_instruments_md() {
    let reversed = |id: &str| -> Vec<String> {
        let inst = load(id);
        inst.items
            .iter()
            .filter(|i| i.reverse)
            .map(|i| i.id.clone())
            .collect()
    };
    assert_eq!(
        reversed("pss10"),
        ["pss10_4", "pss10_5", "pss10_7", "pss10_8"]
    );
    assert_eq!(reversed("pss4"), ["pss4_2", "pss4_3"]);
    assert_eq!(reversed("cesd"), ["cesd_4", "cesd_8", "cesd_12", "cesd_16"]);
    for id in [
        "phq9", "phq2", "gad7", "gad2", "dass21", "k10", "k6", "who5", "asq",
    ] {
        assert!(reversed(id).is_empty(), "{id} has no reverse items");
    }
    let dass = load("dass21");
    let items = |s: &str| -> Vec<String> {
        let sc = dass.scales.iter().find(|x| x.id == s).unwrap();
        sc.items
            .iter()
            .map(|&i| dass.items[i].id.replace("dass21_", ""))
            .collect()
    };
    assert_eq!(
        items("dass21_depression"),
        ["3", "5", "10", "13", "16", "17", "21"]
    );
    assert_eq!(
        items("dass21_anxiety"),
        ["2", "4", "7", "9", "15", "19", "20"]
    );
    assert_eq!(
        items("dass21_stress"),
        ["1", "6", "8", "11", "12", "14", "18"]
    );
    assert!(dass.scales.iter().all(|s| s.multiplier == 2));
    assert_eq!(load("who5").scales[0].multiplier, 4);
    let max_missing = |id: &str| load(id).scales[0].max_missing;
    for (id, m) in [
        ("phq9", 1),
        ("phq2", 0),
        ("gad7", 1),
        ("gad2", 0),
        ("pss10", 2),
        ("pss4", 0),
        ("k10", 2),
        ("k6", 1),
        ("who5", 1),
        ("cesd", 4),
        ("asq", 0),
    ] {
        assert_eq!(max_missing(id), m, "{id} max_missing");
    }
    let critical = |id: &str| -> Vec<String> {
        let inst = load(id);
        inst.critical
            .iter()
            .map(|&i| inst.items[i].id.clone())
            .collect()
    };
    assert_eq!(critical("phq9"), ["phq9_9"]);
    assert_eq!(
        critical("asq"),
        ["asq_1", "asq_2", "asq_3", "asq_4", "asq_5"]
    );
    let k10 = load("k10");
    let sets: Vec<(i32, i32)> = k10.response_sets.iter().map(|s| (s.min, s.max)).collect();
    assert_eq!(sets, [(1, 5)], "K10 is coded 1-5 (ABS)");
    for (item, cond, implied) in [("k10_3", "k10_2 > 1", 1), ("k10_6", "k10_5 > 1", 1)] {
        let it = &k10.items[k10.item_index(item).unwrap()];
        assert_eq!(
            it.asked_if.as_ref().map(ToString::to_string).as_deref(),
            Some(cond)
        );
        assert_eq!(it.if_skipped, Some(implied));
    }
    let asq = load("asq");
    let a5 = &asq.items[asq.item_index("asq_5").unwrap()];
    assert_eq!(
        a5.asked_if.as_ref().map(ToString::to_string).as_deref(),
        Some("asq_1 == 1 or asq_2 == 1 or asq_3 == 1 or asq_4 == 1")
    );
    assert_eq!(a5.if_skipped, None);
    assert!(!asq.scales[0]
        .items
        .contains(&asq.item_index("asq_5").unwrap()));
}

#[test]
fn every_built_in_passes_its_known_answer_tests_with_boundaries() {
    let mut failures = Vec::new();
    for id in builtin_ids() {
        let inst = load(id);
        let (n, f) = known::run(&inst);
        // boundaries (lowest and highest of each band) + missing cases
        let bands: usize = inst.scales.iter().map(|s| s.bands.len()).sum();
        assert!(
            n >= bands + 2,
            "{id}: only {n} known-answer tests for {bands} bands"
        );
        failures.extend(
            f.into_iter()
                .map(|x| format!("{id}: {} ({}): {}", x.test, x.path, x.message)),
        );
        let incomplete = inst.tests.iter().any(|t| {
            t.expect
                .iter()
                .any(|e| e.band.as_deref() == Some("incomplete"))
        });
        assert!(
            incomplete,
            "{id}: no test of a scale over its missing limit"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_instrument_file_is_embedded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("instruments");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".yaml").map(String::from))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = builtin_ids().into_iter().map(String::from).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded);
    for (id, text) in psyscreen::instrument::BUILTIN_SOURCES {
        let disk = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("instruments/{id}.yaml")),
        )
        .unwrap();
        assert_eq!(&disk, text, "{id}");
    }
}

#[test]
fn licences_are_stated_and_who5_is_nc_sa() {
    for id in builtin_ids() {
        let inst = load(id);
        assert!(
            !inst.license.trim().is_empty() && !inst.citation.trim().is_empty(),
            "{id}"
        );
    }
    assert!(load("who5").license.contains("CC BY-NC-SA 3.0 IGO"));
}
