// The platform-neutral app model over the core's flows: what the SwiftUI screens observe.
// Platform-neutral Swift (Foundation only; builds and is tested on Linux); no rules here: every step, error and
// decision comes from the core. The models publish a `ScreenState` and run one action at a
// time on the main actor; `onChange` feeds any UI toolkit (SwiftUI: `Observed` in SwiftUI/Environment.swift).
import Foundation
import MitidCore

/// What a screen shows: the flow's `step`, the `error` shown on it, and whether an action is `busy`.
public struct ScreenState<Step: Sendable & Equatable>: Sendable, Equatable {
    /// The screen to show.
    public var step: Step
    /// The error shown on it (localise with `error.code()` or `error.message(language:)`).
    public var error: MitidError?
    /// Whether an action is running (disable the inputs).
    public var busy: Bool

    /// A state without an error, not busy.
    public init(step: Step, error: MitidError? = nil, busy: Bool = false) {
        self.step = step
        self.error = error
        self.busy = busy
    }
}

/// A model that publishes its state to one observer (`FlowScreen`, `ActionScreen`,
/// `HomeModel`): what a UI toolkit follows (SwiftUI: `Observed`).
@MainActor
public protocol PublishesState: AnyObject {
    /// What the screen shows.
    associatedtype State: Sendable & Equatable
    /// The state now.
    var state: State { get }
    /// Called on the main actor after every change of `state`.
    var onChange: ((State) -> Void)? { get set }
}

/// Runs a flow's actions one at a time and publishes where each left the flow. After a failed
/// action the state shows the flow's own step and error (the core decides where a failure
/// leads). An action started while another runs fails at once with `MitidError.InvalidStep`.
@MainActor
public final class FlowScreen<Step: Sendable & Equatable>: PublishesState {
    /// The state to render.
    public private(set) var state: ScreenState<Step> {
        didSet { onChange?(state) }
    }

    /// Called on the main actor after every change of `state`.
    public var onChange: ((ScreenState<Step>) -> Void)?

    private let currentStep: @Sendable () -> Step
    private let currentError: @Sendable () -> MitidError?

    /// A model over a flow's `step()` and `lastError()`.
    public init(step: @escaping @Sendable () -> Step, error: @escaping @Sendable () -> MitidError?) {
        currentStep = step
        currentError = error
        state = ScreenState(step: step(), error: error())
    }

    /// Publishes the flow's current step and error (after a synchronous report to it).
    public func refresh() {
        state = ScreenState(step: currentStep(), error: currentError(), busy: state.busy)
    }

    /// Runs `action` and publishes the flow's new state.
    @discardableResult
    public func perform(_ action: @Sendable () async throws -> Step) async -> Result<Step, MitidError> {
        if state.busy {
            return .failure(.InvalidStep)
        }
        state.busy = true
        do {
            let next = try await action()
            // The flow's own step: a report to it (a screen risk) may have moved it meanwhile.
            state = ScreenState(step: currentStep(), error: currentError())
            return .success(next)
        } catch let error as MitidError {
            state = ScreenState(step: currentStep(), error: currentError() ?? error)
            return .failure(error)
        } catch {
            // The bindings throw only MitidError; anything else is a bug worth seeing.
            let wrapped = MitidError.Internal(detail: "unexpected_error")
            state = ScreenState(step: currentStep(), error: wrapped)
            return .failure(wrapped)
        }
    }
}

/// The activation screens.
@MainActor
public final class ActivationModel {
    private let flow: ActivationFlow
    /// The screen state.
    public let screen: FlowScreen<ActivationStep>

    /// A model over a flow from `App.startActivation()`.
    public init(_ flow: ActivationFlow) {
        self.flow = flow
        screen = FlowScreen(step: { flow.step() }, error: { flow.lastError() })
    }

