// ANDROID ONLY: instrumented tests of the Android adapters, run on the emulator by
// .github/workflows/mobile.yml (./gradlew :app:connectedDebugAndroidTest).
package dk.mitid.app

import androidx.test.ext.junit.runners.AndroidJUnit4
import androidx.test.platform.app.InstrumentationRegistry
import dk.mitid.app.platform.AndroidKeyStoreAdapter
import dk.mitid.app.platform.AndroidSecretStore
import dk.mitid.app.platform.BiometricGate
import dk.mitid.core.App
import dk.mitid.core.KeyOptions
import dk.mitid.core.PlatformException
import dk.mitid.core.ServerEndpoint
import java.io.File
import java.math.BigInteger
import java.security.AlgorithmParameters
import java.security.KeyFactory
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.security.spec.ECParameterSpec
import java.security.spec.ECPoint
import java.security.spec.ECPublicKeySpec
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import org.junit.runner.RunWith

/** The Android Keystore key store and the Keystore-sealed secret store, under the core. */
@RunWith(AndroidJUnit4::class)
class PlatformAdaptersTest {
    private val context = InstrumentationRegistry.getInstrumentation().targetContext
    private val gate = BiometricGate(context)
    private val plain = KeyOptions(userAuthentication = false, biometricBound = false)

    private fun verifies(point: ByteArray, message: ByteArray, der: ByteArray): Boolean {
        val params = AlgorithmParameters.getInstance("EC").apply { init(ECGenParameterSpec("secp256r1")) }
        val spec = params.getParameterSpec(ECParameterSpec::class.java)
        val w = ECPoint(BigInteger(1, point.copyOfRange(1, 33)), BigInteger(1, point.copyOfRange(33, 65)))
        val key = KeyFactory.getInstance("EC").generatePublic(ECPublicKeySpec(w, spec))
        return Signature.getInstance("SHA256withECDSA").run {
            initVerify(key)
            update(message)
            verify(der)
        }
    }

    @Test
    fun deviceKeysSignInTheFormatsOfTheCore() {
        val keys = AndroidKeyStoreAdapter(context, gate)
        val alias = "mitid.test.device"
        keys.deleteKey(alias)
        val point = keys.createKey(alias, plain)
        assertEquals(65, point.size)
        assertArrayEquals(point, keys.publicKey(alias))
        val message = "MitID request".toByteArray()
        assertTrue(verifies(point, message, keys.sign(alias, message)))
        try {
            keys.createKey(alias, plain)
            fail("a second key under the same alias")
        } catch (e: PlatformException.KeyAlreadyExists) {
        }
        keys.deleteKey(alias)
        keys.deleteKey(alias)
        try {
            keys.sign(alias, message)
            fail("signed with a deleted key")
        } catch (e: PlatformException.KeyNotFound) {
        }
    }

    @Test
    fun secretsAreSealedAndNamed() {
        val secrets = AndroidSecretStore(context)
        secrets.putSecret("mitid.test.secret", ByteArray(32) { 1 })
        assertArrayEquals(ByteArray(32) { 1 }, secrets.getSecret("mitid.test.secret"))
        secrets.deleteSecret("mitid.test.secret")
        assertNull(secrets.getSecret("mitid.test.secret"))
    }

    @Test
    fun theCoreOpensOverTheAndroidAdapters() {
        val home = File(context.cacheDir, "mitid-test-${System.nanoTime()}")
        val endpoint = ServerEndpoint("https://10.0.2.2:8443", listOf("sha256/" + "A".repeat(43) + "=", "sha256/" + "B".repeat(42) + "A="))
        App.open(home.path, endpoint, AndroidKeyStoreAdapter(context, gate), AndroidSecretStore(context), gate, null).use { app ->
            assertTrue(app.users().isEmpty())
            assertTrue(app.home().canAddUser)
        }
        home.deleteRecursively()
    }
}
