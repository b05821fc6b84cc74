//! The terminal front-end: raw mode on the alternate screen (crossterm),
//! one item per screen, redrawn whole on every change and on resize.
//!
//! Keys: an option's value 0–9 answers at once; ↑/↓ (or k/j) and Enter;
//! `b`/Backspace back; `s` skip (asks to confirm); `q`/Esc quit (asks
//! whether to keep the answers); Ctrl-C stops at once keeping the journal.
//! The terminal is restored on every way out: return, error, Ctrl-C,
//! SIGINT/SIGTERM/SIGHUP (polled), and panic (a hook, since release builds
//! abort on panic and run no destructors).

use std::io::{self, Stdout, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use crossterm::cursor::{Hide, MoveTo, Show};
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::style::{Attribute, Color, Print, ResetColor, SetAttribute, SetForegroundColor};
use crossterm::terminal::{
    self, BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen,
};
use crossterm::{execute, queue};

use super::text::{self, digit_keys, keep_how, tr, wrap, wrap_hanging, Crisis};
use super::{Action, Frontend, ResumeInfo, Session, Slot, Stop};
use crate::instrument::Lang;

/// The crisis message is on screen this long before Enter counts.
pub const CRISIS_HOLD: Duration = Duration::from_secs(1);
/// How often the key loop looks at the signal flag.
const TICK: Duration = Duration::from_millis(200);

/// Raw mode is on: the panic hook restores the terminal.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

fn restore_terminal() {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        SetAttribute(Attribute::Reset),
        Show,
        LeaveAlternateScreen
    );
    let _ = terminal::disable_raw_mode();
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sty {
    Plain,
    Title,
    Dim,
    Selected,
    Alert,
    Hint,
}

fn one_printable_line(s: String) -> String {
    match crate::printable::printable_line(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(clean) => clean,
    }
}

/// What a line is to a screen that does not fit the terminal.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Always shown (the question, the keys, the crisis text).
    Keep,
    /// Spacing, instructions: dropped first.
    Optional,
    /// The title: only its last line (the progress) stays on a small screen.
    Title,
    /// A line of response option `k`: the options scroll with the cursor.
    Choice(usize),
}

/// Lines to draw; `optional` ones (spacing, instructions) go first when
/// the terminal is too short.
#[derive(Default)]
struct Screen {
    lines: Vec<(Sty, String)>,
    roles: Vec<Role>,
}

impl Screen {
    /// Every line drawn passes here: one line, without terminal control
    /// characters (stems, options and the crisis text come from files).
    fn push_as(&mut self, role: Role, sty: Sty, s: impl Into<String>) {
        self.lines.push((sty, one_printable_line(s.into())));
        self.roles.push(role);
    }
    fn push(&mut self, sty: Sty, s: impl Into<String>) {
        self.push_as(Role::Keep, sty, s);
    }
    fn push_optional(&mut self, sty: Sty, s: impl Into<String>) {
        self.push_as(Role::Optional, sty, s);
    }
    fn wrapped(&mut self, sty: Sty, s: &str, cols: usize) {
        for l in wrap(s, cols) {
            self.push(sty, l);
        }
    }
    fn wrapped_optional(&mut self, sty: Sty, s: &str, cols: usize) {
        for l in wrap(s, cols) {
            self.push_optional(sty, l);
        }
    }
    fn blank(&mut self) {
        self.push_optional(Sty::Plain, "");
    }

    /// Add `mark` to the title's last line (the progress, which always
    /// stays): into the padding of a one-line title, else after it when it
    /// fits the width, else as a kept line of its own.
    fn mark_progress(&mut self, mark: &str, cols: usize) {
        let Some(i) = (0..self.lines.len()).rfind(|&i| self.roles[i] == Role::Title) else {
            return;
        };
        let line = &mut self.lines[i].1;
        let (width, mark_width) = (text::width(line), text::width(mark));
        let trimmed = line.trim_end();
        if let Some(gap) = line.find(&" ".repeat(mark_width + 2)) {
            // a one-line title: `name   progress` → `name progress · mark`
            let progress = line[gap..].trim_start().to_string();
            let name = line[..gap].to_string();
            let pad = cols.saturating_sub(text::width(&name) + text::width(&progress) + mark_width);
            *line = format!("{name}{}{progress}{mark}", " ".repeat(pad.max(1)));
        } else if width + mark_width <= cols {
            *line = format!("{trimmed}{mark}");
        } else {
            let sty = self.lines[i].0;
            // kept, as the progress line is
            let mark = mark.trim_start_matches([' ', '·']).to_string();
            self.lines.insert(i + 1, (sty, mark));
            self.roles.insert(i + 1, Role::Keep);
        }
    }

    /// The lines that fit in `rows`: without the optional ones if needed,
    /// then the top and the last line (the keys or the prompt).
    fn fit(&self, rows: usize) -> Vec<&(Sty, String)> {
        self.fit_around(rows, 0, None)
    }

