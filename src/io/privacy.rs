//! Pseudonymous ids: the id column replaced by a keyed hash (HMAC-SHA256),
//! so results can be shared and re-linked only by whoever holds the key.
//! The key file is created with owner-only permissions when absent; an
//! existing one is used only when it is a key worth the name: a regular
//! file of the user's own that nobody else can read or change, holding at
//! least 32 bytes that are not one byte repeated.
//!
//! The key file format: the key as hex text, at least 64 hex digits (32
//! bytes, an even number of digits), with nothing but ASCII white space
//! around it, at most 4 KiB in all. `is_key_file` and `--pseudonymize`
//! judge a file by that one rule (`parse_key`), so no output replaces a file
//! that `--pseudonymize` would take as a key.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::Path;

use anyhow::{bail, Context as _};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub struct Pseudonymizer {
    mac: Hmac<Sha256>,
}

/// Hex characters kept of the HMAC: 128 bits, collision-free in practice.
const KEEP_HEX: usize = 32;
/// Bytes of a new key, and the least a key may have: HMAC-SHA256's output.
const KEY_BYTES: usize = 32;
/// A key file is 65 bytes; anything past this is not one (e.g. /dev/zero).
const KEY_FILE_LIMIT: u64 = 4096;

/// How to get a sound key, said after every refusal.
const NEW_KEY: &str = "to start a new key, give --pseudonymize a file name that does not exist (pseudonyms made with the old key will not match)";

impl Pseudonymizer {
    /// Load the key from `path`, or create a new random key there (0600).
    pub fn load_or_create(path: &Path) -> anyhow::Result<(Self, bool)> {
        let created = std::fs::symlink_metadata(path).is_err();
        if created {
            let mut key = [0u8; KEY_BYTES];
            getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no random key: {e}"))?;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                opts.mode(0o600);
            }
            let mut f = opts
                .open(path)
                .with_context(|| format!("creating key file {}", path.display()))?;
            writeln!(f, "{}", hex::encode(key))?;
            f.sync_all()?;
        }
        let reading = || format!("reading key file {}", path.display());
        let not_a_file = || {
            anyhow::anyhow!(
                "--pseudonymize {} is not a regular file: a key is a file of its own; {NEW_KEY}",
                path.display()
            )
        };
        // looked at before opening too: opening a FIFO would wait for a writer
        if !std::fs::metadata(path).with_context(reading)?.is_file() {
            return Err(not_a_file());
        }
        let file = File::open(path).with_context(reading)?;
        let meta = file.metadata().with_context(reading)?;
        if !meta.is_file() {
            return Err(not_a_file());
        }
        let mut bytes = Vec::new();
        file.take(KEY_FILE_LIMIT + 1)
            .read_to_end(&mut bytes)
            .with_context(reading)?;
        let key = parse_key(&bytes).map_err(|problem| {
            anyhow::anyhow!("--pseudonymize {}: {problem}; {NEW_KEY}", path.display())
        })?;
        // after the content: a file that is no key at all is told so first
        check_private(path, &meta)?;
        Ok((Self::from_key(&key), created))
    }

    pub fn from_key(key: &[u8]) -> Self {
        Pseudonymizer {
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length"),
        }
    }

    /// The pseudonym of one id (hex, stable for a key). Spaces around an
    /// id are typing noise, not part of it: "S1 " is the same person as
    /// "S1" and gets the same pseudonym.
    pub fn pseudonym(&self, id: &[u8]) -> String {
        let mut m = self.mac.clone();
        m.update(trim_id(id));
        let mut h = hex::encode(m.finalize().into_bytes());
        h.truncate(KEEP_HEX);
        h
    }
}

/// `id` without surrounding white space (Unicode's, so also the CJK
/// ideographic space an input method types; ASCII's if not UTF-8).
pub fn trim_id(id: &[u8]) -> &[u8] {
    // the usual id starts and ends with a visible ASCII character: nothing
    // to trim, and no need to check the bytes between (every row comes here)
    let visible = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    if visible(id.first()) && visible(id.last()) {
        return id;
    }
    match std::str::from_utf8(id) {
        Ok(s) => s.trim().as_bytes(),
        Err(_) => id.trim_ascii(),
    }
}

/// Whether the file at `path` holds a pseudonym key: what `--pseudonymize`
/// would accept as one (`parse_key`). Unreadable or larger files are not.
pub fn is_key_file(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    if !file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() <= KEY_FILE_LIMIT)
    {
        return false;
    }
    let mut bytes = Vec::new();
    file.take(KEY_FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .is_ok_and(|_| parse_key(&bytes).is_ok())
}

/// Refuse a key file others could read, or swap for a key they know.
#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let p = path.display();
    let me = rustix::process::getuid().as_raw();
    if meta.uid() != me {
        let owner = meta.uid();
        bail!(crate::messages::tr!(
            "--pseudonymize {p} belongs to another user (uid {owner}): a key must be owned by whoever runs psyscreen (uid {me}); its owner can copy it to you, or `chown` it",
            "--pseudonymize {p} 属于另一个用户（uid {owner}）：密钥必须属于运行 psyscreen 的用户（uid {me}）；可请其所有者复制给你，或用 `chown` 更改所有者"
        ));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(crate::messages::tr!(
            "--pseudonymize {p} can be read or changed by others (mode {mode:04o}): whoever reads the key can re-link every pseudonym; run `chmod 600 {p}`",
            "--pseudonymize {p} 可被他人读取或修改（权限 {mode:04o}）：读到密钥的人能把每个化名对应回原身份；请运行 `chmod 600 {p}`"
        ));
    }
    Ok(())
}
#[cfg(not(unix))]
fn check_private(_: &Path, _: &std::fs::Metadata) -> anyhow::Result<()> {
    Ok(())
}

