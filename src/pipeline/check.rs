//! `score --check`: which column feeds which item, before anything is
//! scored.

use std::io::Write;
use std::path::Path;

use crate::io::fields::Record;

use crate::instrument::normalize_label;
use crate::io::columns::{ColumnPlan, MapFile};
use crate::io::input::{InputSpec, Table};
use crate::io::platform::codebook::{self, Finding};
use crate::io::platform::SAMPLE;
use crate::messages::tr;
use crate::score::Battery;

use super::Input;

/// Write the plan; the number of items with no column.
pub fn report(
    out: &mut impl Write,
    input: &Input,
    battery: &Battery,
    plan: &ColumnPlan,
) -> anyhow::Result<usize> {
    let table = &input.table;
    let (name, encoding, n) = (&table.name, table.encoding, table.headers.len());
    writeln!(
        out,
        "{}",
        tr!(
            "{name} ({encoding}): {n} column(s)",
            "{name}（{encoding}）：{n} 列"
        )
    )?;

    let mut missing = 0;
    for (g, inst, item) in battery.items() {
        match plan.items[g] {
            Some((c, how)) => {
                let (id, column, header, by) = (&item.id, c + 1, &table.headers[c], how.describe());
                writeln!(
                    out,
                    "{}",
                    tr!(
                        "  {id:<12} ← column {column} \"{header}\" (by {by})",
                        "  {id:<12} ← 第 {column} 列 \"{header}\"（按{by}）"
                    )
                )?;
            }
            None => {
                missing += 1;
                let (id, inst) = (&item.id, &inst.id);
                writeln!(
                    out,
                    "{}",
                    tr!(
                        "  {id:<12} MISSING ({inst}: no column with this id or text)",
                        "  {id:<12} 缺失（{inst}：没有列的名称是这个 id 或题目原文）"
                    )
                )?;
                nearest(out, input, item)?;
            }
        }
    }
    let (all, found) = (battery.n_items(), battery.n_items() - missing);
    writeln!(
        out,
        "{}",
        tr!(
            "{found} of {all} item(s) found, {missing} missing",
            "{all} 个题目中找到 {found} 个，缺失 {missing} 个"
        )
    )?;
    Ok(missing)
}

/// Under a missing item: the column whose text is nearly the item's, if
/// any. It is not taken (only a whole text matches); `--map` takes it.
fn nearest(
    out: &mut impl Write,
    input: &Input,
    item: &crate::instrument::Item,
) -> anyhow::Result<()> {
    let table = &input.table;
    let texts = table.layout.as_ref().map_or(&[][..], |l| &l.texts[..]);
    let keys: Vec<String> = [&item.text.en, &item.text.zh]
        .into_iter()
        .flatten()
        .map(|t| crate::io::columns::question_key(t))
        .collect();
    if let Some(c) = crate::io::columns::nearest_for_item(&table.headers, texts, &keys) {
        let (n, header) = (c + 1, crate::printable::printable_line(&table.headers[c]));
        writeln!(
            out,
            "{}",
            tr!(
                "               nearly: column {n} \"{header}\" (not taken: its text differs; if it is this item, map it with --map)",
                "               相近：第 {n} 列 \"{header}\"（未采用：文字不同；若就是此题，请用 --map 指定）"
            )
        )?;
    }
    Ok(())
}

/// What `--check` says of the input itself, on stderr (stdout keeps the
/// column plan): the platform detected, its id column, and what the
/// code-book check found.
/// `incomplete`: some item has no column (the platform's hint is said).
pub fn platform(input: &Input, findings: &[Finding], incomplete: bool) {
    let table = &input.table;
    match &table.layout {
        Some(l) => {
            let (name, variant) = (l.name(), l.variant());
            eprintln!(
                "{}{}",
                crate::messages::note(),
                tr!(
                    "detected: {name} export ({variant})",
                    "识别为：{name} 导出（{variant}）"
                )
            );
            say_header_rows(input);
            if let Some(hint) = l.hint().filter(|_| incomplete) {
                eprintln!("{}{hint}", crate::messages::note());
            }
            if let Some(c) = input.default_id() {
                let id = &table.headers[c];
                eprintln!(
                    "{}{}",
                    crate::messages::note(),
                    tr!("id column: {id}", "编号列：{id}")
                );
            }
        }
        None => eprintln!(
            "{}{}",
            crate::messages::note(),
            tr!(
                "detected: plain table (no survey platform's layout; --from PLATFORM to force one)",
                "识别为：普通表格（不是已知问卷平台的导出；可用 --from PLATFORM 指定）"
            )
        ),
    }
    for f in findings {
        eprintln!(
            "{}{}{}",
            crate::messages::warning(),
            tr!("code book: ", "编码："),
            f.message
        );
    }
}

