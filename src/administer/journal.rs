//! The journal: every answer written durably the moment it is given
//! (append + fsync), so a killed process loses at most the answer being
//! typed, and the same command run again can resume.
//!
//! Line-oriented UTF-8 text, one fact per line; the last line for an item
//! wins (going back and answering again appends a new line):
//!
//! ```text
//! psyscreen-journal 1
//! respondent=P001            the --respondent given (empty: none)
//! id=P001                    the id the saved row gets
//! instruments=phq9,gad7
//! started=2026-01-02T03:04:05Z
//! phq9_1=2
//! phq9_2=skip
//! end=2026-01-02T03:09:00Z   written just before the row is appended
//! ```
//!
//! A last line without its newline (the process was killed while writing
//! it) is ignored. Files are created with mode 0600: they hold answers.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

const MAGIC: &str = "psyscreen-journal 1";

/// Who and what a journal is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The `--respondent` given; empty when none was.
    pub respondent: String,
    /// The id the saved row gets (the respondent, or a generated one).
    pub id: String,
    /// Instrument ids, in order.
    pub instruments: Vec<String>,
    pub started: String,
}

/// A journal read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub header: Header,
    /// (item id, value or `None` = skipped), in the order given.
    pub answers: Vec<(String, Option<i32>)>,
    /// Set when the session had finished and its row was being saved.
    pub end: Option<String>,
    /// Lines that could not be read (reported, not fatal).
    pub bad_lines: Vec<usize>,
}

/// An open journal, appending.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Create a new journal (never over an existing file) and write its
    /// header durably.
    pub fn create(path: &Path, h: &Header) -> anyhow::Result<Journal> {
        if let Some(dir) = parent(path) {
            create_private_dir(dir)?;
        }
        let file = private_options()
            .create_new(true)
            .append(true)
            .open(path)
            .with_context(|| format!("creating the journal {}", path.display()))?;
        let mut j = Journal {
            path: path.to_path_buf(),
            file,
        };
        let text = format!(
            "{MAGIC}\nrespondent={}\nid={}\ninstruments={}\nstarted={}\n",
            h.respondent,
            h.id,
            h.instruments.join(","),
            h.started
        );
        j.write_durably(&text)?;
        sync_dir(path);
        Ok(j)
    }

    /// Reopen an existing journal to go on appending to it.
    pub fn reopen(path: &Path) -> anyhow::Result<Journal> {
        let mut file = OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("opening the journal {}", path.display()))?;
        // a torn last line (killed while writing) must not swallow the next
        let text = std::fs::read(path).unwrap_or_default();
        if !text.is_empty() && !text.ends_with(b"\n") {
            file.write_all(b"\n")
                .with_context(|| format!("writing the journal {}", path.display()))?;
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Record one answer (`None` = skipped) and fsync before returning.
    pub fn record(&mut self, item: &str, value: Option<i32>) -> anyhow::Result<()> {
        let line = match value {
            Some(v) => format!("{item}={v}\n"),
            None => format!("{item}=skip\n"),
        };
        self.write_durably(&line)
    }

    /// The row is about to be saved with this timestamp.
    pub fn mark_end(&mut self, timestamp: &str) -> anyhow::Result<()> {
        self.write_durably(&format!("end={timestamp}\n"))
    }

    /// Delete the journal (the row is saved, or the person chose to).
    pub fn remove(self) -> anyhow::Result<()> {
        drop(self.file);
        std::fs::remove_file(&self.path)
            .with_context(|| format!("removing the journal {}", self.path.display()))?;
        sync_dir(&self.path);
        Ok(())
    }

    fn write_durably(&mut self, text: &str) -> anyhow::Result<()> {
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("writing the journal {}", self.path.display()))
    }
}

/// Read a journal; `Ok(None)` when there is none.
pub fn load(path: &Path) -> anyhow::Result<Option<Loaded>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading the journal {}", path.display())),
    };
    let text = String::from_utf8_lossy(&bytes);
    parse(&text)
        .map(Some)
        .map_err(|m| anyhow::anyhow!("{}: {m}", path.display()))
}

