// Self-service from the app (help pages 002, 003 method 3): the person's authenticators, a new
// PIN for another app, blocking, password access, profile changes and the user ID.
// Platform-neutral Kotlin, tested on the JVM.
package dk.mitid.core.screens

import dk.mitid.core.App
import dk.mitid.core.AuthenticatorOverview
import dk.mitid.core.BlockTarget
import dk.mitid.core.Confirm
import kotlinx.coroutines.flow.StateFlow

/** Self-service for the user [localId]: the state shows the person's authenticators. */
class SelfServiceScreen(private val app: App, private val localId: String) {
    private val model = ActionModel<AuthenticatorOverview>()

    /** The state to render. */
    val state: StateFlow<ActionState<AuthenticatorOverview>> get() = model.state

    /** Loads the person's authenticators (named as the app's method, as every action here is). */
    suspend fun authenticators() = model.perform({ it }) { app.authenticators(localId) }

    /** "Send new PIN" to another of the person's apps: a temporary PIN by SMS. */
    suspend fun sendNewPin(authenticatorId: String) = model.perform { app.sendNewPin(localId, authenticatorId) }

    /** Blocks an authenticator or the whole MitID ([confirm] null only for this app). */
    suspend fun block(target: BlockTarget, confirm: Confirm?) =
        model.perform({ it }) { app.block(localId, target, confirm) }

    /** Requests access to change the password (open after 24 hours). */
    suspend fun requestPasswordAccess() = model.perform { app.requestPasswordAccess(localId) }

    /** Requests access to change profile information (open one hour later). */
    suspend fun requestProfileChange(confirm: Confirm) = model.perform { app.requestProfileChange(localId, confirm) }

    /** The live request for access to change profile information, if any. */
    suspend fun profileChangeWindow() = model.perform { app.profileChangeWindow(localId) }

    /** Checks a wanted user ID against the rules here; its canonical form. */
    fun checkUserId(wanted: String): Result<String> = try {
        Result.success(app.checkUserId(wanted))
    } catch (e: dk.mitid.core.MitidException) {
        Result.failure(e)
    }

    /** Changes the user ID inside the opened access; the new user ID. */
    suspend fun changeUserId(wanted: String, confirm: Confirm) =
        model.perform { app.changeUserId(localId, wanted, confirm) }
}
