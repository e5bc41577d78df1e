import Foundation
import XCTest

@testable import MitidCore

/// The platform protocols and the error type, without a server.
final class PlatformTests: XCTestCase {
    let plain = KeyOptions(userAuthentication: false, biometricBound: false)
    let biometric = KeyOptions(userAuthentication: true, biometricBound: true)

    func testTheExportedSoftwareKeyStoreSignsAndSimulatesBiometrics() throws {
        let store = try SoftwareKeyStore.inMemory()
        let point = try store.createKey(alias: "device", options: plain)
        XCTAssertEqual(point.count, 65)
        XCTAssertEqual(point.first, 0x04)
        XCTAssertEqual(try store.publicKey(alias: "device"), point)
        XCTAssertFalse(try store.sign(alias: "device", message: Data("MitID".utf8)).isEmpty)
        XCTAssertThrowsError(try store.createKey(alias: "device", options: plain)) { error in
            XCTAssertEqual(error as? PlatformError, .KeyAlreadyExists)
        }
        _ = try store.createKey(alias: "bio", options: biometric)
        store.setNextBiometricResult(result: .cancelled)
        XCTAssertThrowsError(try store.sign(alias: "bio", message: Data([1]))) { error in
            XCTAssertEqual((error as? PlatformError)?.code(), "user_cancelled")
        }
        try store.changeBiometricEnrollment()
        XCTAssertThrowsError(try store.sign(alias: "bio", message: Data([1]))) { error in
            XCTAssertEqual(error as? PlatformError, .KeyInvalidated)
        }
        XCTAssertEqual(store.biometricPromptsShown(), 1)
    }

    func testTheSwiftWrapperGoesThroughTheForeignPath() throws {
        let keys = try SwiftKeyStore()
        // As the app would hand it to Rust: through the protocol.
        let asProtocol: PlatformKeyStore = keys
        XCTAssertEqual(try asProtocol.createKey(alias: "k", options: plain).count, 65)
        XCTAssertEqual(keys.calls("createKey"), 1)
    }

    func testErrorsHaveStableCodesAndTheCoresTexts() {
        let wrong = MitidError.WrongPin(remaining: 2)
        XCTAssertEqual(wrong.code(), "wrong_pin")
        XCTAssertEqual(wrong.remaining(), 2)
        XCTAssertTrue(wrong.message(language: .danish).contains("2"))
        XCTAssertTrue(wrong.message(language: .english).contains("Wrong PIN"))
        XCTAssertEqual(MitidError.PinRejected(reason: .sequence).code(), "pin_sequence")
        XCTAssertEqual(MitidError.ServerRejected(serverCode: "replay").code(), "server_replay")
        XCTAssertTrue(MitidError.ServerUnreachable.isTransient())
    }

    func testNewPinsAreCheckedByTheCorePolicy() {
        XCTAssertEqual(checkNewPin(pin: "123456"), .sequence)
        XCTAssertEqual(checkNewPin(pin: "12345"), .format)
        XCTAssertNil(checkNewPin(pin: "583920"))
        XCTAssertNotNil(coreVersion().range(of: #"^\d+\.\d+\.\d+"#, options: .regularExpression))
    }
}
