package dk.mitid.core

import dk.mitid.core.screens.ActivationScreen
import dk.mitid.core.screens.ApprovalScreen
import dk.mitid.core.screens.HomeScreen
import dk.mitid.core.screens.SelfServiceScreen
import dk.mitid.core.screens.SettingsScreen
import dk.mitid.core.screens.UserIdScreen
import dk.mitid.core.support.ChipLink
import dk.mitid.core.support.PIN
import dk.mitid.core.support.Phone
import dk.mitid.core.support.activate
import dk.mitid.core.support.assertMitid
import dk.mitid.core.support.WithTestServer
import dk.mitid.testkit.Citizen
import dk.mitid.testkit.LoginChannel
import dk.mitid.testkit.LoginFactor
import dk.mitid.testkit.LoginStatus
import dk.mitid.testkit.PassportPage
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

private const val PIN2 = "472915"
private const val PIN3 = "906148"

/**
 * The screen models of help pages 003 and 004 against the real server: "Menu → App settings"
 * (PIN code with the current PIN or biometrics, biometrics on and off and after an enrolment
 * change, remove the user), "Select user", a cut connection in the middle of a flow,
 * approvals by swipe, QR and rejection, self-service from the app, and a passport from abroad
 * with its P-code. Together with the other suites they reach every exported flow method and
 * step (checked by `bindings/tests/shells_reach_every_step.rs`).
 */
class ScreenModelsTest : WithTestServer() {
    @Test
    fun anActionThatFailsOutsideTheCoreLeavesTheScreenUsableWithAnInternalError() = runBlocking<Unit> {
        val model = dk.mitid.core.screens.FlowScreenModel({ "step" }, { null })
        val failed = model.perform { throw IllegalStateException("the flow was closed") }
        val error = failed.exceptionOrNull()
        assertTrue("$error", error is MitidException.Internal)
        assertEquals("unexpected_error", (error as MitidException.Internal).detail)
        assertFalse("no longer busy", model.state.value.busy)
        assertEquals(error, model.state.value.error)
        // The next action runs: the screen is not stuck.
        assertEquals("next", model.perform { "next" }.getOrThrow())
    }

    /**
     * "Select user" for a user who is not there (removed meanwhile) shows the error and keeps
     * the selection: before, the shell dropped the failure, and the next action ran for
     * whoever was selected without the citizen knowing.
     */
    @Test
    fun selectingAUserWhoIsGoneShowsTheErrorAndKeepsTheSelection() = runBlocking<Unit> {
        Phone(server).use { phone ->
            phone.activate(server.createCitizen("first"))
            val second = phone.activate(server.createCitizen("second"))
            val home = HomeScreen(phone.app)
            home.selectUser(second.localId).getOrThrow()
            val gone = home.selectUser("0".repeat(32))
            assertTrue(gone.exceptionOrNull() is MitidException.NoSuchUser)
            assertTrue(home.state.value.error is MitidException.NoSuchUser)
            assertEquals(second.localId, home.selectedUser()?.localId)
        }
    }

    @Test
    fun appSettingsChangeThePinSwitchBiometricsAndRemoveTheUser() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val user = phone.activate(server.createCitizen("settings"))
            val home = HomeScreen(phone.app)
            home.selectUser(user.localId).getOrThrow()
            assertEquals(user.localId, home.selectedUser()?.localId)
            assertEquals(listOf(user.localId), home.users().map { it.localId })
            val settings = SettingsScreen(phone.app, user.localId)
            assertEquals(UserStatus.READY, settings.status().getOrThrow().status)
            assertEquals(true, settings.notificationsAllowed())

