//! `psyscreen administer`: give questionnaires to one person, one item at a
//! time, in a terminal or line by line.
//!
//! - [`session`]: the pure state machine (answers, back, skip, skip logic,
//!   when the crisis message is due), unit-tested without a terminal;
//! - [`journal`]: every answer written durably as it is given; resume;
//! - [`append`]: the completed row appended to the CSV `score` reads;
//! - [`plain`] and [`tty`]: the two front-ends, behind [`Frontend`];
//! - [`text`]: messages in English and Chinese, wrapping, result tables.
//!
//! [`prepare`] looks for an unfinished session, [`drive`] runs the dialogue
//! through a front-end, [`save`] appends the row and drops the journal.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use csv::ByteRecord;

pub mod append;
pub mod journal;
pub mod plain;
pub mod session;
pub mod text;
pub mod tty;

pub use session::{Session, Slot};

use crate::instrument::Lang;
use crate::policy::{Bound, Level, Outcome, Policy};
use crate::score::{Answer, Battery, Ref, ScaleResult};
use journal::{Earlier, Header, Journal, Loaded};
use text::Crisis;

/// What the person chose at a question or at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Answer(i32),
    Skip,
    Back,
    /// At the end: save and show the results.
    Finish,
    /// `q`: keep the answers in the journal to resume later, or delete them.
    Quit {
        keep: bool,
    },
    Stop(Stop),
}

/// Why a session ended without finishing; the journal is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ctrl-C, or a signal (SIGINT, SIGTERM, SIGHUP).
    Interrupted,
    /// End of input in plain mode.
    EndOfInput,
}

/// An unfinished session found in a journal.
#[derive(Debug, Clone)]
pub struct ResumeInfo {
    pub id: String,
    pub instruments: Vec<String>,
    pub started: String,
    /// Items answered or skipped.
    pub given: usize,
}

/// A front-end: asks, and reports what the person chose.
pub trait Frontend {
    /// Resume the unfinished session? `Err` = stopped before deciding.
    fn offer_resume(&mut self, info: &ResumeInfo) -> anyhow::Result<Result<bool, Stop>>;
    /// Ask the current item `g`.
    fn ask(&mut self, s: &Session<'_>, g: usize) -> anyhow::Result<Action>;
    /// Every asked item has been visited: finish, go back or quit.
    fn review(&mut self, s: &Session<'_>) -> anyhow::Result<Action>;
    /// Show the crisis message until it is acknowledged (`None`).
    fn crisis(&mut self, c: &Crisis) -> anyhow::Result<Option<Stop>>;
}

/// Everything a run needs, resolved by the command.
pub struct Setup<'a> {
    pub battery: &'a Battery,
    pub policy: &'a Policy,
    pub bound: &'a Bound,
    pub crisis: Crisis,
    pub journal: PathBuf,
    pub respondent: Option<String>,
    pub append: Option<PathBuf>,
    pub lang: Lang,
}

impl Setup<'_> {
    fn instrument_ids(&self) -> Vec<String> {
        self.battery
            .instruments
            .iter()
            .map(|i| i.id.clone())
            .collect()
    }
}

/// How a run starts. Either way the journal is open and locked.
#[derive(Debug)]
pub enum Start {
    Fresh {
        journal: Journal,
        id: String,
        /// Earlier sessions set aside in which a top-level rule fired,
        /// carried in the journal.
        earlier: Vec<Earlier>,
    },
    /// An unfinished session of the same respondent and instruments.
    Offer(Box<Offer>),
}

#[derive(Debug)]
pub struct Offer {
    pub loaded: Loaded,
    /// Every answer in the journal, in the order given (global item).
    pub history: Vec<(usize, Slot)>,
    pub info: ResumeInfo,
    pub journal: Journal,
}

/// How a run ended.
#[allow(clippy::large_enum_variant)] // one per run
pub enum Ending<'a> {
    Completed {
        session: Session<'a>,
        journal: Journal,
        id: String,
    },
    Stopped {
        /// `None` = the person quit with `q`.
        why: Option<Stop>,
        given: usize,
        journal: PathBuf,
        kept: bool,
        /// The answers given reach the top level (or did during the
        /// session): the crisis lines are shown again on the way out.
        crisis: bool,
    },
}

