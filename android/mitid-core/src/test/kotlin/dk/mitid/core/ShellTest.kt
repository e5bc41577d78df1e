package dk.mitid.core

import dk.mitid.core.screens.ApprovalScreen
import dk.mitid.core.screens.ChipReader
import dk.mitid.core.screens.DocumentCheck
import dk.mitid.core.screens.FaceCamera
import dk.mitid.core.screens.HomeScreen
import dk.mitid.core.screens.MrzScanner
import dk.mitid.core.screens.NewPinScreen
import dk.mitid.core.screens.QrScanner
import dk.mitid.core.screens.Texts
import dk.mitid.core.screens.captureInto
import dk.mitid.core.screens.scanInto
import dk.mitid.core.support.ChipLink
import dk.mitid.core.support.Phone
import dk.mitid.core.support.activate
import dk.mitid.core.support.assertMitid
import dk.mitid.core.support.loginUpToFactor
import dk.mitid.core.support.WithTestServer
import dk.mitid.testkit.LoginChannel
import dk.mitid.testkit.TestChip
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** TEST DOUBLE of the phone's NFC reader: hands out the test kit's simulated chip. */
private class SimulatedChipReader(private val chip: () -> TestChip) : ChipReader {
    var sessions = 0

    override fun available() = true

    override suspend fun <R> withChip(read: suspend (PlatformNfcLink) -> R): R {
        sessions += 1
        return read(ChipLink(chip()))
    }
}

/** TEST DOUBLE of the face camera: hands out a copy of a picture, remembering it to check the wipe. */
private class PictureCamera(private val picture: ByteArray?) : FaceCamera {
    val handedOut = mutableListOf<ByteArray>()

    override suspend fun capture(): ByteArray? = picture?.copyOf()?.also { handedOut += it }
}

/** TEST DOUBLE of the QR scanner: "scans" the given text (null: the citizen cancelled). */
private class TextQrScanner(private val text: String?) : QrScanner {
    override suspend fun scan() = text
}

/** TEST DOUBLE of the data page's camera: "reads" the given text (null: the citizen cancelled). */
private class TextMrzScanner(private val text: String?) : MrzScanner {
    override suspend fun scan() = text
}

/**
 * What the Compose and SwiftUI screens rest on besides the screen models: the core's texts in
 * the phone's language, and the chip reader and cameras behind their interfaces (test doubles
 * here; the Android adapters are device-only), against the real server.
 */
class ShellTest : WithTestServer() {
    @Test
    fun theScreensTextsComeFromTheCoreInThePhonesLanguage() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val app = phone.app
            assertEquals(Language.ENGLISH, app.languageFor("en-GB"))
            assertEquals(Language.DANISH, app.languageFor("da-DK"))
            // Neither: Danish, MitID's first language.
            assertEquals(Language.DANISH, app.languageFor("fr-FR"))
            assertEquals("Continue", app.text(UiText.CONTINUE, Language.ENGLISH))
            assertEquals("Fortsæt", app.text(UiText.CONTINUE, Language.DANISH))
            val english = Texts.forLanguageTag(app, "en")
            assertEquals("Forgot your PIN code?", english[UiText.FORGOT_YOUR_PIN])
            for (label in UiText.entries) assertTrue("$label", english[label].isNotBlank())
            // Self-service's words for the person's methods come from the core too.
            assertEquals(UiText.KIND_CODE_DISPLAY, app.authenticatorKindText(AuthenticatorKind.CODE_DISPLAY))
            assertEquals(UiText.STATUS_READY, app.authenticatorStateText(AuthenticatorState.ACTIVE))
            assertEquals("Code display", english.kind(AuthenticatorKind.CODE_DISPLAY))
            assertEquals("Permanently blocked", english.state(AuthenticatorState.PERMANENTLY_BLOCKED))

