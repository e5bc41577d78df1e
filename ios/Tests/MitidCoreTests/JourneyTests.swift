import Foundation
import XCTest

@testable import MitidAppModel
import MitidCore
import MitidTestkit

/// The whole journey of `mitid demo`, from Swift through the app model, against the real
/// server over HTTPS: create a citizen; activate with the activation code and the temporary
/// PIN from the SMS (a weak PIN refused with its reason); approve a login with channel
/// binding; three wrong PINs lock the app; a temporary PIN from the support desk; a new PIN;
/// biometrics on (and a biometric approval); the user ID change refused as taken, then
/// accepted; a second user on the same app. Keys: the Rust software key store behind a Swift
/// class implementing the platform protocols (the foreign-trait path).
final class JourneyTests: XCTestCase, @unchecked Sendable {
    private func stage(_ name: String) {
        print("     journey: \(name)")
    }

    @MainActor
    func testTheWholeJourneyOfMitidDemo() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let phone = try Phone(server)
        let app = phone.app
        let home = try HomeModel(app)
        XCTAssertTrue(home.state.step.users.isEmpty)

        stage("the registry creates a citizen; support sends an activation code")
        let citizen = try server.createCitizen(tag: "journey")
        _ = try server.issueActivationCode(citizen: citizen)
        let activationCode = try server.codeFromMessage(recipient: citizen.mobile, kind: "activation_code", digits: 10)

        stage("activation: user ID, activation code, temporary PIN from the SMS")
        let activation = ActivationModel(app.startActivation())
        var changes = 0
        activation.screen.onChange = { _ in changes += 1 }
        XCTAssertEqual(activation.screen.state.step, .enterUserId)
        _ = try await activation.submitUserId(citizen.userId).get()
        guard case .enterTemporaryPin = try await activation.submitActivationCode(activationCode).get() else {
            return XCTFail("no temporary PIN was sent: \(activation.screen.state)")
        }
        let temporaryPin = try server.codeFromMessage(recipient: citizen.mobile, kind: "temporary_pin", digits: 8)
        let awaited1 = try await activation.submitTemporaryPin(temporaryPin).get()
        XCTAssertEqual(awaited1, .chooseNewPin)

        stage("a weak PIN is refused with its reason")
        let weak = await activation.submitNewPin("123456")
        XCTAssertEqual(weak, .failure(.PinRejected(reason: .sequence)))
        XCTAssertEqual(activation.screen.state.step, .chooseNewPin)
        XCTAssertEqual(activation.screen.state.error?.code(), "pin_sequence")
        XCTAssertFalse(activation.screen.state.error?.message(language: .danish).isEmpty ?? true)

        let awaited2 = try await activation.submitNewPin(acceptedPin).get()
        XCTAssertEqual(awaited2, .repeatNewPin)
        let awaited3 = try await activation.submitRepeatPin(acceptedPin).get()
        XCTAssertEqual(awaited3, .chooseBiometrics)
        let awaited4 = try await activation.chooseBiometrics(false).get()
        XCTAssertEqual(awaited4, .chooseNotifications)
        guard case .done(let user, _) = try await activation.chooseNotifications(true).get() else {
            return XCTFail("the activation did not finish: \(activation.screen.state)")
        }
        XCTAssertNil(activation.screen.state.error)
        XCTAssertGreaterThan(changes, 10)
        XCTAssertEqual(user.userId, citizen.userId)
        XCTAssertEqual(user.status, .ready)
        _ = try await home.refresh().get()
        XCTAssertEqual(home.state.step.users.map(\.user.localId), [user.localId])

        stage("approve a login with channel binding (the 4-digit code) and the PIN")
        let approval = ApprovalModel(try app.approvalFlow(localId: user.localId))
        let login = try server.startLogin(
            userId: citizen.userId, channel: .code, swipeAllowed: false, referenceHeader: "Log på", referenceBody: "Testbutikken")
        guard case .enterChannelBinding(let request) = try await approval.waitForRequest(seconds: 10).get() else {
            return XCTFail("no request: \(approval.screen.state)")
        }
        XCTAssertEqual(request.serviceProvider, "Testbutikken")
        XCTAssertEqual(request.channelBinding, .code)
        XCTAssertFalse(request.swipeAllowed)
        guard case .chooseFactor(_, let factors) = try await approval.enterCode(login.code ?? "").get() else {
            return XCTFail("code refused: \(approval.screen.state)")
        }
        XCTAssertEqual(factors, [.pin])
        let awaited5 = try await approval.approveWithPin(acceptedPin).get()
        XCTAssertEqual(awaited5, .done(outcome: .approved))
        let result = try server.loginResult(transactionId: login.transactionId)
        XCTAssertEqual(result.status, .approved)
        XCTAssertEqual(result.factor, .pin)
        XCTAssertEqual(result.userId, citizen.userId)
        XCTAssertNotNil(result.subject)

        stage("three wrong PINs lock the app temporarily")
        let second = try server.startLogin(
            userId: citizen.userId, channel: .code, swipeAllowed: false, referenceHeader: "Log på", referenceBody: "igen")
        _ = try await approval.waitForRequest(seconds: 10).get()
        _ = try await approval.enterCode(second.code ?? "").get()
        let awaited6 = await approval.approveWithPin("111222")
        XCTAssertEqual(awaited6, .failure(.WrongPin(remaining: 2)))
        if case .chooseFactor = approval.screen.state.step {} else { XCTFail("\(approval.screen.state)") }
        let awaited7 = await approval.approveWithPin("111222")
        XCTAssertEqual(awaited7, .failure(.WrongPin(remaining: 1)))
        let third = await approval.approveWithPin("111222")
        XCTAssertTrue(["wrong_pin", "temporarily_locked"].contains(third.failureCode), "\(third)")
        XCTAssertEqual(approval.screen.state.step, .ended)
        let awaited8 = try await app.status(localId: user.localId).status
        XCTAssertEqual(awaited8, .temporarilyLocked)
        _ = try await home.refresh().get()
        XCTAssertEqual(home.state.step.users.first?.actions, [.temporaryPin, .removeUser])
        // The unanswered login stays pending until it expires (5 minutes).
        server.advanceClock(seconds: 6 * 60)

