//! Reading one answer cell: a value of the item's response set, an option
//! label or alias in any language (case and spaces ignored), a map-file
//! label, or with `--one-based` the option's position. Hot path: a cell
//! that is a small number is read without allocating.

use std::collections::HashMap;

use crate::instrument::normalize_label;
use crate::io::columns::ColumnPlan;
use crate::score::{Answer, Battery};

/// A cell that could not be read; it counts as missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCell {
    pub column: usize,
    /// What was found, for the message (trimmed, control characters escaped).
    pub value: String,
    /// What was expected and what happens now.
    pub message: String,
}

impl BadCell {
    pub fn new(column: usize, cell: &[u8], message: String) -> Self {
        let value = String::from_utf8_lossy(cell);
        let mut value = crate::diag::sanitize(value.trim());
        if value.chars().count() > 40 {
            value = value.chars().take(40).collect::<String>() + "…";
        }
        BadCell {
            column,
            value,
            message,
        }
    }

    /// `row N, column C: 'VALUE' MESSAGE`, as `score` reports cells (N as
    /// a spreadsheet shows it: the header is row 1). One line, safe for a
    /// terminal: the header and the value come from the input file.
    pub fn render(&self, row: u64, headers: &[String]) -> String {
        let column = match headers.get(self.column) {
            Some(h) if !h.is_empty() => h.clone(),
            _ => format!("#{}", self.column + 1),
        };
        let line = format!(
            "row {row}, column {column}: '{}' {}",
            self.value, self.message
        );
        crate::printable::printable_line(&line).into_owned()
    }
}

struct ItemReader {
    /// The item id, for messages.
    id: String,
    /// Option values in printed order.
    values: Vec<i32>,
    /// The answer a one-character cell `0`..`9` means (the hot path).
    digit: [Answer; 10],
    /// Index into `AnswerReader::labels`.
    labels: usize,
    expected: String,
}

pub struct AnswerReader {
    items: Vec<ItemReader>,
    labels: Vec<HashMap<String, i32>>,
    one_based: bool,
}

impl AnswerReader {
    pub fn new(battery: &Battery, extra_labels: &[(String, i32)], one_based: bool) -> Self {
        let mut labels = Vec::new();
        let mut set_index: HashMap<(usize, usize), usize> = HashMap::new();
        let mut items = Vec::new();
        for (k, inst) in battery.instruments.iter().enumerate() {
            for item in &inst.items {
                let set = &inst.response_sets[item.set];
                let li = *set_index.entry((k, item.set)).or_insert_with(|| {
                    let mut m = HashMap::new();
                    for (label, v) in extra_labels {
                        if set.contains(*v) {
                            m.insert(normalize_label(label), *v);
                        }
                    }
                    for o in &set.options {
                        for s in o
                            .label
                            .en
                            .iter()
                            .chain(o.label.zh.iter())
                            .chain(o.aliases.iter())
                        {
                            m.insert(normalize_label(s), o.value);
                        }
                    }
                    labels.push(m);
                    labels.len() - 1
                });
                let expected = if one_based {
                    format!("1–{} (option number) or a label", set.options.len())
                } else {
                    format!("{}–{} or a label", set.min, set.max)
                };
                let values: Vec<i32> = set.options.iter().map(|o| o.value).collect();
                let digit = std::array::from_fn(|d| {
                    let d = i64::try_from(d).unwrap_or(0);
                    by_number(&values, one_based, d)
                });
                items.push(ItemReader {
                    id: item.id.clone(),
                    digit,
                    values,
                    labels: li,
                    expected,
                });
            }
        }
        AnswerReader {
            items,
            labels,
            one_based,
        }
    }

    /// Read every item of one record into `answers` (battery order). An
    /// invalid cell is `Answer::Invalid` (missing for scoring) and noted in
    /// `bad`; an absent column or field is missing.
    #[inline(never)] // one caller, a loop: inlined it ran slower (callgrind)
    pub fn read_record(
        &self,
        plan: &ColumnPlan,
        rec: &csv::ByteRecord,
        answers: &mut [Answer],
        bad: &mut Vec<BadCell>,
    ) {
        bad.clear();
        for ((g, slot), col) in answers.iter_mut().enumerate().zip(&plan.items) {
            let cell = col.and_then(|(c, _)| rec.get(c).map(|cell| (c, cell)));
            let Some((c, cell)) = cell else {
                *slot = Answer::Missing;
                continue;
            };
            let a = self.read(g, cell);
            if let Answer::Invalid = a {
                bad.push(BadCell::new(
                    c,
                    cell,
                    format!(
                        "is not a valid answer for {} (expected {}); counted as missing",
                        self.items[g].id,
                        self.expected(g)
                    ),
                ));
            }
            *slot = a;
        }
    }

    /// What the reader expects for global item `g`, for error messages.
    pub fn expected(&self, g: usize) -> &str {
        &self.items[g].expected
    }

    /// Read one cell for global item `g`.
    #[inline]
    pub fn read(&self, g: usize, cell: &[u8]) -> Answer {
        let it = &self.items[g];
        match cell {
            [b @ b'0'..=b'9'] => it.digit[usize::from(b - b'0')],
            [] => Answer::Missing,
            _ => self.read_other(it, cell),
        }
    }

    /// Anything but a one-digit or empty cell: spaces, longer numbers,
    /// "2.0", labels.
    #[cold]
    fn read_other(&self, it: &ItemReader, cell: &[u8]) -> Answer {
        let cell = cell.trim_ascii();
        if cell.is_empty() {
            return Answer::Missing;
        }
        if let Some(n) = small_int(cell) {
            return self.by_number(it, n);
        }
        let Ok(text) = std::str::from_utf8(cell) else {
            return Answer::Invalid;
        };
        // "2.0" from spreadsheets and statistics packages is the number 2
        if let Some(n) = integral_decimal(text) {
            return self.by_number(it, n);
        }
        match self.labels[it.labels].get(&normalize_label(text)) {
            Some(&v) => Answer::Value(v),
            None => Answer::Invalid,
        }
    }

    fn by_number(&self, it: &ItemReader, n: i64) -> Answer {
        by_number(&it.values, self.one_based, n)
    }
}

/// A number read as a value of the set, or with `one_based` as the
/// position of an option (1 = the first printed option).
fn by_number(values: &[i32], one_based: bool, n: i64) -> Answer {
    if one_based {
        return match usize::try_from(n - 1).ok().and_then(|i| values.get(i)) {
            Some(&v) => Answer::Value(v),
            None => Answer::Invalid,
        };
    }
    match i32::try_from(n) {
        Ok(v) if values.contains(&v) => Answer::Value(v),
        _ => Answer::Invalid,
    }
}

fn small_int(b: &[u8]) -> Option<i64> {
    let (neg, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits
        .iter()
        .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
    Some(if neg { -v } else { v })
}

fn integral_decimal(s: &str) -> Option<i64> {
    let (int, frac) = s.split_once('.')?;
    if !frac.is_empty() && frac.bytes().all(|b| b == b'0') {
        small_int(int.as_bytes())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(small_int(b"12"), Some(12));
        assert_eq!(small_int(b"-1"), Some(-1));
        assert_eq!(small_int(b"1a"), None);
        assert_eq!(small_int(b""), None);
        assert_eq!(integral_decimal("2.0"), Some(2));
        assert_eq!(integral_decimal("2.5"), None);
        assert_eq!(integral_decimal("2."), None);
    }
}