/// The header of a new session's journal.
fn new_header(setup: &Setup<'_>) -> Header {
    let started = now_utc();
    let id = setup
        .respondent
        .clone()
        .unwrap_or_else(|| format!("anon-{}", compact(&started)));
    Header {
        respondent: setup.respondent.clone().unwrap_or_default(),
        id,
        instruments: setup.instrument_ids(),
        started,
    }
}

/// Open and lock the journal; look for an unfinished session in it. A
/// journal held by another running session, or of another respondent or
/// other instruments, is refused: it is never overwritten. Without a
/// respondent the journal is new and this session's alone: nobody else's
/// answers are ever offered.
pub fn prepare(setup: &Setup<'_>, notes: &mut Vec<String>) -> anyhow::Result<Start> {
    let path = &setup.journal;
    if setup.respondent.is_none() {
        let header = new_header(setup);
        let journal = Journal::create(path, &header)?;
        return Ok(Start::Fresh {
            journal,
            id: header.id,
            earlier: Vec::new(),
        });
    }
    let (mut journal, loaded) = Journal::open_locked(path)?;
    let fresh = |mut journal: Journal, earlier: Vec<Earlier>| -> anyhow::Result<Start> {
        let header = new_header(setup);
        journal.restart(&header, &earlier)?;
        Ok(Start::Fresh {
            journal,
            id: header.id,
            earlier,
        })
    };
    let Some(loaded) = loaded else {
        return fresh(journal, Vec::new());
    };
    let want = setup.respondent.clone().unwrap_or_default();
    let ids = setup.instrument_ids();
    if loaded.header.respondent != want || loaded.header.instruments != ids {
        bail!(crate::messages::tr!(
            "{} holds unfinished answers of another session ({}): run that command to resume it, or move the file away to start this one",
            "{} 中有另一次会话未完成的作答（{}）：运行那条命令继续它，或把文件移走再开始这一次",
            path.display(),
            loaded.header.describe()
        ));
    }
    if !loaded.bad_lines.is_empty() {
        let lines = loaded
            .bad_lines
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        notes.push(match setup.lang {
            Lang::En => format!("{}: unreadable line(s) {lines} ignored", path.display()),
            Lang::Zh => format!("{}：无法读取的行 {lines}，已忽略", path.display()),
        });
    }
    if let (Some(end), Some(csv)) = (&loaded.end, &setup.append) {
        if append::has_row(csv, &loaded.header.id, end) {
            // saved just before the process died: only the clean-up was lost
            let (id, csv) = (&loaded.header.id, csv.display());
            notes.push(match setup.lang {
                Lang::En => format!(
                    "the session of {id} was already saved to {csv} at {end}; its journal is cleared"
                ),
                Lang::Zh => format!("{id} 的作答已于 {end} 保存到 {csv}；其记录文件已清空"),
            });
            // the saved row carries what the earlier sessions left
            return fresh(journal, Vec::new());
        }
    }
    let history = history_from(setup.battery, &loaded.answers, setup.lang, notes);
    let mut last = vec![Slot::Pending; setup.battery.n_items()];
    for &(g, slot) in &history {
        last[g] = slot;
    }
    let given = last.iter().filter(|s| **s != Slot::Pending).count();
    if given == 0 {
        // nothing to resume, but what earlier sessions left stays
        let earlier = loaded.earlier;
        return fresh(journal, earlier);
    }
    journal.claim(&now_utc())?;
    let info = ResumeInfo {
        id: loaded.header.id.clone(),
        instruments: loaded.header.instruments.clone(),
        started: loaded.header.started.clone(),
        given,
    };
    Ok(Start::Offer(Box::new(Offer {
        loaded,
        history,
        info,
        journal,
    })))
}

