// "View user ID" (help page 004) as a screen model: the passport and face check, the user ID,
// "Change user ID". Platform-neutral Swift, tested with XCTest on Linux.
import Foundation
import MitidCore

/// The "View user ID" screens of one user.
@MainActor
public final class UserIdModel {
    private let flow: UserIdFlow
    /// The screen state.
    public let screen: FlowScreen<UserIdStep>

    /// A model over a flow from `App.userIdFlow(localId:)`.
    public init(_ flow: UserIdFlow) {
        self.flow = flow
        screen = FlowScreen(step: { flow.step() }, error: { flow.lastError() })
    }

    /// Accept the passport check's terms and conditions.
    @discardableResult
    public func acceptTerms() async -> Result<UserIdStep, MitidError> {
        await screen.perform { [flow] in try await flow.acceptTerms() }
    }

    /// Where the passport or ID card is from (abroad: the P-code first).
    @discardableResult
    public func chooseDocumentOrigin(_ origin: DocumentOrigin) async -> Result<UserIdStep, MitidError> {
        await screen.perform { [flow] in try await flow.chooseDocumentOrigin(origin: origin) }
    }

    /// The data page's document number, date of birth and date of expiry (`YYMMDD`).
    @discardableResult
    public func submitDocumentDetails(
        documentNumber: String, birthDate: String, expiryDate: String
    ) async -> Result<UserIdStep, MitidError> {
        await screen.perform { [flow] in
            try await flow.submitDocumentDetails(
                documentNumber: documentNumber, birthDate: birthDate, expiryDate: expiryDate)
        }
    }

    /// The text the camera read off the data page (its machine-readable zone gives the details).
    @discardableResult
    public func submitMrz(_ text: String) async -> Result<UserIdStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitMrz(text: text) }
    }

    /// Read the chip over the phone's NFC `link` (iOS: Core NFC).
    @discardableResult
    public func readChip(_ link: PlatformNfcLink) async -> Result<UserIdStep, MitidError> {
        await screen.perform { [flow] in try await flow.readChip(link: link) }
    }

    /// The face the camera captured (JPEG): the server answers with the user ID.
    @discardableResult
    public func submitFace(_ capture: Data) async -> Result<UserIdStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitFace(capture: capture) }
    }

    /// The 8-digit P-code from citizen service, for a document from abroad.
    @discardableResult
    public func submitPCode(_ pCode: String) async -> Result<UserIdStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitPCode(pCode: pCode) }
    }

    /// "I have used my P-code before" (only when it was asked for first).
    @discardableResult
    public func skipPCode() async -> Result<UserIdStep, MitidError> {
        await screen.perform { [flow] in try await flow.skipPCode() }
    }

    /// "Change user ID".
    @discardableResult
    public func changeUserId() async -> Result<UserIdStep, MitidError> {
        await screen.perform { [flow] in try await flow.changeUserId() }
    }

    /// "Save": not valid (with the rule) or taken keeps the citizen here.
    @discardableResult
    public func submitNewUserId(_ wanted: String) async -> Result<UserIdStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitNewUserId(wanted: wanted) }
    }
}
