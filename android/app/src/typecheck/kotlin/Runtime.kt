// SIGNATURE STUBS, NOT COMPOSE. The declarations of the Jetpack Compose API that the screens in
// android/app/src/main/kotlin/dk/mitid/app/ui use, with bodies that throw. No androidx library
// can be had on these machines, so scripts/test-kotlin.sh compiles the screens against these
// stubs and the core's real bindings: that checks every `when` over the core's steps is
// exhaustive and every core type and method is used as generated. It does not check Compose
// itself (the real signatures and the @Composable rules): Gradle does, with the Android SDK
// (.github/workflows/mobile.yml). Keep each stub's parameters a subset of the real one's.
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.runtime

import kotlin.reflect.KProperty
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.StateFlow

private fun stub(): Nothing = throw UnsupportedOperationException("Compose API stub")

@Target(AnnotationTarget.FUNCTION, AnnotationTarget.TYPE, AnnotationTarget.PROPERTY_GETTER)
annotation class Composable

interface State<out T> { val value: T }
interface MutableState<T> : State<T> { override var value: T }
operator fun <T> State<T>.getValue(thisObj: Any?, property: KProperty<*>): T = stub()
operator fun <T> MutableState<T>.setValue(thisObj: Any?, property: KProperty<*>, value: T): Unit = stub()
fun <T> mutableStateOf(value: T): MutableState<T> = stub()
@Composable fun <T> remember(calculation: () -> T): T = stub()
@Composable fun <T> remember(key1: Any?, calculation: () -> T): T = stub()
@Composable fun <T> remember(key1: Any?, key2: Any?, calculation: () -> T): T = stub()
@Composable fun <T> StateFlow<T>.collectAsState(): State<T> = stub()
@Composable fun rememberCoroutineScope(): CoroutineScope = stub()
@Composable fun LaunchedEffect(key1: Any?, block: suspend CoroutineScope.() -> Unit): Unit = stub()
class DisposableEffectScope { fun onDispose(onDisposeEffect: () -> Unit): DisposableEffectResult = stub() }
interface DisposableEffectResult
@Composable fun DisposableEffect(key1: Any?, effect: DisposableEffectScope.() -> DisposableEffectResult): Unit = stub()
abstract class ProvidableCompositionLocal<T> {
    infix fun provides(value: T): ProvidedValue<T> = stub()
    val current: T @Composable get() = stub()
}
class ProvidedValue<T>
fun <T> staticCompositionLocalOf(defaultFactory: () -> T): ProvidableCompositionLocal<T> = stub()
@Composable fun CompositionLocalProvider(vararg values: ProvidedValue<*>, content: @Composable () -> Unit): Unit = stub()
