// SIGNATURE STUBS, NOT SWIFTUI. The declarations of SwiftUI that the screens in
// ios/Sources/MitidAppModel/SwiftUI use, with bodies that trap. SwiftUI exists only on Apple
// systems, so ios/TypeCheck/typecheck.sh (run by scripts/test-swift.sh) type-checks the
// screens on Linux against these stubs and the core's real bindings and screen models: that
// checks every `switch` over the core's steps is exhaustive and every core type and method is
// used as generated. It does not check SwiftUI itself; Xcode does, on a Mac
// (.github/workflows/mobile.yml). Keep each stub's parameters a subset of the real one's.
@_exported import Combine
@_exported import Foundation
@_exported import UIKit

private func stub() -> Never { fatalError("SwiftUI stub") }

// MARK: views and the builder

@MainActor public protocol View {
    associatedtype Body: View
    @ViewBuilder var body: Body { get }
}

extension Never: View { public var body: Never { stub() } }
public struct EmptyView: View { public init() {}; public var body: Never { stub() } }
public struct TupleView<T>: View { public var body: Never { stub() } }
public struct AnyView: View { public var body: Never { stub() } }
public struct ConditionalContent<T: View, F: View>: View { public var body: Never { stub() } }
extension Optional: View where Wrapped: View { public var body: Never { stub() } }
public struct ModifiedView<Content: View>: View { public var body: Never { stub() } }

@resultBuilder public enum ViewBuilder {
    public static func buildExpression<C: View>(_ content: C) -> C { content }
    public static func buildBlock() -> EmptyView { stub() }
    public static func buildBlock<C: View>(_ content: C) -> C { content }
    public static func buildBlock<each C: View>(_ content: repeat each C) -> TupleView<(repeat each C)> { stub() }
    public static func buildIf<C: View>(_ content: C?) -> C? { content }
    public static func buildEither<T: View, F: View>(first: T) -> ConditionalContent<T, F> { stub() }
    public static func buildEither<T: View, F: View>(second: F) -> ConditionalContent<T, F> { stub() }
}

@MainActor public protocol ViewModifier {
    associatedtype Body: View
    typealias Content = ModifiedView<EmptyView>
    @MainActor @ViewBuilder func body(content: Content) -> Body
}

// MARK: state

@propertyWrapper public struct State<Value> {
    public init(wrappedValue: Value) { stub() }
    public init(initialValue: Value) { stub() }
    public var wrappedValue: Value { get { stub() } nonmutating set { stub() } }
    public var projectedValue: Binding<Value> { stub() }
}

extension State where Value: ExpressibleByNilLiteral {
    public init() { stub() }
}

@propertyWrapper public struct Binding<Value> {
    public init(get: @escaping () -> Value, set: @escaping (Value) -> Void) { stub() }
    public var wrappedValue: Value { get { stub() } nonmutating set { stub() } }
}

@propertyWrapper public struct StateObject<ObjectType: ObservableObject> {
    public init(wrappedValue: @autoclosure @escaping () -> ObjectType) { stub() }
    public var wrappedValue: ObjectType { stub() }
}

@propertyWrapper public struct ObservedObject<ObjectType: ObservableObject> {
    public init(wrappedValue: ObjectType) { stub() }
    public var wrappedValue: ObjectType { stub() }
}

@propertyWrapper public struct EnvironmentObject<ObjectType: ObservableObject> {
    public init() {}
    public var wrappedValue: ObjectType { stub() }
}

public enum ScenePhase { case background, inactive, active }
public struct OpenURLAction { public func callAsFunction(_ url: URL) {} }
public struct EnvironmentValues {
    public var scenePhase: ScenePhase { stub() }
    public var openURL: OpenURLAction { stub() }
}

@propertyWrapper public struct Environment<Value> {
    public init(_ keyPath: KeyPath<EnvironmentValues, Value>) {}
    public var wrappedValue: Value { stub() }
}

// MARK: the views the screens use

public struct Text: View {
    public init(_ content: String) {}
    public var body: Never { stub() }
}

public enum ButtonRole { case destructive, cancel }
public struct Button<Label: View>: View {
    public var body: Never { stub() }
}
extension Button where Label == Text {
    public init(_ title: String, action: @escaping () -> Void) {}
    public init(_ title: String, role: ButtonRole?, action: @escaping () -> Void) {}
}

public struct TextField: View {
    public init(_ title: String, text: Binding<String>) {}
    public var body: Never { stub() }
}

public struct Toggle: View {
    public init(_ title: String, isOn: Binding<Bool>) {}
    public var body: Never { stub() }
}

