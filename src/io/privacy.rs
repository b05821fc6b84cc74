//! Pseudonymous ids: the id column replaced by a keyed hash (HMAC-SHA256),
//! so results can be shared and re-linked only by whoever holds the key.
//! The key file is created with owner-only permissions when absent.

use std::io::Write as _;
use std::path::Path;

use anyhow::{bail, Context as _};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub struct Pseudonymizer {
    mac: Hmac<Sha256>,
}

/// Hex characters kept of the HMAC: 128 bits, collision-free in practice.
const KEEP_HEX: usize = 32;

impl Pseudonymizer {
    /// Load the key from `path`, or create a new random key there (0600).
    pub fn load_or_create(path: &Path) -> anyhow::Result<(Self, bool)> {
        let created = !path.exists();
        if created {
            let mut key = [0u8; 32];
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
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading key file {}", path.display()))?;
        let key = hex::decode(text.trim()).ok().filter(|k| k.len() >= 16);
        let Some(key) = key else {
            bail!(
                "{} is not a psyscreen key file (expected at least 32 hex characters)",
                path.display()
            );
        };
        Ok((Self::from_key(&key), created))
    }

    pub fn from_key(key: &[u8]) -> Self {
        Pseudonymizer {
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length"),
        }
    }

    /// The pseudonym of one id (hex, stable for a key).
    pub fn pseudonym(&self, id: &[u8]) -> String {
        let mut m = self.mac.clone();
        m.update(id);
        let mut h = hex::encode(m.finalize().into_bytes());
        h.truncate(KEEP_HEX);
        h
    }
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
}
