// iOS ONLY (Core NFC): the passport's chip over NFC: an NFCTagReaderSession finds an ISO 7816
// tag and carries the core's APDUs. Device-only (listed in docs/mobile.md); the Linux tests
// use the test kit's simulated chip through the same PlatformNfcLink. Needs the "Near Field
// Communication Tag Reading" capability, NFCReaderUsageDescription and the eMRTD application
// ID A0000002471001 in com.apple.developer.nfc.readersession.iso7816.select-identifiers.
#if os(iOS) && canImport(CoreNFC)
import CoreNFC
import Foundation
import MitidCore

/// Reads chips with Core NFC; one session per `withChip`.
@MainActor
public final class CoreNfcChipReader: ChipReader {
    /// A reader over the phone's NFC.
    public init() {}

    public func available() -> Bool { NFCTagReaderSession.readingAvailable }

    public func withChip<R>(_ read: @MainActor (PlatformNfcLink) async -> R) async throws -> R {
        let finder = TagFinder()
        let (session, tag) = try await finder.find()
        defer { session.invalidate() }
        try await session.connect(to: .iso7816(tag))
        return await read(Iso7816Link(tag: tag))
    }
}

/// Waits for the first ISO 7816 tag of a new session.
private final class TagFinder: NSObject, NFCTagReaderSessionDelegate, @unchecked Sendable {
    private var continuation: CheckedContinuation<(NFCTagReaderSession, NFCISO7816Tag), Error>?

    func find() async throws -> (NFCTagReaderSession, NFCISO7816Tag) {
        try await withCheckedThrowingContinuation { continuation in
            self.continuation = continuation
            guard let session = NFCTagReaderSession(pollingOption: .iso14443, delegate: self, queue: nil) else {
                continuation.resume(throwing: NFCReaderError(.readerErrorUnsupportedFeature))
                self.continuation = nil
                return
            }
            session.begin()
        }
    }

    func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession) {}

    func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: Error) {
        continuation?.resume(throwing: error)
        continuation = nil
    }

    func tagReaderSession(_ session: NFCTagReaderSession, didDetect tags: [NFCTag]) {
        guard case .iso7816(let tag) = tags.first else {
            session.invalidate(errorMessage: "")
            return
        }
        continuation?.resume(returning: (session, tag))
        continuation = nil
    }
}

/// The core's NFC link over one connected ISO 7816 tag. The core calls it from its own
/// threads; each APDU waits for Core NFC's answer.
private final class Iso7816Link: PlatformNfcLink, @unchecked Sendable {
    private let tag: NFCISO7816Tag

    init(tag: NFCISO7816Tag) { self.tag = tag }

    func transceive(apdu: Data) throws -> Data {
        guard let command = NFCISO7816APDU(data: apdu) else { throw NFCReaderError(.readerTransceiveErrorPacketTooLong) }
        let done = DispatchSemaphore(value: 0)
        var answer: Result<Data, Error> = .failure(NFCReaderError(.readerTransceiveErrorTagConnectionLost))
        tag.sendCommand(apdu: command) { data, sw1, sw2, error in
            answer = error.map { .failure($0) } ?? .success(data + Data([sw1, sw2]))
            done.signal()
        }
        done.wait()
        return try answer.get()
    }

    // Core NFC does not say whether the chip takes extended-length APDUs; short reads work on
    // every chip (the core reads in short chunks).
    func supportsExtendedLength() -> Bool { false }
}
#endif
