//! The resources of `score --format fhir`, written straight to bytes: what
//! is the same for every row (an answer's item with its coding, a scale's
//! category and code, a band's interpretation, the questionnaire's URL) is
//! serialized once per instrument, and a row only adds its own parts (ids,
//! the level, reasons, totals) with serde_json's escaping. The bytes are
//! those `serde_json` writes for the same resources built as `Value`s
//! (keys in sorted order): `row_resources` is kept as that reference and
//! the tests check the two agree.

use serde_json::json;

use super::{
    answer_coding, canonical, resource_id, Outcome, Refs, Respondent, DATA_ABSENT, EXTENSION_BASE,
    OBSERVATION_CATEGORY, UCUM,
};
use crate::instrument::{Instrument, Lang};
use crate::score::{Answer, ScaleResult};

/// Every instrument's fixed parts, in the battery's order.
pub struct Encoder {
    instruments: Vec<Parts>,
}

struct Parts {
    /// Per item, per option: the `QuestionnaireResponse.item` entry.
    items: Vec<Vec<Vec<u8>>>,
    /// `"questionnaire":…,"resourceType":…,"status":…`: a response's end
    /// but its subject.
    qr_end: Vec<u8>,
    scales: Vec<ScaleParts>,
}

struct ScaleParts {
    /// `{"category":[…],"code":{…},`
    head: Vec<u8>,
    /// Per band: the `interpretation` array.
    bands: Vec<Vec<u8>>,
    /// A whole total is `valueInteger`, else `valueQuantity` in `{score}`.
    whole: bool,
}

/// `"key":` + `value` serialized, without the braces of an object.
fn member(key: &str, value: &serde_json::Value) -> Vec<u8> {
    let mut object = serde_json::Map::new();
    object.insert(key.to_string(), value.clone());
    let mut v = serde_json::to_vec(&object).expect("a Value serializes");
    v.pop();
    v.remove(0);
    v
}

/// A JSON string, escaped as serde_json escapes it.
fn string(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("a string serializes into memory");
}

const INCOMPLETE_INTERPRETATION: &[u8] = br#"[{"text":"incomplete"}]"#;