/// The journal's answers in the order given; values that are not options
/// are dropped.
fn history_from(
    battery: &Battery,
    answers: &[(String, Option<i32>)],
    lang: Lang,
    notes: &mut Vec<String>,
) -> Vec<(usize, Slot)> {
    let mut history = Vec::with_capacity(answers.len());
    for (item, value) in answers {
        let Some(Ref::Item(g)) = battery.lookup(item) else {
            notes.push(match lang {
                Lang::En => format!("journal: `{item}` is no item of these instruments; ignored"),
                Lang::Zh => format!("记录文件：`{item}` 不是这些量表的题目，已忽略"),
            });
            continue;
        };
        match value {
            None => history.push((g, Slot::Skipped)),
            Some(v) if set_contains(battery, g, *v) => history.push((g, Slot::Value(*v))),
            Some(v) => notes.push(match lang {
                Lang::En => format!("journal: {item}={v} is not an option; ignored"),
                Lang::Zh => format!("记录文件：{item}={v} 不是有效选项，已忽略"),
            }),
        }
    }
    history
}

/// The top-level rules that fired in `earlier` sessions, by the policy in
/// force now: each session's answers replayed in the order given.
fn fired_earlier(setup: &Setup<'_>, earlier: &[Earlier]) -> Vec<session::FiredEarlier> {
    let levels = setup.policy.levels.len();
    let mut fired = Vec::new();
    for e in earlier {
        // what the journal held was noted when that session was resumed
        let history = history_from(setup.battery, &e.answers, setup.lang, &mut Vec::new());
        let replayed = Session::replay(setup.battery, setup.bound, levels, &history);
        for (rule, answers) in replayed.fired_top() {
            fired.push(session::FiredEarlier {
                rule,
                answers,
                id: e.id.clone(),
                started: e.started.clone(),
            });
        }
    }
    fired
}

fn set_contains(battery: &Battery, g: usize, v: i32) -> bool {
    battery
        .items()
        .nth(g)
        .is_some_and(|(_, inst, item)| inst.response_sets[item.set].contains(v))
}

/// Run the dialogue until it is completed or stopped. Every answer is in
/// the journal before the session moves on.
pub fn drive<'a>(
    setup: &Setup<'a>,
    start: Start,
    ui: &mut dyn Frontend,
    notes: &mut Vec<String>,
) -> anyhow::Result<Ending<'a>> {
    let levels = setup.policy.levels.len();
    let (mut session, mut journal, id, earlier) = match start {
        Start::Fresh {
            journal,
            id,
            earlier,
        } => (
            Session::new(setup.battery, setup.bound, levels),
            journal,
            id,
            earlier,
        ),
        Start::Offer(offer) => {
            let Offer {
                loaded,
                history,
                info,
                mut journal,
            } = *offer;
            let mut replayed = Session::replay(setup.battery, setup.bound, levels, &history);
            // a top-level rule that fired in the session not resumed outlives it
            let mut earlier = loaded.earlier.clone();
            if !replayed.fired_top().is_empty() {
                earlier.push(Earlier {
                    started: loaded.header.started.clone(),
                    id: loaded.header.id.clone(),
                    answers: loaded.answers.clone(),
                });
            }
            replayed.carry(fired_earlier(setup, &loaded.earlier));
            match ui.offer_resume(&info)? {
                Ok(true) => (replayed, journal, loaded.header.id, loaded.earlier),
                Ok(false) => {
                    let aside = set_aside(&journal)?;
                    let aside = aside.display();
                    notes.push(match setup.lang {
                        Lang::En => format!(
                            "the unfinished answers were not resumed; they are kept in {aside}"
                        ),
                        Lang::Zh => format!("未完成的作答没有继续，已另存于 {aside}"),
                    });
                    let header = new_header(setup);
                    journal.restart(&header, &earlier)?;
                    (
                        Session::new(setup.battery, setup.bound, levels),
                        journal,
                        header.id,
                        earlier,
                    )
                }
                Err(stop) => {
                    return Ok(Ending::Stopped {
                        why: Some(stop),
                        given: info.given,
                        journal: setup.journal.clone(),
                        kept: true,
                        crisis: replayed.at_crisis_level(),
                    });
                }
            }
        }
    };
    session.carry(fired_earlier(setup, &earlier));
    let stop_here = |session, journal, why, keep, notes: &mut Vec<String>| {
        stopped(setup, session, journal, why, keep, &earlier, notes)
    };
    loop {
        if session.crisis_due() {
            match ui.crisis(&setup.crisis)? {
                None => session.acknowledge_crisis(),
                Some(stop) => return stop_here(session, journal, Some(stop), true, notes),
            }
            continue;
        }
        let action = match session.current() {
            Some(g) => ui.ask(&session, g)?,
            None => ui.review(&session)?,
        };
        match action {
            Action::Answer(v) => {
                if let Some(g) = session.current() {
                    if set_contains(setup.battery, g, v) {
                        journal.record(setup.battery.item_id(g), Some(v))?;
                        // checked above: the value is an option
                        let _ = session.answer(v);
                    }
                }
            }
            Action::Skip => {
                if let Some(g) = session.current() {
                    journal.record(setup.battery.item_id(g), None)?;
                    session.skip();
                }
            }
            Action::Back => {
                session.back();
            }
            Action::Finish => {
                if session.current().is_none() {
                    return Ok(Ending::Completed {
                        session,
                        journal,
                        id,
                    });
                }
            }
            Action::Quit { keep } => return stop_here(session, journal, None, keep, notes),
            Action::Stop(stop) => return stop_here(session, journal, Some(stop), true, notes),
        }
    }
}

