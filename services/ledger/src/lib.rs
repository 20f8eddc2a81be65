//! The mathematics of aduan's tamper-evident log, on its own so that it can be
//! checked against the specifications without a database in the way: the
//! audit service stores entries and hashes, this crate says what to store and
//! what the stored hashes prove. No I/O, no async.
//!
//! - [`tree`]: the RFC 9162 Merkle tree over the log's entries; its root
//!   commits to every entry, inclusion proofs show that an entry is in it,
//!   and consistency proofs show that a later tree extends an earlier one, so
//!   nothing logged can be changed or removed unnoticed.
//! - [`checkpoint`]: the log's size and root signed with Ed25519, in the
//!   formats transparency logs share (c2sp.org/tlog-checkpoint), so that the
//!   log answers for every root it hands out.

pub mod checkpoint;
pub mod tree;

pub use checkpoint::{Checkpoint, CheckpointSigner, CheckpointVerifier, NoteError, VerifierKey, key_id};
pub use tree::{
    Hash, MemoryTree, Node, NodeSource, TreeError, consistency_proof, empty_root, inclusion_proof, leaf_hash,
    node_hash, nodes_completed_by, root, verify_consistency, verify_inclusion,
};
