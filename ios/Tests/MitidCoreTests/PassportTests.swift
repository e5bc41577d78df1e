import Foundation
import XCTest

import MitidCore
import MitidTestkit

/// "Forgot your PIN code?" with a passport (help page 003's first route) from Swift: the core
/// reads the test kit's simulated chip through a Swift `PlatformNfcLink`, the server checks the
/// document, its owner and the face (the face-matching test double), and the new PIN works.
final class PassportTests: XCTestCase, @unchecked Sendable {
    @MainActor
    func testANewPinWithThePassportAndTheFace() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let phone = try Phone(server)
        let citizen = try server.createCitizen(tag: "passport")
        let user = try await phone.activate(citizen)
        let page = server.passport(citizen: citizen)
        let flow = try phone.app.newPinFlow(localId: user.localId, start: .passport)
        let terms = phone.app.documentTerms(lang: .danish)
        XCTAssertEqual(flow.step(), .acceptTerms(version: terms.version))
        let origin = try await flow.acceptTerms()
        XCTAssertEqual(origin, .chooseDocumentOrigin)
        let details = try await flow.chooseDocumentOrigin(origin: .denmark)
        XCTAssertEqual(details, .enterDocumentDetails)
        let typo = await expectMitidError {
            _ = try await flow.submitDocumentDetails(
                documentNumber: page.documentNumber, birthDate: "991399", expiryDate: page.expiryDate)
        }
        XCTAssertEqual(typo, .DocumentDetailsInvalid)
        let read = try await flow.submitDocumentDetails(
            documentNumber: page.documentNumber, birthDate: page.birthDate, expiryDate: page.expiryDate)
        XCTAssertEqual(read, .readChip)
        let chip = ChipLink(server.passportChip(citizen: citizen))
        let capture = try await flow.readChip(link: chip)
        XCTAssertEqual(capture, .captureFace)
        let refused = await expectMitidError { _ = try await flow.submitFace(capture: page.otherFace) }
        XCTAssertEqual(refused, .DocumentRefused(reason: "face_not_matched"))
        // The server used up the challenge the chip signed: read the chip again.
        XCTAssertEqual(flow.step(), .readChip)
        let again = try await flow.readChip(link: ChipLink(server.passportChip(citizen: citizen)))
        XCTAssertEqual(again, .captureFace)
        let choose = try await flow.submitFace(capture: page.face)
        XCTAssertEqual(choose, .chooseNewPin)
        _ = try await flow.submitNewPin(pin: "472915")
        let done = try await flow.submitRepeatPin(pin: "472915")
        XCTAssertEqual(done, .chooseBiometrics(currentlyEnabled: false))
        let approval = try phone.app.approvalFlow(localId: user.localId)
        _ = try await phone.loginUpToFactor(user, approval)
        let approved = try await approval.approveWithPin(pin: "472915")
        XCTAssertEqual(approved, .done(outcome: .approved))
    }

    /// "View user ID" (help page 004): shown only after the passport and the face, then
    /// changed in place.
    @MainActor
    func testTheUserIdIsShownAfterThePassportAndChangedInPlace() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let phone = try Phone(server)
        let citizen = try server.createCitizen(tag: "viewid")
        let taken = try server.createCitizen(tag: "takenid")
        let user = try await phone.activate(citizen)
        let page = server.passport(citizen: citizen)
        let flow = try phone.app.userIdFlow(localId: user.localId)
        XCTAssertEqual(flow.step(), .acceptTerms(version: phone.app.documentTerms(lang: .english).version))
        let early = await expectMitidError { _ = try await flow.changeUserId() }
        XCTAssertEqual(early, .InvalidStep)
        let origin = try await flow.acceptTerms()
        XCTAssertEqual(origin, .chooseDocumentOrigin)
        // From abroad, the P-code comes first; "used before" skips it. The choice only routes:
        // the server judges the document itself.
        let pCode = try await flow.chooseDocumentOrigin(origin: .abroad)
        XCTAssertEqual(pCode, .enterPCode)
        let details = try await flow.skipPCode()
        XCTAssertEqual(details, .enterDocumentDetails)
        let read = try await flow.submitDocumentDetails(
            documentNumber: page.documentNumber, birthDate: page.birthDate, expiryDate: page.expiryDate)
        XCTAssertEqual(read, .readChip)
        // A chip with chip authentication only: the server's command reaches it through ChipLink.
        let chip = server.passportChipWithChipAuthentication(citizen: citizen)
        let capture = try await flow.readChip(link: ChipLink(chip))
        XCTAssertEqual(capture, .captureFace)
        let shown = try await flow.submitFace(capture: page.face)
        XCTAssertEqual(shown, .showUserId(userId: citizen.userId))
        let change = try await flow.changeUserId()
        XCTAssertEqual(change, .enterNewUserId(current: citizen.userId))
        let refused = await expectMitidError { _ = try await flow.submitNewUserId(wanted: taken.userId) }
        XCTAssertEqual(refused, .UserIdTaken)
        let wanted = citizen.userId + ".ny"
        let done = try await flow.submitNewUserId(wanted: wanted)
        XCTAssertEqual(done, .done(userId: wanted))
        XCTAssertEqual(try phone.app.users().first?.userId, wanted)
    }

    /// The real app's second activation route: the passport and the face instead of an
    /// activation code.
    @MainActor
    func testAnAppIsActivatedWithThePassportAndTheFace() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let phone = try Phone(server)
        let citizen = try server.createCitizen(tag: "activatepassport")
        let page = server.passport(citizen: citizen)
        let flow = phone.app.startActivation()
        let code = try await flow.submitUserId(userId: citizen.userId)
        XCTAssertEqual(code, .enterActivationCode(userId: citizen.userId))
        let terms = try await flow.usePassport()
        XCTAssertEqual(terms, .acceptTerms(version: phone.app.documentTerms(lang: .danish).version))
        let origin = try await flow.acceptTerms()
        XCTAssertEqual(origin, .chooseDocumentOrigin)
        let details = try await flow.chooseDocumentOrigin(origin: .denmark)
        XCTAssertEqual(details, .enterDocumentDetails)
        let read = try await flow.submitDocumentDetails(
            documentNumber: page.documentNumber, birthDate: page.birthDate, expiryDate: page.expiryDate)
        XCTAssertEqual(read, .readChip)
        // A chip with chip authentication over DH in a 2,048-bit group: the server's key, made
        // once DG14 is read, crosses the FFI in extended-length APDUs.
        let chip = server.passportChipWithDhChipAuthentication(citizen: citizen)
        let capture = try await flow.readChip(link: ChipLink(chip))
        XCTAssertEqual(capture, .captureFace)
        let choose = try await flow.submitFace(capture: page.face)
        XCTAssertEqual(choose, .chooseNewPin)
        _ = try await flow.submitNewPin(pin: "472915")
        let bio = try await flow.submitRepeatPin(pin: "472915")
        XCTAssertEqual(bio, .chooseBiometrics)
        _ = try await flow.chooseBiometrics(enable: false)
        let done = try await flow.chooseNotifications(allow: false)
        guard case let .done(user, _) = done else { return XCTFail("\(done)") }
        let approval = try phone.app.approvalFlow(localId: user.localId)
        _ = try await phone.loginUpToFactor(user, approval)
        let approved = try await approval.approveWithPin(pin: "472915")
        XCTAssertEqual(approved, .done(outcome: .approved))
    }
}
