package dk.mitid.core

import dk.mitid.core.support.WithTestServer
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The test kit: the real server in-process over HTTPS, driven as staff and relying party. */
class TestServerTest : WithTestServer() {
    @Test
    fun theServerListensOnLoopbackOverHttpsWithAKeyPin() {
        assertTrue(server.url(), server.url().startsWith("https://127.0.0.1:"))
        assertTrue(server.keyPin(), server.keyPin().startsWith("sha256/"))
    }

    @Test
    fun supportSendsAnActivationCodeBySms() {
        val citizen = server.createCitizen("kotlin")
        val issued = server.issueActivationCode(citizen)
        assertNotNull(issued.smsSentTo)
        val sms = server.lastMessage(citizen.mobile)
        assertEquals("activation_code", sms?.kind)
        assertEquals(10, server.codeFromMessage(citizen.mobile, "activation_code", 10u).length)
    }

    @Test
    fun theClockMovesOnlyWhenTold() {
        val before = server.now()
        server.advanceClock(90)
        assertEquals(before + 90, server.now())
    }
}
