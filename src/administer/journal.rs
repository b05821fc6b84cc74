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
//! session=pid 4242 on host1 since 2026-01-02T03:04:05Z   who holds it (again on resume)
//! earlier-started=2026-01-01T10:00:00Z   a session set aside by starting
//! earlier-id=P001                          again, in which a top-level rule
//! earlier-answer=phq9_9=2                  fired: its answers, in order
//! phq9_1=2
//! phq9_2=skip
//! end=2026-01-02T03:09:00Z   written just before the row is appended
//! ```
//!
//! A last line without its newline (the process was killed while writing
//! it) is ignored. Files are created with mode 0600: they hold answers.
//!
//! An open journal is locked (an advisory lock on the file, released by the
//! system when the process ends, however it ends): a second session for the
//! same journal is refused while the first runs, so two sessions never mix
//! their answers or delete each other's journal.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Write as _};
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

impl Header {
    /// `--respondent R, -i phq9,gad7, started T`, for messages.
    pub fn describe(&self) -> String {
        let who = if self.respondent.is_empty() {
            "no --respondent".to_string()
        } else {
            format!("--respondent {}", self.respondent)
        };
        format!(
            "{who}, -i {}, started {}",
            self.instruments.join(","),
            self.started
        )
    }
}

/// A journal read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub header: Header,
    /// (item id, value or `None` = skipped), in the order given.
    pub answers: Vec<(String, Option<i32>)>,
    /// Set when the session had finished and its row was being saved.
    pub end: Option<String>,
    /// The last `session=` line: the process that held the journal last.
    pub session: Option<String>,
    /// Lines that could not be read (reported, not fatal).
    pub bad_lines: Vec<usize>,
    /// Sessions set aside when the person started again, in which a
    /// top-level rule fired: carried from journal to journal until a row is
    /// saved, so that starting again never erases a risk answer.
    pub earlier: Vec<Earlier>,
}

/// A session set aside (the person chose to start again) in which a
/// top-level rule fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    pub started: String,
    pub id: String,
    /// Its answers in the order given, as in [`Loaded::answers`].
    pub answers: Vec<(String, Option<i32>)>,
}

