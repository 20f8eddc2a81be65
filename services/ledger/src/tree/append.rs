//! What a writer stores as it appends a leaf. Every leaf that is a right child
//! completes its parent, which may complete its own parent, and so on: storing
//! those perfect nodes as they appear is what lets [`root`](super::root) and
//! the proofs read O(log n) hashes instead of rehashing the whole log.

use super::source::lookup;
use super::{Hash, NodeSource, TreeError, node_hash};

/// A perfect node and its hash: the root of the complete subtree over leaves
/// `[index * 2^level, (index + 1) * 2^level)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    /// 0 for a leaf, 1 for a pair of leaves, and so on.
    pub level: u32,
    /// Its position within the level, from 0.
    pub index: u64,
    /// Its hash.
    pub hash: Hash,
}

/// The perfect nodes that appending leaf `index` with this hash completes, the
/// leaf itself (level 0) first and then upwards; store them all. Reads from
/// `source` the left siblings stored by earlier appends.
pub fn nodes_completed_by<S: NodeSource + ?Sized>(
    index: u64,
    leaf_hash: Hash,
    source: &S,
) -> Result<Vec<Node>, TreeError> {
    let mut node = Node { level: 0, index, hash: leaf_hash };
    let mut completed = vec![node];
    // An odd index is a right child: with its left sibling it completes the parent.
    while node.index & 1 == 1 {
        let left = lookup(source, node.level, node.index - 1)?;
        node = Node { level: node.level + 1, index: node.index >> 1, hash: node_hash(&left, &node.hash) };
        completed.push(node);
    }
    Ok(completed)
}
