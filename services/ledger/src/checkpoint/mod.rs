//! Signed checkpoints (c2sp.org/tlog-checkpoint): the log's origin, size and
//! root hash, signed with Ed25519 in a signed note (c2sp.org/signed-note).
//! These are the formats of the Go checksum database, Sigstore and the
//! transparency-dev witnesses, so those tools can read and cosign aduan's
//! checkpoints, and anyone holding the published verifier key can check them.

mod error;
mod key;
mod note;

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
pub use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::tree::Hash;
pub use error::NoteError;
pub use key::{VerifierKey, key_id};

/// A log's statement of its size and root hash at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Which log: non-empty, one line, e.g. `aduan.example/audit`.
    pub origin: String,
    /// How many entries the log holds.
    pub size: u64,
    /// The root of the RFC 9162 tree of those entries.
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: origin, decimal size and base64 root, one per line.
    /// Refuses an origin that is empty or holds control characters.
    pub fn to_text(&self) -> Result<String, NoteError> {
        if self.origin.is_empty() || self.origin.contains(char::is_control) {
            return Err(NoteError::Checkpoint("the origin must be non-empty, one line, no control characters"));
        }
        Ok(format!("{}\n{}\n{}\n", self.origin, self.size, STANDARD.encode(self.root.as_bytes())))
    }

    /// Parses the note text. Refuses extension lines: aduan's logs write
    /// none, and monitors cannot audit them.
    pub fn from_text(text: &str) -> Result<Self, NoteError> {
        let body = text.strip_suffix('\n').ok_or(NoteError::Checkpoint("the text must end with a newline"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, root] = lines[..] else {
            return Err(NoteError::Checkpoint("three lines: origin, size, root hash"));
        };
        if origin.is_empty() || origin.contains(char::is_control) {
            return Err(NoteError::Checkpoint("the origin must be non-empty, no control characters"));
        }
        // Decimal without sign or leading zeros, so each size has one spelling.
        let canonical =
            !size.is_empty() && size.bytes().all(|b| b.is_ascii_digit()) && (size == "0" || !size.starts_with('0'));
        let size = size.parse().ok().filter(|_| canonical).ok_or(NoteError::Checkpoint("the size must be decimal"))?;
        let root = STANDARD.decode(root).ok().and_then(|root| Hash::try_from(&root[..]).ok());
        let root = root.ok_or(NoteError::Checkpoint("the root must be 32 bytes in base64"))?;
        Ok(Self { origin: origin.to_owned(), size, root })
    }
}

/// Signs checkpoints with the log's Ed25519 key under its key name.
pub struct CheckpointSigner {
    key: SigningKey,
    verifier: VerifierKey,
}

/// Never prints the private key.
impl fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckpointSigner").field("verifier", &self.verifier).finish_non_exhaustive()
    }
}

impl CheckpointSigner {
    /// Signs under this key name, which should be the log's origin (the
    /// spec's advice, and what [`CheckpointVerifier::new`] expects).
    pub fn new(name: impl Into<String>, key: SigningKey) -> Result<Self, NoteError> {
        let verifier = VerifierKey::new(name, key.verifying_key())?;
        Ok(Self { key, verifier })
    }

    /// The public half, to publish in its text form.
    pub fn verifier_key(&self) -> &VerifierKey {
        &self.verifier
    }

    /// The whole signed note of this checkpoint; refuses a malformed origin.
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<String, NoteError> {
        let text = checkpoint.to_text()?;
        note::check_text(&text)?;
        Ok(note::sign(&text, self.verifier.name(), self.verifier.id(), &self.key))
    }
}

/// Checks checkpoints of one log against its published verifier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointVerifier {
    key: VerifierKey,
    origin: String,
}

impl CheckpointVerifier {
    /// Verifies checkpoints whose origin is the key's name.
    pub fn new(key: VerifierKey) -> Self {
        let origin = key.name().to_owned();
        Self { key, origin }
    }

    /// Verifies checkpoints of `origin` signed under a key of another name.
    pub fn with_origin(key: VerifierKey, origin: impl Into<String>) -> Self {
        Self { key, origin: origin.into() }
    }

    /// The key it verifies with.
    pub fn key(&self) -> &VerifierKey {
        &self.key
    }

    /// The checkpoint in `note` once the key's signature on it verifies and it
    /// names the expected origin. Other keys' signatures are ignored.
    pub fn verify(&self, note: &str) -> Result<Checkpoint, NoteError> {
        let checkpoint = Checkpoint::from_text(note::open(note, &self.key)?)?;
        if checkpoint.origin != self.origin {
            return Err(NoteError::WrongOrigin { expected: self.origin.clone(), found: checkpoint.origin });
        }
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests;
