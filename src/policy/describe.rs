//! `policy show`: a policy as text, one rule a line, with its levels and
//! crisis message. Pure: the caller prints it.

use std::fmt::Write as _;

use super::Policy;
use crate::instrument::Lang;

/// A policy in both languages' labels, one rule a line.
pub fn describe(p: &Policy, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut s = String::new();
    let name = p.name.as_ref().map_or(p.id.as_str(), |n| n.get(lang));
    let id = if zh {
        format!("（{}）", p.id)
    } else {
        format!(" ({})", p.id)
    };
    let _ = writeln!(
        s,
        "{name}{id}{}",
        p.version
            .as_ref()
            .map(|v| if zh {
                format!("，版本 {v}")
            } else {
                format!(", version {v}")
            })
            .unwrap_or_default()
    );
    if let Some(d) = &p.description {
        let _ = writeln!(s, "{}", d.get(lang).trim());
    }
    if !p.sources.is_empty() {
        let _ = writeln!(
            s,
            "\n{}:",
            if zh {
                "划界分的文献来源"
            } else {
                "Sources of the cut-offs"
            }
        );
        for source in &p.sources {
            let _ = writeln!(s, "  - {}", source.trim());
        }
    }
    let _ = writeln!(
        s,
        "\n{}:",
        if zh {
            "级别（从低到高）"
        } else {
            "Levels (lowest first)"
        }
    );
    for l in &p.levels {
        let _ = writeln!(
            s,
            "  {:<10} {} / {}",
            l.id,
            l.label.get(Lang::En),
            l.label.get(Lang::Zh)
        );
    }
    let _ = writeln!(
        s,
        "\n{}: {}",
        if zh {
            "关键题缺失时至少为"
        } else {
            "A missing critical item gives at least"
        },
        p.level_id(p.missing_critical)
    );
    let _ = writeln!(
        s,
        "\n{}:",
        if zh {
            "规则（所有命中的规则都会列出；取最高级别）"
        } else {
            "Rules (every rule that fires is reported; the highest level wins)"
        }
    );
    for r in &p.rules {
        let when = match r.when.bind("", &mut |_| Ok(())) {
            Ok(c) => c.to_string(),
            Err(_) => String::new(),
        };
        let _ = write!(s, "  {:<8} if {when}", p.level_id(r.level));
        if let Some(m) = r.if_missing {
            let _ = write!(
                s,
                "  [{} {}]",
                if zh { "缺失时至少" } else { "if missing:" },
                p.level_id(m)
            );
        }
        let _ = writeln!(s, "\n           {}", r.reason.get(lang));
    }
    // both audiences, as the policy has them (the built-in text otherwise)
    let _ = writeln!(
        s,
        "\n{}:\n  {}",
        if zh {
            "危机提示（给作答者，显示在其屏幕上）"
        } else {
            "Crisis message for the respondent (on their screen)"
        },
        p.crisis_respondent(lang)
    );
    if !p.crisis_regions.is_empty() {
        let _ = writeln!(
            s,
            "  ({}: {})",
            if zh {
                "热线地区"
            } else {
                "hotline regions"
            },
            p.crisis_regions.join(", ")
        );
    }
    let _ = writeln!(
        s,
        "\n{}:\n  {}",
        if zh {
            "危机处理流程（给工作人员：结果、stderr 与报告中）"
        } else {
            "Crisis protocol for staff (in the results, on stderr, in the report)"
        },
        p.crisis_staff(lang)
    );
    s
}
