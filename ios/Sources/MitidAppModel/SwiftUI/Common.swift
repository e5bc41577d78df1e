// iOS ONLY (SwiftUI): what every screen shares: a page with a heading, the error line, text
// entry, the PIN pad, yes/no. No rules here: every step and error is the core's.
#if (os(iOS) || MITID_UI_TYPECHECK) && canImport(SwiftUI) && canImport(Combine)
import MitidCore
import SwiftUI

/// A screen: a scrolling column with a heading.
struct PageView<Content: View>: View {
    let title: String
    @ViewBuilder let content: () -> Content

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 12) {
                Text(title).font(.title2).accessibilityAddTraits(.isHeader)
                content()
            }
            .padding(24)
        }
    }
}

/// The error the core chose for the step, announced by VoiceOver when it appears.
struct ErrorView: View {
    @EnvironmentObject private var shell: Shell
    let error: MitidError?

    var body: some View {
        if let error {
            let text = shell.texts.error(error)
            Text(text)
                .foregroundColor(.red)
                .onAppear { UIAccessibility.post(notification: .announcement, argument: text) }
        }
    }
}

/// A spinner while the core works, named for VoiceOver.
struct BusyView: View {
    @EnvironmentObject private var shell: Shell
    let busy: Bool

    var body: some View {
        if busy {
            ProgressView().accessibilityLabel(shell[.working])
        }
    }
}

/// One text field and "Continue": the user ID, codes, the user ID wanted.
struct EntryView: View {
    @EnvironmentObject private var shell: Shell
    let label: UiText
    let busy: Bool
    var digits = false
    var button: UiText = .continue
    let submit: (String) -> Void
    @State private var value = ""

    var body: some View {
        TextField(shell[label], text: $value)
            .keyboardType(digits ? .numberPad : .asciiCapable)
            .textInputAutocapitalization(.never)
            .autocorrectionDisabled()
            .textFieldStyle(.roundedBorder)
        Button(shell[button]) { submit(value.trimmingCharacters(in: .whitespaces)) }
            .buttonStyle(.borderedProminent)
            .disabled(busy || value.trimmingCharacters(in: .whitespaces).isEmpty)
    }
}

/// The PIN pad: ten keys and a dot per digit typed, never the digits themselves; the PIN goes
/// to `complete` when it has `length` digits and is then forgotten by the pad.
struct PinPadView: View {
    @EnvironmentObject private var shell: Shell
    let label: UiText
    let busy: Bool
    var length = 6
    let complete: (String) -> Void
    @State private var typed = ""

    var body: some View {
        let title = shell[label]
        Text(title)
        Text(String(repeating: "●", count: typed.count) + String(repeating: "○", count: length - typed.count))
            .font(.title)
            // VoiceOver hears how many digits are typed, never which.
            .accessibilityLabel("\(title): \(typed.count)/\(length)")
        ForEach(["123", "456", "789"], id: \.self) { row in
            HStack(spacing: 12) {
                ForEach(Array(row), id: \.self) { key in
                    Button(String(key)) { press(key) }.buttonStyle(.bordered).disabled(busy)
                }
            }
        }
        HStack(spacing: 12) {
            Button("0") { press("0") }.buttonStyle(.bordered).disabled(busy)
            Button("⌫") { typed = String(typed.dropLast()) }
                .disabled(busy || typed.isEmpty)
                .accessibilityLabel(shell[.deleteDigit])
        }
    }

    private func press(_ key: Character) {
        guard !busy, typed.count < length else { return }
        typed.append(key)
        if typed.count == length {
            let pin = typed
            typed = ""
            complete(pin)
        }
    }
}

/// A question answered yes or no.
struct YesNoView: View {
    @EnvironmentObject private var shell: Shell
    let question: UiText
    let busy: Bool
    let answer: (Bool) -> Void

    var body: some View {
        Text(shell[question])
        HStack(spacing: 12) {
            Button(shell[.yes]) { answer(true) }.buttonStyle(.borderedProminent).disabled(busy)
            Button(shell[.no]) { answer(false) }.buttonStyle(.bordered).disabled(busy)
        }
    }
}

/// The last step of a flow: a message and a button that leaves.
struct FinishedView: View {
    @EnvironmentObject private var shell: Shell
    let message: UiText
    var button: UiText = .done
    let leave: () -> Void

    var body: some View {
        Text(shell[message])
        Button(shell[button], action: leave).buttonStyle(.borderedProminent)
    }
}

/// An interrupted step: nothing was lost; try again.
struct RetryView: View {
    @EnvironmentObject private var shell: Shell
    let busy: Bool
    let retry: () -> Void

    var body: some View {
        Text(shell[.interrupted])
        Button(shell[.tryAgain], action: retry).buttonStyle(.bordered).disabled(busy)
    }
}

/// A flow could not be opened (e.g. the user was removed meanwhile).
struct FailedView: View {
    @EnvironmentObject private var shell: Shell
    let error: Error
    let leave: () -> Void

    var body: some View {
        PageView(title: shell[.appTitle]) {
            ErrorView(error: error as? MitidError)
            FinishedView(message: .ended, button: .back, leave: leave)
        }
    }
}
#endif
