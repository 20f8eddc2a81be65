//! The published RFC 6962 test vectors, and every proof of every tree up to 70
//! leaves checked against the RFC's recursive definitions and the verifiers.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use super::*;

fn h(hex: &str) -> Hash {
    match hex.parse() {
        Ok(hash) => hash,
        Err(_) => panic!("not a hash: {hex}"),
    }
}

fn hashes(hexes: &[&str]) -> Vec<Hash> {
    hexes.iter().map(|hex| h(hex)).collect()
}

// The reference tree of Certificate Transparency, as copied by
// transparency-dev/merkle testonly/constants.go (LeafInputs, RootHashes,
// NodeHashes) from google/certificate-transparency
// cpp/merkletree/merkle_tree_test.cc (kInputs, kSHA256Roots).
const LEAVES: [&str; 8] =
    ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

/// ROOTS[n] is the root of the tree of the first n leaves.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// NODES[level][index]: every perfect node of the 8-leaf tree.
const NODES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// (leaf index, tree size, audit path), from transparency-dev/merkle
/// proof/verify_test.go `inclusionProofs` (which counts leaves from 1; here
/// from 0) and google/certificate-transparency merkle_tree_test.cc `kSHA256Paths`.
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// (old size, new size, proof), from transparency-dev/merkle
/// proof/verify_test.go `consistencyProofs` and google/certificate-transparency
/// merkle_tree_test.cc `kSHA256Proofs`.
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

/// transparency-dev's `sha256SomeHash`: a hash of nothing in these trees.
fn some_hash() -> Hash {
    h("abacaba000000000000000000000000000000000000000000060061e00123456")
}

fn reference_tree() -> MemoryTree {
    MemoryTree::from_entries(LEAVES.iter().map(|leaf| hex::decode(leaf).unwrap_or_default()))
}

fn with(proof: &[Hash], change: impl FnOnce(&mut Vec<Hash>)) -> Vec<Hash> {
    let mut changed = proof.to_vec();
    change(&mut changed);
    changed
}

fn flip(proof: &[Hash], element: usize, byte: usize, bits: u8) -> Vec<Hash> {
    with(proof, |proof| {
        let mut bytes = *proof[element].as_bytes();
        bytes[byte] ^= bits;
        proof[element] = Hash::from_bytes(bytes);
    })
}

/// transparency-dev's `corruptInclusionProof`, less the probes that only
/// apply to hashes of the wrong length: none of these may verify.
fn corrupted_inclusion(index: u64, size: u64, leaf: Hash, proof: &[Hash], root: Hash) -> Vec<(String, bool)> {
    let mut probes = vec![
        ("index - 1".into(), verify_inclusion(index.wrapping_sub(1), size, &leaf, proof, &root)),
        ("index + 1".into(), verify_inclusion(index + 1, size, &leaf, proof, &root)),
        ("index ^ 2".into(), verify_inclusion(index ^ 2, size, &leaf, proof, &root)),
        ("size * 2".into(), verify_inclusion(index, size * 2, &leaf, proof, &root)),
        ("size / 2".into(), verify_inclusion(index, size / 2, &leaf, proof, &root)),
        ("wrong leaf".into(), verify_inclusion(index, size, &leaf_hash(b"WrongLeaf"), proof, &root)),
        ("empty root".into(), verify_inclusion(index, size, &leaf, proof, &empty_root())),
        ("random root".into(), verify_inclusion(index, size, &leaf, proof, &some_hash())),
        ("trailing root".into(), verify_inclusion(index, size, &leaf, &with(proof, |p| p.push(root)), &root)),
        ("preceding root".into(), verify_inclusion(index, size, &leaf, &with(proof, |p| p.insert(0, root)), &root)),
    ];
    for element in 0..proof.len() {
        let flipped = flip(proof, element, 0, 8);
        probes.push((format!("proof[{element}] bit 3"), verify_inclusion(index, size, &leaf, &flipped, &root)));
    }
    if !proof.is_empty() {
        let removed = with(proof, |p| {
            p.pop();
        });
        probes.push(("removed component".into(), verify_inclusion(index, size, &leaf, &removed, &root)));
    }
    if proof.len() > 1 {
        let inserted = with(proof, |p| p.insert(1, some_hash()));
        probes.push(("inserted component".into(), verify_inclusion(index, size, &leaf, &inserted, &root)));
    }
    probes
}

