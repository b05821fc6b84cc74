//! FHIR R4 resources, pure (no I/O): per respondent a
//! `QuestionnaireResponse` and per scale an `Observation` (`score --format
//! fhir`), an instrument as a `Questionnaire` and back
//! (`instruments export --fhir`, `instruments import`). Codes come only
//! from an instrument's verified `codes:` block; without them the
//! instrument's canonical URL names the questionnaire and its answers.
//! Words are those of a screen: "screen", "flag", "refer".

pub mod datetime;
pub mod encode;
pub mod import;
pub mod questionnaire;

use serde_json::{json, Value};

use crate::instrument::{Instrument, Lang, Scale};
use crate::score::{Answer, ScaleResult};

/// The base of an instrument's canonical URL when it has no published one.
pub const CANONICAL_BASE: &str = "urn:psyscreen:questionnaire:";
/// psyscreen's own extensions (risk level, reasons, prorated, if_skipped).
pub const EXTENSION_BASE: &str = "urn:psyscreen:fhir:extension:";
pub const ITEM_WEIGHT: &str = "http://hl7.org/fhir/StructureDefinition/itemWeight";
const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const DATA_ABSENT: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
const UCUM: &str = "http://unitsofmeasure.org";

/// The questionnaire's canonical URL (without version).
pub fn canonical(inst: &Instrument) -> String {
    format!("{CANONICAL_BASE}{}", inst.id)
}

/// The system of an instrument's answers when they have no codes: one per
/// response set, the option's value is the code.
pub fn answer_system(inst: &Instrument, set: usize) -> String {
    format!(
        "{}:responses:{}",
        canonical(inst),
        inst.response_sets[set].id
    )
}

/// The coding of option `option` of response set `set`.
pub fn answer_coding(inst: &Instrument, set: usize, option: usize) -> Value {
    let o = &inst.response_sets[set].options[option];
    let coded = inst.codes.as_ref().and_then(|c| {
        c.answers
            .get(set)?
            .get(option)?
            .as_ref()
            .map(|code| (c, code))
    });
    let (system, code) = match coded {
        Some((c, code)) => (c.system.clone(), code.clone()),
        None => (answer_system(inst, set), o.value.to_string()),
    };
    json!({"system": system, "code": code, "display": o.label.get(Lang::En)})
}

/// A FHIR id (`[A-Za-z0-9.-]{1,64}`) made of `parts`: as written when they
/// are such characters and short enough, else a hash of them, so the same
/// row of the same input always gets the same id.
pub fn resource_id(parts: &[&str]) -> String {
    let joined = parts.join("-").replace('_', "-");
    let safe = joined
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if safe && !joined.is_empty() && joined.len() <= 64 {
        joined
    } else {
        let h = xxhash_rust::xxh3::xxh3_128(parts.join("\u{0}").as_bytes());
        format!("{}-{h:032x}", parts[0].replace('_', "-"))
            .chars()
            .take(64)
            .collect()
    }
}

/// A `urn:uuid:` for a resource of a transaction bundle, from its type and
/// id (stable, as the id is).
pub fn full_url(kind: &str, id: &str) -> String {
    let h = xxhash_rust::xxh3::xxh3_128(format!("{kind}/{id}").as_bytes());
    let x = format!("{h:032x}");
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

/// One person's screening outcome, as the policy gave it.
pub struct Outcome<'a> {
    pub level_id: &'a str,
    pub level_label: &'a str,
    pub reasons: &'a str,
}

/// Who the row is: an id (or pseudonym) and where it was in the input.
pub struct Respondent<'a> {
    pub id: Option<&'a str>,
    pub row: u64,
    /// The id when it names the person (`subject`), not only the
    /// response: a platform's running number of responses does not.
    pub subject: Option<&'a str>,
    /// When the answers were submitted, as a FHIR dateTime (`authored`),
    /// when the input says so.
    pub authored: Option<&'a str>,
}

/// A logical reference to the person by their id: psyscreen knows no
/// server's `Patient` and no issuer of the ids, so no `system`.
pub fn subject(id: &str) -> Value {
    json!({"identifier": {"value": id}})
}

impl Respondent<'_> {
    fn key(&self) -> String {
        let row = format!("r{}", self.row);
        match self.id.filter(|i| !i.is_empty()) {
            Some(id) => format!("{id}-{row}"),
            None => row,
        }
    }
}

/// A resource with its type and id, for NDJSON or a bundle entry.
pub struct Resource {
    pub kind: &'static str,
    pub id: String,
    pub body: Value,
}

