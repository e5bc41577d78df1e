// ANDROID ONLY (Jetpack Compose): the home screen of every app state (the core's actions per
// user, "Select user"), the menu's App settings (help pages 003, 004) and self-service.
package dk.mitid.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import dk.mitid.core.App
import dk.mitid.core.AuthenticatorKind
import dk.mitid.core.AuthenticatorState
import dk.mitid.core.AuthenticatorSummary
import dk.mitid.core.BlockTarget
import dk.mitid.core.Confirm
import dk.mitid.core.HomeAction
import dk.mitid.core.HomeUser
import dk.mitid.core.UiText
import dk.mitid.core.NewPinStart
import dk.mitid.core.UserStatus
import dk.mitid.core.screens.HomeScreen
import dk.mitid.core.screens.SelfServiceScreen
import dk.mitid.core.screens.SettingsScreen
import kotlinx.coroutines.launch

/** The users on the app, each with what the core offers them now. */
@Composable
fun HomeView(app: App, onAddUser: () -> Unit, onAction: (HomeAction, String) -> Unit, onSettings: (String) -> Unit) {
    // HomeScreen reads the local store; should that fail, the error is shown, not a crash.
    val opened = remember { runCatching { HomeScreen(app) } }
    val screen = opened.getOrElse { return Failed(it) {} }
    val state by screen.state.collectAsState()
    val texts = LocalShell.current.texts
    LaunchedEffect(Unit) { screen.refresh() }
    Page(text(UiText.APP_TITLE)) {
        ErrorText(state.error)
        Busy(state.busy)
        if (state.step.pendingRecoveries > 0u) Text(text(UiText.PENDING_RECOVERIES))
        val several = state.step.users.size > 1
        if (several) Text(text(UiText.SELECT_USER), style = MaterialTheme.typography.titleMedium)
        for (entry in state.step.users) {
            HorizontalDivider()
            UserRow(entry, several, onSelect = { screen.selectUser(it) })
            if (entry.user.selected || !several) {
                for (action in entry.actions) {
                    OutlinedButton(onClick = { onAction(action, entry.user.localId) }) {
                        Text(texts.action(action, entry.user.status))
                    }
                }
                TextButton(onClick = { onSettings(entry.user.localId) }) { Text(text(UiText.APP_SETTINGS)) }
            }
        }
        HorizontalDivider()
        if (state.step.canAddUser) TextButton(onClick = onAddUser) { Text(text(UiText.ADD_USER)) }
    }
}

/** One user: the user ID and the state; with several users, a tap selects them. */
@Composable
private fun UserRow(entry: HomeUser, several: Boolean, onSelect: (String) -> Unit) {
    val texts = LocalShell.current.texts
    val status = texts.status(entry.user.status)
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text(entry.user.userId, style = MaterialTheme.typography.titleMedium)
        Text(status, color = if (entry.user.status == UserStatus.READY) MaterialTheme.colorScheme.onSurface else MaterialTheme.colorScheme.error)
        if (several && !entry.user.selected) {
            TextButton(
                onClick = { onSelect(entry.user.localId) },
                modifier = Modifier.semantics { contentDescription = "${texts[UiText.SELECT_USER]}: ${entry.user.userId}" },
            ) { Text(text(UiText.SELECT_USER)) }
        }
    }
}

/** "Forgot your PIN code?": the temporary PIN or the passport or ID card. */
@Composable
fun ForgotPinRoutes(leave: () -> Unit, onRoute: (NewPinStart) -> Unit) {
    Page(text(UiText.FORGOT_YOUR_PIN)) {
        Button(onClick = { onRoute(NewPinStart.TEMPORARY_PIN) }) { Text(text(UiText.ROUTE_TEMPORARY_PIN)) }
        Button(onClick = { onRoute(NewPinStart.PASSPORT) }) { Text(text(UiText.ROUTE_PASSPORT)) }
        TextButton(onClick = leave) { Text(text(UiText.BACK)) }
    }
}