/// A platform's extra header rows are skipped, never scored: say which
/// rows, so that a plain table taken for an export loses no row unseen.
/// The note, to print on stderr; `None` when no row was skipped.
pub fn header_rows(input: &Input) -> Option<String> {
    let l = input.table.layout.as_ref().filter(|l| l.extra_rows > 0)?;
    let (name, platform) = (&input.table.name, l.name());
    let last = 1 + l.extra_rows;
    let first_answer = last + 1;
    let rows = if last == 2 {
        tr!("row 2 is a header row", "第 2 行")
    } else {
        tr!("rows 2–{last} are header rows", "第 2–{last} 行")
    };
    Some(format!(
        "{}{}",
        crate::messages::note(),
        tr!(
            "{name}: {rows} of a {platform} export, not answers (answers from row {first_answer}); `--from plain` reads every row after row 1 as answers",
            "{name}：{rows}是 {platform} 导出的表头行，不是作答（作答从第 {first_answer} 行起）；`--from plain` 会把第 1 行之后的每一行都当作作答"
        )
    ))
}

/// Say `header_rows` now.
pub fn say_header_rows(input: &Input) {
    if let Some(note) = header_rows(input) {
        eprintln!("{note}");
    }
}

/// The code-book check of a platform export (see io::platform::codebook):
/// nothing for a plain table, or with `--codes-as-is`. `labels`: the same
/// responses exported with labels (`--labels-export`), to read off what
/// each code stands for.
pub fn codes(
    input: &Input,
    plan: &ColumnPlan,
    battery: &Battery,
    (one_based, as_is): (bool, bool),
    (labels, map): (Option<&Path>, &MapFile),
) -> anyhow::Result<Vec<Finding>> {
    if as_is {
        return Ok(Vec::new());
    }
    let mut proven = Vec::new();
    let mut findings = Vec::new();
    if let Some(path) = labels {
        let (f, p) = cross_check(input, plan, battery, one_based, path)?;
        findings = f;
        proven = p;
    }
    if let Some(layout) = &input.table.layout {
        let mut layout = layout.clone();
        layout.proven = proven;
        let sample = input.table.sample();
        // labels the --map gives a value are not left unexplained
        let mapped: Vec<String> = map.values.keys().map(|k| normalize_label(k)).collect();
        findings.extend(codebook::check(
            &layout, plan, battery, sample, one_based, &mapped,
        ));
    }
    Ok(findings)
}

/// Pair the rows read ahead of the input and of the labels export, and
/// read off what each code stands for.
fn cross_check(
    input: &Input,
    plan: &ColumnPlan,
    battery: &Battery,
    one_based: bool,
    path: &Path,
) -> anyhow::Result<(Vec<Finding>, Vec<String>)> {
    let labels = Input::from_table(Table::open(&InputSpec::file(path))?);
    let labels_plan = labels.plan(battery, &MapFile::default())?;
    let (ours, theirs): (Vec<_>, Vec<_>) = (
        input.table.sample().collect(),
        labels.table.sample().collect(),
    );
    let (a, b) = (&input.table.name, &labels.table.name);
    let whole = ours.len() < SAMPLE && theirs.len() < SAMPLE;
    if whole && ours.len() != theirs.len() {
        let (n, m) = (ours.len(), theirs.len());
        anyhow::bail!(tr!(
            "{a} has {n} answer row(s) but the labels export {b} has {m}: they must hold the same responses, in the same order",
            "{a} 有 {n} 行作答，而标签导出 {b} 有 {m} 行：两者必须是同样的作答、同样的顺序"
        ));
    }
    if let (Some(i), Some(j)) = (input.default_id(), labels.default_id()) {
        let id = |r: &Record, c: usize| {
            String::from_utf8_lossy(r.get(c).unwrap_or_default())
                .trim()
                .to_string()
        };
        for ((x, row), (y, their_row)) in ours.iter().zip(&theirs) {
            let (p, q) = (id(x, i), id(y, j));
            if p != q {
                anyhow::bail!(tr!(
                    "{a} and the labels export {b} do not line up: row {row} has id {p}, its row {their_row} has id {q}; export both with the same filter and order",
                    "{a} 与标签导出 {b} 对不上：第 {row} 行编号为 {p}，其第 {their_row} 行编号为 {q}；请以同样的筛选与顺序导出两者"
                ));
            }
        }
    }
    let rows: Vec<(&Record, &Record)> = ours
        .iter()
        .zip(&theirs)
        .map(|((x, _), (y, _))| (*x, *y))
        .collect();
    Ok(codebook::cross_check(
        battery,
        (plan, &labels_plan),
        &rows,
        one_based,
    ))
}

/// Stop before scoring when the export's numbers do not fit the
/// instruments' codes: scored, they would be wrong numbers.
pub fn refuse_wrong_codes(
    input: &Input,
    plan: &ColumnPlan,
    battery: &Battery,
    choice: (bool, bool),
    labels: (Option<&Path>, &MapFile),
) -> anyhow::Result<()> {
    let findings = codes(input, plan, battery, choice, labels)?;
    if findings.is_empty() {
        return Ok(());
    }
    let name = &input.table.name;
    let list = findings
        .iter()
        .map(|f| f.message.as_str())
        .collect::<Vec<_>>()
        .join("\n  ");
    anyhow::bail!(tr!(
        "{name}: the export's codes do not match the instruments (from the first rows):\n  {list}",
        "{name}：导出的编码与量表不符（据前面的若干行）：\n  {list}"
    ))
}