    /// Like `fit`, for a question: the question and the keys stay whole
    /// while the title shrinks to its last line and the options scroll,
    /// showing the one at `cursor`, with `more` (above, below) saying that
    /// others are hidden.
    fn fit_around<'s>(
        &'s self,
        rows: usize,
        cursor: usize,
        more: Option<&'s [(Sty, String); 2]>,
    ) -> Vec<&'s (Sty, String)> {
        let mut shown = vec![true; self.lines.len()];
        let count = |shown: &[bool]| shown.iter().filter(|&&s| s).count();
        // optional lines from the top, as many as needed
        for i in (0..self.lines.len()).filter(|&i| self.roles[i] == Role::Optional) {
            if count(&shown) <= rows {
                break;
            }
            shown[i] = false;
        }
        // then the title but its last line (the progress): half a title
        // would read as a whole one
        if count(&shown) > rows {
            let mut title = (0..self.lines.len()).filter(|&i| self.roles[i] == Role::Title);
            title.next_back();
            for i in title {
                shown[i] = false;
            }
        }
        let mut above = None;
        let mut below = None;
        let choices = self.choice_lines();
        let choice_rows: usize = choices.iter().map(Vec::len).sum();
        if count(&shown) > rows && !choices.is_empty() {
            let room = rows.saturating_sub(count(&shown) - choice_rows);
            let (lo, hi, marks) = window(&choices, cursor.min(choices.len() - 1), room);
            for (k, lines) in choices.iter().enumerate() {
                for &i in lines {
                    shown[i] = (lo..=hi).contains(&k) && room > 0;
                }
            }
            if marks && room > 0 {
                let first = choices[lo][0];
                let last = choices[hi][choices[hi].len() - 1];
                above = (lo > 0).then_some(first);
                below = (hi + 1 < choices.len()).then_some(last);
            }
        }
        let mut out: Vec<&(Sty, String)> = Vec::with_capacity(rows);
        for (i, line) in self.lines.iter().enumerate() {
            if above == Some(i) {
                out.extend(more.map(|m| &m[0]));
            }
            if shown[i] {
                out.push(line);
            }
            if below == Some(i) {
                out.extend(more.map(|m| &m[1]));
            }
        }
        if out.len() > rows {
            let last = out.pop();
            out.truncate(rows.saturating_sub(1));
            out.extend(last);
        }
        out
    }

    /// The line indexes of each response option, in order.
    fn choice_lines(&self) -> Vec<Vec<usize>> {
        let mut out: Vec<Vec<usize>> = Vec::new();
        for (i, role) in self.roles.iter().enumerate() {
            if let Role::Choice(k) = *role {
                if out.len() <= k {
                    out.resize_with(k + 1, Vec::new);
                }
                out[k].push(i);
            }
        }
        out
    }

    /// The lines that are not optional.
    fn essential(&self) -> impl Iterator<Item = &(Sty, String)> {
        self.lines
            .iter()
            .zip(&self.roles)
            .filter(|(_, &role)| role != Role::Optional)
            .map(|(l, _)| l)
    }

    /// For text that must be read whole (the crisis message): like `fit`
    /// when that loses nothing but optional lines; otherwise the lines from
    /// `top` (clamped) and, in the last row, `more` until the end is on
    /// screen. Also says whether the end is on screen.
    fn scrolled<'s>(
        &'s self,
        rows: usize,
        top: &mut usize,
        more: &'s (Sty, String),
    ) -> (Vec<&'s (Sty, String)>, bool) {
        let essential: Vec<&(Sty, String)> = self.essential().collect();
        if essential.len() <= rows {
            *top = 0;
            return (self.fit(rows), true);
        }
        let Some((last, body)) = essential.split_last() else {
            return (Vec::new(), true);
        };
        let window = rows.saturating_sub(1).max(1);
        let max_top = body.len().saturating_sub(window);
        *top = (*top).min(max_top);
        let mut shown: Vec<&(Sty, String)> = body[*top..].iter().take(window).copied().collect();
        let at_end = *top == max_top;
        shown.push(if at_end { last } else { more });
        (shown, at_end)
    }
}

/// Which options (`lo..=hi`) fit in `room` rows around `cursor`, and
/// whether the rows saying that more are hidden fit too.
fn window(choices: &[Vec<usize>], cursor: usize, room: usize) -> (usize, usize, bool) {
    let last = choices.len() - 1;
    let rows = |lo: usize, hi: usize, marks: bool| {
        choices[lo..=hi].iter().map(Vec::len).sum::<usize>()
            + usize::from(marks && lo > 0)
            + usize::from(marks && hi < last)
    };
    let marks = rows(cursor, cursor, true) <= room;
    let (mut lo, mut hi) = (cursor, cursor);
    loop {
        if hi < last && rows(lo, hi + 1, marks) <= room {
            hi += 1;
        } else if lo > 0 && rows(lo - 1, hi, marks) <= room {
            lo -= 1;
        } else {
            return (lo, hi, marks);
        }
    }
}

/// What the bottom of a question screen shows.
enum Bottom {
    Keys(Option<String>),
    ConfirmSkip,
    ConfirmQuit,
}

enum Key {
    Press(KeyEvent),
    Resize,
    Stop,
}

pub struct Tty {
    lang: Lang,
    colour: bool,
    respondent: String,
    /// Kept answers can be resumed (there is a respondent id).
    resumable: bool,
    /// The completed row is saved (`--append`); else every screen says not.
    saving: bool,
    out: Stdout,
    active: bool,
    signalled: Arc<AtomicBool>,
    signals: Vec<signal_hook::SigId>,
}

