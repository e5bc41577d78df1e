// "View user ID" (help page 004) as a screen model: the passport and face check, the user ID,
// "Change user ID". Platform-neutral Kotlin, tested on the JVM by scripts/test-kotlin.sh.
package dk.mitid.core.screens

import dk.mitid.core.DocumentOrigin
import dk.mitid.core.PlatformNfcLink
import dk.mitid.core.UserIdFlow
import dk.mitid.core.UserIdStep
import kotlinx.coroutines.flow.StateFlow

/** The "View user ID" screens of one user. Closing it releases the flow. */
class UserIdScreen(private val flow: UserIdFlow) : DocumentCheck, AutoCloseable {
    private val model = FlowScreenModel(flow::step, flow::lastError)

    /** The state to render. */
    val state: StateFlow<ScreenState<UserIdStep>> get() = model.state

    /** Accept the passport check's terms and conditions. */
    override suspend fun acceptTerms() = model.perform { flow.acceptTerms() }

    /** Where the passport or ID card is from (abroad: the P-code first). */
    override suspend fun chooseDocumentOrigin(origin: DocumentOrigin) = model.perform { flow.chooseDocumentOrigin(origin) }

    /** The data page's document number, date of birth and date of expiry (`YYMMDD`). */
    override suspend fun submitDocumentDetails(documentNumber: String, birthDate: String, expiryDate: String) =
        model.perform { flow.submitDocumentDetails(documentNumber, birthDate, expiryDate) }

    /** The text the camera read off the data page (its machine-readable zone gives the details). */
    override suspend fun submitMrz(text: String) = model.perform { flow.submitMrz(text) }

    /** Read the chip over the phone's NFC [link] (Android: `IsoDep`). */
    override suspend fun readChip(link: PlatformNfcLink) = model.perform { flow.readChip(link) }

    /** The face the camera captured (JPEG): the server answers with the user ID. */
    override suspend fun submitFace(capture: ByteArray) = model.perform { flow.submitFace(capture) }

    /** The 8-digit P-code from citizen service, for a document from abroad. */
    override suspend fun submitPCode(pCode: String) = model.perform { flow.submitPCode(pCode) }

    /** "I have used my P-code before" (only when it was asked for first). */
    override suspend fun skipPCode() = model.perform { flow.skipPCode() }

    /** "Change user ID". */
    suspend fun changeUserId() = model.perform { flow.changeUserId() }

    /** "Save": not valid (with the rule) or taken keeps the citizen here. */
    suspend fun submitNewUserId(wanted: String) = model.perform { flow.submitNewUserId(wanted) }

    override fun close() = flow.close()
}
