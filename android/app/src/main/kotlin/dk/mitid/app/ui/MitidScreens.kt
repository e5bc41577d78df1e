// ANDROID ONLY (Jetpack Compose): the screens, rendering the screen-state adapters of
// :mitid-core (dk.mitid.core.screens). No rules here: every step and error is the core's.
package dk.mitid.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.ui.unit.dp
import dk.mitid.core.ActivationStep
import dk.mitid.core.App
import dk.mitid.core.ApprovalFactor
import dk.mitid.core.ApprovalStep
import dk.mitid.core.HomeAction
import dk.mitid.core.Language
import dk.mitid.core.MitidException
import dk.mitid.core.NewPinStart
import dk.mitid.core.NewPinStep
import dk.mitid.core.screens.ActivationScreen
import dk.mitid.core.screens.ApprovalScreen
import dk.mitid.core.screens.HomeScreen
import dk.mitid.core.screens.NewPinScreen
import kotlinx.coroutines.launch

/** Where the app is. */
private sealed interface Destination {
    data object Home : Destination
    data object Activation : Destination
    data class Approval(val localId: String) : Destination
    data class NewPin(val localId: String, val start: NewPinStart) : Destination
}

/** The app's screens over the open core. */
@Composable
fun MitidNavigation(app: App) {
    var destination by remember { mutableStateOf<Destination>(Destination.Home) }
    val back = { destination = Destination.Home }
    MaterialTheme {
        when (val d = destination) {
            Destination.Home -> Home(
                app,
                onAddUser = { destination = Destination.Activation },
                onAction = { action, localId ->
                    destination = when (action) {
                        HomeAction.APPROVE -> Destination.Approval(localId)
                        HomeAction.TEMPORARY_PIN -> Destination.NewPin(localId, NewPinStart.TEMPORARY_PIN)
                        else -> Destination.Home
                    }
                },
            )
            Destination.Activation -> Activation(app, back)
            is Destination.Approval -> Approval(app, d.localId, back)
            is Destination.NewPin -> NewPin(app, d.localId, d.start, back)
        }
    }
}

/** The core could not be opened (e.g. a misconfigured server pin). */
@Composable
fun StartupError(error: MitidException?) {
    MaterialTheme {
        Text(error?.message(Language.DANISH) ?: "MitID kunne ikke starte.", Modifier.padding(24.dp))
    }
}

/** A flow could not be started (e.g. the user was removed meanwhile). */
@Composable
private fun Failed(error: Throwable, done: () -> Unit) {
    Column(Modifier.padding(24.dp)) {
        ErrorText(error as? MitidException)
        TextButton(onClick = done) { Text("Tilbage") }
    }
}

@Composable
private fun ErrorText(error: MitidException?) {
    if (error != null) Text(error.message(Language.DANISH), color = MaterialTheme.colorScheme.error)
}

@Composable
private fun Home(app: App, onAddUser: () -> Unit, onAction: (HomeAction, String) -> Unit) {
    val screen = remember { HomeScreen(app) }
    val state by screen.state.collectAsState()
    LaunchedEffect(Unit) { screen.refresh() }
    Column(Modifier.fillMaxSize().padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text("MitID", style = MaterialTheme.typography.headlineMedium)
        ErrorText(state.error)
        for (entry in state.step.users) {
            Text("${entry.user.userId} — ${entry.user.status.name.lowercase()}")
            for (action in entry.actions.filter { it == HomeAction.APPROVE || it == HomeAction.TEMPORARY_PIN }) {
                Button(onClick = { onAction(action, entry.user.localId) }) {
                    Text(if (action == HomeAction.APPROVE) "Godkend" else "Glemt PIN-kode?")
                }
            }
        }
        if (state.step.canAddUser) TextButton(onClick = onAddUser) { Text("Tilføj bruger") }
    }
}

/** One text field and a button: the shape of most steps. */
@Composable
private fun Entry(label: String, secret: Boolean, busy: Boolean, onSubmit: (String) -> Unit) {
    var text by remember(label) { mutableStateOf("") }
    OutlinedTextField(
        value = text,
        onValueChange = { text = it },
        label = { Text(label) },
        singleLine = true,
        visualTransformation = if (secret) PasswordVisualTransformation() else androidx.compose.ui.text.input.VisualTransformation.None,
        keyboardOptions = KeyboardOptions(keyboardType = if (secret) KeyboardType.NumberPassword else KeyboardType.Text),
    )
    Button(enabled = !busy, onClick = { onSubmit(text); text = "" }) { Text("Fortsæt") }
}

@Composable
private fun YesNo(question: String, busy: Boolean, onAnswer: (Boolean) -> Unit) {
    Text(question)
    Button(enabled = !busy, onClick = { onAnswer(true) }) { Text("Ja") }
    TextButton(enabled = !busy, onClick = { onAnswer(false) }) { Text("Nej") }
}

