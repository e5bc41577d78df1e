import Foundation
import XCTest

import MitidAppModel
import MitidCore
import MitidTestkit

/// TEST DOUBLE of the phone's NFC reader: hands out the test kit's simulated chip.
@MainActor
private final class SimulatedChipReader: ChipReader {
    private let chip: () -> TestChip
    private(set) var sessions = 0

    init(_ chip: @escaping () -> TestChip) { self.chip = chip }

    func available() -> Bool { true }

    func withChip<R>(_ read: @MainActor (PlatformNfcLink) async -> R) async throws -> R {
        sessions += 1
        return await read(ChipLink(chip()))
    }
}

/// TEST DOUBLE of the face camera: hands out the given picture (nil: the citizen cancelled).
@MainActor
private final class PictureCamera: FaceCamera {
    private let picture: Data?
    init(_ picture: Data?) { self.picture = picture }
    func capture() async -> Data? { picture }
}

/// TEST DOUBLE of the data page's camera: "reads" the given text (nil: the citizen cancelled).
@MainActor
private final class TextMrzScanner: MrzScanner {
    private let text: String?
    init(_ text: String?) { self.text = text }
    func scan() async -> String? { text }
}

/// TEST DOUBLE of the QR scanner: "scans" the given text (nil: the citizen cancelled).
@MainActor
private final class TextQrScanner: QrScanner {
    private let text: String?
    init(_ text: String?) { self.text = text }
    func scan() async -> String? { text }
}

/// What the SwiftUI screens rest on besides the screen models: the core's texts in the
/// phone's language, and the chip reader and cameras behind their protocols (test doubles
/// here; the iOS adapters are device-only), against the real server.
final class ShellTests: XCTestCase, @unchecked Sendable {
    @MainActor
    func testTheScreensTextsComeFromTheCoreInThePhonesLanguage() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let phone = try Phone(server)
        let app = phone.app
        XCTAssertEqual(app.languageFor(tag: "en-GB"), .english)
        XCTAssertEqual(app.languageFor(tag: "da-DK"), .danish)
        // Neither: Danish, MitID's first language.
        XCTAssertEqual(app.languageFor(tag: "fr-FR"), .danish)
        XCTAssertEqual(app.text(text: .continue, lang: .english), "Continue")
        XCTAssertEqual(app.text(text: .continue, lang: .danish), "Fortsæt")
        let english = Texts(app: app, languageTag: "en")
        XCTAssertEqual(english[.forgotYourPin], "Forgot your PIN code?")
        // Self-service's words for the person's methods come from the core too.
        XCTAssertEqual(app.authenticatorKindText(kind: .codeDisplay), .kindCodeDisplay)
        XCTAssertEqual(app.authenticatorStateText(state: .active), .statusReady)
        XCTAssertEqual(english.kind(.codeDisplay), "Code display")
        XCTAssertEqual(english.state(.permanentlyBlocked), "Permanently blocked")