    /// Enter the user ID.
    @discardableResult
    public func submitUserId(_ userId: String) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitUserId(userId: userId) }
    }

    /// Enter the activation code.
    @discardableResult
    public func submitActivationCode(_ code: String) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitActivationCode(code: code) }
    }

    /// Enter the temporary PIN from the SMS.
    @discardableResult
    public func submitTemporaryPin(_ pin: String) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitTemporaryPin(temporaryPin: pin) }
    }

    /// Choose the new PIN.
    @discardableResult
    public func submitNewPin(_ pin: String) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitNewPin(pin: pin) }
    }

    /// Repeat the new PIN.
    @discardableResult
    public func submitRepeatPin(_ pin: String) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitRepeatPin(pin: pin) }
    }

    /// Try the interrupted step again.
    @discardableResult
    public func retry() async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.retry() }
    }

    /// Biometrics yes or no.
    @discardableResult
    public func chooseBiometrics(_ enable: Bool) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.chooseBiometrics(enable: enable) }
    }

    /// Notifications yes or no.
    @discardableResult
    public func chooseNotifications(_ allow: Bool) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.chooseNotifications(allow: allow) }
    }

    /// "Use passport/ID card" instead of the activation code.
    @discardableResult
    public func usePassport() async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.usePassport() }
    }

    /// Accept the passport check's terms and conditions.
    @discardableResult
    public func acceptTerms() async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.acceptTerms() }
    }

    /// Where the passport or ID card is from (abroad: the P-code first).
    @discardableResult
    public func chooseDocumentOrigin(_ origin: DocumentOrigin) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.chooseDocumentOrigin(origin: origin) }
    }

    /// The data page's document number, date of birth and date of expiry (`YYMMDD`).
    @discardableResult
    public func submitDocumentDetails(
        documentNumber: String, birthDate: String, expiryDate: String
    ) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in
            try await flow.submitDocumentDetails(
                documentNumber: documentNumber, birthDate: birthDate, expiryDate: expiryDate)
        }
    }

    /// The text the camera read off the data page (its machine-readable zone gives the details).
    @discardableResult
    public func submitMrz(_ text: String) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitMrz(text: text) }
    }

    /// Read the chip over the phone's NFC `link` (iOS: Core NFC).
    @discardableResult
    public func readChip(_ link: PlatformNfcLink) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.readChip(link: link) }
    }

    /// The face the camera captured (JPEG): the server checks document, owner and face.
    @discardableResult
    public func submitFace(_ capture: Data) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitFace(capture: capture) }
    }

    /// The 8-digit P-code from citizen service, for a document from abroad.
    @discardableResult
    public func submitPCode(_ pCode: String) async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitPCode(pCode: pCode) }
    }

    /// "I have used my P-code before" (only when it was asked for first).
    @discardableResult
    public func skipPCode() async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.skipPCode() }
    }

    /// Give up.
    @discardableResult
    public func cancel() async -> Result<ActivationStep, MitidError> {
        await screen.perform { [flow] in try await flow.cancel() }
    }
}

/// The approval screens of one user. `waitForRequest` suspends until a request arrives (or
/// the wait ends); `stopWaiting` cancels it, e.g. when the screen goes away.
@MainActor
public final class ApprovalModel {
    private let flow: ApprovalFlow
    private var wait: ApprovalWait?
    /// The screen state.
    public let screen: FlowScreen<ApprovalStep>

    /// A model over a flow from `App.approvalFlow(localId:)`.
    public init(_ flow: ApprovalFlow) {
        self.flow = flow
        screen = FlowScreen(step: { flow.step() }, error: { flow.lastError() })
    }

    /// Waits up to `seconds` (at most 30) for a request.
    @discardableResult
    public func waitForRequest(seconds: UInt32 = 30) async -> Result<ApprovalStep, MitidError> {
        // Refused before a wait is made: a new wait cancels the running one, and its poll
        // would reset a request the citizen is answering.
        if screen.state.busy {
            return .failure(.InvalidStep)
        }
        let handle: ApprovalWait
        do {
            handle = try flow.waitForRequest(waitSeconds: seconds)
        } catch let error as MitidError {
            return .failure(error)
        } catch {
            return .failure(.Internal(detail: "unexpected_error"))
        }
        wait = handle
        defer { wait = nil }
        return await screen.perform { try await handle.outcome() }
    }

    /// Stops a running `waitForRequest` (the step returns to idle).
    public func stopWaiting() {
        wait?.cancel()
    }

    /// The code shown by the service provider.
    @discardableResult
    public func enterCode(_ code: String) async -> Result<ApprovalStep, MitidError> {
        await screen.perform { [flow] in try await flow.enterCode(code: code) }
    }

    /// The scanned QR token.
    @discardableResult
    public func scanQr(_ token: String) async -> Result<ApprovalStep, MitidError> {
        await screen.perform { [flow] in try await flow.scanQr(token: token) }
    }

    /// Approve with a swipe.
    @discardableResult
    public func approveWithSwipe() async -> Result<ApprovalStep, MitidError> {
        await screen.perform { [flow] in try await flow.approveWithSwipe() }
    }

