//! Why a key, a note or a checkpoint is refused.

/// A verifier key, signed note or checkpoint that is malformed or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key name that signed-note forbids.
    #[error("a key name must be non-empty, without spaces, '+' or control characters")]
    KeyName,
    /// Text that is not a verifier key.
    #[error("not a verifier key <name>+<8 hex digits key id>+<base64 of 0x01 and a 32-byte Ed25519 key>")]
    MalformedKey,
    /// A verifier key of another signature type than Ed25519.
    #[error("signature type {0:#04x} is not Ed25519 (0x01)")]
    KeyType(u8),
    /// A verifier key whose key ID is not the one its name and key give.
    #[error("the key id does not match the key's name and public key")]
    KeyIdMismatch,
    /// A small-order Ed25519 public key, for which forgeries are easy.
    #[error("a weak (small-order) Ed25519 public key")]
    WeakKey,
    /// Text that is not a signed note.
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    /// A note without any signature line of the expected key.
    #[error("the note is not signed by key {0}")]
    Unsigned(String),
    /// A signature line of the expected key that does not verify.
    #[error("a signature by key {0} does not verify")]
    BadSignature(String),
    /// Note text that is not a checkpoint, or a checkpoint that cannot be written.
    #[error("malformed checkpoint: {0}")]
    Checkpoint(&'static str),
    /// A checkpoint of another log than the one expected.
    #[error("the checkpoint is for log {found:?}, not {expected:?}")]
    WrongOrigin {
        /// The origin the verifier expects.
        expected: String,
        /// The origin the checkpoint names.
        found: String,
    },
}