        // A temporarily locked app's one PIN action reads "Change PIN code" (help page 003).
        let user = try await phone.activate(try server.createCitizen(tag: "labels"))
        let ready = try await HomeModel(app).refresh().get().users[0]
        XCTAssertEqual(app.homeActionText(action: .temporaryPin, status: ready.user.status), .forgotYourPin)
        XCTAssertEqual(app.statusText(status: ready.user.status), .statusReady)
        let flow = try app.approvalFlow(localId: user.localId)
        _ = try await phone.loginUpToFactor(user, flow)
        for _ in 0..<3 { _ = try? await flow.approveWithPin(pin: "111222") }
        let locked = try await HomeModel(app).refresh().get().users[0]
        XCTAssertEqual(locked.actions, [.temporaryPin, .removeUser])
        XCTAssertEqual(english.action(.temporaryPin, status: locked.user.status), "Change PIN code")
        XCTAssertEqual(english.status(locked.user.status), "Temporarily locked")
    }

    @MainActor
    func testThePassportStepsRunThroughTheChipReaderAndTheCamera() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let phone = try Phone(server)
        let citizen = try server.createCitizen(tag: "devices")
        let user = try await phone.activate(citizen)
        let page = server.passport(citizen: citizen)
        let reader = SimulatedChipReader { server.passportChip(citizen: citizen) }
        let model = try NewPinModel(phone.app.newPinFlow(localId: user.localId, start: .passport))
        try await walkToTheChip(model)
        // The data page through the camera: cancelled, then misread, then read.
        let cancelledScan = await TextMrzScanner(nil).scanInto { await model.submitMrz($0) }
        XCTAssertNil(cancelledScan)
        // The document number's first character (line 2) misread: its check digit breaks.
        var characters = Array(page.mrz)
        characters[45] = characters[45] == "X" ? "Y" : "X"
        let misread = String(characters)
        guard case .failure(let unreadable) = await TextMrzScanner(misread).scanInto({ await model.submitMrz($0) }) else {
            return XCTFail("a misread zone passed")
        }
        XCTAssertEqual(unreadable.code(), "mrz_unreadable")
        let scanned = await TextMrzScanner("PASSPORT\n\(page.mrz)").scanInto { await model.submitMrz($0) }
        XCTAssertEqual(try scanned?.get(), .readChip)
        let read = try await reader.withChip { await model.readChip($0) }
        XCTAssertEqual(try read.get(), .captureFace)

        // The citizen cancels the camera: nothing is sent, the step stays.
        let cancelled = await PictureCamera(nil).captureInto { await model.submitFace($0) }
        XCTAssertNil(cancelled)
        XCTAssertEqual(model.screen.state.step, .captureFace)
        let stranger = await PictureCamera(page.otherFace).captureInto { await model.submitFace($0) }
        guard case .failure(let refused) = stranger else { return XCTFail("a stranger's face passed") }
        XCTAssertEqual(refused, .DocumentRefused(reason: "face_not_matched"))
        XCTAssertEqual(model.screen.state.step, .readChip)

        _ = try await reader.withChip { await model.readChip($0) }
        let face = await PictureCamera(page.face).captureInto { await model.submitFace($0) }
        XCTAssertEqual(try face?.get(), .chooseNewPin)
        XCTAssertEqual(reader.sessions, 2)
    }

    @MainActor
    func testAScannedQrCodeReachesTheCoreAndACancelledScanChangesNothing() async throws {
        let server = try TestServer.start()
        defer { server.stop() }
        let phone = try Phone(server)
        let user = try await phone.activate(try server.createCitizen(tag: "qrscan"))
        let model = try ApprovalModel(phone.app.approvalFlow(localId: user.localId))
        let login = try server.startLogin(
            userId: user.userId, channel: .qr, swipeAllowed: false,
            referenceHeader: "Log på", referenceBody: "Med kameraet")
        guard case .enterChannelBinding = try await model.waitForRequest(seconds: 10).get() else {
            return XCTFail("no request arrived")
        }
        let cancelled = await TextQrScanner(nil).scanInto { await model.scanQr($0) }
        XCTAssertNil(cancelled)
        let wrong = await TextQrScanner("https://example.com/").scanInto { await model.scanQr($0) }
        guard case .failure(let error) = wrong else { return XCTFail("a foreign QR code passed") }
        XCTAssertEqual(error.code(), "channel_qr_malformed")
        let token = try server.qrToken(transactionId: login.transactionId)
        let scanned = await TextQrScanner(token).scanInto { await model.scanQr($0) }
        guard case .chooseFactor = try scanned?.get() else { return XCTFail("the QR code was not accepted") }
    }

    /// Through the `DocumentCheck` protocol the SwiftUI steps use: the terms and the origin.
    @MainActor
    private func walkToTheChip<M: DocumentCheck>(_ check: M) async throws {
        _ = try await check.acceptTerms().get()
        _ = try await check.chooseDocumentOrigin(.denmark).get()
    }
}