            // "Change your PIN code" with the current PIN, checked when it is typed.
            settings.changePin().use { pin ->
                assertEquals(NewPinStep.EnterCurrentPin(false), pin.state.value.step)
                assertEquals(NewPinStep.ChooseNewPin, pin.submitCurrentPin(PIN).getOrThrow())
                assertEquals(NewPinStep.RepeatNewPin, pin.submitNewPin(PIN2).getOrThrow())
                assertEquals(NewPinStep.ChooseBiometrics(false), pin.submitRepeatPin(PIN2).getOrThrow())
                assertEquals(NewPinStep.Done, pin.chooseBiometrics(false).getOrThrow())
            }

            // Biometrics on (with the PIN); then the PIN is changed with biometrics.
            assertTrue(settings.enableBiometrics(PIN2).getOrThrow().biometricsEnabled)
            assertEquals(0u, settings.biometricFailures())
            settings.changePin().use { pin ->
                assertEquals(NewPinStep.EnterCurrentPin(true), pin.state.value.step)
                assertEquals(NewPinStep.ChooseNewPin, pin.useBiometrics().getOrThrow())
                pin.submitNewPin(PIN3).getOrThrow()
                assertEquals(NewPinStep.ChooseBiometrics(true), pin.submitRepeatPin(PIN3).getOrThrow())
                assertEquals(NewPinStep.Done, pin.chooseBiometrics(true).getOrThrow())
            }

            // The enrolled fingerprints changed: biometrics go off; they come back with the PIN.
            assertEquals(listOf(user.localId), home.biometricEnrollmentChanged().getOrThrow())
            assertFalse(settings.status().getOrThrow().biometricsEnabled)
            assertTrue(settings.enableBiometrics(PIN3).getOrThrow().biometricsEnabled)
            assertFalse(settings.disableBiometrics().getOrThrow().biometricsEnabled)