impl Encoder {
    pub fn new<'a>(instruments: impl IntoIterator<Item = &'a Instrument>) -> Encoder {
        let instruments = instruments.into_iter().map(Parts::new).collect();
        Encoder { instruments }
    }

    /// Instrument `k`'s resources for one row, each handed to `emit`
    /// (type, id, body) in turn; `scratch` holds the body.
    pub fn row(
        &self,
        (k, inst): (usize, &Instrument),
        (as_read, results): (&[Answer], &[ScaleResult]),
        (who, outcome): (&Respondent<'_>, &Outcome<'_>),
        refs: Refs,
        scratch: &mut Vec<u8>,
        mut emit: impl FnMut(&'static str, &str, &[u8]),
    ) {
        let parts = &self.instruments[k];
        let key = who.key();
        let qr_id = resource_id(&["qr", &inst.id, &key]);
        let out = scratch;
        out.clear();
        out.push(b'{');
        if let Some(t) = who.authored {
            out.extend_from_slice(br#""authored":"#);
            string(out, t);
            out.push(b',');
        }
        out.extend_from_slice(br#""id":"#);
        string(out, &qr_id);
        out.push(b',');
        if let Some(id) = who.id.filter(|i| !i.is_empty()) {
            out.extend_from_slice(br#""identifier":{"value":"#);
            string(out, id);
            out.extend_from_slice(b"},");
        }
        let mut first = true;
        for (i, item) in inst.items.iter().enumerate() {
            let Some(Answer::Value(v)) = as_read.get(i) else {
                continue;
            };
            let options = &inst.response_sets[item.set].options;
            let Some(o) = options.iter().position(|o| o.value == *v) else {
                continue;
            };
            out.extend_from_slice(if first { br#""item":["# } else { b"," });
            first = false;
            out.extend_from_slice(&parts.items[i][o]);
        }
        if !first {
            out.extend_from_slice(b"],");
        }
        out.extend_from_slice(&parts.qr_end);
        subject(out, who.subject);
        out.push(b'}');
        emit("QuestionnaireResponse", &qr_id, out);
        let derived_from = refs.to("QuestionnaireResponse", &qr_id);
        for (s, (scale, result)) in inst.scales.iter().zip(results).enumerate() {
            let id = resource_id(&["obs", &scale.id, &key]);
            out.clear();
            observation(
                out,
                &parts.scales[s],
                scale,
                result,
                (&id, &derived_from),
                (who, outcome),
            );
            emit("Observation", &id, out);
        }
    }
}

impl Parts {
    fn new(inst: &Instrument) -> Parts {
        let items = inst
            .items
            .iter()
            .map(|item| {
                let set = &inst.response_sets[item.set];
                (0..set.options.len())
                    .map(|o| {
                        serde_json::to_vec(&json!({
                            "linkId": item.id,
                            "text": item.text.get(Lang::En),
                            "answer": [{"valueCoding": answer_coding(inst, item.set, o)}],
                        }))
                        .expect("a Value serializes")
                    })
                    .collect()
            })
            .collect();
        let mut qr_end = member(
            "questionnaire",
            &json!(format!("{}|{}", canonical(inst), inst.version)),
        );
        qr_end
            .extend_from_slice(br#","resourceType":"QuestionnaireResponse","status":"completed""#);
        let scales = (0..inst.scales.len())
            .map(|k| ScaleParts::new(inst, k))
            .collect();
        Parts {
            items,
            qr_end,
            scales,
        }
    }
}

impl ScaleParts {
    fn new(inst: &Instrument, k: usize) -> ScaleParts {
        let scale = &inst.scales[k];
        let name = inst.scale_name(k, Lang::En);
        let code = match inst
            .codes
            .as_ref()
            .and_then(|c| Some((c, c.totals.get(k)?.as_ref()?)))
        {
            Some((c, code)) => {
                json!({"coding": [{"system": c.system, "code": code}], "text": name})
            }
            None => {
                json!({"coding": [{"system": canonical(inst), "code": scale.id}], "text": name})
            }
        };
        let category = json!([{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}]);
        let mut head = b"{".to_vec();
        head.extend(member("category", &category));
        head.push(b',');
        head.extend(member("code", &code));
        head.push(b',');
        let bands = scale
            .bands
            .iter()
            .map(|b| {
                serde_json::to_vec(&json!([{
                    "coding": [{"system": format!("{}:bands:{}", canonical(inst), scale.id), "code": b.label, "display": b.display(Lang::En)}],
                    "text": b.display(Lang::En),
                }]))
                .expect("a Value serializes")
            })
            .collect();
        ScaleParts {
            head,
            bands,
            whole: scale.decimals == 0,
        }
    }
}

/// One scale's `Observation`, its keys in sorted order as serde_json
/// writes a `Value`'s: category, code, dataAbsentReason, derivedFrom,
/// effectiveDateTime, extension, id, interpretation, note, resourceType,
/// status, subject, value.
fn observation(
    out: &mut Vec<u8>,
    parts: &ScaleParts,
    scale: &crate::instrument::Scale,
    result: &ScaleResult,
    (id, derived_from): (&str, &str),
    (who, outcome): (&Respondent<'_>, &Outcome<'_>),
) {
    out.extend_from_slice(&parts.head);
    let complete = match (result.total, result.band) {
        (Some(total), Some(band)) => Some((total, band)),
        _ => None,
    };
    if complete.is_none() {
        out.extend_from_slice(
            br#""dataAbsentReason":{"coding":[{"code":"unknown","display":"Unknown","system":""#,
        );
        out.extend_from_slice(DATA_ABSENT.as_bytes());
        out.extend_from_slice(
            br#""}],"text":"incomplete: more items missing than the scale allows"},"#,
        );
    }
    out.extend_from_slice(br#""derivedFrom":[{"reference":"#);
    string(out, derived_from);
    out.extend_from_slice(b"}],");
    if let Some(t) = who.authored {
        out.extend_from_slice(br#""effectiveDateTime":"#);
        string(out, t);
        out.push(b',');
    }
    out.extend_from_slice(br#""extension":[{"url":""#);
    out.extend_from_slice(EXTENSION_BASE.as_bytes());
    out.extend_from_slice(br#"risk-level","valueCode":"#);
    string(out, outcome.level_id);
    out.extend_from_slice(br#"},{"url":""#);
    out.extend_from_slice(EXTENSION_BASE.as_bytes());
    out.extend_from_slice(br#"prorated","valueBoolean":"#);
    out.extend_from_slice(if result.prorated { b"true" } else { b"false" });
    out.push(b'}');
    for r in outcome.reasons.split("; ").filter(|r| !r.is_empty()) {
        out.extend_from_slice(br#",{"url":""#);
        out.extend_from_slice(EXTENSION_BASE.as_bytes());
        out.extend_from_slice(br#"risk-reason","valueString":"#);
        string(out, r);
        out.push(b'}');
    }
    out.extend_from_slice(br#"],"id":"#);
    string(out, id);
    out.extend_from_slice(br#","interpretation":"#);
    match complete {
        Some((_, band)) => out.extend_from_slice(&parts.bands[band]),
        None => out.extend_from_slice(INCOMPLETE_INTERPRETATION),
    }
    out.extend_from_slice(br#","note":["#);
    let n = scale.items.len();
    let missing = result.missing;
    match complete {
        Some(_) if result.prorated => {
            note(out, &format!("prorated: {missing} of {n} items missing, total estimated from the answered items; it can be below what the missing answers would have given"));
            out.push(b',');
        }
        Some(_) => {}
        None => {
            note(
                out,
                &format!("incomplete: {missing} of {n} items missing; no total"),
            );
            out.push(b',');
        }
    }
    let reasons = if outcome.reasons.is_empty() {
        "none"
    } else {
        outcome.reasons
    };
    note(
        out,
        &format!(
            "screening result, not a clinical assessment: risk level {} ({}); reasons: {reasons}",
            outcome.level_id, outcome.level_label
        ),
    );
    out.extend_from_slice(br#"],"resourceType":"Observation","status":"final""#);
    subject(out, who.subject);
    if let Some((total, _)) = complete {
        if parts.whole {
            out.extend_from_slice(br#","valueInteger":"#);
            out.extend_from_slice(total.to_string().as_bytes());
        } else {
            let value: f64 = scale.format_total(total).parse().unwrap_or(f64::NAN);
            out.extend_from_slice(br#","valueQuantity":{"code":"{score}","system":""#);
            out.extend_from_slice(UCUM.as_bytes());
            out.extend_from_slice(br#"","unit":"{score}","value":"#);
            serde_json::to_writer(&mut *out, &value).expect("a number serializes into memory");
            out.push(b'}');
        }
    }
    out.push(b'}');
}

/// `,"subject":{"identifier":{"value":…}}` when there is one.
fn subject(out: &mut Vec<u8>, id: Option<&str>) {
    if let Some(id) = id {
        out.extend_from_slice(br#","subject":{"identifier":{"value":"#);
        string(out, id);
        out.extend_from_slice(b"}}");
    }
}

fn note(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(br#"{"text":"#);
    string(out, text);
    out.push(b'}');
}

/// A transaction bundle's entry for a resource written by `Encoder::row`:
/// PUT by id, so loading the same file twice replaces rather than
/// duplicates.
pub fn bundle_entry(out: &mut Vec<u8>, kind: &str, id: &str, body: &[u8]) {
    out.extend_from_slice(br#"{"fullUrl":"#);
    string(out, &super::full_url(kind, id));
    out.extend_from_slice(br#","request":{"method":"PUT","url":"#);
    string(out, &format!("{kind}/{id}"));
    out.extend_from_slice(br#"},"resource":"#);
    out.extend_from_slice(body);
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encoder writes the bytes serde_json writes for the resources
    /// built as `Value`s (`row_resources`, `bundle_entry`): every built-in,
    /// complete, prorated and incomplete results, a total with decimals,
    /// ids that need a hash, text that needs escaping, both reference kinds.
    #[test]
    fn the_same_bytes_as_the_values() {
        let mut insts: Vec<Instrument> = crate::instrument::builtin_ids()
            .iter()
            .map(|id| {
                crate::instrument::resolve(&[id.to_string()])
                    .unwrap()
                    .remove(0)
            })
            .collect();
        // a total with decimals: valueQuantity
        let mut mean = insts[0].clone();
        mean.scales[0].decimals = 2;
        insts.push(mean);
        let encoder = Encoder::new(&insts);
        let ids = [
            None,
            Some(""),
            Some("S01"),
            Some("张三 \"/\\ 1\u{7}"),
            Some(&"x".repeat(80)[..]),
        ];
        let reasons = [
            "",
            "PHQ-9 ≥ 10 (moderate): flag; cannot rule out: \"x\"\t",
            "a; ; b",
        ];
        let mut scratch = Vec::new();
        let mut checked = 0;
        for (k, inst) in insts.iter().enumerate() {
            for (case, id) in ids.iter().enumerate() {
                // answers: each option in turn, some missing, one invalid value
                let answers: Vec<Answer> = inst
                    .items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let opts = &inst.response_sets[item.set].options;
                        match (i + case) % 5 {
                            0 => Answer::Missing,
                            1 => Answer::Value(999),
                            _ => Answer::Value(opts[(i + case) % opts.len()].value),
                        }
                    })
                    .collect();
                let results: Vec<ScaleResult> = inst
                    .scales
                    .iter()
                    .enumerate()
                    .map(|(s, scale)| match (s + case) % 3 {
                        0 => ScaleResult {
                            total: Some(17 + case as i64),
                            band: Some(case % scale.bands.len()),
                            prorated: false,
                            missing: 0,
                        },
                        1 => ScaleResult {
                            total: Some(-3),
                            band: Some(0),
                            prorated: true,
                            missing: 2,
                        },
                        _ => ScaleResult {
                            total: None,
                            band: None,
                            prorated: false,
                            missing: 5,
                        },
                    })
                    .collect();
                // a subject and a time on some rows, neither on others
                let who = Respondent {
                    id: *id,
                    row: 2 + case as u64,
                    subject: id.filter(|_| case % 2 == 0),
                    authored: [None, Some("2026-03-16"), Some("2026-03-16T08:10:35+08:00")]
                        [(k + case) % 3],
                };
                let outcome = Outcome {
                    level_id: "urgent",
                    level_label: "紧急 \"now\"",
                    reasons: reasons[case % reasons.len()],
                };
                for refs in [Refs::Relative, Refs::Bundle] {
                    let want: Vec<Vec<u8>> = super::super::row_resources(
                        inst,
                        (&answers[..], &results[..]),
                        &who,
                        &outcome,
                        refs,
                    )
                    .iter()
                    .flat_map(|r| {
                        [
                            serde_json::to_vec(&r.body).unwrap(),
                            serde_json::to_vec(&super::super::bundle_entry(r)).unwrap(),
                        ]
                    })
                    .collect();
                    let mut got = Vec::new();
                    encoder.row(
                        (k, inst),
                        (&answers[..], &results[..]),
                        (&who, &outcome),
                        refs,
                        &mut scratch,
                        |kind, id, body| {
                            got.push(body.to_vec());
                            let mut entry = Vec::new();
                            bundle_entry(&mut entry, kind, id, body);
                            got.push(entry);
                        },
                    );
                    assert_eq!(got.len(), want.len());
                    for (g, w) in got.iter().zip(&want) {
                        assert_eq!(
                            String::from_utf8_lossy(g),
                            String::from_utf8_lossy(w),
                            "{} case {case}",
                            inst.id
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 200, "{checked}");
    }
}