/// How one resource refers to another: in NDJSON by `Type/id`, in a
/// transaction bundle by the other's `urn:uuid:` (the server resolves it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Refs {
    Relative,
    Bundle,
}

impl Refs {
    fn to(self, kind: &str, id: &str) -> String {
        match self {
            Refs::Relative => format!("{kind}/{id}"),
            Refs::Bundle => full_url(kind, id),
        }
    }
}

/// One instrument's resources for one row: its `QuestionnaireResponse`
/// (the answers given, with their codes; an item not answered or not
/// asked is left out) and an `Observation` per scale. `as_read`: the
/// answers before skip logic (a value implied for an item not asked is
/// not an answer the person gave); `results`: this instrument's scales.
pub fn row_resources(
    inst: &Instrument,
    (as_read, results): (&[Answer], &[ScaleResult]),
    who: &Respondent<'_>,
    outcome: &Outcome<'_>,
    refs: Refs,
) -> Vec<Resource> {
    let key = who.key();
    let qr_id = resource_id(&["qr", &inst.id, &key]);
    let mut items = Vec::new();
    for (i, item) in inst.items.iter().enumerate() {
        let Some(Answer::Value(v)) = as_read.get(i) else {
            continue;
        };
        let set = &inst.response_sets[item.set];
        let Some(o) = set.options.iter().position(|o| o.value == *v) else {
            continue;
        };
        items.push(json!({
            "linkId": item.id,
            "text": item.text.get(Lang::En),
            "answer": [{"valueCoding": answer_coding(inst, item.set, o)}],
        }));
    }
    let mut qr = json!({
        "resourceType": "QuestionnaireResponse",
        "id": qr_id,
        "questionnaire": format!("{}|{}", canonical(inst), inst.version),
        "status": "completed",
    });
    if let Some(id) = who.id.filter(|i| !i.is_empty()) {
        qr["identifier"] = json!({"value": id});
    }
    if let Some(s) = who.subject {
        qr["subject"] = subject(s);
    }
    if let Some(t) = who.authored {
        qr["authored"] = json!(t);
    }
    if !items.is_empty() {
        qr["item"] = Value::Array(items);
    }
    let mut out = vec![Resource {
        kind: "QuestionnaireResponse",
        id: qr_id.clone(),
        body: qr,
    }];
    for (k, (scale, result)) in inst.scales.iter().zip(results).enumerate() {
        let id = resource_id(&["obs", &scale.id, &key]);
        let mut body = observation(
            inst,
            k,
            result,
            (&id, refs.to("QuestionnaireResponse", &qr_id)),
            outcome,
        );
        if let Some(s) = who.subject {
            body["subject"] = subject(s);
        }
        // a score is as of when its answers were given
        if let Some(t) = who.authored {
            body["effectiveDateTime"] = json!(t);
        }
        out.push(Resource {
            kind: "Observation",
            id,
            body,
        });
    }
    out
}

fn observation(
    inst: &Instrument,
    k: usize,
    result: &ScaleResult,
    (id, derived_from): (&str, String),
    outcome: &Outcome<'_>,
) -> Value {
    let scale = &inst.scales[k];
    let name = inst.scale_name(k, Lang::En);
    let code = match inst
        .codes
        .as_ref()
        .and_then(|c| Some((c, c.totals.get(k)?.as_ref()?)))
    {
        Some((c, code)) => json!({"coding": [{"system": c.system, "code": code}], "text": name}),
        None => json!({"coding": [{"system": canonical(inst), "code": scale.id}], "text": name}),
    };
    let mut obs = json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": code,
        "derivedFrom": [{"reference": derived_from}],
    });
    let mut notes = Vec::new();
    match (result.total, result.band) {
        (Some(total), Some(band)) => {
            set_value(&mut obs, scale, total);
            let b = &scale.bands[band];
            obs["interpretation"] = json!([{
                "coding": [{"system": format!("{}:bands:{}", canonical(inst), scale.id), "code": b.label, "display": b.display(Lang::En)}],
                "text": b.display(Lang::En),
            }]);
            if result.prorated {
                notes.push(format!(
                    "prorated: {} of {} items missing, total estimated from the answered items; it can be below what the missing answers would have given",
                    result.missing,
                    scale.items.len()
                ));
            }
        }
        _ => {
            obs["dataAbsentReason"] = json!({
                "coding": [{"system": DATA_ABSENT, "code": "unknown", "display": "Unknown"}],
                "text": "incomplete: more items missing than the scale allows",
            });
            obs["interpretation"] = json!([{"text": "incomplete"}]);
            notes.push(format!(
                "incomplete: {} of {} items missing; no total",
                result.missing,
                scale.items.len()
            ));
        }
    }
    let reasons = if outcome.reasons.is_empty() {
        "none".to_string()
    } else {
        outcome.reasons.to_string()
    };
    notes.push(format!(
        "screening result, not a clinical assessment: risk level {} ({}); reasons: {reasons}",
        outcome.level_id, outcome.level_label
    ));
    obs["note"] = Value::Array(notes.into_iter().map(|t| json!({"text": t})).collect());
    let mut ext = vec![
        json!({"url": format!("{EXTENSION_BASE}risk-level"), "valueCode": outcome.level_id}),
        json!({"url": format!("{EXTENSION_BASE}prorated"), "valueBoolean": result.prorated}),
    ];
    ext.extend(
        outcome
            .reasons
            .split("; ")
            .filter(|r| !r.is_empty())
            .map(|r| json!({"url": format!("{EXTENSION_BASE}risk-reason"), "valueString": r})),
    );
    obs["extension"] = Value::Array(ext);
    obs
}

