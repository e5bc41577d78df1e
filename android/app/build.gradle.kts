// The MitID app for Android: Jetpack Compose screens over the core's flows (through the
// screen-state adapters of :mitid-core) and the Android-only platform adapters in
// dk.mitid.app.platform. Compiles only with the Android SDK (see docs/mobile.md).
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

android {
    namespace = "dk.mitid.app"
    compileSdk = 35

    defaultConfig {
        applicationId = "dk.mitid.app"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"

        // The server and its key pins (current + backup). Override per build:
        // ./gradlew -Pmitid.serverUrl=https://... -Pmitid.serverKeyPins=sha256/A,sha256/B
        val serverUrl = providers.gradleProperty("mitid.serverUrl").getOrElse("https://10.0.2.2:8443")
        val serverKeyPins = providers.gradleProperty("mitid.serverKeyPins").getOrElse("")
        buildConfigField("String", "MITID_SERVER_URL", "\"$serverUrl\"")
        buildConfigField("String", "MITID_SERVER_KEY_PINS", "\"$serverKeyPins\"")
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    implementation(project(":mitid-core"))
    implementation(platform(libs.compose.bom))
    implementation(libs.compose.ui)
    implementation(libs.compose.material3)
    implementation(libs.compose.ui.tooling.preview)
    implementation(libs.activity.compose)
    implementation(libs.lifecycle.runtime.compose)
    implementation(libs.biometric)
    implementation(libs.fragment)
    implementation(libs.code.scanner)
    implementation(libs.text.recognition)
    implementation(libs.androidx.core)
    implementation(libs.kotlinx.coroutines.android)

    androidTestImplementation(libs.androidx.test.runner)
    androidTestImplementation(libs.androidx.test.core)
    androidTestImplementation(libs.androidx.test.junit)
    androidTestImplementation(platform(libs.compose.bom))
    androidTestImplementation(libs.compose.ui.test.junit4)
    debugImplementation(libs.compose.ui.test.manifest)
}