        stage("the support desk sends a temporary PIN; the citizen chooses a new PIN and turns biometrics on")
        _ = try server.issueTemporaryPin(citizen: citizen, authenticatorId: user.authenticatorId)
        let resetPin = try server.codeFromMessage(recipient: citizen.mobile, kind: "temporary_pin", digits: 8)
        let newPin = "472915"
        let reset = NewPinModel(try app.newPinFlow(localId: user.localId, start: .temporaryPin))
        let awaited9 = try await reset.submitTemporaryPin(resetPin).get()
        XCTAssertEqual(awaited9, .chooseNewPin)
        let awaited10 = try await reset.submitNewPin(newPin).get()
        XCTAssertEqual(awaited10, .repeatNewPin)
        let awaited11 = try await reset.submitRepeatPin(newPin).get()
        XCTAssertEqual(awaited11, .chooseBiometrics(currentlyEnabled: false))
        let promptsBefore = phone.prompt.prompts
        let awaited12 = try await reset.chooseBiometrics(true).get()
        XCTAssertEqual(awaited12, .done)
        XCTAssertGreaterThan(phone.prompt.prompts, promptsBefore)
        let ready = try await app.status(localId: user.localId)
        XCTAssertEqual(ready.status, .ready)
        XCTAssertTrue(ready.biometricsEnabled)
        // The binding signature of the new biometric key asked the (simulated) sensor.
        XCTAssertEqual(phone.keys.store.biometricPromptsShown(), 1)

        stage("approve with biometrics")
        let bio = try server.startLogin(
            userId: citizen.userId, channel: .code, swipeAllowed: false, referenceHeader: "Log på", referenceBody: "med biometri")
        _ = try await approval.waitForRequest(seconds: 10).get()
        guard case .chooseFactor(_, let bioFactors) = try await approval.enterCode(bio.code ?? "").get() else {
            return XCTFail("code refused: \(approval.screen.state)")
        }
        XCTAssertEqual(bioFactors, [.biometrics, .pin])
        let awaited13 = try await approval.approveWithBiometrics().get()
        XCTAssertEqual(awaited13, .done(outcome: .approved))
        XCTAssertEqual(try server.loginResult(transactionId: bio.transactionId).factor, .biometrics)

        stage("the old PIN is gone, the new one works")
        let third2 = try server.startLogin(
            userId: citizen.userId, channel: .code, swipeAllowed: false, referenceHeader: "Log på", referenceBody: "ny PIN")
        _ = try await approval.waitForRequest(seconds: 10).get()
        _ = try await approval.enterCode(third2.code ?? "").get()
        let awaited14 = await approval.approveWithPin(acceptedPin)
        XCTAssertEqual(awaited14, .failure(.WrongPin(remaining: 2)))
        let awaited15 = try await approval.approveWithPin(newPin).get()
        XCTAssertEqual(awaited15, .done(outcome: .approved))

        stage("a user ID change: requested with biometrics, an hour later refused as taken, then accepted")
        let someoneElse = try server.createCitizen(tag: "taken")
        let window = try await app.requestProfileChange(localId: user.localId, confirm: .biometrics)
        XCTAssertEqual(window.opensAt, server.now() + 3600)
        let wanted = "\(citizen.userId).ny"
        let early = await expectMitidError { _ = try await app.changeUserId(localId: user.localId, wanted: wanted, confirm: .pin(pin: newPin)) }
        XCTAssertEqual(early, .NotYetAllowed(opensAt: window.opensAt))
        server.advanceClock(seconds: 3600)
        let taken = await expectMitidError { _ = try await app.changeUserId(localId: user.localId, wanted: someoneElse.userId, confirm: .pin(pin: newPin)) }
        XCTAssertEqual(taken, .UserIdTaken)
        let awaited16 = try await app.changeUserId(localId: user.localId, wanted: wanted, confirm: .pin(pin: newPin))
        XCTAssertEqual(awaited16, wanted)

        stage("a second user on the same app")
        let secondCitizen = try server.createCitizen(tag: "second")
        let secondUser = try await phone.activate(secondCitizen)
        let users = try app.users()
        XCTAssertEqual(users.map(\.localId), [user.localId, secondUser.localId])
        XCTAssertFalse(users[0].biometricsEnabled, "biometrics need a single user")
        let secondApproval = try app.approvalFlow(localId: secondUser.localId)
        let (secondLogin, secondFactors) = try await phone.loginUpToFactor(secondUser, secondApproval)
        XCTAssertEqual(secondFactors, [.pin])
        let awaited18 = try await secondApproval.approveWithPin(pin: acceptedPin)
        XCTAssertEqual(awaited18, .done(outcome: .approved))
        XCTAssertEqual(try server.loginResult(transactionId: secondLogin.transactionId).userId, secondCitizen.userId)
        _ = try await home.refresh().get()
        XCTAssertEqual(home.state.step.users.count, 2)
        XCTAssertTrue(home.state.step.users.allSatisfy { $0.user.status == .ready })
    }
}

extension Result where Failure == MitidError {
    /// The error's stable code, or `nil` on success.
    var failureCode: String? {
        if case .failure(let error) = self { return error.code() }
        return nil
    }
}
