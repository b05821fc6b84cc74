//! Plain mode, for scripts, screen readers and tests: each prompt is printed
//! as lines, one answer is read per line (a value, a label in either
//! language, or `skip`, `back`, `quit`). After a crisis message the next
//! line, whatever it holds, acknowledges it. End of input stops the session
//! and keeps the journal.

use std::io::{BufRead, Write};

use super::text::{keep_how, tr, Crisis};
use super::{Action, Frontend, ResumeInfo, Session, Slot, Stop};
use crate::instrument::{normalize_label, Lang};
use crate::io::cells::AnswerReader;
use crate::score::{Answer, Battery};

pub struct Plain<R, W> {
    lang: Lang,
    reader: AnswerReader,
    input: R,
    out: W,
    /// The instrument whose instructions were printed last.
    shown: Option<usize>,
    /// Kept answers can be resumed (there is a respondent id).
    resumable: bool,
}

enum Command {
    Back,
    Skip,
    Quit,
}

fn command(s: &str) -> Option<Command> {
    match normalize_label(s).as_str() {
        "b" | "back" | "返回" | "上一题" => Some(Command::Back),
        "s" | "skip" | "跳过" => Some(Command::Skip),
        "q" | "quit" | "退出" => Some(Command::Quit),
        _ => None,
    }
}

fn yes_no(s: &str) -> Option<bool> {
    match normalize_label(s).as_str() {
        "y" | "yes" | "是" | "好" => Some(true),
        "n" | "no" | "否" | "不" => Some(false),
        _ => None,
    }
}

impl<R: BufRead, W: Write> Plain<R, W> {
    pub fn new(battery: &Battery, lang: Lang, input: R, out: W) -> Self {
        Plain {
            lang,
            reader: AnswerReader::new(battery, &[], false),
            input,
            out,
            shown: None,
            resumable: true,
        }
    }

    /// Without a respondent id kept answers cannot be resumed: say so.
    #[must_use]
    pub fn resumable(mut self, yes: bool) -> Self {
        self.resumable = yes;
        self
    }

    /// Everything plain mode prints goes through here (`writeln!(self, …)`):
    /// stems, options and the crisis text come from instrument and policy
    /// files, and must not drive the terminal.
    fn write_fmt(&mut self, args: std::fmt::Arguments<'_>) -> std::io::Result<()> {
        let text = args.to_string();
        self.out
            .write_all(crate::printable::printable(&text).as_bytes())
    }

    /// One line of input without its line ending; `None` at end of input.
    fn line(&mut self) -> anyhow::Result<Option<String>> {
        self.out.flush()?;
        let mut buf = Vec::new();
        if self.input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(None);
        }
        let s = String::from_utf8_lossy(&buf);
        Ok(Some(s.trim_end_matches(['\n', '\r']).to_string()))
    }

    fn confirm_quit(&mut self, given: usize) -> anyhow::Result<bool> {
        if given == 0 {
            return Ok(false);
        }
        loop {
            let how = keep_how(self.lang, self.resumable);
            match self.lang {
                Lang::En => writeln!(self, "Keep the {given} answer(s) given so far {how}? (y/n)")?,
                Lang::Zh => writeln!(self, "保留已作答的 {given} 题{how}？(y/n)")?,
            }
            match self.line()? {
                // end of input: keep, as for any stop
                None => return Ok(true),
                Some(l) => {
                    if let Some(b) = yes_no(&l) {
                        return Ok(b);
                    }
                }
            }
        }
    }
}

impl<R: BufRead, W: Write> Frontend for Plain<R, W> {
    fn offer_resume(&mut self, info: &ResumeInfo) -> anyhow::Result<Result<bool, Stop>> {
        let id = crate::diag::sanitize(&info.id);
        match self.lang {
            Lang::En => writeln!(
                self,
                "Unfinished answers found for {id} ({}; started {}; {} given).",
                info.instruments.join(", "),
                info.started,
                info.given
            )?,
            Lang::Zh => writeln!(
                self,
                "发现 {id} 未完成的作答（{}；开始于 {}；已作答 {} 题）。",
                info.instruments.join("、"),
                info.started,
                info.given
            )?,
        }
        loop {
            writeln!(
                self,
                "{}",
                tr(
                    self.lang,
                    "Resume where it stopped? (y = resume, n = start again)",
                    "从中断处继续？（y = 继续，n = 重新开始）"
                )
            )?;
            match self.line()? {
                None => return Ok(Err(Stop::EndOfInput)),
                Some(l) => {
                    if let Some(b) = yes_no(&l) {
                        return Ok(Ok(b));
                    }
                }
            }
        }
    }

