//! The languages the core's user-facing texts come in.

crate::restatable! {
    /// Restates [`Language`] for the bindings ([`crate::restatable`]).
    macro restate_language;

    /// A language for the texts shown to the citizen.
    ///
    /// The shells normally localise by a rejection's stable code;
    /// these texts are the reference wording and the fallback.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub enum Language {
        /// Danish (`da`), the default: MitID's users are Danish first.
        #[default]
        Danish,
        /// English (`en`).
        English,
    }
}

impl Language {
    /// The BCP 47 language tag: `"da"` or `"en"`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Danish => "da",
            Self::English => "en",
        }
    }

    /// The language for a BCP 47 tag such as `"da"`, `"da-DK"` or `"en-GB"`, if supported.
    pub fn from_tag(tag: &str) -> Option<Self> {
        // Only the primary subtag matters: regional variants share the texts.
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("da") {
            Some(Self::Danish)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Self::English)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Language;

    #[test]
    fn tags_round_trip() {
        for lang in [Language::Danish, Language::English] {
            assert_eq!(Language::from_tag(lang.tag()), Some(lang));
        }
    }

    #[test]
    fn regional_tags_map_to_their_language() {
        assert_eq!(Language::from_tag("da-DK"), Some(Language::Danish));
        assert_eq!(Language::from_tag("EN_gb"), Some(Language::English));
        assert_eq!(Language::from_tag("sv"), None);
        assert_eq!(Language::from_tag(""), None);
    }
}
