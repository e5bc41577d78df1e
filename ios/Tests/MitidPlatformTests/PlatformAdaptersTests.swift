// iOS ONLY: run in the iOS simulator by .github/workflows/mobile.yml (the package with
// MITID_USE_XCFRAMEWORK=1, `xcodebuild test`). Empty elsewhere.
#if os(iOS) && canImport(Security) && canImport(LocalAuthentication)
import Foundation
import XCTest

import MitidAppModel
import MitidCore

/// The Keychain secret store and the Secure Enclave key store under the core, on iOS.
final class PlatformAdaptersTests: XCTestCase {
    func testSecretsRoundTripThroughTheKeychain() throws {
        let store = KeychainSecretStore(service: "dk.mitid.tests.\(UUID().uuidString)")
        XCTAssertNil(try store.getSecret(name: "pepper"))
        try store.putSecret(name: "pepper", secret: Data(repeating: 7, count: 32))
        XCTAssertEqual(try store.getSecret(name: "pepper"), Data(repeating: 7, count: 32))
        try store.putSecret(name: "pepper", secret: Data(repeating: 8, count: 32))
        XCTAssertEqual(try store.getSecret(name: "pepper"), Data(repeating: 8, count: 32))
        try store.deleteSecret(name: "pepper")
        try store.deleteSecret(name: "pepper")
        XCTAssertNil(try store.getSecret(name: "pepper"))
    }

    func testTheSecureEnclaveStoreSignsOrSaysItIsUnavailable() throws {
        let keys = SecureEnclaveKeyStore(tagPrefix: "dk.mitid.tests.\(UUID().uuidString).", biometric: BiometricContext())
        let plain = KeyOptions(userAuthentication: false, biometricBound: false)
        do {
            let point = try keys.createKey(alias: "device", options: plain)
            XCTAssertEqual(point.count, 65)
            XCTAssertEqual(try keys.publicKey(alias: "device"), point)
            XCTAssertFalse(try keys.sign(alias: "device", message: Data("MitID".utf8)).isEmpty)
            XCTAssertThrowsError(try keys.createKey(alias: "device", options: plain))
            try keys.deleteKey(alias: "device")
            XCTAssertFalse(try keys.keyExists(alias: "device"))
        } catch PlatformError.HardwareUnavailable {
            // The simulator has no Secure Enclave: the store must say so, not crash.
        }
    }

    func testTheCoreOpensOverTheIosAdapters() throws {
        let biometric = BiometricContext()
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("mitid-\(UUID().uuidString)")
        let app = try App.open(
            home: home.path,
            server: ServerEndpoint(baseUrl: "https://127.0.0.1:9", pins: ["sha256/" + String(repeating: "A", count: 43) + "=", "sha256/" + String(repeating: "B", count: 42) + "A="]),
            keyStore: SecureEnclaveKeyStore(biometric: biometric),
            secretStore: KeychainSecretStore(service: "dk.mitid.tests.\(UUID().uuidString)"),
            biometricPrompt: LocalAuthenticationPrompt(biometric: biometric),
            clock: nil)
        XCTAssertTrue(try app.users().isEmpty)
        XCTAssertTrue(try app.home().canAddUser)
        try? FileManager.default.removeItem(at: home)
    }
}
#endif
