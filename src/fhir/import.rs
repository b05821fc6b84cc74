//! A FHIR `Questionnaire` read back into an instrument skeleton: its
//! choice items, their answer options (value from a numeric code, else
//! from `itemWeight`/`ordinalValue`), `enableWhen` as `asked_if`, and the
//! codes it carries. Texts in English and Simplified Chinese: the
//! resource's `language` and the `translation` extensions beside each
//! text (`_title`, `_text`, …). Scales, bands, the missing rule, critical
//! items and known answers are not in a Questionnaire: the skeleton says
//! so.

use crate::messages::tr;
use anyhow::bail;
use serde_json::Value;

use super::questionnaire::TRANSLATION;
use super::{CANONICAL_BASE, EXTENSION_BASE, ITEM_WEIGHT};
use crate::instrument::skeleton::{id_of, Skeleton, SkeletonCodes, SkeletonItem};

const ORDINAL: &str = "http://hl7.org/fhir/StructureDefinition/ordinalValue";

/// The languages of a Questionnaire's texts: the resource's own (its
/// elements' values) and the translations beside them.
struct Langs {
    /// `language`; "" when it has none (read as English).
    base: String,
    /// Texts with no English: their `en` holds the base language's text.
    not_english: usize,
}

/// A BCP 47 tag of Simplified Chinese (psyscreen's `zh`); `zh-TW`,
/// `zh-HK` and `zh-Hant` are Traditional.
fn simplified_chinese(tag: &str) -> bool {
    let t = tag.to_ascii_lowercase();
    matches!(t.as_str(), "zh" | "zh-cn" | "zh-sg") || t.starts_with("zh-hans")
}

fn english(tag: &str) -> bool {
    let t = tag.to_ascii_lowercase();
    t == "en" || t.starts_with("en-")
}

impl Langs {
    fn of(q: &Value) -> Langs {
        Langs {
            base: q["language"].as_str().unwrap_or_default().to_string(),
            not_english: 0,
        }
    }

    /// `parent[key]` in English and in Chinese, when it has a text.
    fn text(&mut self, parent: &Value, key: &str) -> Option<(String, Option<String>)> {
        let value = parent[key].as_str()?.to_string();
        let translated = |wanted: fn(&str) -> bool| translation(&parent[format!("_{key}")], wanted);
        let zh = if simplified_chinese(&self.base) {
            Some(value.clone())
        } else {
            translated(simplified_chinese)
        };
        let en = if self.base.is_empty() || english(&self.base) {
            value
        } else {
            translated(english).unwrap_or_else(|| {
                self.not_english += 1;
                value
            })
        };
        Some((en, zh))
    }
}

/// The first translation (FHIR's `translation` extension: `lang`,
/// `content`) in a language `wanted` accepts, of a primitive's `_element`.
fn translation(element: &Value, wanted: fn(&str) -> bool) -> Option<String> {
    element["extension"]
        .as_array()?
        .iter()
        .filter(|e| e["url"] == TRANSLATION)
        .find_map(|e| {
            let parts = e["extension"].as_array()?;
            let part = |name: &str| parts.iter().find(|p| p["url"] == name);
            let lang = part("lang")?["valueCode"].as_str()?;
            let content = part("content")?;
            let text = content["valueString"]
                .as_str()
                .or_else(|| content["valueMarkdown"].as_str())?;
            (wanted(lang) && !text.trim().is_empty()).then(|| text.to_string())
        })
}

