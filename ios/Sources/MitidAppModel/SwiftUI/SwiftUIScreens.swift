// iOS ONLY (SwiftUI, Combine, UIKit keyboard types): compiled only for iOS; empty elsewhere.
// The screens render the platform-neutral models (Screens.swift); no rules here.
#if os(iOS) && canImport(SwiftUI) && canImport(Combine)
import Combine
import MitidCore
import SwiftUI

/// A model's `ScreenState` as an `ObservableObject` for SwiftUI.
@MainActor
public final class Observed<Step: Sendable & Equatable>: ObservableObject {
    /// The state to render.
    @Published public private(set) var state: ScreenState<Step>

    /// Follows `screen` from now on.
    public init(_ screen: FlowScreen<Step>) {
        state = screen.state
        screen.onChange = { [weak self] in self?.state = $0 }
    }
}

/// The platform pieces of the iOS app, wired to the core: Secure Enclave keys, Keychain
/// secrets, LocalAuthentication, sharing one `BiometricContext`.
@MainActor
public final class MitidEnvironment {
    /// The open core.
    public let app: App
    private let biometric = BiometricContext()

    /// Opens the core in Application Support, talking to `server`.
    public init(server: ServerEndpoint) throws {
        let support = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        app = try App.open(
            home: support.appendingPathComponent("mitid").path,
            server: server,
            keyStore: SecureEnclaveKeyStore(biometric: biometric),
            secretStore: KeychainSecretStore(),
            biometricPrompt: LocalAuthenticationPrompt(biometric: biometric),
            clock: nil)
    }

    /// At start-up and when the app becomes active: biometrics enrolled or removed since the
    /// biometric key was made turn biometrics off (here and at the server).
    public func checkBiometricEnrollment() async {
        guard biometric.enrollmentChanged() else { return }
        if (try? await app.biometricEnrollmentChanged()) != nil {
            biometric.forgetEnrollment()
        }
    }
}

/// The home screen: users, their state, and the way into approval and activation.
public struct HomeView: View {
    private let environment: MitidEnvironment
    @State private var home: Home?
    @State private var error: MitidError?
    @State private var approving: String?
    @State private var activating = false

    /// The home screen of the open core.
    public init(environment: MitidEnvironment) {
        self.environment = environment
    }

    public var body: some View {
        VStack(spacing: 16) {
            Text("MitID").font(.largeTitle)
            ErrorView(error: error)
            ForEach(home?.users ?? [], id: \.user.localId) { entry in
                VStack {
                    Text(entry.user.userId)
                    if entry.actions.contains(.approve) {
                        Button("Godkend") { approving = entry.user.localId }
                    }
                }
            }
            Button("Tilføj bruger") { activating = true }
        }
        .task {
            await environment.checkBiometricEnrollment()
            do {
                home = try await environment.app.refresh()
            } catch let failure as MitidError {
                error = failure
            } catch {}
        }
        .sheet(isPresented: $activating) {
            ActivationView(model: ActivationModel(environment.app.startActivation())) { activating = false }
        }
        .sheet(item: Binding(get: { approving.map(LocalId.init) }, set: { approving = $0?.id })) { user in
            if let flow = try? environment.app.approvalFlow(localId: user.id) {
                ApprovalView(model: ApprovalModel(flow)) { approving = nil }
            }
        }
    }
}

/// A local id as a sheet item.
struct LocalId: Identifiable {
    let id: String
}

/// One secure (or plain) field and a "Continue" button: the shape of most steps.
struct EntryView: View {
    let label: String
    let secure: Bool
    let busy: Bool
    let submit: (String) -> Void
    @State private var text = ""

    var body: some View {
        VStack(spacing: 12) {
            if secure {
                SecureField(label, text: $text).keyboardType(.numberPad)
            } else {
                TextField(label, text: $text)
            }
            Button("Fortsæt") {
                submit(text)
                text = ""
            }
            .disabled(busy)
        }
    }
}

/// The error shown on a screen, in Danish (the core's text).
struct ErrorView: View {
    let error: MitidError?

