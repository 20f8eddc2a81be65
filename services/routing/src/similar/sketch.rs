//! Sketches: a few hundred bytes kept with each report, from which the
//! likeness of two reports is estimated without their texts.
//!
//! A sketch is the smallest [`SKETCHED`] hashes of a text's trigrams (a
//! bottom-k sketch). The hashes are an even sample of the trigrams, and a
//! sketch holds every hash of its text up to its largest, so two sketches
//! together know every hash of both texts up to the smaller of their two
//! largest: the share of those that both hold estimates the likeness.
//! Exactly, when both texts have fewer trigrams than a sketch keeps.

use super::words::{for_each_trigram, share, shared};

/// How many trigram hashes a sketch keeps. The estimate's standard error
/// at the threshold is at most about 0.04 (it counts 128 to 256 hashes);
/// texts of fewer trigrams are kept whole.
pub const SKETCHED: usize = 128;

/// From how many reports of a neighbourhood at once their neighbours are
/// compared through a table of their hashes rather than by one merge each:
/// the table costs a look-up per neighbour's hash, a merge a pass over two
/// sketches per pair. Over 2,400 neighbours (a busy neighbourhood's month
/// at ten million reports) a table took 3 ms for one to eight reports and
/// 3.5 ms for twelve, a merge 1.3 ms a report.
const BY_TABLE_FROM: usize = 3;

/// A trigram's hash: FNV-1a over its UTF-8, then MurmurHash3's finaliser, so
/// that the smallest hashes are an even sample of the trigrams. Sketches are
/// stored: a change here must compute every report's sketch again.
fn trigram_hash(trigram: &[char; 3]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    let mut utf8 = [0_u8; 4];
    for character in trigram {
        for byte in character.encode_utf8(&mut utf8).bytes() {
            hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
        }
    }
    hash ^= hash >> 16;
    hash = hash.wrapping_mul(0x85eb_ca6b);
    hash ^= hash >> 13;
    hash = hash.wrapping_mul(0xc2b2_ae35);
    hash ^ (hash >> 16)
}

/// A text's sketch as stored: the smallest [`SKETCHED`] hashes of its
/// trigrams, ascending, four bytes each, big-endian.
pub fn sketch(text: &str) -> Vec<u8> {
    let mut hashes = Vec::with_capacity(text.len() + 2);
    for_each_trigram(text, |trigram| hashes.push(trigram_hash(&trigram)));
    hashes.sort_unstable();
    hashes.dedup();
    hashes.truncate(SKETCHED);
    hashes.into_iter().flat_map(u32::to_be_bytes).collect()
}

/// The hashes of a stored sketch.
pub(super) fn hashes_of(stored: &[u8]) -> Vec<u32> {
    stored.chunks_exact(4).map(|four| u32::from_be_bytes([four[0], four[1], four[2], four[3]])).collect()
}

/// Up to which hash a sketch holds every hash of its text: all of them for
/// a text kept whole.
fn bound(sketch: &[u32]) -> u32 {
    match sketch.last() {
        Some(largest) if sketch.len() >= SKETCHED => *largest,
        _ => u32::MAX,
    }
}

/// The hashes of `sketch` up to `bound`.
fn up_to(sketch: &[u32], bound: u32) -> &[u32] {
    &sketch[..sketch.partition_point(|hash| *hash <= bound)]
}

/// The likeness two sketches estimate, given how many hashes both hold: of
/// every hash of the two texts up to the smaller bound, which the two
/// sketches know all of, the share both hold. (A hash both hold is below
/// both bounds.)
fn estimate(a: &[u32], b: &[u32], both_hold: usize) -> f64 {
    let known = bound(a).min(bound(b));
    share(both_hold, up_to(a, known).len() + up_to(b, known).len() - both_hold)
}

/// The likeness two sketches estimate, by one merge of what they know.
pub(super) fn estimated_likeness(a: &[u32], b: &[u32]) -> f64 {
    let known = bound(a).min(bound(b));
    estimate(a, b, shared(up_to(a, known), up_to(b, known)))
}

