// ANDROID ONLY: the cameras the screens use. The face: the system camera's preview picture
// (kept in memory, never written to a file), as JPEG. The QR code: Google's code scanner (the
// camera runs in Play services; the app needs no camera permission). Device-only, listed in
// docs/mobile.md; the JVM tests use test doubles of FaceCamera and QrScanner.
package dk.mitid.app.platform

import android.graphics.Bitmap
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import com.google.mlkit.vision.barcode.common.Barcode
import com.google.mlkit.vision.codescanner.GmsBarcodeScannerOptions
import com.google.mlkit.vision.codescanner.GmsBarcodeScanning
import dk.mitid.core.screens.FaceCamera
import dk.mitid.core.screens.QrScanner
import java.io.ByteArrayOutputStream
import kotlinx.coroutines.CompletableDeferred
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
        launcher.launch(null)
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