impl Tty {
    /// Enter raw mode and the alternate screen. `colour`: the caller checked
    /// NO_COLOR and the terminal.
    pub fn start(lang: Lang, colour: bool, respondent: &str) -> anyhow::Result<Tty> {
        HOOK.call_once(|| {
            let prev = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if ACTIVE.swap(false, Ordering::SeqCst) {
                    restore_terminal();
                }
                prev(info);
            }));
        });
        let signalled = Arc::new(AtomicBool::new(false));
        let mut signals = Vec::new();
        #[cfg(unix)]
        for sig in [
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGHUP,
        ] {
            signals.push(
                signal_hook::flag::register(sig, Arc::clone(&signalled))
                    .context("setting up signal handling")?,
            );
        }
        terminal::enable_raw_mode().context("switching the terminal to raw mode")?;
        ACTIVE.store(true, Ordering::SeqCst);
        // A hung-up terminal (closed window, dropped connection) can leave
        // crossterm's poll spinning on end-of-file without returning, so no
        // check in our loop would run. Every answer is already fsync'd to
        // the journal, so a watchdog may end the process: it loses nothing
        // and stops a busy loop that would otherwise run forever.
        std::thread::spawn(|| loop {
            std::thread::sleep(Duration::from_millis(500));
            if terminal_gone() {
                std::process::exit(i32::from(crate::exit::Exit::Error.code()));
            }
        });
        let mut t = Tty {
            lang,
            colour,
            respondent: crate::diag::sanitize(respondent),
            resumable: true,
            saving: true,
            out: io::stdout(),
            active: true,
            signalled,
            signals,
        };
        execute!(t.out, EnterAlternateScreen, Hide).context("setting up the terminal")?;
        Ok(t)
    }

    /// Without a respondent id kept answers cannot be resumed: say so.
    pub fn set_resumable(&mut self, yes: bool) {
        self.resumable = yes;
    }

    /// Without `--append` nothing is saved: every screen says so.
    pub fn set_saving(&mut self, yes: bool) {
        self.saving = yes;
    }

    /// Leave raw mode and the alternate screen (idempotent).
    pub fn close(&mut self) {
        if self.active {
            self.active = false;
            ACTIVE.store(false, Ordering::SeqCst);
            restore_terminal();
            for id in self.signals.drain(..) {
                signal_hook::low_level::unregister(id);
            }
        }
    }

    /// Was the session stopped by a signal?
    pub fn signalled(&self) -> bool {
        self.signalled.load(Ordering::SeqCst)
    }

    fn size(&self) -> (usize, usize) {
        let (c, r) = terminal::size().unwrap_or((80, 24));
        // one column spare: writing the last column makes some terminals wrap
        (usize::from(c.max(20)) - 1, usize::from(r.max(5)))
    }

    fn next_key(&mut self) -> anyhow::Result<Key> {
        loop {
            if self.signalled() {
                return Ok(Key::Stop);
            }
            if event::poll(TICK)? {
                match event::read()? {
                    Event::Key(k) if k.kind != KeyEventKind::Release => {
                        if is_ctrl_c(&k) {
                            return Ok(Key::Stop);
                        }
                        return Ok(Key::Press(k));
                    }
                    Event::Resize(..) => return Ok(Key::Resize),
                    _ => {}
                }
            }
        }
    }

    fn paint(&mut self, screen: &Screen) -> io::Result<()> {
        let (_, rows) = self.size();
        self.paint_lines(&screen.fit(rows))
    }

    /// A question screen: on a small terminal the options scroll with the
    /// cursor, the question itself stays.
    fn paint_question(&mut self, screen: &Screen, cursor: usize) -> io::Result<()> {
        let (cols, rows) = self.size();
        let [up, down] = if cols >= 24 {
            [
                tr(self.lang, "   ↑ more options (↑)", "   ↑ 上面还有选项（↑）"),
                tr(self.lang, "   ↓ more options (↓)", "   ↓ 下面还有选项（↓）"),
            ]
        } else {
            ["   ↑ …", "   ↓ …"]
        };
        let more = [(Sty::Dim, up.to_string()), (Sty::Dim, down.to_string())];
        self.paint_lines(&screen.fit_around(rows, cursor, Some(&more)))
    }

    fn paint_lines(&mut self, shown: &[&(Sty, String)]) -> io::Result<()> {
        queue!(
            self.out,
            BeginSynchronizedUpdate,
            MoveTo(0, 0),
            Clear(ClearType::All)
        )?;
        for (row, (sty, line)) in shown.iter().enumerate() {
            queue!(self.out, MoveTo(0, u16::try_from(row).unwrap_or(u16::MAX)))?;
            if self.colour {
                match sty {
                    Sty::Plain => {}
                    Sty::Title => queue!(self.out, SetAttribute(Attribute::Bold))?,
                    Sty::Dim => queue!(self.out, SetForegroundColor(Color::DarkGrey))?,
                    Sty::Selected => queue!(self.out, SetAttribute(Attribute::Reverse))?,
                    Sty::Alert => queue!(
                        self.out,
                        SetForegroundColor(Color::Red),
                        SetAttribute(Attribute::Bold)
                    )?,
                    Sty::Hint => queue!(self.out, SetForegroundColor(Color::Yellow))?,
                }
            }
            queue!(self.out, Print(line))?;
            if self.colour && *sty != Sty::Plain {
                queue!(self.out, SetAttribute(Attribute::Reset), ResetColor)?;
            }
        }
        queue!(self.out, EndSynchronizedUpdate)?;
        self.out.flush()
    }

    fn question(&self, s: &Session<'_>, g: usize, cursor: usize, bottom: &Bottom) -> Screen {
        let lang = self.lang;
        let (cols, _) = self.size();
        let (_, inst, i, item) = s.item(g);
        let set = inst.set_of(i);
        let (at, total) = s.progress();
        let mut sc = Screen::default();
        title(
            &mut sc,
            inst.name.get(lang),
            &match lang {
                Lang::En => format!("Question {at} of {total}"),
                Lang::Zh => format!("第 {at} 题，共 {total} 题"),
            },
            cols,
        );
        sc.push_optional(Sty::Dim, self.respondent_line());
        sc.push_optional(Sty::Dim, "─".repeat(cols.min(78)));
        let instr = inst.instructions.get(lang);
        if !instr.is_empty() {
            sc.wrapped_optional(Sty::Dim, instr, cols);
            sc.blank();
        }
        for l in wrap_hanging(&format!("{}. ", i + 1), item.text.get(lang), cols) {
            sc.push(Sty::Title, l);
        }
        if s.slot(g) == Slot::Skipped {
            sc.push(Sty::Dim, tr(lang, "(skipped before)", "（之前已跳过）"));
        }
        sc.blank();
        for (k, o) in set.options.iter().enumerate() {
            let marker = if k == cursor { ">" } else { " " };
            let key = if (0..=9).contains(&o.value) {
                o.value.to_string()
            } else {
                "·".to_string()
            };
            let mut label = o.label.get(lang).to_string();
            if !(0..=9).contains(&o.value) {
                label.push_str(&format!(" ({})", o.value));
            }
            if s.slot(g) == Slot::Value(o.value) {
                label.push_str(tr(lang, "   ← current answer", "   ← 当前答案"));
            }
            let sty = if k == cursor {
                Sty::Selected
            } else {
                Sty::Plain
            };
            for l in wrap_hanging(&format!(" {marker} {key}  "), &label, cols) {
                sc.push_as(Role::Choice(k), sty, l);
            }
        }
        sc.blank();
        let keys = digit_keys(set);
        match bottom {
            Bottom::Keys(hint) => {
                let legend = match (lang, &keys) {
                    (Lang::En, Some(k)) => {
                        format!("{k} answer · ↑↓ Enter choose · b back · s skip · q quit")
                    }
                    (Lang::En, None) => "↑↓ Enter choose · b back · s skip · q quit".to_string(),
                    (Lang::Zh, Some(k)) => {
                        format!("{k} 作答 · ↑↓ 回车 选择 · b 返回 · s 跳过 · q 退出")
                    }
                    (Lang::Zh, None) => "↑↓ 回车 选择 · b 返回 · s 跳过 · q 退出".to_string(),
                };
                if let Some(h) = hint {
                    sc.wrapped(Sty::Hint, h, cols);
                }
                sc.wrapped(Sty::Dim, &legend, cols);
            }
            Bottom::ConfirmSkip => {
                if inst.critical.contains(&i) {
                    sc.wrapped(
                        Sty::Alert,
                        tr(
                            lang,
                            "This is a risk question: without an answer, risk cannot be ruled out.",
                            "这是与风险相关的题目：没有答案就无法排除风险。",
                        ),
                        cols,
                    );
                }
                sc.wrapped(
                    Sty::Hint,
                    tr(
                        lang,
                        "Skip this question? It is recorded as missing. y = skip · any other key = answer it",
                        "跳过此题？将记为缺失。y = 跳过 · 其他键 = 返回作答",
                    ),
                    cols,
                );
            }
            Bottom::ConfirmQuit => {
                let (a, sk) = s.counts();
                let text = if a + sk == 0 {
                    tr(
                        lang,
                        "Quit? y = quit · any other key = go on",
                        "退出？y = 退出 · 其他键 = 继续作答",
                    )
                    .to_string()
                } else {
                    match lang {
                        Lang::En => format!("Quit? y = keep the {} answer(s) {} · n = delete them · any other key = go on", a + sk, keep_how(lang, self.resumable)),
                        Lang::Zh => format!("退出？y = 保留已作答的 {} 题{} · n = 删除 · 其他键 = 继续作答", a + sk, keep_how(lang, self.resumable)),
                    }
                };
                sc.wrapped(Sty::Hint, &text, cols);
            }
        }
        if !self.saving && sc.lines.len() > self.size().1 {
            // the respondent line, which says the answers are not saved,
            // is the first to go on a small terminal: the progress line,
            // which always stays, says it instead
            sc.mark_progress(tr(lang, " · not saved", " · 不保存"), cols);
        }
        sc
    }

    fn respondent_line(&self) -> String {
        match (self.lang, self.saving) {
            (Lang::En, true) => format!("Respondent: {}", self.respondent),
            (Lang::En, false) => {
                format!("Respondent: {} · not saved (no --append)", self.respondent)
            }
            (Lang::Zh, true) => format!("受评者：{}", self.respondent),
            (Lang::Zh, false) => format!("受评者：{} · 不保存（未指定 --append）", self.respondent),
        }
    }

    fn hint_for(&self, keys: Option<String>) -> String {
        match (self.lang, keys) {
            (Lang::En, Some(k)) => {
                format!("Press {k} to answer, or ↑/↓ and Enter; b back, s skip, q quit.")
            }
            (Lang::En, None) => "Choose with ↑/↓ and Enter; b back, s skip, q quit.".to_string(),
            (Lang::Zh, Some(k)) => {
                format!("请按 {k} 作答，或用 ↑/↓ 和回车选择；b 返回，s 跳过，q 退出。")
            }
            (Lang::Zh, None) => "请用 ↑/↓ 和回车选择；b 返回，s 跳过，q 退出。".to_string(),
        }
    }

    /// Ask y/n on the quit prompt: `Some(keep)` or `None` = go on.
    fn quit_choice(k: &KeyEvent, given: usize) -> Option<Action> {
        match k.code {
            KeyCode::Char('y' | 'Y') => Some(Action::Quit { keep: given > 0 }),
            KeyCode::Char('n' | 'N') if given > 0 => Some(Action::Quit { keep: false }),
            _ => None,
        }
    }
}