/// transparency-dev's `corruptConsistencyProof`, for non-empty proofs.
fn corrupted_consistency(old: u64, new: u64, old_root: Hash, new_root: Hash, proof: &[Hash]) -> Vec<(String, bool)> {
    let wrong = leaf_hash(b"WrongRoot");
    let verify = |old, new, old_root: &Hash, new_root: &Hash, proof: &[Hash]| {
        verify_consistency(old, new, old_root, new_root, proof)
    };
    let mut probes = vec![
        ("old - 1".into(), verify(old - 1, new, &old_root, &new_root, proof)),
        ("old + 1".into(), verify(old + 1, new, &old_root, &new_root, proof)),
        ("old ^ 2".into(), verify(old ^ 2, new, &old_root, &new_root, proof)),
        ("new * 2".into(), verify(old, new * 2, &old_root, &new_root, proof)),
        ("new / 2".into(), verify(old, new / 2, &old_root, &new_root, proof)),
        ("wrong old root".into(), verify(old, new, &wrong, &new_root, proof)),
        ("wrong new root".into(), verify(old, new, &old_root, &wrong, proof)),
        ("swapped roots".into(), verify(old, new, &new_root, &old_root, proof)),
        ("empty proof".into(), verify(old, new, &old_root, &new_root, &[])),
        ("trailing old root".into(), verify(old, new, &old_root, &new_root, &with(proof, |p| p.push(old_root)))),
        ("trailing new root".into(), verify(old, new, &old_root, &new_root, &with(proof, |p| p.push(new_root)))),
        ("preceding old root".into(), verify(old, new, &old_root, &new_root, &with(proof, |p| p.insert(0, old_root)))),
        ("preceding new root".into(), verify(old, new, &old_root, &new_root, &with(proof, |p| p.insert(0, new_root)))),
        ("preceding proof[0]".into(), verify(old, new, &old_root, &new_root, &with(proof, |p| p.insert(0, p[0])))),
        (
            "truncated".into(),
            verify(
                old,
                new,
                &old_root,
                &new_root,
                &with(proof, |p| {
                    p.pop();
                }),
            ),
        ),
    ];
    for element in 0..proof.len() {
        let flipped = flip(proof, element, 0, 16);
        probes.push((format!("proof[{element}] bit 4"), verify(old, new, &old_root, &new_root, &flipped)));
    }
    probes
}

fn accepted(probes: Vec<(String, bool)>) -> Vec<String> {
    probes.into_iter().filter(|(_, verified)| *verified).map(|(name, _)| name).collect()
}

#[test]
fn roots_match_the_published_vectors() {
    let mut tree = MemoryTree::new();
    assert_eq!(tree.root(), h(ROOTS[0]));
    for (size, leaf) in LEAVES.iter().enumerate() {
        tree.push(&hex::decode(leaf).unwrap_or_default());
        assert_eq!(tree.root(), h(ROOTS[size + 1]), "size {}", size + 1);
    }
    for (size, expected) in ROOTS.iter().enumerate() {
        assert_eq!(root(size as u64, &tree), Ok(h(expected)), "size {size}");
    }
}

#[test]
fn perfect_nodes_match_the_published_vectors() {
    let tree = reference_tree();
    // What a writer stores through `nodes_completed_by` alone.
    let mut store = HashMap::new();
    for (index, leaf) in LEAVES.iter().enumerate() {
        let leaf = leaf_hash(&hex::decode(leaf).unwrap_or_default());
        let source = |level, index| store.get(&(level, index)).copied();
        let completed = nodes_completed_by(index as u64, leaf, &source);
        for node in completed.unwrap_or_default() {
            store.insert((node.level, node.index), node.hash);
        }
    }
    let mut expected = HashMap::new();
    for (level, row) in NODES.iter().enumerate() {
        for (index, hash) in row.iter().enumerate() {
            expected.insert((level as u32, index as u64), h(hash));
            assert_eq!(tree.node(level as u32, index as u64), Some(h(hash)), "node ({level}, {index})");
        }
    }
    assert_eq!(store, expected);
    assert_eq!(tree.node(0, 8), None);
    assert_eq!(tree.node(4, 0), None);
}

