// ANDROID ONLY (android.security.keystore): compiles with the Android SDK, not on the JVM.
package dk.mitid.app.platform

import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyInfo
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import android.security.keystore.UserNotAuthenticatedException
import dk.mitid.core.KeyOptions
import dk.mitid.core.PlatformException
import dk.mitid.core.PlatformKeyStore
import dk.mitid.core.platform.PublicKeys
import java.security.GeneralSecurityException
import java.security.KeyFactory
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.PrivateKey
import java.security.ProviderException
import java.security.Signature
import java.security.spec.ECGenParameterSpec

/**
 * The core's device and biometric keys in the Android Keystore: ECDSA P-256, never
 * exportable, in StrongBox when the device has one. A `userAuthentication` key needs a strong
 * biometric for every signature (timeout 0: per-use, through [BiometricGate] with a
 * CryptoObject); a `biometricBound` key is invalidated when biometrics are enrolled or removed
 * (`setInvalidatedByBiometricEnrollment(true)`).
 *
 * Called on the core's threads (never the main thread); `sign` of a biometric key blocks until
 * the user answered the prompt. Adapters only: which key, when and why is the core's business.
 */
class AndroidKeyStoreAdapter(
    context: Context,
    private val gate: BiometricGate,
) : PlatformKeyStore {
    private val keyStore: KeyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
    private val hasStrongBox = Build.VERSION.SDK_INT >= Build.VERSION_CODES.P &&
        context.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)

    override fun createKey(alias: String, options: KeyOptions): ByteArray = mapped {
        if (options.biometricBound && !options.userAuthentication) throw PlatformException.InvalidOptions()
        if (keyStore.containsAlias(alias)) throw PlatformException.KeyAlreadyExists()
        val pair = if (hasStrongBox) {
            try {
                generate(alias, options, strongBox = true)
            } catch (e: StrongBoxUnavailableException) {
                generate(alias, options, strongBox = false)
            }
        } else {
            generate(alias, options, strongBox = false)
        }
        PublicKeys.uncompressedPoint(pair.public.encoded)
    }

    override fun publicKey(alias: String): ByteArray = mapped {
        val certificate = keyStore.getCertificate(alias) ?: throw PlatformException.KeyNotFound()
        PublicKeys.uncompressedPoint(certificate.publicKey.encoded)
    }

    override fun sign(alias: String, message: ByteArray): ByteArray = mapped {
        val key = keyStore.getKey(alias, null) as? PrivateKey ?: throw PlatformException.KeyNotFound()
        val signature = Signature.getInstance("SHA256withECDSA")
        // An invalidated biometric key fails here, before any prompt is shown.
        signature.initSign(key)
        val ready = if (requiresUser(key)) gate.authenticateBlocking(signature) else signature
        ready.update(message)
        ready.sign()
    }

    override fun deleteKey(alias: String) = mapped {
        if (keyStore.containsAlias(alias)) keyStore.deleteEntry(alias)
    }

    override fun keyExists(alias: String): Boolean = mapped { keyStore.containsAlias(alias) }

    /**
     * The biometric keys the platform has invalidated since they were made (biometrics were
     * enrolled or removed). Check at start-up and tell the core with
     * `App.biometricEnrollmentChanged()` when the list is not empty.
     */
    fun invalidatedBiometricKeys(): List<String> {
        // Any other failure of the Keystore (a key it cannot load, StrongBox refusing) is no
        // sign of new biometrics, and must not escape: this runs at every resume, and an
        // exception here would end the app each time. The signature itself then reports it.
        val aliases = try {
            keyStore.aliases().toList()
        } catch (e: GeneralSecurityException) {
            return emptyList()
        }
        return aliases.filter { it.endsWith(".biometric") }.filter { alias ->
            try {
                val key = keyStore.getKey(alias, null) as? PrivateKey ?: return@filter false
                Signature.getInstance("SHA256withECDSA").initSign(key)
                false
            } catch (e: KeyPermanentlyInvalidatedException) {
                true
            } catch (e: GeneralSecurityException) {
                false
            } catch (e: ProviderException) {
                false
            }
        }
    }

    private fun generate(alias: String, options: KeyOptions, strongBox: Boolean): KeyPair {
        val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN)
            .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
            .setDigests(KeyProperties.DIGEST_SHA256)
            .apply {
                if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) setIsStrongBoxBacked(strongBox)
                if (options.userAuthentication) {
                    setUserAuthenticationRequired(true)
                    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                        // 0 seconds: every signature needs its own biometric (CryptoObject).
                        setUserAuthenticationParameters(0, KeyProperties.AUTH_BIOMETRIC_STRONG)
                    } else {
                        @Suppress("DEPRECATION")
                        setUserAuthenticationValidityDurationSeconds(-1)
                    }
                    setInvalidatedByBiometricEnrollment(options.biometricBound)
                }
            }
            .build()
        return KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, ANDROID_KEYSTORE).run {
            initialize(spec)
            generateKeyPair()
        }
    }

    private fun requiresUser(key: PrivateKey): Boolean =
        KeyFactory.getInstance(key.algorithm, ANDROID_KEYSTORE)
            .getKeySpec(key, KeyInfo::class.java)
            .isUserAuthenticationRequired

    /** Runs [block], turning what the Keystore throws into the core's typed errors. */
    private inline fun <T> mapped(block: () -> T): T = try {
        block()
    } catch (e: PlatformException) {
        throw e
    } catch (e: KeyPermanentlyInvalidatedException) {
        throw PlatformException.KeyInvalidated()
    } catch (e: UserNotAuthenticatedException) {
        throw PlatformException.AuthenticationFailed()
    } catch (e: GeneralSecurityException) {
        throw PlatformException.Backend("keystore_${e.javaClass.simpleName}", e.message ?: "")
    } catch (e: ProviderException) {
        throw PlatformException.Backend("keystore_provider", e.message ?: "")
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
    }
}
