//! The built-in instruments, embedded in the binary. The same files are in
//! `instruments/` and load from disk as well (`-i instruments/gad7.yaml`).

use super::{compile, Instrument, Reported};
use crate::diag;

/// (id, YAML text) of every built-in, in the order `instruments list` shows.
pub const BUILTIN_SOURCES: &[(&str, &str)] = &[
    ("phq9", include_str!("../../instruments/phq9.yaml")),
    ("phq2", include_str!("../../instruments/phq2.yaml")),
    ("gad7", include_str!("../../instruments/gad7.yaml")),
    ("gad2", include_str!("../../instruments/gad2.yaml")),
    ("asq", include_str!("../../instruments/asq.yaml")),
    ("k10", include_str!("../../instruments/k10.yaml")),
    ("k6", include_str!("../../instruments/k6.yaml")),
    ("dass21", include_str!("../../instruments/dass21.yaml")),
    ("pss10", include_str!("../../instruments/pss10.yaml")),
    ("pss4", include_str!("../../instruments/pss4.yaml")),
    ("who5", include_str!("../../instruments/who5.yaml")),
    ("cesd", include_str!("../../instruments/cesd.yaml")),
];

pub fn builtin_ids() -> Vec<&'static str> {
    BUILTIN_SOURCES.iter().map(|(id, _)| *id).collect()
}

/// A built-in by id, checked like any user file (its known-answer tests
/// run); only the structure check of its YAML is left to a test, below.
pub fn builtin(id: &str) -> Option<anyhow::Result<Instrument>> {
    builtin_with(id, true)
}

pub fn builtin_with(id: &str, run_tests: bool) -> Option<anyhow::Result<Instrument>> {
    let (_, text) = BUILTIN_SOURCES.iter().find(|(i, _)| *i == id)?;
    let file = format!("instruments/{id}.yaml");
    Some(
        crate::yaml::parse_shipped(&file, text)
            .and_then(|parsed| compile(&file, parsed, "built-in", run_tests))
            .map_err(|d| Reported(diag::render_all(&d, text)).into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `yaml::parse_shipped` leaves out for a built-in (a key given
    /// twice, a second document) holds for every one of them.
    #[test]
    fn shipped_documents_pass_the_structure_check() {
        for (id, text) in BUILTIN_SOURCES {
            let checked = crate::yaml::check_structure(id, text);
            assert!(matches!(checked, Ok(None)), "{id}: {checked:?}");
        }
    }
}
