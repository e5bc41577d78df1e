import Foundation
import XCTest

import MitidCore
import MitidTestkit

/// The error paths, each on its own citizen and app installation against one server: wrong
/// PIN, the temporary lock, an expired temporary PIN, a taken user ID, cancelled biometrics,
/// invalidated biometrics, a Swift error in the key store or the prompt, a wrong
/// channel-binding code, and cancelling the approval long poll.
final class ErrorPathsTests: XCTestCase, @unchecked Sendable {
    nonisolated(unsafe) static var shared: TestServer?

    /// One server for the whole class (started on first use).
    private func server() throws -> TestServer {
        if let server = Self.shared { return server }
        let server = try TestServer.start()
        Self.shared = server
        return server
    }

    override class func tearDown() {
        shared?.stop()
        shared = nil
        super.tearDown()
    }

    @MainActor
    func testAWrongPinKeepsTheRequestOpenWithTheTriesLeft() async throws {
        let phone = try Phone(try server())
        let user = try await phone.activate(try phone.server.createCitizen(tag: "wrongpin"))
        let flow = try phone.app.approvalFlow(localId: user.localId)
        let (login, _) = try await phone.loginUpToFactor(user, flow)
        let wrong = await expectMitidError { _ = try await flow.approveWithPin(pin: "111222") }
        XCTAssertEqual(wrong, .WrongPin(remaining: 2))
        guard case .chooseFactor = flow.step() else { return XCTFail("\(flow.step())") }
        XCTAssertEqual(flow.lastError(), .WrongPin(remaining: 2))
        let approved = try await flow.approveWithPin(pin: acceptedPin)
        XCTAssertEqual(approved, .done(outcome: .approved))
        XCTAssertEqual(try phone.server.loginResult(transactionId: login.transactionId).status, .approved)
    }

    @MainActor
    func testThreeWrongPinsLockTheAppUntilATemporaryPin() async throws {
        let phone = try Phone(try server())
        let user = try await phone.activate(try phone.server.createCitizen(tag: "lock"))
        let flow = try phone.app.approvalFlow(localId: user.localId)
        _ = try await phone.loginUpToFactor(user, flow)
        for remaining in [UInt32(2), 1] {
            let wrong = await expectMitidError { _ = try await flow.approveWithPin(pin: "111222") }
            XCTAssertEqual(wrong, .WrongPin(remaining: remaining))
        }
        _ = await expectMitidError { _ = try await flow.approveWithPin(pin: "111222") }
        XCTAssertEqual(flow.step(), .ended)
        let status = try await phone.app.status(localId: user.localId)
        XCTAssertEqual(status.status, .temporarilyLocked)
        let locked = await expectMitidError {
            _ = try await phone.app.approvalFlow(localId: user.localId).waitForRequest(waitSeconds: 1).outcome()
        }
        XCTAssertEqual(locked, .TemporarilyLocked)
        XCTAssertEqual(try phone.app.home().users.first?.actions, [.temporaryPin, .removeUser])
    }

    @MainActor
    func testAnExpiredTemporaryPinIsRefused() async throws {
        let server = try server()
        let phone = try Phone(server)
        let citizen = try server.createCitizen(tag: "expired")
        let user = try await phone.activate(citizen)
        _ = try server.issueTemporaryPin(citizen: citizen, authenticatorId: user.authenticatorId)
        let temporaryPin = try server.codeFromMessage(recipient: citizen.mobile, kind: "temporary_pin", digits: 8)
        server.advanceClock(seconds: 31 * 60)  // valid for 30 minutes
        let flow = try phone.app.newPinFlow(localId: user.localId, start: .temporaryPin)
        // Checked when entered: no new PIN is typed for nothing.
        let expired = await expectMitidError { _ = try await flow.submitTemporaryPin(code: temporaryPin) }
        XCTAssertEqual(expired, .CodeExpired)
        XCTAssertEqual(flow.lastError(), .CodeExpired)
        XCTAssertEqual(flow.step(), .enterTemporaryPin)
        // The old PIN still works.
        let approval = try phone.app.approvalFlow(localId: user.localId)
        _ = try await phone.loginUpToFactor(user, approval)
        let approved = try await approval.approveWithPin(pin: acceptedPin)
        XCTAssertEqual(approved, .done(outcome: .approved))
    }

    @MainActor
    func testATakenOrInvalidUserIdIsRefusedWithItsReason() async throws {
        let server = try server()
        let phone = try Phone(server)
        let user = try await phone.activate(try server.createCitizen(tag: "userid"))
        let other = try server.createCitizen(tag: "occupied")
        let pin = Confirm.pin(pin: acceptedPin)
        let taken = await expectMitidError { _ = try await phone.app.changeUserId(localId: user.localId, wanted: other.userId, confirm: pin) }
        XCTAssertEqual(taken, .UserIdTaken)
        // Free, but not yet requested (help page 000: request, then an hour).
        let early = await expectMitidError { _ = try await phone.app.changeUserId(localId: user.localId, wanted: "userid.free", confirm: pin) }
        XCTAssertEqual(early, .NotYetAllowed(opensAt: nil))
        let invalid = await expectMitidError { _ = try await phone.app.changeUserId(localId: user.localId, wanted: "abc", confirm: pin) }
        XCTAssertEqual(invalid, .UserIdInvalid(rule: "user_id_length"))
        XCTAssertEqual(invalid?.code(), "user_id_invalid")
        let unchanged = try phone.app.users().first?.userId
        XCTAssertEqual(unchanged, user.userId)
    }

