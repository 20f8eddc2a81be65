//! Roots and proofs from stored perfect nodes, following the recursive
//! definitions of RFC 9162: MTH (2.1.1), PATH (2.1.3.1) and PROOF (2.1.4.1).
//!
//! The recursion splits a range at the largest power of two smaller than it,
//! so every range it visits starts at a multiple of its size rounded up to a
//! power of two. Hence each power-of-two range is a stored perfect node (one
//! lookup), and any other range is the few perfect nodes its size's binary
//! digits name: O(log n) lookups for a root, O(log² n) at worst for a proof.

use super::source::lookup;
use super::{Hash, NodeSource, TreeError, empty_root, node_hash};

/// MTH(D\[0:size\]): the root of the tree of the first `size` leaves; the
/// empty tree's root if `size` is 0.
pub fn root<S: NodeSource + ?Sized>(size: u64, source: &S) -> Result<Hash, TreeError> {
    subtree(source, 0, size)
}

/// PATH(index, D\[0:size\]): the audit path of leaf `index` in the tree of the
/// first `size` leaves, the leaf's sibling first and the root's child last.
pub fn inclusion_proof<S: NodeSource + ?Sized>(index: u64, size: u64, source: &S) -> Result<Vec<Hash>, TreeError> {
    if index >= size {
        return Err(TreeError::IndexOutOfRange { index, size });
    }
    // Walk down from the root; the RFC lists the siblings bottom-up.
    let (mut start, mut end) = (0, size);
    let mut path = Vec::new();
    while end - start > 1 {
        let middle = start + split(end - start);
        if index < middle {
            path.push(subtree(source, middle, end)?);
            end = middle;
        } else {
            path.push(subtree(source, start, middle)?);
            start = middle;
        }
    }
    path.reverse();
    Ok(path)
}

/// PROOF(old_size, D\[0:new_size\]): the hashes that show the tree of
/// `old_size` leaves is a prefix of the tree of `new_size` leaves. Empty if
/// the sizes are equal or `old_size` is 0, as there is nothing to prove.
pub fn consistency_proof<S: NodeSource + ?Sized>(
    old_size: u64,
    new_size: u64,
    source: &S,
) -> Result<Vec<Hash>, TreeError> {
    if old_size > new_size {
        return Err(TreeError::SizeOutOfRange { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        return Ok(Vec::new());
    }
    // SUBPROOF(m, D[start:end], complete) walked from the root down; `complete`
    // stays true while the old tree is a left part of the range, whose root
    // the verifier already holds.
    let (mut start, mut end, mut complete) = (0, new_size, true);
    let mut proof = Vec::new();
    while old_size != end {
        let middle = start + split(end - start);
        if old_size <= middle {
            proof.push(subtree(source, middle, end)?);
            end = middle;
        } else {
            proof.push(subtree(source, start, middle)?);
            start = middle;
            complete = false;
        }
    }
    if !complete {
        proof.push(subtree(source, start, end)?);
    }
    proof.reverse();
    Ok(proof)
}

/// The largest power of two smaller than `size`, which must be at least 2.
fn split(size: u64) -> u64 {
    1 << (u64::BITS - 1 - (size - 1).leading_zeros())
}

/// MTH(D\[start:end\]) for a range the RFC's recursion visits (see the module
/// documentation): the perfect nodes for the binary digits of its size, largest
/// first, folded from the right as the recursion would.
fn subtree<S: NodeSource + ?Sized>(source: &S, start: u64, end: u64) -> Result<Hash, TreeError> {
    let mut peaks = Vec::new();
    let (mut offset, mut left) = (start, end - start);
    while left > 0 {
        let level = u64::BITS - 1 - left.leading_zeros();
        debug_assert_eq!(offset % (1 << level), 0, "a range the recursion never visits");
        peaks.push(lookup(source, level, offset >> level)?);
        offset += 1 << level;
        left -= 1 << level;
    }
    let Some(mut hash) = peaks.pop() else { return Ok(empty_root()) };
    while let Some(peak) = peaks.pop() {
        hash = node_hash(&peak, &hash);
    }
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_the_largest_power_of_two_below() {
        let splits: Vec<u64> = (2..=9).map(split).collect();
        assert_eq!(splits, [1, 2, 2, 4, 4, 4, 4, 8]);
        assert_eq!(split(u64::MAX), 1 << 63);
    }
}