/// Read a Questionnaire (JSON text). `file` names it in messages.
pub fn from_questionnaire(file: &str, text: &str) -> anyhow::Result<Skeleton> {
    let q: Value = serde_json::from_str(text).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        anyhow::anyhow!(tr!(
            "{file}:{line}:{column}: not JSON: {e}",
            "{file}:{line}:{column}：不是 JSON：{e}"
        ))
    })?;
    if q["resourceType"] != "Questionnaire" {
        bail!(tr!(
            "{file} is not a FHIR Questionnaire (resourceType is {})",
            "{file} 不是 FHIR Questionnaire（resourceType 为 {}）",
            q["resourceType"]
        ));
    }
    let str_of = |v: &Value| v.as_str().map(str::to_string);
    let mut langs = Langs::of(&q);
    let (name, name_zh) = match langs.text(&q, "title") {
        Some((en, zh)) => (en, zh),
        None => (
            str_of(&q["name"]).unwrap_or_else(|| "TODO: name".into()),
            None,
        ),
    };
    let (instructions, instructions_zh) = langs.text(&q, "purpose").unzip();
    let mut sk = Skeleton {
        version: str_of(&q["version"]).unwrap_or_else(|| "1.0".into()),
        name,
        license: str_of(&q["copyright"]),
        instructions,
        ..Skeleton::default()
    };
    sk.zh.name = name_zh;
    sk.zh.instructions = instructions_zh.flatten();
    let url = str_of(&q["url"]).unwrap_or_default();
    sk.id = url
        .strip_prefix(CANONICAL_BASE)
        .and_then(id_of)
        .or_else(|| str_of(&q["id"]).as_deref().and_then(id_of))
        .or_else(|| str_of(&q["name"]).as_deref().and_then(id_of))
        .unwrap_or_else(|| {
            sk.todo.push(tr!(
                "id: none could be read; `imported` is a placeholder",
                "id：无法读取；`imported` 只是占位"
            ));
            "imported".into()
        });
    if q["version"].is_null() {
        sk.todo.push(tr!(
            "version: the Questionnaire has none; 1.0 is a placeholder",
            "版本：该 Questionnaire 中没有；1.0 只是占位"
        ));
    }
    sk.citation = str_of(&q["description"]).map(|d| {
        d.trim_end_matches(super::questionnaire::SCORED_BY)
            .to_string()
    });
    let mut codes = SkeletonCodes::default();
    if let Some(c) = q["code"].get(0) {
        codes.system = str_of(&c["system"]).unwrap_or_default();
        codes.panel = str_of(&c["code"]);
    }
    let mut flat = Vec::new();
    flatten(&q["item"], &mut flat);
    for (n, item) in flat.iter().enumerate() {
        read_item(&mut sk, (&mut codes, &mut langs), item, n);
    }
    if sk.items.is_empty() {
        bail!(tr!(
            "{file}: no choice item with answer options was found",
            "{file}：没有找到带答案选项（answerOption）的选择题"
        ));
    }
    let all: Vec<String> = sk.items.iter().map(|i| i.id.clone()).collect();
    sk.scales.push((sk.id.clone(), all));
    sk.todo.push(tr!(
        "scales: a Questionnaire has no scoring; `{}` sums every item as a start: check the items, method, multiplier and reverse items against the published scoring",
        "分量表：Questionnaire 不含计分方法；`{}` 暂以全部题目求和：请对照正式发表的计分方法核对题目、方法、乘数与反向计分题",
        sk.id
    ));
    sk.todo.push(tr!("bands, the missing-data rule, critical items and known-answer tests: from the published source", "分级、缺失数据规则、危机题目与已知答案测试：请依据正式发表的来源填写"));
    language_todo(&mut sk, &langs);
    if !codes.system.is_empty() || !codes.items.is_empty() {
        sk.codes = Some(codes);
    }
    Ok(sk)
}

/// Every item, groups opened, in order.
fn flatten<'a>(items: &'a Value, out: &mut Vec<&'a Value>) {
    for it in items.as_array().into_iter().flatten() {
        if it["type"] == "group" {
            flatten(&it["item"], out);
        } else {
            out.push(it);
        }
    }
}

