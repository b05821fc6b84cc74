//! REDCap data dictionaries, pure (text in, text out): an instrument as
//! the 18-column dictionary (a radio field per item with its choices, a
//! calculated field per scale, skip logic as branching logic), and a
//! dictionary's form read back into an instrument skeleton.

use crate::messages::tr;
use anyhow::{bail, Context as _};

use crate::condition::{Cond, Op};
use crate::instrument::skeleton::{id_of, Skeleton, SkeletonItem};
use crate::instrument::{Instrument, Lang, Method};

/// REDCap's dictionary header, exactly as REDCap writes it.
pub const HEADER: [&str; 18] = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
];

const NAME: usize = 0;
const FORM: usize = 1;
const SECTION: usize = 2;
const TYPE: usize = 3;
const LABEL: usize = 4;
const CHOICES: usize = 5;
const NOTE: usize = 6;
const BRANCHING: usize = 11;
const ANNOTATION: usize = 17;
/// The Field Annotation that keeps an item's response set id.
const SET_NOTE: &str = "psyscreen response set: ";

/// The dictionary as CSV text: `record_id` first (REDCap wants the
/// project's first field to be the record id), then the items, then a
/// calculated field `{scale}_total` per scale. A field has one label, so
/// the texts are in `lang` (English where the instrument has no Chinese).
pub fn export(inst: &Instrument, lang: Lang) -> anyhow::Result<String> {
    let zh = lang == Lang::Zh;
    let say = |en: &str, cn: &str| if zh { cn.to_string() } else { en.to_string() };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    let form = &inst.id;
    let mut row = |cells: &[(usize, String)]| -> anyhow::Result<()> {
        let mut r = vec![String::new(); HEADER.len()];
        for (k, v) in cells {
            r[*k].clone_from(v);
        }
        w.write_record(&r)?;
        Ok(())
    };
    row(&[
        (NAME, "record_id".into()),
        (FORM, form.clone()),
        (TYPE, "text".into()),
        (LABEL, say("Record ID", "记录编号")),
    ])?;
    for (i, item) in inst.items.iter().enumerate() {
        let set = &inst.response_sets[item.set];
        let choices: Vec<String> = set
            .options
            .iter()
            .map(|o| format!("{}, {}", o.value, o.label.get(lang).replace('|', "/")))
            .collect();
        let mut cells = vec![
            (NAME, item.id.clone()),
            (FORM, form.clone()),
            (TYPE, "radio".into()),
            (LABEL, item.text.get(lang).to_string()),
            (CHOICES, choices.join(" | ")),
            (ANNOTATION, format!("{SET_NOTE}{}", set.id)),
        ];
        if i == 0 {
            let t = inst.instructions.get(lang);
            if !t.is_empty() {
                cells.push((SECTION, t.to_string()));
            }
        }
        if item.reverse {
            cells.push((NOTE, say("reverse-scored in the total", "总分中反向计分")));
        }
        if let Some(c) = &item.asked_if {
            cells.push((BRANCHING, branching(c)));
        }
        row(&cells)?;
    }
    for scale in &inst.scales {
        let terms: Vec<String> = scale
            .items
            .iter()
            .zip(&scale.terms)
            .map(|(&i, &(sign, base))| {
                let item = &inst.items[i];
                let id = &item.id;
                let term = if sign < 0 {
                    format!("({base}-[{id}])")
                } else {
                    format!("[{id}]")
                };
                // not asked: the value implied (if_skipped), else it adds
                // nothing; asked and blank stays blank
                match (&item.asked_if, item.if_skipped) {
                    (Some(c), Some(v)) => {
                        let v = if sign < 0 { base - v } else { v };
                        format!("if({}, {term}, {v})", branching(c))
                    }
                    (Some(c), None) => format!("if({}, {term}, 0)", branching(c)),
                    (None, _) => term,
                }
            })
            .collect();
        // `+` (not sum()) leaves the total blank when any item is blank:
        // REDCap's sum() would add up what is there, a total too low
        let mut calc = terms.join("+");
        if scale.method == Method::Mean {
            calc = format!("round(({calc})/{}, {})", scale.items.len(), scale.decimals);
        }
        if scale.multiplier != 1 {
            calc = format!("({calc})*{}", scale.multiplier);
        }
        let note = match (scale.max_missing, zh) {
            (0, false) => "blank when an item is blank".to_string(),
            (0, true) => "有题目空白时为空".to_string(),
            (n, false) => {
                format!("blank when an item is blank; psyscreen prorates up to {n} missing item(s)")
            }
            (n, true) => format!("有题目空白时为空；psyscreen 最多按比例补足 {n} 个缺失题目"),
        };
        row(&[
            (NAME, format!("{}_total", scale.id)),
            (FORM, form.clone()),
            (TYPE, "calc".into()),
            (
                LABEL,
                inst.scale_name(inst.scale_index(&scale.id).unwrap_or(0), lang),
            ),
            (CHOICES, calc),
            (NOTE, note),
        ])?;
    }
    let bytes = w.into_inner().context("writing the dictionary")?;
    Ok(String::from_utf8(bytes)?)
}

