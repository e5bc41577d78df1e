// Screen-state adapters over the core's flows: what a Compose (or any) UI observes.
// Platform-neutral Kotlin (kotlinx-coroutines only): compiled and tested on the JVM by
// scripts/test-kotlin.sh, used by the app module on Android. No rules here: every step,
// error and decision comes from the core; these classes only publish them as StateFlows
// and run one action at a time.
package dk.mitid.core.screens

import dk.mitid.core.ActivationFlow
import dk.mitid.core.ActivationStep
import dk.mitid.core.App
import dk.mitid.core.ApprovalFlow
import dk.mitid.core.ApprovalStep
import dk.mitid.core.ApprovalWait
import dk.mitid.core.DocumentOrigin
import dk.mitid.core.Home
import dk.mitid.core.MitidException
import dk.mitid.core.NewPinFlow
import dk.mitid.core.NewPinStep
import dk.mitid.core.PlatformNfcLink
import dk.mitid.core.RecoveryReport
import dk.mitid.core.ScreenRisk
import dk.mitid.core.UserSummary
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

/** What a screen shows: the flow's [step], the [error] shown on it, and whether an action is [busy]. */
data class ScreenState<S>(val step: S, val error: MitidException? = null, val busy: Boolean = false)

/**
 * Runs a flow's actions one at a time and publishes the resulting [ScreenState]. After a
 * failed action the state shows the flow's own step and error (the core decides where a
 * failure leads), so the UI never guesses.
 */
class FlowScreenModel<S>(
    private val currentStep: () -> S,
    private val currentError: () -> MitidException?,
) {
    private val mutable = MutableStateFlow(ScreenState(currentStep(), currentError()))
    private val running = Mutex()

    /** The state to render. */
    val state: StateFlow<ScreenState<S>> = mutable.asStateFlow()

    /** Runs [change] (a synchronous report to the flow) and publishes the flow's step. */
    fun refresh(change: () -> Unit) {
        change()
        mutable.value = mutable.value.copy(step = currentStep(), error = currentError())
    }

    /**
     * Runs [action] and publishes where it left the flow. An action started while another
     * runs (a double tap) fails at once with `InvalidStep`, as in the Swift models: queued, it
     * would reach the core at a step it was not meant for.
     */
    suspend fun perform(action: suspend () -> S): Result<S> {
        if (!running.tryLock()) return Result.failure(MitidException.InvalidStep())
        try {
            mutable.value = mutable.value.copy(busy = true)
            val next = action()
            // The flow's own step: a report to it (a screen risk) may have moved it meanwhile.
            mutable.value = ScreenState(currentStep(), currentError())
            return Result.success(next)
        } catch (e: MitidException) {
            mutable.value = ScreenState(currentStep(), currentError() ?: e)
            return Result.failure(e)
        } catch (e: CancellationException) {
            // The screen went away or the wait was stopped: the flow may be closed already,
            // so it is not asked for its step (a closed flow throws). Just no longer busy.
            mutable.value = mutable.value.copy(busy = false)
            throw e
        } catch (e: Exception) {
            // The bindings throw only MitidException; anything else (a flow used after it
            // was closed) is a bug worth seeing, as in the Swift models, and must not leave
            // the screen busy for good. The flow may be unusable: its step is not asked.
            val wrapped = MitidException.Internal("unexpected_error")
            mutable.value = mutable.value.copy(error = wrapped, busy = false)
            return Result.failure(wrapped)
        } finally {
            running.unlock()
        }
    }
}

/** The activation screens. Closing it releases the flow. */
class ActivationScreen(private val flow: ActivationFlow) : DocumentCheck, AutoCloseable {
    private val model = FlowScreenModel(flow::step, flow::lastError)

    /** The state to render. */
    val state: StateFlow<ScreenState<ActivationStep>> get() = model.state

    /** Enter the user ID. */
    suspend fun submitUserId(userId: String) = model.perform { flow.submitUserId(userId) }