impl Drop for Tty {
    fn drop(&mut self) {
        self.close();
    }
}

fn is_ctrl_c(k: &KeyEvent) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL) && matches!(k.code, KeyCode::Char('c' | 'C'))
}

/// A digit key, ASCII or full-width (a Chinese input method may send ０–９).
fn digit(c: char) -> Option<i32> {
    match c {
        '0'..='9' => Some(c as i32 - '0' as i32),
        '０'..='９' => Some(c as i32 - '０' as i32),
        _ => None,
    }
}

/// `left` and `right` on one line if they fit, else on two.
fn title(sc: &mut Screen, left: &str, right: &str, cols: usize) {
    let (lw, rw) = (text::width(left), text::width(right));
    if lw + 2 + rw <= cols {
        sc.push_as(
            Role::Title,
            Sty::Title,
            format!("{left}{}{right}", " ".repeat(cols - lw - rw)),
        );
    } else {
        for l in wrap(left, cols) {
            sc.push_as(Role::Title, Sty::Title, l);
        }
        sc.push_as(Role::Title, Sty::Title, right);
    }
}

impl Frontend for Tty {
    fn offer_resume(&mut self, info: &ResumeInfo) -> anyhow::Result<Result<bool, Stop>> {
        let lang = self.lang;
        let id = crate::diag::sanitize(&info.id);
        let mut hint: Option<String> = None;
        loop {
            let (cols, _) = self.size();
            let mut sc = Screen::default();
            sc.push(
                Sty::Title,
                tr(lang, "Unfinished answers found", "发现未完成的作答"),
            );
            sc.blank();
            let what = match lang {
                Lang::En => format!(
                    "{id}: {}; started {}; {} question(s) answered or skipped.",
                    info.instruments.join(", "),
                    info.started,
                    info.given
                ),
                Lang::Zh => format!(
                    "{id}：{}；开始于 {}；已作答或跳过 {} 题。",
                    info.instruments.join("、"),
                    info.started,
                    info.given
                ),
            };
            sc.wrapped(Sty::Plain, &what, cols);
            sc.blank();
            if let Some(h) = &hint {
                sc.wrapped(Sty::Hint, h, cols);
            }
            sc.wrapped(
                Sty::Plain,
                tr(
                    lang,
                    "Resume where it stopped? y = resume · n = start again",
                    "从中断处继续？y = 继续 · n = 重新开始",
                ),
                cols,
            );
            self.paint(&sc)?;
            match self.next_key()? {
                Key::Stop => return Ok(Err(Stop::Interrupted)),
                Key::Resize => {}
                Key::Press(k) => match k.code {
                    KeyCode::Char('y' | 'Y') => return Ok(Ok(true)),
                    KeyCode::Char('n' | 'N') => return Ok(Ok(false)),
                    _ => hint = Some(tr(lang, "Press y or n.", "请按 y 或 n。").to_string()),
                },
            }
        }
    }

