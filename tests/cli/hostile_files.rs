//! Hostile and careless inputs (issue 11): files. Each test ran against the
//! code before its fix and failed; the inputs live in tests/hostile/files/.

#[allow(unused_imports)]
use super::*;

use std::fs;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::process::{Command, Stdio};

fn hostile(name: &str) -> PathBuf {
    root().join("tests/hostile/files").join(name)
}

/// The three respondents of answers.csv, one of them urgent: every run that
/// writes results must keep all three.
const IDS: [&str; 3] = ["S1", "S2", "S3"];

fn assert_all_respondents(csv: &str) {
    for id in IDS {
        assert!(
            csv.lines().any(|l| l.starts_with(&format!("{id},"))),
            "{id} dropped: {csv}"
        );
    }
    assert!(csv.contains(",urgent,"), "{csv}");
}

/// A copy of `from` in `dir`, so a run may be pointed at it.
fn copy(from: &Path, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    fs::copy(from, &to).unwrap();
    to
}

/// A valid key file (32 random-looking bytes), owner-only.
fn key_file(dir: &Path, name: &str, mode: u32) -> PathBuf {
    let p = dir.join(name);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&p)
        .unwrap();
    use std::io::Write as _;
    writeln!(
        f,
        "3f9a0c1be2d47a8865f1c0de9b7e21a4c3d5e6f708192a3b4c5d6e7f8091a2b3"
    )
    .unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    p
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// As `run`, for a std Command (whose stdin can be a file, not a pipe).
fn run_std(cmd: &mut Command) -> (String, String, i32) {
    let out = cmd.output().expect("runs");
    (
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
        out.status.code().unwrap_or(-1),
    )
}

fn is_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

// ------------------------------------------------------- item 7: inputs

#[test]
fn no_output_replaces_a_file_the_run_reads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = copy(&hostile("answers.csv"), d, "answers.csv");
    let instrument = copy(&root().join("instruments/phq9.yaml"), d, "phq9.yaml");
    let policy = copy(&root().join("policies/default.yaml"), d, "policy.yaml");
    let map = copy(&hostile("map.yaml"), d, "map.yaml");
    let key = key_file(d, "school.key", 0o600);
    let run_with = |flag: &str, target: &Path| {
        run(bin()
            .arg("score")
            .arg(&input)
            .arg("-i")
            .arg(&instrument)
            .arg("--policy")
            .arg(&policy)
            .arg("--map")
            .arg(&map)
            .arg("--pseudonymize")
            .arg(&key)
            .args(["--format", "csv", "-q", "--force", flag])
            .arg(target))
    };
    for target in [&key, &policy, &instrument, &map, &input] {
        let before = fs::read(target).unwrap();
        for flag in ["-o", "--manifest"] {
            let (stdout, stderr, code) = run_with(flag, target);
            assert_eq!(code, 2, "{flag} {}: {stderr}", target.display());
            assert!(
                stderr.contains("over its own input"),
                "{flag} {}: {stderr}",
                target.display()
            );
            assert_eq!(stdout, "", "refused before scoring");
            assert_eq!(fs::read(target).unwrap(), before, "{}", target.display());
        }
    }
    // the key gets a word of its own: losing it is permanent
    let (_, stderr, _) = run_with("-o", &key);
    assert!(stderr.contains("--pseudonymize key"), "{stderr}");
    // a hard link to an input is the same file
    let alias = d.join("alias.yaml");
    fs::hard_link(&policy, &alias).unwrap();
    let (_, stderr, code) = run_with("-o", &alias);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("over its own input"), "{stderr}");
    // and a sound run still works, with every respondent
    let (_, stderr, code) = run_with("-o", &d.join("out.csv"));
    assert_eq!(code, 0, "{stderr}");
    let out = fs::read_to_string(d.join("out.csv")).unwrap();
    assert_eq!(out.lines().count(), 4, "{out}");
}

