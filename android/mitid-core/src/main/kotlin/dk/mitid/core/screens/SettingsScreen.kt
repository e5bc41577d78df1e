// "Menu → App settings" for one user (help pages 003, 004): PIN code, biometrics, the user ID,
// notifications, removing the user. Platform-neutral Kotlin, tested on the JVM.
package dk.mitid.core.screens

import dk.mitid.core.App
import dk.mitid.core.NewPinStart
import dk.mitid.core.UserSummary
import kotlinx.coroutines.flow.StateFlow

/**
 * App settings of the user [localId]: the state shows the user as the server last reported
 * them. The PIN and user ID entries open their own screen models.
 */
class SettingsScreen(private val app: App, private val localId: String) {
    private val model = ActionModel<UserSummary>()

    /** The state to render. */
    val state: StateFlow<ActionState<UserSummary>> get() = model.state

    /** Asks the server for the user's state. */
    suspend fun status() = model.perform({ it }) { app.status(localId) }

    /** "Approve with biometrics" on: confirmed with the PIN, then the platform prompt. */
    suspend fun enableBiometrics(pin: String) = model.perform({ it }) {
        app.enableBiometrics(localId, pin)
        app.status(localId)
    }

    /** "Approve with biometrics" off. */
    suspend fun disableBiometrics() = model.perform({ it }) {
        app.disableBiometrics(localId)
        app.status(localId)
    }

    /** Consecutive biometric failures (the PIN is required at 5). */
    fun biometricFailures(): UInt = app.biometricFailures(localId)

    /** The notification choice made at activation, if any. */
    fun notificationsAllowed(): Boolean? = app.notificationsAllowed(localId)

    /** "Change your PIN code": with the current PIN or biometrics. */
    fun changePin() = NewPinScreen(app.newPinFlow(localId, NewPinStart.CURRENT_PIN))

    /** "Forgot your PIN code?": a temporary PIN, or the passport or ID card. */
    fun forgotPin(route: NewPinStart) = NewPinScreen(app.newPinFlow(localId, route))

    /** "View user ID". */
    fun viewUserId() = UserIdScreen(app.userIdFlow(localId))

    /** Removes the user and their keys from this app (the server is told first when possible). */
    suspend fun removeUser() = model.perform<Unit> { app.removeUser(localId) }
}
