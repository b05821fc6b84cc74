//! A battery: the instruments of one run, laid out in flat arrays so one
//! person's answers and results live in two reused slices.

use super::{score_instrument, Answer, ScaleResult};
use crate::condition::{Fixed, Val};
use crate::instrument::{Instrument, Item, Scale};

/// What a name in a rule or a column refers to, within a battery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    /// Global item index (raw answer).
    Item(usize),
    /// Global scale index (total).
    Scale(usize),
    /// A name of an instrument that is not part of this run.
    Absent,
}

#[derive(Debug)]
pub struct Battery {
    pub instruments: Vec<Instrument>,
    item_offset: Vec<usize>,
    scale_offset: Vec<usize>,
    /// Decimal places of every scale, by global index (hot path of rules).
    scale_decimals: Vec<u8>,
    n_items: usize,
    n_scales: usize,
}

impl Battery {
    pub fn new(instruments: Vec<Instrument>) -> Self {
        let mut item_offset = Vec::new();
        let mut scale_offset = Vec::new();
        let (mut ni, mut ns) = (0, 0);
        for inst in &instruments {
            item_offset.push(ni);
            scale_offset.push(ns);
            ni += inst.items.len();
            ns += inst.scales.len();
        }
        let scale_decimals = instruments
            .iter()
            .flat_map(|i| i.scales.iter().map(|s| s.decimals))
            .collect();
        Battery {
            instruments,
            item_offset,
            scale_offset,
            scale_decimals,
            n_items: ni,
            n_scales: ns,
        }
    }

    pub fn n_items(&self) -> usize {
        self.n_items
    }

    pub fn n_scales(&self) -> usize {
        self.n_scales
    }

    /// Decimal places of the total of scale `s` (global index).
    pub fn scale_decimals(&self, s: usize) -> u8 {
        self.scale_decimals[s]
    }

    /// Every item with its global index, in instrument order.
    pub fn items(&self) -> impl Iterator<Item = (usize, &Instrument, &Item)> {
        self.instruments
            .iter()
            .enumerate()
            .flat_map(move |(k, inst)| {
                inst.items
                    .iter()
                    .enumerate()
                    .map(move |(i, it)| (self.item_offset[k] + i, inst, it))
            })
    }

    /// Every scale with its global index, in instrument order.
    pub fn scales(&self) -> impl Iterator<Item = (usize, &Instrument, &Scale)> {
        self.instruments
            .iter()
            .enumerate()
            .flat_map(move |(k, inst)| {
                inst.scales
                    .iter()
                    .enumerate()
                    .map(move |(i, s)| (self.scale_offset[k] + i, inst, s))
            })
    }

    /// Global indexes of every critical item.
    pub fn critical_items(&self) -> Vec<usize> {
        self.instruments
            .iter()
            .enumerate()
            .flat_map(|(k, inst)| inst.critical.iter().map(move |&i| self.item_offset[k] + i))
            .collect()
    }

    pub fn item_id(&self, global: usize) -> &str {
        let k = self.item_offset.partition_point(|&o| o <= global) - 1;
        &self.instruments[k].items[global - self.item_offset[k]].id
    }

    /// Resolve an item or scale id of this run.
    pub fn lookup(&self, name: &str) -> Option<Ref> {
        for (k, inst) in self.instruments.iter().enumerate() {
            if let Some(i) = inst.item_index(name) {
                return Some(Ref::Item(self.item_offset[k] + i));
            }
            if let Some(s) = inst.scale_index(name) {
                return Some(Ref::Scale(self.scale_offset[k] + s));
            }
        }
        None
    }

    /// Score one person: `answers` (global item order) gets skip logic
    /// applied in place; `results` receives every scale in global order.
    pub fn score(&self, answers: &mut [Answer], results: &mut [ScaleResult]) {
        for (k, inst) in self.instruments.iter().enumerate() {
            let a = self.item_offset[k];
            let s = self.scale_offset[k];
            score_instrument(
                inst,
                &mut answers[a..a + inst.items.len()],
                &mut results[s..s + inst.scales.len()],
            );
        }
    }

    /// The value a condition sees for `r`.
    pub fn value(&self, r: Ref, answers: &[Answer], results: &[ScaleResult]) -> Val {
        match r {
            Ref::Item(i) => answers[i].as_val(),
            Ref::Scale(s) => match results[s].total {
                Some(units) => Val::Known(Fixed {
                    units,
                    decimals: self.scale_decimals[s],
                }),
                None => Val::Missing,
            },
            Ref::Absent => Val::Absent,
        }
    }
}
