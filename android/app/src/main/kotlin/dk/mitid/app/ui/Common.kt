// ANDROID ONLY (Jetpack Compose): what every screen shares: the shell's devices and texts, the
// error line, text entry, the PIN pad, yes/no. No rules here: every step and error is the core's.
package dk.mitid.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import dk.mitid.core.UiText
import dk.mitid.core.MitidException
import dk.mitid.core.ScreenRisk
import dk.mitid.core.screens.ChipReader
import dk.mitid.core.screens.FaceCamera
import dk.mitid.core.screens.MrzScanner
import dk.mitid.core.screens.QrScanner
import dk.mitid.core.screens.Texts
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.launch

/**
 * What the platform gives the screens: the core's [texts] in the phone's language, the chip
 * reader and the cameras (face, data page, QR code), the screen-risk reports, and a way to
 * open a web page. The activity builds it (dk.mitid.app.platform); the screens only read it.
 */
class Shell(
    val texts: Texts,
    val chipReader: ChipReader,
    val faceCamera: FaceCamera,
    val mrzScanner: MrzScanner,
    val qrScanner: QrScanner,
    val screenRisk: StateFlow<ScreenRisk?>,
    val openUrl: (String) -> Unit,
)

/** The shell of the screens below it. */
val LocalShell = staticCompositionLocalOf<Shell> { error("MitidNavigation provides the Shell") }

/** The core's text for [label]. */
@Composable
fun text(label: UiText): String = LocalShell.current.texts[label]

/** A screen: a scrolling column with a heading. */
@Composable
fun Page(title: String, content: @Composable () -> Unit) {
    Column(
        // Clear of the system bars (edge to edge is the default from Android 15).
        Modifier.fillMaxWidth().safeDrawingPadding().verticalScroll(rememberScrollState()).padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(title, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
        content()
    }
}

/** The error the core chose for the step, read out by TalkBack when it appears. */
@Composable
fun ErrorText(error: MitidException?) {
    if (error == null) return
    Text(
        LocalShell.current.texts.error(error),
        color = MaterialTheme.colorScheme.error,
        modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
    )
}

/** A spinner while the core works, named for TalkBack. */
@Composable
fun Busy(busy: Boolean) {
    if (!busy) return
    val working = text(UiText.WORKING)
    CircularProgressIndicator(Modifier.semantics { contentDescription = working })
}

/** One text field and "Continue": the user ID, codes, the user ID wanted. */
@Composable
fun Entry(label: UiText, busy: Boolean, digits: Boolean = false, button: UiText = UiText.CONTINUE, onSubmit: (String) -> Unit) {
    var value by remember(label) { mutableStateOf("") }
    OutlinedTextField(
        value = value,
        onValueChange = { value = it },
        label = { Text(text(label)) },
        singleLine = true,
        keyboardOptions = KeyboardOptions(keyboardType = if (digits) KeyboardType.Number else KeyboardType.Text),
        modifier = Modifier.fillMaxWidth(),
    )
    Button(enabled = !busy && value.isNotBlank(), onClick = { onSubmit(value.trim()) }) { Text(text(button)) }
}

/**
 * The PIN pad: ten keys and a dot per digit typed, never the digits themselves; the PIN goes
 * to [onComplete] when it has [length] digits and is then forgotten by the pad.
 */
@Composable
fun PinPad(label: UiText, busy: Boolean, length: Int = 6, onComplete: (String) -> Unit) {
    var typed by remember(label) { mutableStateOf("") }
    val title = text(label)
    Text(title)
    Text(
        "●".repeat(typed.length) + "○".repeat(length - typed.length),
        style = MaterialTheme.typography.headlineMedium,
        // TalkBack hears how many digits are typed, never which.
        modifier = Modifier.semantics { contentDescription = "$title: ${typed.length}/$length" },
    )
    fun press(key: Char) {
        if (busy || typed.length >= length) return
        typed += key
        if (typed.length == length) {
            val pin = typed
            typed = ""
            onComplete(pin)
        }
    }
    for (row in listOf("123", "456", "789")) {
        Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            for (key in row) OutlinedButton(enabled = !busy, onClick = { press(key) }) { Text(key.toString()) }
        }
    }
    Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
        OutlinedButton(enabled = !busy, onClick = { press('0') }) { Text("0") }
        val delete = text(UiText.DELETE_DIGIT)
        TextButton(
            enabled = !busy && typed.isNotEmpty(),
            onClick = { typed = typed.dropLast(1) },
            modifier = Modifier.semantics { contentDescription = delete },
        ) { Text("⌫") }
    }
}

/** A question answered yes or no. */
@Composable
fun YesNo(question: UiText, busy: Boolean, onAnswer: (Boolean) -> Unit) {
    Text(text(question))
    Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
        Button(enabled = !busy, onClick = { onAnswer(true) }) { Text(text(UiText.YES)) }
        OutlinedButton(enabled = !busy, onClick = { onAnswer(false) }) { Text(text(UiText.NO)) }
    }
}

/** The last step of a flow: a message and a button that leaves. */
@Composable
fun Finished(message: UiText, button: UiText = UiText.DONE, leave: () -> Unit) {
    Text(text(message), modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite })
    Button(onClick = leave) { Text(text(button)) }
}

/**
 * The scope the screens' actions run in. The core's errors are shown by the screen models; a
 * device's own failure (no camera app, the scanner module not yet downloaded) must not close
 * the app: it leaves the step as it was, and the citizen tries again or types instead.
 */
@Composable
fun rememberActionScope(): CoroutineScope {
    val scope = rememberCoroutineScope()
    return remember(scope) {
        // A supervisor: one failed action must not cancel the screen's later ones (nor its
        // parent, the composition's effects).
        val supervisor = SupervisorJob(scope.coroutineContext[Job])
        CoroutineScope(scope.coroutineContext + supervisor + CoroutineExceptionHandler { _, _ -> })
    }
}

/** Runs [model]'s actions in the screen's action scope: `act { submitUserId(it) }`. */
@Composable
fun <M> rememberActions(model: M): (suspend M.() -> Unit) -> Unit {
    val scope = rememberActionScope()
    return remember(model, scope) {
        val run: (suspend M.() -> Unit) -> Unit = { action -> scope.launch { model.action() } }
        run
    }
}

/** A flow's screen model, opened once for [key] and closed when the screen goes away. */
@Composable
fun <M : AutoCloseable> rememberFlow(key: Any, open: () -> M): Result<M> {
    val opened = remember(key) { runCatching(open) }
    DisposableEffect(key) { onDispose { opened.getOrNull()?.close() } }
    return opened
}

/** A flow could not be opened (e.g. the user was removed meanwhile). */
@Composable
fun Failed(error: Throwable, leave: () -> Unit) {
    Page(text(UiText.APP_TITLE)) {
        ErrorText(error as? MitidException)
        Finished(UiText.ENDED, UiText.BACK, leave)
    }
}