/// What a person must add for the texts' languages: English where the
/// Questionnaire has none, and Chinese where it has some but not all (a
/// file with any Chinese needs it for every text).
fn language_todo(sk: &mut Skeleton, langs: &Langs) {
    if langs.not_english > 0 {
        let (n, lang) = (langs.not_english, &langs.base);
        sk.todo.push(tr!(
            "English: the Questionnaire's language is {lang} and {n} text(s) have no English translation: their `en` holds the {lang} text; put the English wording there",
            "英文：该 Questionnaire 的语言为 {lang}，有 {n} 处文本没有英文翻译：其 `en` 中是 {lang} 文本；请换成英文措辞"
        ));
    }
    let labels = sk.zh.labels.iter().flat_map(|(_, l)| l);
    let any = sk.zh.name.is_some()
        || sk.zh.instructions.is_some()
        || sk.items.iter().any(|i| i.text_zh.is_some())
        || labels.clone().any(Option::is_some);
    if !any {
        return;
    }
    let mut missing = Vec::new();
    if sk.zh.name.is_none() {
        missing.push("name".to_string());
    }
    if sk.instructions.is_some() && sk.zh.instructions.is_none() {
        missing.push("instructions".to_string());
    }
    for i in sk.items.iter().filter(|i| i.text_zh.is_none()) {
        missing.push(format!("`{}`", i.id));
    }
    for (set, l) in &sk.zh.labels {
        if l.iter().any(Option::is_none) {
            missing.push(format!("response_sets.{set}"));
        }
    }
    if !missing.is_empty() {
        let missing = missing.join(", ");
        sk.todo.push(tr!(
            "Chinese: the Questionnaire has Chinese for some texts but not for {missing}: a file with any Chinese needs it for every text",
            "中文：该 Questionnaire 部分文本有中文，但 {missing} 没有：文件中只要有中文，每个文本都需要中文"
        ));
    }
}