/// An open journal, appending, locked for this process.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Create a new journal (never over an existing file), lock it and
    /// write its header durably.
    pub fn create(path: &Path, h: &Header) -> anyhow::Result<Journal> {
        if let Some(dir) = parent(path) {
            create_private_dir(dir)?;
        }
        let file = private_options()
            .create_new(true)
            .append(true)
            .read(true)
            .open(path)
            .with_context(|| format!("creating the journal {}", path.display()))?;
        file.try_lock()
            .with_context(|| format!("locking the journal {}", path.display()))?;
        let mut j = Journal {
            path: path.to_path_buf(),
            file,
        };
        j.start(h)?;
        sync_dir(path);
        Ok(j)
    }

    /// Open the journal at `path` for this session, creating it empty if
    /// there is none, and lock it. Returns what it holds (`None`: empty, a
    /// new session). Another session holding it is an error naming it.
    pub fn open_locked(path: &Path) -> anyhow::Result<(Journal, Option<Loaded>)> {
        if let Some(dir) = parent(path) {
            create_private_dir(dir)?;
        }
        // a session ending removes its journal: if we locked a file that
        // is no longer the one at `path`, open again
        for _ in 0..20 {
            refuse_odd(path)?;
            let mut file = private_options()
                .create(true)
                .append(true)
                .read(true)
                .open(path)
                .with_context(|| format!("opening the journal {}", path.display()))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => bail!(in_use(path, &mut file)),
                Err(TryLockError::Error(e)) => {
                    return Err(e)
                        .with_context(|| format!("locking the journal {}", path.display()))
                }
            }
            if !is_at(&file, path) {
                continue;
            }
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)
                .with_context(|| format!("reading the journal {}", path.display()))?;
            let journal = Journal {
                path: path.to_path_buf(),
                file,
            };
            // empty, or killed before its first line was complete: a new one
            if !bytes.contains(&b'\n') {
                return Ok((journal, None));
            }
            let loaded = parse(&String::from_utf8_lossy(&bytes))
                .map_err(|m| anyhow::anyhow!("{}: {m}", path.display()))?;
            return Ok((journal, Some(loaded)));
        }
        bail!(crate::messages::tr!(
            "{} keeps being replaced by another program; try again",
            "{} 不断被另一个程序替换；请重试",
            path.display()
        ))
    }

    /// Start a new session in this (empty or emptied) journal.
    pub fn start(&mut self, h: &Header) -> anyhow::Result<()> {
        self.start_carrying(h, &[])
    }

    /// Start a new session carrying `earlier` sessions' facts, written with
    /// the header in one write: the header is never without them.
    fn start_carrying(&mut self, h: &Header, earlier: &[Earlier]) -> anyhow::Result<()> {
        let mut text = format!(
            "{MAGIC}\nrespondent={}\nid={}\ninstruments={}\nstarted={}\nsession={}\n",
            h.respondent,
            h.id,
            h.instruments.join(","),
            h.started,
            this_session(&h.started)
        );
        for e in earlier {
            text.push_str(&format!(
                "earlier-started={}\nearlier-id={}\n",
                e.started, e.id
            ));
            for (item, value) in &e.answers {
                match value {
                    Some(v) => text.push_str(&format!("earlier-answer={item}={v}\n")),
                    None => text.push_str(&format!("earlier-answer={item}=skip\n")),
                }
            }
        }
        self.write_durably(&text)
    }

    /// Empty the journal and start a new session in it, carrying `earlier`
    /// (the lock is kept, so no other session can slip in between).
    pub fn restart(&mut self, h: &Header, earlier: &[Earlier]) -> anyhow::Result<()> {
        self.file
            .set_len(0)
            .with_context(|| format!("emptying the journal {}", self.path.display()))?;
        self.start_carrying(h, earlier)
    }

    /// Record that this process now holds the journal (a session resumed,
    /// or being offered to be), and mend a torn last line first: killed
    /// while writing it, it must not swallow the next.
    pub fn claim(&mut self, now: &str) -> anyhow::Result<()> {
        let len = self.file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut line = String::new();
        if len > 0 && !self.ends_with_newline(len) {
            line.push('\n');
        }
        line.push_str(&format!("session={}\n", this_session(now)));
        self.write_durably(&line)
    }

    fn ends_with_newline(&self, len: u64) -> bool {
        use std::io::{Seek as _, SeekFrom};
        let mut last = [0u8; 1];
        let mut f = &self.file;
        f.seek(SeekFrom::Start(len - 1))
            .and_then(|_| f.read_exact(&mut last))
            .map(|()| last[0] == b'\n')
            .unwrap_or(true)
    }

    /// Copy the journal to `aside` (a new file, 0600), durably: the person
    /// chose not to resume it and it is about to be emptied.
    pub fn copy_to(&self, aside: &Path) -> anyhow::Result<()> {
        let bytes = std::fs::read(&self.path)
            .with_context(|| format!("reading the journal {}", self.path.display()))?;
        let mut f = private_options()
            .create_new(true)
            .write(true)
            .open(aside)
            .with_context(|| format!("creating {}", aside.display()))?;
        f.write_all(&bytes)
            .and_then(|()| f.sync_all())
            .with_context(|| format!("writing {}", aside.display()))?;
        sync_dir(aside);
        Ok(())
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

    /// Delete the journal (the row is saved, or the person chose to). The
    /// lock is held until the file is gone.
    pub fn remove(self) -> anyhow::Result<()> {
        std::fs::remove_file(&self.path)
            .with_context(|| format!("removing the journal {}", self.path.display()))?;
        sync_dir(&self.path);
        drop(self.file);
        Ok(())
    }

    fn write_durably(&mut self, text: &str) -> anyhow::Result<()> {
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("writing the journal {}", self.path.display()))
    }
}

/// The refusal when another session holds the journal: who it is for and
/// which process holds it, as far as the journal says.
fn in_use(path: &Path, file: &mut File) -> String {
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    let what = match parse(&String::from_utf8_lossy(&bytes)) {
        Ok(l) => {
            let holder = l.session.map(|s| format!("; {s}")).unwrap_or_default();
            format!("({}{holder})", l.header.describe())
        }
        Err(_) => "(just starting)".to_string(),
    };
    format!(
        "{} is in use by another psyscreen session {what}: finish or quit that session first; two sessions on one journal would lose answers",
        path.display()
    )
}

/// `pid 4242 on host1 since T`: who holds a journal.
fn this_session(since: &str) -> String {
    format!(
        "pid {} on {} since {since}",
        std::process::id(),
        host_name()
    )
}

/// The machine's name, best effort (a journal on a shared drive may be
/// held from another machine).
fn host_name() -> String {
    let from_file = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok());
    from_file
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| {
            h.trim()
                .chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this machine".to_string())
}

/// Is `file` still the file at `path` (not removed or replaced since it
/// was opened)?
#[cfg(unix)]
fn is_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Elsewhere an open file cannot be removed or replaced.
#[cfg(not(unix))]
fn is_at(_: &File, path: &Path) -> bool {
    path.exists()
}

