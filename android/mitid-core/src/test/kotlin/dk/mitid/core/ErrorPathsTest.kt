package dk.mitid.core

import dk.mitid.core.support.PIN
import dk.mitid.core.support.Phone
import dk.mitid.core.support.Sensor
import dk.mitid.core.support.activate
import dk.mitid.core.support.assertMitid
import dk.mitid.core.support.assertThrows
import dk.mitid.core.support.loginUpToFactor
import dk.mitid.core.support.WithTestServer
import dk.mitid.testkit.LoginFactor
import dk.mitid.testkit.LoginStatus
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * The error paths, each on its own citizen and app installation against one server: wrong
 * PIN, the temporary lock, an expired temporary PIN, a taken user ID, cancelled biometrics,
 * invalidated biometrics, a Kotlin exception in the key store or the prompt, a wrong
 * channel-binding code, and cancelling the approval long poll.
 */
class ErrorPathsTest : WithTestServer() {
    @Test
    fun aWrongPinKeepsTheRequestOpenWithTheTriesLeft() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val user = phone.activate(server.createCitizen("wrongpin"))
            phone.app.approvalFlow(user.localId).use { flow ->
                val (login, _) = phone.loginUpToFactor(user, flow)
                val wrong = assertThrows<MitidException.WrongPin> { runBlocking { flow.approveWithPin("111222") } }
                assertEquals(2u, wrong.remaining)
                assertTrue(flow.step() is ApprovalStep.ChooseFactor)
                assertMitid("wrong_pin", flow.lastError(), remaining = 2u)
                assertEquals(ApprovalStep.Done(ApprovalOutcome.APPROVED), flow.approveWithPin(PIN))
                assertEquals(LoginStatus.APPROVED, server.loginResult(login.transactionId).status)
            }
        }
    }

    @Test
    fun threeWrongPinsLockTheAppUntilATemporaryPin() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val user = phone.activate(server.createCitizen("lock"))
            phone.app.approvalFlow(user.localId).use { flow ->
                phone.loginUpToFactor(user, flow)
                repeat(2) { assertThrows<MitidException.WrongPin> { runBlocking { flow.approveWithPin("111222") } } }
                assertThrows<MitidException> { runBlocking { flow.approveWithPin("111222") } }
                assertEquals(ApprovalStep.Ended, flow.step())
            }
            assertEquals(UserStatus.TEMPORARILY_LOCKED, phone.app.status(user.localId).status)
            // Locked: approvals are refused by the server, a PIN change is not offered.
            phone.app.approvalFlow(user.localId).use { flow ->
                val e = assertThrows<MitidException> { runBlocking { flow.waitForRequest(1u).use { it.outcome() } } }
                assertMitid("temporarily_locked", e)
            }
            assertEquals(listOf(HomeAction.TEMPORARY_PIN, HomeAction.REMOVE_USER), phone.app.home().users.single().actions)
        }
    }

    @Test
    fun anExpiredTemporaryPinIsRefused() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val citizen = server.createCitizen("expired")
            val user = phone.activate(citizen)
            server.issueTemporaryPin(citizen, user.authenticatorId)
            val temporaryPin = server.codeFromMessage(citizen.mobile, "temporary_pin", 8u)
            server.advanceClock(31 * 60) // valid for 30 minutes
            phone.app.newPinFlow(user.localId, NewPinStart.TEMPORARY_PIN).use { flow ->
                // Checked when entered: no new PIN is typed for nothing.
                val e = assertThrows<MitidException> { runBlocking { flow.submitTemporaryPin(temporaryPin) } }
                assertMitid("code_expired", e)
                assertMitid("code_expired", flow.lastError())
                assertEquals(NewPinStep.EnterTemporaryPin, flow.step())
            }
            // The old PIN still works.
            phone.app.approvalFlow(user.localId).use { flow ->
                phone.loginUpToFactor(user, flow)
                assertEquals(ApprovalStep.Done(ApprovalOutcome.APPROVED), flow.approveWithPin(PIN))
            }
        }
    }

    @Test
    fun aTakenOrInvalidUserIdIsRefusedWithItsReason() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val user = phone.activate(server.createCitizen("userid"))
            val other = server.createCitizen("occupied")
            val pin = Confirm.Pin(PIN)
            assertThrows<MitidException.UserIdTaken> { runBlocking { phone.app.changeUserId(user.localId, other.userId, pin) } }
            val invalid = assertThrows<MitidException.UserIdInvalid> { runBlocking { phone.app.changeUserId(user.localId, "abc", pin) } }
            // Free, but not yet requested (help page 000: request, then an hour).
            val early = assertThrows<MitidException.NotYetAllowed> { runBlocking { phone.app.changeUserId(user.localId, "userid.free", pin) } }
            assertEquals(null, early.opensAt)
            assertEquals("user_id_length", invalid.rule)
            assertEquals(user.userId, phone.app.users().single().userId)
        }
    }

    @Test
    fun cancelledBiometricsLeaveThePinAsTheWayOn() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val user = phone.activate(server.createCitizen("biocancel"), biometrics = true)
            assertTrue(phone.app.users().single().biometricsEnabled)
            phone.app.approvalFlow(user.localId).use { flow ->
                val (login, choose) = phone.loginUpToFactor(user, flow)
                assertTrue(ApprovalFactor.BIOMETRICS in choose.factors)
                // The citizen dismisses the prompt...
                phone.prompt.answer(BiometricOutcome.CANCELLED)
                assertThrows<MitidException.BiometricsCancelled> { runBlocking { flow.approveWithBiometrics() } }
                assertTrue(flow.step() is ApprovalStep.ChooseFactor)
                // ... or the key's own prompt (Android CryptoObject) is dismissed.
                phone.keys.nextSensor = Sensor.CANCEL
                assertThrows<MitidException.BiometricsCancelled> { runBlocking { flow.approveWithBiometrics() } }
                assertEquals(LoginStatus.PENDING, server.loginResult(login.transactionId).status)
                assertEquals(ApprovalStep.Done(ApprovalOutcome.APPROVED), flow.approveWithPin(PIN))
                assertEquals(LoginFactor.PIN, server.loginResult(login.transactionId).factor)
            }
            // Enabling again is refused while it is on; turning it off and on with a
            // cancelled prompt leaves it off.
            phone.app.disableBiometrics(user.localId)
            phone.prompt.answer(BiometricOutcome.CANCELLED)
            assertThrows<MitidException.BiometricsCancelled> { runBlocking { phone.app.enableBiometrics(user.localId, PIN) } }
            assertFalse(phone.app.users().single().biometricsEnabled)
            // A cancel at the key's own prompt comes after the PIN attempt started (Android's
            // only real prompt): three of them cost no try, and the PIN still enables.
            repeat(3) {
                phone.keys.nextSensor = Sensor.CANCEL
                assertThrows<MitidException.BiometricsCancelled> { runBlocking { phone.app.enableBiometrics(user.localId, PIN) } }
            }
            assertFalse(phone.app.users().single().biometricsEnabled)
            phone.app.enableBiometrics(user.localId, PIN)
            assertTrue(phone.app.users().single().biometricsEnabled)
        }
    }

    @Test
    fun aBiometricEnrollmentChangeTurnsBiometricsOff() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val user = phone.activate(server.createCitizen("enrol"), biometrics = true)
            phone.keys.changeEnrollment()
            phone.app.approvalFlow(user.localId).use { flow ->
                phone.loginUpToFactor(user, flow)
                assertThrows<MitidException.BiometricsInvalidated> { runBlocking { flow.approveWithBiometrics() } }
                val choose = flow.step() as ApprovalStep.ChooseFactor
                assertEquals(listOf(ApprovalFactor.PIN), choose.factors)
            }
            assertFalse(phone.app.status(user.localId).biometricsEnabled)
        }
    }

    /** A key store whose Kotlin code has a bug: it throws a RuntimeException. */
    private class BuggyKeyStore : PlatformKeyStore {
        override fun createKey(alias: String, options: KeyOptions): ByteArray = throw IllegalStateException("bug in the Kotlin key store")
        override fun publicKey(alias: String): ByteArray = throw IllegalStateException("bug")
        override fun sign(alias: String, message: ByteArray): ByteArray = throw IllegalStateException("bug")
        override fun deleteKey(alias: String) {}
        override fun keyExists(alias: String): Boolean = false
    }

    @Test
    fun aKotlinExceptionInTheKeyStoreBecomesATypedError() = runBlocking<Unit> {
        Phone(server, BuggyKeyStore()).use { phone ->
            val citizen = server.createCitizen("buggy")
            server.issueActivationCode(citizen)
            phone.app.startActivation().use { flow ->
                flow.submitUserId(citizen.userId)
                flow.submitActivationCode(server.codeFromMessage(citizen.mobile, "activation_code", 10u))
                flow.submitTemporaryPin(server.codeFromMessage(citizen.mobile, "temporary_pin", 8u))
                flow.submitNewPin(PIN)
                val e = assertThrows<MitidException> { runBlocking { flow.submitRepeatPin(PIN) } }
                assertTrue(e.code(), e.code().startsWith("key_store_"))
                assertEquals(e.code(), flow.lastError()?.code())
            }
            assertTrue(phone.app.users().isEmpty())
        }
    }

    @Test
    fun aKotlinExceptionInTheBiometricPromptCountsAsUnavailable() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val user = phone.activate(server.createCitizen("buggyprompt"))
            phone.prompt.crash = IllegalStateException("bug in the Kotlin prompt")
            val e = assertThrows<MitidException.BiometricsUnavailable> {
                runBlocking { phone.app.enableBiometrics(user.localId, PIN) }
            }
            assertEquals("biometrics_unavailable", e.code())
            assertFalse(phone.app.users().single().biometricsEnabled)
            // No PIN attempt was spent: the PIN still has all its tries.
            phone.prompt.crash = null
            phone.app.approvalFlow(user.localId).use { flow ->
                phone.loginUpToFactor(user, flow)
                assertMitid("wrong_pin", runCatching { flow.approveWithPin("111222") }.exceptionOrNull(), remaining = 2u)
            }
        }
    }

    @Test
    fun aWrongChannelBindingCodeIsRefusedByTheServer() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val user = phone.activate(server.createCitizen("binding"))
            phone.app.approvalFlow(user.localId).use { flow ->
                val login = server.startLogin(user.userId, dk.mitid.testkit.LoginChannel.CODE, false, "Log på", "forkert kode")
                flow.waitForRequest(10u).use { it.outcome() }
                // A malformed code is refused locally, a wrong one by the server.
                assertThrows<MitidException.ChannelCodeMalformed> { runBlocking { flow.enterCode("12") } }
                val wrong = if (login.code == "0000") "1111" else "0000"
                flow.enterCode(wrong)
                val e = assertThrows<MitidException.ChannelBindingMismatch> { runBlocking { flow.approveWithPin(PIN) } }
                assertTrue(flow.step() is ApprovalStep.EnterChannelBinding)
                assertMitid(e.code(), flow.lastError())
                flow.enterCode(login.code!!)
                assertEquals(ApprovalStep.Done(ApprovalOutcome.APPROVED), flow.approveWithPin(PIN))
            }
        }
    }

    @Test
    fun theApprovalLongPollIsCancelledThroughItsHandle() = runBlocking<Unit> {
        Phone(server).use { phone ->
            val user = phone.activate(server.createCitizen("longpoll"))
            phone.app.approvalFlow(user.localId).use { flow ->
                // cancel(): the wait ends at once with Cancelled, the step is idle again.
                val started = System.nanoTime()
                val wait = flow.waitForRequest(30u)
                delay(200)
                assertFalse(wait.isFinished())
                wait.cancel()
                val e = withTimeout(5_000) { assertThrows<MitidException.Cancelled> { runBlocking { wait.outcome() } } }
                assertEquals("cancelled", e.code())
                assertTrue((System.nanoTime() - started) / 1_000_000 < 5_000)
                assertTrue(wait.isFinished())
                wait.close()
                assertEquals(ApprovalStep.Idle, flow.step())

                // A cancel right after the start is not lost.
                flow.waitForRequest(30u).use { quick ->
                    quick.cancel()
                    withTimeout(5_000) { assertThrows<MitidException.Cancelled> { runBlocking { quick.outcome() } } }
                }

                // Closing the handle (Kotlin `use`) cancels a wait nobody awaits any more:
                // without the cancel the step would stay Waiting for 30 s. (The second lets the
                // closed wait start.)
                flow.waitForRequest(30u).close()
                delay(1_000)
                withTimeout(5_000) {
                    while (flow.step() != ApprovalStep.Idle) delay(20)
                }

                // A new wait cancels the previous one (one wait at a time).
                val first = flow.waitForRequest(30u)
                flow.waitForRequest(30u).use { second ->
                    withTimeout(5_000) { assertThrows<MitidException.Cancelled> { runBlocking { first.outcome() } } }
                    assertFalse(second.isFinished())
                    second.cancel()
                    withTimeout(5_000) { assertThrows<MitidException.Cancelled> { runBlocking { second.outcome() } } }
                }
                first.close()

                // And the flow works on: the next wait gets the next login.
                val (login, _) = phone.loginUpToFactor(user, flow)
                assertEquals(ApprovalStep.Done(ApprovalOutcome.APPROVED), flow.approveWithPin(PIN))
                assertEquals(LoginStatus.APPROVED, server.loginResult(login.transactionId).status)
            }
        }
    }
}