fn read_item(
    sk: &mut Skeleton,
    (codes, langs): (&mut SkeletonCodes, &mut Langs),
    item: &Value,
    n: usize,
) {
    let link = item["linkId"].as_str().unwrap_or_default();
    if item["type"] == "display" {
        return;
    }
    let Some(options) = item["answerOption"].as_array().filter(|o| !o.is_empty()) else {
        sk.todo.push(tr!(
            "item `{link}` ({}) has no answerOption list (answerValueSet or free answer): not read",
            "题目 `{link}`（{}）没有 answerOption 列表（answerValueSet 或自由作答）：未读取",
            item["type"].as_str().unwrap_or("?")
        ));
        return;
    };
    let id = id_of(link)
        .filter(|i| i.starts_with(|c: char| c.is_ascii_lowercase()))
        .unwrap_or_else(|| format!("{}_{}", sk.id, n + 1));
    let mut opts = Vec::new();
    let mut labels_zh = Vec::new();
    let mut answer_codes = Vec::new();
    let mut reverse = Vec::new();
    let mut system = String::new();
    for o in options {
        let coding = &o["valueCoding"];
        let weight = extension(o, ITEM_WEIGHT)
            .or_else(|| extension(o, ORDINAL))
            .or_else(|| extension(coding, ITEM_WEIGHT))
            .or_else(|| extension(coding, ORDINAL))
            .and_then(Value::as_f64);
        let code = coding["code"]
            .as_str()
            .or_else(|| o["valueString"].as_str());
        let numeric = code.and_then(|c| c.parse::<i32>().ok()).or_else(|| {
            o["valueInteger"]
                .as_i64()
                .and_then(|v| i32::try_from(v).ok())
        });
        #[allow(clippy::cast_possible_truncation)]
        let weight = weight.filter(|w| w.fract() == 0.0).map(|w| w as i32);
        let Some(value) = numeric.or(weight) else {
            sk.todo.push(tr!("item `{id}`: an option has neither a numeric code nor a weight: its value needs a person", "题目 `{id}`：有选项既无数字编码也无权重：其分值需要人工填写"));
            return;
        };
        let (label, label_zh) = langs
            .text(coding, "display")
            .unwrap_or_else(|| (code.unwrap_or_default().to_string(), None));
        if let (Some(c), None) = (code, numeric) {
            answer_codes.push((value, c.to_string()));
            system = coding["system"].as_str().unwrap_or_default().to_string();
        }
        reverse.push(weight.is_some_and(|w| w != value));
        opts.push((value, label));
        labels_zh.push(label_zh);
    }
    // reversed: every weight is min + max − value
    let (min, max) = (
        opts.iter().map(|o| o.0).min().unwrap_or(0),
        opts.iter().map(|o| o.0).max().unwrap_or(0),
    );
    let is_reverse = reverse.iter().any(|r| *r);
    if is_reverse {
        let weights_ok = options.iter().zip(&opts).all(|(o, (v, _))| {
            extension(o, ITEM_WEIGHT).and_then(Value::as_f64) == Some(f64::from(min + max - v))
        });
        if !weights_ok {
            sk.todo.push(tr!("item `{id}`: its weights are neither its values nor reversed: the scoring needs a person", "题目 `{id}`：权重既不等于选项值也不是反向：计分需要人工确认"));
        }
    }
    let set = set_for(sk, &item["answerOption"], (&opts, labels_zh));
    if !answer_codes.is_empty() && !codes.answers.iter().any(|(s, _)| *s == set) {
        codes.answers.push((set.clone(), answer_codes));
        if codes.system.is_empty() {
            codes.system = system;
        }
    }
    if let Some(c) = item["code"].get(0) {
        if let Some(code) = c["code"].as_str() {
            codes.items.push((id.clone(), code.to_string()));
            if codes.system.is_empty() {
                codes.system = c["system"].as_str().unwrap_or_default().to_string();
            }
        }
    }
    let asked_if = item["enableWhen"].as_array().and_then(|w| {
        let parts: Option<Vec<(String, String, i64)>> =
            w.iter().map(|e| condition(sk, e)).collect();
        let all = item["enableBehavior"] == "all";
        match parts {
            Some(p) => Some(asked_if_yaml(sk, &p, all)),
            None => {
                sk.todo.push(tr!(
                    "item `{id}`: its enableWhen could not be read: asked_if needs a person",
                    "题目 `{id}`：其 enableWhen 无法读取：asked_if 需要人工填写"
                ));
                None
            }
        }
    });
    let (text, text_zh) = langs.text(item, "text").unwrap_or_default();
    sk.items.push(SkeletonItem {
        id,
        text,
        text_zh,
        responses: set,
        reverse: is_reverse,
        asked_if,
        if_skipped: extension(item, &format!("{EXTENSION_BASE}if-skipped"))
            .and_then(Value::as_i64)
            .and_then(|v| i32::try_from(v).ok()),
    });
}

/// The value of the first extension with `url`.
fn extension<'a>(v: &'a Value, url: &str) -> Option<&'a Value> {
    v["extension"]
        .as_array()?
        .iter()
        .find(|e| e["url"] == url)
        .and_then(|e| {
            ["valueDecimal", "valueInteger", "valueCode", "valueString"]
                .iter()
                .find_map(|k| e.get(*k))
        })
}

