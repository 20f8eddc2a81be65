//! Reporters' identities sealed at rest. Each identity is encrypted with a
//! data key of its own (XChaCha20-Poly1305, bound to its report's id so a
//! sealed row cannot be moved to another report), and that data key is
//! wrapped by a key from configuration: a copy of the database alone reveals
//! no name, address or number, and erasing a row's data key erases it for good.
//!
//! The key file holds one key a line, `<key id> <32 bytes in base64>`; the
//! first line's key seals new identities, every line's key opens old ones,
//! so keys can be rotated by adding a line at the top.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const NONCE_BYTES: usize = 24;

/// What a reporter gave: all optional.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Name.
    pub name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// Never prints what it holds.
impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identity(<sealed>)")
    }
}

/// An identity as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedIdentity {
    /// The key that wrapped the data key.
    pub key_id: String,
    /// The data key, encrypted by that key (nonce first).
    pub wrapped_key: Vec<u8>,
    /// The identity, encrypted by the data key (nonce first).
    pub sealed: Vec<u8>,
}

/// The keys that seal and open identities.
#[derive(Clone)]
pub struct IdentityKeys {
    current: String,
    keys: HashMap<String, [u8; 32]>,
}

/// Never prints a key.
impl std::fmt::Debug for IdentityKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityKeys").field("current", &self.current).finish_non_exhaustive()
    }
}

fn encrypt(key: &[u8; 32], plaintext: &[u8], context: &[u8]) -> anyhow::Result<Vec<u8>> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let nonce: [u8; NONCE_BYTES] = rand::random();
    let ciphertext = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad: context })
        .map_err(|_| anyhow::anyhow!("sealing failed"))?;
    Ok([nonce.as_slice(), &ciphertext].concat())
}

fn decrypt(key: &[u8; 32], sealed: &[u8], context: &[u8]) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(sealed.len() > NONCE_BYTES, "a sealed value is too short");
    let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
    let nonce: [u8; NONCE_BYTES] = nonce.try_into()?;
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(&XNonce::from(nonce), Payload { msg: ciphertext, aad: context })
        .map_err(|_| anyhow::anyhow!("a sealed identity does not open with its key (altered, or the wrong key)"))
}

impl IdentityKeys {
    /// Reads the key file at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the identity key file {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in the identity key file {}", path.display()))
    }

    /// Reads keys from the key file's text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut current = None;
        let mut keys = HashMap::new();
        for (number, line) in text.lines().enumerate().map(|(index, line)| (index + 1, line.trim())) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, encoded) = line
                .split_once(char::is_whitespace)
                .with_context(|| format!("line {number}: expected `<key id> <key>`"))?;
            let bytes = STANDARD.decode(encoded.trim()).with_context(|| format!("line {number}: not base64"))?;
            let key: [u8; 32] =
                bytes.try_into().map_err(|_| anyhow::anyhow!("line {number}: a key must be 32 bytes"))?;
            anyhow::ensure!(keys.insert(id.to_owned(), key).is_none(), "line {number}: key id {id} appears twice");
            current.get_or_insert_with(|| id.to_owned());
        }
        let current = current.context("no key: add a line `<key id> <32 random bytes in base64>`")?;
        Ok(Self { current, keys })
    }

    /// Writes a new key file with one random key at `path` (for `aduan dev`),
    /// readable by its owner only.
    pub fn create_file(path: &Path) -> anyhow::Result<()> {
        let key: [u8; 32] = rand::random();
        let text = format!(
            "# Keys that seal reporters' identities. The first seals; all open. Keep this file secret.\nk{} {}\n",
            chrono::Utc::now().format("%Y%m%d"),
            STANDARD.encode(key)
        );
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(())
    }

    /// Seals `identity` for `report_id`.
    pub fn seal(&self, report_id: Uuid, identity: &Identity) -> anyhow::Result<SealedIdentity> {
        let master = self.keys.get(&self.current).context("the current key is missing")?;
        let data_key: [u8; 32] = rand::random();
        let plaintext = serde_json::to_vec(identity)?;
        let context = report_id.as_bytes();
        Ok(SealedIdentity {
            key_id: self.current.clone(),
            wrapped_key: encrypt(master, &data_key, context)?,
            sealed: encrypt(&data_key, &plaintext, context)?,
        })
    }

    /// Opens what [`IdentityKeys::seal`] sealed for `report_id`.
    pub fn open(&self, report_id: Uuid, sealed: &SealedIdentity) -> anyhow::Result<Identity> {
        let master = self.keys.get(&sealed.key_id).with_context(|| {
            format!("the identity was sealed with key {}, which is not in the key file", sealed.key_id)
        })?;
        let context = report_id.as_bytes();
        let data_key: [u8; 32] = decrypt(master, &sealed.wrapped_key, context)?
            .try_into()
            .map_err(|_| anyhow::anyhow!("a wrapped data key has the wrong length"))?;
        Ok(serde_json::from_slice(&decrypt(&data_key, &sealed.sealed, context)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> IdentityKeys {
        IdentityKeys::parse(&format!("# test\nk2 {}\nk1 {}\n", STANDARD.encode([2u8; 32]), STANDARD.encode([1u8; 32])))
            .expect("keys")
    }

    fn siti() -> Identity {
        Identity { name: Some("Siti Rahayu".into()), email: Some("siti@example.id".into()), phone: None }
    }

    #[test]
    fn sealed_identities_open_only_for_their_report() {
        let keys = keys();
        let report = Uuid::now_v7();
        let sealed = keys.seal(report, &siti()).expect("sealed");
        assert_eq!(sealed.key_id, "k2", "the first key seals");
        assert!(!String::from_utf8_lossy(&sealed.sealed).contains("Siti"));
        assert_eq!(keys.open(report, &sealed).expect("opens"), siti());
        assert!(keys.open(Uuid::now_v7(), &sealed).is_err(), "moved to another report, it does not open");
        let mut altered = sealed.clone();
        altered.sealed[30] ^= 1;
        assert!(keys.open(report, &altered).is_err());
    }

    #[test]
    fn older_keys_still_open_what_they_sealed() {
        let old = IdentityKeys::parse(&format!("k1 {}\n", STANDARD.encode([1u8; 32]))).expect("keys");
        let report = Uuid::now_v7();
        let sealed = old.seal(report, &siti()).expect("sealed");
        assert_eq!(keys().open(report, &sealed).expect("opens"), siti());
    }

    #[test]
    fn bad_key_files_are_refused_with_the_line() {
        assert!(IdentityKeys::parse("").is_err());
        let short = format!("k1 {}", STANDARD.encode([1u8; 16]));
        assert!(format!("{:#}", IdentityKeys::parse(&short).expect_err("short")).contains("line 1"));
        assert!(IdentityKeys::parse("k1 not-base64!").is_err());
    }

    #[test]
    fn nothing_prints_a_secret() {
        assert!(!format!("{:?}", keys()).contains("AgIC"));
        assert_eq!(format!("{:?}", siti()), "Identity(<sealed>)");
    }
}