fn stopped<'a>(
    setup: &Setup<'_>,
    session: Session<'a>,
    mut journal: Journal,
    why: Option<Stop>,
    keep: bool,
    earlier: &[Earlier],
    notes: &mut Vec<String>,
) -> anyhow::Result<Ending<'a>> {
    let (answered, skipped) = session.counts();
    let given = answered + skipped;
    let crisis = session.at_crisis_level();
    let path = journal.path().to_path_buf();
    // nothing given: nothing to resume
    let kept = keep && given > 0;
    if !kept {
        if earlier.is_empty() {
            journal.remove()?;
        } else {
            // this session's answers go; what earlier sessions left stays,
            // for the next session of this respondent
            journal.restart(&new_header(setup), earlier)?;
            let (p, id) = (path.display(), &earlier[0].id);
            notes.push(match setup.lang {
                Lang::En => format!(
                    "{p} keeps the answer at the top level of an earlier session of {id}: the next session of {id} carries it"
                ),
                Lang::Zh => format!("{p} 保留了 {id} 之前一次作答中达到最高级别的答案：{id} 的下一次作答会带上它"),
            });
        }
    }
    Ok(Ending::Stopped {
        why,
        given,
        journal: path,
        kept,
        crisis,
    })
}

/// Keep an unfinished journal's answers (the person chose not to resume
/// them) in `JOURNAL.TIMESTAMP.old`, before the journal is emptied.
/// A second one within the same second gets `JOURNAL.TIMESTAMP-2.old`, …:
/// nothing set aside is overwritten.
fn set_aside(journal: &Journal) -> anyhow::Result<PathBuf> {
    let stamp = compact(&now_utc());
    let named = |n: u32| {
        let mut name = journal.path().as_os_str().to_owned();
        match n {
            1 => name.push(format!(".{stamp}.old")),
            n => name.push(format!(".{stamp}-{n}.old")),
        }
        PathBuf::from(name)
    };
    let aside = (1..1000)
        .map(named)
        .find(|p| std::fs::symlink_metadata(p).is_err())
        .unwrap_or_else(|| named(1000));
    journal.copy_to(&aside).with_context(|| {
        format!(
            "keeping the unfinished journal {} as {}",
            journal.path().display(),
            aside.display()
        )
    })?;
    Ok(aside)
}

/// The end result of a session, in `lang`.
#[derive(Debug, Clone)]
pub struct Summary {
    pub id: String,
    pub answers: Vec<Answer>,
    pub results: Vec<ScaleResult>,
    pub level: Level,
    /// One reason per fired rule or undecidable value, and per top-level
    /// answer taken back during the session.
    pub reasons: Vec<String>,
    /// As `score` writes them: `; `-joined.
    pub reasons_joined: String,
    pub answered: usize,
    pub skipped: usize,
}

