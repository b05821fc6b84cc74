use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use crate::cli::Format;
use crate::diag::Reported;
use crate::exit::Exit;
use crate::instrument::{self, Instrument, Lang};
use crate::io::write::{Columns, Dest, Kind, Sink};
use crate::printable::printable;
use crate::score::known;

fn all_builtins() -> anyhow::Result<Vec<Instrument>> {
    instrument::builtin_ids()
        .into_iter()
        .map(|id| instrument::builtin(id).expect("listed built-in exists"))
        .collect()
}

/// The built-ins, one row each. A table on a terminal is short (id, name,
/// items: the licences are long and wrap every row; `instruments show`
/// gives them); CSV and JSON, or a table into a pipe, have every column.
pub fn list(format: Option<Format>) -> anyhow::Result<Exit> {
    let format = super::default_format(format, false);
    let stdout = std::io::stdout();
    let dest = Dest::terminal_if(stdout.is_terminal());
    let short = format == Format::Table && dest == Dest::Terminal;
    let all = [
        ("id", Kind::Label),
        ("name", Kind::Text),
        ("items", Kind::Number),
        ("scales", Kind::Text),
        ("version", Kind::Label),
        ("license", Kind::Text),
    ];
    let shown = if short { &all[..3] } else { &all[..] };
    let mut cols = Columns::new();
    for &(n, k) in shown {
        cols.push(n, k);
    }
    let mut sink = Sink::new(format, stdout.lock(), cols, dest)?;
    for inst in all_builtins()? {
        let scales: Vec<&str> = inst.scales.iter().map(|s| s.id.as_str()).collect();
        let mut fields = vec![
            inst.id.clone(),
            inst.name.get(Lang::En).to_string(),
            inst.items.len().to_string(),
            scales.join(" "),
            inst.version.clone(),
            inst.license.clone(),
        ];
        fields.truncate(shown.len());
        sink.row(&csv::ByteRecord::from(fields))?;
    }
    sink.finish()?.flush()?;
    if short {
        eprintln!("licences, sources and scoring: psyscreen instruments show ID; every column: --format csv");
    }
    Ok(Exit::Success)
}

pub fn show(spec: &str, lang: Lang) -> anyhow::Result<Exit> {
    let inst = instrument::resolve_one(spec)?;
    let mut out = std::io::stdout().lock();
    out.write_all(printable(&instrument::describe(&inst, lang)).as_bytes())?;
    Ok(Exit::Success)
}

/// Check every file, report all problems, exit 2 if any file has one.
pub fn validate(files: &[PathBuf]) -> Exit {
    let mut bad = 0;
    for f in files {
        match instrument::load_file(f) {
            Ok(inst) => println!(
                "{}: ok ({}: {} items, {} scale(s), {} known-answer test(s) passed)",
                f.display(),
                inst.id,
                inst.items.len(),
                inst.scales.len(),
                inst.tests.len()
            ),
            Err(e) => {
                bad += 1;
                report(&e);
            }
        }
    }
    if bad > 0 {
        eprintln!("{bad} of {} file(s) have errors", files.len());
        Exit::Error
    } else {
        Exit::Success
    }
}

fn report(e: &anyhow::Error) {
    match e.downcast_ref::<Reported>() {
        Some(r) => eprintln!("{}", r.0.trim_end()),
        None => eprintln!("error: {e:#}"),
    }
}

/// Run known-answer tests of the given instruments (all built-ins if none).
pub fn test(specs: &[String]) -> anyhow::Result<Exit> {
    let specs: Vec<String> = if specs.is_empty() {
        instrument::builtin_ids()
            .into_iter()
            .map(String::from)
            .collect()
    } else {
        specs.to_vec()
    };
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, 0usize);
    let mut out = std::io::stdout().lock();
    for spec in &specs {
        let inst = match instrument::resolve_one_with(spec, false) {
            Ok(i) => i,
            Err(e) => {
                report(&e);
                broken += 1;
                continue;
            }
        };
        let (n, failures) = known::run(&inst);
        passed += n - failures.len();
        failed += failures.len();
        writeln!(
            out,
            "{}: {} passed, {} failed",
            inst.id,
            n - failures.len(),
            failures.len()
        )?;
        for f in &failures {
            writeln!(out, "  FAILED {} ({}): {}", f.test, f.path, f.message)?;
        }
    }
    writeln!(out, "{passed} passed, {failed} failed")?;
    if broken > 0 {
        eprintln!("{broken} instrument(s) could not be loaded");
    }
    Ok(if failed > 0 || broken > 0 {
        Exit::Error
    } else {
        Exit::Success
    })
}