#[test]
fn no_command_replaces_a_key_even_in_a_run_that_does_not_use_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("school.key");
    let (_, stderr, code) = run(bin()
        .arg("score")
        .arg(hostile("answers.csv"))
        .args(["-i", "phq9", "-q", "--format", "csv", "--pseudonymize"])
        .arg(&key));
    assert_eq!(code, 0, "{stderr}");
    let before = fs::read(&key).unwrap();
    let runs: [&[&str]; 3] = [
        &["template", "-i", "phq9", "--force", "-o"],
        &["score", "-i", "phq9", "-q", "--force", "-o"],
        &["score", "-i", "phq9", "-q", "--force", "--manifest"],
    ];
    for args in runs {
        let mut c = bin();
        c.args(args).arg(&key);
        if args[0] == "score" {
            c.arg(hostile("answers.csv"));
        }
        let (stdout, stderr, code) = run(&mut c);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("holds a --pseudonymize key"), "{stderr}");
        assert_eq!(stdout, "");
        assert_eq!(fs::read(&key).unwrap(), before);
    }
}

#[test]
fn standard_input_is_protected_too() {
    let dir = tempfile::tempdir().unwrap();
    let input = copy(&hostile("answers.csv"), dir.path(), "f.csv");
    let before = fs::read(&input).unwrap();
    let (_, stderr, code) = run_std(
        Command::new(env!("CARGO_BIN_EXE_psyscreen"))
            .args(["score", "-", "-i", "phq9", "-q", "--force", "-o"])
            .arg(&input)
            .stdin(fs::File::open(&input).unwrap()),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("over its own input"), "{stderr}");
    assert!(stderr.contains("standard input"), "{stderr}");
    assert_eq!(fs::read(&input).unwrap(), before);
    // the manifest too
    let (_, stderr, code) = run_std(
        Command::new(env!("CARGO_BIN_EXE_psyscreen"))
            .args(["score", "-", "-i", "phq9", "-q", "--force", "--manifest"])
            .arg(&input)
            .stdin(fs::File::open(&input).unwrap()),
    );
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(fs::read(&input).unwrap(), before);
}

#[test]
fn output_and_manifest_must_be_different_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.csv");
    let (_, stderr, code) = run(bin()
        .arg("score")
        .arg(hostile("answers.csv"))
        .args(["-i", "phq9", "-q", "-o"])
        .arg(&out)
        .arg("--manifest")
        .arg(&out));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("twice in one run"), "{stderr}");
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

#[test]
fn summary_report_and_template_protect_every_file_they_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = copy(&hostile("answers.csv"), d, "answers.csv");
    let instrument = copy(&root().join("instruments/phq9.yaml"), d, "phq9.yaml");
    let policy = copy(&root().join("policies/default.yaml"), d, "policy.yaml");
    let map = copy(&hostile("map.yaml"), d, "map.yaml");
    for command in ["summary", "report"] {
        for target in [&instrument, &policy, &map, &input] {
            let before = fs::read(target).unwrap();
            let (_, stderr, code) = run(bin()
                .arg(command)
                .arg(&input)
                .arg("-i")
                .arg(&instrument)
                .arg("--policy")
                .arg(&policy)
                .arg("--map")
                .arg(&map)
                .args(["--by", "class", "-q", "--force", "-o"])
                .arg(target));
            assert_eq!(code, 2, "{command} -o {}: {stderr}", target.display());
            assert!(stderr.contains("over its own input"), "{stderr}");
            assert_eq!(fs::read(target).unwrap(), before);
        }
    }
    let before = fs::read(&instrument).unwrap();
    let (_, stderr, code) = run(bin()
        .arg("template")
        .arg("-i")
        .arg(&instrument)
        .args(["--force", "-o"])
        .arg(&instrument));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("over its own input"), "{stderr}");
    assert_eq!(fs::read(&instrument).unwrap(), before);
}

// ------------------------------------------- item 8: not a regular file