/// Whether a dictionary's questions are written in Chinese (every item's
/// label has a Chinese character: `export --redcap --lang zh` writes such
/// a dictionary, a field having one label), so that `read_as_chinese`
/// puts its texts where Chinese goes. Read from the texts, not from
/// `--lang`, which is the language of messages: an English dictionary
/// imported with `--lang zh` stays English.
pub fn is_chinese(sk: &Skeleton) -> bool {
    let han =
        |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c);
    !sk.items.is_empty() && sk.items.iter().all(|i| i.text.chars().any(han))
}

/// A skeleton whose texts are Chinese (`is_chinese`): they go to `zh`,
/// and stand in `en` until a person puts the English there (said in the
/// list of what needs a person).
pub fn read_as_chinese(sk: &mut Skeleton) {
    sk.zh.instructions.clone_from(&sk.instructions);
    for item in &mut sk.items {
        item.text_zh = Some(item.text.clone());
    }
    sk.zh.labels = sk
        .response_sets
        .iter()
        .map(|(id, options)| {
            (
                id.clone(),
                options.iter().map(|(_, l)| Some(l.clone())).collect(),
            )
        })
        .collect();
    sk.todo.push(tr!(
        "English: the dictionary's questions are in Chinese, read as the `zh` texts; each text's `en` holds the Chinese too: put the English wording there",
        "英文：该数据字典的题目是中文，已读作 `zh` 文本；各文本的 `en` 中也是中文：请换成英文措辞"
    ));
}

/// `asked_if` in REDCap's branching logic: `[k10_2] > 1`, `or`, `and`.
fn branching(c: &Cond<usize>) -> String {
    match c {
        Cond::Cmp {
            name, op, value, ..
        } => {
            let op = match op {
                Op::Ge => ">=",
                Op::Gt => ">",
                Op::Le => "<=",
                Op::Lt => "<",
                Op::Eq => "=",
            };
            format!("[{name}] {op} {value}")
        }
        Cond::Any(parts) => group(parts, " or "),
        Cond::All(parts) => group(parts, " and "),
    }
}

fn group(parts: &[Cond<usize>], joiner: &str) -> String {
    let inner: Vec<String> = parts.iter().map(branching).collect();
    format!("({})", inner.join(joiner))
}