/// enableWhen entries as `asked_if` (YAML flow text): one comparison;
/// `item == v` for every value of the item from some value up (or down)
/// as one `>=` (`<=`); else `any`/`all` of them.
fn asked_if_yaml(sk: &Skeleton, parts: &[(String, String, i64)], all: bool) -> String {
    let quoted = |(item, op, v): &(String, String, i64)| format!("\"{item} {op} {v}\"");
    if let [one] = parts {
        return quoted(one);
    }
    let first = &parts[0].0;
    let same_item = parts.iter().all(|(i, op, _)| i == first && op == "==");
    let values: Vec<i64> = parts.iter().map(|p| p.2).collect();
    let set_values: Vec<i64> = sk
        .items
        .iter()
        .find(|i| &i.id == first)
        .and_then(|i| sk.response_sets.iter().find(|(s, _)| *s == i.responses))
        .map(|(_, o)| o.iter().map(|(v, _)| i64::from(*v)).collect())
        .unwrap_or_default();
    if same_item && !all {
        let lo = values.iter().min().copied().unwrap_or(0);
        let hi = values.iter().max().copied().unwrap_or(0);
        let mut from_lo: Vec<i64> = set_values.iter().copied().filter(|v| *v >= lo).collect();
        let mut to_hi: Vec<i64> = set_values.iter().copied().filter(|v| *v <= hi).collect();
        let mut sorted = values.clone();
        sorted.sort_unstable();
        from_lo.sort_unstable();
        to_hi.sort_unstable();
        if sorted == from_lo {
            return format!("\"{first} >= {lo}\"");
        }
        if sorted == to_hi {
            return format!("\"{first} <= {hi}\"");
        }
    }
    let joined: Vec<String> = parts.iter().map(quoted).collect();
    format!(
        "{{{}: [{}]}}",
        if all { "all" } else { "any" },
        joined.join(", ")
    )
}

/// An enableWhen entry as a comparison (item, operator, value) on an
/// earlier item's value.
fn condition(sk: &Skeleton, e: &Value) -> Option<(String, String, i64)> {
    let question = e["question"].as_str()?;
    let item = sk
        .items
        .iter()
        .find(|i| i.id == question || id_of(question).as_deref() == Some(i.id.as_str()))?;
    let op = match e["operator"].as_str()? {
        "=" => "==",
        ">=" | ">" | "<=" | "<" => e["operator"].as_str()?,
        _ => return None,
    };
    let value = if let Some(v) = e["answerInteger"].as_i64() {
        v
    } else {
        let code = e["answerCoding"]["code"].as_str()?;
        match code.parse::<i64>() {
            Ok(v) => v,
            Err(_) => {
                // a coded answer: its value from the set's codes
                let set = sk
                    .response_sets
                    .iter()
                    .find(|(s, _)| *s == item.responses)?;
                let display = e["answerCoding"]["display"].as_str()?;
                // in the Questionnaire's language: English, or Chinese
                let zh = sk.zh.labels.iter().find(|(s, _)| *s == item.responses);
                let is_zh = |n: usize| zh.and_then(|(_, l)| l.get(n)?.as_deref()) == Some(display);
                let n = (0..set.1.len()).find(|&n| set.1[n].1 == display || is_zh(n))?;
                i64::from(set.1[n].0)
            }
        }
    };
    Some((item.id.clone(), op.to_string(), value))
}

