// The screens' words: every title, field and button comes from the core's list of labels, in
// the phone's language (Danish unless it is English). Platform-neutral Swift, tested on Linux.
import Foundation
import MitidCore

/// The core's texts in one `language`; the screens never write their own. Each is fetched
/// across the FFI once and kept: views ask again at every evaluation of their body.
public struct Texts: Sendable {
    private let app: App
    private let fetched = Fetched()
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
        fetched.text(label) { app.text(text: label, lang: language) }
    }

    /// A home-screen action's button for a user in `status`.
    public func action(_ action: HomeAction, status: UserStatus) -> String {
        self[app.homeActionText(action: action, status: status)]
    }

    /// A user's state.
    public func status(_ status: UserStatus) -> String {
        self[app.statusText(status: status)]
    }

    /// An authenticator's kind in self-service.
    public func kind(_ kind: AuthenticatorKind) -> String {
        self[app.authenticatorKindText(kind: kind)]
    }

    /// An authenticator's state in self-service.
    public func state(_ state: AuthenticatorState) -> String {
        self[app.authenticatorStateText(state: state)]
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

/// The texts fetched so far (shared by the copies of one `Texts`).
private final class Fetched: @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [UiText: String] = [:]

    func text(_ label: UiText, fetch: () -> String) -> String {
        lock.lock()
        defer { lock.unlock() }
        if let known = texts[label] { return known }
        let text = fetch()
        texts[label] = text
        return text
    }
}
