// SIGNATURE STUBS, NOT UIKIT: the few UIKit declarations the SwiftUI screens use, so that
// ios/TypeCheck/typecheck.sh can type-check the screens on Linux (see SwiftUI.swift).
import Foundation

public enum UIKeyboardType { case `default`, asciiCapable, numberPad }

public enum UIAccessibility {
    public struct Notification { public static let announcement = Notification() }
    public static func post(notification: Notification, argument: Any?) {}
}

public final class UIScreen {
    public static let main = UIScreen()
    public static let capturedDidChangeNotification = Foundation.Notification.Name("UIScreenCapturedDidChangeNotification")
    public var isCaptured: Bool { false }
}
