// The Rust core for Android: the uniffi-generated Kotlin (src/main/kotlin, from
// scripts/gen-bindings.sh), the platform-neutral screen-state adapters beside it, and
// libmitid_bindings.so for each ABI (src/main/jniLibs, from scripts/build-android-libs.sh,
// which runs cargo-ndk). The unit tests (src/test/kotlin) are the ones scripts/test-kotlin.sh
// runs: they load libmitid_bindings and the test kit libmitid_testkit (the server in-process)
// from ../target/debug (`cargo build -p mitid-bindings -p mitid-testkit` first).
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

android {
    namespace = "dk.mitid.core"
    compileSdk = 35

    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    testOptions {
        unitTests.all {
            // Local unit tests run on the desktop JVM against the host builds of the libraries.
            it.systemProperty("jna.library.path", rootProject.file("../target/debug").absolutePath)
        }
    }
}

kotlin {
    jvmToolchain(17)
}

// Builds the .so files into src/main/jniLibs before every Android build
// (-Pmitid.skipRust=true to use the ones already there).
val buildRustLibs by tasks.registering(Exec::class) {
    group = "build"
    description = "Builds libmitid_bindings.so for the Android ABIs with cargo-ndk."
    workingDir = rootProject.file("..")
    commandLine("bash", "scripts/build-android-libs.sh")
}
if (!providers.gradleProperty("mitid.skipRust").map { it.toBoolean() }.getOrElse(false)) {
    tasks.named("preBuild") { dependsOn(buildRustLibs) }
}

dependencies {
    // The AAR carries libjnidispatch.so for each ABI.
    implementation("net.java.dev.jna:jna:${libs.versions.jna.get()}@aar")
    implementation(libs.kotlinx.coroutines.android)

    testImplementation(libs.junit)
    testImplementation(libs.jna)
    testImplementation(libs.kotlinx.coroutines.core)
}
