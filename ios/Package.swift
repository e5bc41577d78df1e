// swift-tools-version:6.0
// The MitID core for the iOS shell: the uniffi-generated Swift over the Rust library.
//
//   MitidCoreFFI  C target: the generated header + module map (scripts/gen-bindings.sh)
//   MitidCore     the generated Swift (`import MitidCore`), linked to libmitid_bindings
//   MitidCoreTests XCTest, run by scripts/test-swift.sh (Linux chroot) or `swift test` (Mac)
//
// The Rust library is found in MITID_BINDINGS_LIB_DIR, by default ../target/debug (where
// `cargo build -p mitid-bindings` puts it). An rpath to it is added, so tests find it at run
// time on macOS too (where SIP drops DYLD_LIBRARY_PATH). Building for iOS devices needs an
// XCFramework instead of these host flags: see docs/bindings.md.
import PackageDescription

let libDir = Context.environment["MITID_BINDINGS_LIB_DIR"]
    ?? "\(Context.packageDirectory)/../target/debug"

let package = Package(
    name: "MitidCore",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "MitidCore", targets: ["MitidCore"]),
    ],
    targets: [
        .target(
            name: "MitidCoreFFI",
            path: "Sources/MitidCoreFFI"
        ),
        .target(
            name: "MitidCore",
            dependencies: ["MitidCoreFFI"],
            path: "Sources/MitidCore",
            linkerSettings: [
                .unsafeFlags(["-L\(libDir)", "-Xlinker", "-rpath", "-Xlinker", libDir]),
                .linkedLibrary("mitid_bindings"),
            ]
        ),
        .testTarget(
            name: "MitidCoreTests",
            dependencies: ["MitidCore"],
            path: "Tests/MitidCoreTests"
        ),
    ]
)
