//! Ed25519 keys as signed-note names them: a key name, and a key ID that
//! lets a verifier pick its signature line out of several. The public form,
//! `<name>+<hex key id>+<base64(0x01 || public key)>`, is what an operator
//! publishes so that anyone can check the log's checkpoints.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};

use super::NoteError;

/// The signature type byte of Ed25519 in signed-note.
const ED25519: u8 = 0x01;

/// The key ID of signed-note for an Ed25519 key: the first four bytes,
/// big-endian, of SHA-256(name || 0x0A || 0x01 || 32-byte public key).
pub fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ED25519])
        .chain_update(key.as_bytes())
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Refuses what signed-note forbids in a key name: nothing, Unicode spaces,
/// '+', and the control characters no note may contain.
pub(crate) fn check_name(name: &str) -> Result<(), NoteError> {
    let forbidden = |c: char| c.is_whitespace() || c == '+' || c.is_control();
    if name.is_empty() || name.contains(forbidden) { Err(NoteError::KeyName) } else { Ok(()) }
}

/// An Ed25519 public key under its key name: what verifies a log's notes.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key: VerifyingKey,
    id: u32,
}

impl VerifierKey {
    /// The key under this name; refuses names signed-note forbids and weak keys.
    pub fn new(name: impl Into<String>, key: VerifyingKey) -> Result<Self, NoteError> {
        let name = name.into();
        check_name(&name)?;
        if key.is_weak() {
            return Err(NoteError::WeakKey);
        }
        let id = key_id(&name, &key);
        Ok(Self { name, key, id })
    }

    /// Its key name, which the log's signature lines carry.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Ed25519 public key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Its key ID.
    pub fn id(&self) -> u32 {
        self.id
    }
}

/// The published form, `<name>+<hex key id>+<base64(0x01 || public key)>`.
impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut typed = [0; 33];
        typed[0] = ED25519;
        typed[1..].copy_from_slice(self.key.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.id, STANDARD.encode(typed))
    }
}

/// Shows the published form: there is nothing secret in it.
impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

/// Parses the published form, checking that the key ID is the one the name
/// and key give, so that a mistyped key is refused rather than never matching.
impl FromStr for VerifierKey {
    type Err = NoteError;

    fn from_str(text: &str) -> Result<Self, NoteError> {
        // The name has no '+' but the base64 may.
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::MalformedKey);
        };
        check_name(name)?;
        let id_is_hex = id.len() == 8 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let id = u32::from_str_radix(id, 16).ok().filter(|_| id_is_hex).ok_or(NoteError::MalformedKey)?;
        let typed = STANDARD.decode(key).map_err(|_| NoteError::MalformedKey)?;
        let (&kind, key) = typed.split_first().ok_or(NoteError::MalformedKey)?;
        if kind != ED25519 {
            return Err(NoteError::KeyType(kind));
        }
        let key = <&[u8; 32]>::try_from(key).map_err(|_| NoteError::MalformedKey)?;
        let key = VerifyingKey::from_bytes(key).map_err(|_| NoteError::MalformedKey)?;
        let parsed = Self::new(name, key)?;
        if parsed.id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // golang.org/x/mod sumdb/note/note_test.go (golang/mod), TestNewVerifier
    // and TestVerifierList.
    const PETER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const ENOCH: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";

    #[test]
    fn parses_and_formats_published_keys() {
        for (text, name, id) in [(PETER, "PeterNeumann", 0xc74f20a3), (ENOCH, "EnochRoot", 0xaf0cfe78)] {
            let parsed: Result<VerifierKey, _> = text.parse();
            let Ok(key) = parsed else { panic!("{text}: {parsed:?}") };
            assert_eq!(key.name(), name);
            assert_eq!(key.id(), id);
            // The ID recomputed from name and key, as the spec defines it.
            assert_eq!(key_id(name, key.key()), id);
            assert_eq!(key.to_string(), text);
            assert_eq!(format!("{key:?}"), format!("VerifierKey({text})"));
        }
    }

    #[test]
    fn refuses_mangled_keys() {
        // As TestNewVerifier: every strict substring and every single-byte
        // change of a good key is refused.
        let good = PETER.as_bytes();
        for start in 0..=good.len() {
            for end in start + 1..=good.len() {
                if (start, end) != (0, good.len()) {
                    let part = String::from_utf8_lossy(&good[start..end]);
                    assert!(part.parse::<VerifierKey>().is_err(), "{part}");
                }
            }
        }
        for at in 0..good.len() {
            let mut changed = good.to_vec();
            changed[at] += 1;
            let changed = String::from_utf8_lossy(&changed);
            assert!(changed.parse::<VerifierKey>().is_err(), "{changed}");
        }
        // Also from TestNewVerifier: a key of the wrong length, and an unknown
        // algorithm, each with a key ID adjusted to match.
        let long = "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==";
        assert_eq!(long.parse::<VerifierKey>(), Err(NoteError::MalformedKey));
        let unknown = "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        assert_eq!(unknown.parse::<VerifierKey>(), Err(NoteError::KeyType(0x65)));
        let wrong_id = "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        assert_eq!(wrong_id.parse::<VerifierKey>(), Err(NoteError::KeyIdMismatch));
        let upper = "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        assert_eq!(upper.parse::<VerifierKey>(), Err(NoteError::MalformedKey));
    }

    #[test]
    fn refuses_forbidden_names_and_weak_keys() {
        let Ok(key) = PETER.parse::<VerifierKey>() else { panic!("{PETER}") };
        for name in ["", "a b", "a+b", "a\nb", "a\u{a0}b", "a\u{2003}b"] {
            assert_eq!(VerifierKey::new(name, *key.key()), Err(NoteError::KeyName), "{name:?}");
        }
        assert!(VerifierKey::new("example.com/log", *key.key()).is_ok());
        // The identity point, of order one.
        let mut identity = [0; 32];
        identity[0] = 1;
        let Ok(weak) = VerifyingKey::from_bytes(&identity) else { panic!("the identity is a valid point") };
        assert_eq!(VerifierKey::new("weak", weak), Err(NoteError::WeakKey));
    }
}
