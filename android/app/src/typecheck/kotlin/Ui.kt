// SIGNATURE STUBS, NOT COMPOSE: androidx.compose.ui (see Runtime.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.ui

interface Modifier {
    companion object : Modifier
}
