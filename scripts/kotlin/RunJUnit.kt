// JUnit 4 runner used by scripts/test-kotlin.sh: runs every test class found in the given
// jar (classes named *Test), prints one line per test and the closing line
// "N passed, N failed", and exits non-zero on any failure or when no test ran.
package dk.mitid.testrunner

import java.util.jar.JarFile
import kotlin.system.exitProcess
import org.junit.runner.Description
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

fun main(args: Array<String>) {
    require(args.size == 1) { "usage: RunJUnit TESTS.jar" }
    val classes = JarFile(args[0]).use { jar ->
        jar.entries().asSequence()
            .map { it.name }
            .filter { it.endsWith("Test.class") && '$' !in it }
            .map { Class.forName(it.removeSuffix(".class").replace('/', '.')) }
            .sortedBy { it.name }
            .toList()
    }
    val failed = mutableSetOf<Description>()
    val core = JUnitCore()
    core.addListener(object : RunListener() {
        override fun testFailure(failure: Failure) {
            failed += failure.description
            println("FAIL ${failure.description.displayName}\n     ${failure.trace.trimEnd().replace("\n", "\n     ")}")
        }

        override fun testFinished(description: Description) {
            if (description !in failed) println("PASS ${description.displayName}")
        }
    })
    val result = core.run(*classes.toTypedArray())
    val failures = result.failureCount
    val passed = result.runCount - failures
    println("${classes.size} test classes, ${result.runCount} tests in ${result.runTime} ms")
    println("$passed passed, $failures failed")
    exitProcess(if (failures == 0 && result.runCount > 0) 0 else 1)
}
