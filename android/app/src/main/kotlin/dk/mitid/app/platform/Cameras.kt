// ANDROID ONLY: the cameras the screens use. The face: the system camera's preview picture
// (kept in memory, never written to a file), as JPEG. The data page: a full-size picture from
// the system camera and ML Kit's on-device text recognition (the core finds the zone in the
// text). The QR code: Google's code scanner (the camera runs in Play services; the app needs
// no camera permission). Device-only, listed in docs/mobile.md; the JVM tests use test
// doubles of FaceCamera, MrzScanner and QrScanner.
package dk.mitid.app.platform

import android.graphics.Bitmap
import androidx.core.content.FileProvider
import com.google.mlkit.vision.common.InputImage
import com.google.mlkit.vision.text.TextRecognition
import com.google.mlkit.vision.text.latin.TextRecognizerOptions
import dk.mitid.core.screens.MrzScanner
import java.io.File
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import com.google.mlkit.vision.barcode.common.Barcode
import com.google.mlkit.vision.codescanner.GmsBarcodeScannerOptions
import com.google.mlkit.vision.codescanner.GmsBarcodeScanning
import dk.mitid.core.screens.FaceCamera
import dk.mitid.core.screens.QrScanner
import java.io.ByteArrayOutputStream
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/** The face picture, from the system camera. Create it in `onCreate` (it registers a result). */
class SystemFaceCamera(activity: ComponentActivity) : FaceCamera {
    @Volatile
    private var pending: CompletableDeferred<Bitmap?>? = null
    private val launcher = activity.registerForActivityResult(ActivityResultContracts.TakePicturePreview()) { bitmap ->
        pending?.complete(bitmap)
    }

    override suspend fun capture(): ByteArray? {
        val result = CompletableDeferred<Bitmap?>()
        pending = result
        // No camera app: as if cancelled (the step stays).
        if (runCatching { launcher.launch(null) }.isFailure) return null
        val bitmap = result.await() ?: return null
        return try {
            ByteArrayOutputStream().use { out ->
                bitmap.compress(Bitmap.CompressFormat.JPEG, JPEG_QUALITY, out)
                out.toByteArray()
            }
        } finally {
            bitmap.recycle()
        }
    }

    private companion object {
        const val JPEG_QUALITY = 90
    }
}

/** The QR code of a login, from Google's code scanner (QR codes only). */
class PlayServicesQrScanner(private val activity: ComponentActivity) : QrScanner {
    override suspend fun scan(): String? = suspendCancellableCoroutine { done ->
        val options = GmsBarcodeScannerOptions.Builder().setBarcodeFormats(Barcode.FORMAT_QR_CODE).build()
        GmsBarcodeScanning.getClient(activity, options).startScan()
            .addOnSuccessListener { done.resume(it.rawValue) }
            .addOnCanceledListener { done.resume(null) }
            .addOnFailureListener { done.resumeWithException(it) }
    }
}

/**
 * The data page's text. Text recognition needs the full picture, which the system camera can
 * only hand over as a file: it goes to the app's own cache (never shared, never backed up)
 * and is deleted as soon as the text is read. A picture left by a process killed meanwhile is
 * deleted at the next start and before every scan. (The camera app may keep a copy of its
 * own; that is the camera app's.) Create it in `onCreate`.
 */
class MlKitMrzScanner(private val activity: ComponentActivity) : MrzScanner {
    private val folder = File(activity.cacheDir, "pictures")

    @Volatile
    private var pending: CompletableDeferred<Boolean>? = null
    private val launcher = activity.registerForActivityResult(ActivityResultContracts.TakePicture()) { saved ->
        pending?.complete(saved)
    }

    init {
        folder.deleteRecursively()
    }

    /** The recognised text; "" when nothing could be read (the core then says so); null when cancelled. */
    override suspend fun scan(): String? {
        if (pending?.isActive == true) return null
        folder.deleteRecursively()
        folder.mkdirs()
        val file = File(folder, "data-page.jpg")
        val uri = FileProvider.getUriForFile(activity, "${activity.packageName}.pictures", file)
        try {
            val saved = CompletableDeferred<Boolean>()
            pending = saved
            if (runCatching { launcher.launch(uri) }.isFailure) return null
            if (!saved.await()) return null
            return withContext(Dispatchers.IO) { runCatching { recognise(uri) }.getOrDefault("") }
        } finally {
            file.delete()
        }
    }

    private suspend fun recognise(uri: android.net.Uri): String {
        val image = InputImage.fromFilePath(activity, uri)
        val recognizer = TextRecognition.getClient(TextRecognizerOptions.DEFAULT_OPTIONS)
        try {
            return suspendCancellableCoroutine { done ->
                recognizer.process(image)
                    .addOnSuccessListener { done.resume(it.text) }
                    .addOnFailureListener { done.resumeWithException(it) }
            }
        } finally {
            recognizer.close()
        }
    }
}
