//! The optional `codes:` block: codes of a terminology (LOINC) for the
//! instrument's panel, its scales' totals, its items and its answers,
//! used by the FHIR output. Only codes someone verified belong here (the
//! YAML says where); a LOINC code's check digit is checked, so a typo
//! is caught before it reaches a health record.

use indexmap::IndexMap;
use serde::Deserialize;

use super::{ResponseSet, Scale};

pub const LOINC: &str = "http://loinc.org";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCodes {
    pub system: String,
    #[serde(default)]
    pub panel: Option<String>,
    /// Scale id → the code of its total.
    #[serde(default)]
    pub total: IndexMap<String, String>,
    /// Item id → the code of the question.
    #[serde(default)]
    pub items: IndexMap<String, String>,
    /// Response set id → option value → the code of that answer.
    #[serde(default)]
    pub answers: IndexMap<String, IndexMap<i32, String>>,
}

/// Checked codes, indexed like the instrument's items, scales and sets.
#[derive(Debug, Clone, Default)]
pub struct Codes {
    pub system: String,
    pub panel: Option<String>,
    /// Per scale.
    pub totals: Vec<Option<String>>,
    /// Per item.
    pub items: Vec<Option<String>>,
    /// Per response set, per option (in printed order).
    pub answers: Vec<Vec<Option<String>>>,
}

/// A problem at a YAML path: (path, message, expected).
pub type Problem = (String, String, Option<String>);

/// Check the block against the instrument's items, scales and sets.
pub fn check(
    raw: &RawCodes,
    item_ids: &[&str],
    scales: &[Scale],
    sets: &[ResponseSet],
) -> (Codes, Vec<Problem>) {
    let mut problems = Vec::new();
    let loinc = raw.system.trim_end_matches('/') == LOINC;
    if !raw.system.contains(':') || raw.system.chars().any(char::is_whitespace) {
        problems.push((
            "codes.system".to_string(),
            format!("codes.system `{}` is not a URI", raw.system),
            Some(format!("the code system's URI, e.g. {LOINC}")),
        ));
    }
    let mut code_ok = |path: String, code: &str, answer: bool| {
        if let Some(why) = code_problem(code, loinc, answer) {
            problems.push((path, why, None));
        }
    };
    if let Some(p) = &raw.panel {
        code_ok("codes.panel".into(), p, false);
    }
    let mut codes = Codes {
        system: raw.system.clone(),
        panel: raw.panel.clone(),
        totals: vec![None; scales.len()],
        items: vec![None; item_ids.len()],
        answers: sets.iter().map(|s| vec![None; s.options.len()]).collect(),
    };
    let mut unknown = Vec::new();
    let mut unknown_expected: Vec<Problem> = Vec::new();
    for (id, code) in &raw.total {
        let path = format!("codes.total.{id}");
        code_ok(path.clone(), code, false);
        match scales.iter().position(|s| &s.id == id) {
            Some(s) => codes.totals[s] = Some(code.clone()),
            None => unknown.push((
                path,
                format!("codes.total names `{id}`, which is not a scale of this instrument"),
            )),
        }
    }
    for (id, code) in &raw.items {
        let path = format!("codes.items.{id}");
        code_ok(path.clone(), code, false);
        match item_ids.iter().position(|i| i == id) {
            Some(i) => codes.items[i] = Some(code.clone()),
            None => unknown.push((
                path,
                format!("codes.items names `{id}`, which is not an item of this instrument"),
            )),
        }
    }
    for (set_id, by_value) in &raw.answers {
        let Some(s) = sets.iter().position(|s| &s.id == set_id) else {
            unknown.push((
                format!("codes.answers.{set_id}"),
                format!("codes.answers names `{set_id}`, which is not a response set of this instrument"),
            ));
            continue;
        };
        for (value, code) in by_value {
            let path = format!("codes.answers.{set_id}.{value}");
            code_ok(path.clone(), code, true);
            match sets[s].options.iter().position(|o| o.value == *value) {
                Some(o) => codes.answers[s][o] = Some(code.clone()),
                None => unknown.push((
                    path,
                    format!("codes.answers.{set_id} gives a code for {value}, which is not a value of that set"),
                )),
            }
        }
        if by_value.len() != sets[s].options.len() {
            // an answer without its code would go out uncoded beside coded ones
            unknown_expected.push((
                format!("codes.answers.{set_id}"),
                format!(
                    "codes.answers.{set_id} codes {} of its {} options",
                    by_value.len(),
                    sets[s].options.len()
                ),
                Some("a code for every option, or none".into()),
            ));
        }
    }
    problems.extend(unknown.into_iter().map(|(p, m)| (p, m, None)));
    problems.extend(unknown_expected);
    (codes, problems)
}

/// Why `code` is not a code of the system, if it is not.
fn code_problem(code: &str, loinc: bool, answer: bool) -> Option<String> {
    if code.is_empty() || code.chars().any(char::is_whitespace) {
        return Some(format!("`{code}` is not a code (empty or with spaces)"));
    }
    if !loinc {
        return None;
    }
    if answer {
        // LOINC answers: LA, digits, a dash and one digit
        let ok = code
            .strip_prefix("LA")
            .and_then(|r| r.split_once('-'))
            .is_some_and(|(n, d)| digits(n) && d.len() == 1 && digits(d));
        return (!ok).then(|| format!("`{code}` is not a LOINC answer code (LA…-N)"));
    }
    match code.split_once('-') {
        Some((n, d)) if digits(n) && n.len() <= 7 && d.len() == 1 && digits(d) => {
            let expected = loinc_check_digit(n);
            (d.as_bytes()[0] - b'0' != expected).then(|| {
                format!(
                    "`{code}` is not a LOINC code: its check digit should be {expected} (a typo?)"
                )
            })
        }
        _ => Some(format!(
            "`{code}` is not a LOINC code (digits, a dash, a check digit)"
        )),
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// LOINC's mod-10 check digit (Luhn, as the LOINC Users' Guide gives it):
/// from the right, every other digit doubled, the digits of all summed,
/// and what brings the sum to the next multiple of 10.
fn loinc_check_digit(number: &str) -> u8 {
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(k, b)| {
            let d = u32::from(b - b'0');
            if k % 2 == 0 {
                let x = 2 * d;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    u8::try_from((10 - sum % 10) % 10).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loinc_check_digits_of_known_codes() {
        // 44249-1: from the right 9,4,2,4,4 → 18→9, 4, 2→4, 4, 4→8: 29 → 1
        assert_eq!(loinc_check_digit("44249"), 1);
        // 44261-6: 1→2, 6, 2→4, 4, 4→8: 24 → 6
        assert_eq!(loinc_check_digit("44261"), 6);
        // 69725-0: 5→1, 2, 7→5, 9, 6→3: 20 → 0
        assert_eq!(loinc_check_digit("69725"), 0);
        assert_eq!(code_problem("44249-1", true, false), None);
        assert!(code_problem("44249-2", true, false)
            .unwrap()
            .contains("check digit should be 1"));
        assert!(code_problem("LA6568", true, true).is_some());
        assert_eq!(code_problem("LA6568-5", true, true), None);
        assert_eq!(code_problem("anything-goes", false, false), None);
        assert!(code_problem("two words", false, false).is_some());
    }
}
