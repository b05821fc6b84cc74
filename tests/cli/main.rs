//! End-to-end tests: the real binary on real files; stdout, stderr and the
//! exit code are pinned every time. One test binary (as just and xsv).

mod administer;
mod answers;
mod broken;
mod change;
mod columns;
mod crisis_texts;
mod fhir;
mod header;
mod hostile_administer;
mod hostile_csv;
mod hostile_files;
mod hostile_rows;
mod hostile_xlsx;
mod hostile_yaml;
mod instruments;
mod pipeline;
mod platforms;
mod policy;
mod realdata;
mod report;
mod score;
mod summary;
mod table;
mod threads;
mod utf8_labels;
mod xlsx_stream;
mod zh;

use std::path::{Path, PathBuf};

pub fn bin() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("psyscreen").expect("binary builds");
    c.env_remove("NO_COLOR");
    c
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn data(rel: &str) -> PathBuf {
    root().join("tests/data").join(rel)
}

/// Run and return (stdout, stderr, code).
pub fn run(cmd: &mut assert_cmd::Command) -> (String, String, i32) {
    let out = cmd.output().expect("runs");
    (
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
        out.status.code().unwrap_or(-1),
    )
}

/// The header of a file of PHQ-9 answers.
pub const PHQ9_HEAD: &str = "id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n";

/// `score W.csv -i phq9 -o sW.csv` in `dir` for each wave `W`: scored
/// waves without the critical item's column (no --keep).
pub fn score_waves_bare(dir: &Path, waves: &[&str]) {
    for w in waves {
        let (_, e, c) = run(bin().current_dir(dir).args([
            "score",
            &format!("{w}.csv"),
            "-i",
            "phq9",
            "-q",
            "-o",
            &format!("s{w}.csv"),
        ]));
        assert_eq!(c, 0, "{e}");
    }
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

/// Run the binary with `args`, read the first `bytes` bytes of its
/// stdout, then close stdout as `| head` does: (exit code, those bytes,
/// stderr). stderr is read on a thread of its own all along, so a long one
/// (written before any stdout) cannot block the run.
pub fn head_of_stdout<I, S>(args: I, bytes: usize) -> (Option<i32>, Vec<u8>, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    use std::io::Read as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("psyscreen"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        err.read_to_string(&mut text).unwrap();
        text
    });
    let mut first = vec![0u8; bytes];
    let mut stdout = child.stdout.take().unwrap();
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let stderr = stderr.join().unwrap();
    let status = child.wait().unwrap();
    (status.code(), first, stderr)
}