/// The id of the response set with these options (and Chinese labels):
/// one read before, else a new one (named as psyscreen named it, when it
/// wrote the file).
fn set_for(
    sk: &mut Skeleton,
    raw: &Value,
    (opts, zh): (&[(i32, String)], Vec<Option<String>>),
) -> String {
    let same_zh = |sk: &Skeleton, id: &str| {
        let read = sk.zh.labels.iter().find(|(s, _)| s == id);
        read.map_or(zh.iter().all(Option::is_none), |(_, l)| *l == zh)
    };
    if let Some((id, _)) = sk
        .response_sets
        .iter()
        .find(|(id, o)| o == opts && same_zh(sk, id))
    {
        return id.clone();
    }
    let named = raw[0]["valueCoding"]["system"]
        .as_str()
        .and_then(|s| s.rsplit_once(":responses:"))
        .and_then(|(_, id)| id_of(id));
    let id = named
        .filter(|n| !sk.response_sets.iter().any(|(s, _)| s == n))
        .unwrap_or_else(|| format!("set{}", sk.response_sets.len() + 1));
    sk.response_sets.push((id.clone(), opts.to_vec()));
    if zh.iter().any(Option::is_some) {
        sk.zh.labels.push((id.clone(), zh));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn translated(lang: &str, key: &str, text: &str) -> Value {
        json!({"extension": [{"url": TRANSLATION, "extension": [
            {"url": "lang", "valueCode": lang}, {"url": "content", key: text},
        ]}]})
    }

    #[test]
    fn translations_in_simplified_chinese_or_english_only() {
        let zh = |lang: &str, key: &str, text: &str| {
            translation(&translated(lang, key, text), simplified_chinese)
        };
        assert_eq!(zh("zh-CN", "valueString", "一").as_deref(), Some("一"));
        assert_eq!(zh("zh", "valueString", "一").as_deref(), Some("一"));
        assert_eq!(
            zh("zh-Hans-CN", "valueMarkdown", "一").as_deref(),
            Some("一")
        );
        assert_eq!(zh("zh-TW", "valueString", "壹"), None);
        assert_eq!(zh("zh-Hant", "valueString", "壹"), None);
        assert_eq!(zh("zh-CN", "valueString", " "), None);
        assert_eq!(zh("zh-CN", "valueCode", "一"), None);
        assert_eq!(
            translation(&translated("en-GB", "valueString", "One"), english).as_deref(),
            Some("One")
        );
        assert_eq!(translation(&json!({}), english), None);
    }

    #[test]
    fn a_chinese_questionnaire_with_coded_answers_and_skip_logic() {
        let coding = |code: &str, zh: &str, en: &str| {
            json!({"system": "urn:x", "code": code, "display": zh,
                   "_display": translated("en", "valueString", en)})
        };
        let option = |code: &str, weight: i64, zh: &str, en: &str| {
            json!({"extension": [{"url": ITEM_WEIGHT, "valueDecimal": weight}],
                   "valueCoding": coding(code, zh, en)})
        };
        let options = json!([option("A1", 0, "否", "No"), option("A2", 1, "是", "Yes")]);
        let q = json!({
            "resourceType": "Questionnaire", "language": "zh-CN", "title": "测",
            "_title": translated("en", "valueString", "Test"),
            "url": "urn:psyscreen:questionnaire:t",
            "item": [
                {"linkId": "t_1", "type": "choice", "text": "一",
                 "_text": translated("en", "valueString", "One"), "answerOption": options},
                {"linkId": "t_2", "type": "choice", "text": "二", "answerOption": options,
                 "enableWhen": [{"question": "t_1", "operator": "=",
                                 "answerCoding": {"system": "urn:x", "code": "A2", "display": "是"}}]},
            ],
        });
        let sk = from_questionnaire("q.json", &q.to_string()).unwrap();
        assert_eq!(
            (sk.name.as_str(), sk.zh.name.as_deref()),
            ("Test", Some("测"))
        );
        assert_eq!(
            sk.response_sets,
            [(
                "set1".to_string(),
                vec![(0, "No".to_string()), (1, "Yes".to_string())]
            )]
        );
        assert_eq!(
            sk.zh.labels,
            [(
                "set1".to_string(),
                vec![Some("否".to_string()), Some("是".to_string())]
            )]
        );
        assert_eq!(
            (sk.items[0].text.as_str(), sk.items[0].text_zh.as_deref()),
            ("One", Some("一"))
        );
        // the answer is found by its Chinese display
        assert_eq!(sk.items[1].asked_if.as_deref(), Some("\"t_1 == 1\""));
        // item 2 has no English: its Chinese stands in, and a person is told
        assert_eq!(
            (sk.items[1].text.as_str(), sk.items[1].text_zh.as_deref()),
            ("二", Some("二"))
        );
        assert!(
            sk.todo
                .iter()
                .any(|t| t
                    .starts_with("English: the Questionnaire's language is zh-CN and 1 text(s)")),
            "{:?}",
            sk.todo
        );
    }
}
