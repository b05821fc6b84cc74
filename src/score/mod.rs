//! Scoring a row: the instruments of one run laid out together
//! (`Battery`), each scored by the instrument's own pure scoring
//! (`instrument::scoring`, re-exported here for the callers that score).
//! No I/O.

pub mod battery;

pub use crate::instrument::known;
pub use crate::instrument::scoring::*;
pub use battery::{Battery, Ref};
