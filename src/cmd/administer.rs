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
        let reads =
            Protected::default()
                .data(None)
                .definitions(&a.instruments, a.policy.as_deref(), None);
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
        // the real width: a narrow terminal gets the list, not lines it wraps
        let cols = crossterm::terminal::size().map_or(80, |(c, _)| c.max(20));
        (ending?, cols)
    } else {
        let stdin = std::io::stdin().lock();
        let stdout = std::io::stdout().lock();
        let mut ui = Plain::new(&battery, lang, stdin, stdout).resumable(resumable);
        (administer::drive(&setup, start, &mut ui, &mut notes)?, 80)
    };
    for n in &notes {
        // notes quote journal lines, which may have been edited by hand
        let n = crate::printable::printable_line(n);
        match lang {
            Lang::En => eprintln!("note: {n}"),
            Lang::Zh => eprintln!("注意：{n}"),
        }
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
            let id = crate::diag::sanitize(&id);
            match (&a.append, lang) {
                (Some(p), Lang::En) => eprintln!("saved {id} to {} ({timestamp})", p.display()),
                (Some(p), Lang::Zh) => {
                    eprintln!("已将 {id} 的作答保存到 {}（{timestamp}）", p.display());
                }
                (None, Lang::En) => {
                    eprintln!("note: not saved anywhere (use --append FILE to keep a row)");
                }
                (None, Lang::Zh) => {
                    eprintln!("注意：未保存到任何地方（如需保留一行，请使用 --append FILE）");
                }
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
            eprintln!(
                "{}",
                stopped_message(lang, why, given, &journal, kept, resumable)
            );
            Ok(Exit::Error)
        }
    }
}

/// How a session that stopped before the end left its answers.
fn stopped_message(
    lang: Lang,
    why: Option<Stop>,
    given: usize,
    journal: &std::path::Path,
    kept: bool,
    resumable: bool,
) -> String {
    let how = match (why, lang) {
        (None, Lang::En) => "quit",
        (Some(Stop::Interrupted), Lang::En) => "interrupted",
        (Some(Stop::EndOfInput), Lang::En) => "end of input",
        (None, Lang::Zh) => "退出",
        (Some(Stop::Interrupted), Lang::Zh) => "中断",
        (Some(Stop::EndOfInput), Lang::Zh) => "输入结束",
    };
    let journal = journal.display();
    match (lang, kept, resumable, given > 0) {
        (Lang::En, true, true, _) => format!("stopped ({how}) before the end: {given} answer(s) kept in {journal}; run the same command again to resume"),
        (Lang::En, true, false, _) => format!("stopped ({how}) before the end: {given} answer(s) kept in {journal}; without --respondent it is not offered to the next person at this terminal, so it cannot be resumed: give --respondent to be able to resume"),
        (Lang::En, false, _, true) => format!("stopped ({how}): the {given} answer(s) given were deleted"),
        (Lang::En, false, _, false) => format!("stopped ({how}): nothing was answered"),
        (Lang::Zh, true, true, _) => format!("已停止（{how}），尚未完成：已作答的 {given} 题保存在 {journal}；再次运行同一命令即可继续"),
        (Lang::Zh, true, false, _) => format!("已停止（{how}），尚未完成：已作答的 {given} 题保存在 {journal}；未指定 --respondent，不会提供给这台终端的下一位作答者，因此无法继续：如需继续作答，请指定 --respondent"),
        (Lang::Zh, false, _, true) => format!("已停止（{how}）：已作答的 {given} 题已删除"),
        (Lang::Zh, false, _, false) => format!("已停止（{how}）：尚未作答"),
    }
}

/// An id goes into a CSV cell and a file name: printable, one line.
fn check_respondent(r: &str) -> anyhow::Result<()> {
    if r.trim().is_empty() || r.chars().any(char::is_control) || r.chars().count() > 64 {
        bail!(crate::messages::tr!(
            "--respondent must be 1 to 64 printable characters on one line",
            "--respondent 必须是一行内 1 到 64 个可打印字符"
        ));
    }
    Ok(())
}