#[test]
fn fifos_and_character_devices_are_written_through_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("results.pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = Command::new("cat")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (_, stderr, code) = run(bin()
        .arg("score")
        .arg(hostile("answers.csv"))
        .args(["-i", "phq9", "-q", "-o"])
        .arg(&fifo));
    let mut reader = reader;
    if reader.try_wait().unwrap().is_none() && code != 0 {
        reader.kill().unwrap(); // nothing will ever write to it
    }
    let read = reader.wait_with_output().unwrap();
    assert_eq!(code, 0, "{stderr}");
    assert_all_respondents(&String::from_utf8(read.stdout).unwrap());
    use std::os::unix::fs::FileTypeExt as _;
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());

    // /dev/null: no --force needed, and it stays a device
    let (_, stderr, code) = run(bin().arg("score").arg(hostile("answers.csv")).args([
        "-i",
        "phq9",
        "-q",
        "-o",
        "/dev/null",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(fs::symlink_metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());

    // /dev/stdout is standard output
    let (stdout, stderr, code) = run(bin().arg("score").arg(hostile("answers.csv")).args([
        "-i",
        "phq9",
        "-q",
        "-o",
        "/dev/stdout",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_all_respondents(&stdout);
}

#[test]
fn symlinks_are_written_through_never_replaced() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = copy(&hostile("answers.csv"), d, "answers.csv");
    let real = write(d, "real.csv", "old results\n");
    let link = d.join("link.csv");
    symlink(&real, &link).unwrap();
    let score_to = |target: &Path, force: bool| {
        let mut c = bin();
        c.arg("score").arg(&input).args(["-i", "phq9", "-q"]);
        if force {
            c.arg("--force");
        }
        run(c.arg("-o").arg(target))
    };
    // an existing target still needs --force
    let (_, stderr, code) = score_to(&link, false);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("already exists: use --force"), "{stderr}");
    // with it, the link stays and its target gets the results
    let (_, stderr, code) = score_to(&link, true);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        fs::symlink_metadata(&link).unwrap().is_symlink(),
        "link kept"
    );
    assert_all_respondents(&fs::read_to_string(&real).unwrap());

    // a dangling link is refused, --force or not
    let dangling = d.join("dangling.csv");
    symlink(d.join("missing.csv"), &dangling).unwrap();
    for force in [false, true] {
        let (_, stderr, code) = score_to(&dangling, force);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("symbolic link"), "{stderr}");
        assert!(stderr.contains("does not exist"), "{stderr}");
        assert!(fs::symlink_metadata(&dangling).unwrap().is_symlink());
        assert!(!d.join("missing.csv").exists());
    }

    // a link to an input is the input
    let to_input = d.join("to-input.csv");
    symlink(&input, &to_input).unwrap();
    let before = fs::read(&input).unwrap();
    let (_, stderr, code) = score_to(&to_input, true);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("over its own input"), "{stderr}");
    assert_eq!(fs::read(&input).unwrap(), before);

    // a directory is no output file
    fs::create_dir(d.join("folder")).unwrap();
    let (_, stderr, code) = score_to(&d.join("folder"), true);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is a directory"), "{stderr}");
}

// ------------------------------------------------- item 9: killed runs

/// `rows` rows of PHQ-9 answers, one in eight urgent.
fn big_answers(rows: usize) -> String {
    let mut s =
        String::from("id,class,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n");
    for i in 0..rows {
        let nine = if i % 8 == 0 { 1 } else { 0 };
        s.push_str(&format!("R{i},C{},1,2,0,1,3,0,1,2,{nine}\n", i % 30));
    }
    s
}

/// Whether process `pid` has a file in `dir` open that holds some bytes:
/// its output is being written.
fn writing_into(pid: u32, dir: &Path) -> bool {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        fs::read_link(fd.path()).is_ok_and(|t| t.starts_with(dir))
            && fs::metadata(fd.path()).is_ok_and(|m| m.len() > 0)
    })
}

