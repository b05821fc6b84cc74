//! Where data goes: stdout, or a file that appears whole and only when done,
//! so no reader ever sees half a file. An existing file is never replaced
//! without `--force`, and never when the run reads it or writes it already
//! (`Protected`).
//!
//! The target decides how it is written:
//! - a regular file, or a name not yet taken: written to an unnamed file in
//!   the target's folder (Linux `O_TMPFILE`), linked in when complete. A
//!   run killed mid-write (SIGKILL, Ctrl-C, `ulimit -f`) leaves nothing.
//!   Where that is not available, a named `.psyscreen-XXXXXX.tmp` file,
//!   locked while written; a later run removes such files once their run
//!   is gone (lock free) and they are an hour old.
//! - a symbolic link: written through to the file it points to, with the
//!   same checks; the link stays. A link to nothing is refused.
//! - a FIFO or character device (`/dev/null`, a pipe): written straight
//!   through, no temporary file; nothing is replaced, so no `--force`.
//!   Our own standard output (`/dev/stdout`) is simply standard output.
//! - a directory, block device or socket: refused.
//!
//! A replaced file keeps its mode, owner and group where the user may set
//! them; a new file gets the mode the umask gives, as with any tool.
//!
//! Durability: a file that replaces an existing one is fsync'd before the
//! rename, so a crash leaves the old file or the new one, never neither. A
//! new file is not: what a crash could cost is only output that can be made
//! again from the input, and fsync of a large output costs more than the
//! scoring itself (60 ms of 300 ms at 1M rows).

use std::fs::{File, Metadata};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use super::protect::{self, FileId, Protected};
use crate::messages::tr;

/// Write buffer: large enough that a big output costs few system calls.
const BUFFER: usize = 1 << 18;
/// Writes this long skip the buffer.
const DIRECT: usize = 1 << 16;

/// Our temporary files: `.psyscreen-` + 6 random characters + `.tmp`.
const TEMP_PREFIX: &str = ".psyscreen-";
const TEMP_SUFFIX: &str = ".tmp";
const TEMP_RANDOM: usize = 6;
/// A temporary file this old, and locked by nobody, was left by a run
/// that was killed; a live run keeps its file locked.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

pub enum Output {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    /// A FIFO or character device, written straight through.
    Stream(BufWriter<File>),
    File {
        w: BufWriter<File>,
        staged: Staged,
        dest: PathBuf,
        replaces: Option<Previous>,
    },
}

/// What a replaced file had that its replacement keeps.
pub struct Previous {
    mode: u32,
    uid: u32,
    gid: u32,
}

impl Previous {
    #[cfg(unix)]
    fn of(m: &Metadata) -> Previous {
        use std::os::unix::fs::MetadataExt as _;
        Previous {
            mode: m.mode() & 0o777,
            uid: m.uid(),
            gid: m.gid(),
        }
    }
    #[cfg(not(unix))]
    fn of(_: &Metadata) -> Previous {
        Previous {
            mode: 0o666,
            uid: 0,
            gid: 0,
        }
    }
}

/// Where a file output is while it is written.
pub enum Staged {
    /// Not in any folder yet (`O_TMPFILE`): linked in when complete.
    Unnamed { dir: PathBuf },
    /// A named temporary file, removed when dropped, renamed when complete.
    Named(tempfile::TempPath),
}

