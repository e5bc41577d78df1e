// The screens' words: every title, field and button comes from the core's list of labels, in
// the phone's language (Danish unless it is English). Platform-neutral Kotlin, tested on the JVM.
package dk.mitid.core.screens

import dk.mitid.core.App
import dk.mitid.core.AuthenticatorKind
import dk.mitid.core.AuthenticatorState
import dk.mitid.core.DocumentTerms
import dk.mitid.core.HomeAction
import dk.mitid.core.UiText
import dk.mitid.core.Language
import dk.mitid.core.MitidException
import dk.mitid.core.ScreenRisk
import dk.mitid.core.UserStatus
import java.util.concurrent.ConcurrentHashMap

/**
 * The core's texts in one [language]; the screens never write their own. Each is fetched
 * across the FFI once and kept: screens ask again at every recomposition.
 */
class Texts(private val app: App, val language: Language) {
    private val fetched = ConcurrentHashMap<UiText, String>()

    /** A screen's fixed text. */
    operator fun get(label: UiText): String = fetched.getOrPut(label) { app.text(label, language) }

    /** A home-screen action's button for a user in [status]. */
    fun action(action: HomeAction, status: UserStatus): String = get(app.homeActionText(action, status))

    /** A user's state. */
    fun status(status: UserStatus): String = get(app.statusText(status))

    /** An authenticator's kind in self-service. */
    fun kind(kind: AuthenticatorKind): String = get(app.authenticatorKindText(kind))

    /** An authenticator's state in self-service. */
    fun state(state: AuthenticatorState): String = get(app.authenticatorStateText(state))

    /** An error's text for the citizen. */
    fun error(error: MitidException): String = error.message(language)

    /** The warning shown before the factors while the screen is shared or remotely controlled. */
    fun screenRisk(risk: ScreenRisk): String = app.screenRiskWarning(risk, language)

    /** The passport check's terms and conditions. */
    fun documentTerms(): DocumentTerms = app.documentTerms(language)

    companion object {
        /** The texts for the platform's language tag (Android: `Locale.getDefault().toLanguageTag()`). */
        fun forLanguageTag(app: App, tag: String) = Texts(app, app.languageFor(tag))
    }
}
