//! Where the tree's stored hashes are read from. The crate does no I/O: the
//! caller stores perfect nodes as it appends (see
//! [`nodes_completed_by`](super::nodes_completed_by)) and lends them back
//! through this trait, e.g. from a map it filled in one query.

use super::{Hash, TreeError};

/// Read access to stored perfect nodes: node (level, index) is the root of
/// the complete subtree over leaves `[index * 2^level, (index + 1) * 2^level)`.
pub trait NodeSource {
    /// The hash of that perfect node, or `None` if it is not stored.
    fn node(&self, level: u32, index: u64) -> Option<Hash>;
}

/// Any `Fn(level, index) -> Option<Hash>`, e.g. `|level, index| map.get(&(level, index)).copied()`.
impl<F: Fn(u32, u64) -> Option<Hash>> NodeSource for F {
    fn node(&self, level: u32, index: u64) -> Option<Hash> {
        self(level, index)
    }
}

/// The node, or the error naming the one that is missing.
pub(crate) fn lookup<S: NodeSource + ?Sized>(source: &S, level: u32, index: u64) -> Result<Hash, TreeError> {
    source.node(level, index).ok_or(TreeError::MissingNode { level, index })
}
