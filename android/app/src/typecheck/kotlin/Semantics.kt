// SIGNATURE STUBS, NOT COMPOSE (see Runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.ui.semantics

import androidx.compose.ui.Modifier

private fun stub(): Nothing = throw UnsupportedOperationException("Compose API stub")

interface SemanticsPropertyReceiver
enum class LiveRegionMode { Polite, Assertive }
var SemanticsPropertyReceiver.contentDescription: String
    get() = stub()
    set(value) = stub()
var SemanticsPropertyReceiver.liveRegion: LiveRegionMode
    get() = stub()
    set(value) = stub()
fun SemanticsPropertyReceiver.heading(): Unit = stub()
fun Modifier.semantics(properties: SemanticsPropertyReceiver.() -> Unit): Modifier = stub()
