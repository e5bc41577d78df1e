// ANDROID ONLY: the activity hosting the Compose screens and the biometric prompt.
package dk.mitid.app

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.view.WindowManager
import androidx.activity.compose.setContent
import androidx.fragment.app.FragmentActivity
import androidx.lifecycle.lifecycleScope
import dk.mitid.app.platform.IsoDepChipReader
import dk.mitid.app.platform.MlKitMrzScanner
import dk.mitid.app.platform.PlayServicesQrScanner
import dk.mitid.app.platform.ScreenRiskMonitor
import dk.mitid.app.platform.SystemFaceCamera
import dk.mitid.app.ui.MitidNavigation
import dk.mitid.app.ui.Shell
import dk.mitid.app.ui.StartupError
import dk.mitid.core.Language
import dk.mitid.core.MitidException
import dk.mitid.core.screens.Texts
import java.util.Locale
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * A FragmentActivity (BiometricPrompt needs one) showing the Compose screens. At every
 * resume it checks whether the platform invalidated the biometric key (enrolment changed)
 * and tells the core, which turns biometrics off here and at the server.
 *
 * The whole window is FLAG_SECURE: no screenshot, no screen recording, no picture in the task
 * switcher. Nearly every screen shows a PIN pad, a code, a user ID or the person's
 * authenticators, and a flag set per screen would leave moments (a transition, the task
 * switcher's thumbnail) in which one of them is captured.
 */
class MainActivity : FragmentActivity() {
    private val application: MitidApplication get() = applicationContext as MitidApplication
    private lateinit var screenRisk: ScreenRiskMonitor

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        screenRisk = ScreenRiskMonitor(this)
        val faceCamera = SystemFaceCamera(this)
        val qrScanner = PlayServicesQrScanner(this)
        val mrzScanner = MlKitMrzScanner(this)
        val chipReader = IsoDepChipReader(this)
        setContent {
            application.app.fold(
                onSuccess = { app ->
                    val shell = Shell(
                        texts = Texts.forLanguageTag(app, Locale.getDefault().toLanguageTag()),
                        chipReader = chipReader,
                        faceCamera = faceCamera,
                        mrzScanner = mrzScanner,
                        qrScanner = qrScanner,
                        screenRisk = screenRisk.state,
                        openUrl = { startActivity(Intent(Intent.ACTION_VIEW, Uri.parse(it))) },
                    )
                    MitidNavigation(app, shell)
                },
                onFailure = {
                    val danish = Locale.getDefault().language != Locale.ENGLISH.language
                    StartupError(it as? MitidException, if (danish) Language.DANISH else Language.ENGLISH)
                },
            )
        }
    }

    override fun onResume() {
        super.onResume()
        application.gate.attach(this)
        screenRisk.start()
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
        screenRisk.stop()
        super.onPause()
    }
}
