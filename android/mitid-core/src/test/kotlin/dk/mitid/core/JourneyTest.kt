package dk.mitid.core

import dk.mitid.core.screens.ActivationScreen
import dk.mitid.core.screens.ApprovalScreen
import dk.mitid.core.screens.HomeScreen
import dk.mitid.core.screens.NewPinScreen
import dk.mitid.core.support.PIN
import dk.mitid.core.support.Phone
import dk.mitid.core.support.activate
import dk.mitid.core.support.assertMitid
import dk.mitid.core.support.assertThrows
import dk.mitid.testkit.LoginChannel
import dk.mitid.testkit.LoginFactor
import dk.mitid.testkit.LoginStatus
import dk.mitid.testkit.TestServer
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * The whole journey of `mitid demo`, from Kotlin through the screen-state adapters, against
 * the real server over HTTPS: create a citizen; activate with the activation code and the
 * temporary PIN from the SMS (a weak PIN refused with its reason); approve a login with
 * channel binding; three wrong PINs lock the app; a temporary PIN from the support desk;
 * a new PIN; biometrics on (and a biometric approval); the user ID change refused as taken,
 * then accepted; a second user on the same app.
 */
class JourneyTest {
    private fun stage(name: String) = println("     journey: $name")

    @Test
    fun theWholeJourneyOfMitidDemo() = runBlocking<Unit> {
        TestServer.start().use { server ->
            Phone(server).use { phone ->
                val app = phone.app
                val home = HomeScreen(app)
                assertTrue(home.state.value.step.users.isEmpty())

                stage("the registry creates a citizen; support sends an activation code")
                val citizen = server.createCitizen("journey")
                server.issueActivationCode(citizen)
                val activationCode = server.codeFromMessage(citizen.mobile, "activation_code", 10u)

                stage("activation: user ID, activation code, temporary PIN from the SMS")
                val user = ActivationScreen(app.startActivation()).use { screen ->
                    assertEquals(ActivationStep.EnterUserId, screen.state.value.step)
                    screen.submitUserId(citizen.userId).getOrThrow()
                    val sent = screen.submitActivationCode(activationCode).getOrThrow()
                    assertTrue("$sent", sent is ActivationStep.EnterTemporaryPin)
                    val temporaryPin = server.codeFromMessage(citizen.mobile, "temporary_pin", 8u)
                    assertEquals(ActivationStep.ChooseNewPin, screen.submitTemporaryPin(temporaryPin).getOrThrow())

                    stage("a weak PIN is refused with its reason")
                    val weak = screen.submitNewPin("123456").exceptionOrNull()
                    assertMitid("pin_sequence", weak)
                    assertEquals(PinRejection.SEQUENCE, (weak as MitidException.PinRejected).reason)
                    assertEquals(ActivationStep.ChooseNewPin, screen.state.value.step)
                    assertEquals("pin_sequence", screen.state.value.error?.code())
                    assertTrue(screen.state.value.error!!.message(Language.DANISH).isNotBlank())

                    assertEquals(ActivationStep.RepeatNewPin, screen.submitNewPin(PIN).getOrThrow())
                    assertEquals(ActivationStep.ChooseBiometrics, screen.submitRepeatPin(PIN).getOrThrow())
                    assertEquals(ActivationStep.ChooseNotifications, screen.chooseBiometrics(false).getOrThrow())
                    val done = screen.chooseNotifications(true).getOrThrow() as ActivationStep.Done
                    assertEquals(null, screen.state.value.error)
                    done.user
                }
                assertEquals(citizen.userId, user.userId)
                assertEquals(UserStatus.READY, user.status)
                assertEquals(true, app.notificationsAllowed(user.localId))
                home.refresh().getOrThrow()
                assertEquals(listOf(user.localId), home.state.value.step.users.map { it.user.localId })

                stage("approve a login with channel binding (the 4-digit code) and the PIN")
                ApprovalScreen(app.approvalFlow(user.localId)).use { screen ->
                    val login = server.startLogin(citizen.userId, LoginChannel.CODE, false, "Log på", "Testbutikken")
                    val arrived = screen.waitForRequest(10u).getOrThrow() as ApprovalStep.EnterChannelBinding
                    assertEquals("Testbutikken", arrived.request.serviceProvider)
                    assertEquals(ChannelBindingKind.CODE, arrived.request.channelBinding)
                    assertFalse(arrived.request.swipeAllowed)
                    val choose = screen.enterCode(login.code!!).getOrThrow() as ApprovalStep.ChooseFactor
                    assertEquals(listOf(ApprovalFactor.PIN), choose.factors)
                    assertEquals(ApprovalStep.Done(ApprovalOutcome.APPROVED), screen.approveWithPin(PIN).getOrThrow())
                    val result = server.loginResult(login.transactionId)
                    assertEquals(LoginStatus.APPROVED, result.status)
                    assertEquals(LoginFactor.PIN, result.factor)
                    assertEquals(citizen.userId, result.userId)
                    assertTrue(result.subject != null)

                    stage("three wrong PINs lock the app temporarily")
                    val second = server.startLogin(citizen.userId, LoginChannel.CODE, false, "Log på", "igen")
                    screen.waitForRequest(10u).getOrThrow()
                    screen.enterCode(second.code!!).getOrThrow()
                    val first = screen.approveWithPin("111222").exceptionOrNull()
                    assertMitid("wrong_pin", first, remaining = 2u)
                    assertTrue(screen.state.value.step is ApprovalStep.ChooseFactor)
                    assertMitid("wrong_pin", screen.approveWithPin("111222").exceptionOrNull(), remaining = 1u)
                    val third = screen.approveWithPin("111222").exceptionOrNull() as MitidException
                    assertTrue(third.code(), third.code() in setOf("wrong_pin", "temporarily_locked"))
                    assertEquals(ApprovalStep.Ended, screen.state.value.step)
                }
                assertEquals(UserStatus.TEMPORARILY_LOCKED, app.status(user.localId).status)
                // The unanswered login stays pending at the relying party until it expires
                // (5 minutes); only one login per user may be pending.
                server.advanceClock(6 * 60)
                home.refresh().getOrThrow()
                val locked = home.state.value.step.users.single()
                assertEquals(listOf(HomeAction.TEMPORARY_PIN, HomeAction.REMOVE_USER), locked.actions)

                stage("the support desk sends a temporary PIN; the citizen chooses a new PIN and turns biometrics on")
                server.issueTemporaryPin(citizen, user.authenticatorId)
                val temporaryPin = server.codeFromMessage(citizen.mobile, "temporary_pin", 8u)
                val newPin = "472915"
                NewPinScreen(app.newPinFlow(user.localId, NewPinStart.TEMPORARY_PIN)).use { screen ->
                    assertEquals(NewPinStep.ChooseNewPin, screen.submitTemporaryPin(temporaryPin).getOrThrow())
                    assertEquals(NewPinStep.RepeatNewPin, screen.submitNewPin(newPin).getOrThrow())
                    assertEquals(NewPinStep.ChooseBiometrics(false), screen.submitRepeatPin(newPin).getOrThrow())
                    val promptsBefore = phone.prompt.prompts
                    assertEquals(NewPinStep.Done, screen.chooseBiometrics(true).getOrThrow())
                    assertTrue(phone.prompt.prompts > promptsBefore)
                }
                val ready = app.status(user.localId)
                assertEquals(UserStatus.READY, ready.status)
                assertTrue(ready.biometricsEnabled)
                assertEquals(1, phone.keys.userAuthenticatedSignatures)

                stage("approve with biometrics")
                ApprovalScreen(app.approvalFlow(user.localId)).use { screen ->
                    val login = server.startLogin(citizen.userId, LoginChannel.CODE, false, "Log på", "med biometri")
                    screen.waitForRequest(10u).getOrThrow()
                    val choose = screen.enterCode(login.code!!).getOrThrow() as ApprovalStep.ChooseFactor
                    assertEquals(listOf(ApprovalFactor.BIOMETRICS, ApprovalFactor.PIN), choose.factors)
                    assertEquals(ApprovalStep.Done(ApprovalOutcome.APPROVED), screen.approveWithBiometrics().getOrThrow())
                    assertEquals(LoginFactor.BIOMETRICS, server.loginResult(login.transactionId).factor)
                }

                stage("the old PIN is gone, the new one works")
                ApprovalScreen(app.approvalFlow(user.localId)).use { screen ->
                    val login = server.startLogin(citizen.userId, LoginChannel.CODE, false, "Log på", "med ny PIN")
                    screen.waitForRequest(10u).getOrThrow()
                    screen.enterCode(login.code!!).getOrThrow()
                    assertMitid("wrong_pin", screen.approveWithPin(PIN).exceptionOrNull(), remaining = 2u)
                    assertEquals(ApprovalStep.Done(ApprovalOutcome.APPROVED), screen.approveWithPin(newPin).getOrThrow())
                }

                stage("a user ID change: requested with biometrics, an hour later refused as taken, then accepted")
                val someoneElse = server.createCitizen("taken")
                val window = app.requestProfileChange(user.localId, Confirm.Biometrics)
                assertEquals(server.now() + 3600, window.opensAt)
                assertThrows<MitidException.NotYetAllowed> { runBlocking { app.changeUserId(user.localId, "${citizen.userId}.ny", Confirm.Pin(newPin)) } }
                server.advanceClock(3600)
                assertThrows<MitidException.UserIdTaken> { runBlocking { app.changeUserId(user.localId, someoneElse.userId, Confirm.Pin(newPin)) } }
                val wanted = "${citizen.userId}.ny"
                assertEquals(wanted, app.changeUserId(user.localId, wanted, Confirm.Pin(newPin)))
                assertEquals(wanted, app.users().single().userId)

                stage("a second user on the same app")
                val second = server.createCitizen("second")
                val secondUser = phone.activate(second)
                val users = app.users()
                assertEquals(listOf(user.localId, secondUser.localId), users.map { it.localId })
                // Biometrics need a single user: the first user's were turned off.
                assertFalse(users.first().biometricsEnabled)
                ApprovalScreen(app.approvalFlow(secondUser.localId)).use { screen ->
                    val login = server.startLogin(second.userId, LoginChannel.CODE, false, "Log på", "anden bruger")
                    screen.waitForRequest(10u).getOrThrow()
                    val choose = screen.enterCode(login.code!!).getOrThrow() as ApprovalStep.ChooseFactor
                    assertEquals(listOf(ApprovalFactor.PIN), choose.factors)
                    assertEquals(ApprovalStep.Done(ApprovalOutcome.APPROVED), screen.approveWithPin(PIN).getOrThrow())
                    assertEquals(second.userId, server.loginResult(login.transactionId).userId)
                }
                home.refresh().getOrThrow()
                assertEquals(2, home.state.value.step.users.size)
                assertTrue(home.state.value.step.users.all { it.user.status == UserStatus.READY })
            }
        }
    }
}
