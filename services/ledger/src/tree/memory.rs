//! A whole tree held in memory: for tests, and for a verifier that recomputes
//! a log from all its entries to compare with what the log claims.

use super::{Hash, NodeSource, empty_root, leaf_hash, node_hash};

/// Every perfect node of a tree built in memory, level by level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryTree {
    // levels[0] holds the leaf hashes, levels[l][i] the perfect node (l, i).
    // Kept complete by construction, so nothing here can be missing.
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tree of these entries, in order.
    pub fn from_entries<I>(entries: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut tree = Self::new();
        for entry in entries {
            tree.push(entry.as_ref());
        }
        tree
    }

    /// Appends an entry, returning its leaf index.
    pub fn push(&mut self, entry: &[u8]) -> u64 {
        self.push_leaf_hash(leaf_hash(entry))
    }

    /// Appends a leaf by its hash, returning its index.
    pub fn push_leaf_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        // Built independently of `nodes_completed_by` so that the tests can
        // compare the two: a row of even length has just completed a pair.
        let (mut level, mut hash) = (0, leaf);
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            if row.len() % 2 == 1 {
                break;
            }
            let [.., left, right] = row.as_slice() else { break };
            hash = node_hash(left, right);
            level += 1;
        }
        index
    }

    /// How many leaves it has.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// The hash of leaf `index`, if there is one.
    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        self.node(0, index)
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        let size = self.size();
        // The last node of each level whose bit is set in the size is a peak;
        // folding the peaks from the smallest up is MTH.
        let mut peaks = self
            .levels
            .iter()
            .enumerate()
            .filter(|(level, _)| size >> level & 1 == 1)
            .filter_map(|(_, row)| row.last());
        let Some(first) = peaks.next() else { return empty_root() };
        peaks.fold(*first, |right, left| node_hash(left, &right))
    }
}

impl NodeSource for MemoryTree {
    fn node(&self, level: u32, index: u64) -> Option<Hash> {
        let row = self.levels.get(usize::try_from(level).ok()?)?;
        row.get(usize::try_from(index).ok()?).copied()
    }
}
