// ANDROID ONLY: whether the screen is being recorded or shared, or an app can act on it (the
// fraud pattern MitID warns about), reported to the approval screen, which tells the core.
// Device-only, listed in docs/mobile.md.
package dk.mitid.app.platform

import android.accessibilityservice.AccessibilityServiceInfo
import android.app.Activity
import android.os.Build
import android.view.WindowManager
import android.view.accessibility.AccessibilityManager
import dk.mitid.core.ScreenRisk
import java.util.function.Consumer
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

/**
 * Watches [activity]'s window while it is in front: call [start] in `onResume` and [stop] in
 * `onPause`. Screen recording is seen from Android 15 (`addScreenRecordingCallback`, which
 * needs the DETECT_SCREEN_RECORDING permission); remote control, from Android 12, as an
 * enabled accessibility service that may perform gestures or read the windows and is not
 * declared an accessibility tool (TalkBack and its kind are). Before Android 12 nothing tells
 * TalkBack from a remote-control app, so nothing is reported: a warning to every TalkBack user
 * would teach them to tap through it.
 */
class ScreenRiskMonitor(private val activity: Activity) {
    private val risk = MutableStateFlow<ScreenRisk?>(null)
    private var recorded = false
    private val accessibility = activity.getSystemService(AccessibilityManager::class.java)
    private val recordingCallback = Consumer<Int> { state ->
        recorded = state == WindowManager.SCREEN_RECORDING_STATE_VISIBLE
        update()
    }
    private val accessibilityListener = AccessibilityManager.AccessibilityStateChangeListener { update() }
    private val servicesListener by lazy {
        // Android 13: told when a service is turned on or off, not only accessibility as a whole.
        AccessibilityManager.AccessibilityServicesStateChangeListener { update() }
    }

    /** The current risk (null: none seen). */
    val state: StateFlow<ScreenRisk?> = risk.asStateFlow()

    /** Starts watching. */
    fun start() {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.VANILLA_ICE_CREAM) {
            val initial = activity.windowManager.addScreenRecordingCallback(activity.mainExecutor, recordingCallback)
            recorded = initial == WindowManager.SCREEN_RECORDING_STATE_VISIBLE
        }
        accessibility.addAccessibilityStateChangeListener(accessibilityListener)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            accessibility.addAccessibilityServicesStateChangeListener(activity.mainExecutor, servicesListener)
        }
        update()
    }

    /** Stops watching. */
    fun stop() {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.VANILLA_ICE_CREAM) {
            activity.windowManager.removeScreenRecordingCallback(recordingCallback)
        }
        accessibility.removeAccessibilityStateChangeListener(accessibilityListener)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            accessibility.removeAccessibilityServicesStateChangeListener(servicesListener)
        }
    }

    private fun update() {
        risk.value = when {
            recorded -> ScreenRisk.SCREEN_SHARED
            remoteControlEnabled() -> ScreenRisk.REMOTE_CONTROL
            else -> null
        }
    }

    private fun remoteControlEnabled(): Boolean {
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.S) return false
        return accessibility.getEnabledAccessibilityServiceList(AccessibilityServiceInfo.FEEDBACK_ALL_MASK).any { service ->
            val acts = service.capabilities and
                (AccessibilityServiceInfo.CAPABILITY_CAN_PERFORM_GESTURES or AccessibilityServiceInfo.CAPABILITY_CAN_RETRIEVE_WINDOW_CONTENT) != 0
            acts && !service.isAccessibilityTool
        }
    }
}
