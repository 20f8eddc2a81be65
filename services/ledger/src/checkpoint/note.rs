//! The signed-note envelope (c2sp.org/signed-note): the text, a blank line,
//! then one line per signature, `— <key name> <base64(key id || signature)>`.
//! Only the signature lines of the one expected key are checked; lines of
//! other keys are ignored, as the spec requires, so that witnesses can add
//! their cosignatures to the same note.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey};

use super::key::check_name;
use super::{NoteError, VerifierKey};

/// Opens each signature line: an em dash and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// The most signature lines read. The spec asks verifiers to accept at least
/// 16, and to stop somewhere.
const MAX_SIGNATURES: usize = 100;

/// Refuses text that cannot be a note's text: empty, not ending in a newline,
/// or with control characters other than newlines.
pub(crate) fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("the text must end with a newline"));
    }
    if text.contains(|c: char| c.is_ascii_control() && c != '\n') {
        return Err(NoteError::Malformed("control characters other than newlines"));
    }
    Ok(())
}

/// The note of `text` signed with `key`, under `name` and key ID `id`. The
/// caller has checked the text, the name, and that `id` is the key's.
pub(crate) fn sign(text: &str, name: &str, id: u32, key: &SigningKey) -> String {
    let mut signature = Vec::with_capacity(4 + 64);
    signature.extend(id.to_be_bytes());
    signature.extend(key.sign(text.as_bytes()).to_bytes());
    format!("{text}\n{SIGNATURE_PREFIX}{name} {}\n", STANDARD.encode(signature))
}

/// The text of `note` once a signature of `key` verifies on it. Refuses the
/// note if any signature line of `key` fails, even if another verifies.
pub(crate) fn open<'note>(note: &'note str, key: &VerifierKey) -> Result<&'note str, NoteError> {
    if note.contains(|c: char| c.is_ascii_control() && c != '\n') {
        return Err(NoteError::Malformed("control characters other than newlines"));
    }
    // The text may hold blank lines: the last one ends it.
    let blank = note.rfind("\n\n").ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    let (text, signatures) = (&note[..blank + 1], &note[blank + 2..]);
    let signatures =
        signatures.strip_suffix('\n').ok_or(NoteError::Malformed("the signatures must end with a newline"))?;
    // Counted before any is verified, so that a flood costs nothing.
    if signatures.split('\n').count() > MAX_SIGNATURES {
        return Err(NoteError::Malformed("too many signatures"));
    }
    let mut verified = false;
    for line in signatures.split('\n') {
        let (name, signature) = line
            .strip_prefix(SIGNATURE_PREFIX)
            .and_then(|line| line.split_once(' '))
            .ok_or(NoteError::Malformed("a signature line is not '— <key name> <signature>'"))?;
        check_name(name).map_err(|_| NoteError::Malformed("a signature line's key name"))?;
        let signature = STANDARD.decode(signature).map_err(|_| NoteError::Malformed("a signature is not base64"))?;
        let Some((id, signature)) = signature.split_first_chunk::<4>() else {
            return Err(NoteError::Malformed("a signature shorter than its key id"));
        };
        if name != key.name() || u32::from_be_bytes(*id) != key.id() {
            continue;
        }
        let signature = <&[u8; 64]>::try_from(signature).map_err(|_| NoteError::BadSignature(key_label(key)))?;
        key.key()
            .verify_strict(text.as_bytes(), &Signature::from_bytes(signature))
            .map_err(|_| NoteError::BadSignature(key_label(key)))?;
        verified = true;
    }
    if verified { Ok(text) } else { Err(NoteError::Unsigned(key_label(key))) }
}

/// How errors name a key: `<name>+<hex key id>`, as the Go implementation does.
fn key_label(key: &VerifierKey) -> String {
    format!("{}+{:08x}", key.name(), key.id())
}

#[cfg(test)]
mod tests {
    use super::*;

