//! Proof verification, written as the iterative algorithms of RFC 9162
//! (2.1.3.2 and 2.1.4.2) rather than as the inverse of the recursive provers
//! next door: a mistake in one is then unlikely to be repeated in the other,
//! and the tests catch it. `f_n` and `s_n` are the RFC's `fn` and `sn`.

use super::{Hash, empty_root, node_hash};

/// Whether `proof` shows that the leaf with hash `leaf_hash` is leaf `index`
/// of the tree of `size` leaves whose root is `root` (RFC 9162 2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf_hash: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            // The last node of a ragged level has no sibling: skip the levels
            // where it is promoted unchanged.
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && r == *root
}

/// Whether `proof` shows that the tree of `old_size` leaves with root
/// `old_root` is a prefix of the tree of `new_size` leaves with root
/// `new_root` (RFC 9162 2.1.4.2). Equal sizes need equal roots and an empty
/// proof; so does the empty tree, whose root is the hash of nothing.
pub fn verify_consistency(old_size: u64, new_size: u64, old_root: &Hash, new_root: &Hash, proof: &[Hash]) -> bool {
    if old_size > new_size {
        return false;
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    if old_size == 0 {
        return proof.is_empty() && *old_root == empty_root();
    }
    if proof.is_empty() {
        return false;
    }
    // A power-of-two old tree is a perfect node of the new one: the prover
    // leaves out its root, which the verifier has.
    let prepend = old_size.is_power_of_two().then_some(old_root);
    let mut path = prepend.into_iter().chain(proof);
    let Some(first) = path.next() else { return false };
    let (mut f_n, mut s_n) = (old_size - 1, new_size - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in path {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    fr == *old_root && sr == *new_root && s_n == 0
}
