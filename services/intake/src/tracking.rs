//! Tracking codes and report secrets: what a citizen holds to follow a report.

use rand::Rng as _;
use sha2::{Digest, Sha256};

/// Crockford's base32: no I, L, O or U, so a code read over the phone survives.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new tracking code, `ADU-XXXX-XXXX-XXXX` (60 random bits).
pub fn new_tracking_code() -> String {
    let mut rng = rand::rng();
    let mut code = String::from("ADU");
    for _group in 0..3 {
        code.push('-');
        for _ in 0..4 {
            code.push(char::from(ALPHABET[rng.random_range(0..32)]));
        }
    }
    code
}

/// Normalises what a citizen typed: upper case, `I`/`L` read as 1, `O` as 0.
pub fn normalise_tracking_code(input: &str) -> String {
    input
        .trim()
        .to_ascii_uppercase()
        .chars()
        .map(|c| match c {
            'I' | 'L' => '1',
            'O' => '0',
            other => other,
        })
        .collect::<String>()
        .replacen("AD0-", "ADU-", 1)
}

/// A new secret for the citizen (128 random bits, hex).
pub fn new_secret() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

/// What is stored of a secret.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` is the one whose hash is `stored`, in time independent of
/// where they differ.
pub fn secret_matches(secret: &str, stored: &str) -> bool {
    let given = hash_secret(secret);
    given.len() == stored.len() && given.bytes().zip(stored.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The pseudonym of a report's citizen in events: stable for the report, and
/// tells nothing about who they are.
pub fn citizen_pseudonym(report_id: uuid::Uuid) -> String {
    let digest = Sha256::digest(format!("aduan-citizen:{report_id}").as_bytes());
    format!("citizen-{}", &hex::encode(digest)[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_published_shape() {
        let code = new_tracking_code();
        assert_eq!(code.len(), 18, "{code}");
        assert!(code.starts_with("ADU-"));
        assert!(code[4..].chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))), "{code}");
        assert_ne!(new_tracking_code(), new_tracking_code());
    }

    #[test]
    fn typed_codes_are_forgiven_their_look_alikes() {
        assert_eq!(normalise_tracking_code(" adu-1o2l-abcd-efgh "), "ADU-1021-ABCD-EFGH");
    }

    #[test]
    fn secrets_match_only_themselves() {
        let secret = new_secret();
        let stored = hash_secret(&secret);
        assert!(secret_matches(&secret, &stored));
        assert!(!secret_matches("guess", &stored));
        assert_ne!(stored, secret);
    }
}
