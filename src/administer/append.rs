//! Saving a completed session: one row appended to a CSV in the layout
//! `psyscreen score` reads (id, timestamp, item columns, then the scores),
//! the header written when the file is new or empty, then flushed and
//! fsync'd. An existing file with another header is refused before the
//! session starts: its rows would not line up. So is a target that would
//! not keep the rows (a device, a FIFO, a link to nothing) or that the run
//! reads (the policy, an instrument file).

use std::fs::TryLockError;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use csv::ByteRecord;

use super::journal::{private_options, sync_dir};
use crate::cli::Format;
use crate::io::protect::{FileId, Protected};
use crate::io::write::{Columns, Dest, Kind, Sink};
use crate::score::Battery;

/// The columns of a saved row.
pub fn columns(battery: &Battery) -> Columns {
    let mut cols = Columns::new();
    cols.push("id", Kind::Text);
    cols.push("timestamp", Kind::Label);
    for (_, _, item) in battery.items() {
        cols.push(item.id.clone(), Kind::Number);
    }
    cols.push_results(battery);
    cols
}

/// Check `--append FILE` before the first question: a regular file (or a
/// name not yet taken) that the run does not read, with our header if it
/// has one. Refused here, not after the last answer.
pub fn check_target(path: &Path, battery: &Battery, protected: &Protected) -> anyhow::Result<()> {
    let mut ids: Vec<FileId> = check_kind(path)?.iter().filter_map(FileId::of).collect();
    ids.extend(FileId::entry(path));
    protected.check(path, &ids)?;
    check(path, battery)
}

/// The file at `path` if there is one: a regular file, possibly through a
/// symbolic link. A link to nothing is refused (appending would create
/// whatever it points to), and so is anything that would not keep the rows:
/// `/dev/null` swallows them, a FIFO blocks until someone reads it.
fn check_kind(path: &Path) -> anyhow::Result<Option<std::fs::Metadata>> {
    let link = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("--append {}", path.display())),
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && link.is_symlink() => {
            let to = std::fs::read_link(path).unwrap_or_default();
            bail!(crate::messages::tr!(
                "--append {} is a symbolic link to {}, which does not exist: refusing to create it; give the path you mean",
                "--append {} 是指向 {} 的符号链接，而目标不存在：不会创建它；请给出你要的路径",
                path.display(),
                to.display()
            ));
        }
        Err(e) => return Err(e).with_context(|| format!("--append {}", path.display())),
    };
    if meta.is_file() {
        return Ok(Some(meta));
    }
    bail!(crate::messages::tr!(
        "--append {} is {}, not a regular file: the rows would not be kept. Give a CSV file (without --append the results are only shown)",
        "--append {} 是{}，不是普通文件：结果行不会被保存。请给出一个 CSV 文件（不加 --append 时结果只显示不保存）",
        path.display(),
        kind_of(&meta.file_type())
    ));
}

fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_char_device() {
            return crate::messages::pick("a character device", "字符设备");
        }
        if t.is_block_device() {
            return crate::messages::pick("a block device", "块设备");
        }
        if t.is_fifo() {
            return crate::messages::pick("a FIFO", "命名管道（FIFO）");
        }
        if t.is_socket() {
            return crate::messages::pick("a socket", "套接字");
        }
    }
    if t.is_dir() {
        crate::messages::pick("a directory", "目录")
    } else {
        crate::messages::pick("not a file", "非文件")
    }
}

/// Check that rows for `battery` can be appended to `path`: absent, empty,
/// or with exactly our header.
pub fn check(path: &Path, battery: &Battery) -> anyhow::Result<()> {
    let Some(found) = existing_header(path)? else {
        return Ok(());
    };
    let expected = columns(battery).names;
    if found != expected {
        bail!(crate::messages::tr!(
            "{} has other columns than a row for these instruments: it starts `{}`, expected `{}`. Choose another --append file (one file per set of instruments)",
            "{} 的列与这些量表的结果行不同：它以 `{}` 开头，应为 `{}`。请换一个 --append 文件（每组量表一个文件）",
            path.display(),
            abbreviate(&found),
            abbreviate(&expected)
        ));
    }
    Ok(())
}

fn abbreviate(cols: &[String]) -> String {
    if cols.len() <= 6 {
        cols.join(",")
    } else {
        format!("{},…,{}", cols[..4].join(","), cols[cols.len() - 1])
    }
}

/// The header of an existing, non-empty file.
fn existing_header(path: &Path) -> anyhow::Result<Option<Vec<String>>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("opening {}", path.display())),
    };
    if file.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        return Ok(None);
    }
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(file);
    let h = r
        .headers()
        .with_context(|| format!("reading the header of {}", path.display()))?;
    Ok(Some(
        h.iter()
            .map(|s| s.trim_start_matches('\u{feff}').to_string())
            .collect(),
    ))
}

/// How long a save waits for another program that holds the file locked.
const LOCK_WAIT: Duration = Duration::from_secs(60);

