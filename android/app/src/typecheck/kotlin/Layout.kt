// SIGNATURE STUBS, NOT COMPOSE: androidx.compose.foundation.layout (see Runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.foundation.layout

import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.Dp

private fun stub(): Nothing = throw UnsupportedOperationException("Compose API stub")

object Arrangement {
    interface Horizontal
    interface Vertical
    interface HorizontalOrVertical : Horizontal, Vertical
    fun spacedBy(space: Dp): HorizontalOrVertical = stub()
}
interface ColumnScope
interface RowScope
@Composable fun Column(
    modifier: Modifier = Modifier,
    verticalArrangement: Arrangement.Vertical = stub(),
    content: @Composable ColumnScope.() -> Unit,
): Unit = stub()
@Composable fun Row(
    modifier: Modifier = Modifier,
    horizontalArrangement: Arrangement.Horizontal = stub(),
    content: @Composable RowScope.() -> Unit,
): Unit = stub()
fun Modifier.fillMaxWidth(): Modifier = stub()
fun Modifier.padding(all: Dp): Modifier = stub()
fun Modifier.safeDrawingPadding(): Modifier = stub()
