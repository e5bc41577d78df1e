// SIGNATURE STUBS, NOT COMPOSE: units, colours, text input and semantics (see Runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.ui.unit

class Dp
val Int.dp: Dp get() = throw UnsupportedOperationException("Compose API stub")
