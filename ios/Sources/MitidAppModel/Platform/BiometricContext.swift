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
        if case .known(let state) = Self.enrollment() {
            defaults.set(state, forKey: stateKey)
        } else {
            // Not told now: no record (an earlier one could later pass for a change).
            defaults.removeObject(forKey: stateKey)
        }
    }

    /// Whether biometrics were enrolled or removed since `recordEnrollment()`: check at
    /// start-up and tell the core with `App.biometricEnrollmentChanged()`. A state the
    /// system will not tell now (biometrics locked out after failed tries, Face ID turned
    /// off for the app, no passcode) is no change: taken for one, it would turn biometrics
    /// off for every user over a lockout that ends by itself.
    public func enrollmentChanged() -> Bool {
        guard let recorded = defaults.data(forKey: stateKey) else { return false }
        switch Self.enrollment() {
        case .known(let state): return state != recorded
        case .noneEnrolled: return true
        case .unknown: return false
        }
    }

    /// Forgets the record (biometrics turned off).
    public func forgetEnrollment() {
        defaults.removeObject(forKey: stateKey)
    }

    /// The enrolled biometrics as the system tells them now.
    private enum Enrollment {
        /// The system's record of the enrolled biometrics.
        case known(Data)
        /// Every biometric was removed from the device.
        case noneEnrolled
        /// Not told now (locked out, not allowed, no passcode).
        case unknown
    }

    private static func enrollment() -> Enrollment {
        let context = LAContext()
        var error: NSError?
        if context.canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, error: &error) {
            return context.evaluatedPolicyDomainState.map(Enrollment.known) ?? .unknown
        }
        if (error as? LAError)?.code == .biometryNotEnrolled {
            return .noneEnrolled
        }
        return .unknown
    }
}
#endif
