// "Menu → App settings" for one user (help pages 003, 004): PIN code, biometrics, the user ID,
// notifications, removing the user. Platform-neutral Swift, tested with XCTest on Linux.
import MitidCore

/// App settings of one user: the state shows the user as the server last reported them. The
/// PIN and user ID entries open their own screen models.
@MainActor
public final class SettingsModel {
    private let app: App
    private let localId: String
    /// The screen state.
    public let screen = ActionScreen<UserSummary>()

    /// The settings of the user `localId` of `app`.
    public init(_ app: App, localId: String) {
        self.app = app
        self.localId = localId
    }

    /// Asks the server for the user's state.
    @discardableResult
    public func status() async -> Result<UserSummary, MitidError> {
        await screen.perform(shown: { $0 }) { [app, localId] in try await app.status(localId: localId) }
    }

    /// "Approve with biometrics" on: confirmed with the PIN, then the platform prompt.
    @discardableResult
    public func enableBiometrics(pin: String) async -> Result<UserSummary, MitidError> {
        await screen.perform(shown: { $0 }) { [app, localId] in
            try await app.enableBiometrics(localId: localId, pin: pin)
            return try await app.status(localId: localId)
        }
    }

    /// "Approve with biometrics" off.
    @discardableResult
    public func disableBiometrics() async -> Result<UserSummary, MitidError> {
        await screen.perform(shown: { $0 }) { [app, localId] in
            try await app.disableBiometrics(localId: localId)
            return try await app.status(localId: localId)
        }
    }

    /// Consecutive biometric failures (the PIN is required at 5).
    public func biometricFailures() throws -> UInt32 {
        try app.biometricFailures(localId: localId)
    }

    /// The notification choice made at activation, if any.
    public func notificationsAllowed() throws -> Bool? {
        try app.notificationsAllowed(localId: localId)
    }

    /// "Change your PIN code": with the current PIN or biometrics.
    public func changePin() throws -> NewPinModel {
        NewPinModel(try app.newPinFlow(localId: localId, start: .currentPin))
    }

    /// "Forgot your PIN code?": a temporary PIN, or the passport or ID card.
    public func forgotPin(_ route: NewPinStart) throws -> NewPinModel {
        NewPinModel(try app.newPinFlow(localId: localId, start: route))
    }

    /// "View user ID".
    public func viewUserId() throws -> UserIdModel {
        UserIdModel(try app.userIdFlow(localId: localId))
    }

    /// Removes the user and their keys from this app (the server is told first when possible).
    @discardableResult
    public func removeUser() async -> Result<Void, MitidError> {
        let result: Result<Bool, MitidError> = await screen.perform { [app, localId] in
            try await app.removeUser(localId: localId)
            return true
        }
        return result.map { _ in () }
    }
}
