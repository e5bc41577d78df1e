// ANDROID ONLY (Jetpack Compose): the flows that lead to a new PIN or show the user ID, one
// branch per step of the core: activation (help page 003, or the passport), a new PIN (help
// page 003: the current PIN, biometrics, a temporary PIN or the passport) and "View user ID"
// (help page 004). No default branches: a step added to the core fails this build.
package dk.mitid.app.ui

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import dk.mitid.core.ActivationStep
import dk.mitid.core.App
import dk.mitid.core.UiText
import dk.mitid.core.NewPinStart
import dk.mitid.core.NewPinStep
import dk.mitid.core.UserIdStep
import dk.mitid.core.screens.ActivationScreen
import dk.mitid.core.screens.NewPinScreen
import dk.mitid.core.screens.UserIdScreen

/** Activating the app for a user: the activation code (or the passport), the temporary PIN, a new PIN. */
@Composable
fun ActivationFlowScreen(app: App, leave: () -> Unit) {
    val screen = rememberFlow(Unit) { ActivationScreen(app.startActivation()) }.getOrElse { return Failed(it, leave) }
    val state by screen.state.collectAsState()
    val act = rememberActions(screen)
    val busy = state.busy
    Page(text(UiText.ADD_USER)) {
        ErrorText(state.error)
        when (val step = state.step) {
            ActivationStep.EnterUserId -> Entry(UiText.USER_ID, busy) { act { submitUserId(it) } }
            is ActivationStep.EnterActivationCode -> {
                Text(step.userId, style = MaterialTheme.typography.titleMedium)
                Entry(UiText.ACTIVATION_CODE, busy) { act { submitActivationCode(it) } }
                TextButton(enabled = !busy, onClick = { act { usePassport() } }) { Text(text(UiText.USE_PASSPORT)) }
            }
            is ActivationStep.AcceptTerms -> AcceptTermsStep(screen, busy)
            ActivationStep.ChooseDocumentOrigin -> DocumentOriginStep(screen, busy)
            ActivationStep.EnterPCode -> PCodeStep(screen, busy)
            ActivationStep.EnterDocumentDetails -> DocumentDetailsStep(screen, busy)
            ActivationStep.ReadChip -> ReadChipStep(screen, busy)
            ActivationStep.CaptureFace -> CaptureFaceStep(screen, busy)
            is ActivationStep.EnterTemporaryPin -> {
                Text("${text(UiText.TEMPORARY_PIN_SENT_TO)} ${step.smsSentTo}")
                PinPad(UiText.TEMPORARY_PIN, busy, length = 8) { act { submitTemporaryPin(it) } }
            }
            ActivationStep.ChooseNewPin -> PinPad(UiText.CHOOSE_NEW_PIN, busy) { act { submitNewPin(it) } }
            ActivationStep.RepeatNewPin -> PinPad(UiText.REPEAT_NEW_PIN, busy) { act { submitRepeatPin(it) } }
            ActivationStep.Interrupted -> Retry(busy) { act { retry() } }
            ActivationStep.ChooseBiometrics -> YesNo(UiText.CHOOSE_BIOMETRICS, busy) { act { chooseBiometrics(it) } }
            ActivationStep.ChooseNotifications -> YesNo(UiText.CHOOSE_NOTIFICATIONS, busy) { act { chooseNotifications(it) } }
            is ActivationStep.Done -> Finished(UiText.ACTIVATION_DONE, leave = leave)
            ActivationStep.Ended -> Finished(UiText.ENDED, UiText.BACK, leave)
        }
        Busy(busy)
        // No cancel once the user exists (the last two questions): the core refuses it there.
        // Every step named, so that a step added to the core fails this build.
        val cancellable = when (state.step) {
            is ActivationStep.Done, ActivationStep.Ended,
            ActivationStep.ChooseBiometrics, ActivationStep.ChooseNotifications -> false
            ActivationStep.EnterUserId, is ActivationStep.EnterActivationCode,
            is ActivationStep.AcceptTerms, ActivationStep.ChooseDocumentOrigin,
            ActivationStep.EnterPCode, ActivationStep.EnterDocumentDetails, ActivationStep.ReadChip,
            ActivationStep.CaptureFace, is ActivationStep.EnterTemporaryPin,
            ActivationStep.ChooseNewPin, ActivationStep.RepeatNewPin,
            ActivationStep.Interrupted -> true
        }
        if (cancellable) TextButton(enabled = !busy, onClick = { act { cancel() } }) { Text(text(UiText.CANCEL)) }
    }
}