/// The fields of `form` in a dictionary (CSV text) as a skeleton.
pub fn import(file: &str, text: &str, form: &str) -> anyhow::Result<Skeleton> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = r.headers()?.iter().map(str::to_string).collect();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(name_c), Some(form_c), Some(type_c), Some(label_c), Some(choices_c)) = (
        col(HEADER[NAME]),
        col(HEADER[FORM]),
        col(HEADER[TYPE]),
        col(HEADER[LABEL]),
        col(HEADER[CHOICES]),
    ) else {
        // name only the columns that are missing, as the header has them
        let missing: Vec<&str> = [NAME, FORM, TYPE, LABEL, CHOICES]
            .iter()
            .map(|&i| HEADER[i])
            .filter(|h| col(h).is_none())
            .collect();
        bail!(tr!(
            "{file} is not a REDCap data dictionary: its header lacks {:?}",
            "{file} 不是 REDCap 数据字典：表头缺少 {:?}",
            missing
        ));
    };
    let branch_c = col(HEADER[BRANCHING]);
    let note_c = col(HEADER[ANNOTATION]);
    let section_c = col(HEADER[SECTION]);
    let mut sk = Skeleton {
        id: id_of(form).unwrap_or_else(|| "imported".into()),
        version: "1.0".into(),
        name: form.to_string(),
        ..Skeleton::default()
    };
    sk.todo.push(tr!(
        "version and name: REDCap has none; `1.0` and the form name are placeholders",
        "版本与名称：REDCap 中没有；`1.0` 与表单名只是占位"
    ));
    let mut forms = Vec::new();
    let mut calcs = Vec::new();
    let mut first = true;
    for (n, rec) in r.records().enumerate() {
        let rec = rec.with_context(|| format!("{file}: row {}", n + 2))?;
        let get = |c: usize| rec.get(c).unwrap_or_default().trim().to_string();
        let (name, f, kind) = (get(name_c), get(form_c), get(type_c));
        if !forms.contains(&f) {
            forms.push(f.clone());
        }
        if f != form {
            continue;
        }
        if first && n == 0 && kind == "text" {
            // the project's record id, not a question
            first = false;
            continue;
        }
        first = false;
        match kind.as_str() {
            "radio" | "dropdown" => {
                let options = match choices(&get(choices_c)) {
                    Some(o) => o,
                    None => {
                        sk.todo.push(tr!("field `{name}` (row {}): its choices are not `value, label | …` with whole-number values: not read", "字段 `{name}`（第 {} 行）：选项不是带整数值的 `值, 标签 | …`：未读取", n + 2));
                        continue;
                    }
                };
                if sk.instructions.is_none() {
                    sk.instructions = section_c.map(get).filter(|s| !s.is_empty());
                }
                // the set's id as psyscreen wrote it, else set1, set2, ...
                let named = note_c
                    .map(get)
                    .and_then(|n| n.strip_prefix(SET_NOTE).and_then(id_of))
                    .filter(|n| {
                        !sk.response_sets
                            .iter()
                            .any(|(s, o)| s == n && *o != options)
                    });
                let set = match sk
                    .response_sets
                    .iter()
                    .find(|(s, o)| *o == options && named.as_ref().is_none_or(|n| n == s))
                {
                    Some((id, _)) => id.clone(),
                    None => {
                        let id =
                            named.unwrap_or_else(|| format!("set{}", sk.response_sets.len() + 1));
                        sk.response_sets.push((id.clone(), options));
                        id
                    }
                };
                let asked_if = branch_c.map(get).filter(|b| !b.is_empty()).and_then(|b| {
                    let c = read_branching(&b);
                    if c.is_none() {
                        sk.todo.push(tr!("field `{name}`: branching logic `{b}` could not be read: asked_if needs a person", "字段 `{name}`：分支逻辑 `{b}` 无法读取：asked_if 需要人工填写"));
                    }
                    c
                });
                let Some(id) = id_of(&name) else {
                    sk.todo.push(tr!(
                        "field `{name}`: not a psyscreen id: not read",
                        "字段 `{name}`：不是 psyscreen 可用的 id：未读取"
                    ));
                    continue;
                };
                sk.items.push(SkeletonItem {
                    id,
                    text: get(label_c),
                    responses: set,
                    asked_if,
                    ..SkeletonItem::default()
                });
            }
            "calc" => calcs.push((name, get(choices_c))),
            "descriptive" => {}
            other => sk.todo.push(tr!(
                "field `{name}` ({other}): not a question with fixed answers: not read",
                "字段 `{name}`（{other}）：不是固定选项的题目：未读取"
            )),
        }
    }
    for (name, calc) in calcs {
        read_calc(&mut sk, &name, &calc);
    }
    if sk.items.is_empty() && forms.is_empty() {
        bail!(tr!(
            "{file} has no fields: only its header",
            "{file} 没有字段：只有表头"
        ));
    }
    if sk.items.is_empty() {
        bail!(tr!(
            "{file} has no radio or dropdown field in form `{form}`; its forms are: {}",
            "{file} 的表单 `{form}` 中没有 radio 或 dropdown 字段；它的表单有：{}",
            forms.join(", ")
        ));
    }
    if sk.scales.is_empty() {
        let all: Vec<String> = sk.items.iter().map(|i| i.id.clone()).collect();
        sk.scales.push((sk.id.clone(), all));
        sk.todo.push(tr!(
            "scales: the form has no calculated field; `{}` sums every item as a start",
            "分量表：该表单没有计算字段；`{}` 暂以全部题目求和",
            sk.id
        ));
    }
    sk.todo.push(tr!("citation, licence, bands, the missing-data rule, critical items and known-answer tests: from the published source", "出处、许可、分级、缺失数据规则、危机题目与已知答案测试：请依据正式发表的来源填写"));
    Ok(sk)
}

