// A software key store in plain JCA (no Android, no Rust): the foreign-trait path of the key
// store and the secret store, as the Android Keystore adapter takes it, on the desktop JVM.
package dk.mitid.core.support

import dk.mitid.core.KeyOptions
import dk.mitid.core.PlatformException
import dk.mitid.core.PlatformKeyStore
import dk.mitid.core.PlatformSecretStore
import dk.mitid.core.platform.PublicKeys
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.util.concurrent.ConcurrentHashMap

/** What the simulated sensor answers when a user-authentication key signs. */
enum class Sensor { SUCCESS, CANCEL, FAIL }

/**
 * P-256 keys from `KeyPairGenerator("EC")` (secp256r1), signatures from
 * `Signature("SHA256withECDSA")` (DER, as Android Keystore returns them), public keys
 * converted from X.509 SubjectPublicKeyInfo to the 65-byte uncompressed point. Keys created
 * with `userAuthentication` ask a simulated sensor ([nextSensor]); [changeEnrollment]
 * invalidates the `biometricBound` keys for good, as Android does.
 */
class JcaKeyStore : PlatformKeyStore, PlatformSecretStore {
    private class Entry(val pair: KeyPair, val options: KeyOptions, @Volatile var invalidated: Boolean = false)

    private val keys = ConcurrentHashMap<String, Entry>()
    private val secrets = ConcurrentHashMap<String, ByteArray>()

    /** The sensor's answer to the next user-authentication signature only. */
    @Volatile
    var nextSensor: Sensor = Sensor.SUCCESS

    /** Signatures made with user-authentication keys (each is one "prompt"). */
    @Volatile
    var userAuthenticatedSignatures = 0
        private set

    /** Calls of each method, by name. */
    val calls = ConcurrentHashMap<String, Int>()

    private fun count(method: String) {
        calls.merge(method, 1, Int::plus)
    }

    override fun createKey(alias: String, options: KeyOptions): ByteArray {
        count("createKey")
        if (options.biometricBound && !options.userAuthentication) throw PlatformException.InvalidOptions()
        val generator = KeyPairGenerator.getInstance("EC")
        generator.initialize(ECGenParameterSpec("secp256r1"))
        val entry = Entry(generator.generateKeyPair(), options)
        if (keys.putIfAbsent(alias, entry) != null) throw PlatformException.KeyAlreadyExists()
        return PublicKeys.uncompressedPoint(entry.pair.public.encoded)
    }

    override fun publicKey(alias: String): ByteArray {
        count("publicKey")
        val entry = keys[alias] ?: throw PlatformException.KeyNotFound()
        return PublicKeys.uncompressedPoint(entry.pair.public.encoded)
    }

    override fun sign(alias: String, message: ByteArray): ByteArray {
        count("sign")
        val entry = keys[alias] ?: throw PlatformException.KeyNotFound()
        if (entry.invalidated) throw PlatformException.KeyInvalidated()
        if (entry.options.userAuthentication) {
            userAuthenticatedSignatures++
            val answer = nextSensor
            nextSensor = Sensor.SUCCESS
            when (answer) {
                Sensor.SUCCESS -> {}
                Sensor.CANCEL -> throw PlatformException.UserCancelled()
                Sensor.FAIL -> throw PlatformException.AuthenticationFailed()
            }
        }
        return Signature.getInstance("SHA256withECDSA").run {
            initSign(entry.pair.private)
            update(message)
            sign()
        }
    }

    override fun deleteKey(alias: String) {
        count("deleteKey")
        keys.remove(alias)
    }

    override fun keyExists(alias: String): Boolean {
        count("keyExists")
        return keys.containsKey(alias)
    }

    override fun putSecret(name: String, secret: ByteArray) {
        count("putSecret")
        secrets[name] = secret.copyOf()
    }

    override fun getSecret(name: String): ByteArray? {
        count("getSecret")
        return secrets[name]?.copyOf()
    }

    override fun deleteSecret(name: String) {
        count("deleteSecret")
        secrets.remove(name)?.fill(0)
    }

    /** The user added or removed a fingerprint: biometric-bound keys die. */
    fun changeEnrollment() {
        keys.values.filter { it.options.biometricBound }.forEach { it.invalidated = true }
    }

    /** How many keys exist (any alias). */
    val keyCount: Int get() = keys.size
}
