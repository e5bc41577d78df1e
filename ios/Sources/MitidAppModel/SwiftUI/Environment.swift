// iOS ONLY (SwiftUI, Combine): the models' states as ObservableObjects, and the shell the
// screens read (texts, chip reader, cameras, the screen's capture state). Compiled for iOS, and
// type-checked on Linux against signature stubs (ios/TypeCheck); empty elsewhere.
#if (os(iOS) || MITID_UI_TYPECHECK) && canImport(SwiftUI) && canImport(Combine)
import Combine
import MitidCore
import SwiftUI

/// A model's published state as an `ObservableObject` for SwiftUI.
@MainActor
public final class Observed<Source: PublishesState>: ObservableObject {
    /// The model followed.
    public let source: Source
    /// The state to render.
    @Published public private(set) var state: Source.State

    /// Follows `source` from now on.
    public init(_ source: Source) {
        self.source = source
        state = source.state
        source.onChange = { [weak self] in self?.state = $0 }
    }
}

/// What the platform gives the screens: the core's texts in the phone's language, the chip
/// reader and the cameras (face, data page, QR code), and whether the screen is captured
/// (recorded, mirrored, shared).
@MainActor
public final class Shell: ObservableObject {
    /// The core's texts.
    public let texts: Texts
    /// The NFC chip reader.
    public let chipReader: ChipReader
    /// The face camera.
    public let faceCamera: FaceCamera
    /// The data page's camera (text recognition).
    public let mrzScanner: MrzScanner
    /// The QR scanner.
    public let qrScanner: QrScanner
    /// The platform's report about the screen (nil: not captured).
    @Published public var screenRisk: ScreenRisk?

    /// A shell over the given devices.
    public init(
        texts: Texts, chipReader: ChipReader, faceCamera: FaceCamera, mrzScanner: MrzScanner, qrScanner: QrScanner
    ) {
        self.texts = texts
        self.chipReader = chipReader
        self.faceCamera = faceCamera
        self.mrzScanner = mrzScanner
        self.qrScanner = qrScanner
    }

    /// The core's text for `text`.
    public subscript(_ text: UiText) -> String { texts[text] }
}

#endif
