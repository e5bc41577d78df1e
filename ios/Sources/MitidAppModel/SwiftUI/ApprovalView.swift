// iOS ONLY (SwiftUI): approving a login (help page 000): the code typed or the QR scanned,
// the warning while the screen is captured, then a swipe, the PIN or biometrics; or reject.
// No `default`: a step added to the core fails this build.
#if (os(iOS) || MITID_UI_TYPECHECK) && canImport(SwiftUI) && canImport(Combine)
import MitidCore
import SwiftUI

/// The approval screens of one user; leaving them stops the wait for a request.
public struct ApprovalView: View {
    @EnvironmentObject private var shell: Shell
    private let model: ApprovalModel
    @StateObject private var observed: Observed<FlowScreen<ApprovalStep>>
    private let leave: () -> Void
    /// The camera is open (one scan at a time).
    @State private var scanning = false

    /// Renders `model`; `leave` is called when the citizen leaves.
    public init(model: ApprovalModel, leave: @escaping () -> Void) {
        self.model = model
        _observed = StateObject(wrappedValue: Observed(model.screen))
        self.leave = leave
    }

    public var body: some View {
        let state = observed.state
        let busy = state.busy
        PageView(title: shell[.actionApprove]) {
            ErrorView(error: state.error)
            switch state.step {
            case .idle:
                // Idle after a failed or stopped wait: look again by hand.
                if !busy { lookAgain(.tryAgain, busy: busy) }
            case .waiting:
                Text(shell[.waiting])
            case .noRequest:
                lookAgain(.noRequest, busy: busy)
            case .enterChannelBinding(let request):
                RequestHeader(request: request)
                switch request.channelBinding {
                case .code:
                    EntryView(label: .channelCode, busy: busy, digits: true) { v in Task { await model.enterCode(v) } }
                case .qr:
                    Button(shell[.scanQr]) {
                        scanning = true
                        Task {
                            _ = await shell.qrScanner.scanInto { await model.scanQr($0) }
                            scanning = false
                        }
                    }
                    .buttonStyle(.borderedProminent).disabled(busy || scanning)
                }
                rejectButton(busy: busy)
            case .screenRiskWarning(let request, let risk):
                RequestHeader(request: request)
                Text(shell.texts.screenRisk(risk))
                    .foregroundColor(.red)
                    .onAppear { UIAccessibility.post(notification: .announcement, argument: shell.texts.screenRisk(risk)) }
                Button(shell[.reject]) { Task { await model.reject() } }.buttonStyle(.borderedProminent).disabled(busy)
                Button(shell[.continueDespiteRisk]) { Task { await model.continueDespiteRisk() } }.disabled(busy)
            case .chooseFactor(let request, let factors):
                RequestHeader(request: request)
                if factors.contains(.swipe) {
                    Button(shell[.approveSwipe]) { Task { await model.approveWithSwipe() } }
                        .buttonStyle(.borderedProminent).disabled(busy)
                }
                if factors.contains(.biometrics) {
                    Button(shell[.approveBiometrics]) { Task { await model.approveWithBiometrics() } }
                        .buttonStyle(.borderedProminent).disabled(busy)
                }
                if factors.contains(.pin) {
                    PinPadView(label: .approvePin, busy: busy) { p in Task { await model.approveWithPin(p) } }
                }
                rejectButton(busy: busy)
            case .done(let outcome):
                lookAgain(outcome == .approved ? .approved : .rejected, busy: busy)
            case .ended:
                lookAgain(.ended, busy: busy)
            }
            BusyView(busy: busy)
            Button(shell[.back]) {
                model.stopWaiting()
                leave()
            }
        }
        // Every change of the platform's report reaches the core, which decides about the warning.
        .onAppear { model.reportScreenRisk(shell.screenRisk) }
        .onReceive(shell.$screenRisk) { model.reportScreenRisk($0) }
        // The first wait starts with the screen, not with a step's branch.
        .task { await model.waitForRequest() }
        .onDisappear { model.stopWaiting() }
    }

    private func rejectButton(busy: Bool) -> some View {
        Button(shell[.reject]) { Task { await model.reject() } }.buttonStyle(.bordered).disabled(busy)
    }

    /// A message and "Look again" (the wait for a request starts only when asked).
    @ViewBuilder
    private func lookAgain(_ message: UiText, busy: Bool) -> some View {
        Text(shell[message])
        Button(shell[.lookAgain]) { Task { await model.waitForRequest() } }.buttonStyle(.bordered).disabled(busy)
    }
}

/// Who asks, and what for (the service provider's reference text).
private struct RequestHeader: View {
    let request: ApprovalRequest

    var body: some View {
        Text(request.serviceProvider).font(.title2)
        Text(request.referenceHeader).font(.headline)
        Text(request.referenceBody)
    }
}
#endif
