//! The access token: a JWT signed with Ed25519, at most five minutes long.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::grants::Grant;
use crate::keys::{KeySet, SigningKey};

/// Who issues access tokens.
pub const ISSUER: &str = "aduan-accounts";
/// Whom they are for: every aduan service.
pub const AUDIENCE: &str = "aduan";
/// The longest an access token may live: revoking a user or a token takes
/// effect within this, since accounts refuses to issue the next one.
pub const MAX_LIFETIME_SECONDS: i64 = 300;
/// Clocks of different hosts may differ by this much.
const LEEWAY_SECONDS: i64 = 30;
/// A token longer than this is not read at all.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Whether the subject is a person or a machine (an integration, an Open311 partner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A member of staff, signed in.
    User,
    /// A machine with an API token.
    Machine,
}

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Claims {
    /// [`ISSUER`].
    pub iss: String,
    /// The subject: a pseudonymous id (`u-…` for a user, `m-…` for a
    /// machine), never a name or an address.
    pub sub: String,
    /// [`AUDIENCE`].
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// The token's own id.
    pub jti: String,
    /// A person or a machine.
    pub kind: SubjectKind,
    /// The roles held and their scopes.
    pub grants: Vec<Grant>,
    /// The session (or API token) it was issued for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// Why a token was not accepted. Each has a stable code for the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a JWT of the expected shape.
    #[error("the access token is malformed")]
    Malformed,
    /// Signed with an algorithm other than EdDSA.
    #[error("the access token is not signed with EdDSA")]
    WrongAlgorithm,
    /// Signed by a key nobody published.
    #[error("the access token was signed by an unknown key")]
    UnknownKey(String),
    /// The signature does not match: the token was altered or forged.
    #[error("the access token's signature does not match")]
    BadSignature,
    /// Past its expiry.
    #[error("the access token has expired")]
    Expired,
    /// Not for aduan, or not from aduan's accounts.
    #[error("the access token is not for this system")]
    WrongAudience,
    /// Claims a lifetime longer than accounts ever issues.
    #[error("the access token claims a lifetime longer than {MAX_LIFETIME_SECONDS} s")]
    TooLong,
}

impl TokenError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Expired => "token_expired",
            TokenError::UnknownKey(_) => "token_unknown_key",
            TokenError::BadSignature => "token_invalid_signature",
            _ => "token_invalid",
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
}

/// Signs `claims` with `key`: the compact JWS.
pub fn sign(claims: &Claims, key: &SigningKey) -> String {
    let header = Header { alg: "EdDSA".into(), typ: "at+jwt".into(), kid: key.kid.clone() };
    // Serialising plain structs of strings and numbers cannot fail.
    let header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap_or_default());
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(key.sign_bytes(signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// Verifies `token` with `keys` at `now` (seconds since the epoch): its
/// signature, issuer, audience, expiry and lifetime.
pub fn verify(token: &str, keys: &KeySet, now: i64) -> Result<Claims, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed);
    let header: Header = serde_json::from_slice(&decode(header)?).map_err(|_| TokenError::Malformed)?;
    if header.alg != "EdDSA" {
        return Err(TokenError::WrongAlgorithm);
    }
    let key = keys.get(&header.kid).ok_or_else(|| TokenError::UnknownKey(header.kid.clone()))?;
    let signing_input_length = token.len() - signature.len() - 1;
    if !key.verifies(&token.as_bytes()[..signing_input_length], &decode(signature)?) {
        return Err(TokenError::BadSignature);
    }
    let claims: Claims = serde_json::from_slice(&decode(payload)?).map_err(|_| TokenError::Malformed)?;
    if claims.iss != ISSUER || claims.aud != AUDIENCE {
        return Err(TokenError::WrongAudience);
    }
    if claims.exp - claims.iat > MAX_LIFETIME_SECONDS {
        return Err(TokenError::TooLong);
    }
    if now > claims.exp + LEEWAY_SECONDS || now + LEEWAY_SECONDS < claims.iat {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::StaffRole;
    use crate::keys::Jwks;

    fn claims(now: i64) -> Claims {
        Claims {
            iss: ISSUER.into(),
            sub: "u-0190a5b2".into(),
            aud: AUDIENCE.into(),
            iat: now,
            exp: now + 300,
            jti: "t-1".into(),
            kind: SubjectKind::User,
            grants: vec![Grant::in_institution(StaffRole::Officer, "bandung-dpu")],
            sid: Some("s-1".into()),
        }
    }

    fn published(keys: &[&SigningKey]) -> KeySet {
        let jwks = Jwks { keys: keys.iter().map(|key| key.public().to_jwk()).collect() };
        KeySet::from_jwks(&serde_json::from_str(&serde_json::to_string(&jwks).expect("json")).expect("jwks"))
    }

    #[test]
    fn a_signed_token_verifies_with_the_published_key() {
        let key = SigningKey::generate();
        let token = sign(&claims(1_800_000_000), &key);
        assert_eq!(verify(&token, &published(&[&key]), 1_800_000_100), Ok(claims(1_800_000_000)));
    }

    #[test]
    fn tampering_forging_and_expiry_are_refused() {
        let key = SigningKey::generate();
        let keys = published(&[&key]);
        let now = 1_800_000_000;
        let token = sign(&claims(now), &key);
        // A payload that grants more, with the old signature.
        let mut more = claims(now);
        more.grants.push(Grant::national(StaffRole::Administrator));
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&more).expect("json"));
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
        assert_eq!(verify(&tampered, &keys, now), Err(TokenError::BadSignature));
        // Signed by a key nobody published.
        let stranger = SigningKey::generate();
        assert!(matches!(verify(&sign(&claims(now), &stranger), &keys, now), Err(TokenError::UnknownKey(_))));
        // The same kid, another key.
        let impostor = SigningKey::from_bytes(key.kid.clone(), &[9; 32]);
        assert_eq!(verify(&sign(&claims(now), &impostor), &keys, now), Err(TokenError::BadSignature));
        assert_eq!(verify(&token, &keys, now + 300 + 31), Err(TokenError::Expired));
        let mut long = claims(now);
        long.exp = now + 3600;
        assert_eq!(verify(&sign(&long, &key), &keys, now), Err(TokenError::TooLong));
        assert_eq!(verify("not.a.token", &keys, now), Err(TokenError::Malformed));
        assert_eq!(verify("", &keys, now), Err(TokenError::Malformed));
        let none_alg = format!("{}.{}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"x"}"#), parts[1]);
        assert_eq!(verify(&none_alg, &keys, now), Err(TokenError::WrongAlgorithm));
    }

    #[test]
    fn a_rotated_key_still_verifies_its_tokens_while_both_are_published() {
        let old = SigningKey::generate();
        let new = SigningKey::generate();
        let now = 1_800_000_000;
        let keys = published(&[&old, &new]);
        assert!(verify(&sign(&claims(now), &old), &keys, now).is_ok());
        assert!(verify(&sign(&claims(now), &new), &keys, now).is_ok());
        let only_new = published(&[&new]);
        assert!(matches!(verify(&sign(&claims(now), &old), &only_new, now), Err(TokenError::UnknownKey(_))));
    }

    #[test]
    fn the_private_key_never_prints() {
        let key = SigningKey::from_bytes("k1", &[42; 32]);
        assert!(!format!("{key:?}").contains("42"));
    }
}
