//! `score --format fhir`: each scored row as FHIR R4 resources, one per
//! line (NDJSON), or as the entries of one transaction Bundle
//! (`--fhir-bundle`). A sink like `score`'s table writer: a row is built,
//! written and dropped, so memory stays constant whatever the input's size.
//! The person is the resources' `subject` by their id (the pseudonym with
//! `--pseudonymize`), and a survey platform's submission time their
//! `authored`/`effectiveDateTime`, when the input has them.

use std::io::Write;

use anyhow::Context as _;

use crate::exit;
use crate::fhir::{self, Outcome, Refs, Respondent};
use crate::instrument::Lang;
use crate::io::platform::{Layout, Platform};
use crate::io::privacy::trim_id;
use crate::io::write::Dest;
use crate::messages::tr;
use crate::policy::{Bound, Policy};
use crate::score::Battery;

use super::write::{Filter, Lead};
use super::{Row, RowSink, Scores};

const BUNDLE_START: &[u8] = br#"{"resourceType":"Bundle","type":"transaction","entry":["#;
const BUNDLE_EMPTY: &[u8] = b"{\"resourceType\":\"Bundle\",\"type\":\"transaction\"}\n";

pub struct FhirWriter<'a, W: Write> {
    out: W,
    battery: &'a Battery,
    policy: &'a Policy,
    bound: &'a Bound,
    lang: Lang,
    lead: Lead,
    filter: Filter,
    refs: Refs,
    /// A person's terminal: text from outside made printable.
    dest: Dest,
    /// No entry written yet (a bundle's separator).
    first: bool,
    reasons: String,
    /// Each instrument's fixed parts, serialized once.
    encoder: fhir::encode::Encoder,
    /// One resource's body, before it joins `line`.
    scratch: Vec<u8>,
    line: Vec<u8>,
    /// The column of a platform's submission time, the platform and the
    /// column's name.
    submitted: Option<(usize, Platform, String)>,
    /// A submission time that could not be read was said (once a run).
    said_unread_time: bool,
    /// The id column is a platform's running number of responses: it
    /// names a response, not a person, so no `subject`.
    id_counts_responses: bool,
    /// stdout closed: nothing more is written.
    pub closed: bool,
    pub hit_fail_on: bool,
}