pub fn summarize(session: &Session<'_>, bound: &Bound, id: &str, lang: Lang) -> Summary {
    let (answers, scored) = session.score();
    let (results, out) = (scored.results, scored.outcome);
    let mut reasons = Vec::new();
    for &k in &out.fired {
        reasons.push(bound.rules[k].reason.get(lang).to_string());
    }
    let mut one = Outcome::default();
    let mut buf = String::new();
    for entry in &out.cannot_rule_out {
        one.cannot_rule_out.clear();
        one.cannot_rule_out.push(*entry);
        bound.reasons(&one, lang, &mut buf);
        reasons.push(buf.clone());
    }
    bound.reasons(&out, lang, &mut buf);
    // a top-level rule that fired during the session keeps its level, whatever
    // the final answers: the person gave a risk answer, then took it back
    let mut level = out.level;
    for taken in session.taken_back(&out) {
        level = level.max(bound.rules[taken.rule].level);
        for reason in text::taken_back(session, bound, &taken, lang) {
            if !reasons.contains(&reason) {
                if !buf.is_empty() {
                    buf.push_str("; ");
                }
                buf.push_str(&reason);
                reasons.push(reason);
            }
        }
    }
    // and one that fired in an earlier session the person started again from
    for e in session.earlier() {
        level = level.max(bound.rules[e.rule].level);
        for reason in text::started_again(session, bound, e, lang) {
            if !reasons.contains(&reason) {
                if !buf.is_empty() {
                    buf.push_str("; ");
                }
                buf.push_str(&reason);
                reasons.push(reason);
            }
        }
    }
    let (answered, skipped) = session.counts();
    Summary {
        id: id.to_string(),
        level,
        reasons,
        reasons_joined: buf,
        answers,
        results,
        answered,
        skipped,
    }
}

/// The saved row, laid out as [`append::columns`].
pub fn row(
    session: &Session<'_>,
    policy: &Policy,
    s: &Summary,
    timestamp: &str,
    lang: Lang,
) -> ByteRecord {
    let battery = session.battery();
    let mut r = ByteRecord::new();
    r.push_field(s.id.as_bytes());
    r.push_field(timestamp.as_bytes());
    for g in 0..session.n_items() {
        match session.saved_value(g) {
            Some(v) => r.push_field(v.to_string().as_bytes()),
            None => r.push_field(b""),
        }
    }
    for ((_, _, scale), res) in battery.scales().zip(&s.results) {
        match res.total {
            Some(t) => r.push_field(scale.format_total(t).as_bytes()),
            None => r.push_field(b""),
        }
        r.push_field(
            res.band
                .map_or("incomplete", |b| scale.bands[b].label.as_str())
                .as_bytes(),
        );
        r.push_field(if res.prorated { b"true" } else { b"false" });
    }
    r.push_field(policy.level_id(s.level).as_bytes());
    r.push_field(policy.level_label(s.level, lang).as_bytes());
    r.push_field(s.reasons_joined.as_bytes());
    r
}

/// Save a completed session: with `--append`, mark the journal, append the
/// row durably; then remove the journal.
pub fn save(
    setup: &Setup<'_>,
    session: &Session<'_>,
    mut journal: Journal,
    summary: &Summary,
    timestamp: &str,
) -> anyhow::Result<()> {
    if let Some(csv) = &setup.append {
        journal.mark_end(timestamp)?;
        let r = row(session, setup.policy, summary, timestamp, setup.lang);
        append::append_row(csv, setup.battery, &r).with_context(|| {
            format!(
                "saving the row to {} (the answers stay in {}: run the same command again to save them)",
                csv.display(),
                journal.path().display()
            )
        })?;
    }
    journal.remove()
}

pub use crate::clock::{format_utc, now_utc};

