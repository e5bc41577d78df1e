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
    private let lock = NSLock()

    /// Secrets stored under the Keychain service `service`.
    public init(service: String = "dk.mitid.secrets") {
        self.service = service
    }

    /// Replaces a secret in place (`SecItemUpdate`), or adds it: deleting first would lose
    /// the old one (a PIN pepper, and with it the PIN) if the add then failed. One call at a
    /// time, as the Android store, so that two puts cannot both find nothing and both add.
    public func putSecret(name: String, secret: Data) throws {
        lock.lock()
        defer { lock.unlock() }
        let changes: [String: Any] = [kSecValueData as String: secret]
        var status = SecItemUpdate(query(name) as CFDictionary, changes as CFDictionary)
        if status == errSecItemNotFound {
            var item = query(name)
            item[kSecValueData as String] = secret
            item[kSecAttrAccessible as String] = kSecAttrAccessibleWhenUnlockedThisDeviceOnly
            status = SecItemAdd(item as CFDictionary, nil)
        }
        guard status == errSecSuccess else {
            throw PlatformError.Backend(code: "keychain_\(status)", reason: "SecItemUpdate or SecItemAdd failed")
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