/** Menu → App settings of one user: PIN code, biometrics, the user ID, notifications, removal. */
@Composable
fun SettingsView(
    app: App,
    localId: String,
    leave: () -> Unit,
    onNewPin: (NewPinStart?) -> Unit,
    onUserId: () -> Unit,
) {
    val screen = remember(localId) { SettingsScreen(app, localId) }
    val state by screen.state.collectAsState()
    val scope = rememberActionScope()
    var confirmingBiometrics by remember { mutableStateOf(false) }
    var removing by remember { mutableStateOf(false) }
    LaunchedEffect(localId) { screen.status() }
    Page(text(UiText.APP_SETTINGS)) {
        ErrorText(state.error)
        Busy(state.busy)
        val user = state.value ?: return@Page
        Text(user.userId, style = MaterialTheme.typography.titleMedium)
        Text(text(UiText.PIN_CODE_SECTION), style = MaterialTheme.typography.titleSmall)
        // Nothing leaves the screen while an action runs (a removal half done, say).
        OutlinedButton(enabled = !state.busy, onClick = { onNewPin(NewPinStart.CURRENT_PIN) }) { Text(text(UiText.CHANGE_YOUR_PIN)) }
        // null: the route is chosen next ("Forgot your PIN code?").
        OutlinedButton(enabled = !state.busy, onClick = { onNewPin(null) }) { Text(text(UiText.FORGOT_YOUR_PIN)) }
        HorizontalDivider()
        val biometrics = text(UiText.BIOMETRICS_SECTION)
        Text(biometrics)
        Switch(
            checked = user.biometricsEnabled,
            enabled = !state.busy,
            onCheckedChange = { on -> if (on) confirmingBiometrics = true else scope.launch { screen.disableBiometrics() } },
            // TalkBack reads the switch's own on/off state after this name.
            modifier = Modifier.semantics { contentDescription = biometrics },
        )
        if (confirmingBiometrics) {
            PinPad(UiText.CONFIRM_WITH_PIN, state.busy) { pin ->
                confirmingBiometrics = false
                scope.launch { screen.enableBiometrics(pin) }
            }
            TextButton(onClick = { confirmingBiometrics = false }) { Text(text(UiText.CANCEL)) }
        }
        HorizontalDivider()
        OutlinedButton(enabled = !state.busy, onClick = onUserId) { Text(text(UiText.ACTION_VIEW_USER_ID)) }
        runCatching { screen.notificationsAllowed() }.getOrNull()?.let { allowed ->
            Text("${text(UiText.NOTIFICATIONS_SECTION)}: ${text(if (allowed) UiText.YES else UiText.NO)}")
        }
        HorizontalDivider()
        TextButton(enabled = !state.busy, onClick = { removing = true }) { Text(text(UiText.ACTION_REMOVE_USER)) }
        TextButton(onClick = leave) { Text(text(UiText.BACK)) }
    }
    if (removing) {
        AlertDialog(
            onDismissRequest = { removing = false },
            text = { Text(text(UiText.REMOVE_USER_QUESTION)) },
            confirmButton = {
                TextButton(enabled = !state.busy, onClick = {
                    removing = false
                    scope.launch { if (screen.removeUser().isSuccess) leave() }
                }) { Text(text(UiText.YES)) }
            },
            dismissButton = { TextButton(onClick = { removing = false }) { Text(text(UiText.NO)) } },
        )
    }
}

/** Self-service: the person's authenticators, "Send new PIN", blocking, access requests. */
@Composable
fun SelfServiceView(app: App, localId: String, leave: () -> Unit) {
    val screen = remember(localId) { SelfServiceScreen(app, localId) }
    val state by screen.state.collectAsState()
    val scope = rememberActionScope()
    // An action waiting for the PIN that confirms it.
    var confirming by remember { mutableStateOf<(suspend (Confirm) -> Unit)?>(null) }
    LaunchedEffect(localId) { screen.authenticators() }
    Page(text(UiText.ACTION_SELF_SERVICE)) {
        ErrorText(state.error)
        Busy(state.busy)
        confirming?.let { action ->
            PinPad(UiText.CONFIRM_WITH_PIN, state.busy) { pin ->
                confirming = null
                scope.launch { action(Confirm.Pin(pin)) }
            }
            TextButton(onClick = { confirming = null }) { Text(text(UiText.CANCEL)) }
            return@Page
        }
        val overview = state.value ?: return@Page
        if (overview.mitidBlocked) Text(text(UiText.MITID_BLOCKED), color = MaterialTheme.colorScheme.error)
        for (authenticator in overview.authenticators) {
            HorizontalDivider()
            AuthenticatorRow(
                authenticator,
                busy = state.busy,
                sendNewPin = { scope.launch { screen.sendNewPin(authenticator.authenticatorId) } },
                block = { permanent ->
                    val target = BlockTarget.Authenticator(authenticator.authenticatorId, permanent)
                    // Blocking this app needs no confirmation: it is in the citizen's hand.
                    if (authenticator.thisApp && !permanent) {
                        scope.launch { screen.block(target, null) }
                    } else {
                        confirming = { confirm -> screen.block(target, confirm) }
                    }
                },
            )
        }
        HorizontalDivider()
        OutlinedButton(enabled = !state.busy, onClick = { scope.launch { screen.requestPasswordAccess() } }) {
            Text(text(UiText.REQUEST_PASSWORD_ACCESS))
        }
        OutlinedButton(enabled = !state.busy, onClick = { confirming = { confirm -> screen.requestProfileChange(confirm) } }) {
            Text(text(UiText.REQUEST_PROFILE_CHANGE))
        }
        if (!overview.mitidBlocked) {
            TextButton(enabled = !state.busy, onClick = { confirming = { confirm -> screen.block(BlockTarget.WholeMitid, confirm) } }) {
                Text(text(UiText.BLOCK_WHOLE_MITID), color = MaterialTheme.colorScheme.error)
            }
        }
        TextButton(onClick = leave) { Text(text(UiText.BACK)) }
    }
}

@Composable
private fun AuthenticatorRow(authenticator: AuthenticatorSummary, busy: Boolean, sendNewPin: () -> Unit, block: (Boolean) -> Unit) {
    val texts = LocalShell.current.texts
    val kind = texts.kind(authenticator.kind)
    Text(if (authenticator.thisApp) "$kind (${text(UiText.THIS_APP)})" else kind, style = MaterialTheme.typography.titleSmall)
    Text(texts.state(authenticator.state))
    val active = authenticator.state == AuthenticatorState.ACTIVE
    val usable = active || authenticator.state == AuthenticatorState.TEMPORARILY_LOCKED
    if (authenticator.kind == AuthenticatorKind.APP && !authenticator.thisApp && usable) {
        OutlinedButton(enabled = !busy, onClick = sendNewPin) { Text(text(UiText.SEND_NEW_PIN)) }
    }
    if (active) OutlinedButton(enabled = !busy, onClick = { block(false) }) { Text(text(UiText.BLOCK)) }
    if (usable) TextButton(enabled = !busy, onClick = { block(true) }) { Text(text(UiText.BLOCK_PERMANENTLY)) }
}
