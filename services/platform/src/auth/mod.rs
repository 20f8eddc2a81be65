//! Who is calling: every staff request carries an access token signed by
//! accounts; each service verifies it for itself with accounts' published
//! public keys ([`Authenticator`]) and gets the caller's pseudonymous
//! subject and grants ([`Caller`]). No identity is ever taken from a plain
//! header. What a caller may do is each service's own rule.

mod api_keys;
mod caller;
mod keys;

pub use api_keys::ApiKeys;
pub use caller::{Caller, bearer_token};
pub use keys::Authenticator;
