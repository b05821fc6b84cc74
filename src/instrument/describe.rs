//! `instruments show`: the whole scoring method of an instrument as text,
//! as a counselor needs it to check it. Pure: the caller prints it.

use std::fmt::Write as _;

use super::{Band, Instrument, Lang, Method};

/// The whole scoring method, as a counselor needs it to check it.
pub fn describe(inst: &Instrument, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut s = String::new();
    let (name, id, version) = (inst.name.get(lang), &inst.id, &inst.version);
    let _ = if zh {
        let origin = match inst.origin.as_str() {
            "built-in" => "内置",
            file => file,
        };
        writeln!(s, "{name}（{id}），版本 {version} [{origin}]")
    } else {
        writeln!(s, "{name} ({id}), version {version} [{}]", inst.origin)
    };
    let _ = writeln!(
        s,
        "{}: {}",
        if zh { "引用" } else { "Citation" },
        inst.citation
    );
    let _ = writeln!(
        s,
        "{}: {}",
        if zh { "许可" } else { "License" },
        inst.license
    );
    if let Some(src) = &inst.source {
        let _ = writeln!(s, "{}: {}", if zh { "来源" } else { "Source" }, src);
    }
    if let Some(n) = &inst.notes {
        let _ = writeln!(s, "{}: {}", if zh { "说明" } else { "Notes" }, n.trim());
    }
    let instr = inst.instructions.get(lang);
    if !instr.is_empty() {
        let _ = writeln!(s, "\n{}", instr.trim());
    }

    let _ = writeln!(
        s,
        "\n{} ({}):",
        if zh { "题目" } else { "Items" },
        inst.items.len()
    );
    for (i, item) in inst.items.iter().enumerate() {
        let set = &inst.response_sets[item.set];
        let mut marks = vec![format!("[{}]", set.id)];
        if item.reverse {
            marks.push(if zh {
                "反向计分".into()
            } else {
                format!("reverse-scored ({} + {} − answer)", set.min, set.max)
            });
        }
        if let Some(c) = &item.asked_if {
            let cond = c.to_string();
            let what = item.if_skipped.map_or_else(
                || {
                    if zh {
                        "未问时不计分".to_string()
                    } else {
                        "if not asked: not scored, not missing".to_string()
                    }
                },
                |v| {
                    if zh {
                        format!("未问时计为 {v}")
                    } else {
                        format!("if not asked: scored {v}")
                    }
                },
            );
            marks.push(format!(
                "{} {cond}; {what}",
                if zh { "仅当" } else { "asked only if" }
            ));
        }
        if inst.critical.contains(&i) {
            marks.push(if zh {
                "关键题".into()
            } else {
                "CRITICAL".into()
            });
        }
        let _ = writeln!(
            s,
            "  {:<10} {}  {}",
            item.id,
            item.text.get(lang),
            marks.join("; ")
        );
    }

    let _ = writeln!(s, "\n{}:", if zh { "选项" } else { "Response sets" });
    for set in &inst.response_sets {
        let opts: Vec<String> = set
            .options
            .iter()
            .map(|o| format!("{} = {}", o.value, o.label.get(lang)))
            .collect();
        let _ = writeln!(s, "  {}: {}", set.id, opts.join(" · "));
    }

    let _ = writeln!(
        s,
        "\n{}:",
        if zh {
            "量表与计分"
        } else {
            "Scales and scoring"
        }
    );
    for sc in &inst.scales {
        let ids: Vec<&str> = sc
            .items
            .iter()
            .map(|&i| inst.items[i].id.as_str())
            .collect();
        let method = match sc.method {
            Method::Sum => {
                if zh {
                    "求和"
                } else {
                    "sum"
                }
            }
            Method::Mean => {
                if zh {
                    "平均"
                } else {
                    "mean"
                }
            }
        };
        let name = sc
            .name
            .as_ref()
            .map(|n| match lang {
                Lang::Zh => format!("（{}）", n.get(lang)),
                Lang::En => format!(" ({})", n.get(lang)),
            })
            .unwrap_or_default();
        let (n, items) = (ids.len(), ids.join(", "));
        let _ = if zh {
            writeln!(s, "  {}{name}：{n} 题{method}：{items}", sc.id)
        } else {
            writeln!(s, "  {}{name}: {method} of {n} items: {items}", sc.id)
        };
        if sc.multiplier != 1 {
            let _ = writeln!(
                s,
                "    × {} {}",
                sc.multiplier,
                if zh {
                    "（在取整之后）"
                } else {
                    "(after rounding)"
                }
            );
        }
        if sc.method == Method::Mean {
            let _ = writeln!(
                s,
                "    {} {} {}",
                if zh { "保留" } else { "rounded half up to" },
                sc.decimals,
                if zh {
                    "位小数（四舍五入）"
                } else {
                    "decimals"
                }
            );
        }
        let _ = writeln!(
            s,
            "    {}: {}–{}",
            if zh { "可能范围" } else { "possible range" },
            sc.format_total(sc.range.0),
            sc.format_total(sc.range.1)
        );
        let missing = if sc.max_missing == 0 {
            if zh {
                "不允许缺失：任何一题缺失则为 incomplete（不完整）".to_string()
            } else {
                "no item may be missing: any missing item makes the scale incomplete".to_string()
            }
        } else if zh {
            format!("最多缺失 {} 题：按已答题平均分 × 题数折算（四舍五入），并标记为折算；更多缺失则为 incomplete", sc.max_missing)
        } else {
            format!("up to {} missing item(s) prorated (mean of answered × {}, rounded half up), marked prorated; more → incomplete", sc.max_missing, ids.len())
        };
        let _ = writeln!(
            s,
            "    {}: {missing}",
            if zh { "缺失规则" } else { "missing" }
        );
        for b in &sc.bands {
            let _ = writeln!(
                s,
                "    {:>6}–{:<6} {}",
                sc.format_total(b.min),
                sc.format_total(b.max),
                band_line(b, lang)
            );
        }
    }
    if !inst.critical.is_empty() {
        let ids: Vec<&str> = inst
            .critical
            .iter()
            .map(|&i| inst.items[i].id.as_str())
            .collect();
        let _ = writeln!(
            s,
            "\n{}: {}",
            if zh {
                "关键题（缺失时无法排除风险）"
            } else {
                "Critical items (a missing answer cannot be ruled out)"
            },
            ids.join(", ")
        );
    }
    super::change::describe(inst, lang, &mut s);
    let _ = writeln!(
        s,
        "\n{}: {}",
        if zh {
            "已知答案测试"
        } else {
            "Known-answer tests"
        },
        inst.tests.len()
    );
    let _ = writeln!(
        s,
        "{}",
        if zh {
            "本工具用于筛查，不能作出诊断。"
        } else {
            "A screen result is not a diagnosis."
        }
    );
    s
}

fn band_line(b: &Band, lang: Lang) -> String {
    let shown = b.display(lang);
    if shown == b.label {
        b.label.clone()
    } else {
        format!("{} ({shown})", b.label)
    }
}
