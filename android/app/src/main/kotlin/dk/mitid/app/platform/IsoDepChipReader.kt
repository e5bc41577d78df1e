// ANDROID ONLY: the passport's chip over NFC: reader mode finds the tag, IsoDep carries the
// core's APDUs. Device-only (listed in docs/mobile.md); the JVM tests use the test kit's
// simulated chip through the same PlatformNfcLink.
package dk.mitid.app.platform

import android.app.Activity
import android.nfc.NfcAdapter
import android.nfc.Tag
import android.nfc.tech.IsoDep
import dk.mitid.core.PlatformNfcLink
import dk.mitid.core.screens.ChipReader
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/** Reads chips while [activity] is in front (reader mode is per activity). */
class IsoDepChipReader(private val activity: Activity) : ChipReader {
    private val adapter: NfcAdapter? = NfcAdapter.getDefaultAdapter(activity)

    override fun available(): Boolean = adapter?.isEnabled == true

    /**
     * Waits for a passport's chip until one connects (a tag that is not ISO 14443-4, or one
     * taken away before it connected, is skipped) or the caller cancels; Android ends reader
     * mode when the app goes to the background, so the screen offers a cancel.
     */
    override suspend fun <R> withChip(read: suspend (PlatformNfcLink) -> R): R {
        val nfc = adapter ?: throw IllegalStateException("this phone has no NFC")
        val tags = Channel<Tag>(Channel.CONFLATED)
        // Passports answer on NFC-A or NFC-B; no NDEF check (it would talk to the chip first).
        val flags = NfcAdapter.FLAG_READER_NFC_A or NfcAdapter.FLAG_READER_NFC_B or NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK
        nfc.enableReaderMode(activity, { tag -> tags.trySend(tag) }, flags, null)
        try {
            while (true) {
                val chip = IsoDep.get(tags.receive()) ?: continue
                val connected = withContext(Dispatchers.IO) {
                    runCatching {
                        chip.connect()
                        // Reading DG2 (the face) with secure messaging takes a few seconds.
                        chip.timeout = CHIP_TIMEOUT_MS
                    }
                }
                if (connected.isFailure) continue
                // Lost during the read, the core's own error says so (and the step stays).
                return withContext(Dispatchers.IO) { chip.use { read(IsoDepLink(it)) } }
            }
        } finally {
            nfc.disableReaderMode(activity)
        }
    }

    private companion object {
        const val CHIP_TIMEOUT_MS = 5_000
    }
}

/** The core's NFC link over one connected [IsoDep]. */
private class IsoDepLink(private val chip: IsoDep) : PlatformNfcLink {
    override fun transceive(apdu: ByteArray): ByteArray = chip.transceive(apdu)

    // Short APDUs only, as on iOS: `isExtendedLengthApduSupported` is the phone's NFC
    // controller, not the passport, and a chip without extended length refuses the long
    // reads the core would then send (the core does not read the chip's own answer to that
    // question, EF.ATR/INFO).
    override fun supportsExtendedLength(): Boolean = false
}
