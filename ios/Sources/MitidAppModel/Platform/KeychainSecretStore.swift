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
    /// time (put, get, delete), as the Android store, so that two puts cannot both find
    /// nothing and both add, nor a delete fall between an update and an add.
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
        guard status == errSecSuccess else { throw failure(status, "SecItemUpdate or SecItemAdd") }
    }

    public func getSecret(name: String) throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
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
        default:
            throw failure(status, "SecItemCopyMatching")
        }
    }

    public func deleteSecret(name: String) throws {
        lock.lock()
        defer { lock.unlock() }
        let status = SecItemDelete(query(name) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw failure(status, "SecItemDelete")
        }
    }

    /// One mapping for every call: a locked device is the same error on a read and a write.
    private func failure(_ status: OSStatus, _ call: String) -> PlatformError {
        if status == errSecInteractionNotAllowed {
            // The device is locked: the secret exists but cannot be used now.
            return PlatformError.HardwareUnavailable
        }
        return PlatformError.Backend(code: "keychain_\(status)", reason: "\(call) failed")
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