            // A temporarily locked app's one PIN action reads "Change PIN code" (help page 003).
            val user = phone.activate(server.createCitizen("labels"))
            val ready = HomeScreen(app).refresh().getOrThrow().users.single()
            assertEquals(UiText.FORGOT_YOUR_PIN, app.homeActionText(HomeAction.TEMPORARY_PIN, ready.user.status))
            assertEquals(UiText.STATUS_READY, app.statusText(ready.user.status))
            app.approvalFlow(user.localId).use { flow ->
                phone.loginUpToFactor(user, flow)
                repeat(3) { runCatching { flow.approveWithPin("111222") } }
            }
            val locked = HomeScreen(app).refresh().getOrThrow().users.single()
            assertEquals(listOf(HomeAction.TEMPORARY_PIN, HomeAction.REMOVE_USER), locked.actions)
            assertEquals("Change PIN code", english.action(HomeAction.TEMPORARY_PIN, locked.user.status))
            assertEquals("Temporarily locked", english.status(locked.user.status))
            assertEquals(UiText.STATUS_TEMPORARILY_LOCKED, app.statusText(locked.user.status))
        }
    }

    @Test
    fun thePassportStepsRunThroughTheChipReaderAndCameraAndThePictureIsWiped() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val citizen = server.createCitizen("devices")
            val user = phone.activate(citizen)
            val page = server.passport(citizen)
            val reader = SimulatedChipReader { server.passportChip(citizen) }
            NewPinScreen(phone.app.newPinFlow(user.localId, NewPinStart.PASSPORT)).use { screen ->
                // The Compose and SwiftUI steps see only the DocumentCheck actions.
                val check: DocumentCheck = screen
                check.acceptTerms().getOrThrow()
                check.chooseDocumentOrigin(DocumentOrigin.DENMARK).getOrThrow()
                // The data page through the camera: cancelled, then misread, then read.
                assertNull(TextMrzScanner(null).scanInto { check.submitMrz(it) })
                // The document number's first character (line 2) misread: its check digit breaks.
                val zone = page.mrz
                val wrong = zone.substring(0, 45) + (if (zone[45] == 'X') 'Y' else 'X') + zone.substring(46)
                val misread = TextMrzScanner(wrong).scanInto { check.submitMrz(it) }!!
                assertMitid("mrz_unreadable", misread.exceptionOrNull())
                assertEquals(NewPinStep.EnterDocumentDetails, screen.state.value.step)
                val read = TextMrzScanner("PASSPORT\nKONGERIGET DANMARK\n${page.mrz}").scanInto { check.submitMrz(it) }!!
                assertEquals(NewPinStep.ReadChip, read.getOrThrow())
                assertEquals(NewPinStep.CaptureFace, reader.withChip { check.readChip(it) }.getOrThrow())

                // The citizen cancels the camera: nothing is sent, the step stays.
                assertNull(PictureCamera(null).captureInto { check.submitFace(it) })
                assertEquals(NewPinStep.CaptureFace, screen.state.value.step)

                // Someone else's face: refused, and the picture is wiped all the same.
                val stranger = PictureCamera(page.otherFace)
                assertMitid("document_face_not_matched", stranger.captureInto { check.submitFace(it) }!!.exceptionOrNull())
                assertTrue(stranger.handedOut.single().all { it == 0.toByte() })
                assertEquals(NewPinStep.ReadChip, screen.state.value.step)

                reader.withChip { check.readChip(it) }.getOrThrow()
                val camera = PictureCamera(page.face)
                assertEquals(NewPinStep.ChooseNewPin, camera.captureInto { check.submitFace(it) }!!.getOrThrow())
                assertTrue(camera.handedOut.single().all { it == 0.toByte() })
                assertFalse(page.face.all { it == 0.toByte() })
                assertEquals(2, reader.sessions)
            }
        }
    }

    @Test
    fun aScreenClosedWhileItWaitsLeavesQuietly() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val user = phone.activate(server.createCitizen("closedwait"))
            val screen = ApprovalScreen(phone.app.approvalFlow(user.localId))
            val wait = launch { screen.waitForRequest(10u) }
            while (!screen.state.value.busy) delay(10)
            // As Compose does when the screen leaves: the effect is cancelled and the screen
            // closed before the cancelled wait resumes. The closed flow must not be asked again.
            wait.cancel()
            screen.close()
            wait.join()
            assertFalse(screen.state.value.busy)
        }
    }

    @Test
    fun aScannedQrCodeReachesTheCoreAndACancelledScanChangesNothing() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val user = phone.activate(server.createCitizen("qrscan"))
            ApprovalScreen(phone.app.approvalFlow(user.localId)).use { screen ->
                val login = server.startLogin(user.userId, LoginChannel.QR, false, "Log på", "Med kameraet")
                assertTrue(screen.waitForRequest(10u).getOrThrow() is ApprovalStep.EnterChannelBinding)
                assertNull(TextQrScanner(null).scanInto { screen.scanQr(it) })
                assertTrue(screen.state.value.step is ApprovalStep.EnterChannelBinding)
                // A QR code of something else: the core's typed error, the step stays.
                val wrong = TextQrScanner("https://example.com/").scanInto { screen.scanQr(it) }!!
                assertMitid("channel_qr_malformed", wrong.exceptionOrNull())
                val token = server.qrToken(login.transactionId)
                assertTrue(TextQrScanner(token).scanInto { screen.scanQr(it) }!!.getOrThrow() is ApprovalStep.ChooseFactor)
            }
        }
    }
}