/// A calculated field as a scale: a sum of terms `[x]`, `(N-[x])` (x
/// reversed when N is its set's min + max) and `if(COND, TERM, V)` (x
/// implies V when not asked). Anything else: the fields only, and a note.
fn read_calc(sk: &mut Skeleton, name: &str, calc: &str) {
    let id = name.strip_suffix("_total").unwrap_or(name).to_string();
    let Some(scale_id) = id_of(&id) else {
        sk.todo.push(tr!(
            "calculated field `{name}`: not a psyscreen id: not read",
            "计算字段 `{name}`：不是 psyscreen 可用的 id：未读取"
        ));
        return;
    };
    let mut plain = true;
    for term in split_top(calc, '+') {
        let term = term.trim();
        let (inner, implied) = match term.strip_prefix("if(").and_then(|t| t.strip_suffix(')')) {
            Some(args) => {
                let parts = split_top(args, ',');
                match (
                    parts.get(1),
                    parts.get(2).and_then(|v| v.trim().parse::<i32>().ok()),
                ) {
                    (Some(t), Some(v)) if parts.len() == 3 => (t.trim().to_string(), Some(v)),
                    _ => (String::new(), None),
                }
            }
            None => (term.to_string(), None),
        };
        let (field, base) = match inner.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            Some(r) => match r.split_once('-') {
                Some((n, f)) => (f.trim().to_string(), n.trim().parse::<i32>().ok()),
                None => (String::new(), None),
            },
            None => (inner.clone(), None),
        };
        let field = field
            .strip_prefix('[')
            .and_then(|f| f.strip_suffix(']'))
            .and_then(id_of);
        let item = field.and_then(|f| sk.items.iter().position(|i| i.id == f));
        let Some(k) = item else {
            plain = false;
            continue;
        };
        let (min, max) = sk
            .response_sets
            .iter()
            .find(|(s, _)| *s == sk.items[k].responses)
            .map_or((0, 0), |(_, o)| {
                let vals = o.iter().map(|(v, _)| *v);
                (vals.clone().min().unwrap_or(0), vals.max().unwrap_or(0))
            });
        match base {
            Some(b) if b == min + max => sk.items[k].reverse = true,
            Some(_) => plain = false,
            None if inner.starts_with('(') => plain = false,
            None => {}
        }
        if let Some(v) = implied {
            // written reversed for a reversed item: back to the answer's value
            sk.items[k].if_skipped = Some(if sk.items[k].reverse {
                min + max - v
            } else {
                v
            });
        }
    }
    sk.todo.push(if plain {
        tr!("scale `{scale_id}` read from `{name}` (a sum): check the missing-data rule", "分量表 `{scale_id}` 读自 `{name}`（求和）：请核对缺失数据规则")
    } else {
        tr!("scale `{scale_id}` from `{name}` = `{calc}`: only its fields were read (method sum); means, multipliers and other terms need a person", "分量表 `{scale_id}` 来自 `{name}` = `{calc}`：只读取了其中的字段（按求和）；均值、乘数等其他计算需要人工填写")
    });
    sk.scales.push((scale_id, fields_in(calc)));
}

