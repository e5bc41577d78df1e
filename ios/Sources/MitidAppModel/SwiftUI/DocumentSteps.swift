// iOS ONLY (SwiftUI): the passport or ID-card check's steps, shared by activation, a new PIN
// and "View user ID" (help pages 003 method 1 and 004): the terms, where the document is from,
// the P-code, the data page, the chip, the face.
#if (os(iOS) || MITID_UI_TYPECHECK) && canImport(SwiftUI) && canImport(Combine)
import MitidCore
import SwiftUI

/// The terms of the passport check and the privacy policy (the accepted version is recorded).
struct AcceptTermsStep<M: DocumentCheck>: View {
    @EnvironmentObject private var shell: Shell
    @Environment(\.openURL) private var openURL
    let check: M
    let busy: Bool

    var body: some View {
        let terms = shell.texts.documentTerms()
        Text(terms.title).font(.headline)
        Text(terms.body)
        if let url = URL(string: terms.privacyPolicyUrl) {
            Button(shell[.readPrivacyPolicy]) { openURL(url) }
        }
        Button(shell[.acceptTerms]) { Task { await check.acceptTerms() } }
            .buttonStyle(.borderedProminent).disabled(busy)
    }
}

/// Where the passport or ID card was issued.
struct DocumentOriginStep<M: DocumentCheck>: View {
    @EnvironmentObject private var shell: Shell
    let check: M
    let busy: Bool

    var body: some View {
        Text(shell[.documentOriginQuestion])
        Button(shell[.originDenmark]) { Task { await check.chooseDocumentOrigin(.denmark) } }
            .buttonStyle(.borderedProminent).disabled(busy)
        Button(shell[.originAbroad]) { Task { await check.chooseDocumentOrigin(.abroad) } }
            .buttonStyle(.bordered).disabled(busy)
    }
}

/// The P-code from citizen service, asked first for a document from abroad.
struct PCodeStep<M: DocumentCheck>: View {
    @EnvironmentObject private var shell: Shell
    let check: M
    let busy: Bool

    var body: some View {
        Text(shell[.pCodeHint])
        EntryView(label: .pCode, busy: busy, digits: true) { code in Task { await check.submitPCode(code) } }
        Button(shell[.pCodeUsedBefore]) { Task { await check.skipPCode() } }.disabled(busy)
    }
}

/// The data page's details: scanned with the camera (the core finds the machine-readable zone
/// in the text and checks its check digits), or typed as printed (dates `YYMMDD`).
struct DocumentDetailsStep<M: DocumentCheck>: View {
    @EnvironmentObject private var shell: Shell
    let check: M
    let busy: Bool
    @State private var number = ""
    @State private var birth = ""
    @State private var expiry = ""
    @State private var scanning = false

    var body: some View {
        Text(shell[.documentDetails])
        Button(shell[.scanDataPage]) {
            scanning = true
            Task {
                _ = await shell.mrzScanner.scanInto { await check.submitMrz($0) }
                scanning = false
            }
        }
        .buttonStyle(.borderedProminent).disabled(busy || scanning)
        TextField(shell[.documentNumber], text: $number)
            .textInputAutocapitalization(.characters).autocorrectionDisabled().textFieldStyle(.roundedBorder)
        TextField(shell[.birthDate], text: $birth).keyboardType(.numberPad).textFieldStyle(.roundedBorder)
        TextField(shell[.expiryDate], text: $expiry).keyboardType(.numberPad).textFieldStyle(.roundedBorder)
        Button(shell[.continue]) {
            let (n, b, e) = (number.uppercased(), birth, expiry)
            Task { await check.submitDocumentDetails(documentNumber: n, birthDate: b, expiryDate: e) }
        }
        .buttonStyle(.borderedProminent)
        .disabled(busy || number.isEmpty || birth.isEmpty || expiry.isEmpty)
    }
}

/// Hold the phone to the chip; the core reads it through the shell's chip reader.
struct ReadChipStep<M: DocumentCheck>: View {
    @EnvironmentObject private var shell: Shell
    let check: M
    let busy: Bool
    /// The session waiting for the chip (Core NFC shows its own sheet, with its own cancel).
    @State private var reading = false

    var body: some View {
        if shell.chipReader.available() {
            Text(shell[.readChipHint])
            Button(shell[.continue]) {
                reading = true
                Task {
                    // A session the citizen cancelled or that timed out leaves the step as it was.
                    _ = try? await shell.chipReader.withChip { await check.readChip($0) }
                    reading = false
                }
            }
            .buttonStyle(.borderedProminent).disabled(busy || reading)
            BusyView(busy: busy || reading)
        } else {
            Text(shell[.nfcUnavailable])
        }
    }
}

/// One picture of the face; the buffer is overwritten as soon as the core has sent it.
struct CaptureFaceStep<M: DocumentCheck>: View {
    @EnvironmentObject private var shell: Shell
    let check: M
    let busy: Bool

    var body: some View {
        Text(shell[.captureFaceHint])
        Button(shell[.captureFace]) {
            Task { _ = await shell.faceCamera.captureInto { await check.submitFace($0) } }
        }
        .buttonStyle(.borderedProminent).disabled(busy)
        BusyView(busy: busy)
    }
}
#endif
