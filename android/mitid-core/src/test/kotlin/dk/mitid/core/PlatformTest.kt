package dk.mitid.core

import dk.mitid.core.support.JcaKeyStore
import dk.mitid.core.support.assertThrows
import java.math.BigInteger
import java.security.KeyFactory
import java.security.Signature
import java.security.spec.ECPoint
import java.security.spec.ECPublicKeySpec
import java.security.AlgorithmParameters
import java.security.spec.ECGenParameterSpec
import java.security.spec.ECParameterSpec
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * The platform interfaces and the error type, without a server: the exported software key
 * store, the JCA key store's formats, the PIN policy and the stable error codes.
 */
class PlatformTest {
    private val biometric = KeyOptions(userAuthentication = true, biometricBound = true)
    private val plain = KeyOptions(userAuthentication = false, biometricBound = false)

    /** A P-256 public key from the 65-byte point, for verifying with plain JCA. */
    private fun javaKey(point: ByteArray): java.security.PublicKey {
        val params = AlgorithmParameters.getInstance("EC").apply { init(ECGenParameterSpec("secp256r1")) }
        val spec = params.getParameterSpec(ECParameterSpec::class.java)
        val w = ECPoint(BigInteger(1, point.copyOfRange(1, 33)), BigInteger(1, point.copyOfRange(33, 65)))
        return KeyFactory.getInstance("EC").generatePublic(ECPublicKeySpec(w, spec))
    }

    private fun verifies(point: ByteArray, message: ByteArray, der: ByteArray) =
        Signature.getInstance("SHA256withECDSA").run {
            initVerify(javaKey(point))
            update(message)
            verify(der)
        }

    @Test
    fun theExportedSoftwareKeyStoreSignsAndSimulatesBiometrics() {
        SoftwareKeyStore.inMemory().use { store ->
            val point = store.createKey("device", plain)
            assertEquals(65, point.size)
            assertEquals(0x04.toByte(), point[0])
            assertArrayEquals(point, store.publicKey("device"))
            val message = "MitID".toByteArray()
            assertTrue(verifies(point, message, store.sign("device", message)))
            assertThrows<PlatformException.KeyAlreadyExists> { store.createKey("device", plain) }

            store.createKey("bio", biometric)
            store.setNextBiometricResult(SimulatedBiometricResult.CANCELLED)
            val cancelled = assertThrows<PlatformException.UserCancelled> { store.sign("bio", message) }
            assertEquals("user_cancelled", cancelled.code())
            store.changeBiometricEnrollment()
            assertThrows<PlatformException.KeyInvalidated> { store.sign("bio", message) }
            assertEquals(1uL, store.biometricPromptsShown())

            store.putSecret("pepper", ByteArray(32) { 7 })
            assertArrayEquals(ByteArray(32) { 7 }, store.getSecret("pepper"))
            store.deleteSecret("pepper")
            assertNull(store.getSecret("pepper"))
        }
    }

    @Test
    fun theJcaKeyStoreProducesTheCoresFormats() {
        val store = JcaKeyStore()
        val point = store.createKey("k", plain)
        assertEquals(65, point.size)
        val message = ByteArray(100) { it.toByte() }
        assertTrue(verifies(point, message, store.sign("k", message)))
        assertThrows<PlatformException.KeyNotFound> { store.sign("missing", message) }
        assertThrows<PlatformException.InvalidOptions> {
            store.createKey("x", KeyOptions(userAuthentication = false, biometricBound = true))
        }
    }

    @Test
    fun errorsHaveStableCodesAndTheCoresTexts() {
        val wrong = MitidException.WrongPin(2u)
        assertEquals("wrong_pin", wrong.code())
        assertEquals(2u, wrong.remaining())
        assertTrue(wrong.message(Language.DANISH).contains("2"))
        assertTrue(wrong.message(Language.ENGLISH).contains("Wrong PIN"))
        assertEquals("pin_sequence", MitidException.PinRejected(PinRejection.SEQUENCE).code())
        assertEquals("server_replay", MitidException.ServerRejected("replay").code())
        assertTrue(MitidException.ServerUnreachable().isTransient())
    }

    @Test
    fun newPinsAreCheckedByTheCorePolicy() {
        assertEquals(PinRejection.SEQUENCE, checkNewPin("123456"))
        assertEquals(PinRejection.REPEATED_DIGIT, checkNewPin("111111"))
        assertEquals(PinRejection.FORMAT, checkNewPin("12345"))
        assertNull(checkNewPin("583920"))
        assertTrue(coreVersion().matches(Regex("""\d+\.\d+\.\d+.*""")))
    }
}