impl<'a, W: Write> FhirWriter<'a, W> {
    pub fn new(
        (out, dest, bundle): (W, Dest, bool),
        (battery, policy, bound): (&'a Battery, &'a Policy, &'a Bound),
        lang: Lang,
        lead: Lead,
        filter: Filter,
    ) -> anyhow::Result<Self> {
        Ok(FhirWriter {
            out,
            battery,
            policy,
            bound,
            lang,
            lead,
            filter,
            refs: if bundle { Refs::Bundle } else { Refs::Relative },
            dest,
            first: true,
            reasons: String::new(),
            encoder: fhir::encode::Encoder::new(&battery.instruments),
            scratch: Vec::new(),
            line: Vec::new(),
            submitted: None,
            said_unread_time: false,
            id_counts_responses: false,
            closed: false,
            hit_fail_on: false,
        })
    }

    /// What the input's header and platform say beyond the answers: the
    /// column of the submission time (`authored`), and whether the id
    /// column only numbers the responses (no `subject`).
    pub fn source(mut self, headers: &[String], layout: Option<&Layout>) -> Self {
        let Some(l) = layout else {
            return self;
        };
        self.submitted = l
            .submitted_column(headers)
            .map(|c| (c, l.platform, headers[c].clone()));
        self.id_counts_responses = l.running_id().is_some_and(|r| {
            self.lead
                .id
                .and_then(|c| headers.get(c))
                .is_some_and(|h| h == r)
        });
        self
    }

    /// The row's submission time as a FHIR dateTime, if its cell has one
    /// that reads unambiguously; the first that does not is said.
    fn authored(&mut self, row: &Row<'_>) -> Option<String> {
        let (c, platform, column) = self.submitted.as_ref()?;
        let cell = String::from_utf8_lossy(row.record.get(*c)?);
        let cell = cell.trim();
        // LimeSurvey's stand-in for the time of a survey that records none
        if cell.is_empty() || (*platform == Platform::Limesurvey && cell.starts_with("1980-01-01"))
        {
            return None;
        }
        let time = fhir::datetime::date_time(cell);
        if time.is_none() && !self.said_unread_time {
            self.said_unread_time = true;
            let (row, cell) = (row.number, crate::printable::printable_line(cell));
            let column = crate::printable::printable_line(column);
            eprintln!(
                "{}{}",
                crate::messages::note(),
                tr!(
                    "row {row}, column {column}: the submission time `{cell}` is not a date with the year first, the only kind read unambiguously: FHIR resources whose time cannot be read have no `authored`",
                    "第 {row} 行，{column} 列：提交时间 `{cell}` 不是年份在前的日期，只有这种日期能无歧义地读出：读不出时间的 FHIR 资源不写 `authored`"
                )
            );
        }
        time
    }

    /// The end: a bundle closed, the output flushed; `None` when stdout
    /// closed.
    pub fn finish(mut self) -> anyhow::Result<Option<W>> {
        if self.closed {
            return Ok(None);
        }
        // FHIR JSON has no empty arrays: a bundle of nothing has no `entry`
        let end = match (self.refs, self.first) {
            (Refs::Bundle, true) => self.out.write_all(BUNDLE_EMPTY),
            (Refs::Bundle, false) => self.out.write_all(b"]}\n"),
            (Refs::Relative, _) => Ok(()),
        };
        match end.and_then(|()| self.out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(None),
            Err(e) => Err(e).context("writing output"),
            Ok(()) => Ok(Some(self.out)),
        }
    }

    /// The row's resources, into `self.line`.
    fn encode(&mut self, row: &Row<'_>) -> anyhow::Result<()> {
        let Scores::Answers {
            answers,
            as_read,
            results,
            outcome,
            raw_id,
        } = &row.scores
        else {
            unreachable!("score reads raw answers only")
        };
        // the person's answers as given, before skip logic implied any
        let given = if as_read.is_empty() { answers } else { as_read };
        let cell = self.lead.id.and_then(|c| row.record.get(c));
        let id = match (cell, &self.lead.pseudonyms) {
            (Some(c), _) if trim_id(c).is_empty() => None,
            (Some(c), Some(p)) => Some(p.pseudonym(raw_id.unwrap_or(c))),
            (Some(c), None) => Some(String::from_utf8_lossy(trim_id(c)).into_owned()),
            (None, _) => None,
        };
        let authored = self.authored(row);
        let who = Respondent {
            id: id.as_deref(),
            row: row.number,
            subject: id.as_deref().filter(|_| !self.id_counts_responses),
            authored: authored.as_deref(),
        };
        self.bound.reasons(outcome, self.lang, &mut self.reasons);
        let level = &self.policy.levels[usize::from(row.level.0)];
        let outcome = Outcome {
            level_id: &level.id,
            level_label: level.label.get(self.lang),
            reasons: &self.reasons,
        };
        self.line.clear();
        let (mut item, mut scale) = (0, 0);
        let (line, first, refs) = (&mut self.line, &mut self.first, self.refs);
        for (k, inst) in self.battery.instruments.iter().enumerate() {
            let (ni, ns) = (inst.items.len(), inst.scales.len());
            let slices = (&given[item..item + ni], &results[scale..scale + ns]);
            let emit = |kind: &'static str, id: &str, body: &[u8]| {
                match refs {
                    Refs::Relative => {
                        line.extend_from_slice(body);
                        line.push(b'\n');
                    }
                    Refs::Bundle => {
                        // the bundle opens with its first entry (see `finish`)
                        line.extend_from_slice(if *first { BUNDLE_START } else { b"," });
                        line.push(b'\n');
                        fhir::encode::bundle_entry(line, kind, id, body);
                    }
                }
                *first = false;
            };
            self.encoder.row(
                (k, inst),
                slices,
                (&who, &outcome),
                refs,
                &mut self.scratch,
                emit,
            );
            (item, scale) = (item + ni, scale + ns);
        }
        Ok(())
    }
}

impl<W: Write> RowSink for FhirWriter<'_, W> {
    fn row(&mut self, row: &Row<'_>) -> anyhow::Result<bool> {
        if self.filter.fail_on.is_some_and(|f| row.level >= f) {
            self.hit_fail_on = true;
        }
        if self.closed || self.filter.min_level.is_some_and(|m| row.level < m) {
            return Ok(true);
        }
        self.encode(row)?;
        let line = match self.dest {
            // JSON escapes C0 controls, not C1 controls or bidi overrides
            Dest::Terminal => {
                match crate::printable::printable(&String::from_utf8_lossy(&self.line)) {
                    std::borrow::Cow::Owned(p) => std::borrow::Cow::Owned(p.into_bytes()),
                    std::borrow::Cow::Borrowed(_) => std::borrow::Cow::Borrowed(&self.line[..]),
                }
            }
            Dest::Data => std::borrow::Cow::Borrowed(&self.line[..]),
        };
        match self.out.write_all(&line).context("writing output") {
            // go on scoring, unwritten, only when the exit code depends on it
            Err(e) if exit::is_broken_pipe(&e) => {
                self.closed = true;
                Ok(self.filter.fail_on.is_some())
            }
            other => other.map(|()| true),
        }
    }
}
