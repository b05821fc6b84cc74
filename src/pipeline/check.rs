//! `score --check`: which column feeds which item, before anything is
//! scored.

use std::io::Write;

use crate::io::columns::ColumnPlan;
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