/// Parse a journal's text.
pub fn parse(text: &str) -> Result<Loaded, String> {
    // a last line without its newline was being written when the process died
    let complete = match text.rfind('\n') {
        Some(p) => &text[..=p],
        None => "",
    };
    let mut lines = complete.lines().enumerate();
    match lines.next() {
        Some((_, MAGIC)) => {}
        _ => {
            return Err(format!(
                "not a psyscreen journal (expected `{MAGIC}` on line 1)"
            ))
        }
    }
    let mut header = Header {
        respondent: String::new(),
        id: String::new(),
        instruments: Vec::new(),
        started: String::new(),
    };
    let mut seen_header = [false; 4];
    let mut answers = Vec::new();
    let mut end = None;
    let mut bad_lines = Vec::new();
    for (n, line) in lines {
        let Some((key, value)) = line.split_once('=') else {
            if !line.trim().is_empty() {
                bad_lines.push(n + 1);
            }
            continue;
        };
        match key {
            "respondent" => {
                header.respondent = value.to_string();
                seen_header[0] = true;
            }
            "id" => {
                header.id = value.to_string();
                seen_header[1] = true;
            }
            "instruments" => {
                header.instruments = value
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                seen_header[2] = true;
            }
            "started" => {
                header.started = value.to_string();
                seen_header[3] = true;
            }
            "end" => end = Some(value.to_string()),
            item if valid_item_id(item) => match value {
                "skip" => answers.push((item.to_string(), None)),
                v => match v.parse::<i32>() {
                    Ok(v) => answers.push((item.to_string(), Some(v))),
                    Err(_) => bad_lines.push(n + 1),
                },
            },
            _ => bad_lines.push(n + 1),
        }
    }
    if seen_header.iter().any(|s| !s) {
        return Err(
            "the journal's header is incomplete (respondent, id, instruments, started)".into(),
        );
    }
    Ok(Loaded {
        header,
        answers,
        end,
        bad_lines,
    })
}

fn valid_item_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Where the journal lives: beside the `--append` file (`FILE.partial`),
/// else in the user's data directory, named by respondent and instruments
/// so that the same command finds it again.
pub fn path_for(
    append: Option<&Path>,
    respondent: Option<&str>,
    instruments: &[&str],
    data_dir: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    if let Some(a) = append {
        let mut name = a.as_os_str().to_owned();
        name.push(".partial");
        return Ok(PathBuf::from(name));
    }
    let Some(dir) = data_dir else {
        bail!("no data directory for the answer journal: set XDG_DATA_HOME or HOME, or use --append FILE (the journal is then FILE.partial)");
    };
    let who = respondent.map_or_else(|| "anonymous".to_string(), file_safe);
    let mut key = format!("{who}-{}", instruments.join("+"));
    if key.len() > 100 {
        let hash = fnv1a(key.as_bytes());
        // ASCII only (file_safe), so any byte is a char boundary
        key.truncate(80);
        key = format!("{key}-{hash:016x}");
    }
    Ok(dir.join(format!("administer-{key}.partial")))
}

/// `$XDG_DATA_HOME/psyscreen`, else `$HOME/.local/share/psyscreen`.
pub fn data_dir(xdg_data_home: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
    if let Some(x) = xdg_data_home.filter(|x| Path::new(x).is_absolute()) {
        return Some(Path::new(x).join("psyscreen"));
    }
    home.filter(|h| !h.is_empty())
        .map(|h| Path::new(h).join(".local/share/psyscreen"))
}

/// Keep `[A-Za-z0-9._-]`; anything else becomes `%XX` per UTF-8 byte.
fn file_safe(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' || (c == '.' && !out.is_empty()) {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn parent(path: &Path) -> Option<&Path> {
    path.parent().filter(|p| !p.as_os_str().is_empty())
}

/// Open options for a file only its owner may read (answers are private).
pub fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(0o600);
    }
    o
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        b.mode(0o700);
    }
    b.create(dir)
        .with_context(|| format!("creating the directory {}", dir.display()))
}

