// APPLE ONLY (LocalAuthentication): compiled only where LocalAuthentication exists.
#if canImport(LocalAuthentication)
import Foundation
import LocalAuthentication
import MitidCore

/// The core's biometric prompt over LocalAuthentication (Face ID / Touch ID). A successful
/// evaluation's `LAContext` is kept in the shared `BiometricContext` and used by the next
/// Secure Enclave signature, so the user is asked once.
public final class LocalAuthenticationPrompt: PlatformBiometricPrompt, @unchecked Sendable {
    private let biometric: BiometricContext

    /// A prompt sharing `biometric` with the `SecureEnclaveKeyStore`.
    public init(biometric: BiometricContext) {
        self.biometric = biometric
    }

    public func authenticate(reason: String) async throws -> BiometricOutcome {
        let context = LAContext()
        context.localizedFallbackTitle = "Brug PIN-kode"
        var unavailable: NSError?
        guard context.canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, error: &unavailable) else {
            if let error = unavailable as? LAError, error.code == .biometryLockout {
                return .failed
            }
            return .unavailable
        }
        if biometric.enrollmentChanged() {
            return .enrollmentChanged
        }
        do {
            _ = try await context.evaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, localizedReason: reason)
            biometric.keep(context)
            return .success
        } catch let error as LAError {
            switch error.code {
            case .userCancel, .appCancel, .systemCancel, .userFallback:
                return .cancelled
            case .authenticationFailed, .biometryLockout:
                return .failed
            default:
                return .unavailable
            }
        }
    }
}
#endif