/// Read a journal; `Ok(None)` when there is none.
pub fn load(path: &Path) -> anyhow::Result<Option<Loaded>> {
    refuse_odd(path)?;
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading the journal {}", path.display())),
        Ok(_) => {}
    }
    // a journal holds a few hundred bytes; anything planted there is capped
    let bytes = crate::capped::read_capped(path, "the journal", crate::capped::CONFIG_LIMIT)?;
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
    let mut session = None;
    let mut bad_lines = Vec::new();
    let mut earlier: Vec<Earlier> = Vec::new();
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
            "session" => session = Some(value.to_string()),
            // `-` is in no item id: these never clash with an item
            "earlier-started" => earlier.push(Earlier {
                started: value.to_string(),
                id: String::new(),
                answers: Vec::new(),
            }),
            "earlier-id" => match earlier.last_mut() {
                Some(e) => e.id = value.to_string(),
                None => bad_lines.push(n + 1),
            },
            "earlier-answer" => match (earlier.last_mut(), parse_answer(value)) {
                (Some(e), Some(answer)) => e.answers.push(answer),
                _ => bad_lines.push(n + 1),
            },
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
        session,
        bad_lines,
        earlier,
    })
}

/// `item=value` or `item=skip`.
fn parse_answer(text: &str) -> Option<(String, Option<i32>)> {
    let (item, value) = text.split_once('=')?;
    if !valid_item_id(item) {
        return None;
    }
    match value {
        "skip" => Some((item.to_string(), None)),
        v => v.parse().ok().map(|v| (item.to_string(), Some(v))),
    }
}

/// A journal is a regular file this program made: anything else at its
/// path (a symbolic link, a FIFO, a device) would take the answers
/// somewhere else, into nothing, or hang the session, so it is refused.
fn refuse_odd(path: &Path) -> anyhow::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(m) => bail!(crate::messages::tr!(
            "the journal {} is {}, not a file this program made: refusing to keep answers in it; move it away",
            "作答日志 {} 是{}，不是本程序创建的文件：不会在其中保存作答；请把它移走",
            path.display(),
            if m.is_symlink() {
                crate::messages::pick("a symbolic link", "符号链接")
            } else {
                crate::messages::pick("not a regular file", "非普通文件")
            }
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("the journal {}", path.display())),
    }
}

fn valid_item_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Where the journal lives: beside the `--append` file
/// (`FILE.RESPONDENT.partial`), else in the user's data directory, named
/// by respondent and instruments so that the same command finds it again.
/// Each respondent's journal is their own: one student's unfinished session
/// never blocks the next one's.
///
/// Without a respondent the journal is this session's alone
/// (`FILE.anon-SESSION.partial`, `administer-anon-SESSION-…`; `session`
/// tells sessions apart, e.g. start time and process id): on a shared
/// terminal the next person must never be offered someone else's answers,
/// so it is never looked for again. It still keeps the answers of a
/// session that stops early.
pub fn path_for(
    append: Option<&Path>,
    respondent: Option<&str>,
    instruments: &[&str],
    data_dir: Option<&Path>,
    session: &str,
) -> anyhow::Result<PathBuf> {
    let who = respondent.map_or_else(|| format!("anon-{}", file_safe(session)), file_safe);
    if let Some(a) = append {
        let mut name = a.as_os_str().to_owned();
        name.push(format!(".{}.partial", short_key(who)));
        return Ok(PathBuf::from(name));
    }
    let Some(dir) = data_dir else {
        bail!(crate::messages::pick(
            "no data directory for the answer journal: set XDG_DATA_HOME or HOME, or use --append FILE (the journal is then FILE.RESPONDENT.partial)",
            "没有保存作答日志的数据目录：请设置 XDG_DATA_HOME 或 HOME，或使用 --append FILE（日志即为 FILE.RESPONDENT.partial）"
        ));
    };
    let key = short_key(format!("{who}-{}", instruments.join("+")));
    Ok(dir.join(format!("administer-{key}.partial")))
}

/// Where an earlier version kept a respondent's journal beside the
/// `--append` file (one `FILE.partial` for everyone), if it holds
/// `respondent`'s unfinished session: it is resumed from there.
pub fn earlier_path(append: &Path, respondent: &str) -> Option<PathBuf> {
    let mut name = append.as_os_str().to_owned();
    name.push(".partial");
    let path = PathBuf::from(name);
    // `load` refuses what is not a regular file: then there is no journal
    let loaded = load(&path).ok()??;
    (loaded.header.respondent == respondent).then_some(path)
}

