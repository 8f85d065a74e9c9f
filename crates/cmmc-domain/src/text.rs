//! Text a person types: trimmed, bounded, and free of control characters.
//!
//! Names and titles ([`short_text`]) are one line: no control character at
//! all. Descriptions, notes and comments ([`long_text`]) may hold tab, line
//! feed and carriage return, and nothing else below U+0020 or in U+007F to
//! U+009F. A NUL is refused everywhere: PostgreSQL cannot store it, and no
//! person means it. Emptiness is judged after trimming, so a value of blanks
//! is empty.

/// The longest name or title (organisations, assessments, findings, POA&Ms,
/// milestones, evidence), in characters.
pub const TITLE_MAX: usize = 256;
/// The longest description, note or comment, in characters.
pub const LONG_TEXT_MAX: usize = 10_000;

/// Why a text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters (found U+{0:04X})")]
    ControlCharacter(u32),
}

/// The first control character a text may not hold; `layout` allows tab,
/// line feed and carriage return.
#[must_use]
pub fn forbidden_control(value: &str, layout: bool) -> Option<char> {
    value.chars().find(|c| c.is_control() && !(layout && matches!(c, '\t' | '\n' | '\r')))
}

/// A one-line text of 1 to `max` characters, trimmed.
///
/// # Errors
/// [`TextError`] naming the rule it breaks.
pub fn short_text(value: &str, max: usize) -> Result<String, TextError> {
    checked(value, max, false)
}

/// A text of 1 to `max` characters that may span lines, trimmed.
///
/// # Errors
/// [`TextError`] naming the rule it breaks.
pub fn long_text(value: &str, max: usize) -> Result<String, TextError> {
    checked(value, max, true)
}

fn checked(value: &str, max: usize, layout: bool) -> Result<String, TextError> {
    if let Some(c) = forbidden_control(value, layout) {
        return Err(TextError::ControlCharacter(u32::from(c)));
    }
    let value = value.trim();
    if value.is_empty() {
        return Err(TextError::Empty);
    }
    if value.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_trimmed_and_one_line() {
        assert_eq!(short_text("  Acme Corp  ", 256), Ok("Acme Corp".to_owned()));
        assert_eq!(short_text("Acme\tCorp", 256), Err(TextError::ControlCharacter(9)));
        assert_eq!(short_text("a\nb", 256), Err(TextError::ControlCharacter(10)));
        assert_eq!(short_text("x\u{7f}", 256), Err(TextError::ControlCharacter(0x7f)));
        assert_eq!(short_text("x\u{85}", 256), Err(TextError::ControlCharacter(0x85)));
    }

    #[test]
    fn nul_and_blanks_are_never_text() {
        for value in ["\0", " \0 ", "a\0b"] {
            assert_eq!(short_text(value, 256), Err(TextError::ControlCharacter(0)), "{value:?}");
            assert_eq!(long_text(value, 256), Err(TextError::ControlCharacter(0)), "{value:?}");
        }
        for value in ["", " ", "\t", " \u{3000} "] {
            assert_eq!(long_text(value, 256), Err(TextError::Empty), "{value:?}");
        }
        assert_eq!(short_text("   ", 256), Err(TextError::Empty));
    }

    #[test]
    fn long_texts_keep_their_layout() {
        assert_eq!(long_text("line 1\r\n\tline 2\n", 100), Ok("line 1\r\n\tline 2".to_owned()));
        assert_eq!(long_text("bell\u{7}", 100), Err(TextError::ControlCharacter(7)));
        assert_eq!(long_text("escape\u{1b}[31m", 100), Err(TextError::ControlCharacter(0x1b)));
    }

    #[test]
    fn length_counts_characters_after_trimming() {
        assert_eq!(short_text(&"é".repeat(5), 5), Ok("é".repeat(5)));
        assert_eq!(short_text(&format!("  {}  ", "a".repeat(5)), 5), Ok("a".repeat(5)));
        assert_eq!(short_text(&"a".repeat(6), 5), Err(TextError::TooLong { max: 5 }));
    }

    #[test]
    fn the_first_forbidden_control_is_named() {
        assert_eq!(forbidden_control("ok\ttab", true), None);
        assert_eq!(forbidden_control("ok\ttab", false), Some('\t'));
        assert_eq!(forbidden_control("plain", false), None);
    }
}
