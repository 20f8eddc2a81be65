//! The hashes of RFC 9162 section 2.1.1. Leaves and interior nodes are hashed
//! with different one-byte prefixes so that no leaf can pass for a node, nor a
//! node for a leaf (the second-preimage attack on plain Merkle trees).

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// A SHA-256 hash: of a leaf, of a subtree or of a whole tree.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, std::hash::Hash)]
pub struct Hash([u8; 32]);

/// What does not decode to a [`Hash`](struct@Hash): not 32 bytes, or not 64 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a SHA-256 hash is 32 bytes, written as 64 hex digits")]
pub struct InvalidHash;

impl Hash {
    /// The hash with these 32 bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Its 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lowercase hex, as the test vectors and log operators write hashes.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl From<[u8; 32]> for Hash {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl From<Hash> for [u8; 32] {
    fn from(hash: Hash) -> Self {
        hash.0
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// From bytes read back from storage, which may be of any length.
impl TryFrom<&[u8]> for Hash {
    type Error = InvalidHash;

    fn try_from(bytes: &[u8]) -> Result<Self, InvalidHash> {
        <[u8; 32]>::try_from(bytes).map(Self).map_err(|_| InvalidHash)
    }
}

/// From 64 hex digits, either case.
impl FromStr for Hash {
    type Err = InvalidHash;

    fn from_str(hex: &str) -> Result<Self, InvalidHash> {
        let mut bytes = [0; 32];
        hex::decode_to_slice(hex, &mut bytes).map_err(|_| InvalidHash)?;
        Ok(Self(bytes))
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

/// The hash of a leaf: SHA-256(0x00 || entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    Hash(Sha256::new().chain_update([0x00]).chain_update(entry).finalize().into())
}

/// The hash of an interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Hash(Sha256::new().chain_update([0x01]).chain_update(left.0).chain_update(right.0).finalize().into())
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_a_hash() {
        let hash = leaf_hash(b"");
        assert_eq!(hash.to_hex().parse::<Hash>(), Ok(hash));
        assert_eq!(hash.to_hex().to_uppercase().parse::<Hash>(), Ok(hash));
        assert_eq!(format!("{hash:?}"), format!("Hash({hash})"));
        assert_eq!("abcd".parse::<Hash>(), Err(InvalidHash));
        assert_eq!("zz".repeat(32).parse::<Hash>(), Err(InvalidHash));
        assert_eq!(Hash::try_from(&[0u8; 31][..]), Err(InvalidHash));
        assert_eq!(Hash::try_from(&hash.as_bytes()[..]), Ok(hash));
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        // FIPS 180-2's SHA-256 of the empty string, which RFC 9162 takes as MTH({}).
        assert_eq!(empty_root().to_hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