/// A whole-number total as `valueInteger`; a mean or a total with
/// decimals as a `valueQuantity` in `{score}`.
fn set_value(obs: &mut Value, scale: &Scale, total: i64) {
    if scale.decimals == 0 {
        obs["valueInteger"] = json!(total);
    } else {
        let value: f64 = scale.format_total(total).parse().unwrap_or(f64::NAN);
        obs["valueQuantity"] =
            json!({"value": value, "unit": "{score}", "system": UCUM, "code": "{score}"});
    }
}

/// A transaction bundle's entry for `r`: PUT by id, so loading the same
/// file twice replaces rather than duplicates.
pub fn bundle_entry(r: &Resource) -> Value {
    json!({
        "fullUrl": full_url(r.kind, &r.id),
        "resource": r.body,
        "request": {"method": "PUT", "url": format!("{}/{}", r.kind, r.id)},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_fhir_ids_and_stable() {
        assert_eq!(resource_id(&["qr", "phq9", "S01-r2"]), "qr-phq9-S01-r2");
        let odd = resource_id(&["qr", "phq9", "张三 / 1-r2"]);
        assert!(odd.starts_with("qr-") && odd.len() <= 64, "{odd}");
        assert!(odd.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        assert_eq!(odd, resource_id(&["qr", "phq9", "张三 / 1-r2"]));
        assert_ne!(odd, resource_id(&["qr", "phq9", "张三 / 2-r2"]));
        let u = full_url("Observation", "obs-phq9-r2");
        assert_eq!(u.len(), "urn:uuid:".len() + 36);
    }

    #[test]
    fn the_person_and_the_time_on_the_response_and_each_observation() {
        let inst = crate::instrument::resolve(&["gad7".to_string()])
            .unwrap()
            .remove(0);
        let answers = [Answer::Value(1); 7];
        let results = [ScaleResult {
            total: Some(7),
            band: Some(1),
            prorated: false,
            missing: 0,
        }];
        let outcome = Outcome {
            level_id: "none",
            level_label: "none",
            reasons: "",
        };
        let resources = |who: &Respondent<'_>| {
            row_resources(
                &inst,
                (&answers[..], &results[..]),
                who,
                &outcome,
                Refs::Relative,
            )
        };
        let known = Respondent {
            id: Some("S01"),
            row: 2,
            subject: Some("S01"),
            authored: Some("2026-03-16"),
        };
        let rs = resources(&known);
        assert_eq!(rs.len(), 2);
        for r in &rs {
            assert_eq!(r.body["subject"], json!({"identifier": {"value": "S01"}}));
        }
        assert_eq!(rs[0].body["authored"], "2026-03-16");
        assert_eq!(rs[1].body["effectiveDateTime"], "2026-03-16");
        // an id that names only the response: the identifier, no subject
        let unknown = Respondent {
            id: Some("7"),
            row: 2,
            subject: None,
            authored: None,
        };
        let rs = resources(&unknown);
        assert_eq!(rs[0].body["identifier"]["value"], "7");
        for r in &rs {
            for key in ["subject", "authored", "effectiveDateTime"] {
                assert!(r.body.get(key).is_none(), "{key}: {}", r.body);
            }
        }
    }
}
