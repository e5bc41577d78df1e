// iOS ONLY (UIKit, AVFoundation): the cameras the screens use. The face: the front camera
// through UIImagePickerController, kept in memory as JPEG, never saved to the photo library.
// The QR code: an AVCaptureSession with a QR metadata output. Device-only, listed in
// docs/mobile.md; the Linux tests use test doubles of FaceCamera and QrScanner. Needs
// NSCameraUsageDescription.
#if os(iOS) && canImport(UIKit) && canImport(AVFoundation)
import AVFoundation
import Foundation
import UIKit

/// The view controller on top, to present a camera from.
@MainActor
private func topViewController() -> UIViewController? {
    let scene = UIApplication.shared.connectedScenes.compactMap { $0 as? UIWindowScene }.first
    var top = scene?.windows.first { $0.isKeyWindow }?.rootViewController
    while let presented = top?.presentedViewController { top = presented }
    return top
}

/// The face picture, from the front camera.
@MainActor
public final class SystemFaceCamera: NSObject, FaceCamera, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
    private var continuation: CheckedContinuation<Data?, Never>?

    override public init() {}

    public func capture() async -> Data? {
        guard UIImagePickerController.isSourceTypeAvailable(.camera), let top = topViewController() else { return nil }
        return await withCheckedContinuation { continuation in
            self.continuation = continuation
            let picker = UIImagePickerController()
            picker.sourceType = .camera
            picker.cameraDevice = .front
            picker.delegate = self
            top.present(picker, animated: true)
        }
    }

    nonisolated public func imagePickerController(
        _ picker: UIImagePickerController, didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]
    ) {
        let jpeg = (info[.originalImage] as? UIImage)?.jpegData(compressionQuality: 0.9)
        MainActor.assumeIsolated { finish(picker, jpeg) }
    }

    nonisolated public func imagePickerControllerDidCancel(_ picker: UIImagePickerController) {
        MainActor.assumeIsolated { finish(picker, nil) }
    }

    private func finish(_ picker: UIImagePickerController, _ picture: Data?) {
        picker.dismiss(animated: true)
        continuation?.resume(returning: picture)
        continuation = nil
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
        guard let device = AVCaptureDevice.default(for: .video),
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
            Task.detached { session.startRunning() }
        }
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
