use std::io::Write as _;
use std::path::Path;

use crate::exit::Exit;
use crate::instrument::{self, Lang};
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
    println!(
        "{}: ok ({} rule(s) apply to {}, {} skipped: their instruments are not in the run)",
        file.display(),
        bound.rules.len(),
        battery
            .instruments
            .iter()
            .map(|i| i.id.as_str())
            .collect::<Vec<_>>()
            .join(","),
        bound.skipped
    );
    Ok(Exit::Success)
}
