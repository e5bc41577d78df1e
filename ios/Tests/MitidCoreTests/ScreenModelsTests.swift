import Foundation
import XCTest

import MitidAppModel
import MitidCore
import MitidTestkit

private let pin2 = "472915"
private let pin3 = "906148"

/// The error code of a failed action, nil when it succeeded.
private func failure<T>(_ result: Result<T, MitidError>) -> String? {
    if case .failure(let error) = result { return error.code() }
    return nil
}

/// The value of a successful action; fails the test otherwise.
private func value<T>(_ result: Result<T, MitidError>, file: StaticString = #filePath, line: UInt = #line) throws -> T {
    switch result {
    case .success(let value): return value
    case .failure(let error):
        XCTFail("expected success, got \(error.code())", file: file, line: line)
        throw error
    }
}

/// The screen models of help pages 003 and 004 from Swift against the real server: "Menu →
/// App settings" (PIN code with the current PIN or biometrics, biometrics on and off and after
/// an enrolment change, remove the user), "Select user", a cut connection in the middle of a
/// flow, approvals by swipe, QR and rejection, self-service from the app, and a passport from
/// abroad with its P-code. With the other suites they reach every exported flow method and
/// step (checked by `bindings/tests/shells_reach_every_step.rs`).
final class ScreenModelsTests: XCTestCase, @unchecked Sendable {
    /// "Select user" for a user who is not there (removed meanwhile) shows the error and keeps
    /// the selection: before, the shell dropped the failure, and the next action ran for
    /// whoever was selected without the citizen knowing.
    @MainActor
    func testSelectingAUserWhoIsGoneShowsTheErrorAndKeepsTheSelection() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let phone = try Phone(server)
        _ = try await phone.activate(try server.createCitizen(tag: "first"))
        let second = try await phone.activate(try server.createCitizen(tag: "second"))
        let home = try HomeModel(phone.app)
        _ = try home.selectUser(second.localId).get()
        guard case .failure(.NoSuchUser) = home.selectUser(String(repeating: "0", count: 32)) else {
            return XCTFail("selecting a user who is not there")
        }
        XCTAssertEqual(home.state.error, .NoSuchUser)
        XCTAssertEqual(try home.selectedUser()?.localId, second.localId)
    }

    @MainActor
    func testAppSettingsChangeThePinSwitchBiometricsAndRemoveTheUser() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let phone = try Phone(server)
        let user = try await phone.activate(try server.createCitizen(tag: "settings"))
        let home = try HomeModel(phone.app)
        _ = try home.selectUser(user.localId).get()
        XCTAssertEqual(try home.selectedUser()?.localId, user.localId)
        XCTAssertEqual(try home.users().map(\.localId), [user.localId])
        let settings = SettingsModel(phone.app, localId: user.localId)
        let r1 = try value(await settings.status())
        XCTAssertEqual(r1.status, .ready)
        XCTAssertEqual(try settings.notificationsAllowed(), true)

        // "Change your PIN code" with the current PIN, checked when it is typed.
        let change = try settings.changePin()
        XCTAssertEqual(change.screen.state.step, .enterCurrentPin(biometricsOffered: false))
        let r2 = try value(await change.submitCurrentPin(acceptedPin))
        XCTAssertEqual(r2, .chooseNewPin)
        let r3 = try value(await change.submitNewPin(pin2))
        XCTAssertEqual(r3, .repeatNewPin)
        let r4 = try value(await change.submitRepeatPin(pin2))
        XCTAssertEqual(r4, .chooseBiometrics(currentlyEnabled: false))
        let r5 = try value(await change.chooseBiometrics(false))
        XCTAssertEqual(r5, .done)

        // Biometrics on (with the PIN); then the PIN is changed with biometrics.
        let r6 = try value(await settings.enableBiometrics(pin: pin2))
        XCTAssertTrue(r6.biometricsEnabled)
        XCTAssertEqual(try settings.biometricFailures(), 0)
        let again = try settings.changePin()
        XCTAssertEqual(again.screen.state.step, .enterCurrentPin(biometricsOffered: true))
        let r7 = try value(await again.useBiometrics())
        XCTAssertEqual(r7, .chooseNewPin)
        _ = try value(await again.submitNewPin(pin3))
        let r8 = try value(await again.submitRepeatPin(pin3))
        XCTAssertEqual(r8, .chooseBiometrics(currentlyEnabled: true))
        let r9 = try value(await again.chooseBiometrics(true))
        XCTAssertEqual(r9, .done)

        // The enrolled faces changed: biometrics go off; they come back with the PIN.
        let r10 = try value(await home.biometricEnrollmentChanged())
        XCTAssertEqual(r10, [user.localId])
        let r11 = try value(await settings.status())
        XCTAssertFalse(r11.biometricsEnabled)
        let r12 = try value(await settings.enableBiometrics(pin: pin3))
        XCTAssertTrue(r12.biometricsEnabled)
        let r13 = try value(await settings.disableBiometrics())
        XCTAssertFalse(r13.biometricsEnabled)

        _ = try value(await settings.removeUser())
        home.reload()
        XCTAssertEqual(try home.users(), [])
        XCTAssertNil(try home.selectedUser())
        XCTAssertEqual(home.state.step.users, [])
    }

    @MainActor
    func testACutConnectionInterruptsTheFlowsAndTheyFinishLater() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let phone = try Phone(server, viaProxy: true)
        let citizen = try server.createCitizen(tag: "tunnel")
        _ = try server.issueActivationCode(citizen: citizen)
        let code = try server.codeFromMessage(recipient: citizen.mobile, kind: "activation_code", digits: 10)
        let activation = ActivationModel(phone.app.startActivation())
        _ = try value(await activation.submitUserId(citizen.userId))
        _ = try value(await activation.submitActivationCode(code))
        let temporary = try server.codeFromMessage(recipient: citizen.mobile, kind: "temporary_pin", digits: 8)
        _ = try value(await activation.submitTemporaryPin(temporary))
        _ = try value(await activation.submitNewPin(acceptedPin))
        server.setNetworkDown(down: true)
        let r14 = failure(await activation.submitRepeatPin(acceptedPin))
        XCTAssertNotNil(r14)
        XCTAssertEqual(activation.screen.state.step, .interrupted)
        server.setNetworkDown(down: false)
        var step = try value(await activation.retry())
        if step == .chooseBiometrics { step = try value(await activation.chooseBiometrics(false)) }
        XCTAssertEqual(step, .chooseNotifications)
        let r15 = try value(await activation.chooseNotifications(false))
        guard case .done(let user, _) = r15 else {
            return XCTFail("\(activation.screen.state.step)")
        }

        let settings = SettingsModel(phone.app, localId: user.localId)
        do {
            let change = try settings.changePin()
            _ = try value(await change.submitCurrentPin(acceptedPin))
            _ = try value(await change.submitNewPin(pin2))
            server.setNetworkDown(down: true)
            let r16 = failure(await change.submitRepeatPin(pin2))
            XCTAssertNotNil(r16)
            XCTAssertEqual(change.screen.state.step, .interrupted)
            server.setNetworkDown(down: false)
            let r17 = try value(await change.retry())
            XCTAssertEqual(r17, .chooseBiometrics(currentlyEnabled: false))
        }

        // The new PIN's last request never arrived, and the citizen left (the flow is released
        // with its screen): the app sends it at the next start.
        do {
            let left = try settings.changePin()
            _ = try value(await left.submitCurrentPin(pin2))
            _ = try value(await left.submitNewPin(pin3))
            server.cutPath(path: "/v1/app/pin/new/finish")
            let r18 = failure(await left.submitRepeatPin(pin3))
            XCTAssertNotNil(r18)
            XCTAssertEqual(left.screen.state.step, .interrupted)
        }
        server.healPath(path: "/v1/app/pin/new/finish")
        let report = try value(await HomeModel(phone.app).resumeInterrupted())
        XCTAssertEqual(report.pinSwitchesResolved, 1)
        XCTAssertEqual(report.stillPending, 0)
        let r19 = try value(await settings.changePin().submitCurrentPin(pin3))
        XCTAssertEqual(r19, .chooseNewPin)
    }

    @MainActor
    func testApprovalsWaitThenSwipeScanAQrCodeAndReject() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let phone = try Phone(server)
        let user = try await phone.activate(try server.createCitizen(tag: "approvals"))
        let flow = try phone.app.approvalFlow(localId: user.localId)
        let screen = ApprovalModel(flow)
        let r20 = try value(await screen.waitForRequest(seconds: 1))
        XCTAssertEqual(r20, .noRequest)

        async let arrived = screen.waitForRequest(seconds: 10)
        while flow.step() != .waiting { try await Task.sleep(nanoseconds: 10_000_000) }
        let swipe = try server.startLogin(
            userId: user.userId, channel: .code, swipeAllowed: true,
            referenceHeader: "Log på", referenceBody: "Med et swipe")
        let r21 = try value(await arrived)
        guard case .enterChannelBinding = r21 else { return XCTFail("no request") }
        let r22 = try value(await screen.enterCode(swipe.code ?? ""))
        guard case .chooseFactor = r22 else { return XCTFail("code") }
        let r23 = try value(await screen.approveWithSwipe())
        XCTAssertEqual(r23, .done(outcome: .approved))
        XCTAssertEqual(try server.loginResult(transactionId: swipe.transactionId).factor, .swipe)

        let qr = try server.startLogin(
            userId: user.userId, channel: .qr, swipeAllowed: false,
            referenceHeader: "Log på", referenceBody: "Med QR-kode")
        let r24 = try value(await screen.waitForRequest(seconds: 10))
        guard case .enterChannelBinding = r24 else {
            return XCTFail("no QR request")
        }
        let token = try server.qrToken(transactionId: qr.transactionId)
        let r25 = try value(await screen.scanQr(token))
        guard case .chooseFactor = r25 else { return XCTFail("QR") }
        let r26 = try value(await screen.reject())
        XCTAssertEqual(r26, .done(outcome: .rejected))
        XCTAssertEqual(try server.loginResult(transactionId: qr.transactionId).status, .rejected)

        // Someone watches the screen (the fraud pattern): the warning before the factors.
        screen.reportScreenRisk(.screenShared)
        let shared = try server.startLogin(
            userId: user.userId, channel: .code, swipeAllowed: false,
            referenceHeader: "Log på", referenceBody: "Delt skærm")
        let arrivedShared = try value(await screen.waitForRequest(seconds: 10))
        guard case .enterChannelBinding = arrivedShared else { return XCTFail("no request") }
        let warning = try value(await screen.enterCode(shared.code ?? ""))
        guard case .screenRiskWarning(_, let risk) = warning else { return XCTFail("\(warning)") }
        XCTAssertEqual(risk, .screenShared)
        XCTAssertTrue(phone.app.screenRiskWarning(risk: .screenShared, lang: .english).contains("Never approve"))
        let factors = try value(await screen.continueDespiteRisk())
        guard case .chooseFactor = factors else { return XCTFail("\(factors)") }
        // Reported while the factors show: the warning replaces them at once.
        screen.reportScreenRisk(.remoteControl)
        guard case .screenRiskWarning = screen.screen.state.step else { return XCTFail("no warning") }
        screen.reportScreenRisk(nil)
        let rejected = try value(await screen.reject())
        XCTAssertEqual(rejected, .done(outcome: .rejected))
    }

    @MainActor
    func testSelfServiceFromTheAppSendsANewPinOpensAccessAndBlocks() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let (a, b) = (try Phone(server), try Phone(server))
        let citizen = try server.createCitizen(tag: "selfservice")
        let userA = try await a.activate(citizen)
        let userB = try await b.activate(citizen, pin: pin2)
        let service = SelfServiceModel(a.app, localId: userA.localId)
        let overview = try value(await service.authenticators())
        XCTAssertEqual(overview.authenticators.filter { $0.kind == .app }.count, 2)
        XCTAssertEqual(service.screen.state.value, overview)

        // "Send new PIN" to the other app, which uses it as "Forgot your PIN code?".
        let r27 = failure(await service.sendNewPin(authenticatorId: userA.authenticatorId))
        XCTAssertEqual(r27, "forbidden")
        let r28 = try value(await service.sendNewPin(authenticatorId: userB.authenticatorId))
        XCTAssertGreaterThan(r28.expiresAt, server.now())
        let temporary = try server.codeFromMessage(recipient: citizen.mobile, kind: "temporary_pin", digits: 8)
        let forgot = try SettingsModel(b.app, localId: userB.localId).forgotPin(.temporaryPin)
        XCTAssertEqual(forgot.screen.state.step, .enterTemporaryPin)
        let r29 = try value(await forgot.submitTemporaryPin(temporary))
        XCTAssertEqual(r29, .chooseNewPin)
        _ = try value(await forgot.submitNewPin(pin3))
        _ = try value(await forgot.submitRepeatPin(pin3))

        // Without a password there is nothing to change (help page 001 gives one first).
        let r30 = failure(await service.requestPasswordAccess())
        XCTAssertEqual(r30, "not_found")
        guard case .failure(.UserIdInvalid) = service.checkUserId("ab") else { return XCTFail("ab accepted") }
        let wanted = try value(service.checkUserId(citizen.userId + ".SW"))
        let window = try value(await service.requestProfileChange(.pin(pin: acceptedPin)))
        let r31 = try value(await service.profileChangeWindow())
        XCTAssertEqual(r31, window)
        server.advanceClock(seconds: 3600)
        let r32 = try value(await service.changeUserId(wanted, confirm: .pin(pin: acceptedPin)))
        XCTAssertEqual(r32, wanted)

        // App B was lost: blocked for good from app A, with A's PIN. B's PIN change ends.
        let target = BlockTarget.authenticator(authenticatorId: userB.authenticatorId, permanent: true)
        let blocked = try value(await service.block(target, confirm: .pin(pin: acceptedPin)))
        let state = blocked.authenticators.first { $0.authenticatorId == userB.authenticatorId }?.state
        XCTAssertNotEqual(state, .active)
        let change = try SettingsModel(b.app, localId: userB.localId).changePin()
        let r33 = failure(await change.submitCurrentPin(pin3))
        XCTAssertNotNil(r33)
        XCTAssertEqual(change.screen.state.step, .ended)
    }

    @MainActor
    func testAPassportFromAbroadNeedsItsPCodeOnce() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let phone = try Phone(server)
        // "Forgot your PIN code?": skipped, the server asks for it; then given.
        let citizen = try server.createCitizen(tag: "abroad")
        let user = try await phone.activate(citizen)
        let page = server.foreignPassport(citizen: citizen)
        let forgot = try SettingsModel(phone.app, localId: user.localId).forgotPin(.passport)
        let r34 = try value(await forgot.acceptTerms())
        XCTAssertEqual(r34, .chooseDocumentOrigin)
        let r35 = try value(await forgot.chooseDocumentOrigin(.abroad))
        XCTAssertEqual(r35, .enterPCode)
        let r36 = try value(await forgot.skipPCode())
        XCTAssertEqual(r36, .enterDocumentDetails)
        _ = try value(await forgot.submitDocumentDetails(
            documentNumber: page.documentNumber, birthDate: page.birthDate, expiryDate: page.expiryDate))
        _ = try value(await forgot.readChip(ChipLink(server.foreignPassportChip(citizen: citizen))))
        let r37 = failure(await forgot.submitFace(page.face))
        XCTAssertEqual(r37, "document_p_code_needed")
        XCTAssertEqual(forgot.screen.state.step, .enterPCode)
        let r38 = try value(await forgot.submitPCode(try server.issuePCode(citizen: citizen)))
        XCTAssertEqual(r38, .readChip)
        _ = try value(await forgot.readChip(ChipLink(server.foreignPassportChip(citizen: citizen))))
        let r39 = try value(await forgot.submitFace(page.face))
        XCTAssertEqual(r39, .chooseNewPin)

        // "View user ID" with the P-code given first; then the day's checks run out.
        let other = try server.createCitizen(tag: "abroad")
        let otherUser = try await phone.activate(other)
        let otherPage = server.foreignPassport(citizen: other)
        let view = try SettingsModel(phone.app, localId: otherUser.localId).viewUserId()
        _ = try value(await view.acceptTerms())
        let r40 = try value(await view.chooseDocumentOrigin(.abroad))
        XCTAssertEqual(r40, .enterPCode)
        let r41 = try value(await view.submitPCode(try server.issuePCode(citizen: other)))
        XCTAssertEqual(r41, .enterDocumentDetails)
        _ = try value(await view.submitDocumentDetails(
            documentNumber: otherPage.documentNumber, birthDate: otherPage.birthDate, expiryDate: otherPage.expiryDate))
        _ = try value(await view.readChip(ChipLink(server.foreignPassportChip(citizen: other))))
        let r42 = try value(await view.submitFace(otherPage.face))
        XCTAssertEqual(r42, .showUserId(userId: other.userId))

        let again = UserIdModel(try phone.app.userIdFlow(localId: otherUser.localId))
        _ = try value(await again.acceptTerms())
        _ = try value(await again.chooseDocumentOrigin(.denmark))
        let danish = server.passport(citizen: other)
        _ = try value(await again.submitDocumentDetails(
            documentNumber: danish.documentNumber, birthDate: danish.birthDate, expiryDate: danish.expiryDate))
        var tries = 0
        while again.screen.state.step != .ended && tries < 10 {
            tries += 1
            await again.readChip(ChipLink(server.passportChip(citizen: other)))
            await again.submitFace(danish.otherFace)
        }
        XCTAssertEqual(again.screen.state.step, .ended)
        XCTAssertEqual(again.screen.state.error?.code(), "too_many_tries")

        // Activation with a passport from abroad and its P-code; another one cancelled.
        let newPhone = try Phone(server)
        let third = try server.createCitizen(tag: "abroad")
        let thirdPage = server.foreignPassport(citizen: third)
        let activation = ActivationModel(newPhone.app.startActivation())
        _ = try value(await activation.submitUserId(third.userId))
        let r43 = try value(await activation.usePassport())
        guard case .acceptTerms = r43 else { return XCTFail("terms") }
        let r44 = try value(await activation.acceptTerms())
        XCTAssertEqual(r44, .chooseDocumentOrigin)
        let r45 = try value(await activation.chooseDocumentOrigin(.abroad))
        XCTAssertEqual(r45, .enterPCode)
        let r46 = try value(await activation.submitPCode(try server.issuePCode(citizen: third)))
        XCTAssertEqual(r46, .enterDocumentDetails)
        _ = try value(await activation.submitDocumentDetails(
            documentNumber: thirdPage.documentNumber, birthDate: thirdPage.birthDate, expiryDate: thirdPage.expiryDate))
        _ = try value(await activation.readChip(ChipLink(server.foreignPassportChip(citizen: third))))
        let r47 = try value(await activation.submitFace(thirdPage.face))
        XCTAssertEqual(r47, .chooseNewPin)

        let fourth = try server.createCitizen(tag: "abroad")
        let cancelled = ActivationModel(newPhone.app.startActivation())
        _ = try value(await cancelled.submitUserId(fourth.userId))
        _ = try value(await cancelled.usePassport())
        _ = try value(await cancelled.acceptTerms())
        _ = try value(await cancelled.chooseDocumentOrigin(.abroad))
        let r48 = try value(await cancelled.skipPCode())
        XCTAssertEqual(r48, .enterDocumentDetails)
        let r49 = failure(await cancelled.cancel())
        XCTAssertEqual(r49, "cancelled")
        XCTAssertEqual(cancelled.screen.state.step, .ended)
    }
}
