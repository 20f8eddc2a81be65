//! Random secrets handed out once (session tokens, API tokens, reset links)
//! and the SHA-256 digests kept in their place, and the pseudonymous ids.
//! A secret is looked up by its digest: the database never holds one that
//! would let its reader act, and no comparison ever runs over the secret
//! itself (a lookup's timing can tell only about digests, which reveal
//! nothing of the secret).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// What every API token starts with, so scanners can find leaked ones.
pub const API_TOKEN_PREFIX: &str = "aduan_pat_";

/// The longest secret looked up at all; anything longer is not one of ours.
const MAX_SECRET_CHARACTERS: usize = 200;

/// 32 random bytes, base64url without padding (43 characters).
pub fn random_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new API token: [`API_TOKEN_PREFIX`] and 32 random bytes.
pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", random_secret())
}

/// The digest a secret is stored and looked up by (hex SHA-256), or `None`
/// for something too long to be a secret we issued.
pub fn digest(secret: &str) -> Option<String> {
    let secret = secret.trim();
    if secret.is_empty() || secret.len() > MAX_SECRET_CHARACTERS {
        return None;
    }
    Some(hex::encode(Sha256::digest(secret.as_bytes())))
}

/// A new user's pseudonymous id: `u-` and a UUIDv7.
pub fn new_user_id() -> String {
    format!("u-{}", uuid::Uuid::now_v7().simple())
}

/// A new machine's (API token's) pseudonymous id: `m-` and a UUIDv7.
pub fn new_machine_id() -> String {
    format!("m-{}", uuid::Uuid::now_v7().simple())
}

/// A new session's id, carried in access tokens as `sid`.
pub fn new_session_id() -> String {
    format!("s-{}", uuid::Uuid::now_v7().simple())
}

/// A new signing key's id.
pub fn new_key_id() -> String {
    format!("k-{}", uuid::Uuid::now_v7().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_stored_as_digests() {
        let (a, b) = (random_secret(), random_secret());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        let digest_of_a = digest(&a).unwrap_or_default();
        assert_eq!(digest_of_a.len(), 64);
        assert!(!digest_of_a.contains(&a));
        assert_eq!(digest(&a), digest(&format!(" {a} ")));
        assert_eq!(digest(""), None);
        assert_eq!(digest(&"x".repeat(500)), None);
        assert!(new_api_token().starts_with("aduan_pat_"));
    }

    #[test]
    fn ids_say_what_they_name() {
        assert!(new_user_id().starts_with("u-") && new_user_id().len() == 34);
        assert!(new_machine_id().starts_with("m-"));
        assert!(new_session_id().starts_with("s-"));
    }
}
