//! An instrument as a FHIR R4 `Questionnaire`: its items (choice), each
//! option an `answerOption` with its code and its scored weight
//! (`itemWeight`), skip logic as `enableWhen`. The scales, bands and
//! policy are psyscreen's and stay out: a form collects answers, psyscreen
//! scores them. English is the resource's language; a Chinese title,
//! purpose, item text or answer label goes beside it as the standard
//! `translation` extension on the primitive (`_title`, `_text`, …).

use crate::messages::tr;
use serde_json::{json, Value};

use super::{answer_coding, canonical, EXTENSION_BASE, ITEM_WEIGHT};

/// Ends the description: who scores it, and how (read back off on import).
pub const SCORED_BY: &str = "\n\nScored by psyscreen: a screening aid, not a clinical assessment.";
use crate::condition::{Cond, Fixed, Op};
use crate::instrument::{Instrument, Lang};

/// FHIR's extension for a text in another language than the resource's.
pub const TRANSLATION: &str = "http://hl7.org/fhir/StructureDefinition/translation";
/// psyscreen's Chinese is Simplified, as written in mainland China.
pub const ZH: &str = "zh-CN";

/// A primitive's `_element` carrying its Chinese, when it has one.
pub fn translated(zh: Option<&str>) -> Option<Value> {
    let zh = zh.filter(|z| !z.trim().is_empty())?;
    Some(json!({"extension": [{"url": TRANSLATION, "extension": [
        {"url": "lang", "valueCode": ZH},
        {"url": "content", "valueString": zh},
    ]}]}))
}

/// The Questionnaire, or why an item's skip logic cannot be written as
/// `enableWhen`.
pub fn questionnaire(inst: &Instrument) -> anyhow::Result<Value> {
    let mut items = Vec::new();
    for (i, item) in inst.items.iter().enumerate() {
        let set = &inst.response_sets[item.set];
        let options: Vec<Value> = set
            .options
            .iter()
            .enumerate()
            .map(|(o, opt)| {
                // the weight the option adds to a total: reversed items count backwards
                let weight = if item.reverse {
                    set.min + set.max - opt.value
                } else {
                    opt.value
                };
                let mut coding = answer_coding(inst, item.set, o);
                if let Some(zh) = translated(opt.label.zh.as_deref()) {
                    coding["_display"] = zh;
                }
                json!({
                    "extension": [{"url": ITEM_WEIGHT, "valueDecimal": weight}],
                    "valueCoding": coding,
                })
            })
            .collect();
        let mut q = json!({
            "linkId": item.id,
            "prefix": (i + 1).to_string(),
            "text": item.text.get(Lang::En),
            "type": "choice",
            "answerOption": options,
        });
        if let Some(zh) = translated(item.text.zh.as_deref()) {
            q["_text"] = zh;
        }
        if let Some(code) = inst
            .codes
            .as_ref()
            .and_then(|c| Some((c, c.items.get(i)?.as_ref()?)))
        {
            q["code"] = json!([{"system": code.0.system, "code": code.1}]);
        }
        if let Some(c) = &item.asked_if {
            let (when, behavior) = enable_when(inst, c).ok_or_else(|| {
                anyhow::anyhow!(tr!(
                    "item `{}`: its asked_if ({c}) cannot be written as FHIR enableWhen (only one comparison, or any of them, or all of comparisons that each hold for one answer)",
                    "题目 `{}`：其 asked_if（{c}）无法写成 FHIR enableWhen（只能是一个比较、任一比较，或每个都针对单一答案的全部比较）",
                    item.id
                ))
            })?;
            q["enableWhen"] = Value::Array(when);
            if let Some(b) = behavior {
                q["enableBehavior"] = json!(b);
            }
        }
        if let Some(v) = item.if_skipped {
            q["extension"] =
                json!([{"url": format!("{EXTENSION_BASE}if-skipped"), "valueInteger": v}]);
        }
        items.push(q);
    }
    let mut q = json!({
        "resourceType": "Questionnaire",
        "id": inst.id.replace('_', "-"),
        // every text has English (instruments validate): Chinese is a translation
        "language": "en",
        "url": canonical(inst),
        "version": inst.version,
        "name": inst.id.to_uppercase(),
        "title": inst.name.get(Lang::En),
        "status": "active",
        "subjectType": ["Patient"],
        "description": format!("{}{SCORED_BY}", inst.citation),
        "copyright": inst.license,
        "item": items,
    });
    if let Some(panel) = inst
        .codes
        .as_ref()
        .and_then(|c| Some((c, c.panel.as_ref()?)))
    {
        q["code"] = json!([{"system": panel.0.system, "code": panel.1}]);
    }
    if let Some(zh) = translated(inst.name.zh.as_deref()) {
        q["_title"] = zh;
    }
    if let Some(i) = inst.instructions.en.as_deref().filter(|s| !s.is_empty()) {
        q["purpose"] = json!(i);
        if let Some(zh) = translated(inst.instructions.zh.as_deref()) {
            q["_purpose"] = zh;
        }
    }
    Ok(q)
}

