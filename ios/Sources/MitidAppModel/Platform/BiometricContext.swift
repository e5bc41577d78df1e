// APPLE ONLY (LocalAuthentication): compiled only where LocalAuthentication exists (iOS,
// macOS); on Linux this file is empty.
#if canImport(LocalAuthentication)
import Foundation
import LocalAuthentication

/// What the biometric prompt and the Secure Enclave key store share: the `LAContext` the
/// prompt just evaluated (handed to the next biometric-key signature, so the user sees one
/// Face ID / Touch ID prompt), and the enrolment state the biometric key was made under.
public final class BiometricContext: @unchecked Sendable {
    private let lock = NSLock()
    private var evaluated: LAContext?
    private let defaults: UserDefaults
    private let stateKey = "dk.mitid.biometric-domain-state"

    /// A context whose enrolment record lives in `defaults` (not a secret).
    public init(defaults: UserDefaults = .standard) {
        self.defaults = defaults
    }

    /// Keeps the context the prompt evaluated, for the next signature.
    func keep(_ context: LAContext) {
        lock.withLock { evaluated = context }
    }

    /// The evaluated context, once (a signature uses it up).
    func take() -> LAContext? {
        lock.withLock {
            defer { evaluated = nil }
            return evaluated
        }
    }

    /// Records the enrolled biometrics now (when the biometric key is created).
    public func recordEnrollment() {
        defaults.set(Self.domainState(), forKey: stateKey)
    }

    /// Whether biometrics were enrolled or removed since `recordEnrollment()`: check at
    /// start-up and tell the core with `App.biometricEnrollmentChanged()`.
    public func enrollmentChanged() -> Bool {
        guard let recorded = defaults.data(forKey: stateKey) else { return false }
        return Self.domainState() != recorded
    }

    /// Forgets the record (biometrics turned off).
    public func forgetEnrollment() {
        defaults.removeObject(forKey: stateKey)
    }

    private static func domainState() -> Data? {
        let context = LAContext()
        var error: NSError?
        _ = context.canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, error: &error)
        return context.evaluatedPolicyDomainState
    }
}
#endif
