use std::io::Write as _;
use std::path::Path;

use crate::exit::Exit;
use crate::instrument::{self, Lang};
use crate::messages::tr;
use crate::policy;
use crate::printable::printable;
use crate::score::Battery;

pub fn show(file: Option<&Path>, lang: Lang) -> anyhow::Result<Exit> {
    let p = policy::load(file)?;
    std::io::stdout()
        .lock()
        .write_all(printable(&policy::describe(&p, lang)).as_bytes())?;
    Ok(Exit::Success)
}

pub fn validate(file: &Path, instruments: &[String]) -> anyhow::Result<Exit> {
    // stricter than a run: both crisis texts in every language the policy uses
    let p = policy::load_strict(file)?;
    let battery = Battery::new(instrument::resolve(instruments)?);
    let bound = p.bind(&battery, &instrument::BuiltinNames::default())?;
    let ids = battery
        .instruments
        .iter()
        .map(|i| i.id.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let (file, n, skipped) = (file.display(), bound.rules.len(), bound.skipped);
    // rules on change between waves are not skipped: `change` uses them
    let change = match bound.change_rules {
        0 => String::new(),
        k => tr!(
            ", {k} on change between waves (used by `psyscreen change`)",
            "，{k} 条针对两次筛查之间的变化（由 `psyscreen change` 使用）"
        ),
    };
    println!(
        "{}",
        tr!(
            "{file}: ok ({n} rule(s) apply to {ids}{change}, {skipped} skipped: their instruments are not in the run)",
            "{file}：通过（{n} 条规则适用于 {ids}{change}，{skipped} 条跳过：其量表不在本次运行中）"
        )
    );
    Ok(Exit::Success)
}
