//! Where data goes: stdout, or a file written atomically (temp file beside
//! it, renamed when done), so no reader ever sees half a file. An existing
//! file is never overwritten without `--force`, and never when it is one of
//! the inputs.
//!
//! Durability: a file that replaces an existing one is fsync'd before the
//! rename, so a crash leaves the old file or the new one, never neither. A
//! new file is not: what a crash could cost is only output that can be made
//! again from the input, and fsync of a large output costs more than the
//! scoring itself (60 ms of 300 ms at 1M rows).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

/// Write buffer: large enough that a big output costs few system calls.
const BUFFER: usize = 1 << 18;

pub enum Output {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    File {
        tmp: BufWriter<tempfile::NamedTempFile>,
        dest: PathBuf,
        replaces: bool,
    },
}

impl Output {
    pub fn open(path: Option<&Path>, force: bool, inputs: &[&Path]) -> anyhow::Result<Output> {
        let Some(dest) = path else {
            return Ok(Output::Stdout(BufWriter::with_capacity(
                BUFFER,
                io::stdout().lock(),
            )));
        };
        if dest.as_os_str() == "-" {
            return Output::open(None, force, inputs);
        }
        for input in inputs {
            if same_file(input, dest) {
                bail!(
                    "refusing to write {} over its own input: choose another -o file",
                    dest.display()
                );
            }
        }
        let replaces = dest.exists();
        if replaces && !force {
            bail!(
                "{} already exists: use --force to overwrite it, or choose another -o file",
                dest.display()
            );
        }
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".psyscreen-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        Ok(Output::File {
            tmp: BufWriter::with_capacity(BUFFER, tmp),
            dest: dest.to_path_buf(),
            replaces,
        })
    }

    /// Flush, and for a file move it into place.
    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush().context("writing to stdout"),
            Output::File {
                tmp,
                dest,
                replaces,
            } => {
                let tmp = tmp
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(|| format!("writing {}", dest.display()))?;
                if replaces {
                    tmp.as_file()
                        .sync_all()
                        .with_context(|| format!("writing {}", dest.display()))?;
                }
                tmp.persist(&dest).map_err(|e| e.error).with_context(|| {
                    format!("moving the output into place at {}", dest.display())
                })?;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File { tmp, .. } => tmp.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::File { tmp, .. } => tmp.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File { tmp, .. } => tmp.flush(),
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Open a file for reading with a message that names it.
pub fn open_read(path: &Path) -> anyhow::Result<File> {
    File::open(path).with_context(|| format!("cannot open {}", path.display()))
}
