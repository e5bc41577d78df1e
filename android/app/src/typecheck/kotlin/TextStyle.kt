// SIGNATURE STUBS, NOT COMPOSE (see Runtime.kt).
package androidx.compose.ui.text

class TextStyle
