// iOS ONLY (SwiftUI): the flows that lead to a new PIN or show the user ID, one case per step
// of the core: activation and a new PIN (help page 003, or the passport) and
// "View user ID" (help page 004). No `default`: a step added to the core fails this build.
#if (os(iOS) || MITID_UI_TYPECHECK) && canImport(SwiftUI) && canImport(Combine)
import MitidCore
import SwiftUI

/// Activating the app for a user: the activation code (or the passport), the temporary PIN, a new PIN.
public struct ActivationView: View {
    @EnvironmentObject private var shell: Shell
    private let model: ActivationModel
    @StateObject private var observed: Observed<FlowScreen<ActivationStep>>
    private let leave: () -> Void

    /// Renders `model`; `leave` is called when the citizen leaves the flow.
    public init(model: ActivationModel, leave: @escaping () -> Void) {
        self.model = model
        _observed = StateObject(wrappedValue: Observed(model.screen))
        self.leave = leave
    }

    public var body: some View {
        let state = observed.state
        let busy = state.busy
        PageView(title: shell[.addUser]) {
            ErrorView(error: state.error)
            switch state.step {
            case .enterUserId:
                EntryView(label: .userId, busy: busy) { v in Task { await model.submitUserId(v) } }
            case .enterActivationCode(let userId):
                Text(userId).font(.headline)
                EntryView(label: .activationCode, busy: busy) { v in Task { await model.submitActivationCode(v) } }
                Button(shell[.usePassport]) { Task { await model.usePassport() } }.disabled(busy)
            case .acceptTerms:
                AcceptTermsStep(check: model, busy: busy)
            case .chooseDocumentOrigin:
                DocumentOriginStep(check: model, busy: busy)
            case .enterPCode:
                PCodeStep(check: model, busy: busy)
            case .enterDocumentDetails:
                DocumentDetailsStep(check: model, busy: busy)
            case .readChip:
                ReadChipStep(check: model, busy: busy)
            case .captureFace:
                CaptureFaceStep(check: model, busy: busy)
            case .enterTemporaryPin(let smsSentTo, _):
                Text("\(shell[.temporaryPinSentTo]) \(smsSentTo)")
                PinPadView(label: .temporaryPin, busy: busy, length: 8) { p in Task { await model.submitTemporaryPin(p) } }
            case .chooseNewPin:
                PinPadView(label: .chooseNewPin, busy: busy) { p in Task { await model.submitNewPin(p) } }
            case .repeatNewPin:
                PinPadView(label: .repeatNewPin, busy: busy) { p in Task { await model.submitRepeatPin(p) } }
            case .interrupted:
                RetryView(busy: busy) { Task { await model.retry() } }
            case .chooseBiometrics:
                YesNoView(question: .chooseBiometrics, busy: busy) { yes in Task { await model.chooseBiometrics(yes) } }
            case .chooseNotifications:
                YesNoView(question: .chooseNotifications, busy: busy) { yes in Task { await model.chooseNotifications(yes) } }
            case .done:
                FinishedView(message: .activationDone, leave: leave)
            case .ended:
                FinishedView(message: .ended, button: .back, leave: leave)
            }
            BusyView(busy: busy)
            if cancellable(state.step) {
                Button(shell[.cancel]) { Task { await model.cancel() } }.disabled(busy)
            }
        }
    }

    /// No cancel once the user exists (the last two questions): the core refuses it there.
    /// Every step named, so that a step added to the core fails this build.
    private func cancellable(_ step: ActivationStep) -> Bool {
        switch step {
        case .done, .ended, .chooseBiometrics, .chooseNotifications:
            return false
        case .enterUserId, .enterActivationCode, .acceptTerms, .chooseDocumentOrigin,
             .enterPCode, .enterDocumentDetails, .readChip, .captureFace, .enterTemporaryPin,
             .chooseNewPin, .repeatNewPin, .interrupted:
            return true
        }
    }
}

/// A new PIN, authorised as the flow was started (the current PIN or biometrics, a temporary
/// PIN, or the passport).
public struct NewPinView: View {
    @EnvironmentObject private var shell: Shell
    private let model: NewPinModel
    @StateObject private var observed: Observed<FlowScreen<NewPinStep>>
    private let leave: () -> Void

    /// Renders `model`; `leave` is called when the citizen leaves the flow.
    public init(model: NewPinModel, leave: @escaping () -> Void) {
        self.model = model
        _observed = StateObject(wrappedValue: Observed(model.screen))
        self.leave = leave
    }

