// ANDROID ONLY (Jetpack Compose): where the app is, and the screens over the open core. Every
// step and error is the core's (through the screen models of :mitid-core); this file only
// chooses which screen is shown.
package dk.mitid.app.ui

import androidx.activity.compose.BackHandler
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.compose.foundation.layout.padding
import dk.mitid.core.App
import dk.mitid.core.HomeAction
import dk.mitid.core.Language
import dk.mitid.core.MitidException
import dk.mitid.core.NewPinStart

/** Where the app is. */
private sealed interface Destination {
    data object Home : Destination
    data object Activation : Destination
    data class Approval(val localId: String) : Destination
    data class ForgotPin(val localId: String) : Destination
    data class NewPin(val localId: String, val start: NewPinStart) : Destination
    data class UserId(val localId: String) : Destination
    data class Settings(val localId: String) : Destination
    data class SelfService(val localId: String) : Destination
}

/** Where a home-screen action leads for the user [localId]. */
private fun destinationOf(action: HomeAction, localId: String): Destination = when (action) {
    HomeAction.APPROVE -> Destination.Approval(localId)
    HomeAction.CHANGE_PIN -> Destination.NewPin(localId, NewPinStart.CURRENT_PIN)
    HomeAction.TEMPORARY_PIN -> Destination.ForgotPin(localId)
    HomeAction.ENABLE_BIOMETRICS, HomeAction.DISABLE_BIOMETRICS, HomeAction.REMOVE_USER -> Destination.Settings(localId)
    HomeAction.VIEW_USER_ID, HomeAction.CHANGE_USER_ID -> Destination.UserId(localId)
    HomeAction.SELF_SERVICE -> Destination.SelfService(localId)
    HomeAction.ACTIVATE_ANEW -> Destination.Activation
}

/** The app's screens over the open core, with the platform's [shell]. */
@Composable
fun MitidNavigation(app: App, shell: Shell) {
    var destination by remember { mutableStateOf<Destination>(Destination.Home) }
    val home = { destination = Destination.Home }
    // The system back from any flow leads home (closing the flow), not out of the app.
    BackHandler(enabled = destination != Destination.Home, onBack = home)
    CompositionLocalProvider(LocalShell provides shell) {
        MaterialTheme {
            when (val d = destination) {
                Destination.Home -> HomeView(
                    app,
                    onAddUser = { destination = Destination.Activation },
                    onAction = { action, localId -> destination = destinationOf(action, localId) },
                    onSettings = { destination = Destination.Settings(it) },
                )
                Destination.Activation -> ActivationFlowScreen(app, home)
                is Destination.Approval -> ApprovalFlowScreen(app, d.localId, home)
                is Destination.ForgotPin -> ForgotPinRoutes(home) { destination = Destination.NewPin(d.localId, it) }
                is Destination.NewPin -> NewPinFlowScreen(app, d.localId, d.start, home)
                is Destination.UserId -> UserIdFlowScreen(app, d.localId, home)
                is Destination.Settings -> SettingsView(
                    app,
                    d.localId,
                    leave = home,
                    onNewPin = { start ->
                        destination = start?.let { Destination.NewPin(d.localId, it) } ?: Destination.ForgotPin(d.localId)
                    },
                    onUserId = { destination = Destination.UserId(d.localId) },
                )
                is Destination.SelfService -> SelfServiceView(app, d.localId, home)
            }
        }
    }
}

/** The core could not be opened (e.g. a misconfigured server key pin); the core's text, in [language]. */
@Composable
fun StartupError(error: MitidException?, language: Language) {
    MaterialTheme {
        Text(error?.message(language) ?: "MitID", Modifier.padding(24.dp))
    }
}