#[test]
fn a_run_killed_mid_write_leaves_no_temporary_file() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_psyscreen"))
        .args(["score", "-", "-i", "phq9", "-q", "-o"])
        .arg(out_dir.join("results.csv"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut mid_write = false;
    stdin.write_all(big_answers(0).as_bytes()).unwrap();
    for batch in 0..1000 {
        let rows: String = (0..2000)
            .map(|i| format!("R{batch}-{i},C1,1,2,0,1,3,0,1,2,0\n"))
            .collect();
        stdin.write_all(rows.as_bytes()).unwrap();
        if writing_into(child.id(), &out_dir) {
            mid_write = true;
            break;
        }
    }
    assert!(mid_write, "the run never started writing");
    child.kill().unwrap(); // SIGKILL: no handler runs
    child.wait().unwrap();
    drop(stdin);
    assert_eq!(
        names_in(&out_dir),
        Vec::<String>::new(),
        "nothing left behind"
    );
}

#[test]
fn a_run_stopped_by_the_file_size_limit_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "big.csv", &big_answers(20_000));
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let status = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 64; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_psyscreen"))
        .args(["score", "-i", "phq9", "-q", "-o"])
        .arg(out_dir.join("results.csv"))
        .arg(&input)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success());
    assert_eq!(
        names_in(&out_dir),
        Vec::<String>::new(),
        "nothing left behind"
    );
}

#[test]
fn stale_temporary_files_of_ours_are_swept_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    let make = |name: &str, old: bool| {
        let p = write(d, name, "S1,9,severe\n");
        if old {
            fs::File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(two_days_ago)
                .unwrap();
        }
        p
    };
    make(".psyscreen-a1B2c3.tmp", true); // left by a killed run: swept
    make(".psyscreen-Zz9Yy8.tmp", false); // maybe still being written
    make(".psyscreen-notes.tmp.bak", true); // not our name
    make(".psyscreen-toolong12.tmp", true); // not our name
    make("results.tmp", true); // not ours
    let locked = make(".psyscreen-LOCKED.tmp", true); // a run still writing it
    let lock = fs::File::open(&locked).unwrap();
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let (_, stderr, code) = run(bin()
        .arg("score")
        .arg(hostile("answers.csv"))
        .args(["-i", "phq9", "-q", "-o"])
        .arg(d.join("out.csv")));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("removed 1 temporary file(s) left by an interrupted psyscreen run"),
        "{stderr}"
    );
    assert_eq!(
        names_in(d),
        [
            ".psyscreen-LOCKED.tmp",
            ".psyscreen-Zz9Yy8.tmp",
            ".psyscreen-notes.tmp.bak",
            ".psyscreen-toolong12.tmp",
            "out.csv",
            "results.tmp"
        ]
    );
    drop(lock);
}

// ---------------------------------------- item 10: mode and group kept

#[test]
fn force_keeps_the_mode_and_group_of_the_file_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = write(d, "shared.csv", "old\n");
    fs::set_permissions(&out, fs::Permissions::from_mode(0o640)).unwrap();
    // an owner and group other than ours where we may (root), else our own
    let m = fs::metadata(&out).unwrap();
    let (owner, group) = if is_root() {
        (4321, 1234)
    } else {
        (m.uid(), m.gid())
    };
    std::os::unix::fs::chown(&out, Some(owner), Some(group)).unwrap();
    let (_, stderr, code) = run(bin()
        .arg("score")
        .arg(hostile("answers.csv"))
        .args(["-i", "phq9", "-q", "--force", "-o"])
        .arg(&out));
    assert_eq!(code, 0, "{stderr}");
    let m = fs::metadata(&out).unwrap();
    assert_eq!(m.permissions().mode() & 0o7777, 0o640);
    assert_eq!((m.uid(), m.gid()), (owner, group));
    assert_all_respondents(&fs::read_to_string(&out).unwrap());

    // a new file gets the mode the umask gives, like any tool's
    for (umask, mode) in [("022", 0o644), ("027", 0o640)] {
        let new = d.join(format!("new-{umask}.csv"));
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("umask {umask}; exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_psyscreen"))
            .args(["score", "-i", "phq9", "-q", "-o"])
            .arg(&new)
            .arg(hostile("answers.csv"))
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let got = fs::metadata(&new).unwrap().permissions().mode() & 0o7777;
        assert_eq!(got, mode, "umask {umask}: {got:o}");
    }
}