    /// Approve with the PIN.
    @discardableResult
    public func approveWithPin(_ pin: String) async -> Result<ApprovalStep, MitidError> {
        await screen.perform { [flow] in try await flow.approveWithPin(pin: pin) }
    }

    /// Approve with biometrics.
    @discardableResult
    public func approveWithBiometrics() async -> Result<ApprovalStep, MitidError> {
        await screen.perform { [flow] in try await flow.approveWithBiometrics() }
    }

    /// The platform's report about the screen, whenever it changes (nil: no sharing, no
    /// remote control; iOS: `UIScreen.isCaptured`). While a risk lasts, the factors come
    /// after a warning.
    public func reportScreenRisk(_ risk: ScreenRisk?) {
        flow.reportScreenRisk(risk: risk)
        screen.refresh()
    }

    /// "Continue" under the screen-risk warning.
    @discardableResult
    public func continueDespiteRisk() async -> Result<ApprovalStep, MitidError> {
        await screen.perform { [flow] in try await flow.continueDespiteRisk() }
    }

    /// Reject.
    @discardableResult
    public func reject() async -> Result<ApprovalStep, MitidError> {
        await screen.perform { [flow] in try await flow.reject() }
    }
}

/// The screens of a new PIN: the first step authorises it (the current PIN or biometrics, or
/// a temporary PIN, as the flow was started), then the new PIN twice and the biometrics choice.
@MainActor
public final class NewPinModel {
    private let flow: NewPinFlow
    /// The screen state.
    public let screen: FlowScreen<NewPinStep>

    /// A model over a flow from `App.newPinFlow(localId:start:)`.
    public init(_ flow: NewPinFlow) {
        self.flow = flow
        screen = FlowScreen(step: { flow.step() }, error: { flow.lastError() })
    }

    /// Enter the current PIN (checked now).
    @discardableResult
    public func submitCurrentPin(_ pin: String) async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitCurrentPin(pin: pin) }
    }

    /// Use biometrics instead of the current PIN.
    @discardableResult
    public func useBiometrics() async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.useBiometrics() }
    }

    /// Enter the temporary PIN (checked now).
    @discardableResult
    public func submitTemporaryPin(_ pin: String) async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitTemporaryPin(code: pin) }
    }

    /// Choose the new PIN.
    @discardableResult
    public func submitNewPin(_ pin: String) async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitNewPin(pin: pin) }
    }

    /// Repeat the new PIN.
    @discardableResult
    public func submitRepeatPin(_ pin: String) async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitRepeatPin(pin: pin) }
    }

    /// Try the interrupted registration again.
    @discardableResult
    public func retry() async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.retry() }
    }

    /// Biometrics yes or no.
    @discardableResult
    public func chooseBiometrics(_ enable: Bool) async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.chooseBiometrics(enable: enable) }
    }

    /// Accept the passport check's terms and conditions.
    @discardableResult
    public func acceptTerms() async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.acceptTerms() }
    }

    /// Where the passport or ID card is from (abroad: the P-code first).
    @discardableResult
    public func chooseDocumentOrigin(_ origin: DocumentOrigin) async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.chooseDocumentOrigin(origin: origin) }
    }

    /// The data page's document number, date of birth and date of expiry (`YYMMDD`).
    @discardableResult
    public func submitDocumentDetails(
        documentNumber: String, birthDate: String, expiryDate: String
    ) async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in
            try await flow.submitDocumentDetails(
                documentNumber: documentNumber, birthDate: birthDate, expiryDate: expiryDate)
        }
    }

    /// The text the camera read off the data page (its machine-readable zone gives the details).
    @discardableResult
    public func submitMrz(_ text: String) async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitMrz(text: text) }
    }

    /// Read the chip over the phone's NFC `link` (iOS: Core NFC).
    @discardableResult
    public func readChip(_ link: PlatformNfcLink) async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.readChip(link: link) }
    }

    /// The face the camera captured (JPEG): the server checks document, owner and face.
    @discardableResult
    public func submitFace(_ capture: Data) async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitFace(capture: capture) }
    }

    /// The 8-digit P-code from citizen service, for a document from abroad.
    @discardableResult
    public func submitPCode(_ pCode: String) async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.submitPCode(pCode: pCode) }
    }

    /// "I have used my P-code before" (only when it was asked for first).
    @discardableResult
    public func skipPCode() async -> Result<NewPinStep, MitidError> {
        await screen.perform { [flow] in try await flow.skipPCode() }
    }
}

/// The home screen: the users and what each can do, refreshed from the server on demand.
@MainActor
public final class HomeModel: PublishesState {
    private let app: App
    /// The state to render (the step is the home screen).
    public private(set) var state: ScreenState<Home> {
        didSet { onChange?(state) }
    }