/// Estimates how alike each of `asking` is to each of `neighbours`, for the
/// pairs `wanted` names (by their indexes), and gives each estimate to
/// `each(asking, neighbour, estimate)`.
pub(super) fn estimates(
    asking: &[&[u32]],
    neighbours: &[&[u32]],
    wanted: impl Fn(usize, usize) -> bool,
    mut each: impl FnMut(usize, usize, f64),
) {
    if asking.len() < BY_TABLE_FROM {
        for (a, own) in asking.iter().enumerate() {
            for (n, theirs) in neighbours.iter().enumerate().filter(|(n, _)| wanted(a, *n)) {
                each(a, n, estimated_likeness(own, theirs));
            }
        }
        return;
    }
    for (group, members) in asking.chunks(Holders::MOST).enumerate() {
        let holders = Holders::of(members);
        let first = group * Holders::MOST;
        let mut counts = [0_usize; Holders::MOST];
        for (n, theirs) in neighbours.iter().enumerate() {
            counts.fill(0);
            for hash in theirs.iter() {
                let mut held_by = holders.of_hash(*hash);
                while held_by != 0 {
                    counts[held_by.trailing_zeros() as usize] += 1;
                    held_by &= held_by - 1;
                }
            }
            for (member, own) in members.iter().enumerate().filter(|(member, _)| wanted(first + member, n)) {
                each(first + member, n, estimate(own, theirs, counts[member]));
            }
        }
    }
}

/// Which of up to [`Holders::MOST`] sketches hold each hash, a bit each:
/// an open-addressed table. A hash is placed by the top bits of its product
/// with an odd constant, not by its own: a sketch keeps the smallest hashes,
/// whose own top bits are mostly zero.
struct Holders {
    hashes: Vec<u32>,
    /// No bit for a free slot.
    holders: Vec<u64>,
    /// Which bits of a hash's product place it.
    shift: u32,
}

impl Holders {
    const MOST: usize = 64;

    /// The table of `sketches`, at most [`Holders::MOST`].
    fn of(sketches: &[&[u32]]) -> Self {
        debug_assert!(sketches.len() <= Self::MOST, "a bit each for at most {} sketches", Self::MOST);
        let held: usize = sketches.iter().map(|sketch| sketch.len()).sum();
        let size = (held * 2).next_power_of_two().max(16);
        let mut table = Self { hashes: vec![0; size], holders: vec![0; size], shift: 64 - size.trailing_zeros() };
        for (member, sketch) in sketches.iter().enumerate().take(Self::MOST) {
            for hash in sketch.iter() {
                let slot = table.slot(*hash);
                table.hashes[slot] = *hash;
                table.holders[slot] |= 1 << member;
            }
        }
        table
    }

