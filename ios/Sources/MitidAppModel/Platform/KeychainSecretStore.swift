// APPLE ONLY (Security): compiled only where the Security framework exists.
#if canImport(Security)
import Foundation
import MitidCore
import Security

/// The core's small secrets (PIN peppers) in the Keychain: generic passwords,
/// `kSecAttrAccessibleWhenUnlockedThisDeviceOnly`, never synchronised to iCloud and never
/// restored to another device.
public final class KeychainSecretStore: PlatformSecretStore, @unchecked Sendable {
    private let service: String

    /// Secrets stored under the Keychain service `service`.
    public init(service: String = "dk.mitid.secrets") {
        self.service = service
    }

    public func putSecret(name: String, secret: Data) throws {
        try deleteSecret(name: name)
        var item = query(name)
        item[kSecValueData as String] = secret
        item[kSecAttrAccessible as String] = kSecAttrAccessibleWhenUnlockedThisDeviceOnly
        let status = SecItemAdd(item as CFDictionary, nil)
        guard status == errSecSuccess else {
            throw PlatformError.Backend(code: "keychain_\(status)", reason: "SecItemAdd failed")
        }
    }

    public func getSecret(name: String) throws -> Data? {
        var lookup = query(name)
        lookup[kSecReturnData as String] = true
        lookup[kSecMatchLimit as String] = kSecMatchLimitOne
        var found: CFTypeRef?
        let status = SecItemCopyMatching(lookup as CFDictionary, &found)
        switch status {
        case errSecSuccess:
            guard let data = found as? Data else { throw PlatformError.StorageCorrupt }
            return data
        case errSecItemNotFound:
            return nil
        case errSecInteractionNotAllowed:
            // The device is locked: the secret exists but cannot be read now.
            throw PlatformError.HardwareUnavailable
        default:
            throw PlatformError.Backend(code: "keychain_\(status)", reason: "SecItemCopyMatching failed")
        }
    }

    public func deleteSecret(name: String) throws {
        let status = SecItemDelete(query(name) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw PlatformError.Backend(code: "keychain_\(status)", reason: "SecItemDelete failed")
        }
    }

    private func query(_ name: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: name,
            kSecAttrSynchronizable as String: false,
        ]
    }
}
#endif
