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

/// Bidirectional formatting and zero-width characters (Unicode format characters that
/// change how a text looks without being seen).
fn is_hidden_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
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
}
