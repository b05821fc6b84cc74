//! The one place that knows exit codes.

/// DESIGN: 0 scored; 1 scored but some cells invalid; 2 usage or definition
/// error, nothing scored (or the input not read to its end); 3 `--fail-on`
/// level reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    BadCells = 1,
    Error = 2,
    Flagged = 3,
}

impl Exit {
    /// 3 wins over 1: a flag matters more than a bad cell.
    pub fn after_batch(bad_cells: u64, hit_fail_on: bool) -> Exit {
        if hit_fail_on {
            Exit::Flagged
        } else if bad_cells > 0 {
            Exit::BadCells
        } else {
            Exit::Success
        }
    }

    /// A batch that read no rows scored nothing: an error (2), as an empty
    /// input is; otherwise as `after_batch`.
    pub fn after_run(rows: u64, problems: u64, hit_fail_on: bool) -> Exit {
        if rows == 0 {
            Exit::Error
        } else {
            Exit::after_batch(problems, hit_fail_on)
        }
    }

    /// The input could not be read to its end after some rows were
    /// scored: an error (2), unless one of them reached `--fail-on` (3).
    pub fn after_stop(hit_fail_on: bool) -> Exit {
        if hit_fail_on {
            Exit::Flagged
        } else {
            Exit::Error
        }
    }

    pub fn code(self) -> u8 {
        self as u8
    }
}

/// Is this error a closed pipe (`psyscreen ... | head`)? Then we end quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::BrokenPipe;
        }
        // csv::Error has no source(): look inside it
        if let Some(c) = e.downcast_ref::<csv::Error>() {
            if let csv::ErrorKind::Io(io) = c.kind() {
                return io.kind() == std::io::ErrorKind::BrokenPipe;
            }
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_over_bad_cells() {
        assert_eq!(Exit::after_batch(0, false), Exit::Success);
        assert_eq!(Exit::after_batch(3, false), Exit::BadCells);
        assert_eq!(Exit::after_batch(3, true), Exit::Flagged);
        assert_eq!(Exit::after_batch(0, true), Exit::Flagged);
    }

    #[test]
    fn a_read_that_stopped_is_an_error_unless_flagged() {
        assert_eq!(Exit::after_stop(false), Exit::Error);
        assert_eq!(Exit::after_stop(true), Exit::Flagged);
    }

    #[test]
    fn no_rows_is_nothing_scored() {
        assert_eq!(Exit::after_run(0, 0, false), Exit::Error);
        assert_eq!(Exit::after_run(1, 0, false), Exit::Success);
        assert_eq!(Exit::after_run(1, 2, true), Exit::Flagged);
    }

    #[test]
    fn broken_pipe_is_found_in_chain_and_in_csv() {
        let io = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "closed");
        let e = anyhow::Error::new(io).context("writing");
        assert!(is_broken_pipe(&e));
        let io = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "closed");
        let e = anyhow::Error::new(csv::Error::from(io));
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }
}