    fn ask(&mut self, s: &Session<'_>, g: usize) -> anyhow::Result<Action> {
        let (_, inst, i, _) = s.item(g);
        let set = inst.set_of(i);
        let mut cursor = match s.slot(g) {
            Slot::Value(v) => set.options.iter().position(|o| o.value == v).unwrap_or(0),
            _ => 0,
        };
        let mut bottom = Bottom::Keys(None);
        loop {
            let sc = self.question(s, g, cursor, &bottom);
            self.paint_question(&sc, cursor)?;
            let k = match self.next_key()? {
                Key::Stop => return Ok(Action::Stop(Stop::Interrupted)),
                Key::Resize => continue,
                Key::Press(k) => k,
            };
            match bottom {
                Bottom::ConfirmSkip => {
                    if matches!(k.code, KeyCode::Char('y' | 'Y')) {
                        return Ok(Action::Skip);
                    }
                    bottom = Bottom::Keys(None);
                    continue;
                }
                Bottom::ConfirmQuit => {
                    let (a, sk) = s.counts();
                    if let Some(act) = Self::quit_choice(&k, a + sk) {
                        return Ok(act);
                    }
                    bottom = Bottom::Keys(None);
                    continue;
                }
                Bottom::Keys(_) => {}
            }
            bottom = Bottom::Keys(None);
            match k.code {
                KeyCode::Char(c) if digit(c).is_some() => {
                    let d = digit(c).unwrap_or(-1);
                    if set.contains(d) {
                        return Ok(Action::Answer(d));
                    }
                    bottom = Bottom::Keys(Some(self.hint_for(digit_keys(set))));
                }
                KeyCode::Up | KeyCode::Char('k') => cursor = cursor.saturating_sub(1),
                KeyCode::Down | KeyCode::Char('j') => {
                    cursor = (cursor + 1).min(set.options.len().saturating_sub(1));
                }
                KeyCode::Enter => {
                    if let Some(o) = set.options.get(cursor) {
                        return Ok(Action::Answer(o.value));
                    }
                }
                KeyCode::Char('b' | 'B') | KeyCode::Backspace => {
                    if s.can_go_back() {
                        return Ok(Action::Back);
                    }
                    bottom = Bottom::Keys(Some(
                        tr(self.lang, "This is the first question.", "这是第一题。").to_string(),
                    ));
                }
                KeyCode::Char('s' | 'S') => bottom = Bottom::ConfirmSkip,
                KeyCode::Char('q' | 'Q') | KeyCode::Esc => bottom = Bottom::ConfirmQuit,
                _ => bottom = Bottom::Keys(Some(self.hint_for(digit_keys(set)))),
            }
        }
    }