    fn ask(&mut self, s: &Session<'_>, g: usize) -> anyhow::Result<Action> {
        let lang = self.lang;
        let (k, inst, i, item) = s.item(g);
        if self.shown != Some(k) {
            self.shown = Some(k);
            writeln!(self, "\n== {} ==", inst.name.get(lang))?;
            let instr = inst.instructions.get(lang);
            if !instr.is_empty() {
                writeln!(self, "{instr}")?;
            }
        }
        let set = inst.set_of(i);
        loop {
            let (at, total) = s.progress();
            writeln!(self, "[{at}/{total}] {}. {}", i + 1, item.text.get(lang))?;
            let options: Vec<String> = set
                .options
                .iter()
                .map(|o| format!("{} = {}", o.value, o.label.get(lang)))
                .collect();
            let mut line = format!("  {}", options.join("; "));
            match s.slot(g) {
                Slot::Value(v) => line.push_str(&match lang {
                    Lang::En => format!("  (current answer: {v})"),
                    Lang::Zh => format!("（当前答案：{v}）"),
                }),
                Slot::Skipped => line.push_str(tr(lang, "  (skipped before)", "（之前已跳过）")),
                Slot::Pending => {}
            }
            writeln!(self, "{line}")?;
            let Some(input) = self.line()? else {
                return Ok(Action::Stop(Stop::EndOfInput));
            };
            let input = input.trim();
            match command(input) {
                Some(Command::Back) if s.can_go_back() => return Ok(Action::Back),
                Some(Command::Back) => {
                    writeln!(
                        self,
                        "{}",
                        tr(lang, "This is the first question.", "这是第一题。")
                    )?;
                }
                Some(Command::Skip) => return Ok(Action::Skip),
                Some(Command::Quit) => {
                    let (a, sk) = s.counts();
                    let keep = self.confirm_quit(a + sk)?;
                    return Ok(Action::Quit { keep });
                }
                None => match self.reader.read(g, input.as_bytes()) {
                    Answer::Value(v) => return Ok(Action::Answer(v)),
                    _ => {
                        let range = format!("{}–{}", set.min, set.max);
                        let shown = crate::diag::sanitize(input);
                        match lang {
                            Lang::En => writeln!(
                                self,
                                "'{shown}' is not an answer to this question: type {range} or an option's words, or skip, back, quit."
                            )?,
                            Lang::Zh => writeln!(
                                self,
                                "“{shown}”不是此题的有效答案：请输入 {range} 或选项文字，或 skip（跳过）、back（返回）、quit（退出）。"
                            )?,
                        }
                    }
                },
            }
        }
    }

    fn review(&mut self, _: &Session<'_>) -> anyhow::Result<Action> {
        // a script gives exactly the answers: finish without another line
        Ok(Action::Finish)
    }

    fn crisis(&mut self, c: &Crisis) -> anyhow::Result<Option<Stop>> {
        writeln!(self, "\n{}", c.title)?;
        writeln!(self, "{}", c.message)?;
        writeln!(self, "{}", c.lines_heading)?;
        for l in &c.lines {
            writeln!(self, "  {l}")?;
        }
        writeln!(
            self,
            "{}",
            tr(self.lang, "Press Enter to continue.", "按回车键继续。")
        )?;
        Ok(match self.line()? {
            Some(_) => None,
            None => Some(Stop::EndOfInput),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument;
    use crate::policy;

    #[test]
    fn answers_labels_commands_and_hints() {
        let battery = Battery::new(vec![instrument::builtin("gad7").unwrap().unwrap()]);
        let policy = policy::default_policy().unwrap();
        let bound = policy.bind(&battery, &instrument::builtin_names()).unwrap();
        let s = Session::new(&battery, &bound, policy.levels.len());
        let input = "7\n\nback\nseveral days\n完全不会\nskip\nquit\nmaybe\ny\n";
        let mut out = Vec::new();
        let mut p = Plain::new(&battery, Lang::En, input.as_bytes(), &mut out);
        // 7 and a blank are refused, back on the first question is refused
        assert_eq!(p.ask(&s, 0).unwrap(), Action::Answer(1));
        assert_eq!(p.ask(&s, 0).unwrap(), Action::Answer(0));
        assert_eq!(p.ask(&s, 0).unwrap(), Action::Skip);
        // no answer given yet in `s`: quit asks nothing
        assert_eq!(p.ask(&s, 0).unwrap(), Action::Quit { keep: false });
        assert!(p.confirm_quit(2).unwrap(), "maybe → asked again → y");
        assert_eq!(p.ask(&s, 0).unwrap(), Action::Stop(Stop::EndOfInput));
        drop(p);
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with("\n== Generalized Anxiety Disorder"),
            "{out}"
        );
        assert!(
            out.contains(
                "[1/7] 1. Feeling nervous, anxious or on edge\n  0 = Not at all; 1 = Several days;"
            ),
            "{out}"
        );
        assert!(
            out.contains("'7' is not an answer to this question: type 0–3"),
            "{out}"
        );
        assert!(out.contains("This is the first question."), "{out}");
    }
}
