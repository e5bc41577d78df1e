// SIGNATURE STUBS, NOT COMBINE: the few Combine declarations the SwiftUI screens use, so that
// ios/TypeCheck/typecheck.sh can type-check the screens on Linux (see SwiftUI.swift).
import Foundation

public protocol Publisher {
    associatedtype Output
    associatedtype Failure: Error
}

public protocol ObservableObject: AnyObject {}

@propertyWrapper
public struct Published<Value> {
    public struct Publisher: Combine.Publisher {
        public typealias Output = Value
        public typealias Failure = Never
    }

    public var wrappedValue: Value
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }
    public var projectedValue: Publisher { Publisher() }
}

extension NotificationCenter {
    public struct Publisher: Combine.Publisher {
        public typealias Output = Notification
        public typealias Failure = Never
    }

    public func publisher(for name: Notification.Name, object: AnyObject? = nil) -> Publisher { Publisher() }
}
