//! Hostile and careless inputs (issue 11): administer. Each test ran against the
//! code before its fix and failed; the inputs live in tests/hostile/administer/.

#[allow(unused_imports)]
use super::*;