/// Make a file's creation or removal durable: fsync its directory. Best
/// effort (not every platform can open a directory).
pub fn sync_dir(path: &Path) {
    let dir = parent(path).unwrap_or(Path::new("."));
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            respondent: "P001".into(),
            id: "P001".into(),
            instruments: vec!["phq9".into(), "gad7".into()],
            started: "2026-01-02T03:04:05Z".into(),
        }
    }

    #[test]
    fn written_answers_read_back_last_wins() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv.partial");
        let mut j = Journal::create(&p, &header()).unwrap();
        j.record("phq9_1", Some(2)).unwrap();
        j.record("phq9_2", None).unwrap();
        j.record("phq9_1", Some(3)).unwrap();
        drop(j);
        let l = load(&p).unwrap().unwrap();
        assert_eq!(l.header, header());
        assert_eq!(
            l.answers,
            vec![
                ("phq9_1".to_string(), Some(2)),
                ("phq9_2".to_string(), None),
                ("phq9_1".to_string(), Some(3))
            ]
        );
        assert_eq!(l.end, None);
        assert!(
            Journal::create(&p, &header()).is_err(),
            "never over a journal"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let mut j = Journal::reopen(&p).unwrap();
        j.mark_end("2026-01-02T03:09:00Z").unwrap();
        assert_eq!(
            load(&p).unwrap().unwrap().end.as_deref(),
            Some("2026-01-02T03:09:00Z")
        );
        j.remove().unwrap();
        assert!(load(&p).unwrap().is_none());
    }

    #[test]
    fn a_torn_last_line_is_ignored_and_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.partial");
        let mut j = Journal::create(&p, &header()).unwrap();
        j.record("phq9_1", Some(1)).unwrap();
        drop(j);
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"phq9_2=").unwrap();
        drop(f);
        let l = load(&p).unwrap().unwrap();
        assert_eq!(l.answers, vec![("phq9_1".to_string(), Some(1))]);
        let mut j = Journal::reopen(&p).unwrap();
        j.record("phq9_2", Some(3)).unwrap();
        let l = load(&p).unwrap().unwrap();
        assert_eq!(l.answers.len(), 2);
        assert_eq!(l.bad_lines, vec![7], "the torn line is reported");
    }

    #[test]
    fn bad_journals() {
        assert!(parse("hello\n").is_err());
        assert!(parse("psyscreen-journal 1\nid=x\n").is_err());
        let l = parse(
            "psyscreen-journal 1\nrespondent=\nid=anon\ninstruments=asq\nstarted=t\nasq_1=yes\nBAD\nasq_2=0\n",
        )
        .unwrap();
        assert_eq!(l.answers, vec![("asq_2".to_string(), Some(0))]);
        assert_eq!(l.bad_lines, vec![6, 7]);
        assert_eq!(l.header.respondent, "");
    }

    #[test]
    fn paths() {
        let p = path_for(Some(Path::new("out/s.csv")), Some("x"), &["phq9"], None).unwrap();
        assert_eq!(p, PathBuf::from("out/s.csv.partial"));
        let d = data_dir(None, Some("/home/u")).unwrap();
        assert_eq!(d, PathBuf::from("/home/u/.local/share/psyscreen"));
        assert_eq!(
            data_dir(Some("/x"), Some("/home/u")).unwrap(),
            PathBuf::from("/x/psyscreen")
        );
        assert_eq!(
            data_dir(Some("relative"), Some("/home/u")).unwrap(),
            d,
            "a relative XDG_DATA_HOME is ignored (XDG spec)"
        );
        let p = path_for(None, Some("学生 1/2"), &["phq9", "gad7"], Some(&d)).unwrap();
        assert_eq!(
            p.file_name().unwrap().to_str().unwrap(),
            "administer-%E5%AD%A6%E7%94%9F%201%2F2-phq9+gad7.partial"
        );
        let p = path_for(None, None, &["asq"], Some(&d)).unwrap();
        assert!(p.ends_with("administer-anonymous-asq.partial"));
        let long = "x".repeat(300);
        let p = path_for(None, Some(&long), &["asq"], Some(&d)).unwrap();
        assert!(p.file_name().unwrap().len() < 120);
        assert!(path_for(None, None, &["asq"], None).is_err());
    }
}