    /// Called on the main actor after every change of `state`.
    public var onChange: ((ScreenState<Home>) -> Void)?

    /// A model over the open app (reads the local state, no network).
    public init(_ app: App) throws {
        self.app = app
        state = ScreenState(step: try app.home())
    }

    /// Finishes interrupted work and asks the server for every user's state.
    @discardableResult
    public func refresh() async -> Result<Home, MitidError> {
        state.busy = true
        do {
            let home = try await app.refresh()
            state = ScreenState(step: home)
            return .success(home)
        } catch {
            let error = error as? MitidError ?? .Internal(detail: "unexpected_error")
            state = ScreenState(step: (try? app.home()) ?? state.step, error: error)
            return .failure(error)
        }
    }

    /// Re-reads the local state (after a flow ended), without the network.
    public func reload() {
        if let home = try? app.home() {
            state = ScreenState(step: home)
        }
    }

    /// "Select user" (help pages 003, 004): the user the next actions are for. A failure (the
    /// user removed meanwhile, the storage) is published with home, and the selection stays as
    /// it was: dropped, the next action would run for the user the citizen did not choose.
    @discardableResult
    public func selectUser(_ localId: String) -> Result<Void, MitidError> {
        do {
            try app.selectUser(localId: localId)
            reload()
            return .success(())
        } catch {
            let error = error as? MitidError ?? .Internal(detail: "unexpected_error")
            state = ScreenState(step: (try? app.home()) ?? state.step, error: error)
            return .failure(error)
        }
    }

    /// The selected user (the only one, when there is exactly one).
    public func selectedUser() throws -> UserSummary? {
        try app.selectedUser()
    }

    /// Every user on the app, oldest first (the "Select user" list).
    public func users() throws -> [UserSummary] {
        try app.users()
    }

    /// Finishes interrupted activations and PIN changes (at start-up).
    @discardableResult
    public func resumeInterrupted() async -> Result<RecoveryReport, MitidError> {
        defer { reload() }
        return await catchingMitid { [app] in try await app.resumeInterrupted() }
    }

    /// The platform found the enrolled biometrics changed (iOS: the evaluated policy domain
    /// state differs): biometrics go off for every user; the local ids affected re-enable
    /// with their PIN in App settings.
    @discardableResult
    public func biometricEnrollmentChanged() async -> Result<[String], MitidError> {
        defer { reload() }
        return await catchingMitid { [app] in try await app.biometricEnrollmentChanged() }
    }
}

/// Runs `body`, catching the core's errors (the bindings throw only `MitidError`).
func catchingMitid<T: Sendable>(_ body: @Sendable () async throws -> T) async -> Result<T, MitidError> {
    do {
        return .success(try await body())
    } catch let error as MitidError {
        return .failure(error)
    } catch {
        return .failure(.Internal(detail: "unexpected_error"))
    }
}

/// What an app-level screen shows: its `value` once loaded, the `error` of the last action,
/// and whether one is `busy`.
public struct ActionState<Value: Sendable & Equatable>: Sendable, Equatable {
    /// The value shown.
    public var value: Value?
    /// The error of the last action.
    public var error: MitidError?
    /// Whether an action is running.
    public var busy: Bool
}

/// Runs an app-level screen's actions one at a time and publishes the value and the error.
@MainActor
public final class ActionScreen<Value: Sendable & Equatable>: PublishesState {
    /// The state to render.
    public private(set) var state = ActionState<Value>(value: nil, error: nil, busy: false) {
        didSet { onChange?(state) }
    }

    /// Called on the main actor after every change of `state`.
    public var onChange: ((ActionState<Value>) -> Void)?

    /// An empty screen.
    public init() {}

    /// Runs `action`; `shown` turns its result into the value shown (nil: keep the old one).
    /// An action started while another runs fails at once with `MitidError.InvalidStep`.
    public func perform<R: Sendable>(
        shown: (R) -> Value? = { _ in nil }, _ action: @Sendable () async throws -> R
    ) async -> Result<R, MitidError> {
        if state.busy {
            return .failure(.InvalidStep)
        }
        state.busy = true
        state.error = nil
        let result = await catchingMitid(action)
        switch result {
        case .success(let r): state = ActionState(value: shown(r) ?? state.value, error: nil, busy: false)
        case .failure(let e): state = ActionState(value: state.value, error: e, busy: false)
        }
        return result
    }
}
