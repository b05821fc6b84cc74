//! Hostile and careless inputs (issue 11): files. Each test ran against the
//! code before its fix and failed; the inputs live in tests/hostile/files/.

#[allow(unused_imports)]
use super::*;
