//! Signing keys (accounts keeps them) and the public keys every service
//! verifies with, published as a JWK set (RFC 8037: `kty: OKP`, `crv: Ed25519`).
//! Several public keys are published at once so that a key can be rotated:
//! tokens signed by the old key verify until they expire.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// A key accounts signs with, under its key id.
#[derive(Clone)]
pub struct SigningKey {
    /// The key id in tokens' headers and in the JWK set.
    pub kid: String,
    key: ed25519_dalek::SigningKey,
}

/// Never prints the private key.
impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new random key with a random key id.
    pub fn generate() -> Self {
        let secret: [u8; 32] = rand::random();
        let id: [u8; 9] = rand::random();
        Self::from_bytes(URL_SAFE_NO_PAD.encode(id), &secret)
    }

    /// The key with these 32 secret bytes.
    pub fn from_bytes(kid: impl Into<String>, secret: &[u8; 32]) -> Self {
        Self { kid: kid.into(), key: ed25519_dalek::SigningKey::from_bytes(secret) }
    }

    /// The 32 secret bytes, to store.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Its public half.
    pub fn public(&self) -> PublicKey {
        PublicKey { kid: self.kid.clone(), key: self.key.verifying_key() }
    }

    pub(crate) fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.key.sign(message).to_bytes()
    }
}

/// A public key, under its key id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The key id.
    pub kid: String,
    key: ed25519_dalek::VerifyingKey,
}

impl PublicKey {
    /// As a JWK.
    pub fn to_jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            alg: "EdDSA".into(),
            r#use: "sig".into(),
            kid: self.kid.clone(),
            x: URL_SAFE_NO_PAD.encode(self.key.to_bytes()),
        }
    }

    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        ed25519_dalek::Signature::from_slice(signature)
            .is_ok_and(|signature| self.key.verify_strict(message, &signature).is_ok())
    }
}

/// One public key as published (RFC 8037).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwk {
    /// `OKP`.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    /// `EdDSA`.
    #[serde(default)]
    pub alg: String,
    /// `sig`.
    #[serde(default)]
    pub r#use: String,
    /// The key id.
    pub kid: String,
    /// The public key, base64url without padding.
    pub x: String,
}

/// The published public keys (`GET /api/v1/keys` on accounts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwks {
    /// Every key a valid token may be signed with now.
    pub keys: Vec<Jwk>,
}

/// The public keys a service verifies with, by key id.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, PublicKey>,
}

impl KeySet {
    /// The keys of `keys`, skipping any that is not an Ed25519 public key.
    pub fn from_jwks(keys: &Jwks) -> Self {
        let keys = keys
            .keys
            .iter()
            .filter(|jwk| jwk.kty == "OKP" && jwk.crv == "Ed25519")
            .filter_map(|jwk| {
                let bytes: [u8; 32] = URL_SAFE_NO_PAD.decode(&jwk.x).ok()?.try_into().ok()?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok()?;
                Some((jwk.kid.clone(), PublicKey { kid: jwk.kid.clone(), key }))
            })
            .collect();
        Self { keys }
    }

    /// These public keys.
    pub fn of(keys: impl IntoIterator<Item = PublicKey>) -> Self {
        Self { keys: keys.into_iter().map(|key| (key.kid.clone(), key)).collect() }
    }

    /// The key with id `kid`.
    pub fn get(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.get(kid)
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
