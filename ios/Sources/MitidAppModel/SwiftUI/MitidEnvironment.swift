// iOS ONLY (SwiftUI, Security, LocalAuthentication, Core NFC, the cameras): the platform
// pieces wired to the core. Device-only (docs/mobile.md); empty elsewhere.
#if os(iOS) && canImport(SwiftUI) && canImport(Combine)
import MitidCore
import SwiftUI

/// The platform pieces of the iOS app, wired to the core: Secure Enclave keys, Keychain
/// secrets, LocalAuthentication, sharing one `BiometricContext`.
@MainActor
public final class MitidEnvironment {
    /// The open core.
    public let app: App
    private let biometric = BiometricContext()

    /// Opens the core in Application Support, talking to `server`.
    public init(server: ServerEndpoint) throws {
        let support = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        app = try App.open(
            home: support.appendingPathComponent("mitid").path,
            server: server,
            keyStore: SecureEnclaveKeyStore(biometric: biometric),
            secretStore: KeychainSecretStore(),
            biometricPrompt: LocalAuthenticationPrompt(biometric: biometric),
            clock: nil)
    }

    /// The shell of the screens: texts in the phone's first language, Core NFC, the cameras.
    public func makeShell() -> Shell {
        let tag = Locale.preferredLanguages.first ?? "da"
        return Shell(
            texts: Texts(app: app, languageTag: tag),
            chipReader: CoreNfcChipReader(),
            faceCamera: SystemFaceCamera(),
            mrzScanner: VisionMrzScanner(),
            qrScanner: CameraQrScanner())
    }

    /// The app's root view: the screens over the open core.
    public func rootView() -> MitidRootView {
        MitidRootView(app: app, shell: self.makeShell(), checkEnrollment: { await self.checkBiometricEnrollment() })
    }

    /// At start-up and when the app becomes active: biometrics enrolled or removed since the
    /// biometric key was made turn biometrics off (here and at the server).
    public func checkBiometricEnrollment() async {
        guard biometric.enrollmentChanged() else { return }
        if (try? await app.biometricEnrollmentChanged()) != nil {
            biometric.forgetEnrollment()
        }
    }
}
#endif