    /** Enter the activation code. */
    suspend fun submitActivationCode(code: String) = model.perform { flow.submitActivationCode(code) }

    /** Enter the temporary PIN from the SMS. */
    suspend fun submitTemporaryPin(pin: String) = model.perform { flow.submitTemporaryPin(pin) }

    /** Choose the new PIN. */
    suspend fun submitNewPin(pin: String) = model.perform { flow.submitNewPin(pin) }

    /** Repeat the new PIN. */
    suspend fun submitRepeatPin(pin: String) = model.perform { flow.submitRepeatPin(pin) }

    /** Try the interrupted step again. */
    suspend fun retry() = model.perform { flow.retry() }

    /** Biometrics yes or no. */
    suspend fun chooseBiometrics(enable: Boolean) = model.perform { flow.chooseBiometrics(enable) }

    /** Notifications yes or no. */
    suspend fun chooseNotifications(allow: Boolean) = model.perform { flow.chooseNotifications(allow) }

    /** "Use passport/ID card" instead of the activation code. */
    suspend fun usePassport() = model.perform { flow.usePassport() }

    /** Accept the passport check's terms and conditions. */
    override suspend fun acceptTerms() = model.perform { flow.acceptTerms() }

    /** Where the passport or ID card is from (abroad: the P-code first). */
    override suspend fun chooseDocumentOrigin(origin: DocumentOrigin) = model.perform { flow.chooseDocumentOrigin(origin) }

    /** The data page's document number, date of birth and date of expiry (`YYMMDD`). */
    override suspend fun submitDocumentDetails(documentNumber: String, birthDate: String, expiryDate: String) =
        model.perform { flow.submitDocumentDetails(documentNumber, birthDate, expiryDate) }

    /** The text the camera read off the data page (its machine-readable zone gives the details). */
    override suspend fun submitMrz(text: String) = model.perform { flow.submitMrz(text) }

    /** Read the chip over the phone's NFC [link] (Android: `IsoDep`). */
    override suspend fun readChip(link: PlatformNfcLink) = model.perform { flow.readChip(link) }

    /** The face the camera captured (JPEG): the server checks document, owner and face. */
    override suspend fun submitFace(capture: ByteArray) = model.perform { flow.submitFace(capture) }

    /** The 8-digit P-code from citizen service, for a document from abroad. */
    override suspend fun submitPCode(pCode: String) = model.perform { flow.submitPCode(pCode) }

    /** "I have used my P-code before" (only when it was asked for first). */
    override suspend fun skipPCode() = model.perform { flow.skipPCode() }

    /** Give up. */
    suspend fun cancel() = model.perform { flow.cancel() }

    override fun close() = flow.close()
}

/**
 * The approval screens of one user. [waitForRequest] suspends until a request arrives (or the
 * wait ends); [stopWaiting] cancels it from any thread, e.g. when the screen goes away.
 */
class ApprovalScreen(private val flow: ApprovalFlow) : AutoCloseable {
    private val model = FlowScreenModel(flow::step, flow::lastError)

    @Volatile
    private var wait: ApprovalWait? = null

    /** The state to render. */
    val state: StateFlow<ScreenState<ApprovalStep>> get() = model.state

    /** Waits up to [seconds] (at most 30) for a request. */
    suspend fun waitForRequest(seconds: UInt = 30u) = model.perform {
        flow.waitForRequest(seconds).use { handle ->
            wait = handle
            try {
                handle.outcome()
            } finally {
                wait = null
            }
        }
    }

    /** Stops a running [waitForRequest] (the step returns to idle). */
    fun stopWaiting() {
        wait?.cancel()
    }

    /** The code shown by the service provider. */
    suspend fun enterCode(code: String) = model.perform { flow.enterCode(code) }

    /** The scanned QR token. */
    suspend fun scanQr(token: String) = model.perform { flow.scanQr(token) }

    /** Approve with a swipe. */
    suspend fun approveWithSwipe() = model.perform { flow.approveWithSwipe() }

