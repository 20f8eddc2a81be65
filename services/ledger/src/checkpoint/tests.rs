//! Checkpoints signed and verified end to end, and every kind of tampering refused.

use super::*;
use crate::tree::leaf_hash;

const ORIGIN: &str = "aduan.example/audit";

fn signer(name: &str, seed: u8) -> CheckpointSigner {
    match CheckpointSigner::new(name, SigningKey::from_bytes(&[seed; 32])) {
        Ok(signer) => signer,
        Err(error) => panic!("{name}: {error}"),
    }
}

fn checkpoint() -> Checkpoint {
    Checkpoint { origin: ORIGIN.into(), size: 42, root: leaf_hash(b"the root") }
}

fn signed() -> String {
    signer(ORIGIN, 7).sign(&checkpoint()).unwrap_or_default()
}

fn verifier() -> CheckpointVerifier {
    CheckpointVerifier::new(signer(ORIGIN, 7).verifier_key().clone())
}

#[test]
fn round_trips_through_the_published_key() {
    let signer = signer(ORIGIN, 7);
    let published = signer.verifier_key().to_string();
    let Ok(key) = published.parse::<VerifierKey>() else { panic!("{published}") };
    assert_eq!(CheckpointVerifier::new(key).verify(&signed()), Ok(checkpoint()));

    let empty = Checkpoint { origin: ORIGIN.into(), size: 0, root: crate::tree::empty_root() };
    let note = signer.sign(&empty).unwrap_or_default();
    assert_eq!(verifier().verify(&note), Ok(empty));
}

#[test]
fn writes_the_formats_of_the_specs() {
    let note = signed();
    let root = STANDARD.encode(checkpoint().root.as_bytes());
    let (body, signature) = note.split_once("\n\n").unwrap_or_default();
    assert_eq!(body, format!("{ORIGIN}\n42\n{root}"));
    let line = signature.strip_prefix("\u{2014} aduan.example/audit ").unwrap_or_default();
    let line = line.strip_suffix('\n').unwrap_or_default();
    let bytes = STANDARD.decode(line).unwrap_or_default();
    assert_eq!(bytes.len(), 4 + 64);
    let id = key_id(ORIGIN, &SigningKey::from_bytes(&[7; 32]).verifying_key());
    assert_eq!(bytes[..4], id.to_be_bytes());
    assert_eq!(id, verifier().key().id());
}

#[test]
fn derives_the_go_implementations_verifier_key() {
    // golang.org/x/mod sumdb/note/note_test.go: the private key
    // PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz
    // and its verifier key.
    let typed = STANDARD.decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz").unwrap_or_default();
    let seed = <[u8; 32]>::try_from(&typed[1..]).unwrap_or_default();
    let signer = CheckpointSigner::new("PeterNeumann", SigningKey::from_bytes(&seed));
    assert_eq!(
        signer.map(|signer| signer.verifier_key().to_string()),
        Ok("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW".into())
    );
}

#[test]
fn reads_the_spec_example() {
    // c2sp.org/tlog-checkpoint, the example's note text.
    let text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let parsed = Checkpoint::from_text(text);
    let root = STANDARD.decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=").unwrap_or_default();
    assert_eq!(parsed.as_ref().map(|checkpoint| checkpoint.size), Ok(20852163));
    assert_eq!(parsed.as_ref().map(|checkpoint| checkpoint.origin.as_str()), Ok("example.com/behind-the-sofa"));
    assert_eq!(parsed.as_ref().map(|checkpoint| checkpoint.root.as_bytes().to_vec()), Ok(root));
    assert_eq!(parsed.and_then(|checkpoint| checkpoint.to_text()), Ok(text.into()));
}

#[test]
fn refuses_malformed_checkpoint_text() {
    let root = STANDARD.encode([0; 32]);
    for text in [
        format!("{ORIGIN}\n42\n{root}"),
        format!("{ORIGIN}\n42\n{root}\nextension\n"),
        format!("{ORIGIN}\n42\n"),
        format!("\n42\n{root}\n"),
        format!("{ORIGIN}\n042\n{root}\n"),
        format!("{ORIGIN}\n+42\n{root}\n"),
        format!("{ORIGIN}\n-1\n{root}\n"),
        format!("{ORIGIN}\n\n{root}\n"),
        format!("{ORIGIN}\n18446744073709551616\n{root}\n"),
        format!("{ORIGIN}\n42\n{}\n", STANDARD.encode([0; 31])),
        format!("{ORIGIN}\n42\n{}\n", hex::encode([0; 32])),
        format!("{ORIGIN}\x7f\n42\n{root}\n"),
    ] {
        assert!(matches!(Checkpoint::from_text(&text), Err(NoteError::Checkpoint(_))), "{text:?}");
    }
    assert!(Checkpoint::from_text(&format!("{ORIGIN}\n0\n{root}\n")).is_ok());
    assert!(Checkpoint::from_text(&format!("{ORIGIN}\n18446744073709551615\n{root}\n")).is_ok());
}