/// A file-safe key short enough for a file name (at most 100 bytes).
fn short_key(mut key: String) -> String {
    if key.len() > 100 {
        let hash = fnv1a(key.as_bytes());
        // ASCII only (file_safe), so any byte is a char boundary
        key.truncate(80);
        key = format!("{key}-{hash:016x}");
    }
    key
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
            l.session
                .as_deref()
                .is_some_and(|s| s.starts_with(&format!("pid {} on ", std::process::id()))),
            "{l:?}"
        );
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
        let (mut j, found) = Journal::open_locked(&p).unwrap();
        assert_eq!(found.unwrap().answers.len(), 3);
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
        let (mut j, _) = Journal::open_locked(&p).unwrap();
        j.claim("t").unwrap();
        j.record("phq9_2", Some(3)).unwrap();
        let l = load(&p).unwrap().unwrap();
        assert_eq!(l.answers.len(), 2);
        assert_eq!(l.bad_lines, vec![8], "the torn line is reported");
    }

    #[test]
    fn a_journal_is_held_by_one_session_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.partial");
        let (mut first, found) = Journal::open_locked(&p).unwrap();
        assert!(found.is_none(), "created empty");
        first.start(&header()).unwrap();
        let e = Journal::open_locked(&p).unwrap_err().to_string();
        assert!(
            e.contains("is in use by another psyscreen session (--respondent P001, -i phq9,gad7, started 2026-01-02T03:04:05Z; pid "),
            "{e}"
        );
        first.record("phq9_1", Some(1)).unwrap();
        first.remove().unwrap();
        let (_, found) = Journal::open_locked(&p).unwrap();
        assert!(
            found.is_none(),
            "a new, empty journal once the first is gone"
        );
        // killed before the first line was complete: a new journal too
        let q = dir.path().join("torn.partial");
        std::fs::write(&q, "psyscreen-jour").unwrap();
        assert!(Journal::open_locked(&q).unwrap().1.is_none());
        // not a journal: refused, never written to
        std::fs::write(&q, "my notes\n").unwrap();
        assert!(Journal::open_locked(&q).is_err());
        assert_eq!(std::fs::read_to_string(&q).unwrap(), "my notes\n");
    }

    #[test]
    fn earlier_sessions_are_carried_with_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.partial");
        let (mut j, _) = Journal::open_locked(&p).unwrap();
        let earlier = vec![Earlier {
            started: "t0".into(),
            id: "P001".into(),
            answers: vec![("phq9_9".into(), Some(2)), ("phq9_9".into(), None)],
        }];
        j.restart(&header(), &earlier).unwrap();
        j.record("phq9_1", Some(0)).unwrap();
        let l = load(&p).unwrap().unwrap();
        assert_eq!(l.earlier, earlier);
        assert_eq!(l.answers, vec![("phq9_1".to_string(), Some(0))]);
        assert!(l.bad_lines.is_empty(), "{l:?}");
        // a fact without its session, or not an answer: reported
        let l = parse(
            "psyscreen-journal 1\nrespondent=\nid=a\ninstruments=asq\nstarted=t\nearlier-answer=asq_1=1\nearlier-started=t0\nearlier-answer=asq_1\nearlier-answer=asq_1=x\nearlier-answer=asq_1=skip\n",
        )
        .unwrap();
        assert_eq!(l.bad_lines, vec![6, 8, 9]);
        assert_eq!(l.earlier[0].answers, vec![("asq_1".to_string(), None)]);
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
        let p = path_for(
            Some(Path::new("out/s.csv")),
            Some("x"),
            &["phq9"],
            None,
            "S",
        )
        .unwrap();
        assert_eq!(p, PathBuf::from("out/s.csv.x.partial"));
        let p = path_for(Some(Path::new("out/s.csv")), None, &["phq9"], None, "T-1").unwrap();
        assert_eq!(p, PathBuf::from("out/s.csv.anon-T-1.partial"));
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
        let p = path_for(None, Some("学生 1/2"), &["phq9", "gad7"], Some(&d), "S").unwrap();
        assert_eq!(
            p.file_name().unwrap().to_str().unwrap(),
            "administer-%E5%AD%A6%E7%94%9F%201%2F2-phq9+gad7.partial"
        );
        let p = path_for(None, None, &["asq"], Some(&d), "T-1").unwrap();
        assert!(p.ends_with("administer-anon-T-1-asq.partial"));
        let long = "x".repeat(300);
        let p = path_for(None, Some(&long), &["asq"], Some(&d), "S").unwrap();
        assert!(p.file_name().unwrap().len() < 120);
        assert!(path_for(None, None, &["asq"], None, "S").is_err());
        let p = path_for(Some(Path::new("s.csv")), Some(&long), &["asq"], None, "S").unwrap();
        assert!(p.file_name().unwrap().len() < 120);
        let p = path_for(
            Some(Path::new("s.csv")),
            Some("学生 1"),
            &["asq"],
            None,
            "S",
        )
        .unwrap();
        assert_eq!(p, PathBuf::from("s.csv.%E5%AD%A6%E7%94%9F%201.partial"));
    }
}