    /** Approve with the PIN. */
    suspend fun approveWithPin(pin: String) = model.perform { flow.approveWithPin(pin) }

    /** Approve with biometrics. */
    suspend fun approveWithBiometrics() = model.perform { flow.approveWithBiometrics() }

    /**
     * The platform's report about the screen, whenever it changes (null: no sharing, no
     * remote control; Android: a `MediaProjection` capture or an accessibility service that
     * can act on the screen). While a risk lasts, the factors come after a warning.
     */
    fun reportScreenRisk(risk: ScreenRisk?) = model.refresh { flow.reportScreenRisk(risk) }

    /** "Continue" under the screen-risk warning. */
    suspend fun continueDespiteRisk() = model.perform { flow.continueDespiteRisk() }

    /** Reject. */
    suspend fun reject() = model.perform { flow.reject() }

    override fun close() {
        stopWaiting()
        flow.close()
    }
}

/**
 * The screens of a new PIN: the first step authorises it (the current PIN or biometrics, or a
 * temporary PIN, as the flow was started), then the new PIN twice and the biometrics choice.
 */
class NewPinScreen(private val flow: NewPinFlow) : DocumentCheck, AutoCloseable {
    private val model = FlowScreenModel(flow::step, flow::lastError)

    /** The state to render. */
    val state: StateFlow<ScreenState<NewPinStep>> get() = model.state

    /** Enter the current PIN (checked now). */
    suspend fun submitCurrentPin(pin: String) = model.perform { flow.submitCurrentPin(pin) }

    /** Use biometrics instead of the current PIN. */
    suspend fun useBiometrics() = model.perform { flow.useBiometrics() }

    /** Enter the temporary PIN (checked now). */
    suspend fun submitTemporaryPin(pin: String) = model.perform { flow.submitTemporaryPin(pin) }

    /** Choose the new PIN. */
    suspend fun submitNewPin(pin: String) = model.perform { flow.submitNewPin(pin) }

    /** Repeat the new PIN. */
    suspend fun submitRepeatPin(pin: String) = model.perform { flow.submitRepeatPin(pin) }

    /** Try the interrupted registration again. */
    suspend fun retry() = model.perform { flow.retry() }

    /** Biometrics yes or no. */
    suspend fun chooseBiometrics(enable: Boolean) = model.perform { flow.chooseBiometrics(enable) }

    /** Accept the passport check's terms and conditions. */
    override suspend fun acceptTerms() = model.perform { flow.acceptTerms() }

    /** Where the passport or ID card is from (abroad: the P-code first). */
    override suspend fun chooseDocumentOrigin(origin: DocumentOrigin) = model.perform { flow.chooseDocumentOrigin(origin) }

    /** The data page's document number, date of birth and date of expiry (`YYMMDD`). */
    override suspend fun submitDocumentDetails(documentNumber: String, birthDate: String, expiryDate: String) =
        model.perform { flow.submitDocumentDetails(documentNumber, birthDate, expiryDate) }

    /** The text the camera read off the data page (its machine-readable zone gives the details). */
    override suspend fun submitMrz(text: String) = model.perform { flow.submitMrz(text) }

    /** Read the chip over the phone's NFC [link] (Android: `IsoDep`). */
    override suspend fun readChip(link: PlatformNfcLink) = model.perform { flow.readChip(link) }

    /** The face the camera captured (JPEG): the server checks document, owner and face. */
    override suspend fun submitFace(capture: ByteArray) = model.perform { flow.submitFace(capture) }

    /** The 8-digit P-code from citizen service, for a document from abroad. */
    override suspend fun submitPCode(pCode: String) = model.perform { flow.submitPCode(pCode) }

    /** "I have used my P-code before" (only when it was asked for first). */
    override suspend fun skipPCode() = model.perform { flow.skipPCode() }

    override fun close() = flow.close()
}

/** The home screen: the users and what each can do, refreshed from the server on demand. */
class HomeScreen(private val app: App) {
    private val mutable = MutableStateFlow(ScreenState(app.home()))
    private val running = Mutex()

