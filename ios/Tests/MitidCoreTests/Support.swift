import Foundation
import XCTest

@testable import MitidCore
import MitidTestkit

/// The exported Rust software key store, used through the foreign-trait path: this Swift
/// class implements the platform protocols and forwards to it, so every call crosses
/// Rust → Swift → Rust exactly as a Secure Enclave adapter's calls would.
final class SwiftKeyStore: PlatformKeyStore, PlatformSecretStore, @unchecked Sendable {
    let store: SoftwareKeyStore
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    /// When set, every key-store method throws this (a Swift error that is not a PlatformError).
    var failure: (any Error)?

    init() throws {
        store = try SoftwareKeyStore.inMemory()
    }

    private func count(_ method: String) throws {
        lock.lock()
        counts[method, default: 0] += 1
        let failure = self.failure
        lock.unlock()
        if let failure { throw failure }
    }

    /// Calls of a method so far.
    func calls(_ method: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return counts[method, default: 0]
    }

    func createKey(alias: String, options: KeyOptions) throws -> Data {
        try count("createKey")
        return try store.createKey(alias: alias, options: options)
    }

    func publicKey(alias: String) throws -> Data {
        try count("publicKey")
        return try store.publicKey(alias: alias)
    }

    func sign(alias: String, message: Data) throws -> Data {
        try count("sign")
        return try store.sign(alias: alias, message: message)
    }

    func deleteKey(alias: String) throws {
        try count("deleteKey")
        try store.deleteKey(alias: alias)
    }

    func keyExists(alias: String) throws -> Bool {
        try count("keyExists")
        return try store.keyExists(alias: alias)
    }

    func putSecret(name: String, secret: Data) throws {
        try store.putSecret(name: name, secret: secret)
    }

    func getSecret(name: String) throws -> Data? {
        try store.getSecret(name: name)
    }

    func deleteSecret(name: String) throws {
        try store.deleteSecret(name: name)
    }
}

/// A biometric prompt that answers from a script (then `.success`).
final class ScriptedPrompt: PlatformBiometricPrompt, @unchecked Sendable {
    private let lock = NSLock()
    private var script: [BiometricOutcome] = []
    private var shown = 0

    /// The answers to the next prompts, in order.
    func answer(_ outcomes: BiometricOutcome...) {
        lock.lock()
        script.append(contentsOf: outcomes)
        lock.unlock()
    }

    /// How many prompts were shown.
    var prompts: Int {
        lock.lock()
        defer { lock.unlock() }
        return shown
    }

    /// When set, the prompt throws it (a bug in the Swift prompt).
    var crash: (any Error)? {
        get { lock.withLock { _crash } }
        set { lock.withLock { _crash = newValue } }
    }
    private var _crash: (any Error)?

    func authenticate(reason: String) async throws -> BiometricOutcome {
        try lock.withLock {
            shown += 1
            if let crash = _crash { throw crash }
            return script.isEmpty ? .success : script.removeFirst()
        }
    }
}

/// The app's clock is the test server's fake clock, so `advanceClock` moves both.
final class ServerClock: PlatformClock, @unchecked Sendable {
    let server: TestServer
    init(_ server: TestServer) { self.server = server }
    func nowUnixSeconds() throws -> Int64 { server.now() }
}

/// One app installation: its folder, key store, prompt and the open app; `viaProxy` connects
/// through the test kit's proxy, whose network a test can cut (`setNetworkDown`, `cutPath`).
final class Phone {
    let server: TestServer
    let home: URL
    let keys: SwiftKeyStore
    let prompt = ScriptedPrompt()
    let app: App

    init(_ server: TestServer, viaProxy: Bool = false) throws {
        self.server = server
        home = FileManager.default.temporaryDirectory.appendingPathComponent("mitid-app-\(UUID().uuidString)")
        keys = try SwiftKeyStore()
        let endpoint = viaProxy
            ? ServerEndpoint(baseUrl: server.proxyUrl(), keyPins: server.proxyKeyPins())
            : ServerEndpoint(baseUrl: server.url(), keyPins: server.keyPins())
        app = try App.open(
            home: home.path,
            server: endpoint,
            keyStore: keys, secretStore: keys, biometricPrompt: prompt, clock: ServerClock(server))
    }

