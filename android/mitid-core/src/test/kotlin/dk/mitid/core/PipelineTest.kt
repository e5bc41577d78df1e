package dk.mitid.core

import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/**
 * Exercises every uniffi mechanism of the bindings on the JVM (JNA + the host cdylib):
 * sync calls, records, errors with stable codes, async on tokio, objects, a Kotlin
 * implementation of a Rust trait (including exceptions thrown in Kotlin), cancellation.
 * Runs with JUnit 4: scripts/test-kotlin.sh here, `./gradlew :mitid-core:test` on a desktop JVM.
 */
class PipelineTest {
    /** A key store in Kotlin: "signs" by reversing; fails in the two ways foreign code can. */
    private class FakeKeyStore : ForeignKeyStore {
        var calls = 0

        override fun sign(alias: String, message: ByteArray): ByteArray {
            calls++
            return when (alias) {
                "locked" -> throw MitidException.KeyStore("user authentication required")
                "buggy" -> throw IllegalStateException("bug in the Kotlin key store")
                "empty" -> ByteArray(0)
                else -> message.reversedArray()
            }
        }
    }

    private inline fun <reified E : MitidException> assertThrowsMitid(block: () -> Unit): E {
        try {
            block()
        } catch (e: MitidException) {
            if (e is E) return e
            fail("expected ${E::class.simpleName}, got ${e::class.simpleName} (code ${e.code()}): ${e.message}")
        }
        fail("expected ${E::class.simpleName}, nothing was thrown")
        throw AssertionError("unreachable")
    }

    @Test
    fun syncFunctionReturnsTheCrateVersion() {
        assertTrue(coreVersion().matches(Regex("""\d+\.\d+\.\d+.*""")))
    }

    @Test
    fun recordCrossesTheBoundary() {
        val info = coreInfo()
        assertEquals(coreVersion(), info.version)
        assertEquals("linux", info.targetOs)
        assertEquals(info, info.copy())
    }

    @Test
    fun errorHasAStableCode() {
        checkAlias("device-key.1")
        val e = assertThrowsMitid<MitidException.InvalidArgument> { checkAlias("Not Valid") }
        assertEquals("invalid_argument", e.code())
        assertTrue(e.reason, e.reason.contains("Not Valid"))
    }

    @Test
    fun asyncFunctionRunsOnTokio() = runBlocking<Unit> {
        assertEquals("hello", delayedEcho("hello", 20uL))
        // Several calls in flight at once on the Rust runtime.
        val calls = (1..5).map { i -> async { delayedEcho("m$i", 30uL) } }
        assertEquals((1..5).map { "m$it" }, calls.map { it.await() })
        val e = assertThrowsMitid<MitidException.InvalidArgument> { runBlocking { delayedEcho("", 0uL) } }
        assertEquals("invalid_argument", e.code())
    }

    @Test
    fun objectWithMethodsCallsTheKotlinTrait() {
        val store = FakeKeyStore()
        Signer(store).use { signer ->
            assertArrayEquals(byteArrayOf(3, 2, 1), signer.sign("device", byteArrayOf(1, 2, 3)))
            assertEquals(1uL, signer.signatureCount())
            // Rejected in Rust before the key store is called.
            assertThrowsMitid<MitidException.InvalidArgument> { signer.sign("BAD ALIAS", byteArrayOf(1)) }
            assertEquals(1, store.calls)
            // A Kotlin result Rust rejects.
            val empty = assertThrowsMitid<MitidException.KeyStore> { signer.sign("empty", byteArrayOf(1)) }
            assertEquals("key_store", empty.code())
            assertEquals(1uL, signer.signatureCount())
        }
    }

    @Test
    fun declaredKotlinExceptionBecomesTheTypedRustError() {
        Signer(FakeKeyStore()).use { signer ->
            val e = assertThrowsMitid<MitidException.KeyStore> { signer.sign("locked", byteArrayOf(1)) }
            assertEquals("key_store", e.code())
            assertEquals("user authentication required", e.reason)
        }
    }

    @Test
    fun unexpectedKotlinExceptionBecomesForeignErrorNotAPanic() {
        Signer(FakeKeyStore()).use { signer ->
            val e = assertThrowsMitid<MitidException.Foreign> { signer.sign("buggy", byteArrayOf(1)) }
            assertEquals("foreign", e.code())
            assertTrue(e.reason, e.reason.contains("IllegalStateException"))
            assertTrue(e.reason, e.reason.contains("bug in the Kotlin key store"))
            // The object is still usable afterwards.
            assertArrayEquals(byteArrayOf(2, 1), signer.sign("device", byteArrayOf(1, 2)))
        }
    }

    @Test
    fun longOperationCompletes() = runBlocking<Unit> {
        LongOperation().use { op ->
            assertEquals(3u, op.run(3u, 5uL))
            assertEquals(3uL, op.completedSteps())
            assertFalse(op.isCancelled())
        }
    }

    @Test
    fun cancelStopsAnInFlightOperation() = runBlocking<Unit> {
        LongOperation().use { op ->
            val started = System.nanoTime()
            val running = async { runCatching { op.run(1000u, 50uL) } }
            delay(120)
            op.cancel()
            val result = running.await()
            val elapsedMs = (System.nanoTime() - started) / 1_000_000
            val e = result.exceptionOrNull()
            assertTrue("expected Cancelled, got $result", e is MitidException.Cancelled)
            assertEquals("cancelled", (e as MitidException).code())
            assertTrue(op.isCancelled())
            // 50 ms steps, cancelled after ~120 ms: far from all 1000 steps, even on a loaded machine.
            assertTrue("stopped after ${op.completedSteps()} steps", op.completedSteps() < 100uL)
            assertTrue("cancel took too long: $elapsedMs ms", elapsedMs < 5_000)
            // Cancelling is final for the handle.
            assertThrowsMitid<MitidException.Cancelled> { runBlocking { op.run(1u, 0uL) } }
        }
    }
}
