//! Accounts against a real PostgreSQL, each test in a database of its own,
//! driven through its router in-process. One test binary, so the crate links
//! once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod administration;
mod embedded;
mod events;
mod keys;
mod oidc;
mod passwords;
mod revocation;
mod second_factor;
mod sign_in;
mod support;
