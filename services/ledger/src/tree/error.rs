//! Why a root or a proof cannot be computed.

/// A root or a proof that cannot be computed from what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// The source lacks a perfect node the computation needs: the tree is
    /// smaller than asked, or storage lost a node.
    #[error("the perfect node at level {level}, index {index} is not stored")]
    MissingNode {
        /// Its level: 0 for leaves.
        level: u32,
        /// Its index within the level.
        index: u64,
    },
    /// An inclusion proof asked for a leaf outside the tree.
    #[error("leaf {index} is not in a tree of {size} leaves")]
    IndexOutOfRange {
        /// The leaf asked for.
        index: u64,
        /// The tree size asked for.
        size: u64,
    },
    /// A consistency proof asked from a larger tree to a smaller one.
    #[error("a tree of {old_size} leaves cannot precede one of {new_size}")]
    SizeOutOfRange {
        /// The earlier tree size asked for.
        old_size: u64,
        /// The later tree size asked for.
        new_size: u64,
    },
}
