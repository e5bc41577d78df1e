// APPLE ONLY (Security, LocalAuthentication): compiled only where both exist (iOS, macOS).
#if canImport(Security) && canImport(LocalAuthentication)
import Foundation
import LocalAuthentication
import MitidCore
import Security

/// The core's device and biometric keys in the Secure Enclave: ECDSA P-256, created inside
/// the enclave and never exportable, `WhenUnlockedThisDeviceOnly`. A `userAuthentication` key
/// needs Face ID / Touch ID for every use; a `biometricBound` one is created with
/// `.biometryCurrentSet`, so enrolling or removing a finger or face invalidates it for good.
///
/// Signatures use the `LAContext` the `LocalAuthenticationPrompt` just evaluated (one prompt
/// for the user). Called on the core's threads; adapters only.
public final class SecureEnclaveKeyStore: PlatformKeyStore, @unchecked Sendable {
    private let tagPrefix: String
    private let biometric: BiometricContext

    /// Keys tagged `<tagPrefix><alias>` in the Keychain.
    public init(tagPrefix: String = "dk.mitid.key.", biometric: BiometricContext) {
        self.tagPrefix = tagPrefix
        self.biometric = biometric
    }

    public func createKey(alias: String, options: KeyOptions) throws -> Data {
        if options.biometricBound && !options.userAuthentication {
            throw PlatformError.InvalidOptions
        }
        if try keyExists(alias: alias) {
            throw PlatformError.KeyAlreadyExists
        }
        var flags: SecAccessControlCreateFlags = [.privateKeyUsage]
        if options.userAuthentication {
            flags.insert(options.biometricBound ? .biometryCurrentSet : .biometryAny)
        }
        var error: Unmanaged<CFError>?
        guard let access = SecAccessControlCreateWithFlags(
            nil, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, flags, &error)
        else {
            throw Self.failure(error, "access_control")
        }
        let attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits as String: 256,
            kSecAttrTokenID as String: kSecAttrTokenIDSecureEnclave,
            kSecPrivateKeyAttrs as String: [
                kSecAttrIsPermanent as String: true,
                kSecAttrApplicationTag as String: tag(alias),
                kSecAttrAccessControl as String: access,
            ] as [String: Any],
        ]
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            // No Secure Enclave (e.g. the simulator).
            throw Self.failure(error, "create_key", unavailable: true)
        }
        if options.biometricBound {
            biometric.recordEnrollment()
        }
        return try Self.publicBytes(of: key)
    }

    public func publicKey(alias: String) throws -> Data {
        try Self.publicBytes(of: try find(alias, context: nil))
    }

    public func sign(alias: String, message: Data) throws -> Data {
        let context = biometric.take()
        let key = try find(alias, context: context)
        var error: Unmanaged<CFError>?
        guard let signature = SecKeyCreateSignature(
            key, .ecdsaSignatureMessageX962SHA256, message as CFData, &error)
        else {
            let failure = Self.failure(error, "sign")
            if case .AuthenticationFailed = failure, biometric.enrollmentChanged() {
                throw PlatformError.KeyInvalidated
            }
            throw failure
        }
        return signature as Data
    }

    public func deleteKey(alias: String) throws {
        let status = SecItemDelete(query(alias) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw PlatformError.Backend(code: "keychain_\(status)", reason: "SecItemDelete failed")
        }
    }

    public func keyExists(alias: String) throws -> Bool {
        var found: CFTypeRef?
        var lookup = query(alias)
        lookup[kSecUseAuthenticationUI as String] = kSecUseAuthenticationUISkip
        let status = SecItemCopyMatching(lookup as CFDictionary, &found)
        switch status {
        case errSecSuccess, errSecInteractionNotAllowed: return true
        case errSecItemNotFound: return false
        default: throw PlatformError.Backend(code: "keychain_\(status)", reason: "SecItemCopyMatching failed")
        }
    }

    private func tag(_ alias: String) -> Data {
        Data((tagPrefix + alias).utf8)
    }

    private func query(_ alias: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassKey,
            kSecAttrKeyClass as String: kSecAttrKeyClassPrivate,
            kSecAttrApplicationTag as String: tag(alias),
            kSecAttrTokenID as String: kSecAttrTokenIDSecureEnclave,
        ]
    }

    private func find(_ alias: String, context: LAContext?) throws -> SecKey {
        var lookup = query(alias)
        lookup[kSecReturnRef as String] = true
        if let context {
            lookup[kSecUseAuthenticationContext as String] = context
        }
        var found: CFTypeRef?
        let status = SecItemCopyMatching(lookup as CFDictionary, &found)
        guard status == errSecSuccess, let found, CFGetTypeID(found) == SecKeyGetTypeID() else {
            if status == errSecItemNotFound || status == errSecSuccess {
                throw PlatformError.KeyNotFound
            }
            throw PlatformError.Backend(code: "keychain_\(status)", reason: "SecItemCopyMatching failed")
        }
        return found as! SecKey  // swiftlint:disable:this force_cast (type checked above)
    }

    /// The 65-byte uncompressed point (`SecKeyCopyExternalRepresentation`, X9.63).
    private static func publicBytes(of key: SecKey) throws -> Data {
        var error: Unmanaged<CFError>?
        guard let publicKey = SecKeyCopyPublicKey(key),
            let bytes = SecKeyCopyExternalRepresentation(publicKey, &error) as Data?,
            bytes.count == 65
        else {
            throw PlatformError.InvalidPublicKey
        }
        return bytes
    }

    /// What a Security / LocalAuthentication error means for the core.
    private static func failure(
        _ error: Unmanaged<CFError>?, _ step: String, unavailable: Bool = false
    ) -> PlatformError {
        guard let error = error?.takeRetainedValue() else {
            return .Backend(code: "secure_enclave_\(step)", reason: "no error detail")
        }
        let code = CFErrorGetCode(error)
        let domain = CFErrorGetDomain(error) as String
        if domain == LAErrorDomain {
            switch LAError.Code(rawValue: code) {
            case .userCancel, .appCancel, .systemCancel, .userFallback: return .UserCancelled
            case .authenticationFailed, .biometryLockout: return .AuthenticationFailed
            case .biometryNotAvailable, .biometryNotEnrolled: return .HardwareUnavailable
            default: break
            }
        }
        switch OSStatus(code) {
        case errSecUserCanceled: return .UserCancelled
        case errSecAuthFailed: return .AuthenticationFailed
        case errSecItemNotFound: return .KeyNotFound
        case errSecNotAvailable, errSecUnimplemented: return .HardwareUnavailable
        default:
            return unavailable
                ? .HardwareUnavailable
                : .Backend(code: "secure_enclave_\(step)_\(code)", reason: domain)
        }
    }
}
#endif
