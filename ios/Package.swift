// swift-tools-version:6.0
// The MitID core for the iOS shell: the uniffi-generated Swift over the Rust library, and the
// platform-neutral app model over the core's flows.
//
//   MitidCoreFFI    C target: the generated header + module map (scripts/gen-bindings.sh)
//   MitidCore       the generated Swift (`import MitidCore`), linked to libmitid_bindings
//   MitidAppModel   the platform-neutral app model over the core's flows, and the iOS-only
//                   parts (Secure Enclave key store, Keychain secret store, LocalAuthentication
//                   prompt, SwiftUI screens) behind `#if canImport(...)`
//   MitidTestkitFFI, MitidTestkit  test support only: the generated Swift of the test kit
//                   (libmitid_testkit: the reference server in-process). Not a product.
//   MitidCoreTests  XCTest against the real server, run by scripts/test-swift.sh (Linux
//                   chroot) or `swift test` (Mac)
//   MitidPlatformTests  XCTest of the iOS adapters in the simulator (MITID_USE_XCFRAMEWORK=1)
//
// The Rust libraries are found in MITID_BINDINGS_LIB_DIR, by default ../target/debug (where
// `cargo build -p mitid-bindings -p mitid-testkit` puts them). An rpath to it is added, so
// tests find them at run time on macOS too (where SIP drops DYLD_LIBRARY_PATH). Building for
// iOS devices uses the XCFramework instead of these host flags: see docs/mobile.md.
import PackageDescription

let libDir = Context.environment["MITID_BINDINGS_LIB_DIR"]
    ?? "\(Context.packageDirectory)/../target/debug"
let hostLinkerFlags: [LinkerSetting] = [
    .unsafeFlags(["-L\(libDir)", "-Xlinker", "-rpath", "-Xlinker", libDir]),
]

// MITID_USE_XCFRAMEWORK=1: the FFI module and the static library come from
// build/MitidCoreFFI.xcframework (scripts/build-xcframework.sh, a Mac only), for iOS devices
// and simulators; otherwise from the generated header and the host library above.
let useXCFramework = Context.environment["MITID_USE_XCFRAMEWORK"] == "1"
let ffiTarget: Target = useXCFramework
    ? .binaryTarget(name: "MitidCoreFFI", path: "build/MitidCoreFFI.xcframework")
    : .target(name: "MitidCoreFFI", path: "Sources/MitidCoreFFI")
let coreLinkerSettings: [LinkerSetting] = useXCFramework
    ? []
    : hostLinkerFlags + [.linkedLibrary("mitid_bindings")]

// The tests: against the real server (the test kit, a host library) on Linux and macOS; the
// iOS adapters in the simulator when the XCFramework is used.
let testTargets: [Target] = useXCFramework
    ? [
        .testTarget(
            name: "MitidPlatformTests",
            dependencies: ["MitidCore", "MitidAppModel"],
            path: "Tests/MitidPlatformTests"
        ),
    ]
    : [
        .target(
            name: "MitidTestkitFFI",
            path: "TestSupport/MitidTestkitFFI"
        ),
        .target(
            name: "MitidTestkit",
            dependencies: ["MitidTestkitFFI"],
            path: "TestSupport/MitidTestkit",
            linkerSettings: hostLinkerFlags + [.linkedLibrary("mitid_testkit")]
        ),
        .testTarget(
            name: "MitidCoreTests",
            dependencies: ["MitidCore", "MitidAppModel", "MitidTestkit"],
            path: "Tests/MitidCoreTests"
        ),
    ]

let package = Package(
    name: "MitidCore",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "MitidCore", targets: ["MitidCore"]),
        .library(name: "MitidAppModel", targets: ["MitidAppModel"]),
    ],
    targets: [
        ffiTarget,
        .target(
            name: "MitidCore",
            dependencies: ["MitidCoreFFI"],
            path: "Sources/MitidCore",
            // Swift 6.0.3 (Debian trixie's swiftlang) crashes in the region-isolation pass
            // (TransferNonSendable) on uniffi's generated async-callback helper in Swift 6
            // mode; the generated code is compiled in Swift 5 mode. Everything hand-written
            // (MitidAppModel, the tests) stays in Swift 6 mode.
            swiftSettings: [.swiftLanguageMode(.v5)],
            linkerSettings: coreLinkerSettings
        ),
        .target(
            name: "MitidAppModel",
            dependencies: ["MitidCore"],
            path: "Sources/MitidAppModel"
        ),
    ] + testTargets
)
