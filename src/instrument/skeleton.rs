//! An instrument skeleton read from another system (a FHIR Questionnaire,
//! a REDCap data dictionary): its items and response sets, what could be
//! read of its scales and codes, written as instrument YAML for a person
//! to complete. A skeleton never scores: its scales have no bands until
//! someone copies them from the published source, so `instruments
//! validate` refuses it until then.

use std::fmt::Write as _;

use crate::messages::{pick, tr};

/// What was read; every text in English, and in Chinese where the source
/// has it (`zh`, `SkeletonItem::text_zh`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Skeleton {
    pub id: String,
    pub version: String,
    pub name: String,
    pub citation: Option<String>,
    pub license: Option<String>,
    pub instructions: Option<String>,
    /// (id, options as (value, label))
    pub response_sets: Vec<(String, Vec<(i32, String)>)>,
    pub items: Vec<SkeletonItem>,
    /// (id, item ids, calculation as found): method sum.
    pub scales: Vec<(String, Vec<String>)>,
    pub codes: Option<SkeletonCodes>,
    /// What could not be read, or needs a person: written at the top.
    pub todo: Vec<String>,
    pub zh: SkeletonZh,
}

/// The Chinese of the skeleton's texts, where the source has it (a FHIR
/// Questionnaire's translations; a REDCap dictionary has none).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SkeletonZh {
    pub name: Option<String>,
    pub instructions: Option<String>,
    /// (set id, each option's label in the set's order)
    pub labels: Vec<(String, Vec<Option<String>>)>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SkeletonItem {
    pub id: String,
    pub text: String,
    pub text_zh: Option<String>,
    pub responses: String,
    pub reverse: bool,
    /// As YAML flow text: `"a_1 > 1"` or `{any: ["a_1 == 1", ...]}`.
    pub asked_if: Option<String>,
    pub if_skipped: Option<i32>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SkeletonCodes {
    pub system: String,
    pub panel: Option<String>,
    pub items: Vec<(String, String)>,
    /// (set id, (value, code))
    pub answers: Vec<(String, Vec<(i32, String)>)>,
}

/// An id as a YAML key or value: plain when YAML reads it back as the
/// same string, else quoted (`null`, `yes`, `on` would not be).
fn k(id: &str) -> String {
    let plain = id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !matches!(
            id,
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        id.to_string()
    } else {
        q(id)
    }
}

/// A YAML double-quoted scalar (JSON's string syntax is a subset of it).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A text as YAML flow: `{en: "…"}`, with `zh` when there is one.
fn text(en: &str, zh: Option<&String>) -> String {
    match zh {
        Some(zh) => format!("{{en: {}, zh: {}}}", q(en), q(zh)),
        None => format!("{{en: {}}}", q(en)),
    }
}

impl Skeleton {
    /// The instrument YAML, with the parts a person must complete marked
    /// `TODO` and listed at the top.
    pub fn to_yaml(&self, from: &str) -> String {
        let mut y = String::new();
        y.push_str(&tr!(
            "# Instrument skeleton read from {from} by psyscreen.\n\
             # It does not score until a person completes it; then check it with\n\
             #   psyscreen instruments validate THIS_FILE\n\
             # Needs a person:\n",
            "# psyscreen 从 {from} 读出的量表骨架。\n\
             # 需由人工补全后才能计分；补全后用以下命令检查：\n\
             #   psyscreen instruments validate 本文件\n\
             # 需要人工完成：\n"
        ));
        for t in &self.todo {
            let _ = writeln!(y, "# - {}", t.replace('\n', " "));
        }
        let _ = writeln!(y, "id: {}", k(&self.id));
        let _ = writeln!(y, "version: {}", q(&self.version));
        let _ = writeln!(y, "name: {}", text(&self.name, self.zh.name.as_ref()));
        let todo =
            |v: &Option<String>, what: &str| v.clone().unwrap_or_else(|| format!("TODO: {what}"));
        let _ = writeln!(
            y,
            "citation: {}",
            q(&todo(
                &self.citation,
                pick("the published source", "正式发表的出处")
            ))
        );
        let _ = writeln!(
            y,
            "license: {}",
            q(&todo(&self.license, pick("the terms of use", "使用条款")))
        );
        if let Some(i) = &self.instructions {
            let zh = self.zh.instructions.as_ref();
            let _ = writeln!(y, "instructions: {}", text(i, zh));
        }
        y.push_str("response_sets:\n");
        for (id, options) in &self.response_sets {
            let _ = writeln!(y, "  {}:", k(id));
            let zh = self.zh.labels.iter().find(|(s, _)| s == id);
            for (n, (v, label)) in options.iter().enumerate() {
                let zh = zh.and_then(|(_, l)| l.get(n)?.as_ref());
                let _ = writeln!(y, "    - {{value: {v}, label: {}}}", text(label, zh));
            }
        }
        y.push_str("items:\n");
        for it in &self.items {
            let _ = write!(
                y,
                "  - {{id: {}, responses: {}",
                k(&it.id),
                k(&it.responses)
            );
            if it.reverse {
                y.push_str(", reverse: true");
            }
            if let Some(c) = &it.asked_if {
                let _ = write!(y, ", asked_if: {c}");
            }
            if let Some(v) = it.if_skipped {
                let _ = write!(y, ", if_skipped: {v}");
            }
            let _ = writeln!(y, ", text: {}}}", text(&it.text, it.text_zh.as_ref()));
        }
        y.push_str("scales:\n");
        for (id, items) in &self.scales {
            let _ = writeln!(y, "  - id: {}", k(id));
            let items: Vec<String> = items.iter().map(|i| k(i)).collect();
            let _ = writeln!(y, "    items: [{}]", items.join(", "));
            y.push_str("    method: sum\n");
            y.push_str(pick(
                "    missing: {max_missing: 0}   # TODO: the authors' missing-data rule\n",
                "    missing: {max_missing: 0}   # TODO: 原作者的缺失数据规则\n",
            ));
            y.push_str(pick(
                "    bands: []   # TODO: the published bands, inclusive, covering every total\n",
                "    bands: []   # TODO: 正式发表的分级（含两端），覆盖每一个总分\n",
            ));
        }
        if let Some(c) = &self.codes {
            y.push_str(pick(
                "codes:   # as read; check each code against its source before use\n",
                "codes:   # 按读到的原样；使用前逐一对照来源核对每个编码\n",
            ));
            let _ = writeln!(y, "  system: {}", q(&c.system));
            if let Some(p) = &c.panel {
                let _ = writeln!(y, "  panel: {}", q(p));
            }
            if !c.items.is_empty() {
                y.push_str("  items:\n");
                for (id, code) in &c.items {
                    let _ = writeln!(y, "    {}: {}", k(id), q(code));
                }
            }
            if !c.answers.is_empty() {
                y.push_str("  answers:\n");
                for (set, codes) in &c.answers {
                    let _ = writeln!(y, "    {}:", k(set));
                    for (v, code) in codes {
                        let _ = writeln!(y, "      {v}: {}", q(code));
                    }
                }
            }
        }
        y.push_str(pick(
            "critical_items: []   # TODO: items whose answer is a crisis signal\n",
            "critical_items: []   # TODO: 其答案是危机信号的题目\n",
        ));
        y.push_str(pick(
            "tests: []   # TODO: known answers, computed by hand from the published scoring\n",
            "tests: []   # TODO: 已知答案测试，依正式发表的计分方法手工算出\n",
        ));
        y
    }
}

/// An instrument or item id (`[a-z0-9_]+`) made of `s`, or `None`.
pub fn id_of(s: &str) -> Option<String> {
    let mut out = String::new();
    for c in s.trim().chars() {
        match c {
            'a'..='z' | '0'..='9' | '_' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            '-' | '.' | ' ' | '/' => out.push('_'),
            _ => return None,
        }
    }
    let out = out.trim_matches('_').to_string();
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_goes_beside_the_english() {
        let sk = Skeleton {
            id: "t".into(),
            version: "1".into(),
            name: "T".into(),
            instructions: Some("Over the last 2 weeks".into()),
            response_sets: vec![("f2".into(), vec![(0, "No".into()), (1, "Yes".into())])],
            items: vec![SkeletonItem {
                id: "t_1".into(),
                text: "One".into(),
                text_zh: Some("一".into()),
                responses: "f2".into(),
                ..SkeletonItem::default()
            }],
            zh: SkeletonZh {
                name: Some("测".into()),
                instructions: None,
                labels: vec![("f2".into(), vec![Some("否".into()), None])],
            },
            ..Skeleton::default()
        };
        let y = sk.to_yaml("x");
        assert!(y.contains("name: {en: \"T\", zh: \"测\"}\n"), "{y}");
        assert!(
            y.contains("instructions: {en: \"Over the last 2 weeks\"}\n"),
            "{y}"
        );
        assert!(
            y.contains("- {value: 0, label: {en: \"No\", zh: \"否\"}}\n"),
            "{y}"
        );
        assert!(y.contains("- {value: 1, label: {en: \"Yes\"}}\n"), "{y}");
        assert!(y.contains(", text: {en: \"One\", zh: \"一\"}}\n"), "{y}");
    }

    #[test]
    fn ids_yaml_would_misread_are_quoted() {
        assert_eq!(k("phq9_1"), "phq9_1");
        assert_eq!(k("null"), "\"null\"");
        assert_eq!(k("on"), "\"on\"");
        assert_eq!(k("1st"), "\"1st\"");
        assert_eq!(id_of("PHQ9-1"), Some("phq9_1".into()));
        assert_eq!(id_of("/44250-9"), Some("44250_9".into()));
        assert_eq!(id_of("问题1"), None);
    }
}
