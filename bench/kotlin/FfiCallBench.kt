// Kotlin → Rust → Kotlin: the cost of one call through the generated uniffi bindings (JNA
// direct mapping) on the JVM, as the Android shell makes it. Run by scripts/bench-kotlin.sh.
//
// The calls:
//   checkNewPin("582914")  a String lowered into a RustBuffer, the PIN policy in Rust (~50 ns
//                          of work, see client_steps), `null` lifted back;
//   checkNewPin("123456")  the same, with an enum (PinRejection.SEQUENCE) lifted back;
//   coreVersion()          no argument, a String lifted back;
// and, for scale, a Kotlin-only function of similar shape.
//
// Output: one line per benchmark, `name  calls  ns/call (median of rounds)  min  max`, then
// the same calls spaced 1 ms apart (median, min, p90 of single calls).
package dk.mitid.bench

import dk.mitid.core.checkNewPin
import dk.mitid.core.coreVersion

private fun kotlinOnly(pin: String): Int? =
    if (pin.length == 6 && pin.all { it in '0'..'9' }) null else 1

private inline fun bench(name: String, calls: Int, rounds: Int, op: () -> Any?) {
    var sink = 0
    // Warm-up: JIT, JNA's first-call set-up, the library's own lazy initialisation.
    repeat(calls) { if (op() != null) sink++ }
    val perCall = DoubleArray(rounds)
    for (r in 0 until rounds) {
        val t = System.nanoTime()
        repeat(calls) { if (op() != null) sink++ }
        perCall[r] = (System.nanoTime() - t).toDouble() / calls
    }
    perCall.sort()
    println(
        String.format(
            "%-40s %9d %10.1f ns %10.1f ns %10.1f ns   (sink %d)",
            name, calls * rounds, perCall[rounds / 2], perCall[0], perCall[rounds - 1], sink % 7,
        ),
    )
}

// One call at a time, 1 ms apart (as an app makes them): JNA frees each call's native memory
// through a cleaner thread, and in a tight loop its bookkeeping of not-yet-freed blocks
// (a map of every live allocation) becomes the cost; spaced calls show the per-call cost an
// app sees.
private inline fun sparse(name: String, calls: Int, op: () -> Any?) {
    System.gc()
    Thread.sleep(100)
    var sink = 0
    val each = DoubleArray(calls)
    for (i in 0 until calls) {
        Thread.sleep(1)
        val t = System.nanoTime()
        if (op() != null) sink++
        each[i] = (System.nanoTime() - t).toDouble()
    }
    each.sort()
    println(
        String.format(
            "%-40s %9d %10.1f ns %10.1f ns %10.1f ns   (p90; sink %d)",
            name, calls, each[calls / 2], each[0], each[calls * 9 / 10], sink % 7,
        ),
    )
}

fun main(args: Array<String>) {
    val calls = args.getOrNull(0)?.toIntOrNull() ?: 100_000
    val rounds = args.getOrNull(1)?.toIntOrNull() ?: 15
    check(checkNewPin("582914") == null) { "582914 should be acceptable" }
    check(checkNewPin("123456") != null) { "123456 should be refused" }
    println("core ${coreVersion()}; $calls calls x $rounds rounds; median, min, max per call")
    bench("kotlin only (same shape, no FFI)", calls, rounds) { kotlinOnly("582914") }
    bench("checkNewPin(ok) -> null", calls, rounds) { checkNewPin("582914") }
    bench("checkNewPin(sequence) -> enum", calls, rounds) { checkNewPin("123456") }
    bench("coreVersion() -> String", calls, rounds) { coreVersion() }
    println("spaced calls (1 ms apart), after the loops above warmed the JIT; median, min, p90")
    val spaced = minOf(calls, 2000)
    sparse("spaced: kotlin only", spaced) { kotlinOnly("582914") }
    sparse("spaced: checkNewPin(ok) -> null", spaced) { checkNewPin("582914") }
    sparse("spaced: checkNewPin(sequence) -> enum", spaced) { checkNewPin("123456") }
    sparse("spaced: coreVersion() -> String", spaced) { coreVersion() }
}
