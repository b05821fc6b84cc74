//! The files a run must never write over: every file it reads (the input,
//! standard input when it is a file, instruments, policy, map, key) and
//! every file it already writes. A file is known by its device and inode,
//! so another name for it (a hard or symbolic link, `./x`, `/dev/stdin`)
//! is the same file. `Output::open` consults the set before it writes and
//! adds each target it opens.

use std::ffi::OsString;
use std::fs::{File, Metadata};
use std::path::Path;

use anyhow::bail;

use crate::messages::tr;

/// Which file: an existing one, or a name about to be created in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileId {
    Inode { dev: u64, ino: u64 },
    Entry { dev: u64, ino: u64, name: OsString },
}

impl FileId {
    #[cfg(unix)]
    pub fn of(m: &Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt as _;
        Some(FileId::Inode {
            dev: m.dev(),
            ino: m.ino(),
        })
    }
    #[cfg(not(unix))]
    pub fn of(_: &Metadata) -> Option<FileId> {
        None
    }

    /// The name `path` takes in its folder, for a file not made yet.
    pub fn entry(path: &Path) -> Option<FileId> {
        let name = path.file_name()?.to_os_string();
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        match FileId::of(&std::fs::metadata(dir).ok()?)? {
            FileId::Inode { dev, ino } => Some(FileId::Entry { dev, ino, name }),
            FileId::Entry { .. } => None,
        }
    }
}

struct Guarded {
    id: FileId,
    /// What the file is to this run, for the message.
    what: String,
    written: bool,
}

#[derive(Default)]
pub struct Protected {
    files: Vec<Guarded>,
}

impl Protected {
    /// The data input: a file, or standard input (`None`) when it is one.
    #[must_use]
    pub fn data(mut self, path: Option<&Path>) -> Self {
        match path {
            Some(p) => {
                let shown = p.display();
                self.read(p, tr!("the input file {shown}", "输入文件 {shown}"));
            }
            None => {
                if let Some(m) = stdin_metadata().filter(Metadata::is_file) {
                    self.add(&m, tr!("standard input", "标准输入"));
                }
            }
        }
        self
    }

    /// The definitions a run reads: `-i` files, `--policy`, `--map`.
    #[must_use]
    pub fn definitions(
        self,
        instruments: &[String],
        policy: Option<&Path>,
        map: Option<&Path>,
    ) -> Self {
        self.instruments(instruments)
            .file(
                crate::messages::pick("the --policy file", "--policy 文件"),
                policy,
            )
            .file(crate::messages::pick("the --map file", "--map 文件"), map)
    }

    /// `-i` values that name files (built-in ids name none).
    #[must_use]
    pub fn instruments(mut self, specs: &[String]) -> Self {
        for spec in specs.iter().flat_map(|s| s.split(',')).map(str::trim) {
            if !spec.is_empty() {
                let p = Path::new(spec);
                let shown = p.display();
                self.read(p, tr!("the instrument file {shown}", "量表文件 {shown}"));
            }
        }
        self
    }

    /// Another file the run reads, e.g. `("the --policy file", policy)`.
    #[must_use]
    pub fn file(mut self, what: &str, path: Option<&Path>) -> Self {
        if let Some(p) = path {
            self.read(p, format!("{what} {}", p.display()));
        }
        self
    }

    fn read(&mut self, path: &Path, what: String) {
        // a file that is not there is not read either: nothing to protect
        if let Ok(m) = std::fs::metadata(path) {
            if m.is_file() {
                self.add(&m, what);
            }
        }
    }

    fn add(&mut self, m: &Metadata, what: String) {
        if let Some(id) = FileId::of(m) {
            self.files.push(Guarded {
                id,
                what,
                written: false,
            });
        }
    }

    /// Refuse `dest` (known by `ids`) when the run reads or writes it.
    pub fn check(&self, dest: &Path, ids: &[FileId]) -> anyhow::Result<()> {
        let Some(hit) = self.files.iter().find(|g| ids.contains(&g.id)) else {
            return Ok(());
        };
        let (dest, what) = (dest.display(), &hit.what);
        if hit.written {
            bail!(tr!(
                "refusing to write {dest} twice in one run: give each output (-o, --manifest) its own file",
                "拒绝在一次运行中两次写入 {dest}：请为每个输出（-o、--manifest）指定各自的文件"
            ));
        }
        bail!(tr!(
            "refusing to write {dest} over its own input ({what}): choose another file",
            "拒绝用输出覆盖其自身的输入 {dest}（{what}）：请另选文件"
        ));
    }

    /// `dest` is written by this run: no other output may be it.
    pub fn written(&mut self, ids: Vec<FileId>) {
        for id in ids {
            self.files.push(Guarded {
                id,
                what: String::new(),
                written: true,
            });
        }
    }
}

/// What standard input is, without consuming it.
pub fn stdin_metadata() -> Option<Metadata> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd as _;
        let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
        File::from(fd).metadata().ok()
    }
    #[cfg(not(unix))]
    None
}

/// What standard output is.
pub fn stdout_metadata() -> Option<Metadata> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd as _;
        let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
        File::from(fd).metadata().ok()
    }
    #[cfg(not(unix))]
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_known_by_any_of_its_names() {
        let dir = tempfile::tempdir().unwrap();
        let policy = dir.path().join("p.yaml");
        std::fs::write(&policy, "id: x\n").unwrap();
        let alias = dir.path().join("alias.yaml");
        std::fs::hard_link(&policy, &alias).unwrap();
        let p = Protected::default().file("the --policy file", Some(&policy));
        let id = FileId::of(&std::fs::metadata(&alias).unwrap()).unwrap();
        let e = p.check(&alias, &[id]).unwrap_err().to_string();
        assert!(e.contains("over its own input (the --policy file "), "{e}");
        let other = dir.path().join("out.csv");
        assert!(p.check(&other, &[FileId::entry(&other).unwrap()]).is_ok());
    }

    #[test]
    fn two_outputs_may_not_share_a_new_name() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r.csv");
        let mut p = Protected::default();
        let id = FileId::entry(&out).unwrap();
        p.check(&out, std::slice::from_ref(&id)).unwrap();
        p.written(vec![id.clone()]);
        let again = dir.path().join(".").join("r.csv");
        let e = p
            .check(&again, &[FileId::entry(&again).unwrap()])
            .unwrap_err();
        assert!(e.to_string().contains("twice in one run"), "{e}");
    }

    #[test]
    fn missing_files_and_built_in_ids_protect_nothing() {
        let p = Protected::default()
            .instruments(&["phq9,gad7".to_string()])
            .file("the --map file", Some(Path::new("/no/such/map.yaml")));
        assert!(p.files.is_empty());
    }
}