impl Output {
    /// Open `path` (`None` or `-`: stdout) for writing. `protected` holds
    /// what the run reads and writes; the target joins it.
    pub fn open(
        path: Option<&Path>,
        force: bool,
        protected: &mut Protected,
    ) -> anyhow::Result<Output> {
        let Some(dest) = path.filter(|p| p.as_os_str() != "-") else {
            return Ok(stdout());
        };
        match Target::of(dest)? {
            Target::Stream(m) => {
                if is_stdout(&m) {
                    return Ok(stdout());
                }
                let f = File::options()
                    .write(true)
                    .open(dest)
                    .with_context(|| format!("opening {} for writing", dest.display()))?;
                Ok(Output::Stream(BufWriter::with_capacity(BUFFER, f)))
            }
            Target::File { real, existing } => {
                let mut ids: Vec<FileId> = existing.iter().filter_map(FileId::of).collect();
                ids.extend(FileId::entry(&real));
                protected.check(dest, &ids)?;
                if existing.as_ref().is_some_and(is_stdout) {
                    return Ok(stdout());
                }
                if looks_like_a_key(&real, existing.as_ref()) {
                    let dest = dest.display();
                    bail!(tr!(
                        "refusing to replace {dest}: it holds a --pseudonymize key, and a lost key cannot be made again (its pseudonyms could never be re-linked); choose another file, or move the key away yourself",
                        "拒绝覆盖 {dest}：它保存着 --pseudonymize 密钥，密钥丢失后无法重建（化名将永远无法对应回原身份）；请另选文件，或自行移走密钥"
                    ));
                }
                if existing.is_some() && !force {
                    let dest = dest.display();
                    bail!(tr!(
                        "{dest} already exists: use --force to overwrite it, or choose another -o file",
                        "{dest} 已存在：如要覆盖请加 --force，或另选 -o 文件"
                    ));
                }
                let dir = folder_of(&real);
                if !dir.is_dir() {
                    let (dest, dir) = (dest.display(), dir.display());
                    bail!(tr!(
                        "cannot write {dest}: there is no folder {dir}",
                        "无法写入 {dest}：文件夹 {dir} 不存在"
                    ));
                }
                let previous = existing.as_ref().map(Previous::of);
                let (file, staged) = Staged::create(&dir, previous.as_ref())?;
                sweep_stale_temps(&dir, &file);
                protected.written(ids);
                Ok(Output::File {
                    w: BufWriter::with_capacity(BUFFER, file),
                    staged,
                    dest: real,
                    replaces: previous,
                })
            }
        }
    }

    /// Whether the output goes to a terminal (stdout, or `-o /dev/tty`):
    /// then it is for a person to read, not data.
    pub fn is_terminal(&self) -> bool {
        use std::io::IsTerminal as _;
        match self {
            Output::Stdout(_) => io::stdout().is_terminal(),
            Output::Stream(w) => w.get_ref().is_terminal(),
            Output::File { .. } => false,
        }
    }

    /// Flush, and for a file move it into place.
    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush().context("writing to stdout"),
            Output::Stream(mut w) => w.flush().context("writing the output"),
            Output::File {
                w,
                staged,
                dest,
                replaces,
            } => {
                let file = w
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(|| format!("writing {}", dest.display()))?;
                if let Some(old) = &replaces {
                    keep_mode_and_owner(&file, old, &dest);
                    file.sync_all()
                        .with_context(|| format!("writing {}", dest.display()))?;
                }
                staged.place(&file, &dest, replaces.is_some())
            }
        }
    }
}

/// Whether the file at `path` is a pseudonym key (what `--pseudonymize`
/// accepts as one): no command of any run may replace one, not only the
/// run that uses it.
fn looks_like_a_key(path: &Path, existing: Option<&Metadata>) -> bool {
    existing.is_some_and(Metadata::is_file) && super::privacy::is_key_file(path)
}

fn stdout() -> Output {
    Output::Stdout(BufWriter::with_capacity(BUFFER, io::stdout().lock()))
}

