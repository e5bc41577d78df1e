// ANDROID ONLY (android.security.keystore, SharedPreferences): compiles with the Android SDK.
package dk.mitid.app.platform

import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import android.util.Base64
import dk.mitid.core.PlatformException
import dk.mitid.core.PlatformSecretStore
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The core's small secrets (PIN peppers): sealed with AES-256-GCM under a non-exportable
 * Android Keystore key (StrongBox when present), the ciphertext in private
 * SharedPreferences, the secret's name as associated data. The app has backup disabled,
 * so the sealed values never leave the device (and would be useless elsewhere).
 */
class AndroidSecretStore(context: Context) : PlatformSecretStore {
    private val preferences = context.getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE)
    private val keyStore: KeyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
    private val hasStrongBox = Build.VERSION.SDK_INT >= Build.VERSION_CODES.P &&
        context.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)

    @Synchronized
    override fun putSecret(name: String, secret: ByteArray) = mapped {
        try {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.ENCRYPT_MODE, wrappingKey())
            cipher.updateAAD(name.toByteArray())
            val sealed = cipher.iv + cipher.doFinal(secret)
            if (!preferences.edit().putString(name, Base64.encodeToString(sealed, Base64.NO_WRAP)).commit()) {
                throw PlatformException.Backend("preferences_write", "the sealed secret was not written")
            }
        } finally {
            // The core's copy is wiped on its side; this one, handed over, is ours to wipe.
            secret.fill(0)
        }
    }

    @Synchronized
    override fun getSecret(name: String): ByteArray? = mapped {
        val stored = preferences.getString(name, null) ?: return@mapped null
        val sealed = try {
            Base64.decode(stored, Base64.NO_WRAP)
        } catch (e: IllegalArgumentException) {
            throw PlatformException.StorageCorrupt()
        }
        if (sealed.size < IV_LEN + TAG_LEN / 8) throw PlatformException.StorageCorrupt()
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, wrappingKey(), GCMParameterSpec(TAG_LEN, sealed, 0, IV_LEN))
        cipher.updateAAD(name.toByteArray())
        try {
            cipher.doFinal(sealed, IV_LEN, sealed.size - IV_LEN)
        } catch (e: GeneralSecurityException) {
            throw PlatformException.StorageCorrupt()
        }
    }

    @Synchronized
    override fun deleteSecret(name: String) = mapped {
        // A delete not written leaves the sealed secret behind: the core must not be told it
        // is gone (a removed user's pepper would stay on the phone).
        if (!preferences.edit().remove(name).commit()) {
            throw PlatformException.Backend("preferences_write", "the secret was not deleted")
        }
    }

    private fun wrappingKey(): SecretKey {
        (keyStore.getKey(WRAPPING_ALIAS, null) as? SecretKey)?.let { return it }
        fun generate(strongBox: Boolean): SecretKey {
            val spec = KeyGenParameterSpec.Builder(
                WRAPPING_ALIAS,
                KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
            )
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .apply { if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) setIsStrongBoxBacked(strongBox) }
                .build()
            return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE).run {
                init(spec)
                generateKey()
            }
        }
        return if (hasStrongBox) {
            try {
                generate(strongBox = true)
            } catch (e: StrongBoxUnavailableException) {
                generate(strongBox = false)
            }
        } else {
            generate(strongBox = false)
        }
    }

    private inline fun <T> mapped(block: () -> T): T = try {
        block()
    } catch (e: PlatformException) {
        throw e
    } catch (e: GeneralSecurityException) {
        throw PlatformException.Backend("secret_store_${e.javaClass.simpleName}", e.message ?: "")
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val PREFERENCES = "mitid.secrets"
        const val WRAPPING_ALIAS = "mitid.secret-wrapping"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_LEN = 12
        const val TAG_LEN = 128
    }
}
