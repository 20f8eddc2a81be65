//! Accounts' tables. Secrets are kept only as digests (sessions, API tokens,
//! reset links) or hashes (passwords); users are named elsewhere only by
//! their pseudonymous ids.

pub mod api_token;
pub mod oidc_flow;
pub mod password_reset;
pub mod session;
pub mod sign_in_throttle;
pub mod signing_key;
pub mod user;
