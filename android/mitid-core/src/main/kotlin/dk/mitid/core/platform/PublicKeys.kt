// Key formats shared by the JVM key stores (the JCA test store, the Android Keystore adapter).
// Platform-neutral Kotlin.
package dk.mitid.core.platform

import dk.mitid.core.PlatformException

/** Conversions between Java's key encodings and the core's. */
object PublicKeys {
    /** DER prefix of a P-256 SubjectPublicKeyInfo: SEQUENCE, id-ecPublicKey, prime256v1, BIT STRING. */
    private val P256_SPKI_PREFIX = byteArrayOf(
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86.toByte(), 0x48, 0xce.toByte(), 0x3d, 0x02, 0x01,
        0x06, 0x08, 0x2a, 0x86.toByte(), 0x48, 0xce.toByte(), 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    )

    /** Length of the uncompressed point `04 || X || Y`. */
    const val POINT_LEN = 65

    /**
     * The 65-byte uncompressed point inside a P-256 X.509 SubjectPublicKeyInfo
     * (`PublicKey.getEncoded()` of an EC key on secp256r1). Throws `InvalidPublicKey` for
     * anything else.
     */
    fun uncompressedPoint(spki: ByteArray): ByteArray {
        val header = spki.copyOfRange(0, minOf(spki.size, P256_SPKI_PREFIX.size))
        if (spki.size != P256_SPKI_PREFIX.size + POINT_LEN ||
            !header.contentEquals(P256_SPKI_PREFIX) ||
            spki[P256_SPKI_PREFIX.size] != 0x04.toByte()
        ) {
            throw PlatformException.InvalidPublicKey()
        }
        return spki.copyOfRange(P256_SPKI_PREFIX.size, spki.size)
    }
}