/** A new PIN, authorised as the flow was started ([start]). */
@Composable
fun NewPinFlowScreen(app: App, localId: String, start: NewPinStart, leave: () -> Unit) {
    val screen = rememberFlow(localId to start) { NewPinScreen(app.newPinFlow(localId, start)) }
        .getOrElse { return Failed(it, leave) }
    val state by screen.state.collectAsState()
    val act = rememberActions(screen)
    val busy = state.busy
    Page(text(UiText.ACTION_CHANGE_PIN)) {
        ErrorText(state.error)
        when (val step = state.step) {
            is NewPinStep.EnterCurrentPin -> {
                PinPad(UiText.CURRENT_PIN, busy) { act { submitCurrentPin(it) } }
                if (step.biometricsOffered) {
                    OutlinedButton(enabled = !busy, onClick = { act { useBiometrics() } }) { Text(text(UiText.USE_BIOMETRICS)) }
                }
            }
            NewPinStep.EnterTemporaryPin -> PinPad(UiText.TEMPORARY_PIN, busy, length = 8) { act { submitTemporaryPin(it) } }
            is NewPinStep.AcceptTerms -> AcceptTermsStep(screen, busy)
            NewPinStep.ChooseDocumentOrigin -> DocumentOriginStep(screen, busy)
            NewPinStep.EnterPCode -> PCodeStep(screen, busy)
            NewPinStep.EnterDocumentDetails -> DocumentDetailsStep(screen, busy)
            NewPinStep.ReadChip -> ReadChipStep(screen, busy)
            NewPinStep.CaptureFace -> CaptureFaceStep(screen, busy)
            NewPinStep.ChooseNewPin -> PinPad(UiText.CHOOSE_NEW_PIN, busy) { act { submitNewPin(it) } }
            NewPinStep.RepeatNewPin -> PinPad(UiText.REPEAT_NEW_PIN, busy) { act { submitRepeatPin(it) } }
            NewPinStep.Interrupted -> Retry(busy) { act { retry() } }
            is NewPinStep.ChooseBiometrics -> YesNo(UiText.CHOOSE_BIOMETRICS, busy) { act { chooseBiometrics(it) } }
            NewPinStep.Done -> Finished(UiText.NEW_PIN_DONE, leave = leave)
            NewPinStep.Ended -> Finished(UiText.ENDED, UiText.BACK, leave)
        }
        Busy(busy)
        // Leaving closes the flow (rememberFlow); nothing is registered until the last step.
        if (state.step != NewPinStep.Done && state.step != NewPinStep.Ended) LeaveButton(busy, leave)
    }
}

/** "View user ID": the passport and the face, the user ID, "Change user ID", save. */
@Composable
fun UserIdFlowScreen(app: App, localId: String, leave: () -> Unit) {
    val screen = rememberFlow(localId) { UserIdScreen(app.userIdFlow(localId)) }.getOrElse { return Failed(it, leave) }
    val state by screen.state.collectAsState()
    val act = rememberActions(screen)
    val busy = state.busy
    Page(text(UiText.ACTION_VIEW_USER_ID)) {
        ErrorText(state.error)
        when (val step = state.step) {
            is UserIdStep.AcceptTerms -> AcceptTermsStep(screen, busy)
            UserIdStep.ChooseDocumentOrigin -> DocumentOriginStep(screen, busy)
            UserIdStep.EnterPCode -> PCodeStep(screen, busy)
            UserIdStep.EnterDocumentDetails -> DocumentDetailsStep(screen, busy)
            UserIdStep.ReadChip -> ReadChipStep(screen, busy)
            UserIdStep.CaptureFace -> CaptureFaceStep(screen, busy)
            is UserIdStep.ShowUserId -> {
                Text(text(UiText.YOUR_USER_ID))
                Text(step.userId, style = MaterialTheme.typography.titleLarge)
                OutlinedButton(enabled = !busy, onClick = { act { changeUserId() } }) { Text(text(UiText.ACTION_CHANGE_USER_ID)) }
                TextButton(onClick = leave) { Text(text(UiText.DONE)) }
            }
            is UserIdStep.EnterNewUserId -> {
                Text("${text(UiText.YOUR_USER_ID)}: ${step.current}")
                Entry(UiText.NEW_USER_ID, busy, button = UiText.SAVE) { act { submitNewUserId(it) } }
            }
            is UserIdStep.Done -> {
                Text(step.userId, style = MaterialTheme.typography.titleLarge)
                Finished(UiText.USER_ID_SAVED, leave = leave)
            }
            UserIdStep.Ended -> Finished(UiText.ENDED, UiText.BACK, leave)
        }
        Busy(busy)
        if (state.step !is UserIdStep.Done && state.step != UserIdStep.Ended) LeaveButton(busy, leave)
    }
}

/** Leaves a flow before its end (disabled while the core works). */
@Composable
private fun LeaveButton(busy: Boolean, leave: () -> Unit) {
    TextButton(enabled = !busy, onClick = leave) { Text(text(UiText.CANCEL)) }
}

/** An interrupted step: nothing was lost; try again. */
@Composable
private fun Retry(busy: Boolean, retry: () -> Unit) {
    Text(text(UiText.INTERRUPTED))
    OutlinedButton(enabled = !busy, onClick = retry) { Text(text(UiText.TRY_AGAIN)) }
}
