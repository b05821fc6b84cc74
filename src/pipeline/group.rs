//! What `summary` and `report` take from each scored row: its group key
//! (`--by`), its id, its scale facts and level, and (from a level on) its
//! reasons, the same for raw answers and for a scored file read back.

use crate::instrument::Lang;
use crate::score::Answer;
use crate::summary::info::Facts;
use crate::summary::ScaleFact;

use super::write::unguarded;
use super::{Input, Row, Scores, Setup};

/// One row as a group summary sees it.
pub struct View<'r> {
    /// As a spreadsheet shows it: the header is row 1.
    pub row: u64,
    pub id: &'r str,
    pub key: &'r [String],
    pub facts: &'r [ScaleFact],
    pub level: usize,
    /// Filled for rows at `reasons_from` or above.
    pub reasons: &'r str,
    /// Raw input: the answers after skip logic, in the battery's order.
    pub answers: Option<&'r [Answer]>,
    /// Raw input with `Options::as_read`: before skip logic.
    pub as_read: Option<&'r [Answer]>,
}

pub struct Grouping<'s> {
    /// The `--by` columns' names.
    pub by: Vec<String>,
    /// The id column's name, when there is one.
    pub id_name: Option<String>,
    by_cols: Vec<usize>,
    id_col: Option<usize>,
    setup: &'s Setup,
    reasons_from: Option<usize>,
    lang: Lang,
    facts: Option<Facts>,
    key: Vec<String>,
    id: String,
    reasons: String,
}

impl<'s> Grouping<'s> {
    /// `by_cols`: the `--by` columns (`Input::columns`). `id_column`: else
    /// `id` for raw answers, the first column of a scored file.
    /// `reasons_from`: the lowest level whose reasons are kept.
    pub fn new(
        input: &Input,
        setup: &'s Setup,
        (by_cols, id_column): (Vec<usize>, Option<&str>),
        reasons_from: Option<usize>,
        lang: Lang,
    ) -> anyhow::Result<Grouping<'s>> {
        let headers = &input.table.headers;
        let id_col = match id_column {
            Some(c) => Some(input.column("--id-column", c.trim())?),
            None if setup.battery().is_some() => input.default_id(),
            None => (!headers.is_empty()).then_some(0),
        };
        Ok(Grouping {
            by: by_cols.iter().map(|&c| headers[c].clone()).collect(),
            id_name: id_col.map(|c| headers[c].clone()),
            by_cols,
            id_col,
            setup,
            reasons_from,
            lang,
            facts: setup.battery().map(Facts::new),
            key: Vec::new(),
            id: String::new(),
            reasons: String::new(),
        })
    }

    /// The id column, when there is one.
    pub fn id_column(&self) -> Option<usize> {
        self.id_col
    }

    /// Whether a `--by` column is the id column: one group per person.
    pub fn groups_people(&self) -> bool {
        self.id_col.is_some_and(|c| self.by_cols.contains(&c))
    }

    pub fn view<'r>(&'r mut self, row: &'r Row<'r>) -> View<'r> {
        // a scored file holds text as `score` wrote it, `=A` as `'=A` (a
        // spreadsheet's guard): taken off before the value is trimmed, so
        // a class (or an id) is the same from raw answers and from their
        // scored file, and a tab-only value is blank in both
        let scored = matches!(row.scores, Scores::Scored { .. });
        let cell = |c: usize| {
            let bytes = row.record.get(c).unwrap_or_default();
            String::from_utf8_lossy(if scored { unguarded(bytes) } else { bytes })
        };
        // the key's and the id's strings are kept from row to row: no
        // allocation per row
        self.key.resize_with(self.by_cols.len(), String::new);
        for (value, &c) in self.key.iter_mut().zip(&self.by_cols) {
            value.clear();
            value.push_str(cell(c).trim());
        }
        self.id.clear();
        match self.id_col {
            Some(c) => self.id.push_str(cell(c).trim()),
            None => self.id.push_str(itoa::Buffer::new().format(row.number)),
        }
        let level = usize::from(row.level.0);
        let with_reasons = self.reasons_from.is_some_and(|f| level >= f);
        self.reasons.clear();
        let (facts, answers, as_read) = match (&row.scores, &mut self.facts) {
            (
                Scores::Answers {
                    answers,
                    as_read,
                    results,
                    outcome,
                    ..
                },
                Some(facts),
            ) => {
                if with_reasons {
                    if let Some((_, bound)) = &self.setup.scoring {
                        bound.reasons(outcome, self.lang, &mut self.reasons);
                    }
                }
                let kept = (!as_read.is_empty()).then_some(*as_read);
                (facts.fill(results), Some(*answers), kept)
            }
            (Scores::Scored { facts, reasons }, _) => {
                if with_reasons {
                    self.reasons
                        .push_str(String::from_utf8_lossy(reasons).trim());
                }
                (*facts, None, None)
            }
            (Scores::Answers { .. }, None) => unreachable!("raw answers come with a battery"),
        };
        View {
            row: row.number,
            id: &self.id,
            key: &self.key,
            facts,
            level,
            reasons: &self.reasons,
            answers,
            as_read,
        }
    }
}
