//! The Merkle tree of RFC 6962 / RFC 9162 section 2.1, exactly: SHA-256, with
//! the same hashes, roots and proofs as Certificate Transparency and the
//! transparency-dev tools, so that anyone can check aduan's log with them.
//!
//! Storage stays outside: leaves are appended one at a time with indexes 0, 1,
//! 2, …, and for each the writer stores the perfect nodes it completes
//! ([`nodes_completed_by`]). Roots and proofs for any size up to the current
//! one are then computed from those nodes ([`NodeSource`]), and checked by
//! verifiers that need nothing but the proof.

mod append;
mod error;
mod hash;
mod memory;
mod prove;
mod source;
mod verify;

pub use append::{Node, nodes_completed_by};
pub use error::TreeError;
pub use hash::{Hash, InvalidHash, empty_root, leaf_hash, node_hash};
pub use memory::MemoryTree;
pub use prove::{consistency_proof, inclusion_proof, root};
pub use source::NodeSource;
pub use verify::{verify_consistency, verify_inclusion};

#[cfg(test)]
mod tests;
