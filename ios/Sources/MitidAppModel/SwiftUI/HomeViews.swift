// iOS ONLY (SwiftUI): the root of the app, the home screen of every app state (the core's
// actions per user, "Select user"), the menu's App settings (help pages 003, 004) and
// self-service.
#if (os(iOS) || MITID_UI_TYPECHECK) && canImport(SwiftUI) && canImport(Combine)
import MitidCore
import SwiftUI

/// Where the app is.
enum Destination: Hashable {
    case home
    case activation
    case approval(String)
    case forgotPin(String)
    case newPin(String, NewPinStart)
    case userId(String)
    case settings(String)
    case selfService(String)

    /// Where a home-screen action leads for the user `localId`.
    static func of(_ action: HomeAction, localId: String) -> Destination {
        switch action {
        case .approve: return .approval(localId)
        case .changePin: return .newPin(localId, .currentPin)
        case .temporaryPin: return .forgotPin(localId)
        case .enableBiometrics, .disableBiometrics, .removeUser: return .settings(localId)
        case .viewUserId, .changeUserId: return .userId(localId)
        case .selfService: return .selfService(localId)
        case .activateAnew: return .activation
        }
    }
}

/// An open screen: a flow's model is made once, when the citizen goes there, and kept while
/// the screen shows (SwiftUI re-evaluates bodies at will).
enum OpenScreen {
    case home
    case activation(ActivationModel)
    case approval(ApprovalModel)
    case forgotPin(String)
    case newPin(NewPinModel)
    case userId(UserIdModel)
    case settings(SettingsModel)
    case selfService(SelfServiceModel)
    case failed(MitidError)
}

/// The app's screens over the open core, hidden while the screen is captured or the app is
/// in the task switcher.
public struct MitidRootView: View {
    private let app: App
    @StateObject private var shell: Shell
    private let checkEnrollment: @Sendable () async -> Void
    @State private var screen = OpenScreen.home
    /// The home screen's model, made once (it reads the local store; the error if that failed).
    @State private var homeModel: Result<HomeModel, MitidError>
    @Environment(\.scenePhase) private var phase

    /// The screens over the open `app` with the platform's `shell` (made once);
    /// `checkEnrollment` runs at start-up (the biometric enrolment check).
    public init(app: App, shell: @autoclosure @escaping () -> Shell, checkEnrollment: @escaping @Sendable () async -> Void) {
        self.app = app
        _shell = StateObject(wrappedValue: shell())
        self.checkEnrollment = checkEnrollment
        _homeModel = State(initialValue: Result { try HomeModel(app) }.mapError { $0 as? MitidError ?? .InvalidStep })
    }

    public var body: some View {
        current
            .environmentObject(shell)
            .modifier(CaptureShield(shell: shell))
            // At start-up and whenever the app comes back (enrolment may change meanwhile).
            .onChange(of: phase) { now in
                if now == .active { Task { await checkEnrollment() } }
            }
            .task { await checkEnrollment() }
    }

    @ViewBuilder
    private var current: some View {
        let home = { screen = .home }
        switch screen {
        case .home:
            switch homeModel {
            case .success(let model): HomeView(model: model, open: open)
            case .failure(let error): FailedView(error: error, leave: {})
            }
        case .activation(let model):
            ActivationView(model: model, leave: home)
        case .approval(let model):
            ApprovalView(model: model, leave: home)
        case .forgotPin(let localId):
            ForgotPinRoutes(leave: home) { open(.newPin(localId, $0)) }
        case .newPin(let model):
            NewPinView(model: model, leave: home)
        case .userId(let model):
            UserIdView(model: model, leave: home)
        case .settings(let model):
            SettingsView(model: model, leave: home, open: open)
        case .selfService(let model):
            SelfServiceView(model: model, leave: home)
        case .failed(let error):
            FailedView(error: error, leave: home)
        }
    }

    /// Opens `destination`'s flow (once) and shows it.
    private func open(_ destination: Destination) {
        do {
            switch destination {
            case .home: screen = .home
            case .activation: screen = .activation(ActivationModel(app.startActivation()))
            case .approval(let localId): screen = .approval(ApprovalModel(try app.approvalFlow(localId: localId)))
            case .forgotPin(let localId): screen = .forgotPin(localId)
            case .newPin(let localId, let start):
                screen = .newPin(NewPinModel(try app.newPinFlow(localId: localId, start: start)))
            case .userId(let localId): screen = .userId(UserIdModel(try app.userIdFlow(localId: localId)))
            case .settings(let localId): screen = .settings(SettingsModel(app, localId: localId))
            case .selfService(let localId): screen = .selfService(SelfServiceModel(app, localId: localId))
            }
        } catch {
            screen = .failed(error as? MitidError ?? .InvalidStep)
        }
    }
}