    // golang.org/x/mod sumdb/note/note_test.go (golang/mod): TestSign signs
    // this text with the private key below and publishes the note; TestOpen
    // adds a second signature by EnochRoot. The private key is
    // "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
    // whose base64 part is 0x01 (Ed25519) and the 32-byte seed.
    const PETER_SECRET: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const ENOCH: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const PETER_SIG: &str =
        "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str =
        "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    // The signed-note example key and note, "example.com/foo", quoted alike by
    // several independent implementations (the stored copies of
    // c2sp.org/signed-note I could read no longer carry that section); the
    // test below checks the signature, so the vector vouches for itself.
    const FOO: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const FOO_NOTE: &str = "This is an example message.\n\n\
         — example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    fn key(text: &str) -> VerifierKey {
        match text.parse() {
            Ok(key) => key,
            Err(error) => panic!("{text}: {error}"),
        }
    }

    fn peter_signing_key() -> SigningKey {
        let typed = STANDARD.decode(PETER_SECRET).unwrap_or_default();
        assert_eq!(typed.first(), Some(&0x01));
        let seed = <[u8; 32]>::try_from(&typed[1..]).unwrap_or_default();
        SigningKey::from_bytes(&seed)
    }

    #[test]
    fn signs_exactly_as_the_go_implementation() {
        let secret = peter_signing_key();
        let peter = key(PETER);
        assert_eq!(secret.verifying_key(), *peter.key());
        // Ed25519 is deterministic (RFC 8032): same key and text, same note.
        assert_eq!(sign(TEXT, peter.name(), peter.id(), &secret), format!("{TEXT}\n{PETER_SIG}"));
    }

    #[test]
    fn opens_published_notes() {
        assert_eq!(open(&format!("{TEXT}\n{PETER_SIG}"), &key(PETER)), Ok(TEXT));
        // Each key finds its own line and ignores the other.
        let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
        assert_eq!(open(&both, &key(PETER)), Ok(TEXT));
        assert_eq!(open(&both, &key(ENOCH)), Ok(TEXT));
        assert_eq!(open(FOO_NOTE, &key(FOO)), Ok("This is an example message.\n"));
    }

    #[test]
    fn refuses_notes_its_key_did_not_sign() {
        let (peter, enoch) = (key(PETER), key(ENOCH));
        let unsigned = Err(NoteError::Unsigned("PeterNeumann+c74f20a3".into()));
        let bad = Err(NoteError::BadSignature("PeterNeumann+c74f20a3".into()));
        assert_eq!(open(&format!("{TEXT}\n{ENOCH_SIG}"), &peter), unsigned);
        assert_eq!(
            open(&format!("{TEXT}\n{PETER_SIG}"), &enoch),
            Err(NoteError::Unsigned("EnochRoot+af0cfe78".into()))
        );
        // The text changed.
        let changed = format!("{TEXT}\n{PETER_SIG}").replace("cryptography", "cryptographY");
        assert_eq!(open(&changed, &peter), bad);
        // The signature changed (as TestOpen's "Invalid signature"), alone or
        // next to a good one.
        let forged = format!("{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
        assert_eq!(open(&format!("{TEXT}\n{forged}"), &peter), bad);
        assert_eq!(open(&format!("{TEXT}\n{PETER_SIG}{forged}"), &peter), bad);
        // Another name, or another key ID, is another key: ignored.
        let renamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
        assert_eq!(open(&format!("{TEXT}\n{renamed}"), &peter), unsigned);
        let other_id = PETER_SIG.replace("x08g", "xxxx");
        assert_eq!(open(&format!("{TEXT}\n{other_id}"), &peter), unsigned);
    }

    #[test]
    fn refuses_malformed_notes() {
        let peter = key(PETER);
        // TestOpen's "Invalid encoded message syntax".
        for note in [
            TEXT.to_string(),
            format!("{TEXT}\n"),
            format!("{TEXT}\n{}", PETER_SIG.trim_end_matches('\n')),
            format!("\x01{TEXT}\n{PETER_SIG}"),
            format!(
                "{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
            ),
            format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
            format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES + 1)),
            format!("{TEXT}\n— PeterNeumann !!!!\n"),
            format!("{TEXT}\n— PeterNeumann AAAA\n"),
        ] {
            assert!(matches!(open(&note, &peter), Err(NoteError::Malformed(_))), "{note:?}");
        }
        // The spec's minimum: a note with 16 signatures is read.
        assert_eq!(open(&format!("{TEXT}\n{}", PETER_SIG.repeat(16)), &peter), Ok(TEXT));
        let others = format!("{TEXT}\n{PETER_SIG}{}", ENOCH_SIG.repeat(MAX_SIGNATURES - 1));
        assert_eq!(open(&others, &peter), Ok(TEXT));
    }

    #[test]
    fn checks_the_text_before_signing() {
        assert!(check_text(TEXT).is_ok());
        assert!(check_text("").is_err());
        assert!(check_text("no newline").is_err());
        assert!(check_text("a\tb\n").is_err());
    }
}