    @MainActor
    func testCancelledBiometricsLeaveThePinAsTheWayOn() async throws {
        let server = try server()
        let phone = try Phone(server)
        let user = try await phone.activate(try server.createCitizen(tag: "biocancel"), biometrics: true)
        XCTAssertTrue(try phone.app.users()[0].biometricsEnabled)
        let flow = try phone.app.approvalFlow(localId: user.localId)
        let (login, factors) = try await phone.loginUpToFactor(user, flow)
        XCTAssertTrue(factors.contains(.biometrics))
        // The citizen dismisses the prompt...
        phone.prompt.answer(.cancelled)
        let byPrompt = await expectMitidError { _ = try await flow.approveWithBiometrics() }
        XCTAssertEqual(byPrompt, .BiometricsCancelled)
        guard case .chooseFactor = flow.step() else { return XCTFail("\(flow.step())") }
        // ... or the key's own prompt (Secure Enclave without an evaluated context).
        phone.keys.store.setNextBiometricResult(result: .cancelled)
        let byKey = await expectMitidError { _ = try await flow.approveWithBiometrics() }
        XCTAssertEqual(byKey, .BiometricsCancelled)
        XCTAssertEqual(try server.loginResult(transactionId: login.transactionId).status, .pending)
        let approved = try await flow.approveWithPin(pin: acceptedPin)
        XCTAssertEqual(approved, .done(outcome: .approved))
        XCTAssertEqual(try server.loginResult(transactionId: login.transactionId).factor, .pin)
        // Off, and on again with a cancelled prompt: stays off.
        try await phone.app.disableBiometrics(localId: user.localId)
        phone.prompt.answer(.cancelled)
        let enabling = await expectMitidError { try await phone.app.enableBiometrics(localId: user.localId, pin: acceptedPin) }
        XCTAssertEqual(enabling, .BiometricsCancelled)
        XCTAssertFalse(try phone.app.users()[0].biometricsEnabled)
        // A cancel at the key's own prompt comes after the PIN attempt started: three of them
        // cost no try, and the PIN still enables.
        for _ in 0..<3 {
            phone.keys.store.setNextBiometricResult(result: .cancelled)
            let atKey = await expectMitidError { try await phone.app.enableBiometrics(localId: user.localId, pin: acceptedPin) }
            XCTAssertEqual(atKey, .BiometricsCancelled)
        }
        XCTAssertFalse(try phone.app.users()[0].biometricsEnabled)
        try await phone.app.enableBiometrics(localId: user.localId, pin: acceptedPin)
        XCTAssertTrue(try phone.app.users()[0].biometricsEnabled)
    }

    @MainActor
    func testABiometricEnrollmentChangeTurnsBiometricsOff() async throws {
        let server = try server()
        let phone = try Phone(server)
        let user = try await phone.activate(try server.createCitizen(tag: "enrol"), biometrics: true)
        try phone.keys.store.changeBiometricEnrollment()
        let flow = try phone.app.approvalFlow(localId: user.localId)
        _ = try await phone.loginUpToFactor(user, flow)
        let invalidated = await expectMitidError { _ = try await flow.approveWithBiometrics() }
        XCTAssertEqual(invalidated, .BiometricsInvalidated)
        guard case .chooseFactor(_, let factors) = flow.step() else { return XCTFail("\(flow.step())") }
        XCTAssertEqual(factors, [.pin])
        let status = try await phone.app.status(localId: user.localId)
        XCTAssertFalse(status.biometricsEnabled)
    }

    /// Not a `PlatformError`: what a bug in a Swift key store throws.
    struct SwiftBug: Error {}

    @MainActor
    func testASwiftErrorInTheKeyStoreBecomesATypedError() async throws {
        let server = try server()
        let phone = try Phone(server)
        phone.keys.failure = SwiftBug()
        let citizen = try server.createCitizen(tag: "buggy")
        _ = try server.issueActivationCode(citizen: citizen)
        let flow = phone.app.startActivation()
        _ = try await flow.submitUserId(userId: citizen.userId)
        _ = try await flow.submitActivationCode(
            code: try server.codeFromMessage(recipient: citizen.mobile, kind: "activation_code", digits: 10))
        _ = try await flow.submitTemporaryPin(
            temporaryPin: try server.codeFromMessage(recipient: citizen.mobile, kind: "temporary_pin", digits: 8))
        _ = try await flow.submitNewPin(pin: acceptedPin)
        let error = await expectMitidError { _ = try await flow.submitRepeatPin(pin: acceptedPin) }
        XCTAssertTrue(error?.code().hasPrefix("key_store_") ?? false, "\(String(describing: error))")
        XCTAssertEqual(flow.lastError()?.code(), error?.code())
        XCTAssertTrue(try phone.app.users().isEmpty)
        XCTAssertGreaterThan(phone.keys.calls("createKey") + phone.keys.calls("keyExists"), 0)
    }

