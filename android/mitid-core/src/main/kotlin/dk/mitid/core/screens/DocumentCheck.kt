// The passport or ID-card check (help pages 003 method 1 and 004), the same steps in every
// flow that has it: activation, a new PIN and "View user ID". Platform-neutral Kotlin.
package dk.mitid.core.screens

import dk.mitid.core.DocumentOrigin
import dk.mitid.core.PlatformNfcLink

/**
 * The check's actions, so that one set of screens serves every flow. Each returns where it
 * left the flow (the flow's own step type) or the core's error.
 */
interface DocumentCheck {
    /** Accept the passport check's terms and conditions. */
    suspend fun acceptTerms(): Result<*>

    /** Where the passport or ID card is from (abroad: the P-code first). */
    suspend fun chooseDocumentOrigin(origin: DocumentOrigin): Result<*>

    /** The data page's document number, date of birth and date of expiry (`YYMMDD`). */
    suspend fun submitDocumentDetails(documentNumber: String, birthDate: String, expiryDate: String): Result<*>

    /** The text the camera read off the data page (its machine-readable zone gives the details). */
    suspend fun submitMrz(text: String): Result<*>

    /** Read the chip over the phone's NFC [link]. */
    suspend fun readChip(link: PlatformNfcLink): Result<*>

    /** The face the camera captured (JPEG). */
    suspend fun submitFace(capture: ByteArray): Result<*>

    /** The 8-digit P-code from citizen service, for a document from abroad. */
    suspend fun submitPCode(pCode: String): Result<*>

    /** "I have used my P-code before" (only when it was asked for first). */
    suspend fun skipPCode(): Result<*>
}