    fn review(&mut self, s: &Session<'_>) -> anyhow::Result<Action> {
        let lang = self.lang;
        let mut confirm_quit = false;
        let mut hint: Option<&str> = None;
        loop {
            let (cols, _) = self.size();
            let (a, sk) = s.counts();
            let (_, total) = s.progress();
            let mut sc = Screen::default();
            title(
                &mut sc,
                tr(lang, "All questions done", "全部题目已完成"),
                &match lang {
                    Lang::En => format!("{total} question(s)"),
                    Lang::Zh => format!("共 {total} 题"),
                },
                cols,
            );
            sc.push_optional(Sty::Dim, self.respondent_line());
            sc.push_optional(Sty::Dim, "─".repeat(cols.min(78)));
            sc.wrapped(
                Sty::Plain,
                &match lang {
                    Lang::En => format!("{a} answered, {sk} skipped."),
                    Lang::Zh => format!("已作答 {a} 题，跳过 {sk} 题。"),
                },
                cols,
            );
            sc.blank();
            if let Some(h) = hint {
                sc.wrapped(Sty::Hint, h, cols);
            }
            if confirm_quit {
                let text = match lang {
                    Lang::En => format!("Quit without saving? y = keep the {} answer(s) {} · n = delete them · any other key = go on", a + sk, keep_how(lang, self.resumable)),
                    Lang::Zh => format!("不保存就退出？y = 保留已作答的 {} 题{} · n = 删除 · 其他键 = 继续", a + sk, keep_how(lang, self.resumable)),
                };
                sc.wrapped(Sty::Hint, &text, cols);
            } else {
                let keys = match self.saving {
                    true => tr(
                        lang,
                        "Enter = save and show the results · b = back to the last question · q = quit",
                        "回车 = 保存并显示结果 · b = 返回最后一题 · q = 退出",
                    ),
                    false => tr(
                        lang,
                        "Enter = show the results (not saved: no --append) · b = back to the last question · q = quit",
                        "回车 = 显示结果（不保存：未指定 --append）· b = 返回最后一题 · q = 退出",
                    ),
                };
                sc.wrapped(Sty::Plain, keys, cols);
            }
            self.paint(&sc)?;
            let k = match self.next_key()? {
                Key::Stop => return Ok(Action::Stop(Stop::Interrupted)),
                Key::Resize => continue,
                Key::Press(k) => k,
            };
            if confirm_quit {
                if let Some(act) = Self::quit_choice(&k, a + sk) {
                    return Ok(act);
                }
                confirm_quit = false;
                continue;
            }
            hint = None;
            match k.code {
                KeyCode::Enter => return Ok(Action::Finish),
                KeyCode::Char('b' | 'B') | KeyCode::Backspace => return Ok(Action::Back),
                KeyCode::Char('q' | 'Q') | KeyCode::Esc => confirm_quit = true,
                _ => {
                    hint = Some(tr(
                        lang,
                        "Press Enter to save, b to go back, q to quit.",
                        "请按回车保存，b 返回，q 退出。",
                    ));
                }
            }
        }
    }

