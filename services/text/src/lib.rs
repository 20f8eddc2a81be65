//! The one validator for every free text aduan takes, from citizens, staff
//! and administrators alike: what is stored, sent on the bus and shown to
//! other people is normalised (NFC, trimmed, `\r\n` as `\n`), measured in
//! characters, and free of characters that hide or disguise text (control
//! characters, bidirectional overrides, zero-width characters).

use unicode_normalization::UnicodeNormalization as _;

/// Whether a text may span several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// A name, a title, an id-like label: one line.
    One,
    /// A description, a message, a reason: newlines and tabs allowed.
    Many,
}

/// What a free text must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// The fewest characters, after trimming.
    pub min: usize,
    /// The most characters, after trimming.
    pub max: usize,
    /// One line or many.
    pub lines: Lines,
}

impl TextRule {
    /// One line of `min` to `max` characters.
    pub const fn line(min: usize, max: usize) -> Self {
        Self { min, max, lines: Lines::One }
    }

    /// Text of `min` to `max` characters over any number of lines.
    pub const fn block(min: usize, max: usize) -> Self {
        Self { min, max, lines: Lines::Many }
    }
}

/// Why a text was refused. The messages say what is wrong without repeating
/// the text, which may be long or hostile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Fewer characters than the rule's minimum.
    #[error("must be at least {min} characters; it has {length}")]
    TooShort {
        /// The minimum.
        min: usize,
        /// The text's length in characters.
        length: usize,
    },
    /// More characters than the rule's maximum.
    #[error("must be at most {max} characters; it has {length}")]
    TooLong {
        /// The maximum.
        max: usize,
        /// The text's length in characters.
        length: usize,
    },
    /// A control character (NUL, escape, ...), or a line break in one-line text.
    #[error("contains a control character (U+{codepoint:04X}) at character {position}")]
    Control {
        /// The character's code point.
        codepoint: u32,
        /// Its position, counting from 1.
        position: usize,
    },
    /// A character that reorders or hides text.
    #[error("contains an invisible or direction-changing character (U+{codepoint:04X}) at character {position}")]
    Invisible {
        /// The character's code point.
        codepoint: u32,
        /// Its position, counting from 1.
        position: usize,
    },
}

/// Characters that change the direction text is shown in, or that show
/// nothing at all: with them a reader sees other words than those stored.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'               // Arabic letter mark
        | '\u{200B}'..='\u{200F}' // zero-width space, non-joiner, joiner; LRM, RLM
        | '\u{202A}'..='\u{202E}' // embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner and invisible operators
        | '\u{2066}'..='\u{2069}' // isolates
        | '\u{FEFF}' // zero-width no-break space (BOM)
    )
}

fn is_allowed_control(c: char, lines: Lines) -> bool {
    lines == Lines::Many && matches!(c, '\n' | '\t')
}

/// `input` cleaned to the rule: normalised to NFC, `\r\n` and lone `\r` read
/// as `\n`, trimmed; or why it cannot be taken.
pub fn clean(input: &str, rule: TextRule) -> Result<String, TextError> {
    let unified = input.replace("\r\n", "\n").replace('\r', "\n");
    let normalised: String = unified.trim().nfc().collect();
    for (index, c) in normalised.chars().enumerate() {
        let position = index + 1;
        let codepoint = u32::from(c);
        let is_separator = matches!(c, '\u{2028}' | '\u{2029}');
        if (c.is_control() || is_separator) && !is_allowed_control(c, rule.lines) {
            return Err(TextError::Control { codepoint, position });
        }
        if is_invisible(c) {
            return Err(TextError::Invisible { codepoint, position });
        }
    }
    let length = normalised.chars().count();
    if length < rule.min {
        return Err(TextError::TooShort { min: rule.min, length });
    }
    if length > rule.max {
        return Err(TextError::TooLong { max: rule.max, length });
    }
    Ok(normalised)
}

/// The first `max` characters of `input`, with `…` when it was longer: what
/// an error message may quote of what someone sent.
pub fn excerpt(input: &str, max: usize) -> String {
    let mut chars = input.chars();
    let head: String = chars.by_ref().take(max).filter(|c| !c.is_control() && !is_invisible(*c)).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TITLE: TextRule = TextRule::line(5, 20);
    const BODY: TextRule = TextRule::block(1, 50);

    #[test]
    fn good_text_is_trimmed_and_kept() {
        assert_eq!(clean("  Jalan Braga rusak  ", TITLE), Ok("Jalan Braga rusak".into()));
        assert_eq!(clean("line one\r\nline two\rthree\tend", BODY), Ok("line one\nline two\nthree\tend".into()));
    }

    #[test]
    fn lengths_are_characters_after_normalisation() {
        // "é" as e + combining acute is two code points, one character after NFC.
        let decomposed = "Cafe\u{0301} ok";
        let cleaned = clean(decomposed, TITLE).expect("valid");
        assert_eq!(cleaned, "Caf\u{00E9} ok");
        assert_eq!(cleaned.chars().count(), 7);
        assert_eq!(clean("Ω", TextRule::line(1, 1)), Ok("Ω".into()));
        assert_eq!(clean("abc", TITLE), Err(TextError::TooShort { min: 5, length: 3 }));
        assert_eq!(clean(&"é".repeat(21), TITLE), Err(TextError::TooLong { max: 20, length: 21 }));
    }

    #[test]
    fn control_characters_are_refused_with_their_place() {
        assert_eq!(clean("abc\0def", TITLE), Err(TextError::Control { codepoint: 0, position: 4 }));
        assert_eq!(clean("abc\u{1b}[31mdef", BODY), Err(TextError::Control { codepoint: 0x1b, position: 4 }));
        assert_eq!(clean("two\nlines", TITLE), Err(TextError::Control { codepoint: 0x0a, position: 4 }));
        assert_eq!(clean("tab\there", TITLE), Err(TextError::Control { codepoint: 0x09, position: 4 }));
        assert_eq!(clean("sep\u{2028}arated", BODY), Err(TextError::Control { codepoint: 0x2028, position: 4 }));
        assert_eq!(clean("c1 \u{85} next", BODY), Err(TextError::Control { codepoint: 0x85, position: 4 }));
    }

    #[test]
    fn direction_overrides_and_zero_width_characters_are_refused() {
        for c in ['\u{202E}', '\u{2066}', '\u{200B}', '\u{200D}', '\u{FEFF}', '\u{061C}', '\u{200F}'] {
            let text = format!("pay {c}100");
            assert!(matches!(clean(&text, BODY), Err(TextError::Invisible { position: 5, .. })), "{c:?}");
        }
    }

    #[test]
    fn messages_never_repeat_the_text() {
        let hostile = format!("{}\0", "<script>".repeat(3));
        let message = clean(&hostile, BODY).expect_err("refused").to_string();
        assert!(!message.contains("<script>"), "{message}");
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("abcdefghijkl", 5), "abcde…");
        assert_eq!(excerpt("a\0b\u{202E}c", 10), "abc");
    }

    proptest! {
        #[test]
        fn whatever_is_accepted_is_clean_and_stable(input in "\\PC{0,60}") {
            if let Ok(cleaned) = clean(&input, BODY) {
                prop_assert!(cleaned.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'));
                prop_assert!(!cleaned.chars().any(is_invisible));
                prop_assert_eq!(clean(&cleaned, BODY), Ok(cleaned.clone()), "cleaning twice changes nothing");
            }
        }

        #[test]
        fn any_input_gets_an_answer(input in any::<String>()) {
            let _ = clean(&input, TITLE);
            let _ = excerpt(&input, 8);
        }
    }
}