@Composable
private fun Activation(app: App, done: () -> Unit) {
    val screen = remember { ActivationScreen(app.startActivation()) }
    val state by screen.state.collectAsState()
    val scope = rememberCoroutineScope()
    fun run(action: suspend ActivationScreen.() -> Unit) = scope.launch { screen.action() }
    Column(Modifier.padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        ErrorText(state.error)
        when (val step = state.step) {
            ActivationStep.EnterUserId -> Entry("Bruger-ID", false, state.busy) { run { submitUserId(it) } }
            is ActivationStep.EnterActivationCode -> Entry("Aktiveringskode", false, state.busy) { run { submitActivationCode(it) } }
            is ActivationStep.EnterTemporaryPin -> {
                Text("Vi har sendt en midlertidig PIN-kode til ${step.smsSentTo}.")
                Entry("Midlertidig PIN-kode", true, state.busy) { run { submitTemporaryPin(it) } }
            }
            ActivationStep.ChooseNewPin -> Entry("Vælg PIN-kode (6 cifre)", true, state.busy) { run { submitNewPin(it) } }
            ActivationStep.RepeatNewPin -> Entry("Gentag PIN-kode", true, state.busy) { run { submitRepeatPin(it) } }
            ActivationStep.Interrupted -> Button(onClick = { run { retry() } }) { Text("Prøv igen") }
            ActivationStep.ChooseBiometrics -> YesNo("Godkend med biometri?", state.busy) { run { chooseBiometrics(it) } }
            ActivationStep.ChooseNotifications -> YesNo("Tillad notifikationer?", state.busy) { run { chooseNotifications(it) } }
            is ActivationStep.Done -> Button(onClick = { screen.close(); done() }) { Text("Færdig") }
            ActivationStep.Ended -> Button(onClick = { screen.close(); done() }) { Text("Tilbage") }
        }
    }
}

@Composable
private fun Approval(app: App, localId: String, done: () -> Unit) {
    val opened = remember(localId) { runCatching { ApprovalScreen(app.approvalFlow(localId)) } }
    val screen = opened.getOrElse { return Failed(it, done) }
    val state by screen.state.collectAsState()
    val scope = rememberCoroutineScope()
    fun run(action: suspend ApprovalScreen.() -> Unit) = scope.launch { screen.action() }
    // Leaving the screen cancels the long poll (the handle is closed with the screen).
    androidx.compose.runtime.DisposableEffect(localId) { onDispose { screen.close() } }
    Column(Modifier.padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        ErrorText(state.error)
        when (val step = state.step) {
            ApprovalStep.Idle, ApprovalStep.NoRequest, ApprovalStep.Ended, is ApprovalStep.Done -> {
                if (step is ApprovalStep.Done) Text("Godkendt: ${step.outcome.name.lowercase()}")
                LaunchedEffect(step) { screen.waitForRequest() }
                TextButton(onClick = done) { Text("Tilbage") }
            }
            ApprovalStep.Waiting -> {
                Text("Venter på en anmodning …")
                TextButton(onClick = { screen.stopWaiting(); done() }) { Text("Tilbage") }
            }
            is ApprovalStep.EnterChannelBinding -> {
                Text(step.request.serviceProvider, style = MaterialTheme.typography.titleLarge)
                Text("${step.request.referenceHeader}\n${step.request.referenceBody}")
                Entry("Kode fra tjenesteudbyderen", false, state.busy) { run { enterCode(it) } }
                TextButton(onClick = { run { reject() } }) { Text("Afvis") }
            }
            is ApprovalStep.ChooseFactor -> {
                Text(step.request.serviceProvider, style = MaterialTheme.typography.titleLarge)
                if (ApprovalFactor.SWIPE in step.factors) Button(onClick = { run { approveWithSwipe() } }) { Text("Godkend") }
                if (ApprovalFactor.BIOMETRICS in step.factors) Button(onClick = { run { approveWithBiometrics() } }) { Text("Godkend med biometri") }
                if (ApprovalFactor.PIN in step.factors) Entry("PIN-kode", true, state.busy) { run { approveWithPin(it) } }
                TextButton(onClick = { run { reject() } }) { Text("Afvis") }
            }
        }
    }
}

@Composable
private fun NewPin(app: App, localId: String, start: NewPinStart, done: () -> Unit) {
    val opened = remember(localId, start) { runCatching { NewPinScreen(app.newPinFlow(localId, start)) } }
    val screen = opened.getOrElse { return Failed(it, done) }
    val state by screen.state.collectAsState()
    val scope = rememberCoroutineScope()
    fun run(action: suspend NewPinScreen.() -> Unit) = scope.launch { screen.action() }
    Column(Modifier.padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        ErrorText(state.error)
        when (val step = state.step) {
            is NewPinStep.EnterCurrentPin -> {
                Entry("Nuværende PIN-kode", true, state.busy) { run { submitCurrentPin(it) } }
                if (step.biometricsOffered) TextButton(onClick = { run { useBiometrics() } }) { Text("Brug biometri") }
            }
            NewPinStep.EnterTemporaryPin -> Entry("Midlertidig PIN-kode", true, state.busy) { run { submitTemporaryPin(it) } }
            NewPinStep.ChooseNewPin -> Entry("Vælg PIN-kode (6 cifre)", true, state.busy) { run { submitNewPin(it) } }
            NewPinStep.RepeatNewPin -> Entry("Gentag PIN-kode", true, state.busy) { run { submitRepeatPin(it) } }
            NewPinStep.Interrupted -> Button(onClick = { run { retry() } }) { Text("Prøv igen") }
            is NewPinStep.ChooseBiometrics -> YesNo("Godkend med biometri?", state.busy) { run { chooseBiometrics(it) } }
            NewPinStep.Done, NewPinStep.Ended -> Button(onClick = { screen.close(); done() }) { Text("Færdig") }
        }
    }
}