/// Whether `m` is the file our standard output already writes to.
fn is_stdout(m: &Metadata) -> bool {
    let here = FileId::of(m);
    here.is_some() && protect::stdout_metadata().and_then(|s| FileId::of(&s)) == here
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

enum Target {
    Stream(Metadata),
    /// `real`: the path to replace (a symbolic link's target).
    File {
        real: PathBuf,
        existing: Option<Metadata>,
    },
}

impl Target {
    fn of(dest: &Path) -> anyhow::Result<Target> {
        let link = match std::fs::symlink_metadata(dest) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Target::File {
                    real: dest.to_path_buf(),
                    existing: None,
                })
            }
            Err(e) => return Err(e).with_context(|| format!("cannot write {}", dest.display())),
        };
        let meta = if link.is_symlink() {
            match std::fs::metadata(dest) {
                Ok(m) => m,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    let to = std::fs::read_link(dest).unwrap_or_default();
                    let (dest, to) = (dest.display(), to.display());
                    bail!(tr!(
                        "{dest} is a symbolic link to {to}, which does not exist: refusing to replace the link with a file; give the path you mean",
                        "{dest} 是指向 {to} 的符号链接，而 {to} 不存在：拒绝用文件替换该链接；请给出你要的路径"
                    ));
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot write {}", dest.display()))
                }
            }
        } else {
            link.clone()
        };
        let kind = meta.file_type();
        if kind.is_dir() {
            let dest = dest.display();
            bail!(tr!(
                "{dest} is a directory: give a file name",
                "{dest} 是一个文件夹：请给出文件名"
            ));
        }
        if is_stream(&kind) {
            return Ok(Target::Stream(meta));
        }
        if !kind.is_file() {
            let dest = dest.display();
            bail!(tr!(
                "{dest} is not a regular file (a block device or socket): refusing to write to it",
                "{dest} 不是普通文件（块设备或套接字）：拒绝写入"
            ));
        }
        let real = if link.is_symlink() {
            std::fs::canonicalize(dest)
                .with_context(|| format!("following the link {}", dest.display()))?
        } else {
            dest.to_path_buf()
        };
        Ok(Target::File {
            real,
            existing: Some(meta),
        })
    }
}

#[cfg(unix)]
fn is_stream(kind: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt as _;
    kind.is_fifo() || kind.is_char_device()
}
#[cfg(not(unix))]
fn is_stream(_: &std::fs::FileType) -> bool {
    false
}

impl Staged {
    /// A file to write the output to in `dir`, created with the mode of
    /// the file it replaces (else the umask's), so it is never more open.
    fn create(dir: &Path, replaces: Option<&Previous>) -> anyhow::Result<(File, Staged)> {
        let mode = replaces.map_or(0o666, |p| p.mode);
        #[cfg(target_os = "linux")]
        if let Some(f) = unnamed::create(dir, mode) {
            return Ok((
                f,
                Staged::Unnamed {
                    dir: dir.to_path_buf(),
                },
            ));
        }
        Staged::create_named(dir, mode)
    }

    /// The fallback: a named file, locked while it is written.
    fn create_named(dir: &Path, mode: u32) -> anyhow::Result<(File, Staged)> {
        let mut b = tempfile::Builder::new();
        b.prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .rand_bytes(TEMP_RANDOM);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            b.permissions(std::fs::Permissions::from_mode(mode));
        }
        let tmp = b
            .tempfile_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        let (file, path) = tmp.into_parts();
        // tells a later run's sweep that this file is still being written;
        // a file system without locks only loses the sweep
        try_lock(&file);
        Ok((file, Staged::Named(path)))
    }

    /// Put the complete file at `dest`: replacing it when `replace`, else
    /// only if nothing appeared there meanwhile.
    fn place(self, file: &File, dest: &Path, replace: bool) -> anyhow::Result<()> {
        let moved = || format!("moving the output into place at {}", dest.display());
        match self {
            #[cfg(target_os = "linux")]
            Staged::Unnamed { dir } => {
                if !replace {
                    return unnamed::link(file, dest).with_context(|| appeared(dest, moved()));
                }
                // a link cannot replace: link under a temporary name, rename over
                let named = tempfile::Builder::new()
                    .prefix(TEMP_PREFIX)
                    .suffix(TEMP_SUFFIX)
                    .rand_bytes(TEMP_RANDOM)
                    .make_in(&dir, |p| unnamed::link(file, p))
                    .with_context(moved)?;
                named
                    .persist(dest)
                    .map_err(|e| e.error)
                    .with_context(moved)?;
                Ok(())
            }
            #[cfg(not(target_os = "linux"))]
            Staged::Unnamed { .. } => unreachable!("only made on Linux"),
            Staged::Named(path) => {
                if replace {
                    path.persist(dest).map_err(|e| e.error).with_context(moved)
                } else {
                    path.persist_noclobber(dest)
                        .map_err(|e| e.error)
                        .with_context(|| appeared(dest, moved()))
                }
            }
        }
    }
}

