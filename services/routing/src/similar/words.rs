//! Likeness by words, exactly as `pg_trgm` counts it: the trigrams two texts
//! share over all the trigrams of both.

use std::borrow::Cow;

/// A text's words, lower-cased; borrowed when they already are, as a
/// search text's are.
fn words(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    let unchanged_by_lowering = |word: &str| {
        word.chars().all(|c| {
            let mut lowered = c.to_lowercase();
            lowered.next() == Some(c) && lowered.next().is_none()
        })
    };
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).map(move |word| {
        if unchanged_by_lowering(word) { Cow::Borrowed(word) } else { Cow::Owned(word.to_lowercase()) }
    })
}

/// Gives each of a text's trigrams, as `pg_trgm` forms them, to `each`: each
/// word lower-cased, with two spaces before it and one after; repeated as
/// often as they occur. A window of three slides along the padded word, so
/// nothing is allocated for a word already lower-case.
pub(super) fn for_each_trigram(text: &str, mut each: impl FnMut([char; 3])) {
    for word in words(text) {
        let mut window = [' '; 3];
        for next in word.chars().chain([' ']) {
            window = [window[1], window[2], next];
            each(window);
        }
    }
}

/// A text's trigrams, each once, three characters of 21 bits packed in a
/// `u64` and sorted: two texts are compared by one merge of two lists.
#[derive(Debug)]
pub(super) struct Trigrams(Vec<u64>);

impl Trigrams {
    /// The trigrams of `text`.
    pub(super) fn of(text: &str) -> Self {
        let mut packed = Vec::with_capacity(text.len() + 2);
        for_each_trigram(text, |[a, b, c]| packed.push(u64::from(a) << 42 | u64::from(b) << 21 | u64::from(c)));
        packed.sort_unstable();
        packed.dedup();
        Self(packed)
    }

    /// How many different trigrams there are.
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }
}

/// How many values two ascending lists share. The merge steps on by
/// comparisons, not branches: hashes and trigrams come in no order a branch
/// predictor could learn.
pub(super) fn shared<T: Ord + Copy>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        shared += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    shared
}

/// The share of `shared` among `all`, 0 when there is nothing.
pub(super) fn share(shared: usize, all: usize) -> f64 {
    if all == 0 { 0.0 } else { shared as f64 / all as f64 }
}

/// How alike two texts are: shared trigrams over all of them (`pg_trgm`'s
/// `similarity`).
pub(super) fn likeness(a: &Trigrams, b: &Trigrams) -> f64 {
    let both = shared(&a.0, &b.0);
    share(both, a.len() + b.len() - both)
}

/// A text's trigrams in order, repeats and all.
#[cfg(test)]
pub(super) fn each_trigram(text: &str) -> Vec<[char; 3]> {
    let mut all = Vec::new();
    for_each_trigram(text, |trigram| all.push(trigram));
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similar::LIKENESS;

    #[test]
    fn alike_reports_are_offered_and_different_ones_are_not() {
        let a = Trigrams::of("Jalan berlubang besar di depan nomor 12 Jalan Braga");
        let b = Trigrams::of("Lubang besar di Jalan Braga depan nomor 12");
        let c = Trigrams::of("Lampu jalan mati sejak seminggu");
        assert!(likeness(&a, &b) >= LIKENESS, "{}", likeness(&a, &b));
        assert!(likeness(&a, &c) < LIKENESS, "{}", likeness(&a, &c));
        assert_eq!(likeness(&a, &a), 1.0);
        assert_eq!(likeness(&Trigrams::of(""), &Trigrams::of("")), 0.0);
    }

    /// Trigrams as they were formed when the first sketches were stored:
    /// each word lower-cased whole, padded, and cut in windows.
    fn padded_windows(text: &str) -> Vec<[char; 3]> {
        let words = text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty());
        words
            .flat_map(|word| {
                let padded: Vec<char> = format!("  {} ", word.to_lowercase()).chars().collect();
                padded.windows(3).map(|three| [three[0], three[1], three[2]]).collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn trigrams_are_formed_as_pg_trgm_forms_them() {
        // SELECT show_trgm('Cat'): {"  c"," ca","at ",cat}
        assert_eq!(each_trigram("Cat"), [[' ', ' ', 'c'], [' ', 'c', 'a'], ['c', 'a', 't'], ['a', 't', ' ']]);
        assert_eq!(each_trigram("a, b"), [[' ', ' ', 'a'], [' ', 'a', ' '], [' ', ' ', 'b'], [' ', 'b', ' ']]);
        // Words that lower-casing changes, one letter at a time or as a
        // whole (a final sigma), are formed as before.
        for text in ["Jalan BRAGA no. 12", "ΟΔΟΣ Αθηνάς", "İstanbul ǅemal", "jalan_rusak 3km ke-2", ""] {
            assert_eq!(each_trigram(text), padded_windows(text), "{text}");
        }
    }

    #[test]
    fn texts_share_what_both_hold_once() {
        assert_eq!(shared(&[1, 2, 3, 5, 8], &[2, 3, 4, 8, 9]), 3);
        assert_eq!(shared::<u32>(&[], &[1]), 0);
        // "ab ab" and "ab": the same three trigrams, repeated in one.
        assert_eq!(likeness(&Trigrams::of("ab ab"), &Trigrams::of("ab")), 1.0);
        assert_eq!(Trigrams::of("ab ab").len(), 3);
    }
}
