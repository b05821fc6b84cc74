//! `psyscreen template`: an empty CSV to collect answers in (`id`, then
//! every item id of the instruments), to stdout or `-o`. Glue only.

use std::io::Write as _;

use crate::cli::TemplateArgs;
use crate::exit::Exit;
use crate::instrument;
use crate::io::output::Output;
use crate::io::protect::Protected;

/// An empty CSV whose header is `id` then every item id of the instruments.
pub fn run(a: &TemplateArgs) -> anyhow::Result<Exit> {
    let set = instrument::resolve(&a.instruments)?;
    let mut header = vec!["id".to_string()];
    header.extend(
        set.iter()
            .flat_map(|i| i.items.iter().map(|it| it.id.clone())),
    );
    let mut out = Output::open(
        a.output.as_deref(),
        a.force,
        &mut Protected::default().instruments(&a.instruments),
    )?;
    writeln!(out, "{}", header.join(","))?;
    out.finish()?;
    Ok(Exit::Success)
}