#[test]
fn appending_completes_the_nodes_a_right_child_closes() {
    let tree = reference_tree();
    let leaf = tree.leaf_hash(7).unwrap_or_default();
    let completed = nodes_completed_by(7, leaf, &tree);
    let ids: Vec<(u32, u64)> = completed.unwrap_or_default().iter().map(|node| (node.level, node.index)).collect();
    assert_eq!(ids, [(0, 7), (1, 3), (2, 1), (3, 0)]);
    let left_child = nodes_completed_by(6, leaf, &tree).map(|nodes| nodes.len());
    assert_eq!(left_child, Ok(1));
    let empty = |_, _| None;
    assert_eq!(nodes_completed_by(5, leaf, &empty), Err(TreeError::MissingNode { level: 0, index: 4 }));
}

#[test]
fn inclusion_proofs_match_the_published_vectors() {
    let tree = reference_tree();
    for (index, size, path) in INCLUSION {
        let expected = hashes(path);
        assert_eq!(inclusion_proof(index, size, &tree), Ok(expected.clone()), "leaf {index} of {size}");
        let leaf = tree.leaf_hash(index).unwrap_or_default();
        let root = h(ROOTS[size as usize]);
        assert!(verify_inclusion(index, size, &leaf, &expected, &root), "leaf {index} of {size}");
        let accepted = accepted(corrupted_inclusion(index, size, leaf, &expected, root));
        assert!(accepted.is_empty(), "leaf {index} of {size} accepted: {accepted:?}");
    }
}

#[test]
fn consistency_proofs_match_the_published_vectors() {
    let tree = reference_tree();
    for (old, new, path) in CONSISTENCY {
        let expected = hashes(path);
        assert_eq!(consistency_proof(old, new, &tree), Ok(expected.clone()), "{old} to {new}");
        let (old_root, new_root) = (h(ROOTS[old as usize]), h(ROOTS[new as usize]));
        assert!(verify_consistency(old, new, &old_root, &new_root, &expected), "{old} to {new}");
        if !expected.is_empty() {
            let accepted = accepted(corrupted_consistency(old, new, old_root, new_root, &expected));
            assert!(accepted.is_empty(), "{old} to {new} accepted: {accepted:?}");
        }
    }
}

#[test]
fn verifiers_refuse_what_proves_nothing() {
    // After transparency-dev/merkle proof/verify_test.go TestVerifyInclusion
    // and TestVerifyConsistency.
    let (some, empty) = (some_hash(), empty_root());
    for (index, size) in [(0, 0), (1, 0), (2, 1)] {
        assert!(!verify_inclusion(index, size, &some, &[], &empty), "leaf {index} of {size}");
        assert!(!verify_inclusion(index, size, &empty, &[], &empty), "leaf {index} of {size}");
    }
    // A one-leaf tree's root is its leaf's hash, with an empty proof.
    let leaf = leaf_hash(b"data");
    assert!(verify_inclusion(0, 1, &leaf, &[], &leaf));
    assert!(!verify_inclusion(0, 1, &leaf, &[], &some));

    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    assert!(verify_consistency(0, 0, &empty, &empty, &[]));
    assert!(verify_consistency(0, 5, &empty, &a, &[]));
    assert!(verify_consistency(1, 1, &a, &a, &[]));
    assert!(!verify_consistency(0, 0, &a, &b, &[]), "equal sizes, different roots");
    assert!(!verify_consistency(1, 1, &a, &b, &[]), "equal sizes, different roots");
    assert!(!verify_consistency(0, 5, &a, &b, &[]), "the empty tree has one root");
    assert!(!verify_consistency(1, 0, &a, &b, &[]), "time travel to the past");
    assert!(!verify_consistency(2, 1, &a, &b, &[a]), "time travel to the past");
    assert!(!verify_consistency(1, 2, &a, &b, &[]), "an empty proof between different sizes");
    assert!(!verify_consistency(0, 0, &empty, &empty, &[empty]), "a proof where none is needed");
    assert!(!verify_consistency(0, 1, &empty, &a, &[empty]), "a proof where none is needed");
    assert!(!verify_consistency(1, 1, &a, &a, &[a]), "a proof where none is needed");
}

