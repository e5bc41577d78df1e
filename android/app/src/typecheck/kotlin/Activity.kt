// SIGNATURE STUBS, NOT COMPOSE: androidx.activity.compose (see Runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.activity.compose

import androidx.compose.runtime.Composable

@Composable
fun BackHandler(enabled: Boolean = true, onBack: () -> Unit): Unit = throw UnsupportedOperationException("Compose API stub")
