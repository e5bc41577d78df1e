// ANDROID ONLY: the activity hosting the Compose screens and the biometric prompt.
package dk.mitid.app

import android.os.Bundle
import androidx.activity.compose.setContent
import androidx.fragment.app.FragmentActivity
import androidx.lifecycle.lifecycleScope
import dk.mitid.app.ui.MitidNavigation
import dk.mitid.app.ui.StartupError
import dk.mitid.core.MitidException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * A FragmentActivity (BiometricPrompt needs one) showing the Compose screens. At every
 * resume it checks whether the platform invalidated the biometric key (enrolment changed)
 * and tells the core, which turns biometrics off here and at the server.
 */
class MainActivity : FragmentActivity() {
    private val application: MitidApplication get() = applicationContext as MitidApplication

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContent {
            application.app.fold(
                onSuccess = { MitidNavigation(it) },
                onFailure = { StartupError(it as? MitidException) },
            )
        }
    }

    override fun onResume() {
        super.onResume()
        application.gate.attach(this)
        val app = application.app.getOrNull() ?: return
        lifecycleScope.launch {
            val invalidated = withContext(Dispatchers.IO) { application.keyStore.invalidatedBiometricKeys() }
            if (invalidated.isNotEmpty()) {
                try {
                    app.biometricEnrollmentChanged()
                } catch (e: MitidException) {
                    // Shown by the next approval (biometrics_invalidated); nothing to do here.
                }
            }
        }
    }

    override fun onPause() {
        application.gate.detach(this)
        super.onPause()
    }
}