// --------------------------------------------------- item 12: the key

fn score_with_key(key: &Path) -> (String, String, i32) {
    run(bin()
        .arg("score")
        .arg(hostile("answers.csv"))
        .args(["-i", "phq9", "-q", "--format", "csv", "--pseudonymize"])
        .arg(key))
}

#[test]
fn a_key_others_can_read_or_another_user_owns_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path(), "group.key", 0o640);
    let (stdout, stderr, code) = score_with_key(&key);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("can be read or changed by others (mode 0640)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("chmod 600 {}", key.display())),
        "{stderr}"
    );
    assert_eq!(stdout, "");
    // fixed as told, it works and every respondent is there
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    let (stdout, stderr, code) = score_with_key(&key);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
    assert!(!stdout.contains("S2"), "{stdout}");

    if is_root() {
        std::os::unix::fs::chown(&key, Some(1234), None).unwrap();
        let (stdout, stderr, code) = score_with_key(&key);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("belongs to another user (uid 1234)"),
            "{stderr}"
        );
        assert_eq!(stdout, "");
    }
}

#[test]
fn empty_short_uniform_or_huge_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let owner_only = |name: &str, text: &str| {
        let p = dir.path().join(name);
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&p)
            .unwrap();
        fs::write(&p, text).unwrap();
        p
    };
    let cases = [
        (owner_only("empty.key", ""), "is empty"),
        (
            owner_only("short.key", "3f9a0c1be2d47a8865f1c0de9b7e21a4\n"),
            "holds a 16-byte key; a key must be at least 32 bytes",
        ),
        (
            owner_only("zeros.key", &"0".repeat(64)),
            "the same byte (00) repeated",
        ),
        (
            owner_only("huge.key", &"ab".repeat(5_000_000)),
            "is larger than 4 KiB",
        ),
    ];
    for (key, message) in &cases {
        let (stdout, stderr, code) = score_with_key(key);
        assert_eq!(code, 2, "{}: {stderr}", key.display());
        assert!(stderr.contains(message), "{}: {stderr}", key.display());
        assert!(
            stderr.contains("--pseudonymize"),
            "says how to fix: {stderr}"
        );
        assert_eq!(stdout, "");
    }
    // an endless stream is no key (memory capped in case it is read)
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2000000; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_psyscreen"))
        .arg("score")
        .arg(hostile("answers.csv"))
        .args(["-i", "phq9", "-q", "--pseudonymize", "/dev/zero"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
    // nor is a FIFO, which is refused without waiting for a writer
    let fifo = dir.path().join("key.pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let (stdout, stderr, code) = run(bin()
        .timeout(std::time::Duration::from_secs(30))
        .arg("score")
        .arg(hostile("answers.csv"))
        .args(["-i", "phq9", "-q", "--pseudonymize"])
        .arg(&fifo));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
    assert_eq!(stdout, "");
}

#[test]
fn ids_are_trimmed_before_hashing() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path(), "k.key", 0o600);
    let input = write(
        dir.path(),
        "ids.csv",
        "id,phq2_1,phq2_2\nS1,0,0\n\" S1 \",0,0\n\"S1\t\",0,0\nS1\u{3000},0,0\nS2,0,0\n",
    );
    let (stdout, stderr, code) = run(bin()
        .arg("score")
        .arg(&input)
        .args(["-i", "phq2", "-q", "--format", "csv", "--pseudonymize"])
        .arg(&key));
    assert_eq!(code, 0, "{stderr}");
    let ids: Vec<&str> = stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "{stdout}");
    assert!(ids[..4].iter().all(|p| *p == ids[0]), "{ids:?}");
    assert_ne!(ids[0], ids[4]);
}