/// `asked_if` as enableWhen entries (each `question = coding`) and the
/// behaviour, when it can be written so: a comparison holds for some
/// answers of its item (any of them enables); `any` of such; `all` of
/// comparisons that each hold for exactly one answer.
fn enable_when(inst: &Instrument, c: &Cond<usize>) -> Option<(Vec<Value>, Option<&'static str>)> {
    let matches = |item: usize, op: Op, value: Fixed| -> Vec<Value> {
        let set = inst.set_of(item);
        set.options
            .iter()
            .enumerate()
            .filter(|(_, o)| holds(i64::from(o.value), op, value))
            .map(|(k, _)| {
                json!({"question": inst.items[item].id, "operator": "=", "answerCoding": answer_coding(inst, inst.items[item].set, k)})
            })
            .collect()
    };
    match c {
        Cond::Cmp {
            target, op, value, ..
        } => {
            let m = matches(*target, *op, *value);
            let behavior = (m.len() > 1).then_some("any");
            (!m.is_empty()).then_some((m, behavior))
        }
        Cond::Any(parts) => {
            let mut all = Vec::new();
            for p in parts {
                let (m, behavior) = enable_when(inst, p)?;
                if behavior == Some("all") {
                    return None;
                }
                all.extend(m);
            }
            Some((all, Some("any")))
        }
        Cond::All(parts) => {
            let mut all = Vec::new();
            for p in parts {
                let Cond::Cmp {
                    target, op, value, ..
                } = p
                else {
                    return None;
                };
                let m = matches(*target, *op, *value);
                if m.len() != 1 {
                    return None;
                }
                all.extend(m);
            }
            Some((all, Some("all")))
        }
    }
}

/// `answer OP value`, the value in its fixed-point units.
fn holds(answer: i64, op: Op, value: Fixed) -> bool {
    let scale = 10_i64.pow(u32::from(value.decimals));
    let a = answer.saturating_mul(scale);
    let v = value.units;
    match op {
        Op::Ge => a >= v,
        Op::Gt => a > v,
        Op::Le => a <= v,
        Op::Lt => a < v,
        Op::Eq => a == v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_asked_if(cond: &str) -> Instrument {
        let yaml = format!(
            r#"id: t
version: "1"
name: {{en: "T"}}
citation: "c"
license: "l"
response_sets:
  f4:
    - {{value: 0, label: {{en: "a"}}}}
    - {{value: 1, label: {{en: "b"}}}}
    - {{value: 2, label: {{en: "c"}}}}
items:
  - {{id: t_1, responses: f4, text: {{en: "one"}}}}
  - {{id: t_2, responses: f4, text: {{en: "two"}}}}
  - {{id: t_3, responses: f4, asked_if: {cond}, text: {{en: "three"}}}}
scales:
  - id: t
    items: [t_1, t_2]
    method: sum
    missing: {{max_missing: 0}}
    bands: [{{min: 0, max: 4, label: all}}]
"#
        );
        crate::instrument::load_str("t.yaml", &yaml, "t.yaml").unwrap()
    }

    #[test]
    fn skip_logic_enable_when_can_say_and_cannot() {
        let q = questionnaire(&with_asked_if("\"t_1 >= 1\"")).unwrap();
        assert_eq!(q["item"][2]["enableBehavior"], "any");
        assert_eq!(q["item"][2]["enableWhen"].as_array().unwrap().len(), 2);
        let q = questionnaire(&with_asked_if("{all: [\"t_1 == 1\", \"t_2 == 2\"]}")).unwrap();
        assert_eq!(q["item"][2]["enableBehavior"], "all");
        // (t_1 is 1 or 2) and (t_2 is 1 or 2): not a flat list of answers
        let e = questionnaire(&with_asked_if("{all: [\"t_1 >= 1\", \"t_2 >= 1\"]}")).unwrap_err();
        assert!(e.to_string().starts_with("item `t_3`: its asked_if"), "{e}");
    }

    #[test]
    fn chinese_texts_are_translations_of_the_english() {
        let phq9 = crate::instrument::resolve(&["phq9".to_string()])
            .unwrap()
            .remove(0);
        let q = questionnaire(&phq9).unwrap();
        assert_eq!(q["language"], "en");
        let zh = |element: &Value| {
            let t = &element["extension"][0];
            assert_eq!(t["url"], TRANSLATION);
            assert_eq!(
                t["extension"][0],
                json!({"url": "lang", "valueCode": "zh-CN"})
            );
            assert_eq!(t["extension"][1]["url"], "content");
            assert_eq!(t["extension"].as_array().unwrap().len(), 2);
            t["extension"][1]["valueString"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(zh(&q["_title"]), phq9.name.zh.clone().unwrap());
        assert_eq!(zh(&q["_purpose"]), phq9.instructions.zh.clone().unwrap());
        assert_eq!(
            q["item"][0]["text"],
            "Little interest or pleasure in doing things"
        );
        assert_eq!(zh(&q["item"][0]["_text"]), "做事时提不起劲或没有兴趣");
        let option = &q["item"][0]["answerOption"][0]["valueCoding"];
        assert_eq!(option["display"], "Not at all");
        assert_eq!(zh(&option["_display"]), "完全不会");
        // English only: no translation anywhere
        let q = questionnaire(&with_asked_if("\"t_1 >= 1\"")).unwrap();
        assert_eq!(q["language"], "en");
        assert!(!q.to_string().contains("\"_"), "{q}");
    }
}
