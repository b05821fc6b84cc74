//! Hostile and careless inputs (issue 11): csv. Each test ran against the
//! code before its fix and failed; the inputs live in tests/hostile/csv/.

#[allow(unused_imports)]
use super::*;
