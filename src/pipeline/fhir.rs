//! `score --format fhir`: each scored row as FHIR R4 resources, one per
//! line (NDJSON), or as the entries of one transaction Bundle
//! (`--fhir-bundle`). A sink like `score`'s table writer: a row is built,
//! written and dropped, so memory stays constant whatever the input's size.

use std::io::Write;

use anyhow::Context as _;

use crate::exit;
use crate::fhir::{self, Outcome, Refs, Respondent};
use crate::instrument::Lang;
use crate::io::privacy::trim_id;
use crate::io::write::Dest;
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
            closed: false,
            hit_fail_on: false,
        })
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
        let who = Respondent {
            id: id.as_deref(),
            row: row.number,
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
