//! Hostile and careless inputs (issue 11): yaml. Each test ran against the
//! code before its fix and failed; the inputs live in tests/hostile/yaml/.

#[allow(unused_imports)]
use super::*;