/// The users on the app, each with what the core offers them now.
struct HomeView: View {
    @EnvironmentObject private var shell: Shell
    @StateObject private var observed: Observed<HomeModel>
    private let open: (Destination) -> Void

    init(model: HomeModel, open: @escaping (Destination) -> Void) {
        _observed = StateObject(wrappedValue: Observed(model))
        self.open = open
    }

    var body: some View {
        let state = observed.state
        let several = state.step.users.count > 1
        PageView(title: shell[.appTitle]) {
            ErrorView(error: state.error)
            BusyView(busy: state.busy)
            if state.step.pendingRecoveries > 0 { Text(shell[.pendingRecoveries]) }
            if several { Text(shell[.selectUser]).font(.headline) }
            ForEach(state.step.users, id: \.user.localId) { entry in
                Divider()
                Text(entry.user.userId).font(.headline)
                Text(shell.texts.status(entry.user.status))
                    .foregroundColor(entry.user.status == .ready ? .primary : .red)
                if several && !entry.user.selected {
                    Button(shell[.selectUser]) { observed.source.selectUser(entry.user.localId) }
                        .accessibilityLabel("\(shell[.selectUser]): \(entry.user.userId)")
                }
                if entry.user.selected || !several {
                    ForEach(entry.actions, id: \.self) { action in
                        Button(shell.texts.action(action, status: entry.user.status)) {
                            open(Destination.of(action, localId: entry.user.localId))
                        }
                        .buttonStyle(.bordered)
                    }
                    Button(shell[.appSettings]) { open(.settings(entry.user.localId)) }
                }
            }
            Divider()
            if state.step.canAddUser { Button(shell[.addUser]) { open(.activation) } }
        }
        .task { await observed.source.refresh() }
    }
}

/// "Forgot your PIN code?": the temporary PIN or the passport or ID card.
struct ForgotPinRoutes: View {
    @EnvironmentObject private var shell: Shell
    let leave: () -> Void
    let route: (NewPinStart) -> Void

    var body: some View {
        PageView(title: shell[.forgotYourPin]) {
            Button(shell[.routeTemporaryPin]) { route(.temporaryPin) }.buttonStyle(.borderedProminent)
            Button(shell[.routePassport]) { route(.passport) }.buttonStyle(.borderedProminent)
            Button(shell[.back], action: leave)
        }
    }
}

/// Menu → App settings of one user: PIN code, biometrics, the user ID, notifications, removal.
struct SettingsView: View {
    @EnvironmentObject private var shell: Shell
    private let model: SettingsModel
    @StateObject private var observed: Observed<ActionScreen<UserSummary>>
    private let leave: () -> Void
    private let open: (Destination) -> Void
    @State private var confirmingBiometrics = false
    @State private var removing = false

    init(model: SettingsModel, leave: @escaping () -> Void, open: @escaping (Destination) -> Void) {
        self.model = model
        _observed = StateObject(wrappedValue: Observed(model.screen))
        self.leave = leave
        self.open = open
    }

    var body: some View {
        let state = observed.state
        PageView(title: shell[.appSettings]) {
            ErrorView(error: state.error)
            BusyView(busy: state.busy)
            if let user = state.value {
                Text(user.userId).font(.headline)
                Text(shell[.pinCodeSection]).font(.subheadline)
                // Nothing leaves the screen while an action runs (a removal half done, say).
                Button(shell[.changeYourPin]) { open(.newPin(user.localId, .currentPin)) }.disabled(state.busy)
                Button(shell[.forgotYourPin]) { open(.forgotPin(user.localId)) }.disabled(state.busy)
                Divider()
                Toggle(shell[.biometricsSection], isOn: Binding(
                    get: { user.biometricsEnabled },
                    set: { on in
                        if on { confirmingBiometrics = true } else { Task { await model.disableBiometrics() } }
                    }))
                    .disabled(state.busy)
                if confirmingBiometrics {
                    PinPadView(label: .confirmWithPin, busy: state.busy) { pin in
                        confirmingBiometrics = false
                        Task { await model.enableBiometrics(pin: pin) }
                    }
                    Button(shell[.cancel]) { confirmingBiometrics = false }
                }
                Divider()
                Button(shell[.actionViewUserId]) { open(.userId(user.localId)) }.disabled(state.busy)
                if let allowed = try? model.notificationsAllowed() {
                    Text("\(shell[.notificationsSection]): \(shell[allowed ? .yes : .no])")
                }
                Divider()
                Button(shell[.actionRemoveUser], role: .destructive) { removing = true }.disabled(state.busy)
            }
            Button(shell[.back], action: leave)
        }
        .task { await model.status() }
        .alert(shell[.removeUserQuestion], isPresented: $removing) {
            Button(shell[.yes], role: .destructive) {
                Task {
                    if case .success = await model.removeUser() { leave() }
                }
            }
            Button(shell[.no], role: .cancel) {}
        }
    }
}