fn appeared(dest: &Path, what: String) -> String {
    let dest = dest.display();
    tr!(
        "{what} (if {dest} was created meanwhile, it was kept: score again with --force or another file)",
        "{what}（如果 {dest} 在此期间被创建，它已保留：请加 --force 或换一个文件重新评分）"
    )
}

#[cfg(target_os = "linux")]
mod unnamed {
    //! `O_TMPFILE`: a file with no name until it is linked in.

    use std::fs::File;
    use std::os::fd::AsRawFd as _;
    use std::path::Path;

    use rustix::fs::{AtFlags, Mode, OFlags, CWD};

    /// `None` where the file system or kernel cannot (then a named file).
    pub fn create(dir: &Path, mode: u32) -> Option<File> {
        // linking needs /proc (linkat with AT_EMPTY_PATH needs a privilege)
        if !Path::new("/proc/self/fd").is_dir() {
            return None;
        }
        let flags = OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC;
        rustix::fs::open(dir, flags, Mode::from_raw_mode(mode))
            .ok()
            .map(File::from)
    }

    /// Give the unnamed `file` the name `to`; fails if `to` exists.
    pub fn link(file: &File, to: &Path) -> std::io::Result<()> {
        let fd = format!("/proc/self/fd/{}", file.as_raw_fd());
        rustix::fs::linkat(CWD, fd.as_str(), CWD, to, AtFlags::SYMLINK_FOLLOW)?;
        Ok(())
    }
}

/// Give the new file the old one's owner, group and mode. Only root may
/// give a file away, and only a member may give it a group: where the
/// group cannot be kept, its rights are not handed to ours either.
#[cfg(unix)]
fn keep_mode_and_owner(file: &File, old: &Previous, dest: &Path) {
    use std::os::unix::fs::{fchown, MetadataExt as _, PermissionsExt as _};
    let mut mode = old.mode;
    let Ok(now) = file.metadata() else { return };
    if (now.uid(), now.gid()) != (old.uid, old.gid)
        && fchown(file, Some(old.uid), Some(old.gid)).is_err()
        && now.gid() != old.gid
        && fchown(file, None, Some(old.gid)).is_err()
    {
        mode &= !0o070;
        let (dest, gid) = (dest.display(), old.gid);
        eprintln!(
            "{}{}",
            crate::messages::note(),
            tr!(
                "{dest} could not keep its group (id {gid}): you are not a member; group access removed",
                "{dest} 无法保留原来的用户组（id {gid}）：你不是该组成员；已移除组访问权限"
            )
        );
    }
    let _ = file.set_permissions(std::fs::Permissions::from_mode(mode));
}
#[cfg(not(unix))]
fn keep_mode_and_owner(_: &File, _: &Previous, _: &Path) {}

