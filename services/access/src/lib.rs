//! Who is calling and what they may do. Accounts signs short-lived access
//! tokens; every service verifies them for itself with accounts' published
//! public keys and decides, by its own rules, what the caller may read and do.
//!
//! A token is a JWT (RFC 7519) in JWS compact form signed with Ed25519
//! (`alg: EdDSA`, RFC 8037), so any standard library can read it too. It
//! names the subject by a pseudonymous id (never a name or an address) and
//! carries the subject's grants: a role and the institution whose subtree it
//! covers (none: the whole country).

mod grants;
mod keys;
mod token;

pub use grants::{Grant, StaffRole, sees_confidential};
pub use keys::{Jwk, Jwks, KeySet, PublicKey, SigningKey};
pub use token::{AUDIENCE, Claims, ISSUER, MAX_LIFETIME_SECONDS, SubjectKind, TokenError, sign, verify};