    fn crisis(&mut self, c: &Crisis) -> anyhow::Result<Option<Stop>> {
        // keys typed before the message appeared do not count
        while event::poll(Duration::ZERO)? {
            let _ = event::read()?;
        }
        let shown = Instant::now();
        // one row, however narrow the terminal: a longer line would wrap
        // and scroll the screen
        let more_for = |lang, cols| {
            let long = tr(
                lang,
                "↓ More below: press ↓ or Space to read on.",
                "↓ 下面还有内容：请按 ↓ 或空格键继续阅读。",
            );
            let short = tr(lang, "↓ More: Space", "↓ 更多：空格键");
            (
                Sty::Hint,
                if text::width(long) <= cols {
                    long
                } else {
                    short
                }
                .to_string(),
            )
        };
        // on a small terminal the message scrolls, and Enter counts only
        // once its end (the last crisis line) has been on screen
        let mut top = 0;
        let mut seen_end = false;
        let mut drawn: Option<(bool, usize)> = None;
        loop {
            if self.signalled() {
                return Ok(Some(Stop::Interrupted));
            }
            let ready = shown.elapsed() >= CRISIS_HOLD;
            if drawn != Some((ready, top)) {
                let sc = self.crisis_screen(c, ready);
                let (cols, rows) = self.size();
                let more = more_for(self.lang, cols);
                let (lines, at_end) = sc.scrolled(rows, &mut top, &more);
                self.paint_lines(&lines)?;
                seen_end |= at_end;
                drawn = Some((ready, top));
            }
            let wait = if ready {
                TICK
            } else {
                CRISIS_HOLD
                    .saturating_sub(shown.elapsed())
                    .max(Duration::from_millis(10))
                    .min(TICK)
            };
            if !event::poll(wait)? {
                continue;
            }
            match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => {
                    if is_ctrl_c(&k) {
                        return Ok(Some(Stop::Interrupted));
                    }
                    let page = self.size().1.saturating_sub(2).max(1);
                    match k.code {
                        // only once the message has been up a while
                        KeyCode::Enter if seen_end && shown.elapsed() >= CRISIS_HOLD => {
                            return Ok(None);
                        }
                        KeyCode::Down | KeyCode::Char('j') => top += 1,
                        // Space pages, as in a pager
                        KeyCode::PageDown | KeyCode::Char(' ') => top += page,
                        KeyCode::Up | KeyCode::Char('k') => top = top.saturating_sub(1),
                        KeyCode::PageUp => top = top.saturating_sub(page),
                        _ => {}
                    }
                }
                Event::Resize(..) => drawn = None,
                _ => {}
            }
        }
    }
}

/// Has our terminal been hung up? A closed terminal window or a dropped
/// connection does not always deliver SIGHUP, and a hung-up terminal still
/// passes `isatty`. On Linux its device then shows as deleted in /proc;
/// elsewhere we rely on SIGHUP.
fn terminal_gone() -> bool {
    std::fs::read_link("/proc/self/fd/0").is_ok_and(|p| p.to_string_lossy().ends_with(" (deleted)"))
}

