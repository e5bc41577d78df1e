// ANDROID ONLY (androidx.biometric): compiles with the Android SDK, not on the JVM.
package dk.mitid.app.platform

import android.content.Context
import android.os.Looper
import androidx.biometric.BiometricManager
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import androidx.biometric.BiometricPrompt
import androidx.core.content.ContextCompat
import androidx.fragment.app.FragmentActivity
import dk.mitid.core.BiometricOutcome
import dk.mitid.core.PlatformBiometricPrompt
import dk.mitid.core.PlatformException
import java.security.Signature
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException

/**
 * BiometricPrompt with a CryptoObject, for the core.
 *
 * Android Keystore keys with per-use authentication (timeout 0) are released only to the
 * `Signature` object that the prompt authenticated, so the prompt is shown when the
 * biometric key signs ([authenticateBlocking], called by [AndroidKeyStoreAdapter.sign] with
 * that very `Signature`), and the core's `authenticate` step only checks that a strong
 * biometric can be asked for. A cancel or a lockout at the real prompt reaches the core as
 * the signature's `UserCancelled` / `AuthenticationFailed` — the same contract as the core's
 * software store. The text of the last `authenticate(reason)` is the prompt's subtitle.
 *
 * The prompt needs the visible activity: [attach] it in `onResume`, [detach] in `onPause`.
 */
class BiometricGate(private val context: Context) : PlatformBiometricPrompt {
    @Volatile
    private var activity: FragmentActivity? = null

    @Volatile
    private var reason: String = "MitID"

    /** The activity the prompt is shown over. */
    fun attach(activity: FragmentActivity) {
        this.activity = activity
    }

    /** The activity went away: prompts are refused (`HardwareUnavailable`) until the next [attach]. */
    fun detach(activity: FragmentActivity) {
        if (this.activity === activity) this.activity = null
    }

    override suspend fun authenticate(reason: String): BiometricOutcome {
        this.reason = reason
        return when (BiometricManager.from(context).canAuthenticate(BIOMETRIC_STRONG)) {
            BiometricManager.BIOMETRIC_SUCCESS ->
                if (activity != null) BiometricOutcome.SUCCESS else BiometricOutcome.UNAVAILABLE
            BiometricManager.BIOMETRIC_ERROR_SECURITY_UPDATE_REQUIRED,
            BiometricManager.BIOMETRIC_ERROR_NONE_ENROLLED,
            BiometricManager.BIOMETRIC_ERROR_NO_HARDWARE,
            BiometricManager.BIOMETRIC_ERROR_HW_UNAVAILABLE -> BiometricOutcome.UNAVAILABLE
            else -> BiometricOutcome.UNAVAILABLE
        }
    }

    /**
     * Shows the prompt for [signature] (initialised with the biometric key) and blocks the
     * calling thread — one of the core's threads, never the main thread — until the user
     * answered. Returns the authenticated `Signature`.
     */
    fun authenticateBlocking(signature: Signature): Signature {
        if (Looper.myLooper() == Looper.getMainLooper()) {
            throw PlatformException.Backend("biometric_main_thread", "the prompt cannot be awaited on the main thread")
        }
        val host = activity ?: throw PlatformException.HardwareUnavailable()
        val answer = CompletableFuture<Signature>()
        val executor = ContextCompat.getMainExecutor(host)
        executor.execute {
            val prompt = BiometricPrompt(
                host,
                executor,
                object : BiometricPrompt.AuthenticationCallback() {
                    override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) {
                        answer.complete(result.cryptoObject?.signature ?: signature)
                    }

                    override fun onAuthenticationError(code: Int, message: CharSequence) {
                        answer.completeExceptionally(errorFor(code, message))
                    }

                    // A single non-match keeps the prompt open: the user may try again.
                    override fun onAuthenticationFailed() {}
                },
            )
            val info = BiometricPrompt.PromptInfo.Builder()
                .setTitle("MitID")
                .setSubtitle(reason)
                .setNegativeButtonText("Brug PIN-kode")
                .setAllowedAuthenticators(BIOMETRIC_STRONG)
                .setConfirmationRequired(false)
                .build()
            prompt.authenticate(info, BiometricPrompt.CryptoObject(signature))
        }
        return try {
            answer.get()
        } catch (e: ExecutionException) {
            throw e.cause as? PlatformException ?: PlatformException.Backend("biometric_prompt", e.message ?: "")
        } catch (e: InterruptedException) {
            Thread.currentThread().interrupt()
            throw PlatformException.UserCancelled()
        }
    }

    private fun errorFor(code: Int, message: CharSequence): PlatformException = when (code) {
        BiometricPrompt.ERROR_USER_CANCELED,
        BiometricPrompt.ERROR_NEGATIVE_BUTTON,
        BiometricPrompt.ERROR_CANCELED,
        BiometricPrompt.ERROR_TIMEOUT -> PlatformException.UserCancelled()
        BiometricPrompt.ERROR_LOCKOUT,
        BiometricPrompt.ERROR_LOCKOUT_PERMANENT -> PlatformException.AuthenticationFailed()
        BiometricPrompt.ERROR_NO_BIOMETRICS,
        BiometricPrompt.ERROR_HW_NOT_PRESENT,
        BiometricPrompt.ERROR_HW_UNAVAILABLE -> PlatformException.HardwareUnavailable()
        else -> PlatformException.Backend("biometric_prompt_$code", message.toString())
    }
}
