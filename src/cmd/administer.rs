//! `psyscreen administer`: resolve instruments, policy and files, pick the
//! front-end (raw terminal, or plain lines when stdin or stdout is not a
//! terminal, TERM=dumb, or --plain), run the session, save, show results.
//! Glue only: the session is in administer/.

use std::io::{IsTerminal as _, Write as _};

use anyhow::bail;

use crate::administer::{self, append, journal, plain::Plain, text, tty::Tty, Ending, Setup, Stop};
use crate::cli::AdministerArgs;
use crate::exit::Exit;
use crate::instrument::{self, Lang};
use crate::io::protect::Protected;
use crate::score::Battery;
use crate::{hotlines, policy};

pub fn run(a: &AdministerArgs) -> anyhow::Result<Exit> {
    let lang: Lang = a.lang.into();
    let battery = Battery::new(instrument::resolve(&a.instruments)?);
    let policy = policy::load(a.policy.as_deref())?;
    let bound = policy.bind(&battery, &instrument::builtin_names())?;
    let hotlines = hotlines::load()?;
    if let Some(r) = &a.respondent {
        check_respondent(r)?;
    }
    // refuse a file that would not keep the rows, or whose rows would not
    // line up, before anyone answers
    if let Some(p) = &a.append {
        let reads = Protected::default()
            .data(None)
            .instruments(&a.instruments)
            .file("the --policy file", a.policy.as_deref());
        append::check_target(p, &battery, &reads)?;
    }
    let ids: Vec<&str> = battery.instruments.iter().map(|i| i.id.as_str()).collect();
    let xdg = std::env::var("XDG_DATA_HOME").ok();
    let home = std::env::var("HOME").ok();
    let data_dir = journal::data_dir(xdg.as_deref(), home.as_deref());
    // tells a respondent-less session's own journal apart from any other
    let session = format!(
        "{}-{}",
        administer::now_utc().replace(['-', ':'], ""),
        std::process::id()
    );
    let earlier = match (&a.append, &a.respondent) {
        (Some(csv), Some(r)) => journal::earlier_path(csv, r),
        _ => None,
    };
    let journal_path = match earlier {
        Some(p) => p,
        None => journal::path_for(
            a.append.as_deref(),
            a.respondent.as_deref(),
            &ids,
            data_dir.as_deref(),
            &session,
        )?,
    };
    let resumable = a.respondent.is_some();
    let setup = Setup {
        battery: &battery,
        policy: &policy,
        bound: &bound,
        crisis: text::crisis(&policy, &hotlines, lang),
        journal: journal_path,
        respondent: a.respondent.clone(),
        append: a.append.clone(),
        lang,
    };
    let mut notes = Vec::new();
    let start = administer::prepare(&setup, &mut notes)?;
    if a.append.is_none() {
        // said before the first question: the counselor can still start
        // again with --append before anyone answers
        eprintln!("{}", text::not_saved_note(lang));
    }

    let term = std::env::var("TERM").unwrap_or_default();
    let use_tty = !a.plain
        && term != "dumb"
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal();
    let (ending, cols) = if use_tty {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let colour = !no_color && !term.contains("mono") && !term.ends_with("-m");
        let shown_id = a.respondent.as_deref().unwrap_or("—");
        let mut ui = Tty::start(lang, colour, shown_id)?;
        ui.set_resumable(resumable);
        ui.set_saving(a.append.is_some());
        let ending = administer::drive(&setup, start, &mut ui, &mut notes);
        ui.close();
        let cols = crossterm::terminal::size().map_or(80, |(c, _)| c.max(40));
        (ending?, cols)
    } else {
        let stdin = std::io::stdin().lock();
        let stdout = std::io::stdout().lock();
        let mut ui = Plain::new(&battery, lang, stdin, stdout).resumable(resumable);
        (administer::drive(&setup, start, &mut ui, &mut notes)?, 80)
    };
    for n in &notes {
        // notes quote journal lines, which may have been edited by hand
        eprintln!("note: {}", crate::printable::printable_line(n));
    }

    match ending {
        Ending::Completed {
            session,
            journal,
            id,
        } => {
            let timestamp = administer::now_utc();
            let summary = administer::summarize(&session, &bound, &id, lang);
            // saved before shown: a crash while reading loses nothing
            let saved = administer::save(&setup, &session, journal, &summary, &timestamp);
            let mut out = std::io::stdout().lock();
            // the crisis lines first, the result last: on an 80×24 screen
            // totals, bands, level and reasons stay together on the last
            // screen, the crisis lines just above in the scrollback
            if summary.level == policy.top() && policy.top() > policy::Level(0) {
                write!(out, "\n{}", text::crisis_block(&setup.crisis, cols.into()))?;
            }
            write!(
                out,
                "\n{}",
                text::result(&battery, &policy, &summary, lang, cols)
            )?;
            out.flush()?;
            saved?;
            match &a.append {
                Some(p) => eprintln!(
                    "saved {} to {} ({timestamp})",
                    crate::diag::sanitize(&id),
                    p.display()
                ),
                None => eprintln!("note: not saved anywhere (use --append FILE to keep a row)"),
            }
            Ok(Exit::Success)
        }
        Ending::Stopped {
            why,
            given,
            journal,
            kept,
            crisis,
        } => {
            if crisis {
                eprint!("\n{}\n", text::crisis_block(&setup.crisis, cols.into()));
            }
            let how = match why {
                None => "quit",
                Some(Stop::Interrupted) => "interrupted",
                Some(Stop::EndOfInput) => "end of input",
            };
            if kept && resumable {
                eprintln!(
                    "stopped ({how}) before the end: {given} answer(s) kept in {}; run the same command again to resume",
                    journal.display()
                );
            } else if kept {
                eprintln!(
                    "stopped ({how}) before the end: {given} answer(s) kept in {}; without --respondent it is not offered to the next person at this terminal, so it cannot be resumed: give --respondent to be able to resume",
                    journal.display()
                );
            } else if given > 0 {
                eprintln!("stopped ({how}): the {given} answer(s) given were deleted");
            } else {
                eprintln!("stopped ({how}): nothing was answered");
            }
            Ok(Exit::Error)
        }
    }
}

/// An id goes into a CSV cell and a file name: printable, one line.
fn check_respondent(r: &str) -> anyhow::Result<()> {
    if r.trim().is_empty() || r.chars().any(char::is_control) || r.chars().count() > 64 {
        bail!("--respondent must be 1 to 64 printable characters on one line");
    }
    Ok(())
}
