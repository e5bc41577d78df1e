// The Android shell of the MitID app.
//   :mitid-core  library: the uniffi-generated Kotlin over the Rust core (libmitid_bindings.so)
//   :app         the app (Jetpack Compose) with the Android-only adapters: Android Keystore
//                (StrongBox) key store, Keystore-wrapped secret store, BiometricPrompt with a
//                CryptoObject
// See docs/bindings.md and docs/mobile.md. Gradle cannot run on the project's Linux machines (no Android SDK):
// the Kotlin tests of :mitid-core run there through scripts/test-kotlin.sh instead.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "mitid-android"
include(":mitid-core", ":app")
