//! `psyscreen hotlines`: the crisis lines of a region (or all), from
//! hotlines.rs, to stdout. Glue only: the list and its texts are there.

use std::io::Write as _;

use crate::cli::HotlinesArgs;
use crate::exit::Exit;
use crate::hotlines;
use crate::instrument::Lang;

pub fn run(a: &HotlinesArgs) -> anyhow::Result<Exit> {
    let h = hotlines::load()?;
    let lang: Lang = a.lang.into();
    let regions: Vec<String> = a.region.iter().cloned().collect();
    let mut out = std::io::stdout().lock();
    let lines: Vec<_> = h.in_regions(&regions).collect();
    if lines.is_empty() {
        let known: std::collections::BTreeSet<&str> =
            h.lines.iter().map(|l| l.region.as_str()).collect();
        anyhow::bail!(crate::messages::tr!(
            "no hotline for region `{}`: known regions are {}",
            "没有地区 `{}` 的热线：已知地区有 {}",
            a.region.as_deref().unwrap_or(""),
            known.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    for l in lines {
        write!(out, "{:<7} {}", l.region, l.one_line(lang))?;
        if !l.languages.is_empty() {
            write!(out, " [{}]", l.languages.join(", "))?;
        }
        match lang {
            Lang::En => writeln!(out, " (verified {})", l.verified)?,
            Lang::Zh => writeln!(out, "（核实于 {}）", l.verified)?,
        }
        if let Some(n) = &l.notes {
            writeln!(out, "        {}", n.get(lang))?;
        }
    }
    let verified = &h.verified;
    match lang {
        Lang::En => writeln!(
            out,
            "\nList verified {verified}. Numbers change: check before relying on one."
        )?,
        Lang::Zh => writeln!(
            out,
            "\n名单核实于 {verified}。号码可能变更：使用前请先核对。"
        )?,
    }
    Ok(Exit::Success)
}
