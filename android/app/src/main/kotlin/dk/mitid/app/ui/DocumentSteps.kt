// ANDROID ONLY (Jetpack Compose): the passport or ID-card check's steps, shared by activation,
// a new PIN and "View user ID" (help pages 003 method 1 and 004): the terms, where the document
// is from, the P-code, the data page, the chip, the face.
package dk.mitid.app.ui

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.input.KeyboardType
import dk.mitid.core.DocumentOrigin
import dk.mitid.core.UiText
import dk.mitid.core.screens.DocumentCheck
import dk.mitid.core.screens.captureInto
import dk.mitid.core.screens.scanInto
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/** The terms of the passport check and the privacy policy (the accepted version is recorded). */
@Composable
fun AcceptTermsStep(check: DocumentCheck, busy: Boolean) {
    val shell = LocalShell.current
    val terms = remember(shell) { shell.texts.documentTerms() }
    val scope = rememberActionScope()
    Text(terms.title, style = MaterialTheme.typography.titleMedium)
    Text(terms.body)
    TextButton(onClick = { shell.openUrl(terms.privacyPolicyUrl) }) { Text(text(UiText.READ_PRIVACY_POLICY)) }
    Button(enabled = !busy, onClick = { scope.launch { check.acceptTerms() } }) { Text(text(UiText.ACCEPT_TERMS)) }
}

/** Where the passport or ID card was issued. */
@Composable
fun DocumentOriginStep(check: DocumentCheck, busy: Boolean) {
    val scope = rememberActionScope()
    Text(text(UiText.DOCUMENT_ORIGIN_QUESTION))
    Button(enabled = !busy, onClick = { scope.launch { check.chooseDocumentOrigin(DocumentOrigin.DENMARK) } }) {
        Text(text(UiText.ORIGIN_DENMARK))
    }
    OutlinedButton(enabled = !busy, onClick = { scope.launch { check.chooseDocumentOrigin(DocumentOrigin.ABROAD) } }) {
        Text(text(UiText.ORIGIN_ABROAD))
    }
}

/** The P-code from citizen service, asked first for a document from abroad. */
@Composable
fun PCodeStep(check: DocumentCheck, busy: Boolean) {
    val scope = rememberActionScope()
    Text(text(UiText.P_CODE_HINT))
    Entry(UiText.P_CODE, busy, digits = true) { scope.launch { check.submitPCode(it) } }
    TextButton(enabled = !busy, onClick = { scope.launch { check.skipPCode() } }) { Text(text(UiText.P_CODE_USED_BEFORE)) }
}

/**
 * The data page's details: scanned with the camera (the core finds the machine-readable zone
 * in the text and checks its check digits), or typed as printed (dates `YYMMDD`).
 */
@Composable
fun DocumentDetailsStep(check: DocumentCheck, busy: Boolean) {
    val shell = LocalShell.current
    val scope = rememberActionScope()
    var number by remember { mutableStateOf("") }
    var birth by remember { mutableStateOf("") }
    var expiry by remember { mutableStateOf("") }
    Text(text(UiText.DOCUMENT_DETAILS))
    var scanning by remember { mutableStateOf(false) }
    Button(enabled = !busy && !scanning, onClick = {
        scanning = true
        scope.launch {
            try {
                shell.mrzScanner.scanInto { check.submitMrz(it) }
            } finally {
                scanning = false
            }
        }
    }) { Text(text(UiText.SCAN_DATA_PAGE)) }
    DetailField(UiText.DOCUMENT_NUMBER, number, digits = false) { number = it.uppercase() }
    DetailField(UiText.BIRTH_DATE, birth, digits = true) { birth = it }
    DetailField(UiText.EXPIRY_DATE, expiry, digits = true) { expiry = it }
    Button(
        enabled = !busy && number.isNotBlank() && birth.isNotBlank() && expiry.isNotBlank(),
        onClick = { scope.launch { check.submitDocumentDetails(number.trim(), birth.trim(), expiry.trim()) } },
    ) { Text(text(UiText.CONTINUE)) }
}

@Composable
private fun DetailField(label: UiText, value: String, digits: Boolean, change: (String) -> Unit) {
    OutlinedTextField(
        value = value,
        onValueChange = change,
        label = { Text(text(label)) },
        singleLine = true,
        keyboardOptions = KeyboardOptions(keyboardType = if (digits) KeyboardType.Number else KeyboardType.Ascii),
        modifier = Modifier.fillMaxWidth(),
    )
}

/** Hold the phone to the chip; the core reads it through the shell's chip reader. */
@Composable
fun ReadChipStep(check: DocumentCheck, busy: Boolean) {
    val shell = LocalShell.current
    val scope = rememberActionScope()
    if (!shell.chipReader.available()) {
        Text(text(UiText.NFC_UNAVAILABLE))
        return
    }
    Text(text(UiText.READ_CHIP_HINT))
    // The wait for the chip, cancellable: the citizen may put the passport away.
    var waiting by remember { mutableStateOf<Job?>(null) }
    val current = waiting
    if (current == null) {
        Button(enabled = !busy, onClick = {
            waiting = scope.launch {
                try {
                    shell.chipReader.withChip { check.readChip(it) }
                } finally {
                    waiting = null
                }
            }
        }) { Text(text(UiText.CONTINUE)) }
    } else {
        Busy(true)
        TextButton(enabled = !busy, onClick = { current.cancel() }) { Text(text(UiText.CANCEL)) }
    }
}

/** One picture of the face; it is wiped as soon as the core has sent it. */
@Composable
fun CaptureFaceStep(check: DocumentCheck, busy: Boolean) {
    val shell = LocalShell.current
    val scope = rememberActionScope()
    Text(text(UiText.CAPTURE_FACE_HINT))
    Button(enabled = !busy, onClick = { scope.launch { shell.faceCamera.captureInto { check.submitFace(it) } } }) {
        Text(text(UiText.CAPTURE_FACE))
    }
    Busy(busy)
}