    @MainActor
    func testASwiftErrorInTheBiometricPromptCountsAsUnavailable() async throws {
        let server = try server()
        let phone = try Phone(server)
        let user = try await phone.activate(try server.createCitizen(tag: "buggyprompt"))
        phone.prompt.crash = SwiftBug()
        let error = await expectMitidError { try await phone.app.enableBiometrics(localId: user.localId, pin: acceptedPin) }
        XCTAssertEqual(error, .BiometricsUnavailable)
        XCTAssertFalse(try phone.app.users()[0].biometricsEnabled)
        // No PIN attempt was spent: the PIN still has all its tries.
        phone.prompt.crash = nil
        let flow = try phone.app.approvalFlow(localId: user.localId)
        _ = try await phone.loginUpToFactor(user, flow)
        let wrong = await expectMitidError { _ = try await flow.approveWithPin(pin: "111222") }
        XCTAssertEqual(wrong, .WrongPin(remaining: 2))
    }

    @MainActor
    func testAWrongChannelBindingCodeIsRefusedByTheServer() async throws {
        let server = try server()
        let phone = try Phone(server)
        let user = try await phone.activate(try server.createCitizen(tag: "binding"))
        let flow = try phone.app.approvalFlow(localId: user.localId)
        let login = try server.startLogin(
            userId: user.userId, channel: .code, swipeAllowed: false, referenceHeader: "Log på", referenceBody: "forkert kode")
        _ = try await flow.waitForRequest(waitSeconds: 10).outcome()
        let malformed = await expectMitidError { _ = try await flow.enterCode(code: "12") }
        XCTAssertEqual(malformed, .ChannelCodeMalformed)
        _ = try await flow.enterCode(code: login.code == "0000" ? "1111" : "0000")
        let mismatch = await expectMitidError { _ = try await flow.approveWithPin(pin: acceptedPin) }
        XCTAssertEqual(mismatch?.code(), "channel_binding_mismatch")
        guard case .enterChannelBinding = flow.step() else { return XCTFail("\(flow.step())") }
        _ = try await flow.enterCode(code: login.code ?? "")
        let approved = try await flow.approveWithPin(pin: acceptedPin)
        XCTAssertEqual(approved, .done(outcome: .approved))
    }

    @MainActor
    func testTheApprovalLongPollIsCancelledThroughItsHandle() async throws {
        let server = try server()
        let phone = try Phone(server)
        let user = try await phone.activate(try server.createCitizen(tag: "longpoll"))
        let flow = try phone.app.approvalFlow(localId: user.localId)

        // cancel(): the wait ends at once with Cancelled, the step is idle again.
        let started = Date()
        let wait = try flow.waitForRequest(waitSeconds: 30)
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertFalse(wait.isFinished())
        wait.cancel()
        let cancelled = await expectMitidError { _ = try await wait.outcome() }
        XCTAssertEqual(cancelled, .Cancelled)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual(flow.step(), .idle)

        // A cancel right after the start is not lost.
        let quick = try flow.waitForRequest(waitSeconds: 30)
        quick.cancel()
        let quickly = await expectMitidError { _ = try await quick.outcome() }
        XCTAssertEqual(quickly, .Cancelled)

        // Releasing the handle cancels a wait nobody awaits any more: without the cancel the
        // step would stay `waiting` for 30 s. (The second lets the released wait start.)
        _ = try flow.waitForRequest(waitSeconds: 30)
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let deadline = Date().addingTimeInterval(5)
        while flow.step() != .idle && Date() < deadline {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        XCTAssertEqual(flow.step(), .idle)

        // A new wait cancels the previous one (one wait at a time).
        let first = try flow.waitForRequest(waitSeconds: 30)
        let second = try flow.waitForRequest(waitSeconds: 30)
        let replaced = await expectMitidError { _ = try await first.outcome() }
        XCTAssertEqual(replaced, .Cancelled)
        XCTAssertFalse(second.isFinished())
        second.cancel()
        let secondCancelled = await expectMitidError { _ = try await second.outcome() }
        XCTAssertEqual(secondCancelled, .Cancelled)

        // And the flow works on.
        let (login, _) = try await phone.loginUpToFactor(user, flow)
        let approved = try await flow.approveWithPin(pin: acceptedPin)
        XCTAssertEqual(approved, .done(outcome: .approved))
        XCTAssertEqual(try server.loginResult(transactionId: login.transactionId).status, .approved)
    }
}
