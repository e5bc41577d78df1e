// ANDROID ONLY: instrumented tests of the Compose screens, run on the emulator by
// .github/workflows/mobile.yml (gradle :app:connectedDebugAndroidTest). The server is not
// reachable from here: these check what the screens show without it (the flows against the
// real server are the JVM suites' work).
package dk.mitid.app

import android.view.WindowManager
import androidx.compose.foundation.layout.Column
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.test.assertCountEquals
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.junit4.createComposeRule
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.test.core.app.ActivityScenario
import androidx.test.ext.junit.runners.AndroidJUnit4
import androidx.test.platform.app.InstrumentationRegistry
import dk.mitid.app.platform.AndroidKeyStoreAdapter
import dk.mitid.app.platform.AndroidSecretStore
import dk.mitid.app.platform.BiometricGate
import dk.mitid.app.ui.LocalShell
import dk.mitid.app.ui.MitidNavigation
import dk.mitid.app.ui.PinPad
import dk.mitid.app.ui.Shell
import dk.mitid.core.App
import dk.mitid.core.Language
import dk.mitid.core.PlatformNfcLink
import dk.mitid.core.ScreenRisk
import dk.mitid.core.ServerEndpoint
import dk.mitid.core.UiText
import dk.mitid.core.screens.ChipReader
import dk.mitid.core.screens.FaceCamera
import dk.mitid.core.screens.MrzScanner
import dk.mitid.core.screens.QrScanner
import dk.mitid.core.screens.Texts
import java.io.File
import kotlinx.coroutines.flow.MutableStateFlow
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.runner.RunWith

/** TEST DOUBLES of the devices: no NFC, cameras that are cancelled. */
private object NoChipReader : ChipReader {
    override fun available() = false
    override suspend fun <R> withChip(read: suspend (PlatformNfcLink) -> R): R = error("no NFC in this test")
}

private object CancelledCamera : FaceCamera, QrScanner, MrzScanner {
    override suspend fun capture(): ByteArray? = null
    override suspend fun scan(): String? = null
}

@RunWith(AndroidJUnit4::class)
class ScreensTest {
    @get:Rule
    val compose = createComposeRule()

    private val context = InstrumentationRegistry.getInstrumentation().targetContext
    private val home = File(context.cacheDir, "mitid-screens-${System.nanoTime()}")
    private val gate = BiometricGate(context)
    private val endpoint = ServerEndpoint("https://10.0.2.2:8443", listOf("sha256/" + "A".repeat(43) + "=", "sha256/" + "B".repeat(42) + "A="))
    private val app = App.open(home.path, endpoint, AndroidKeyStoreAdapter(context, gate), AndroidSecretStore(context), gate, null)
    private val shell = Shell(Texts(app, Language.DANISH), NoChipReader, CancelledCamera, CancelledCamera, CancelledCamera, MutableStateFlow<ScreenRisk?>(null)) {}

    @After
    fun close() {
        app.close()
        home.deleteRecursively()
    }

    @Test
    fun anEmptyAppOffersToAddAUserInTheCoresWords() {
        compose.setContent { MitidNavigation(app, shell) }
        compose.onNodeWithText(app.text(UiText.ADD_USER, Language.DANISH)).assertIsDisplayed().performClick()
        compose.onNodeWithText(app.text(UiText.USER_ID, Language.DANISH)).assertIsDisplayed()
    }

    @Test
    fun thePinPadShowsHowManyDigitsNeverWhich() {
        var chosen: String? = null
        compose.setContent {
            CompositionLocalProvider(LocalShell provides shell) {
                // In a column, as on every page: keys laid over each other would take each other's taps.
                Column { PinPad(UiText.CHOOSE_NEW_PIN, busy = false) { chosen = it } }
            }
        }
        val label = app.text(UiText.CHOOSE_NEW_PIN, Language.DANISH)
        for (key in "583") compose.onNodeWithText(key.toString()).performClick()
        compose.onNodeWithContentDescription("$label: 3/6").assertIsDisplayed()
        compose.onAllNodesWithText("58", substring = true).assertCountEquals(0)
        for (key in "920") compose.onNodeWithText(key.toString()).performClick()
        assertEquals("583920", chosen)
        compose.onNodeWithContentDescription("$label: 0/6").assertIsDisplayed()
    }

    @Test
    fun theWindowIsSecure() {
        ActivityScenario.launch(MainActivity::class.java).use { scenario ->
            scenario.onActivity { activity ->
                val flags = activity.window.attributes.flags
                assertTrue(flags and WindowManager.LayoutParams.FLAG_SECURE != 0)
            }
        }
    }
}
