//! Sampled reviews: an auditor draws, for an institution and a period, a
//! random sample of the cases it closed, scores each against the rubric and
//! writes findings, which the institution reads. The sample is reproducible
//! by anyone holding the ledger: its seed is recorded (in the ledger too),
//! and the cases are ranked by a hash of the seed and each report's id.
//! Samples and reviews are events, so they enter the ledger like every step.

use sha2::{Digest as _, Sha256};

/// One criterion of the rubric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Criterion {
    /// Its stable name.
    pub name: &'static str,
    /// What the auditor asks of the case.
    pub question: &'static str,
}

/// The rubric: each criterion scored 0 (no), 1 (partly) or 2 (yes).
pub const RUBRIC: [Criterion; 4] = [
    Criterion {
        name: "answered_the_complaint",
        question: "Does the answer address what the citizen reported, point by point?",
    },
    Criterion {
        name: "clear_and_respectful",
        question: "Is it written plainly and respectfully, without jargon or blame?",
    },
    Criterion {
        name: "evidence_of_action",
        question: "Does it show what was done: dates, places, references, photos?",
    },
    Criterion {
        name: "right_procedure",
        question: "Were the steps right: the tier, questions only when needed, units and supporters asked, clocks kept?",
    },
];

/// The highest score of one criterion.
pub const MAX_SCORE: u32 = 2;

/// The most cases one sample may hold.
pub const MAX_SAMPLE: u32 = 100;

/// The rank of `report_id` in the sample drawn with `seed`: the hex
/// SHA-256 of `seed:report_id`. The smallest ranks are drawn.
pub fn rank(seed: &str, report_id: &str) -> String {
    hex::encode(Sha256::digest(format!("{seed}:{report_id}").as_bytes()))
}

/// The `size` reports of `candidates` that `seed` draws, in rank order.
pub fn draw<'a>(seed: &str, candidates: impl IntoIterator<Item = &'a str>, size: usize) -> Vec<String> {
    let mut ranked: Vec<(String, &str)> = candidates.into_iter().map(|id| (rank(seed, id), id)).collect();
    ranked.sort_unstable();
    ranked.dedup_by(|a, b| a.1 == b.1);
    ranked.into_iter().take(size).map(|(_, id)| id.to_owned()).collect()
}

/// A new seed: 32 random bytes, hex.
pub fn new_seed() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_is_the_same_for_the_same_seed_and_another_for_another() {
        let candidates: Vec<String> = (0..50).map(|n| format!("report-{n}")).collect();
        let ids = || candidates.iter().map(String::as_str);
        let first = draw("seed-a", ids(), 10);
        assert_eq!(first.len(), 10);
        assert_eq!(first, draw("seed-a", ids().rev(), 10), "the order of the candidates does not matter");
        assert_ne!(first, draw("seed-b", ids(), 10));
        assert_eq!(draw("seed-a", ids(), 100).len(), 50, "no more than there are");
        // Anyone can check the first drawn: it has the smallest rank.
        let smallest = ids().min_by_key(|id| rank("seed-a", id)).map(str::to_owned);
        assert_eq!(first.first(), smallest.as_ref());
    }
}
