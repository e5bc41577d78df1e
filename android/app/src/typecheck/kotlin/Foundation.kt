// SIGNATURE STUBS, NOT COMPOSE: androidx.compose.foundation (see Runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.foundation

import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier

class ScrollState
@Composable fun rememberScrollState(): ScrollState = throw UnsupportedOperationException("Compose API stub")
fun Modifier.verticalScroll(state: ScrollState): Modifier = throw UnsupportedOperationException("Compose API stub")