    /** The state to render. */
    val state: StateFlow<ScreenState<Home>> = mutable.asStateFlow()

    /** Finishes interrupted work and asks the server for every user's state. */
    suspend fun refresh(): Result<Home> = running.withLock {
        mutable.value = mutable.value.copy(busy = true)
        try {
            val home = app.refresh()
            mutable.value = ScreenState(home)
            Result.success(home)
        } catch (e: MitidException) {
            mutable.value = ScreenState(app.home(), e)
            Result.failure(e)
        } finally {
            // Whatever ended the refresh (a cancelled screen too), home is not left busy.
            if (mutable.value.busy) mutable.value = mutable.value.copy(busy = false)
        }
    }

    /** Re-reads the local state (after a flow ended), without the network. */
    fun reload() {
        mutable.value = ScreenState(app.home())
    }

    /**
     * "Select user" (help pages 003, 004): the user the next actions are for. A failure (the
     * user removed meanwhile, the storage) is published with home, and the selection stays as
     * it was: dropped, the next action would run for the user the citizen did not choose.
     */
    fun selectUser(localId: String): Result<Unit> {
        try {
            app.selectUser(localId)
        } catch (e: MitidException) {
            val home = runCatching { app.home() }.getOrDefault(mutable.value.step)
            mutable.value = ScreenState(home, e)
            return Result.failure(e)
        }
        // Selected: home shows it when it can be read (as the Swift model's reload does).
        runCatching { app.home() }.onSuccess { mutable.value = ScreenState(it) }
        return Result.success(Unit)
    }

    /** The selected user (the only one, when there is exactly one). */
    fun selectedUser(): UserSummary? = app.selectedUser()

    /** Every user on the app, oldest first (the "Select user" list). */
    fun users(): List<UserSummary> = app.users()

    /** Finishes interrupted activations and PIN changes (at start-up). */
    suspend fun resumeInterrupted(): Result<RecoveryReport> = runCatchingMitid { app.resumeInterrupted() }
        .also { reload() }

    /**
     * The platform found the enrolled biometrics changed (Android: a biometric key was
     * invalidated): biometrics go off for every user; the local ids affected re-enable with
     * their PIN in App settings.
     */
    suspend fun biometricEnrollmentChanged(): Result<List<String>> =
        runCatchingMitid { app.biometricEnrollmentChanged() }.also { reload() }
}

/** Runs [action], catching only the core's errors (anything else is a bug worth seeing). */
internal suspend fun <T> runCatchingMitid(action: suspend () -> T): Result<T> = try {
    Result.success(action())
} catch (e: MitidException) {
    Result.failure(e)
}

/** What an app-level screen shows: its [value] once loaded, the [error] of the last action, and whether one is [busy]. */
data class ActionState<T>(val value: T? = null, val error: MitidException? = null, val busy: Boolean = false)

/** Runs an app-level screen's actions one at a time and publishes the value and the error. */
class ActionModel<T>(initial: T? = null) {
    private val mutable = MutableStateFlow(ActionState(initial))
    private val running = Mutex()

    /** The state to render. */
    val state: StateFlow<ActionState<T>> = mutable.asStateFlow()

    /**
     * Runs [action]; [update] turns its result into the value shown (null: keep the old one).
     * An action started while another runs fails at once with `InvalidStep`.
     */
    suspend fun <R> perform(update: (R) -> T? = { null }, action: suspend () -> R): Result<R> {
        if (!running.tryLock()) return Result.failure(MitidException.InvalidStep())
        try {
            mutable.value = mutable.value.copy(busy = true, error = null)
            val result = runCatchingMitid(action)
            val shown = result.getOrNull()?.let(update) ?: mutable.value.value
            mutable.value = ActionState(shown, result.exceptionOrNull() as MitidException?)
            return result
        } finally {
            // Cancelled: no longer busy.
            if (mutable.value.busy) mutable.value = mutable.value.copy(busy = false)
            running.unlock()
        }
    }
}