/// Second red-team pass, finding 1: ids of only spaces all got the
/// pseudonym of the empty string, so `summary` took them for one person
/// submitting several times and set an urgent row aside. Such an id is no
/// one's: left empty, like an empty id.
#[test]
fn ids_of_only_spaces_share_no_pseudonym() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path(), "k.key", 0o600);
    let input = write(
        dir.path(),
        "blank-ids.csv",
        "id,phq2_1,phq2_2\n\"   \",3,3\n\"  \",0,0\n\"\t\",0,0\n\u{3000},0,0\n,0,0\nS1,0,0\n",
    );
    let (stdout, stderr, code) = run(bin()
        .arg("score")
        .arg(&input)
        .args(["-i", "phq2", "-q", "--format", "csv", "--pseudonymize"])
        .arg(&key));
    assert_eq!(code, 0, "{stderr}");
    let ids: Vec<&str> = stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["", "", "", "", "", ids[5]], "{stdout}");
    assert_eq!(ids[5].len(), 32, "S1 pseudonymized: {stdout}");
}

// ------------------------------------------- red team: output side

/// Finding 1: a kept or id column named like a column `score` writes (or
/// the id column itself) would give the output two columns of one name,
/// and `summary` read the input's stale `risk_level` (urgent counted as
/// none). A usage error, naming the clash and the fix; nothing written.
#[test]
fn a_kept_column_that_clashes_with_an_output_column_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = hostile("kept_output_column.csv");
    let with_total = write(
        dir.path(),
        "total.csv",
        "id,phq9_total,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\nS1,0,0,0,0,0,0,0,0,0,3\n",
    );
    let key = key_file(dir.path(), "k.key", 0o600);
    let out = dir.path().join("out.csv");
    let cases: Vec<(PathBuf, Vec<&str>, &str)> = vec![
        (
            input.clone(),
            vec!["--keep", "cls,risk_level"],
            "--keep `risk_level`",
        ),
        (
            with_total,
            vec!["--keep", "phq9_total"],
            "--keep `phq9_total`",
        ),
        (
            input.clone(),
            vec!["--id-column", "risk_level"],
            "--id-column `risk_level`",
        ),
        (
            input.clone(),
            vec!["--keep", "id"],
            "--keep `id` is the id column",
        ),
        (
            input.clone(),
            vec!["--keep", "cls,cls"],
            "--keep names `cls` twice",
        ),
    ];
    for (file, args, want) in cases {
        let (stdout, stderr, code) = run(bin()
            .arg("score")
            .arg(&file)
            .args(["-i", "phq9", "-o"])
            .arg(&out)
            .args(&args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(
            [
                "rename the column in the input",
                "leave it out",
                "give it once"
            ]
            .iter()
            .any(|fix| stderr.contains(fix)),
            "{args:?}: the fix: {stderr}"
        );
        assert_eq!(stdout, "");
        assert!(!out.exists(), "{args:?}: nothing written");
    }
    // raw ids next to their pseudonyms
    let (_, stderr, code) = run(bin()
        .arg("score")
        .arg(&input)
        .args(["-i", "phq9", "--keep", "id", "--pseudonymize"])
        .arg(&key)
        .arg("-o")
        .arg(&out));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("would put the raw ids next to their pseudonyms"),
        "{stderr}"
    );
    assert!(!out.exists());
    // other columns are still kept
    let (stdout, stderr, code) = run(bin()
        .arg("score")
        .arg(&input)
        .args(["-i", "phq9", "--keep", "cls", "--format", "csv"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("id,cls,phq9_total,"), "{stdout}");
    assert_eq!(stdout.matches(",urgent,").count(), 5, "{stdout}");
}

/// Finding 1: `summary` and `report` of a scored file with two columns of
/// one name (made by an older `score --keep risk_level`) refuse it, saying
/// which name and which columns, rather than count the stale copy.
#[test]
fn a_scored_file_with_duplicate_header_names_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scored = write(
        dir.path(),
        "scored.csv",
        "id,cls,risk_level,phq9_total,phq9_band,phq9_prorated,risk_level,risk_label,risk_reasons\n\
         S1,A,none,3,minimal,false,urgent,Urgent,PHQ-9 item 9\n\
         S2,A,none,3,minimal,false,urgent,Urgent,PHQ-9 item 9\n",
    );
    let (stdout, stderr, code) = run(bin().arg("summary").arg(&scored).args([
        "--by",
        "cls",
        "--format",
        "csv",
        "--min-group",
        "1",
    ]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("the header names `risk_level` 2 times (columns 3, 7)"),
        "{stderr}"
    );
    assert_eq!(stdout, "");
    let html = dir.path().join("r.html");
    let (_, stderr, code) = run(bin()
        .arg("report")
        .arg(&scored)
        .args(["--by", "cls", "--min-group", "1", "-o"])
        .arg(&html));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`risk_level` 2 times"), "{stderr}");
    assert!(!html.exists());
}

/// Finding 5: every key file `--pseudonymize` accepts is one no output
/// replaces, `--force` or not (blank lines after the key, spaces around
/// it, a longer key).
#[test]
fn no_output_replaces_a_file_pseudonymize_accepts() {
    const KEY: &str = "3f9a0c1be2d47a8865f1c0de9b7e21a4c3d5e6f708192a3b4c5d6e7f8091a2b3";
    let dir = tempfile::tempdir().unwrap();
    let variants = [
        format!("{KEY}\n\n"),
        format!("  {KEY}  \n\n"),
        format!("{KEY}  \n"),
        format!("{KEY}\n\n\n"),
        format!("{KEY}{KEY}\n"),
        format!("{KEY}\r\n"),
    ];
    for (n, text) in variants.iter().enumerate() {
        let key = dir.path().join(format!("k{n}.key"));
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&key)
            .unwrap();
        fs::write(&key, text).unwrap();
        // --pseudonymize takes it as a key ...
        let (_, stderr, code) = run(bin()
            .arg("score")
            .arg(hostile("answers.csv"))
            .args(["-i", "phq9", "-q", "--format", "csv", "--pseudonymize"])
            .arg(&key));
        assert_eq!(code, 0, "{text:?}: {stderr}");
        // ... so no output may replace it
        for target in ["-o", "--manifest"] {
            let (_, stderr, code) = run(bin()
                .arg("score")
                .arg(hostile("answers.csv"))
                .args(["-i", "phq9", "--force", target])
                .arg(&key));
            assert_eq!(code, 2, "{text:?} {target}: {stderr}");
            assert!(
                stderr.contains("it holds a --pseudonymize key"),
                "{text:?}: {stderr}"
            );
            assert_eq!(&fs::read_to_string(&key).unwrap(), text, "key kept");
        }
    }
}

/// All of a PTY session's output until the program exits, and its status.
fn on_a_terminal(dir: &Path, args: &[&str]) -> (String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_psyscreen"));
    cmd.current_dir(dir).env("NO_COLOR", "1").args(args);
    let mut s = expectrl::session::OsSession::spawn(cmd)
        .expect("open a pseudo-terminal and spawn psyscreen");
    s.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
    let out = super::administer::rest(&mut s);
    (out, super::administer::status(&s))
}

fn assert_no_terminal_controls(out: &str) {
    for bad in ['\u{1b}', '\u{7}', '\u{9b}'] {
        assert!(!out.contains(bad), "{bad:?} reached the terminal: {out:?}");
    }
}

/// Finding 7: CSV (and JSON Lines) written to a terminal carries no
/// terminal controls from the input's cells, nor does the table that turns
/// into CSV past 1,000 rows, nor `summary`'s CSV; in a pipe the data stays
/// byte-exact.
#[test]
fn output_to_a_terminal_carries_no_terminal_controls() {
    let dir = tempfile::tempdir().unwrap();
    let esc = hostile("escapes.csv");
    let esc = esc.to_str().unwrap();
    for format in ["csv", "jsonl"] {
        let (out, status) = on_a_terminal(
            dir.path(),
            &["score", esc, "-i", "phq9", "--format", format],
        );
        assert!(status.ends_with(", 0)"), "{status}: {out}");
        assert_no_terminal_controls(&out);
        assert!(
            out.contains("S1\u{FFFD}]0;pwn\u{FFFD}\u{FFFD}[2J"),
            "{out:?}"
        );
        assert!(out.contains("S2\u{FFFD}31m"), "{out:?}");
    }
    // the table that becomes CSV past 1,000 rows
    let mut many =
        String::from("id,grp,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n");
    for i in 0..1001 {
        many.push_str(&format!(
            "P{i}\u{1b}]0;pwn\u{7},\u{1b}[2JA,0,0,0,0,0,0,0,0,0\n"
        ));
    }
    let many = write(dir.path(), "many.csv", &many);
    let many = many.to_str().unwrap();
    let (out, status) = on_a_terminal(
        dir.path(),
        &[
            "score", many, "-i", "phq9", "--keep", "grp", "--format", "table",
        ],
    );
    assert!(status.ends_with(", 0)"), "{status}");
    assert!(out.contains("writing CSV instead of a table"), "{out:?}");
    assert!(out.contains("P1000\u{FFFD}]0;pwn\u{FFFD}"), "every row");
    assert_no_terminal_controls(&out);
    // summary's CSV: a group named with escapes
    let (out, status) = on_a_terminal(
        dir.path(),
        &[
            "summary",
            many,
            "-i",
            "phq9",
            "--by",
            "grp",
            "--format",
            "csv",
            "--min-group",
            "1",
        ],
    );
    assert!(status.ends_with(", 0)"), "{status}: {out}");
    assert!(out.contains("\u{FFFD}[2JA"), "{out:?}");
    assert_no_terminal_controls(&out);
    // in a pipe, data is data
    let (stdout, _, code) = run(bin()
        .arg("score")
        .arg(esc)
        .args(["-i", "phq9", "--format", "csv"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("S1\u{1b}]0;pwn\u{7}\u{1b}[2J,"),
        "{stdout:?}"
    );
}

/// Finding 10: a table shortens a long cell to its start and `…`, so
/// drawing it does not stall (a 100 KB cell took 6 s, 2 MB over a minute).
#[test]
fn a_table_of_long_cells_is_drawn_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text =
        String::from("id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n");
    text.push_str(&"x ".repeat(2 << 20));
    text.push_str(",0,0,0,0,0,0,0,0,3\n");
    for i in 0..999 {
        text.push_str(&format!("L{i} {},1,1,1,1,1,1,1,1,0\n", "y ".repeat(1000)));
    }
    let input = write(dir.path(), "long.csv", &text);
    let started = std::time::Instant::now();
    let (stdout, stderr, code) = run(bin()
        .timeout(std::time::Duration::from_secs(60))
        .arg("score")
        .arg(&input)
        .args(["-i", "phq9", "--format", "table", "-q"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    assert!(stdout.contains("x x x"), "the cell's start is shown");
    assert!(stdout.contains('…'), "and that it goes on");
    assert!(stdout.contains("L998"), "every row");
    assert!(stdout.contains("urgent"));
    assert!(
        stdout.len() < 4 << 20,
        "cells shortened: {} bytes",
        stdout.len()
    );
}

/// Finding 14: the manifest records every problem class the run reported,
/// and the run's exit code, not only rows and invalid cells.
#[test]
fn the_manifest_records_every_problem_and_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("run.json");
    let (_, stderr, code) = run(bin()
        .arg("score")
        .arg(hostile("manifest_problems.csv"))
        .args(["-i", "phq9", "-q", "--format", "csv", "--manifest"])
        .arg(&manifest));
    assert_eq!(code, 1, "{stderr}");
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(m["exit_code"], 1, "{m}");
    assert_eq!(m["input"]["rows"], 4, "{m}");
    assert_eq!(m["invalid_cells"], 1, "{m}");
    let p = &m["problems"];
    assert_eq!(p["rows_with_invalid_cells"], 1, "{m}");
    assert_eq!(p["rows_with_wrong_field_count"], 2, "{m}");
    assert_eq!(p["records_over_several_lines"], 1, "{m}");
    assert_eq!(p["lines_not_scored"], 2, "{m}");
    assert_eq!(p["missing_item_columns"], 1, "{m}");
    assert_eq!(p["undecodable_header_cells"], 0, "{m}");
}