#[test]
fn provers_refuse_what_the_source_cannot_answer() {
    let tree = reference_tree();
    assert_eq!(inclusion_proof(0, 0, &tree), Err(TreeError::IndexOutOfRange { index: 0, size: 0 }));
    assert_eq!(inclusion_proof(8, 8, &tree), Err(TreeError::IndexOutOfRange { index: 8, size: 8 }));
    assert_eq!(consistency_proof(5, 4, &tree), Err(TreeError::SizeOutOfRange { old_size: 5, new_size: 4 }));
    assert_eq!(consistency_proof(0, 9, &tree), Ok(vec![]));
    // A tree larger than what is stored.
    assert_eq!(root(9, &tree), Err(TreeError::MissingNode { level: 0, index: 8 }));
    assert_eq!(root(16, &tree), Err(TreeError::MissingNode { level: 4, index: 0 }));
    assert_eq!(inclusion_proof(0, 9, &tree), Err(TreeError::MissingNode { level: 0, index: 8 }));
    assert_eq!(consistency_proof(3, 9, &tree), Err(TreeError::MissingNode { level: 0, index: 8 }));
}

#[test]
fn a_root_reads_one_node_per_binary_digit_of_the_size() {
    let tree = MemoryTree::from_entries((0..1000u32).map(|i| i.to_be_bytes()));
    for size in [1u64, 2, 3, 255, 256, 257, 999, 1000] {
        let lookups = Cell::new(0);
        let counting = |level, index| {
            lookups.set(lookups.get() + 1);
            tree.node(level, index)
        };
        assert!(root(size, &counting).is_ok());
        assert_eq!(lookups.get(), size.count_ones(), "size {size}");
    }
}

// The RFC's recursive definitions, literally, over ranges of leaf hashes;
// `mth` remembers its results only to keep the debug-build tests quick.
struct Rfc<'a> {
    leaves: &'a [Hash],
    known: RefCell<HashMap<(usize, usize), Hash>>,
}

impl Rfc<'_> {
    fn largest_power_of_two_below(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// MTH(D[start:end]).
    fn mth(&self, start: usize, end: usize) -> Hash {
        if let Some(hash) = self.known.borrow().get(&(start, end)) {
            return *hash;
        }
        let hash = match end - start {
            0 => empty_root(),
            1 => self.leaves[start],
            n => {
                let k = Self::largest_power_of_two_below(n);
                node_hash(&self.mth(start, start + k), &self.mth(start + k, end))
            }
        };
        self.known.borrow_mut().insert((start, end), hash);
        hash
    }

    /// PATH(m, D[start:end]).
    fn path(&self, m: usize, start: usize, end: usize) -> Vec<Hash> {
        let n = end - start;
        if n <= 1 {
            return vec![];
        }
        let k = Self::largest_power_of_two_below(n);
        let (mut path, sibling) = if m < k {
            (self.path(m, start, start + k), self.mth(start + k, end))
        } else {
            (self.path(m - k, start + k, end), self.mth(start, start + k))
        };
        path.push(sibling);
        path
    }

    /// SUBPROOF(m, D[start:end], complete).
    fn subproof(&self, m: usize, start: usize, end: usize, complete: bool) -> Vec<Hash> {
        let n = end - start;
        if m == n {
            return if complete { vec![] } else { vec![self.mth(start, end)] };
        }
        let k = Self::largest_power_of_two_below(n);
        let (mut proof, sibling) = if m <= k {
            (self.subproof(m, start, start + k, complete), self.mth(start + k, end))
        } else {
            (self.subproof(m - k, start + k, end, false), self.mth(start, start + k))
        };
        proof.push(sibling);
        proof
    }
}