/// Whether `name` is one of our temporary files: `.psyscreen-XXXXXX.tmp`.
fn is_our_temp_name(name: &str) -> bool {
    name.strip_prefix(TEMP_PREFIX)
        .and_then(|rest| rest.strip_suffix(TEMP_SUFFIX))
        .is_some_and(|r| r.len() == TEMP_RANDOM && r.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Remove temporary files that killed runs left in `dir`: only ours (our
/// name, a regular file of the same owner as `mine`), only old, and only
/// when no run holds its lock. Best effort: a failure leaves the file.
fn sweep_stale_temps(dir: &Path, mine: &File) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let Ok(me) = mine.metadata() else { return };
    let mut removed = 0u32;
    for e in entries.flatten() {
        let name = e.file_name();
        if !name.to_str().is_some_and(is_our_temp_name) {
            continue;
        }
        // DirEntry::metadata does not follow links: a link is never ours
        let Ok(m) = e.metadata() else { continue };
        let old = m
            .modified()
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if !m.is_file() || !same_owner(&m, &me) || !old {
            continue;
        }
        let Ok(f) = File::open(e.path()) else {
            continue;
        };
        if try_lock(&f) && std::fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        let dir = dir.display();
        eprintln!(
            "{}{}",
            crate::messages::note(),
            tr!(
                "removed {removed} temporary file(s) left by an interrupted psyscreen run in {dir}",
                "已删除 {dir} 中被中断的 psyscreen 运行留下的 {removed} 个临时文件"
            )
        );
    }
}

/// Take `f`'s advisory lock if nobody holds it; held until `f` is closed,
/// also by a run that is killed.
#[cfg(unix)]
fn try_lock(f: &File) -> bool {
    rustix::fs::flock(f, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok()
}
/// No locks here: the sweep goes by age alone.
#[cfg(not(unix))]
fn try_lock(_: &File) -> bool {
    true
}

#[cfg(unix)]
fn same_owner(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.uid() == b.uid()
}
#[cfg(not(unix))]
fn same_owner(_: &Metadata, _: &Metadata) -> bool {
    true
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::Stream(w) | Output::File { w, .. } => w.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            // rows written a run at a time (a hundred KB) go straight to the
            // file, not through the buffer: one copy less of every byte
            Output::Stream(w) | Output::File { w, .. } if buf.len() >= DIRECT => {
                w.flush()?;
                w.get_mut().write_all(buf)
            }
            Output::Stream(w) | Output::File { w, .. } => w.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::Stream(w) | Output::File { w, .. } => w.flush(),
        }
    }
}

/// Open a file for reading with a message that names it.
pub fn open_read(path: &Path) -> anyhow::Result<File> {
    File::open(path).map_err(|e| {
        let (shown, why) = (path.display(), crate::messages::io_reason(&e));
        anyhow::anyhow!(crate::messages::tr!(
            "cannot open {shown}: {why}",
            "无法打开 {shown}：{why}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_named_temporary_file_is_locked_and_moved_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.csv");
        let (mut f, staged) = Staged::create_named(dir.path(), 0o666).unwrap();
        f.write_all(b"new\n").unwrap();
        let Staged::Named(tmp) = &staged else {
            panic!("named")
        };
        assert!(is_our_temp_name(
            &tmp.file_name().unwrap().to_string_lossy()
        ));
        // a sweep sees that a live run holds it
        assert!(!try_lock(&File::open(tmp).unwrap()));
        staged.place(&f, &dest, false).unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new\n");
        assert_eq!(names(dir.path()), ["out.csv"]);

        // without replace, a file that appeared meanwhile is kept
        let (mut f, staged) = Staged::create_named(dir.path(), 0o666).unwrap();
        f.write_all(b"newer\n").unwrap();
        let e = staged.place(&f, &dest, false).unwrap_err();
        assert!(format!("{e:#}").contains("it was kept"), "{e:#}");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new\n");
        assert_eq!(names(dir.path()), ["out.csv"], "temporary file removed");

        let (mut f, staged) = Staged::create_named(dir.path(), 0o666).unwrap();
        f.write_all(b"newest\n").unwrap();
        staged.place(&f, &dest, true).unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "newest\n");
        assert_eq!(names(dir.path()), ["out.csv"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_unnamed_file_is_invisible_until_placed() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.csv");
        let (mut f, staged) = Staged::create(dir.path(), None).unwrap();
        assert!(matches!(staged, Staged::Unnamed { .. }), "O_TMPFILE here");
        f.write_all(b"a\n").unwrap();
        assert!(names(dir.path()).is_empty());
        staged.place(&f, &dest, false).unwrap();
        assert_eq!(names(dir.path()), ["out.csv"]);
        let (mut f, staged) = Staged::create(dir.path(), None).unwrap();
        f.write_all(b"b\n").unwrap();
        staged.place(&f, &dest, true).unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "b\n");
        assert_eq!(names(dir.path()), ["out.csv"]);
    }

    #[test]
    fn only_our_temporary_names_are_ours() {
        assert!(is_our_temp_name(".psyscreen-a1B2c3.tmp"));
        for other in [
            ".psyscreen-a1B2c.tmp",
            ".psyscreen-a1B2c34.tmp",
            ".psyscreen-a1-2c3.tmp",
            ".psyscreen-a1B2c3.tmp.bak",
            "psyscreen-a1B2c3.tmp",
            "results.tmp",
        ] {
            assert!(!is_our_temp_name(other), "{other}");
        }
    }
}
