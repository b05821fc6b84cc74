//! `score --check`: which column feeds which item, before anything is
//! scored.

use std::io::Write;

use crate::io::columns::ColumnPlan;
use crate::io::platform::codebook::{self, Finding};
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
    writeln!(
        out,
        "{} ({}): {} column(s)",
        table.name,
        table.encoding,
        table.headers.len()
    )?;

    let mut missing = 0;
    for (g, inst, item) in battery.items() {
        match plan.items[g] {
            Some((c, how)) => writeln!(
                out,
                "  {:<12} ← column {} \"{}\" (by {})",
                item.id,
                c + 1,
                table.headers[c],
                how.describe()
            )?,
            None => {
                missing += 1;
                writeln!(
                    out,
                    "  {:<12} MISSING ({}: no column with this id or text)",
                    item.id, inst.id
                )?;
            }
        }
    }
    writeln!(
        out,
        "{} of {} item(s) found, {missing} missing",
        battery.n_items() - missing,
        battery.n_items()
    )?;
    Ok(missing)
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

/// The code-book check of a platform export (see io::platform::codebook):
/// nothing for a plain table, or with `--codes-as-is`.
pub fn codes(
    input: &Input,
    plan: &ColumnPlan,
    battery: &Battery,
    (one_based, as_is): (bool, bool),
) -> Vec<Finding> {
    match &input.table.layout {
        Some(layout) if !as_is => {
            codebook::check(layout, plan, battery, input.table.sample(), one_based)
        }
        _ => Vec::new(),
    }
}

/// Stop before scoring when the export's numbers do not fit the
/// instruments' codes: scored, they would be wrong numbers.
pub fn refuse_wrong_codes(
    input: &Input,
    plan: &ColumnPlan,
    battery: &Battery,
    choice: (bool, bool),
) -> anyhow::Result<()> {
    let findings = codes(input, plan, battery, choice);
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