/// `2026-01-02T03:04:05Z` → `20260102T030405Z`, for names.
fn compact(ts: &str) -> String {
    ts.chars().filter(|c| *c != '-' && *c != ':').collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument;

    #[test]
    fn utc_timestamps() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_767_323_045), "2026-01-02T03:04:05Z");
        assert_eq!(compact("2026-01-02T03:04:05Z"), "20260102T030405Z");
    }

    /// A scripted front-end: answers from a list, records what it was shown.
    struct Script {
        actions: Vec<Action>,
        crises: usize,
        resume: Result<bool, Stop>,
    }

    impl Frontend for Script {
        fn offer_resume(&mut self, _: &ResumeInfo) -> anyhow::Result<Result<bool, Stop>> {
            Ok(self.resume)
        }
        fn ask(&mut self, _: &Session<'_>, _: usize) -> anyhow::Result<Action> {
            Ok(if self.actions.is_empty() {
                Action::Stop(Stop::EndOfInput)
            } else {
                self.actions.remove(0)
            })
        }
        fn review(&mut self, _: &Session<'_>) -> anyhow::Result<Action> {
            Ok(Action::Finish)
        }
        fn crisis(&mut self, _: &Crisis) -> anyhow::Result<Option<Stop>> {
            self.crises += 1;
            Ok(None)
        }
    }

    #[test]
    fn drive_save_and_resume() {
        let dir = tempfile::tempdir().unwrap();
        let battery = Battery::new(vec![instrument::builtin("phq9").unwrap().unwrap()]);
        let policy = crate::policy::default_policy().unwrap();
        let bound = policy.bind(&battery, &instrument::builtin_names()).unwrap();
        let hot = crate::hotlines::load().unwrap();
        let csv = dir.path().join("s.csv");
        let setup = Setup {
            battery: &battery,
            policy: &policy,
            bound: &bound,
            crisis: text::crisis(&policy, &hot, Lang::En),
            journal: dir.path().join("s.csv.P1.partial"),
            respondent: Some("P1".into()),
            append: Some(csv.clone()),
            lang: Lang::En,
        };
        let mut notes = Vec::new();
        let mut ui = Script {
            actions: vec![Action::Answer(1), Action::Skip, Action::Answer(2)],
            crises: 0,
            resume: Ok(true),
        };
        let start = prepare(&setup, &mut notes).unwrap();
        let Ending::Stopped { kept, given, .. } =
            drive(&setup, start, &mut ui, &mut notes).unwrap()
        else {
            panic!("stopped at end of input")
        };
        assert!(kept);
        assert_eq!(given, 3);
        // same command again: resume at item 4
        let start = prepare(&setup, &mut notes).unwrap();
        assert!(matches!(start, Start::Offer(_)));
        let mut ui = Script {
            actions: [0, 0, 0, 0, 0, 1].map(Action::Answer).to_vec(),
            crises: 0,
            resume: Ok(true),
        };
        let Ending::Completed {
            session,
            journal,
            id,
        } = drive(&setup, start, &mut ui, &mut notes).unwrap()
        else {
            panic!("completed")
        };
        assert_eq!(ui.crises, 1, "item 9 = 1 shows the crisis message");
        assert_eq!(id, "P1");
        let s = summarize(&session, &bound, &id, Lang::En);
        // (1 + 2 + 1) over 8 answered, × 9 = 4.5 → 5 (half up)
        assert_eq!(s.results[0].total, Some(5));
        assert_eq!(s.level, Level(3));
        save(&setup, &session, journal, &s, "2026-01-02T03:04:05Z").unwrap();
        assert!(!setup.journal.exists());
        let text = std::fs::read_to_string(&csv).unwrap();
        assert!(
            text.contains("\nP1,2026-01-02T03:04:05Z,1,,2,0,0,0,0,0,1,5,mild,true,urgent,Urgent,"),
            "{text}"
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn a_top_level_scale_rule_from_a_session_not_resumed_is_named_once() {
        let dir = tempfile::tempdir().unwrap();
        let battery = Battery::new(vec![instrument::builtin("phq9").unwrap().unwrap()]);
        let policy = crate::policy::load_str(
            "p.yaml",
            "id: t\nversion: \"1\"\nname: {en: t, zh: t}\nlevels: [none, urgent]\nmissing_critical: urgent\nlabels:\n  en: {none: None, urgent: Urgent}\n  zh: {none: 无, urgent: 紧急}\nrules:\n  - level: urgent\n    when: \"phq9 >= 20\"\n    reason: {en: \"PHQ-9 severe, total >= 20\", zh: \"PHQ-9 重度\"}\n",
        )
        .unwrap();
        let bound = policy.bind(&battery, &instrument::builtin_names()).unwrap();
        let hot = crate::hotlines::load().unwrap();
        let setup = Setup {
            battery: &battery,
            policy: &policy,
            bound: &bound,
            crisis: text::crisis(&policy, &hot, Lang::En),
            journal: dir.path().join("s.csv.P1.partial"),
            respondent: Some("P1".into()),
            append: None,
            lang: Lang::En,
        };
        let mut notes = Vec::new();
        // all 3: total 27, the crisis; then input ends
        let mut ui = Script {
            actions: [3; 9].map(Action::Answer).to_vec(),
            crises: 0,
            resume: Ok(true),
        };
        let start = prepare(&setup, &mut notes).unwrap();
        drive(&setup, start, &mut ui, &mut notes).unwrap();
        assert_eq!(ui.crises, 1);
        // start again: all 0
        let start = prepare(&setup, &mut notes).unwrap();
        let mut ui = Script {
            actions: [0; 9].map(Action::Answer).to_vec(),
            crises: 0,
            resume: Ok(false),
        };
        let Ending::Completed { session, id, .. } =
            drive(&setup, start, &mut ui, &mut notes).unwrap()
        else {
            panic!("completed")
        };
        let s = summarize(&session, &bound, &id, Lang::En);
        assert_eq!(s.level, Level(1));
        assert_eq!(s.reasons.len(), 1, "{s:?}");
        assert!(
            s.reasons[0]
                .starts_with("PHQ-9 severe, total >= 20 in an earlier session (P1, started 20"),
            "{s:?}"
        );
        assert!(s.reasons[0].ends_with("), then started again"), "{s:?}");
    }

    #[test]
    fn a_journal_whose_row_was_saved_is_cleaned_up_not_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let battery = Battery::new(vec![instrument::builtin("gad7").unwrap().unwrap()]);
        let policy = crate::policy::default_policy().unwrap();
        let bound = policy.bind(&battery, &instrument::builtin_names()).unwrap();
        let hot = crate::hotlines::load().unwrap();
        let csv = dir.path().join("g.csv");
        let path = dir.path().join("g.csv.partial");
        let header = Header {
            respondent: "A".into(),
            id: "A".into(),
            instruments: vec!["gad7".into()],
            started: "t0".into(),
        };
        let mut j = Journal::create(&path, &header).unwrap();
        j.record("gad7_1", Some(1)).unwrap();
        // killed after the row was appended, before the journal was removed
        j.mark_end("t1").unwrap();
        drop(j); // that process is gone
        let mut r = ByteRecord::new();
        for f in [
            "A",
            "t1",
            "1",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "incomplete",
            "false",
        ] {
            r.push_field(f.as_bytes());
        }
        for f in ["monitor", "Monitor", "cannot rule out: gad7 missing"] {
            r.push_field(f.as_bytes());
        }
        append::append_row(&csv, &battery, &r).unwrap();
        let setup = Setup {
            battery: &battery,
            policy: &policy,
            bound: &bound,
            crisis: text::crisis(&policy, &hot, Lang::En),
            journal: path.clone(),
            respondent: Some("A".into()),
            append: Some(csv),
            lang: Lang::En,
        };
        let mut notes = Vec::new();
        let start = prepare(&setup, &mut notes).unwrap();
        assert!(matches!(start, Start::Fresh { .. }));
        // the journal now holds the new session: none of the saved answers
        let left = journal::load(&path).unwrap().unwrap();
        assert!(left.answers.is_empty() && left.end.is_none(), "{left:?}");
        assert!(notes[0].contains("already saved"), "{notes:?}");
    }

    #[test]
    fn another_respondents_journal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let battery = Battery::new(vec![instrument::builtin("gad7").unwrap().unwrap()]);
        let policy = crate::policy::default_policy().unwrap();
        let bound = policy.bind(&battery, &instrument::builtin_names()).unwrap();
        let hot = crate::hotlines::load().unwrap();
        let path = dir.path().join("x.partial");
        let mut j = Journal::create(
            &path,
            &Header {
                respondent: "A".into(),
                id: "A".into(),
                instruments: vec!["gad7".into()],
                started: "t".into(),
            },
        )
        .unwrap();
        j.record("gad7_1", Some(1)).unwrap();
        drop(j);
        let setup = Setup {
            battery: &battery,
            policy: &policy,
            bound: &bound,
            crisis: text::crisis(&policy, &hot, Lang::En),
            journal: path.clone(),
            respondent: Some("B".into()),
            append: None,
            lang: Lang::En,
        };
        let e = prepare(&setup, &mut Vec::new()).unwrap_err().to_string();
        assert!(
            e.contains("holds unfinished answers of another session (--respondent A"),
            "{e}"
        );
        assert!(path.exists());
    }
}
