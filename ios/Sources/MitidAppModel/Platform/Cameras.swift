// iOS ONLY (UIKit, AVFoundation, Vision): the cameras the screens use. The face: the front
// camera through UIImagePickerController, kept in memory as JPEG, never saved to the photo
// library. The data page: the back camera and Vision's text recognition, in memory (the core
// finds the machine-readable zone in the text).
// The QR code: an AVCaptureSession with a QR metadata output. Device-only, listed in
// docs/mobile.md; the Linux tests use test doubles of FaceCamera and QrScanner. Needs
// NSCameraUsageDescription.
#if os(iOS) && canImport(UIKit) && canImport(AVFoundation) && canImport(Vision)
import AVFoundation
import Foundation
import UIKit
import Vision

/// The view controller on top, to present a camera from.
@MainActor
private func topViewController() -> UIViewController? {
    let scene = UIApplication.shared.connectedScenes.compactMap { $0 as? UIWindowScene }.first
    var top = scene?.windows.first { $0.isKeyWindow }?.rootViewController
    while let presented = top?.presentedViewController { top = presented }
    return top
}

/// One picture from the system camera (`UIImagePickerController`), kept in memory.
@MainActor
private final class CameraPicture: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
    private var continuation: CheckedContinuation<UIImage?, Never>?

    /// The picture, or nil when cancelled, when there is no camera, or while one is taken.
    func take(with device: UIImagePickerController.CameraDevice) async -> UIImage? {
        guard continuation == nil, UIImagePickerController.isSourceTypeAvailable(.camera),
              let top = topViewController() else { return nil }
        return await withCheckedContinuation { continuation in
            self.continuation = continuation
            let picker = UIImagePickerController()
            picker.sourceType = .camera
            picker.cameraDevice = device
            picker.delegate = self
            top.present(picker, animated: true)
        }
    }

    nonisolated func imagePickerController(
        _ picker: UIImagePickerController, didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]
    ) {
        let image = info[.originalImage] as? UIImage
        MainActor.assumeIsolated { finish(picker, image) }
    }

    nonisolated func imagePickerControllerDidCancel(_ picker: UIImagePickerController) {
        MainActor.assumeIsolated { finish(picker, nil) }
    }

    private func finish(_ picker: UIImagePickerController, _ image: UIImage?) {
        picker.dismiss(animated: true)
        continuation?.resume(returning: image)
        continuation = nil
    }
}

/// The face picture, from the front camera, as JPEG.
@MainActor
public final class SystemFaceCamera: FaceCamera {
    private let camera = CameraPicture()

    /// A face camera over the system camera.
    public init() {}

    public func capture() async -> Data? {
        await camera.take(with: .front)?.jpegData(compressionQuality: 0.9)
    }
}

/// The data page's text: a picture from the back camera, read by Vision (accurate, no
/// language correction: the zone is not words). The picture stays in memory.
@MainActor
public final class VisionMrzScanner: MrzScanner {
    private let camera = CameraPicture()

    /// A scanner over the system camera.
    public init() {}

    public func scan() async -> String? {
        guard let picture = await camera.take(with: .rear) else { return nil }
        // Nothing read is "" (the core then says the zone is unreadable); nil is a cancel.
        guard let image = picture.cgImage else { return "" }
        // Off the main actor: recognition takes a moment. A CGImage is immutable.
        let shared = SharedImage(image: image, orientation: Self.orientation(of: picture))
        return await Task.detached { Self.recognise(shared) }.value
    }

    private struct SharedImage: @unchecked Sendable {
        let image: CGImage
        let orientation: CGImagePropertyOrientation
    }

    /// The recognised lines, top to bottom (Vision's boxes have their origin bottom left).
    nonisolated private static func recognise(_ picture: SharedImage) -> String {
        let request = VNRecognizeTextRequest()
        request.recognitionLevel = .accurate
        request.usesLanguageCorrection = false
        try? VNImageRequestHandler(cgImage: picture.image, orientation: picture.orientation).perform([request])
        let lines = (request.results ?? [])
            .sorted { $0.boundingBox.midY > $1.boundingBox.midY }
            .compactMap { $0.topCandidates(1).first?.string }
        return lines.joined(separator: "\n")
    }

    /// The camera's picture is stored sideways with an orientation; Vision must be told it.
    private static func orientation(of image: UIImage) -> CGImagePropertyOrientation {
        switch image.imageOrientation {
        case .up: return .up
        case .down: return .down
        case .left: return .left
        case .right: return .right
        case .upMirrored: return .upMirrored
        case .downMirrored: return .downMirrored
        case .leftMirrored: return .leftMirrored
        case .rightMirrored: return .rightMirrored
        @unknown default: return .up
        }
    }
}

/// The QR code of a login, from the back camera.
@MainActor
public final class CameraQrScanner: NSObject, QrScanner, AVCaptureMetadataOutputObjectsDelegate,
    UIAdaptivePresentationControllerDelegate {
    private var continuation: CheckedContinuation<String?, Never>?
    private var session: AVCaptureSession?
    private var shown: UIViewController?

    override public init() {}

    public func scan() async -> String? {
        guard continuation == nil, let device = AVCaptureDevice.default(for: .video),
              let input = try? AVCaptureDeviceInput(device: device),
              let top = topViewController() else { return nil }
        return await withCheckedContinuation { continuation in
            self.continuation = continuation
            let session = AVCaptureSession()
            let output = AVCaptureMetadataOutput()
            guard session.canAddInput(input), session.canAddOutput(output) else {
                finish(nil)
                return
            }
            session.addInput(input)
            session.addOutput(output)
            output.setMetadataObjectsDelegate(self, queue: .main)
            output.metadataObjectTypes = [.qr]
            let controller = UIViewController()
            let preview = AVCaptureVideoPreviewLayer(session: session)
            preview.frame = controller.view.bounds
            preview.videoGravity = .resizeAspectFill
            controller.view.layer.addSublayer(preview)
            // Swiped away: the scan is cancelled.
            controller.presentationController?.delegate = self
            self.session = session
            shown = controller
            top.present(controller, animated: true)
            // startRunning blocks: off the main thread, on the session's own queue.
            let running = RunningSession(session: session)
            DispatchQueue(label: "dk.mitid.qr-camera").async { running.session.startRunning() }
        }
    }

    /// The capture session handed to its queue (AVCaptureSession is thread-safe for start).
    private struct RunningSession: @unchecked Sendable {
        let session: AVCaptureSession
    }

    nonisolated public func metadataOutput(
        _ output: AVCaptureMetadataOutput, didOutput objects: [AVMetadataObject], from connection: AVCaptureConnection
    ) {
        let text = (objects.first as? AVMetadataMachineReadableCodeObject)?.stringValue
        guard let text else { return }
        MainActor.assumeIsolated { finish(text) }
    }

    nonisolated public func presentationControllerDidDismiss(_ presentationController: UIPresentationController) {
        MainActor.assumeIsolated { finish(nil) }
    }

    private func finish(_ text: String?) {
        session?.stopRunning()
        session = nil
        shown?.dismiss(animated: true)
        shown = nil
        continuation?.resume(returning: text)
        continuation = nil
    }
}
#endif
