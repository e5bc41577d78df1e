// Self-service from the app (help pages 002, 003 method 3): the person's authenticators, a new
// PIN for another app, blocking, password access, profile changes and the user ID.
// Platform-neutral Swift, tested with XCTest on Linux. Each action is named as the app's.
import MitidCore

/// Self-service for one user: the state shows the person's authenticators.
@MainActor
public final class SelfServiceModel {
    private let app: App
    private let localId: String
    /// The screen state.
    public let screen = ActionScreen<AuthenticatorOverview>()

    /// Self-service of the user `localId` of `app`.
    public init(_ app: App, localId: String) {
        self.app = app
        self.localId = localId
    }

    /// Loads the person's authenticators.
    @discardableResult
    public func authenticators() async -> Result<AuthenticatorOverview, MitidError> {
        await screen.perform(shown: { $0 }) { [app, localId] in try await app.authenticators(localId: localId) }
    }

    /// "Send new PIN" to another of the person's apps: a temporary PIN by SMS.
    @discardableResult
    public func sendNewPin(authenticatorId: String) async -> Result<CodeSentTo, MitidError> {
        await screen.perform { [app, localId] in
            try await app.sendNewPin(localId: localId, authenticatorId: authenticatorId)
        }
    }

    /// Blocks an authenticator or the whole MitID (`confirm` nil only for this app).
    @discardableResult
    public func block(_ target: BlockTarget, confirm: Confirm?) async -> Result<AuthenticatorOverview, MitidError> {
        await screen.perform(shown: { $0 }) { [app, localId] in
            try await app.block(localId: localId, target: target, confirm: confirm)
        }
    }

    /// Requests access to change the password (open after 24 hours).
    @discardableResult
    public func requestPasswordAccess() async -> Result<PasswordAccessWindow, MitidError> {
        await screen.perform { [app, localId] in try await app.requestPasswordAccess(localId: localId) }
    }

    /// Requests access to change profile information (open one hour later).
    @discardableResult
    public func requestProfileChange(_ confirm: Confirm) async -> Result<ProfileChangeWindow, MitidError> {
        await screen.perform { [app, localId] in
            try await app.requestProfileChange(localId: localId, confirm: confirm)
        }
    }

    /// The live request for access to change profile information, if any.
    @discardableResult
    public func profileChangeWindow() async -> Result<ProfileChangeWindow?, MitidError> {
        await screen.perform { [app, localId] in try await app.profileChangeWindow(localId: localId) }
    }

    /// Checks a wanted user ID against the rules here; its canonical form.
    public func checkUserId(_ wanted: String) -> Result<String, MitidError> {
        Result { try app.checkUserId(wanted: wanted) }.mapError { $0 as? MitidError ?? .Internal(detail: "unexpected_error") }
    }

    /// Changes the user ID inside the opened access; the new user ID.
    @discardableResult
    public func changeUserId(_ wanted: String, confirm: Confirm) async -> Result<String, MitidError> {
        await screen.perform { [app, localId] in
            try await app.changeUserId(localId: localId, wanted: wanted, confirm: confirm)
        }
    }
}
