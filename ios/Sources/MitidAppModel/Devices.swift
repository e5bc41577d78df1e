// The phone's chip reader and cameras as the screens use them: protocols here, the iOS
// implementations in Platform/ (Core NFC, the camera), test doubles in the tests. The passport
// check's actions as one protocol, so that one set of screens serves every flow that has it.
// Platform-neutral Swift, tested on Linux.
import Foundation
import MitidCore

/// Reads a passport's or ID card's chip over NFC (iOS: `NFCTagReaderSession`).
@MainActor
public protocol ChipReader {
    /// Whether the phone can read a chip (iOS: `NFCTagReaderSession.readingAvailable`).
    func available() -> Bool

    /// Waits until the citizen holds a chip to the phone, runs `read` with a link to it (the
    /// core's `readChip`), and ends the session, also when `read` fails.
    func withChip<R>(_ read: @MainActor (PlatformNfcLink) async -> R) async throws -> R
}

/// Takes one picture of the citizen's face (JPEG).
@MainActor
public protocol FaceCamera {
    /// The picture, or nil when the citizen cancelled. The adapter keeps no copy.
    func capture() async -> Data?
}

/// Reads the data page's text with the camera (iOS: Vision's text recognition).
@MainActor
public protocol MrzScanner {
    /// The text read, or nil when the citizen cancelled. The picture itself is not kept.
    func scan() async -> String?
}

/// Scans the QR code a service provider shows.
@MainActor
public protocol QrScanner {
    /// The decoded text, or nil when the citizen cancelled.
    func scan() async -> String?
}

extension FaceCamera {
    /// Takes the picture and hands it to `submit` (the core's `submitFace`); the buffer is
    /// reset as soon as `submit` returns, which overwrites bytes the `Data` owns (a `Data`
    /// bridged from `jpegData`'s `NSData` does not own them: see docs/mobile.md's known
    /// gaps). Nil when the citizen cancelled the camera.
    public func captureInto<R>(_ submit: @MainActor (Data) async -> R) async -> R? {
        guard var picture = await capture() else { return nil }
        defer { picture.resetBytes(in: 0..<picture.count) }
        return await submit(picture)
    }
}

extension MrzScanner {
    /// Reads the data page and hands its text to `submit` (the core's `submitMrz`); nil when cancelled.
    public func scanInto<R>(_ submit: @MainActor (String) async -> R) async -> R? {
        guard let text = await scan() else { return nil }
        return await submit(text)
    }
}

extension QrScanner {
    /// Scans a QR code and hands its text to `submit` (the core's `scanQr`); nil when cancelled.
    public func scanInto<R>(_ submit: @MainActor (String) async -> R) async -> R? {
        guard let text = await scan() else { return nil }
        return await submit(text)
    }
}

/// The passport or ID-card check (help pages 003 method 1 and 004), the same steps in
/// activation, a new PIN and "View user ID".
@MainActor
public protocol DocumentCheck: AnyObject {
    /// The flow's step type.
    associatedtype Step: Sendable & Equatable

    /// Accept the passport check's terms and conditions.
    @discardableResult func acceptTerms() async -> Result<Step, MitidError>
    /// Where the passport or ID card is from (abroad: the P-code first).
    @discardableResult func chooseDocumentOrigin(_ origin: DocumentOrigin) async -> Result<Step, MitidError>
    /// The data page's document number, date of birth and date of expiry (`YYMMDD`).
    @discardableResult func submitDocumentDetails(
        documentNumber: String, birthDate: String, expiryDate: String) async -> Result<Step, MitidError>
    /// The text the camera read off the data page (its machine-readable zone gives the details).
    @discardableResult func submitMrz(_ text: String) async -> Result<Step, MitidError>
    /// Read the chip over the phone's NFC `link`.
    @discardableResult func readChip(_ link: PlatformNfcLink) async -> Result<Step, MitidError>
    /// The face the camera captured (JPEG).
    @discardableResult func submitFace(_ capture: Data) async -> Result<Step, MitidError>
    /// The 8-digit P-code from citizen service, for a document from abroad.
    @discardableResult func submitPCode(_ pCode: String) async -> Result<Step, MitidError>
    /// "I have used my P-code before" (only when it was asked for first).
    @discardableResult func skipPCode() async -> Result<Step, MitidError>
}

extension ActivationModel: DocumentCheck {}
extension NewPinModel: DocumentCheck {}
extension UserIdModel: DocumentCheck {}