    deinit {
        try? FileManager.default.removeItem(at: home)
    }
}

/// Runs `body`, expecting a `MitidError`; returns it.
@MainActor
func expectMitidError(
    _ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line
) async -> MitidError? {
    do {
        try await body()
        XCTFail("expected a MitidError, nothing was thrown", file: file, line: line)
    } catch let error as MitidError {
        return error
    } catch {
        XCTFail("expected a MitidError, got \(error)", file: file, line: line)
    }
    return nil
}

/// A PIN the policy accepts.
let acceptedPin = "583920"

extension Phone {
    /// Support sends an activation code by SMS; the citizen types it, then the temporary PIN.
    func activate(_ citizen: Citizen, pin: String = acceptedPin, biometrics: Bool = false) async throws -> UserSummary {
        _ = try server.issueActivationCode(citizen: citizen)
        let code = try server.codeFromMessage(recipient: citizen.mobile, kind: "activation_code", digits: 10)
        let flow = app.startActivation()
        let awaited1 = try await flow.submitUserId(userId: citizen.userId)
        XCTAssertEqual(awaited1, .enterActivationCode(userId: citizen.userId))
        guard case .enterTemporaryPin = try await flow.submitActivationCode(code: code) else {
            throw XCTSkip("unreachable: the activation code was refused")
        }
        let temporaryPin = try server.codeFromMessage(recipient: citizen.mobile, kind: "temporary_pin", digits: 8)
        let awaited2 = try await flow.submitTemporaryPin(temporaryPin: temporaryPin)
        XCTAssertEqual(awaited2, .chooseNewPin)
        let awaited3 = try await flow.submitNewPin(pin: pin)
        XCTAssertEqual(awaited3, .repeatNewPin)
        var step = try await flow.submitRepeatPin(pin: pin)
        if step == .chooseBiometrics {
            step = try await flow.chooseBiometrics(enable: biometrics)
        }
        XCTAssertEqual(step, .chooseNotifications)
        guard case .done(let user, _) = try await flow.chooseNotifications(allow: true) else {
            XCTFail("the activation did not finish: \(flow.step())")
            throw MitidError.InvalidStep
        }
        return user
    }

    /// The relying party starts a code login; the app waits for it and types the code.
    func loginUpToFactor(_ user: UserSummary, _ flow: ApprovalFlow, swipeAllowed: Bool = false) async throws -> (Login, [ApprovalFactor]) {
        let login = try server.startLogin(
            userId: user.userId, channel: .code, swipeAllowed: swipeAllowed,
            referenceHeader: "Log på", referenceBody: "Testbutikken vil se, at det er dig")
        let arrived = try await flow.waitForRequest(waitSeconds: 10).outcome()
        guard case .enterChannelBinding(let request) = arrived else {
            XCTFail("no request arrived: \(arrived)")
            throw MitidError.InvalidStep
        }
        XCTAssertEqual(request.transactionId, login.transactionId)
        guard case .chooseFactor(_, let factors) = try await flow.enterCode(code: login.code ?? "") else {
            XCTFail("the code was not accepted: \(flow.step())")
            throw MitidError.InvalidStep
        }
        return (login, factors)
    }
}

/// The phone's NFC link to the test kit's simulated passport chip: every APDU crosses the FFI.
final class ChipLink: PlatformNfcLink, @unchecked Sendable {
    let chip: TestChip
    init(_ chip: TestChip) { self.chip = chip }
    func transceive(apdu: Data) throws -> Data { try chip.transceive(apdu: apdu) }
    func supportsExtendedLength() -> Bool { chip.supportsExtendedLength() }
}