    public var body: some View {
        let state = observed.state
        let busy = state.busy
        PageView(title: shell[.actionChangePin]) {
            ErrorView(error: state.error)
            switch state.step {
            case .enterCurrentPin(let biometricsOffered):
                PinPadView(label: .currentPin, busy: busy) { p in Task { await model.submitCurrentPin(p) } }
                if biometricsOffered {
                    Button(shell[.useBiometrics]) { Task { await model.useBiometrics() } }.disabled(busy)
                }
            case .enterTemporaryPin:
                PinPadView(label: .temporaryPin, busy: busy, length: 8) { p in Task { await model.submitTemporaryPin(p) } }
            case .acceptTerms:
                AcceptTermsStep(check: model, busy: busy)
            case .chooseDocumentOrigin:
                DocumentOriginStep(check: model, busy: busy)
            case .enterPCode:
                PCodeStep(check: model, busy: busy)
            case .enterDocumentDetails:
                DocumentDetailsStep(check: model, busy: busy)
            case .readChip:
                ReadChipStep(check: model, busy: busy)
            case .captureFace:
                CaptureFaceStep(check: model, busy: busy)
            case .chooseNewPin:
                PinPadView(label: .chooseNewPin, busy: busy) { p in Task { await model.submitNewPin(p) } }
            case .repeatNewPin:
                PinPadView(label: .repeatNewPin, busy: busy) { p in Task { await model.submitRepeatPin(p) } }
            case .interrupted:
                RetryView(busy: busy) { Task { await model.retry() } }
            case .chooseBiometrics:
                YesNoView(question: .chooseBiometrics, busy: busy) { yes in Task { await model.chooseBiometrics(yes) } }
            case .done:
                FinishedView(message: .newPinDone, leave: leave)
            case .ended:
                FinishedView(message: .ended, button: .back, leave: leave)
            }
            BusyView(busy: busy)
            // Leaving drops the model and its flow; nothing is registered until the last step.
            if state.step != .done && state.step != .ended {
                Button(shell[.cancel], action: leave).disabled(busy)
            }
        }
    }
}

/// "View user ID": the passport and the face, the user ID, "Change user ID", save.
public struct UserIdView: View {
    @EnvironmentObject private var shell: Shell
    private let model: UserIdModel
    @StateObject private var observed: Observed<FlowScreen<UserIdStep>>
    private let leave: () -> Void

    /// Renders `model`; `leave` is called when the citizen leaves the flow.
    public init(model: UserIdModel, leave: @escaping () -> Void) {
        self.model = model
        _observed = StateObject(wrappedValue: Observed(model.screen))
        self.leave = leave
    }

    public var body: some View {
        let state = observed.state
        let busy = state.busy
        PageView(title: shell[.actionViewUserId]) {
            ErrorView(error: state.error)
            switch state.step {
            case .acceptTerms:
                AcceptTermsStep(check: model, busy: busy)
            case .chooseDocumentOrigin:
                DocumentOriginStep(check: model, busy: busy)
            case .enterPCode:
                PCodeStep(check: model, busy: busy)
            case .enterDocumentDetails:
                DocumentDetailsStep(check: model, busy: busy)
            case .readChip:
                ReadChipStep(check: model, busy: busy)
            case .captureFace:
                CaptureFaceStep(check: model, busy: busy)
            case .showUserId(let userId):
                Text(shell[.yourUserId])
                Text(userId).font(.title)
                Button(shell[.actionChangeUserId]) { Task { await model.changeUserId() } }.disabled(busy)
                Button(shell[.done], action: leave)
            case .enterNewUserId(let current):
                Text("\(shell[.yourUserId]): \(current)")
                EntryView(label: .newUserId, busy: busy, button: .save) { v in Task { await model.submitNewUserId(v) } }
            case .done(let userId):
                Text(userId).font(.title)
                FinishedView(message: .userIdSaved, leave: leave)
            case .ended:
                FinishedView(message: .ended, button: .back, leave: leave)
            }
            BusyView(busy: busy)
            if !isFinal(state.step) {
                Button(shell[.cancel], action: leave).disabled(busy)
            }
        }
    }

    private func isFinal(_ step: UserIdStep) -> Bool {
        if case .done = step { return true }
        return step == .ended
    }
}
#endif
