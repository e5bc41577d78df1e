// SIGNATURE STUBS, NOT COMPOSE (see Runtime.kt).
package androidx.compose.ui.text.input

enum class KeyboardType { Text, Ascii, Number, NumberPassword }
