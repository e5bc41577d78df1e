// SIGNATURE STUBS, NOT COMPOSE: androidx.compose.material3 (see Runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.material3

import androidx.compose.foundation.layout.RowScope
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.TextStyle

private fun stub(): Nothing = throw UnsupportedOperationException("Compose API stub")

class Typography(
    val headlineSmall: TextStyle, val headlineMedium: TextStyle, val titleLarge: TextStyle,
    val titleMedium: TextStyle, val titleSmall: TextStyle,
)
class ColorScheme(val error: Color, val onSurface: Color)
object MaterialTheme {
    val typography: Typography @Composable get() = stub()
    val colorScheme: ColorScheme @Composable get() = stub()
}
@Composable fun MaterialTheme(content: @Composable () -> Unit): Unit = stub()
@Composable fun Text(text: String, modifier: Modifier = Modifier, color: Color = stub(), style: TextStyle = stub()): Unit = stub()
@Composable fun Button(onClick: () -> Unit, modifier: Modifier = Modifier, enabled: Boolean = true, content: @Composable RowScope.() -> Unit): Unit = stub()
@Composable fun OutlinedButton(onClick: () -> Unit, modifier: Modifier = Modifier, enabled: Boolean = true, content: @Composable RowScope.() -> Unit): Unit = stub()
@Composable fun TextButton(onClick: () -> Unit, modifier: Modifier = Modifier, enabled: Boolean = true, content: @Composable RowScope.() -> Unit): Unit = stub()
@Composable fun OutlinedTextField(
    value: String,
    onValueChange: (String) -> Unit,
    modifier: Modifier = Modifier,
    label: @Composable (() -> Unit)? = null,
    keyboardOptions: KeyboardOptions = KeyboardOptions(),
    singleLine: Boolean = false,
): Unit = stub()
@Composable fun CircularProgressIndicator(modifier: Modifier = Modifier): Unit = stub()
@Composable fun HorizontalDivider(modifier: Modifier = Modifier): Unit = stub()
@Composable fun Switch(checked: Boolean, onCheckedChange: ((Boolean) -> Unit)?, modifier: Modifier = Modifier, enabled: Boolean = true): Unit = stub()
@Composable fun AlertDialog(
    onDismissRequest: () -> Unit,
    confirmButton: @Composable () -> Unit,
    modifier: Modifier = Modifier,
    dismissButton: @Composable (() -> Unit)? = null,
    text: @Composable (() -> Unit)? = null,
): Unit = stub()
