//! The input's problems, reported once for every command that reads rows:
//! each as it is met (`row N, column C: …` on stderr), counted in `Counts`,
//! and summed up at the end. A problem never drops a row: the row is still
//! scored, with the cell as missing.

use crate::io::fields::Record;

use crate::exit::Exit;
use crate::io::cells::BadCell;
use crate::io::record::{self, RecordInfo};
use crate::messages::{self, tr};
use crate::policy::{Level, Policy};

/// What a run read, scored and found wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub rows: u64,
    pub bad_cells: u64,
    /// Rows with at least one bad cell.
    pub bad_rows: u64,
    /// Rows with a wrong number of fields.
    pub ragged: u64,
    /// Records that ran over several physical lines.
    pub spanning: u64,
    /// Of those, the ones whose lines could not be re-read as rows, and
    /// the line breaks they took in.
    pub swallowing: u64,
    pub absorbed: u64,
    /// Item columns absent from the header: missing in every row.
    pub absent_columns: u64,
    /// Header cells that do not decode.
    pub header_problems: u64,
    /// Problems a command found in cells it reads itself (a duration).
    pub other: u64,
    /// Scale results with no total or band (raw answers only).
    pub incomplete: u64,
    /// Rows per level, by level index.
    pub per_level: Vec<u64>,
    /// The input could not be read to its end: rows after this were not
    /// read (a damaged workbook, an I/O error).
    pub stopped: Option<Stopped>,
    /// Bad cells kept here, with their row, instead of printed (a library
    /// call returns them); `None`: printed on stderr as they are met.
    pub collected: Option<Vec<(u64, BadCell)>>,
}

/// Where and why reading stopped after some rows were scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// The last row read and scored.
    pub after_row: u64,
    /// The read error, with its context.
    pub error: String,
}

impl Counts {
    /// One row more at `level`, with `incomplete` scale results.
    #[inline]
    pub fn scored(&mut self, level: Level, incomplete: u64) {
        self.incomplete += incomplete;
        if let Some(n) = self.per_level.get_mut(usize::from(level.0)) {
            *n += 1;
        }
    }

    /// The next row of a read; a read error after rows were scored ends
    /// the read instead: those rows stand, and `stopped` says how far it
    /// got (`last`, the last row scored). An error before any row is the
    /// run's error.
    pub fn next_or_stop<T>(
        &mut self,
        next: anyhow::Result<Option<T>>,
        last: u64,
    ) -> anyhow::Result<Option<T>> {
        match next {
            Err(e) if self.rows > 0 => {
                self.stopped = Some(Stopped {
                    after_row: last,
                    error: format!("{e:#}"),
                });
                Ok(None)
            }
            next => next,
        }
    }

    /// Every problem reported: each makes the exit code at least 1.
    pub fn problems(&self) -> u64 {
        self.bad_cells
            + self.ragged
            + self.spanning
            + self.absent_columns
            + self.header_problems
            + self.other
    }

    /// The exit code of a run over these rows (no rows: 2).
    pub fn exit(&self, hit_fail_on: bool) -> Exit {
        if self.stopped.is_some() {
            return Exit::after_stop(hit_fail_on);
        }
        Exit::after_run(self.rows, self.problems(), hit_fail_on)
    }

    /// The problems beyond invalid cells, for `score`'s summary line.
    pub fn beyond_cells(&self) -> String {
        let mut out = String::new();
        for (n, what) in [
            (
                self.ragged,
                messages::pick("row(s) with a wrong number of fields", "行字段数不对"),
            ),
            (
                self.spanning,
                messages::pick(
                    "quoted cell(s) over several lines",
                    "个带引号的单元格跨越多行",
                ),
            ),
            (
                self.absent_columns,
                messages::pick("item column(s) missing", "个题目列缺失"),
            ),
            (
                self.header_problems,
                messages::pick("header cell(s) that do not decode", "个表头单元格无法解码"),
            ),
        ] {
            if n > 0 {
                out.push_str(&tr!(", {n} {what}", "，{n} {what}"));
            }
        }
        out
    }

    /// A record as a whole: over several lines, or a wrong field count.
    /// `shifts`: extra fields mean the cells moved (CSV, not a sheet).
    /// A well-formed row only compares a few numbers; the rest is cold.
    #[inline]
    pub(super) fn record(
        &mut self,
        row: u64,
        info: &RecordInfo,
        rec: &Record,
        (headers, shifts): (&[String], bool),
    ) {
        if info.breaks > 0 || info.unclosed || rec.len() != headers.len() {
            self.bad_record(row, info, rec, (headers, shifts));
        }
    }

