// ANDROID ONLY: the application object that owns the core's App.
package dk.mitid.app

import android.app.Application
import dk.mitid.app.platform.AndroidKeyStoreAdapter
import dk.mitid.app.platform.AndroidSecretStore
import dk.mitid.app.platform.BiometricGate
import dk.mitid.core.App
import dk.mitid.core.MitidException
import dk.mitid.core.ServerEndpoint
import java.io.File

/** Owns the platform adapters and the one open [App] of the process. */
class MitidApplication : Application() {
    /** The biometric prompt (attached to the visible activity). */
    val gate: BiometricGate by lazy { BiometricGate(this) }

    /** The Android Keystore key store. */
    val keyStore: AndroidKeyStoreAdapter by lazy { AndroidKeyStoreAdapter(this, gate) }

    private val secretStore: AndroidSecretStore by lazy { AndroidSecretStore(this) }

    /** The core, opened on first use; a failure (misconfigured server) is kept to be shown. */
    val app: Result<App> by lazy {
        try {
            val endpoint = ServerEndpoint(
                BuildConfig.MITID_SERVER_URL,
                BuildConfig.MITID_SERVER_KEY_PINS.split(',').map { it.trim() }.filter { it.isNotEmpty() },
            )
            Result.success(App.open(File(filesDir, "mitid").path, endpoint, keyStore, secretStore, gate, null))
        } catch (e: MitidException) {
            Result.failure(e)
        }
    }
}