public struct ProgressView: View { public init() {}; public var body: Never { stub() } }
public struct Divider: View { public init() {}; public var body: Never { stub() } }

public enum HorizontalAlignment { case leading, center, trailing }
public struct VStack<Content: View>: View {
    public init(alignment: HorizontalAlignment = .center, spacing: CGFloat? = nil, @ViewBuilder content: () -> Content) {}
    public var body: Never { stub() }
}
public struct HStack<Content: View>: View {
    public init(spacing: CGFloat? = nil, @ViewBuilder content: () -> Content) {}
    public var body: Never { stub() }
}
public struct ZStack<Content: View>: View {
    public init(@ViewBuilder content: () -> Content) {}
    public var body: Never { stub() }
}
public struct ScrollView<Content: View>: View {
    public init(@ViewBuilder content: () -> Content) {}
    public var body: Never { stub() }
}
public struct ForEach<Data: RandomAccessCollection, ID: Hashable, Content: View>: View {
    public init(_ data: Data, id: KeyPath<Data.Element, ID>, @ViewBuilder content: @escaping (Data.Element) -> Content) {}
    public var body: Never { stub() }
}

// MARK: values

public struct Font {
    public static let largeTitle = Font(), title = Font(), title2 = Font(), headline = Font(), subheadline = Font()
}
public struct Color {
    public static let red = Color(), primary = Color()
}
public struct AccessibilityTraits { public static let isHeader = AccessibilityTraits() }
public enum TextInputAutocapitalization { case never, characters }
public protocol PrimitiveButtonStyle {}
public struct BorderedButtonStyle: PrimitiveButtonStyle {}
public struct BorderedProminentButtonStyle: PrimitiveButtonStyle {}
extension PrimitiveButtonStyle where Self == BorderedButtonStyle { public static var bordered: Self { stub() } }
extension PrimitiveButtonStyle where Self == BorderedProminentButtonStyle { public static var borderedProminent: Self { stub() } }
public protocol TextFieldStyle {}
public struct RoundedBorderTextFieldStyle: TextFieldStyle {}
extension TextFieldStyle where Self == RoundedBorderTextFieldStyle { public static var roundedBorder: Self { stub() } }

// MARK: modifiers

extension View {
    public func font(_ font: Font?) -> ModifiedView<Self> { stub() }
    public func foregroundColor(_ color: Color?) -> ModifiedView<Self> { stub() }
    public func padding(_ length: CGFloat? = nil) -> ModifiedView<Self> { stub() }
    public func opacity(_ opacity: Double) -> ModifiedView<Self> { stub() }
    public func disabled(_ disabled: Bool) -> ModifiedView<Self> { stub() }
    public func buttonStyle<S: PrimitiveButtonStyle>(_ style: S) -> ModifiedView<Self> { stub() }
    public func textFieldStyle<S: TextFieldStyle>(_ style: S) -> ModifiedView<Self> { stub() }
    public func keyboardType(_ type: UIKeyboardType) -> ModifiedView<Self> { stub() }
    public func textInputAutocapitalization(_ autocapitalization: TextInputAutocapitalization?) -> ModifiedView<Self> { stub() }
    public func autocorrectionDisabled(_ disable: Bool = true) -> ModifiedView<Self> { stub() }
    public func accessibilityLabel(_ label: String) -> ModifiedView<Self> { stub() }
    public func accessibilityAddTraits(_ traits: AccessibilityTraits) -> ModifiedView<Self> { stub() }
    public func accessibilityHidden(_ hidden: Bool) -> ModifiedView<Self> { stub() }
    public func onAppear(perform action: (() -> Void)? = nil) -> ModifiedView<Self> { stub() }
    public func onDisappear(perform action: (() -> Void)? = nil) -> ModifiedView<Self> { stub() }
    public func task(_ action: @escaping @Sendable () async -> Void) -> ModifiedView<Self> { stub() }
    public func onReceive<P: Publisher>(_ publisher: P, perform action: @escaping (P.Output) -> Void) -> ModifiedView<Self>
    where P.Failure == Never { stub() }
    public func alert<A: View>(_ title: String, isPresented: Binding<Bool>, @ViewBuilder actions: () -> A) -> ModifiedView<Self> { stub() }
    public func onChange<V: Equatable>(of value: V, perform action: @escaping (V) -> Void) -> ModifiedView<Self> { stub() }
    public func environmentObject<T: ObservableObject>(_ object: T) -> ModifiedView<Self> { stub() }
    public func modifier<T: ViewModifier>(_ modifier: T) -> ModifiedView<Self> { stub() }
}