    #[cold]
    #[inline(never)]
    fn bad_record(
        &mut self,
        row: u64,
        info: &RecordInfo,
        rec: &Record,
        (headers, shifts): (&[String], bool),
    ) {
        if info.breaks > 0 || info.unclosed {
            eprintln!("{}", record::span_message(row, info, rec, headers));
            if info.reread == 0 {
                self.absorbed += info.breaks;
                self.swallowing += 1;
            }
            self.spanning += 1;
        }
        if shifts && rec.len() > headers.len() {
            eprintln!("{}", misaligned_message(row, rec.len(), headers.len()));
            self.ragged += 1;
        } else if rec.len() != headers.len() {
            eprintln!("{}", record::ragged_message(row, rec.len(), headers.len()));
            self.ragged += 1;
        }
    }

    /// The cells of one row that could not be read.
    #[inline]
    pub(super) fn cells(&mut self, row: u64, bad: &[BadCell], headers: &[String]) {
        if !bad.is_empty() {
            self.bad_cells_of(row, bad, headers);
        }
    }

    #[cold]
    #[inline(never)]
    fn bad_cells_of(&mut self, row: u64, bad: &[BadCell], headers: &[String]) {
        match &mut self.collected {
            Some(kept) => kept.extend(bad.iter().map(|b| (row, b.clone()))),
            None => {
                for b in bad {
                    eprintln!("{}", b.render(row, headers));
                }
            }
        }
        self.bad_cells += bad.len() as u64;
        self.bad_rows += 1;
    }

    /// The end of a read: a header with no rows is an error; lines a quote
    /// took in were not read as rows; a read that stopped says how far it
    /// got. `done` says what was (not) done (`scored`, `summarised`).
    pub fn end_notes(&self, name: &str, done: &str) {
        self.end_notes_with(name, done, done);
    }

    /// As `end_notes`, with what was done with the rows read before a
    /// read stopped (`summary` writes nothing then).
    pub fn end_notes_with(&self, name: &str, done: &str, done_before_stop: &str) {
        let error = messages::error();
        if self.rows == 0 {
            eprintln!(
                "{error}{}",
                tr!(
                    "{name} has a header but no rows: nothing {done}",
                    "{name} 只有表头没有数据行：未{done}任何内容"
                )
            );
        }
        if let Some(s) = &self.stopped {
            let (why, after) = (&s.error, s.after_row);
            eprintln!(
                "{error}{why}\n{error}{}",
                tr!(
                    "{name} could not be read past row {after}: the rows up to it were {done_before_stop}, the rest was not read",
                    "{name} 在第 {after} 行之后无法读取：此前的行已{done_before_stop}，其余未读取"
                )
            );
        }
        if self.absorbed > 0 {
            let (rows, lines) = (self.swallowing, self.absorbed);
            eprintln!(
                "{}{}",
                messages::warning(),
                tr!(
                    "{rows} row(s) took in {lines} more line(s) through a quoted cell: any rows on those lines were not scored (see above)",
                    "{rows} 行通过带引号的单元格多包含了 {lines} 行：这些行上的数据都没有评分（见上文）"
                )
            );
        }
    }

    /// The read stopped early: the output file `path` (if any) is not
    /// written, so that no partial result looks like a whole one.
    pub fn unwritten_note(&self, path: Option<&std::path::Path>) {
        if let (Some(_), Some(p)) = (&self.stopped, path) {
            let p = p.display();
            eprintln!(
                "{}{}",
                messages::error(),
                tr!(
                    "{p} was not written: the input could not be read to its end",
                    "未写入 {p}：输入未能读到结尾"
                )
            );
        }
    }