impl Tty {
    fn crisis_screen(&self, c: &Crisis, ready: bool) -> Screen {
        let lang = self.lang;
        let (cols, rows) = self.size();
        let build = |lines: &[String]| {
            let mut sc = Screen::default();
            sc.push_optional(Sty::Alert, "=".repeat(cols.min(78)));
            sc.wrapped(Sty::Alert, &c.title, cols);
            sc.push_optional(Sty::Alert, "=".repeat(cols.min(78)));
            sc.wrapped(Sty::Plain, &c.message, cols);
            sc.blank();
            sc.wrapped(Sty::Title, &c.lines_heading, cols);
            for l in lines {
                for w in wrap_hanging("  - ", l, cols) {
                    sc.push(Sty::Plain, w);
                }
            }
            sc.blank();
            if ready {
                sc.push(
                    Sty::Hint,
                    tr(lang, "Press Enter to continue.", "按回车键继续。"),
                );
            } else {
                sc.push(
                    Sty::Dim,
                    tr(
                        lang,
                        "Please read this first (Enter works in a moment).",
                        "请先阅读以上内容（稍候可按回车继续）。",
                    ),
                );
            }
            sc
        };
        let full = build(&c.lines);
        if full.essential().count() <= rows {
            full
        } else {
            build(&c.lines_short)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_terminal_drops_optional_lines_first() {
        let mut sc = Screen::default();
        sc.push(Sty::Title, "title");
        sc.push_optional(Sty::Dim, "instructions");
        sc.blank();
        sc.push(Sty::Plain, "question");
        sc.push(Sty::Plain, "option");
        sc.push(Sty::Dim, "keys");
        let text = |rows| -> Vec<String> { sc.fit(rows).iter().map(|l| l.1.clone()).collect() };
        assert_eq!(text(6).len(), 6);
        assert_eq!(text(5), ["title", "", "question", "option", "keys"]);
        assert_eq!(text(4), ["title", "question", "option", "keys"]);
        assert_eq!(text(3), ["title", "question", "keys"]);
    }

    #[test]
    fn not_saved_goes_on_the_progress_line_which_always_stays() {
        let mark = " · not saved";
        // a one-line title: into its padding, the width kept
        let mut sc = Screen::default();
        title(&mut sc, "GAD-2", "Question 1 of 2", 40);
        sc.mark_progress(mark, 40);
        assert_eq!(
            sc.lines[0].1,
            format!("GAD-2{}Question 1 of 2 · not saved", " ".repeat(8))
        );
        // a title on two lines: after the progress when it fits
        let mut sc = Screen::default();
        title(
            &mut sc,
            "Patient Health Questionnaire-9 (PHQ-9)",
            "Question 1 of 9",
            34,
        );
        sc.mark_progress(mark, 34);
        assert_eq!(sc.lines.last().unwrap().1, "Question 1 of 9 · not saved");
        assert_eq!(sc.fit(1)[0].1, "Question 1 of 9 · not saved");
        // too narrow: a kept line of its own under it
        let mut sc = Screen::default();
        title(&mut sc, "GAD-2", "Question 1 of 2", 20);
        sc.mark_progress(mark, 20);
        let shown: Vec<&str> = sc.fit(2).iter().map(|l| l.1.as_str()).collect();
        assert_eq!(shown, ["Question 1 of 2", "not saved"]);
    }

    #[test]
    fn a_small_terminal_keeps_the_question_and_scrolls_the_options() {
        let mut sc = Screen::default();
        sc.push_as(Role::Title, Sty::Title, "Long name of the");
        sc.push_as(Role::Title, Sty::Title, "questionnaire");
        sc.push_as(Role::Title, Sty::Title, "Question 1 of 9");
        sc.push_optional(Sty::Dim, "instructions");
        sc.push(Sty::Title, "1. a question on");
        sc.push(Sty::Title, "   two lines");
        for k in 0..4 {
            sc.push_as(Role::Choice(k), Sty::Plain, format!("option {k}"));
        }
        sc.push_as(Role::Choice(4), Sty::Plain, "option 4, on");
        sc.push_as(Role::Choice(4), Sty::Plain, "  two lines");
        sc.push(Sty::Dim, "keys");
        let more = [(Sty::Dim, "^".to_string()), (Sty::Dim, "v".to_string())];
        let text = |rows, cursor| -> Vec<String> {
            sc.fit_around(rows, cursor, Some(&more))
                .iter()
                .map(|l| l.1.clone())
                .collect()
        };
        // the optional line goes, then the title but its last line
        assert_eq!(text(13, 0).len(), 13);
        assert_eq!(text(11, 0)[0], "Question 1 of 9");
        assert_eq!(
            text(11, 0).len(),
            10,
            "the whole title goes, not half of it"
        );
        // then the options scroll around the cursor, the question stays
        assert_eq!(
            text(7, 0),
            [
                "Question 1 of 9",
                "1. a question on",
                "   two lines",
                "option 0",
                "option 1",
                "v",
                "keys"
            ]
        );
        assert_eq!(
            text(7, 2),
            [
                "Question 1 of 9",
                "1. a question on",
                "   two lines",
                "^",
                "option 2",
                "v",
                "keys"
            ]
        );
        assert_eq!(
            text(7, 4),
            [
                "Question 1 of 9",
                "1. a question on",
                "   two lines",
                "^",
                "option 4, on",
                "  two lines",
                "keys"
            ]
        );
        // no room for the marks: the option under the cursor alone
        assert_eq!(
            text(5, 3),
            [
                "Question 1 of 9",
                "1. a question on",
                "   two lines",
                "option 3",
                "keys"
            ]
        );
    }

    #[test]
    fn a_message_taller_than_the_terminal_scrolls_to_its_end() {
        let mut sc = Screen::default();
        sc.push(Sty::Alert, "title");
        sc.blank();
        for n in 1..=5 {
            sc.push(Sty::Plain, format!("line {n}"));
        }
        sc.push(Sty::Hint, "Press Enter");
        let more = (Sty::Hint, "more".to_string());
        let text = |rows, top: &mut usize| -> (Vec<String>, bool) {
            let (lines, end) = sc.scrolled(rows, top, &more);
            (lines.iter().map(|l| l.1.clone()).collect(), end)
        };
        // fits without the optional blank: no scrolling
        let mut top = 3;
        assert_eq!(
            text(7, &mut top),
            (
                [
                    "title",
                    "line 1",
                    "line 2",
                    "line 3",
                    "line 4",
                    "line 5",
                    "Press Enter"
                ]
                .map(String::from)
                .to_vec(),
                true
            )
        );
        assert_eq!(top, 0);
        // 4 rows: 3 lines of text and a row saying there is more
        let mut top = 0;
        assert_eq!(
            text(4, &mut top),
            (
                ["title", "line 1", "line 2", "more"]
                    .map(String::from)
                    .to_vec(),
                false
            )
        );
        top = 2;
        assert_eq!(
            text(4, &mut top),
            (
                ["line 2", "line 3", "line 4", "more"]
                    .map(String::from)
                    .to_vec(),
                false
            )
        );
        // past the end is clamped; the end shows the real last line
        top = 99;
        assert_eq!(
            text(4, &mut top),
            (
                ["line 3", "line 4", "line 5", "Press Enter"]
                    .map(String::from)
                    .to_vec(),
                true
            )
        );
        assert_eq!(top, 3);
    }

    #[test]
    fn digits_ascii_and_full_width() {
        assert_eq!(digit('3'), Some(3));
        assert_eq!(digit('０'), Some(0));
        assert_eq!(digit('９'), Some(9));
        assert_eq!(digit('a'), None);
    }
}
