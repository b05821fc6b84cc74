//! `score --check`: which column feeds which item, before anything is
//! scored.

use std::io::Write;

use crate::io::columns::ColumnPlan;
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
