// iOS ONLY (SwiftUI, UIKit): iOS cannot block screenshots or recording, so the app hides its
// content while the screen is captured (recorded, mirrored, shared over AirPlay) and whenever
// it is not active (the task switcher's snapshot is taken then). A capture is also reported
// to the core as a screen risk: the approval shows the core's warning before any factor.
#if (os(iOS) || MITID_UI_TYPECHECK) && canImport(SwiftUI) && canImport(Combine)
import MitidCore
import SwiftUI
import UIKit

/// Covers the content while the screen is captured or the app is in the background.
struct CaptureShield: ViewModifier {
    @ObservedObject var shell: Shell
    @Environment(\.scenePhase) private var phase

    func body(content: Content) -> some View {
        let captured = shell.screenRisk != nil
        ZStack {
            content
                .opacity(captured || phase != .active ? 0 : 1)
                .accessibilityHidden(captured || phase != .active)
            if captured {
                // Seen by the citizen and by whoever watches: the core's warning, nothing else.
                Text(shell.texts.screenRisk(.screenShared)).padding(24)
            } else if phase != .active {
                Text(shell[.appTitle]).font(.largeTitle)
            }
        }
        .onAppear { report() }
        .onReceive(NotificationCenter.default.publisher(for: UIScreen.capturedDidChangeNotification)) { _ in report() }
    }

    private func report() {
        shell.screenRisk = UIScreen.main.isCaptured ? .screenShared : nil
    }
}
#endif