    var body: some View {
        if let error {
            Text(error.message(language: .danish)).foregroundColor(.red)
        }
    }
}

/// The activation screens.
public struct ActivationView: View {
    private let model: ActivationModel
    @StateObject private var observed: Observed<ActivationStep>
    private let done: () -> Void

    /// Renders `model`; `done` is called when the flow has ended.
    public init(model: ActivationModel, done: @escaping () -> Void) {
        self.model = model
        _observed = StateObject(wrappedValue: Observed(model.screen))
        self.done = done
    }

    public var body: some View {
        let state = observed.state
        VStack(spacing: 16) {
            ErrorView(error: state.error)
            switch state.step {
            case .enterUserId:
                EntryView(label: "Bruger-ID", secure: false, busy: state.busy) { v in Task { await model.submitUserId(v) } }
            case .enterActivationCode:
                EntryView(label: "Aktiveringskode", secure: false, busy: state.busy) { v in Task { await model.submitActivationCode(v) } }
            case .enterTemporaryPin(let smsSentTo, _):
                Text("Vi har sendt en midlertidig PIN-kode til \(smsSentTo).")
                EntryView(label: "Midlertidig PIN-kode", secure: true, busy: state.busy) { v in Task { await model.submitTemporaryPin(v) } }
            case .chooseNewPin:
                EntryView(label: "Vælg PIN-kode (6 cifre)", secure: true, busy: state.busy) { v in Task { await model.submitNewPin(v) } }
            case .repeatNewPin:
                EntryView(label: "Gentag PIN-kode", secure: true, busy: state.busy) { v in Task { await model.submitRepeatPin(v) } }
            case .interrupted:
                Button("Prøv igen") { Task { await model.retry() } }
            case .chooseBiometrics:
                Button("Godkend med Face ID / Touch ID") { Task { await model.chooseBiometrics(true) } }
                Button("Nej tak") { Task { await model.chooseBiometrics(false) } }
            case .chooseNotifications:
                Button("Tillad notifikationer") { Task { await model.chooseNotifications(true) } }
                Button("Nej tak") { Task { await model.chooseNotifications(false) } }
            case .done, .ended:
                Button("Færdig", action: done)
            }
        }
        .padding()
    }
}

/// The approval screens of one user.
public struct ApprovalView: View {
    private let model: ApprovalModel
    @StateObject private var observed: Observed<ApprovalStep>
    private let done: () -> Void

    /// Renders `model`; leaving the view stops the wait for a request.
    public init(model: ApprovalModel, done: @escaping () -> Void) {
        self.model = model
        _observed = StateObject(wrappedValue: Observed(model.screen))
        self.done = done
    }

    public var body: some View {
        let state = observed.state
        VStack(spacing: 16) {
            ErrorView(error: state.error)
            switch state.step {
            case .idle, .noRequest, .ended, .done:
                ProgressView().task(id: state.step) { await model.waitForRequest() }
                Button("Tilbage", action: done)
            case .waiting:
                Text("Venter på en anmodning …")
                Button("Tilbage") {
                    model.stopWaiting()
                    done()
                }
            case .enterChannelBinding(let request):
                Text(request.serviceProvider).font(.title2)
                Text("\(request.referenceHeader)\n\(request.referenceBody)")
                EntryView(label: "Kode fra tjenesteudbyderen", secure: false, busy: state.busy) { v in Task { await model.enterCode(v) } }
                Button("Afvis") { Task { await model.reject() } }
            case .chooseFactor(let request, let factors):
                Text(request.serviceProvider).font(.title2)
                if factors.contains(.swipe) { Button("Godkend") { Task { await model.approveWithSwipe() } } }
                if factors.contains(.biometrics) { Button("Godkend med Face ID / Touch ID") { Task { await model.approveWithBiometrics() } } }
                if factors.contains(.pin) {
                    EntryView(label: "PIN-kode", secure: true, busy: state.busy) { v in Task { await model.approveWithPin(v) } }
                }
                Button("Afvis") { Task { await model.reject() } }
            }
        }
        .padding()
        .onDisappear { model.stopWaiting() }
    }
}
#endif