            settings.removeUser().getOrThrow()
            home.reload()
            assertTrue(home.users().isEmpty())
            assertNull(home.selectedUser())
            assertTrue(home.state.value.step.users.isEmpty())
        }
    }

    @Test
    fun aCutConnectionInterruptsTheFlowsAndTheyFinishLater() = runBlocking<Unit> {
        Phone(server, viaProxy = true).use { phone ->
            val citizen = server.createCitizen("tunnel")
            server.issueActivationCode(citizen)
            val code = server.codeFromMessage(citizen.mobile, "activation_code", 10u)
            val user = ActivationScreen(phone.app.startActivation()).use { screen ->
                screen.submitUserId(citizen.userId).getOrThrow()
                screen.submitActivationCode(code).getOrThrow()
                screen.submitTemporaryPin(server.codeFromMessage(citizen.mobile, "temporary_pin", 8u)).getOrThrow()
                screen.submitNewPin(PIN).getOrThrow()
                server.setNetworkDown(true)
                assertTrue(screen.submitRepeatPin(PIN).isFailure)
                assertEquals(ActivationStep.Interrupted, screen.state.value.step)
                server.setNetworkDown(false)
                var step = screen.retry().getOrThrow()
                if (step == ActivationStep.ChooseBiometrics) step = screen.chooseBiometrics(false).getOrThrow()
                assertEquals(ActivationStep.ChooseNotifications, step)
                (screen.chooseNotifications(false).getOrThrow() as ActivationStep.Done).user
            }

            val settings = SettingsScreen(phone.app, user.localId)
            settings.changePin().use { pin ->
                pin.submitCurrentPin(PIN).getOrThrow()
                pin.submitNewPin(PIN2).getOrThrow()
                server.setNetworkDown(true)
                assertTrue(pin.submitRepeatPin(PIN2).isFailure)
                assertEquals(NewPinStep.Interrupted, pin.state.value.step)
                server.setNetworkDown(false)
                assertEquals(NewPinStep.ChooseBiometrics(false), pin.retry().getOrThrow())
            }

            // The new PIN's last request never arrived, and the citizen left: the app sends it at
            // the next start.
            settings.changePin().use { pin ->
                pin.submitCurrentPin(PIN2).getOrThrow()
                pin.submitNewPin(PIN3).getOrThrow()
                server.cutPath("/v1/app/pin/new/finish")
                assertTrue(pin.submitRepeatPin(PIN3).isFailure)
                assertEquals(NewPinStep.Interrupted, pin.state.value.step)
            }
            server.healPath("/v1/app/pin/new/finish")
            val report = HomeScreen(phone.app).resumeInterrupted().getOrThrow()
            assertEquals(1u, report.pinSwitchesResolved)
            assertEquals(0u, report.stillPending)
            settings.changePin().use { pin ->
                assertEquals(NewPinStep.ChooseNewPin, pin.submitCurrentPin(PIN3).getOrThrow())
            }
        }
    }

    @Test
    fun approvalsWaitThenSwipeScanAQrCodeAndReject() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val user = phone.activate(server.createCitizen("approvals"))
            val flow = phone.app.approvalFlow(user.localId)
            ApprovalScreen(flow).use { screen ->
                assertEquals(ApprovalStep.NoRequest, screen.waitForRequest(1u).getOrThrow())

                val waiting = async { screen.waitForRequest(10u) }
                while (flow.step() != ApprovalStep.Waiting) delay(10)
                val swipe = server.startLogin(user.userId, LoginChannel.CODE, true, "Log på", "Med et swipe")
                assertTrue(waiting.await().getOrThrow() is ApprovalStep.EnterChannelBinding)
                assertTrue(screen.enterCode(swipe.code!!).getOrThrow() is ApprovalStep.ChooseFactor)
                assertEquals(ApprovalStep.Done(ApprovalOutcome.APPROVED), screen.approveWithSwipe().getOrThrow())
                assertEquals(LoginFactor.SWIPE, server.loginResult(swipe.transactionId).factor)

                val qr = server.startLogin(user.userId, LoginChannel.QR, false, "Log på", "Med QR-kode")
                assertTrue(screen.waitForRequest(10u).getOrThrow() is ApprovalStep.EnterChannelBinding)
                val token = server.qrToken(qr.transactionId)
                assertTrue(screen.scanQr(token).getOrThrow() is ApprovalStep.ChooseFactor)
                assertEquals(ApprovalStep.Done(ApprovalOutcome.REJECTED), screen.reject().getOrThrow())
                assertEquals(LoginStatus.REJECTED, server.loginResult(qr.transactionId).status)

                // Someone watches the screen (the fraud pattern): the warning before the factors.
                screen.reportScreenRisk(ScreenRisk.SCREEN_SHARED)
                val shared = server.startLogin(user.userId, LoginChannel.CODE, false, "Log på", "Delt skærm")
                assertTrue(screen.waitForRequest(10u).getOrThrow() is ApprovalStep.EnterChannelBinding)
                val warning = screen.enterCode(shared.code!!).getOrThrow()
                assertEquals(ApprovalStep.ScreenRiskWarning::class, warning::class)
                assertEquals(ScreenRisk.SCREEN_SHARED, (warning as ApprovalStep.ScreenRiskWarning).risk)
                assertTrue(phone.app.screenRiskWarning(ScreenRisk.SCREEN_SHARED, Language.ENGLISH).contains("Never approve"))
                assertTrue(screen.continueDespiteRisk().getOrThrow() is ApprovalStep.ChooseFactor)
                // Reported while the factors show: the warning replaces them at once.
                screen.reportScreenRisk(ScreenRisk.REMOTE_CONTROL)
                assertTrue(screen.state.value.step is ApprovalStep.ScreenRiskWarning)
                screen.reportScreenRisk(null)
                assertEquals(ApprovalStep.Done(ApprovalOutcome.REJECTED), screen.reject().getOrThrow())
            }
        }
    }

    @Test
    fun selfServiceFromTheAppSendsANewPinOpensAccessAndBlocks() = runBlocking<Unit> {
        Phone(server).use { a ->
            Phone(server).use { b ->
                val citizen = server.createCitizen("selfservice")
                val userA = a.activate(citizen)
                val userB = b.activate(citizen, PIN2)
                val service = SelfServiceScreen(a.app, userA.localId)
                val overview = service.authenticators().getOrThrow()
                assertEquals(2, overview.authenticators.count { it.kind == AuthenticatorKind.APP })
                assertEquals(overview, service.state.value.value)

                // "Send new PIN" to the other app, which uses it as "Forgot your PIN code?".
                assertMitid("forbidden", service.sendNewPin(userA.authenticatorId).exceptionOrNull())
                assertTrue(service.sendNewPin(userB.authenticatorId).getOrThrow().expiresAt > server.now())
                val temporary = server.codeFromMessage(citizen.mobile, "temporary_pin", 8u)
                SettingsScreen(b.app, userB.localId).forgotPin(NewPinStart.TEMPORARY_PIN).use { pin ->
                    assertEquals(NewPinStep.EnterTemporaryPin, pin.state.value.step)
                    assertEquals(NewPinStep.ChooseNewPin, pin.submitTemporaryPin(temporary).getOrThrow())
                    pin.submitNewPin(PIN3).getOrThrow()
                    pin.submitRepeatPin(PIN3).getOrThrow()
                }

                // Without a password there is nothing to change (help page 001 gives one first).
                assertMitid("not_found", service.requestPasswordAccess().exceptionOrNull())
                assertTrue(service.checkUserId("ab").exceptionOrNull() is MitidException.UserIdInvalid)
                val wanted = service.checkUserId("${citizen.userId}.KT").getOrThrow()
                val window = service.requestProfileChange(Confirm.Pin(PIN)).getOrThrow()
                assertEquals(window, service.profileChangeWindow().getOrThrow())
                server.advanceClock(3600)
                assertEquals(wanted, service.changeUserId(wanted, Confirm.Pin(PIN)).getOrThrow())

                // App B was lost: blocked for good from app A, with A's PIN. B's PIN change ends.
                val target = BlockTarget.Authenticator(userB.authenticatorId, true)
                val blocked = service.block(target, Confirm.Pin(PIN)).getOrThrow()
                val state = blocked.authenticators.single { it.authenticatorId == userB.authenticatorId }.state
                assertTrue("$state", state != AuthenticatorState.ACTIVE)
                SettingsScreen(b.app, userB.localId).changePin().use { pin ->
                    assertTrue(pin.submitCurrentPin(PIN3).isFailure)
                    assertEquals(NewPinStep.Ended, pin.state.value.step)
                }
            }
        }
    }

    @Test
    fun aPassportFromAbroadNeedsItsP_CodeOnce() = runBlocking<Unit> {
        Phone(server).use { phone ->
            // "Forgot your PIN code?": skipped, the server asks for it; then given.
            val citizen = server.createCitizen("abroad")
            val user = phone.activate(citizen)
            val page = server.foreignPassport(citizen)
            SettingsScreen(phone.app, user.localId).forgotPin(NewPinStart.PASSPORT).use { pin ->
                assertEquals(NewPinStep.ChooseDocumentOrigin, pin.acceptTerms().getOrThrow())
                assertEquals(NewPinStep.EnterPCode, pin.chooseDocumentOrigin(DocumentOrigin.ABROAD).getOrThrow())
                assertEquals(NewPinStep.EnterDocumentDetails, pin.skipPCode().getOrThrow())
                scan(page, citizen) { details, chip, face ->
                    pin.submitDocumentDetails(details.documentNumber, details.birthDate, details.expiryDate).getOrThrow()
                    pin.readChip(chip).getOrThrow()
                    assertMitid("document_p_code_needed", pin.submitFace(face).exceptionOrNull())
                }
                assertEquals(NewPinStep.EnterPCode, pin.state.value.step)
                assertEquals(NewPinStep.ReadChip, pin.submitPCode(server.issuePCode(citizen)).getOrThrow())
                pin.readChip(ChipLink(server.foreignPassportChip(citizen))).getOrThrow()
                assertEquals(NewPinStep.ChooseNewPin, pin.submitFace(page.face).getOrThrow())
            }

            // "View user ID" with the P-code given first; then the day's checks run out.
            val other = server.createCitizen("abroad")
            val otherUser = phone.activate(other)
            val otherPage = server.foreignPassport(other)
            UserIdScreen(phone.app.userIdFlow(otherUser.localId)).use { id ->
                id.acceptTerms().getOrThrow()
                assertEquals(UserIdStep.EnterPCode, id.chooseDocumentOrigin(DocumentOrigin.ABROAD).getOrThrow())
                assertEquals(UserIdStep.EnterDocumentDetails, id.submitPCode(server.issuePCode(other)).getOrThrow())
                id.submitDocumentDetails(otherPage.documentNumber, otherPage.birthDate, otherPage.expiryDate).getOrThrow()
                id.readChip(ChipLink(server.foreignPassportChip(other))).getOrThrow()
                assertEquals(UserIdStep.ShowUserId(other.userId), id.submitFace(otherPage.face).getOrThrow())
            }
            UserIdScreen(phone.app.userIdFlow(otherUser.localId)).use { id ->
                id.acceptTerms().getOrThrow()
                id.chooseDocumentOrigin(DocumentOrigin.DENMARK).getOrThrow()
                val danish = server.passport(other)
                id.submitDocumentDetails(danish.documentNumber, danish.birthDate, danish.expiryDate).getOrThrow()
                var tries = 0
                while (id.state.value.step != UserIdStep.Ended && tries++ < 10) {
                    id.readChip(ChipLink(server.passportChip(other)))
                    id.submitFace(danish.otherFace)
                }
                assertEquals(UserIdStep.Ended, id.state.value.step)
                assertMitid("too_many_tries", id.state.value.error)
            }

            // Activation with a passport from abroad and its P-code; another one cancelled.
            Phone(server).use { newPhone ->
                val third = server.createCitizen("abroad")
                val thirdPage = server.foreignPassport(third)
                ActivationScreen(newPhone.app.startActivation()).use { act ->
                    act.submitUserId(third.userId).getOrThrow()
                    assertTrue(act.usePassport().getOrThrow() is ActivationStep.AcceptTerms)
                    assertEquals(ActivationStep.ChooseDocumentOrigin, act.acceptTerms().getOrThrow())
                    assertEquals(ActivationStep.EnterPCode, act.chooseDocumentOrigin(DocumentOrigin.ABROAD).getOrThrow())
                    assertEquals(ActivationStep.EnterDocumentDetails, act.submitPCode(server.issuePCode(third)).getOrThrow())
                    act.submitDocumentDetails(thirdPage.documentNumber, thirdPage.birthDate, thirdPage.expiryDate).getOrThrow()
                    act.readChip(ChipLink(server.foreignPassportChip(third))).getOrThrow()
                    assertEquals(ActivationStep.ChooseNewPin, act.submitFace(thirdPage.face).getOrThrow())
                }
                val fourth = server.createCitizen("abroad")
                ActivationScreen(newPhone.app.startActivation()).use { act ->
                    act.submitUserId(fourth.userId).getOrThrow()
                    act.usePassport().getOrThrow()
                    act.acceptTerms().getOrThrow()
                    act.chooseDocumentOrigin(DocumentOrigin.ABROAD).getOrThrow()
                    assertEquals(ActivationStep.EnterDocumentDetails, act.skipPCode().getOrThrow())
                    assertMitid("cancelled", act.cancel().exceptionOrNull())
                    assertEquals(ActivationStep.Ended, act.state.value.step)
                }
            }
        }
    }

    /** Hands [block] the data page, a fresh link to the foreign chip and the face of [citizen]. */
    private suspend fun scan(page: PassportPage, citizen: Citizen, block: suspend (PassportPage, ChipLink, ByteArray) -> Unit) =
        block(page, ChipLink(server.foreignPassportChip(citizen)), page.face)
}
