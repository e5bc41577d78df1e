// The screens' words: every title, field and button comes from the core's list of labels, in
// the phone's language (Danish unless it is English). Platform-neutral Swift, tested on Linux.
import Foundation
import MitidCore

/// The core's texts in one `language`; the screens never write their own.
public struct Texts: Sendable {
    private let app: App
    /// The language of every text.
    public let language: Language

    /// The texts in `language`.
    public init(app: App, language: Language) {
        self.app = app
        self.language = language
    }

    /// The texts for the platform's language tag (iOS: `Locale.preferredLanguages.first`).
    public init(app: App, languageTag: String) {
        self.init(app: app, language: app.languageFor(tag: languageTag))
    }

    /// A screen's fixed text.
    public subscript(_ label: UiText) -> String {
        app.text(text: label, lang: language)
    }

    /// A home-screen action's button for a user in `status`.
    public func action(_ action: HomeAction, status: UserStatus) -> String {
        self[app.homeActionText(action: action, status: status)]
    }

    /// A user's state.
    public func status(_ status: UserStatus) -> String {
        self[app.statusText(status: status)]
    }

    /// An error's text for the citizen.
    public func error(_ error: MitidError) -> String {
        error.message(language: language)
    }

    /// The warning shown before the factors while the screen is shared or remotely controlled.
    public func screenRisk(_ risk: ScreenRisk) -> String {
        app.screenRiskWarning(risk: risk, lang: language)
    }

    /// The passport check's terms and conditions.
    public func documentTerms() -> DocumentTerms {
        app.documentTerms(lang: language)
    }
}
