// Test fixtures: a scripted biometric prompt, the server's clock for the app, and an app
// installation (own folder, JCA key store) talking to a TestServer over HTTPS.
package dk.mitid.core.support

import dk.mitid.core.App
import dk.mitid.core.BiometricOutcome
import dk.mitid.core.MitidException
import dk.mitid.core.PlatformBiometricPrompt
import dk.mitid.core.PlatformClock
import dk.mitid.core.PlatformKeyStore
import dk.mitid.core.ServerEndpoint
import dk.mitid.testkit.TestServer
import java.io.File
import java.nio.file.Files
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import org.junit.Assert.fail

/** A prompt that answers from a script (then `SUCCESS`), counting how often it was shown. */
class ScriptedPrompt : PlatformBiometricPrompt {
    private val script = ConcurrentLinkedQueue<BiometricOutcome>()
    private val shown = AtomicInteger()

    /** The answers to the next prompts, in order. */
    fun answer(vararg outcomes: BiometricOutcome) {
        script.addAll(outcomes)
    }

    /** How many prompts were shown. */
    val prompts: Int get() = shown.get()

    /** When set, the prompt throws it (a bug in the Kotlin prompt). */
    @Volatile
    var crash: RuntimeException? = null

    override suspend fun authenticate(reason: String): BiometricOutcome {
        shown.incrementAndGet()
        crash?.let { throw it }
        return script.poll() ?: BiometricOutcome.SUCCESS
    }
}

/** The app's clock is the test server's (fake) clock, so `advanceClock` moves both. */
class ServerClock(private val server: TestServer) : PlatformClock {
    override fun nowUnixSeconds(): Long = server.now()
}

/**
 * One app installation: its folder, key store, prompt and the open [App]. [keyStore]
 * replaces the JCA key store for the keys (the secrets stay in [keys]); [viaProxy] connects
 * through the test kit's proxy (`TestServer.setNetworkDown`).
 */
class Phone(val server: TestServer, keyStore: PlatformKeyStore? = null, viaProxy: Boolean = false) : AutoCloseable {
    val home: File = Files.createTempDirectory("mitid-app").toFile()
    val keys = JcaKeyStore()
    val prompt = ScriptedPrompt()

    /** The server, or (with [viaProxy]) the test kit's proxy whose network a test can cut. */
    val endpoint = if (viaProxy) {
        ServerEndpoint(server.proxyUrl(), server.proxyKeyPins())
    } else {
        ServerEndpoint(server.url(), server.keyPins())
    }
    val app: App = App.open(home.path, endpoint, keyStore ?: keys, keys, prompt, ServerClock(server))

    override fun close() {
        app.close()
        home.deleteRecursively()
    }
}

/** Runs [block], expecting it to throw [E]; returns the exception. */
inline fun <reified E : Throwable> assertThrows(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        val code = (e as? MitidException)?.code()
        fail("expected ${E::class.simpleName}, got ${e::class.qualifiedName} (code $code): $e")
    }
    fail("expected ${E::class.simpleName}, nothing was thrown")
    throw AssertionError("unreachable")
}

/** Asserts that [error] is a MitidException with [code] (and [remaining] tries, when given). */
fun assertMitid(code: String, error: Throwable?, remaining: UInt? = null) {
    if (error !is MitidException) fail("expected MitidException $code, got $error")
    val e = error as MitidException
    org.junit.Assert.assertEquals("error code ($e)", code, e.code())
    if (remaining != null) org.junit.Assert.assertEquals("remaining tries", remaining, e.remaining())
}

/** The phone's NFC link to the test kit's simulated passport chip: every APDU crosses the FFI. */
class ChipLink(private val chip: dk.mitid.testkit.TestChip) : dk.mitid.core.PlatformNfcLink {
    override fun transceive(apdu: ByteArray): ByteArray = chip.transceive(apdu)

    override fun supportsExtendedLength(): Boolean = chip.supportsExtendedLength()
}