/// The key in a key file's bytes, or what is wrong with it.
fn parse_key(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if bytes.len() as u64 > KEY_FILE_LIMIT {
        return Err(format!(
            "is larger than {} KiB: not a psyscreen key file",
            KEY_FILE_LIMIT / 1024
        ));
    }
    let text = bytes.trim_ascii();
    if text.is_empty() {
        return Err("is empty".into());
    }
    let Some(key) = hex::decode(text).ok() else {
        return Err(format!(
            "is not a psyscreen key file (expected {} hex characters)",
            2 * KEY_BYTES
        ));
    };
    if key.len() < KEY_BYTES {
        return Err(format!(
            "holds a {}-byte key; a key must be at least {KEY_BYTES} bytes ({} hex characters)",
            key.len(),
            2 * KEY_BYTES
        ));
    }
    if key.iter().all(|&b| b == key[0]) {
        return Err(format!(
            "holds the same byte ({:02x}) repeated: not a random key",
            key[0]
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_per_key_different_across_keys() {
        let a = Pseudonymizer::from_key(b"0123456789abcdef0123456789abcdef");
        let b = Pseudonymizer::from_key(b"fedcba9876543210fedcba9876543210");
        assert_eq!(a.pseudonym(b"S7A01"), a.pseudonym(b"S7A01"));
        assert_ne!(a.pseudonym(b"S7A01"), a.pseudonym(b"S7A02"));
        assert_ne!(a.pseudonym(b"S7A01"), b.pseudonym(b"S7A01"));
        assert_eq!(a.pseudonym(b"x").len(), 32);
    }

    #[test]
    fn known_answer_hmac_sha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
        let p = Pseudonymizer::from_key(b"Jefe");
        assert_eq!(
            p.pseudonym(b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c7"
        );
    }

    #[test]
    fn key_file_is_created_owner_only_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        let (a, created) = Pseudonymizer::load_or_create(&path).unwrap();
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let (b, created) = Pseudonymizer::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(a.pseudonym(b"id"), b.pseudonym(b"id"));
        std::fs::write(&path, "nope").unwrap();
        assert!(Pseudonymizer::load_or_create(&path).is_err());
    }

    #[test]
    fn weak_keys_are_refused() {
        let ok = "3f9a0c1be2d47a8865f1c0de9b7e21a4c3d5e6f708192a3b4c5d6e7f8091a2b3\n";
        assert_eq!(parse_key(ok.as_bytes()).unwrap().len(), 32);
        let cases = [
            ("".to_string(), "is empty"),
            (" \n".to_string(), "is empty"),
            ("xyz".to_string(), "not a psyscreen key file"),
            (
                "3f9a0c1be2d47a8865f1c0de9b7e21a4".to_string(),
                "16-byte key",
            ),
            ("ff".repeat(32), "the same byte (ff) repeated"),
            ("ab".repeat(4000), "larger than 4 KiB"),
        ];
        for (text, want) in cases {
            let e = parse_key(text.as_bytes()).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn a_key_file_is_what_parse_key_accepts() {
        let dir = tempfile::tempdir().unwrap();
        let key = "3f9a0c1be2d47a8865f1c0de9b7e21a4c3d5e6f708192a3b4c5d6e7f8091a2b3";
        for (text, is_key) in [
            (format!("{key}\n"), true),
            (format!("{key}\n\n"), true),
            (format!("  {key}  \n\n"), true),
            (format!("{key}{key}\n"), true),
            (format!("{key}\r\n"), true),
            (key[..32].to_string(), false),
            ("ff".repeat(32), false),
            (format!("{key} x"), false),
            ("id,phq9_1\n".to_string(), false),
        ] {
            let p = dir.path().join("k");
            std::fs::write(&p, &text).unwrap();
            assert_eq!(is_key_file(&p), is_key, "{text:?}");
            assert_eq!(parse_key(text.as_bytes()).is_ok(), is_key, "{text:?}");
        }
        assert!(!is_key_file(&dir.path().join("absent")));
        assert!(!is_key_file(dir.path()));
    }

    #[test]
    fn surrounding_spaces_are_not_part_of_an_id() {
        let p = Pseudonymizer::from_key(b"0123456789abcdef0123456789abcdef");
        let s1 = p.pseudonym(b"S1");
        for noisy in [" S1", "S1 ", "\tS1\t", "S1\u{3000}", "\u{a0}S1"] {
            assert_eq!(p.pseudonym(noisy.as_bytes()), s1, "{noisy:?}");
        }
        assert_eq!(p.pseudonym(b"S1 \xff"), p.pseudonym(b"S1 \xff "));
        assert_ne!(p.pseudonym(b"S 1"), s1, "inner spaces are kept");
    }
}
