//! Text the app shows the citizen before they approve (the service provider's reference
//! texts): it must show what it says. Control characters, bidirectional overrides and
//! invisible characters can make a text display differently from what it contains (an
//! amount reversed by U+202E, a line pushed out of sight), so they are refused.

/// Why a text may not be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DisplayTextError {
    /// A control character (newlines only where allowed).
    #[error("the text holds a control character")]
    Control,
    /// A bidirectional formatting or invisible character.
    #[error("the text holds a bidirectional formatting or invisible character")]
    Formatting,
}

/// Characters that change how a text looks without being seen, or that a screen may draw
/// as something else: format characters (Cf: bidirectional controls, zero-width
/// characters, the soft hyphen, tags), line and paragraph separators (which text views
/// draw as line breaks), private-use and unassigned code points, and the default-ignorable
/// characters of other categories (blank Hangul fillers, variation selectors, the
/// combining grapheme joiner, Mongolian and Khmer invisibles).
fn is_hidden_format(c: char) -> bool {
    use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
    matches!(
        c.general_category(),
        G::Format | G::LineSeparator | G::ParagraphSeparator | G::PrivateUse | G::Unassigned
    ) || matches!(c,
        '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FFA0}' | '\u{E0100}'..='\u{E01EF}')
}

/// Checks `text` for the app's screen; `newlines` allows line breaks (a body, not a header).
pub fn check(text: &str, newlines: bool) -> Result<(), DisplayTextError> {
    for c in text.chars() {
        if c.is_control() && !(newlines && c == '\n') {
            return Err(DisplayTextError::Control);
        }
        if is_hidden_format(c) {
            return Err(DisplayTextError::Formatting);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_danish_text_passes_and_tricks_do_not() {
        assert_eq!(check("Betal 1.250,00 kr. til Føtex", false), Ok(()));
        assert_eq!(check("Linje 1\nLinje 2", true), Ok(()));
        assert_eq!(
            check("Linje 1\nLinje 2", false),
            Err(DisplayTextError::Control)
        );
        assert_eq!(check("a\tb", true), Err(DisplayTextError::Control));
        assert_eq!(check("a\u{7}b", true), Err(DisplayTextError::Control));
        assert_eq!(
            check("Pay 10\u{202E}00001", true),
            Err(DisplayTextError::Formatting)
        );
        assert_eq!(check("x\u{2067}y", true), Err(DisplayTextError::Formatting));
        assert_eq!(
            check("zero\u{200B}width", true),
            Err(DisplayTextError::Formatting)
        );
        assert_eq!(
            check("bom\u{FEFF}", true),
            Err(DisplayTextError::Formatting)
        );
    }

    /// What a screen draws as a line break, as blank space or not at all, beyond the
    /// bidirectional and zero-width characters (a review found these passed).
    #[test]
    fn separators_fillers_tags_and_unassigned_characters_do_not_pass() {
        for c in [
            '\u{2028}',
            '\u{2029}',
            '\u{00AD}',
            '\u{180E}',
            '\u{206A}',
            '\u{E0001}',
            '\u{E0041}',
            '\u{FE0F}',
            '\u{034F}',
            '\u{115F}',
            '\u{3164}',
            '\u{FFA0}',
            '\u{E000}',
            '\u{0378}',
        ] {
            let text = format!("Log på Skat{c}");
            assert_eq!(
                check(&text, true),
                Err(DisplayTextError::Formatting),
                "U+{:04X}",
                u32::from(c)
            );
        }
        assert_eq!(check("Kr. 1.250,00 – Ærø Å ü ß € «»", false), Ok(()));
    }
}