    /// Rows at the policy's top level: printed in any case (also with
    /// `--quiet`, also when stdout closed early).
    /// `score`'s closing line on stderr: `scored N row(s) of FILE …`, the
    /// problems behind an exit 1, and the count per level. `closed`: stdout
    /// was closed early (`| head`).
    pub fn score_summary(
        &self,
        policy: &Policy,
        (name, encoding, output): (&str, &str, Option<&std::path::Path>),
        seconds: f64,
        closed: bool,
    ) {
        let lang = messages::lang();
        let levels: Vec<String> = policy
            .levels
            .iter()
            .zip(&self.per_level)
            .map(|(l, n)| match lang {
                crate::instrument::Lang::En => format!("{} {n}", l.id),
                crate::instrument::Lang::Zh => format!("{} {n}", l.label.get(lang)),
            })
            .collect();
        let dest = output
            .map(|p| format!(" → {}", p.display()))
            .unwrap_or_default();
        let (n, bad_cells, bad_rows, incomplete) =
            (self.rows, self.bad_cells, self.bad_rows, self.incomplete);
        let beyond = self.beyond_cells();
        let stopped = if closed {
            messages::pick(
                "; output stopped early (stdout closed)",
                "；输出提前停止（标准输出已关闭）",
            )
        } else {
            ""
        };
        let levels = levels.join(messages::pick(", ", "，"));
        eprintln!(
            "{}",
            tr!(
                "scored {n} row(s) of {name} ({encoding}){dest} in {seconds:.2} s; {bad_cells} invalid cell(s) in {bad_rows} row(s){beyond}{stopped}; {incomplete} incomplete scale result(s); levels: {levels}",
                "已评分 {name}（{encoding}）的 {n} 行{dest}，用时 {seconds:.2} 秒；{bad_cells} 个无效单元格，分布在 {bad_rows} 行{beyond}{stopped}；{incomplete} 个量表结果不完整；各级别：{levels}"
            )
        );
    }

    pub fn top_level_notice(&self, policy: &Policy) {
        self.top_level_notice_of(policy, false);
    }

    /// `top_level_notice` of a run whose output was closed before the end
    /// (`| head`): the count is of the rows scored by then, which depends
    /// on when the pipe closed, and later rows were never scored.
    pub fn top_level_notice_closed_early(&self, policy: &Policy) {
        self.top_level_notice_of(policy, true);
    }

    fn top_level_notice_of(&self, policy: &Policy, closed_early: bool) {
        let top = policy.top();
        let at_top = self.per_level.get(usize::from(top.0)).copied().unwrap_or(0);
        if at_top > 0 && top > Level(0) {
            let id = policy.level_id(top);
            let label = policy.levels[usize::from(top.0)]
                .label
                .get(messages::lang());
            let text = if closed_early {
                tr!(
                    "{at_top} row(s) at `{id}` among the rows scored before the output was closed (how many depends on when it closed; later rows were not scored): act on them now, and score the whole file for the rest (crisis protocol; `psyscreen hotlines`)",
                    "在输出关闭前已评分的行中，有 {at_top} 行处于最高级别「{label}」（`{id}`）（数目取决于输出何时关闭；其后的行未评分）：请立即处理，并对整个文件评分以找出其余的行（危机处理流程；`psyscreen hotlines`）"
                )
            } else {
                tr!(
                    "{at_top} row(s) at `{id}`: act on them now (crisis protocol; `psyscreen hotlines`)",
                    "{at_top} 行处于最高级别「{label}」（`{id}`）：请立即处理（危机处理流程；`psyscreen hotlines`）"
                )
            };
            eprintln!("{}{text}", messages::notice());
            // the staff protocol, one line, in the run's language
            let protocol = crate::printable::printable_line(policy.crisis_staff(messages::lang()))
                .into_owned();
            eprintln!(
                "{}{}",
                messages::notice(),
                tr!("crisis protocol: {protocol}", "危机处理流程：{protocol}")
            );
        }
    }
}

/// A row with more fields than the header: a comma (or tab …) typed in a
/// cell and not quoted moved every later cell one column on, so no cell of
/// it can be trusted to be under its own header.
pub fn misaligned_message(row: u64, fields: usize, headers: usize) -> String {
    tr!(
        "row {row}: {fields} fields but the header has {headers} — an unquoted comma? \
         its answers cannot be matched to their columns and are not used (counted as missing)",
        "第 {row} 行：有 {fields} 个字段，但表头有 {headers} 个——是否有未加引号的逗号？\
         此行的答案无法对应到各列，因此不使用（按缺失计）"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_counts_toward_the_exit_code() {
        let mut c = Counts {
            rows: 3,
            ..Counts::default()
        };
        assert_eq!(c.exit(false), Exit::Success);
        c.absent_columns = 1;
        assert_eq!(c.problems(), 1);
        assert_eq!(c.exit(false), Exit::BadCells);
        assert_eq!(c.exit(true), Exit::Flagged);
        assert_eq!(c.beyond_cells(), ", 1 item column(s) missing");
        c.rows = 0;
        assert_eq!(c.exit(false), Exit::Error, "a header alone is an error");
    }
}