/// Trees of up to this many leaves are checked exhaustively.
const MAX: u64 = 70;

fn entries() -> MemoryTree {
    MemoryTree::from_entries((0..MAX).map(|i| format!("entry {i}")))
}

#[test]
fn every_root_up_to_70_leaves_is_the_rfcs() {
    let tree = entries();
    let leaves: Vec<Hash> = (0..MAX).filter_map(|index| tree.leaf_hash(index)).collect();
    let rfc = Rfc { leaves: &leaves, known: RefCell::default() };
    let mut growing = MemoryTree::new();
    for size in 0..=MAX {
        let expected = rfc.mth(0, size as usize);
        assert_eq!(root(size, &tree), Ok(expected), "size {size}");
        assert_eq!(growing.root(), expected, "size {size}");
        growing.push(format!("entry {size}").as_bytes());
    }
}

#[test]
fn every_inclusion_proof_up_to_70_leaves() {
    let tree = entries();
    let leaves: Vec<Hash> = (0..MAX).filter_map(|index| tree.leaf_hash(index)).collect();
    let rfc = Rfc { leaves: &leaves, known: RefCell::default() };
    for size in 1..=MAX {
        let root = rfc.mth(0, size as usize);
        for index in 0..size {
            let what = format!("leaf {index} of {size}");
            let leaf = leaves[index as usize];
            let proof = inclusion_proof(index, size, &tree).unwrap_or_default();
            assert_eq!(proof, rfc.path(index as usize, 0, size as usize), "{what}");
            assert!(verify_inclusion(index, size, &leaf, &proof, &root), "{what}");
            for element in 0..proof.len() {
                // A different byte each time, so that all 32 are covered.
                let byte = (index as usize * 7 + element * 13) % 32;
                let flipped = flip(&proof, element, byte, 1);
                assert!(!verify_inclusion(index, size, &leaf, &flipped, &root), "{what}, proof[{element}][{byte}]");
            }
            for other in [index + 1, index.wrapping_sub(1)] {
                assert!(!verify_inclusion(other, size, &leaf, &proof, &root), "{what} as leaf {other}");
            }
            if size > 1 {
                let earlier = rfc.mth(0, size as usize - 1);
                assert!(!verify_inclusion(index, size, &leaf, &proof, &earlier), "{what}, another root");
            }
        }
    }
}

#[test]
fn every_consistency_proof_up_to_70_leaves() {
    let tree = entries();
    let leaves: Vec<Hash> = (0..MAX).filter_map(|index| tree.leaf_hash(index)).collect();
    let rfc = Rfc { leaves: &leaves, known: RefCell::default() };
    let other = leaf_hash(b"other");
    for new in 0..=MAX {
        for old in 0..=new {
            let what = format!("{old} to {new}");
            let (old_root, new_root) = (rfc.mth(0, old as usize), rfc.mth(0, new as usize));
            let proof = consistency_proof(old, new, &tree).unwrap_or_default();
            if 0 < old && old < new {
                assert_eq!(proof, rfc.subproof(old as usize, 0, new as usize, true), "{what}");
            } else {
                assert!(proof.is_empty(), "{what}");
            }
            assert!(verify_consistency(old, new, &old_root, &new_root, &proof), "{what}");
            assert!(!verify_consistency(old, new, &other, &new_root, &proof), "{what}, another old root");
            // Every tree extends the empty one, whatever its root.
            if old > 0 {
                assert!(!verify_consistency(old, new, &old_root, &other, &proof), "{what}, another new root");
            }
            for element in 0..proof.len() {
                let byte = (old as usize * 5 + new as usize * 3 + element * 11) % 32;
                let flipped = flip(&proof, element, byte, 0x80);
                assert!(!verify_consistency(old, new, &old_root, &new_root, &flipped), "{what}, proof[{element}]");
            }
            if !proof.is_empty() {
                for wrong in [old - 1, old + 1] {
                    assert!(!verify_consistency(wrong, new, &old_root, &new_root, &proof), "{what} as from {wrong}");
                }
            }
        }
    }
}