    /// The slot of `hash`, or the free slot where it would go.
    fn slot(&self, hash: u32) -> usize {
        let mask = self.hashes.len() - 1;
        let mut slot = (u64::from(hash).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        while self.holders[slot] != 0 && self.hashes[slot] != hash {
            slot = (slot + 1) & mask;
        }
        slot
    }

    /// The sketches that hold `hash`, a bit each.
    fn of_hash(&self, hash: u32) -> u64 {
        self.holders[self.slot(hash)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similar::LOOKS_ALIKE;
    use crate::similar::words::{Trigrams, each_trigram, likeness};

    fn hashes(text: &str) -> Vec<u32> {
        hashes_of(&sketch(text))
    }

    #[test]
    fn short_texts_are_sketched_whole_and_estimated_exactly() {
        let (a, b) =
            ("Jalan berlubang besar di depan nomor 12 Jalan Braga", "Lubang besar di Jalan Braga depan nomor 12");
        assert_eq!(hashes(a).len(), Trigrams::of(a).len());
        let exact = likeness(&Trigrams::of(a), &Trigrams::of(b));
        assert!((estimated_likeness(&hashes(a), &hashes(b)) - exact).abs() < 1e-9, "{exact}");
        assert_eq!(estimated_likeness(&hashes(a), &hashes(a)), 1.0);
        assert_eq!(estimated_likeness(&[], &[]), 0.0);
    }

    /// A text of `count` words of eight random-looking letters, the same
    /// words for the same numbers: texts share trigrams only as they share
    /// words.
    fn paragraph(first: u64, count: u64) -> String {
        let word = |n: u64| {
            let mut bits = n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            bits ^= bits >> 31;
            (0..8)
                .map(|_| {
                    let letter = char::from(b'a' + (bits % 26) as u8);
                    bits /= 26;
                    letter
                })
                .collect::<String>()
        };
        (first..first + count).map(word).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn long_texts_keep_their_smallest_hashes_and_estimate_near_the_truth() {
        let a = paragraph(0, 120);
        let stored = hashes(&a);
        assert_eq!(stored.len(), SKETCHED);
        assert!(stored.windows(2).all(|pair| pair[0] < pair[1]));
        let mut all: Vec<u32> = each_trigram(&a).iter().map(trigram_hash).collect();
        all.sort_unstable();
        all.dedup();
        assert!(all.len() > SKETCHED * 2, "{}", all.len());
        assert_eq!(stored, all[..SKETCHED]);
        // A third, a half and two thirds of their words shared: about 0.2,
        // 0.33 and 0.5 alike, around the threshold. The estimate's standard
        // error is at most about 0.04; the hash is fixed, so these never vary.
        for offset in [80_u64, 60, 40] {
            let b = paragraph(offset, 120);
            let exact = likeness(&Trigrams::of(&a), &Trigrams::of(&b));
            let estimate = estimated_likeness(&stored, &hashes(&b));
            assert!((estimate - exact).abs() < 0.12, "offset {offset}: exact {exact}, estimated {estimate}");
        }
        let unrelated = paragraph(5_000, 120);
        assert!(estimated_likeness(&stored, &hashes(&unrelated)) < LOOKS_ALIKE);
    }

    /// The estimate as it is defined: of the hashes of both sketches up to
    /// the smaller of their largest (a whole text's sketch has no largest),
    /// the share both hold.
    fn share_of_what_both_know(a: &[u32], b: &[u32]) -> f64 {
        let largest = |sketch: &[u32]| if sketch.len() < SKETCHED { u32::MAX } else { sketch[SKETCHED - 1] };
        let known = largest(a).min(largest(b));
        let mut both: Vec<u32> = a.iter().chain(b).copied().filter(|hash| *hash <= known).collect();
        both.sort_unstable();
        both.dedup();
        let held = both.iter().filter(|hash| a.contains(hash) && b.contains(hash)).count();
        if both.is_empty() { 0.0 } else { held as f64 / both.len() as f64 }
    }

    /// Sketches whole and cut, of texts sharing none to all of their words.
    fn sketches() -> Vec<Vec<u32>> {
        [(0, 3), (1, 3), (0, 120), (40, 120), (60, 20), (100, 60), (5_000, 120), (0, 0)]
            .into_iter()
            .map(|(first, count)| hashes(&paragraph(first, count)))
            .collect()
    }

    #[test]
    fn the_estimate_is_the_share_held_by_both_of_what_both_know() {
        let sketches = sketches();
        for a in &sketches {
            for b in &sketches {
                assert_eq!(estimated_likeness(a, b), share_of_what_both_know(a, b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn many_reports_at_once_are_estimated_as_one_at_a_time() {
        let sketches = sketches();
        // More reports asking than a table holds, so that two tables are
        // made; the pairs of the same index are not wanted.
        let neighbours: Vec<&[u32]> = sketches.iter().map(Vec::as_slice).collect();
        let asking: Vec<&[u32]> = neighbours.iter().copied().cycle().take(Holders::MOST + 3).collect();
        assert!(asking.len() >= BY_TABLE_FROM);
        let mut together = Vec::new();
        estimates(&asking, &neighbours, |a, n| a != n, |a, n, estimate| together.push((a, n, estimate)));
        let mut one_at_a_time = Vec::new();
        for (a, own) in asking.iter().enumerate() {
            for (n, theirs) in neighbours.iter().enumerate().filter(|(n, _)| a != *n) {
                one_at_a_time.push((a, n, estimated_likeness(own, theirs)));
            }
        }
        // A table goes through the neighbours once, for all of its reports.
        together.sort_by_key(|(a, n, _)| (*a, *n));
        assert_eq!(together.len(), asking.len() * neighbours.len() - neighbours.len());
        assert_eq!(together, one_at_a_time);
    }

    #[test]
    fn a_sketch_is_stored_as_it_always_was() {
        // Sketches are kept in the database: the hash must not drift.
        assert_eq!(sketch("Cat"), sketch("cat"));
        assert_eq!(hashes("cat"), [1_409_838_845, 1_777_262_737, 3_793_438_448, 4_028_485_276]);
    }
}