/// `s` split at `sep` outside parentheses.
fn split_top(s: &str, sep: char) -> Vec<String> {
    let (mut out, mut cur, mut depth) = (Vec::new(), String::new(), 0_i32);
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if c == sep && depth == 0 {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

/// `0, Not at all | 1, Several days`: whole-number values only.
fn choices(s: &str) -> Option<Vec<(i32, String)>> {
    s.split('|')
        .map(|c| {
            let (v, l) = c.split_once(',')?;
            Some((v.trim().parse().ok()?, l.trim().to_string()))
        })
        .collect::<Option<Vec<_>>>()
        .filter(|v| !v.is_empty())
}

/// The `[field]` names of a calculation, in order, each once.
fn fields_in(calc: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in calc.split('[').skip(1) {
        if let Some((name, _)) = part.split_once(']') {
            if let Some(id) = id_of(name) {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
    }
    out
}

/// Branching logic of comparisons joined only by `or` or only by `and`
/// (`[a] = '1' or [b] > 2`), as `asked_if` YAML flow text.
fn read_branching(b: &str) -> Option<String> {
    let b = b.trim();
    let inner = b
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .filter(|s| !s.contains('(') && !s.contains(')'))
        .unwrap_or(b);
    let (joiner, parts): (&str, Vec<&str>) = if inner.contains(" or ") && !inner.contains(" and ") {
        ("any", inner.split(" or ").collect())
    } else if inner.contains(" and ") && !inner.contains(" or ") {
        ("all", inner.split(" and ").collect())
    } else {
        ("", vec![inner])
    };
    let comparisons: Option<Vec<String>> = parts
        .iter()
        .map(|p| {
            let p = p.trim();
            let (field, rest) = p.strip_prefix('[')?.split_once(']')?;
            let rest = rest.trim();
            let op = [">=", "<=", "<>", "!=", ">", "<", "="]
                .into_iter()
                .find(|o| rest.starts_with(o))?;
            let value: i64 = rest[op.len()..]
                .trim()
                .trim_matches(['\'', '"'])
                .parse()
                .ok()?;
            let op = match op {
                "=" => "==",
                "<>" | "!=" => return None,
                o => o,
            };
            Some(format!("\"{} {op} {value}\"", id_of(field)?))
        })
        .collect();
    let c = comparisons?;
    Some(if joiner.is_empty() {
        c.into_iter().next()?
    } else {
        format!("{{{joiner}: [{}]}}", c.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branching_logic_both_ways() {
        assert_eq!(
            read_branching("[k10_2] > 1").as_deref(),
            Some("\"k10_2 > 1\"")
        );
        assert_eq!(
            read_branching("([asq_1] = 1 or [asq_2] = '1')").as_deref(),
            Some("{any: [\"asq_1 == 1\", \"asq_2 == 1\"]}")
        );
        assert_eq!(read_branching("[a] <> 1"), None);
        assert_eq!(read_branching("([a] = 1 or [b] = 1) and [c] = 1"), None);
        assert_eq!(choices("0, Not at all | 1, Several days").unwrap().len(), 2);
        assert_eq!(choices("a, b"), None);
        assert_eq!(fields_in("(4-[x_1])+[x_2]+[x_1]"), ["x_1", "x_2"]);
    }
}
