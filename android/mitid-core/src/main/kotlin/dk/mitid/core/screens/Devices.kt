// The phone's chip reader and cameras as the screens use them: interfaces here, the Android
// implementations in the app module (dk.mitid.app.platform), test doubles in the JVM tests.
// Platform-neutral Kotlin, tested on the JVM.
package dk.mitid.core.screens

import dk.mitid.core.PlatformNfcLink

/** Reads a passport's or ID card's chip over NFC (Android: reader mode and `IsoDep`). */
interface ChipReader {
    /** Whether the phone can read a chip now (NFC present and switched on). */
    fun available(): Boolean

    /**
     * Waits until the citizen holds a chip to the phone, runs [read] with a link to it (the
     * core's `readChip`), and ends the session, also when [read] fails or is cancelled.
     */
    suspend fun <R> withChip(read: suspend (PlatformNfcLink) -> R): R
}

/** Takes one picture of the citizen's face (JPEG). */
interface FaceCamera {
    /** The picture, or null when the citizen cancelled. The caller wipes it after use. */
    suspend fun capture(): ByteArray?
}

/** Reads the data page's text with the camera (Android: ML Kit's on-device text recognition). */
interface MrzScanner {
    /** The text read, or null when the citizen cancelled. The picture itself is not kept. */
    suspend fun scan(): String?
}

/** Scans the QR code a service provider shows. */
interface QrScanner {
    /** The decoded text, or null when the citizen cancelled. */
    suspend fun scan(): String?
}

/**
 * Takes the face picture and hands it to [submit] (the core's `submitFace`); the picture is
 * wiped as soon as [submit] returns or fails, so no face stays in the app's memory. Null when
 * the citizen cancelled the camera.
 */
suspend fun <R> FaceCamera.captureInto(submit: suspend (ByteArray) -> R): R? {
    val picture = capture() ?: return null
    try {
        return submit(picture)
    } finally {
        picture.fill(0)
    }
}

/** Reads the data page and hands its text to [submit] (the core's `submitMrz`); null when cancelled. */
suspend fun <R> MrzScanner.scanInto(submit: suspend (String) -> R): R? = scan()?.let { submit(it) }

/** Scans a QR code and hands its text to [submit] (the core's `scanQr`); null when cancelled. */
suspend fun <R> QrScanner.scanInto(submit: suspend (String) -> R): R? = scan()?.let { submit(it) }