/// Self-service: the person's authenticators, "Send new PIN", blocking, access requests.
struct SelfServiceView: View {
    @EnvironmentObject private var shell: Shell
    private let model: SelfServiceModel
    @StateObject private var observed: Observed<ActionScreen<AuthenticatorOverview>>
    private let leave: () -> Void
    /// An action waiting for the PIN that confirms it.
    @State private var confirming: ((Confirm) async -> Void)?

    init(model: SelfServiceModel, leave: @escaping () -> Void) {
        self.model = model
        _observed = StateObject(wrappedValue: Observed(model.screen))
        self.leave = leave
    }

    var body: some View {
        let state = observed.state
        PageView(title: shell[.actionSelfService]) {
            ErrorView(error: state.error)
            BusyView(busy: state.busy)
            if let action = confirming {
                PinPadView(label: .confirmWithPin, busy: state.busy) { pin in
                    confirming = nil
                    Task { await action(.pin(pin: pin)) }
                }
                Button(shell[.cancel]) { confirming = nil }
            } else if let overview = state.value {
                if overview.mitidBlocked { Text(shell[.mitidBlocked]).foregroundColor(.red) }
                ForEach(overview.authenticators, id: \.authenticatorId) { authenticator in
                    Divider()
                    AuthenticatorRow(authenticator: authenticator, busy: state.busy) { _ = await model.sendNewPin(authenticatorId: $0) } block: { permanent in
                        let target = BlockTarget.authenticator(authenticatorId: authenticator.authenticatorId, permanent: permanent)
                        // Blocking this app needs no confirmation: it is in the citizen's hand.
                        if authenticator.thisApp && !permanent {
                            Task { await model.block(target, confirm: nil) }
                        } else {
                            confirming = { _ = await model.block(target, confirm: $0) }
                        }
                    }
                }
                Divider()
                Button(shell[.requestPasswordAccess]) { Task { await model.requestPasswordAccess() } }.disabled(state.busy)
                Button(shell[.requestProfileChange]) { confirming = { _ = await model.requestProfileChange($0) } }
                    .disabled(state.busy)
                if !overview.mitidBlocked {
                    Button(shell[.blockWholeMitid], role: .destructive) {
                        confirming = { _ = await model.block(.wholeMitid, confirm: $0) }
                    }
                    .disabled(state.busy)
                }
            }
            Button(shell[.back], action: leave)
        }
        .task { await model.authenticators() }
    }
}

private struct AuthenticatorRow: View {
    @EnvironmentObject private var shell: Shell
    let authenticator: AuthenticatorSummary
    let busy: Bool
    let sendNewPin: (String) async -> Void
    let block: (Bool) -> Void

    var body: some View {
        let name = shell.texts.kind(authenticator.kind)
        Text(authenticator.thisApp ? "\(name) (\(shell[.thisApp]))" : name).font(.subheadline)
        Text(shell.texts.state(authenticator.state))
        let active = authenticator.state == .active
        let usable = active || authenticator.state == .temporarilyLocked
        if authenticator.kind == .app && !authenticator.thisApp && usable {
            Button(shell[.sendNewPin]) { Task { await sendNewPin(authenticator.authenticatorId) } }.disabled(busy)
        }
        if active { Button(shell[.block]) { block(false) }.disabled(busy) }
        if usable { Button(shell[.blockPermanently], role: .destructive) { block(true) }.disabled(busy) }
    }
}
#endif