/// Append `row` (laid out as `columns`), with the header if the file is new
/// or empty; flush and fsync. A new file gets mode 0600. The file is locked
/// while it is checked and written: two sessions saving at once must not
/// interleave their rows or both write a header.
pub fn append_row(path: &Path, battery: &Battery, row: &ByteRecord) -> anyhow::Result<()> {
    let mut sink = Sink::new(Format::Csv, Vec::new(), columns(battery), Dest::Data)?;
    sink.row(row)?;
    let bytes = sink.finish()?;
    // the header has no quotes (ids and fixed names): it ends at the first \n
    let split = bytes.iter().position(|&b| b == b'\n').map_or(0, |p| p + 1);
    let (header, line) = bytes.split_at(split);

    // what it is may have changed during the session
    let existed = check_kind(path)?.is_some();
    let mut file = private_options()
        .create(true)
        .append(true)
        .read(true)
        .open(path)
        .with_context(|| format!("opening {} to append", path.display()))?;
    lock_waiting(&file, path)?;
    check(path, battery)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut out = Vec::with_capacity(bytes.len() + 1);
    if len == 0 {
        out.extend_from_slice(header);
    } else {
        // a file that does not end with a newline would glue our row to its last
        let mut last = [0u8; 1];
        file.seek(SeekFrom::Start(len - 1))
            .and_then(|_| file.read_exact(&mut last))
            .with_context(|| format!("reading {}", path.display()))?;
        if last[0] != b'\n' {
            out.push(b'\n');
        }
    }
    out.extend_from_slice(line);
    file.write_all(&out)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("appending to {}", path.display()))?;
    if !existed {
        sync_dir(path);
    }
    Ok(())
}

/// Lock `file` for writing; wait a while for another program holding it.
fn lock_waiting(file: &std::fs::File, path: &Path) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) if start.elapsed() < LOCK_WAIT => {
                if !said {
                    eprintln!(
                        "{}",
                        crate::messages::tr!(
                            "waiting for another program to finish writing {}",
                            "正在等待另一个程序写完 {}",
                            path.display()
                        )
                    );
                    said = true;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(TryLockError::WouldBlock) => bail!(crate::messages::tr!(
                "{} stayed locked by another program for {} s; nothing was appended",
                "{} 被另一个程序锁定了 {} 秒；没有追加任何内容",
                path.display(),
                LOCK_WAIT.as_secs()
            )),
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", path.display()))
            }
        }
    }
}

/// Does `path` hold a row with this id and timestamp (a save that finished
/// just before the process died)?
pub fn has_row(path: &Path, id: &str, timestamp: &str) -> bool {
    let Ok(mut r) = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(path)
    else {
        return false;
    };
    // ids are written formula-escaped, as `score` writes them
    let escaped = format!("'{id}");
    r.records().flatten().any(|rec| {
        rec.get(1) == Some(timestamp) && (rec.get(0) == Some(id) || rec.get(0) == Some(&escaped))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument;

    fn gad7() -> Battery {
        Battery::new(vec![instrument::builtin("gad7").unwrap().unwrap()])
    }

    fn row(id: &str, ts: &str) -> ByteRecord {
        let mut r = ByteRecord::new();
        r.push_field(id.as_bytes());
        r.push_field(ts.as_bytes());
        for v in ["1", "2", "0", "", "1", "1", "1"] {
            r.push_field(v.as_bytes());
        }
        for v in ["7", "mild", "true", "none", "No flag", ""] {
            r.push_field(v.as_bytes());
        }
        r
    }

    #[test]
    fn creates_with_header_then_appends() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.csv");
        let b = gad7();
        append_row(&p, &b, &row("P1", "t1")).unwrap();
        append_row(&p, &b, &row("=P2", "t2")).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(
            text,
            "id,timestamp,gad7_1,gad7_2,gad7_3,gad7_4,gad7_5,gad7_6,gad7_7,gad7_total,gad7_band,gad7_prorated,risk_level,risk_label,risk_reasons\n\
             P1,t1,1,2,0,,1,1,1,7,mild,true,none,No flag,\n\
             '=P2,t2,1,2,0,,1,1,1,7,mild,true,none,No flag,\n"
        );
        assert!(has_row(&p, "P1", "t1"));
        assert!(has_row(&p, "=P2", "t2"));
        assert!(!has_row(&p, "P1", "t2"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn refuses_another_header_and_mends_a_missing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("other.csv");
        std::fs::write(&p, "id,phq9_1\n1,2\n").unwrap();
        let e = check(&p, &gad7()).unwrap_err().to_string();
        assert!(e.contains("other columns"), "{e}");
        let p = dir.path().join("mine.csv");
        let b = gad7();
        let header = columns(&b).names.join(",");
        std::fs::write(
            &p,
            format!("\u{feff}{header}\nP0,t0,0,0,0,0,0,0,0,0,minimal,false,none,No flag,"),
        )
        .unwrap();
        append_row(&p, &b, &row("P1", "t1")).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            text.ends_with("No flag,\nP1,t1,1,2,0,,1,1,1,7,mild,true,none,No flag,\n"),
            "{text}"
        );
        let p = dir.path().join("empty.csv");
        std::fs::write(&p, "").unwrap();
        append_row(&p, &b, &row("P1", "t1")).unwrap();
        assert!(std::fs::read_to_string(&p)
            .unwrap()
            .starts_with("id,timestamp,"));
    }
}
