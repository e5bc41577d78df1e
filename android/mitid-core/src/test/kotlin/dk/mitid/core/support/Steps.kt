// Steps the journey and the error-path tests share: activating an app for a citizen, and a
// relying party's login answered in the app up to the factor choice.
package dk.mitid.core.support

import dk.mitid.core.ActivationStep
import dk.mitid.core.ApprovalFlow
import dk.mitid.core.ApprovalStep
import dk.mitid.core.UserSummary
import dk.mitid.testkit.Citizen
import dk.mitid.testkit.Login
import dk.mitid.testkit.LoginChannel
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue

/** A PIN the policy accepts. */
const val PIN = "583920"

/** Support sends an activation code by SMS; the citizen types it, then the temporary PIN. */
suspend fun Phone.activate(citizen: Citizen, pin: String = PIN, biometrics: Boolean = false): UserSummary {
    server.issueActivationCode(citizen)
    val code = server.codeFromMessage(citizen.mobile, "activation_code", 10u)
    val flow = app.startActivation()
    flow.use {
        assertEquals(ActivationStep.EnterActivationCode(citizen.userId), it.submitUserId(citizen.userId))
        assertTrue(it.submitActivationCode(code) is ActivationStep.EnterTemporaryPin)
        val temporaryPin = server.codeFromMessage(citizen.mobile, "temporary_pin", 8u)
        assertEquals(ActivationStep.ChooseNewPin, it.submitTemporaryPin(temporaryPin))
        assertEquals(ActivationStep.RepeatNewPin, it.submitNewPin(pin))
        var step = it.submitRepeatPin(pin)
        if (step == ActivationStep.ChooseBiometrics) step = it.chooseBiometrics(biometrics)
        assertEquals(ActivationStep.ChooseNotifications, step)
        val done = it.chooseNotifications(true)
        assertTrue("$done", done is ActivationStep.Done)
        return (done as ActivationStep.Done).user
    }
}

/** The relying party starts a code login; the app waits for it and types the code. */
suspend fun Phone.loginUpToFactor(user: UserSummary, flow: ApprovalFlow, swipeAllowed: Boolean = false): Pair<Login, ApprovalStep.ChooseFactor> {
    val login = server.startLogin(user.userId, LoginChannel.CODE, swipeAllowed, "Log på", "Testbutikken vil se, at det er dig")
    val arrived = flow.waitForRequest(10u).use { it.outcome() }
    assertTrue("$arrived", arrived is ApprovalStep.EnterChannelBinding)
    val request = (arrived as ApprovalStep.EnterChannelBinding).request
    assertEquals(login.transactionId, request.transactionId)
    val choose = flow.enterCode(login.code!!)
    assertTrue("$choose", choose is ApprovalStep.ChooseFactor)
    return login to (choose as ApprovalStep.ChooseFactor)
}