#[test]
fn refuses_to_sign_a_malformed_origin() {
    for origin in ["", "two\nlines", "tab\there"] {
        let checkpoint = Checkpoint { origin: origin.into(), ..checkpoint() };
        assert!(matches!(signer(ORIGIN, 7).sign(&checkpoint), Err(NoteError::Checkpoint(_))), "{origin:?}");
    }
    assert_eq!(CheckpointSigner::new("two words", SigningKey::from_bytes(&[7; 32])).err(), Some(NoteError::KeyName));
}

#[test]
fn refuses_tampered_checkpoints() {
    let note = signed();
    let bad = Err(NoteError::BadSignature(format!("{ORIGIN}+{:08x}", verifier().key().id())));
    let root = STANDARD.encode(checkpoint().root.as_bytes());
    let other_root = STANDARD.encode(leaf_hash(b"another root").as_bytes());
    for tampered in [
        note.replacen("\n42\n", "\n43\n", 1),
        note.replacen(&root, &other_root, 1),
        note.replacen(ORIGIN, "aduan.example/audiT", 1),
    ] {
        assert_eq!(verifier().verify(&tampered), bad, "{tampered}");
    }
    // Characters all along the signature changed in turn (not the last two:
    // base64 padding).
    let signature_at = note.rfind(' ').unwrap_or_default() + 1;
    for at in (signature_at..note.len() - 2).step_by(5) {
        let mut tampered = note.clone().into_bytes();
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap_or_default();
        assert!(verifier().verify(&tampered).is_err(), "signature byte {at}");
    }
    // Our name and key ID, someone else's signature.
    let text = checkpoint().to_text().unwrap_or_default();
    let forged = note::sign(&text, ORIGIN, verifier().key().id(), &SigningKey::from_bytes(&[8; 32]));
    assert_eq!(verifier().verify(&forged), bad);
}

#[test]
fn refuses_checkpoints_of_other_keys_and_logs() {
    let unsigned = Err(NoteError::Unsigned(format!("{ORIGIN}+{:08x}", verifier().key().id())));
    // Same key under another name; another key under the same name.
    let renamed = signer("aduan.example/other", 7).sign(&checkpoint()).unwrap_or_default();
    assert_eq!(verifier().verify(&renamed), unsigned);
    let other_key = signer(ORIGIN, 8).sign(&checkpoint()).unwrap_or_default();
    assert_eq!(verifier().verify(&other_key), unsigned);
    // A good signature on another log's checkpoint.
    let elsewhere = Checkpoint { origin: "aduan.example/other".into(), ..checkpoint() };
    let note = signer(ORIGIN, 7).sign(&elsewhere).unwrap_or_default();
    let wrong = Err(NoteError::WrongOrigin { expected: ORIGIN.into(), found: "aduan.example/other".into() });
    assert_eq!(verifier().verify(&note), wrong);
    let key = verifier().key().clone();
    assert_eq!(CheckpointVerifier::with_origin(key, "aduan.example/other").verify(&note), Ok(elsewhere));
}

#[test]
fn ignores_a_witness_cosignature() {
    let witness = signer("witness.example", 9);
    let text = checkpoint().to_text().unwrap_or_default();
    let cosigned = note::sign(&text, witness.verifier_key().name(), witness.verifier_key().id(), &witness.key);
    let cosignature = cosigned.rsplit_once("\n\n").map(|(_, line)| line).unwrap_or_default();
    assert_eq!(verifier().verify(&format!("{}{cosignature}", signed())), Ok(checkpoint()));
    let witnessed = CheckpointVerifier::with_origin(witness.verifier_key().clone(), ORIGIN);
    assert_eq!(witnessed.verify(&format!("{}{cosignature}", signed())), Ok(checkpoint()));
}

#[test]
fn never_prints_the_private_key() {
    let signer = signer(ORIGIN, 7);
    let printed = format!("{signer:?} {signer:#?}");
    assert!(printed.contains(ORIGIN), "{printed}");
    assert!(!printed.contains("7, 7, 7") && !printed.contains(&hex::encode([7; 32])), "{printed}");
    assert!(!printed.contains(&STANDARD.encode([7; 32])), "{printed}");
}
