// ANDROID ONLY (Jetpack Compose): approving a login (help page 000): the code typed or the QR
// scanned, the warning while the screen is shared or remotely controlled, then a swipe, the PIN
// or biometrics; or reject. No default branch: a step added to the core fails this build.
package dk.mitid.app.ui

import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
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
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import dk.mitid.core.App
import dk.mitid.core.ApprovalFactor
import dk.mitid.core.ApprovalOutcome
import dk.mitid.core.ApprovalRequest
import dk.mitid.core.ApprovalStep
import dk.mitid.core.ChannelBindingKind
import dk.mitid.core.UiText
import dk.mitid.core.screens.ApprovalScreen
import dk.mitid.core.screens.scanInto

/** The approval screens of one user; leaving them cancels the wait for a request. */
@Composable
fun ApprovalFlowScreen(app: App, localId: String, leave: () -> Unit) {
    val screen = rememberFlow(localId) { ApprovalScreen(app.approvalFlow(localId)) }.getOrElse { return Failed(it, leave) }
    val shell = LocalShell.current
    val state by screen.state.collectAsState()
    val risk by shell.screenRisk.collectAsState()
    val act = rememberActions(screen)
    // Every change of the platform's report reaches the core, which decides about the warning.
    LaunchedEffect(risk) { screen.reportScreenRisk(risk) }
    // The first wait starts with the screen, not with a step's branch: a report that moves the
    // step must not cancel it. Later waits start from "Look again".
    LaunchedEffect(Unit) { screen.waitForRequest() }
    val busy = state.busy
    // The camera is open (one scan at a time).
    var scanning by remember { mutableStateOf(false) }
    Page(text(UiText.ACTION_APPROVE)) {
        ErrorText(state.error)
        when (val step = state.step) {
            // Idle after a failed or stopped wait: look again by hand.
            ApprovalStep.Idle -> if (!busy) LookAgain(UiText.TRY_AGAIN, busy) { act { waitForRequest() } }
            ApprovalStep.Waiting -> Text(text(UiText.WAITING))
            ApprovalStep.NoRequest -> LookAgain(UiText.NO_REQUEST, busy) { act { waitForRequest() } }
            is ApprovalStep.EnterChannelBinding -> {
                RequestHeader(step.request)
                when (step.request.channelBinding) {
                    ChannelBindingKind.CODE -> Entry(UiText.CHANNEL_CODE, busy, digits = true) { act { enterCode(it) } }
                    ChannelBindingKind.QR -> Button(enabled = !busy && !scanning, onClick = {
                        scanning = true
                        act {
                            try {
                                shell.qrScanner.scanInto { scanQr(it) }
                            } finally {
                                scanning = false
                            }
                        }
                    }) { Text(text(UiText.SCAN_QR)) }
                }
                Reject(busy) { act { reject() } }
            }
            is ApprovalStep.ScreenRiskWarning -> {
                RequestHeader(step.request)
                Text(
                    shell.texts.screenRisk(step.risk),
                    color = MaterialTheme.colorScheme.error,
                    modifier = Modifier.semantics { liveRegion = LiveRegionMode.Assertive },
                )
                Button(enabled = !busy, onClick = { act { reject() } }) { Text(text(UiText.REJECT)) }
                TextButton(enabled = !busy, onClick = { act { continueDespiteRisk() } }) { Text(text(UiText.CONTINUE_DESPITE_RISK)) }
            }
            is ApprovalStep.ChooseFactor -> {
                RequestHeader(step.request)
                if (ApprovalFactor.SWIPE in step.factors) {
                    Button(enabled = !busy, onClick = { act { approveWithSwipe() } }) { Text(text(UiText.APPROVE_SWIPE)) }
                }
                if (ApprovalFactor.BIOMETRICS in step.factors) {
                    Button(enabled = !busy, onClick = { act { approveWithBiometrics() } }) { Text(text(UiText.APPROVE_BIOMETRICS)) }
                }
                if (ApprovalFactor.PIN in step.factors) PinPad(UiText.APPROVE_PIN, busy) { act { approveWithPin(it) } }
                Reject(busy) { act { reject() } }
            }
            is ApprovalStep.Done -> {
                val outcome = if (step.outcome == ApprovalOutcome.APPROVED) UiText.APPROVED else UiText.REJECTED
                LookAgain(outcome, busy) { act { waitForRequest() } }
            }
            ApprovalStep.Ended -> LookAgain(UiText.ENDED, busy) { act { waitForRequest() } }
        }
        Busy(busy)
        TextButton(onClick = { screen.stopWaiting(); leave() }) { Text(text(UiText.BACK)) }
    }
}

/** Who asks, and what for (the service provider's reference text). */
@Composable
private fun RequestHeader(request: ApprovalRequest) {
    Text(request.serviceProvider, style = MaterialTheme.typography.titleLarge)
    Text(request.referenceHeader, style = MaterialTheme.typography.titleMedium)
    Text(request.referenceBody)
}

@Composable
private fun Reject(busy: Boolean, reject: () -> Unit) {
    OutlinedButton(enabled = !busy, onClick = reject) { Text(text(UiText.REJECT)) }
}

/** A message and "Look again" (the wait for a request starts only when asked). */
@Composable
private fun LookAgain(message: UiText, busy: Boolean, look: () -> Unit) {
    Text(text(message), modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite })
    OutlinedButton(enabled = !busy, onClick = look) { Text(text(UiText.LOOK_AGAIN)) }
}
