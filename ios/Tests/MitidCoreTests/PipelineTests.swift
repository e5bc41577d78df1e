import Foundation
import XCTest

@testable import MitidCore

/// A key store in Swift: "signs" by reversing; fails in the two ways foreign code can.
final class FakeKeyStore: ForeignKeyStore, @unchecked Sendable {
    /// Something that is not a MitidError, to throw from the callback.
    struct SwiftBug: Error, CustomStringConvertible {
        var description: String { "bug in the Swift key store" }
    }

    private let lock = NSLock()
    private var _calls = 0
    var calls: Int {
        lock.lock()
        defer { lock.unlock() }
        return _calls
    }

    func sign(alias: String, message: Data) throws -> Data {
        lock.lock()
        _calls += 1
        lock.unlock()
        switch alias {
        case "locked": throw MitidError.KeyStore(reason: "user authentication required")
        case "buggy": throw SwiftBug()
        case "empty": return Data()
        default: return Data(message.reversed())
        }
    }
}

/// Exercises every uniffi mechanism of the bindings from Swift: sync calls, records, errors
/// with stable codes, async on tokio, objects, a Swift implementation of a Rust trait
/// (including errors thrown in Swift), cancellation.
final class PipelineTests: XCTestCase {
    /// Runs `body`, expecting it to throw a MitidError; returns it.
    private func mitidError(_ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async -> MitidError? {
        do {
            try await body()
            XCTFail("expected a MitidError, nothing was thrown", file: file, line: line)
        } catch let error as MitidError {
            return error
        } catch {
            XCTFail("expected a MitidError, got \(error)", file: file, line: line)
        }
        return nil
    }

    func testSyncFunctionReturnsTheCrateVersion() {
        XCTAssertNotNil(coreVersion().range(of: #"^\d+\.\d+\.\d+"#, options: .regularExpression))
    }

    func testRecordCrossesTheBoundary() {
        let info = coreInfo()
        XCTAssertEqual(info.version, coreVersion())
        #if os(Linux)
        XCTAssertEqual(info.targetOs, "linux")
        #endif
        XCTAssertEqual(info, coreInfo())
    }

    func testErrorHasAStableCode() async throws {
        try checkAlias(alias: "device-key.1")
        let error = await mitidError { try checkAlias(alias: "Not Valid") }
        guard case .InvalidArgument(let reason)? = error else {
            return XCTFail("expected InvalidArgument, got \(String(describing: error))")
        }
        XCTAssertEqual(error?.code(), "invalid_argument")
        XCTAssertTrue(reason.contains("Not Valid"), reason)
    }

    func testAsyncFunctionRunsOnTokio() async throws {
        let echoed = try await delayedEcho(message: "hello", delayMs: 20)
        XCTAssertEqual(echoed, "hello")
        // Several calls in flight at once on the Rust runtime.
        let all = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 1...5 {
                group.addTask { try await delayedEcho(message: "m\(i)", delayMs: 30) }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        XCTAssertEqual(all.sorted(), (1...5).map { "m\($0)" })
        let error = await mitidError { _ = try await delayedEcho(message: "", delayMs: 0) }
        XCTAssertEqual(error?.code(), "invalid_argument")
    }

    func testObjectWithMethodsCallsTheSwiftTrait() async throws {
        let store = FakeKeyStore()
        let signer = Signer(store: store)
        XCTAssertEqual(try signer.sign(alias: "device", message: Data([1, 2, 3])), Data([3, 2, 1]))
        XCTAssertEqual(signer.signatureCount(), 1)
        // Rejected in Rust before the key store is called.
        let invalid = await mitidError { _ = try signer.sign(alias: "BAD ALIAS", message: Data([1])) }
        XCTAssertEqual(invalid?.code(), "invalid_argument")
        XCTAssertEqual(store.calls, 1)
        // A Swift result Rust rejects.
        let empty = await mitidError { _ = try signer.sign(alias: "empty", message: Data([1])) }
        XCTAssertEqual(empty?.code(), "key_store")
        XCTAssertEqual(signer.signatureCount(), 1)
    }

    func testDeclaredSwiftErrorBecomesTheTypedRustError() async {
        let signer = Signer(store: FakeKeyStore())
        let error = await mitidError { _ = try signer.sign(alias: "locked", message: Data([1])) }
        XCTAssertEqual(error, .KeyStore(reason: "user authentication required"))
        XCTAssertEqual(error?.code(), "key_store")
    }

    func testUnexpectedSwiftErrorBecomesForeignErrorNotAPanic() async throws {
        let signer = Signer(store: FakeKeyStore())
        let error = await mitidError { _ = try signer.sign(alias: "buggy", message: Data([1])) }
        guard case .Foreign(let reason)? = error else {
            return XCTFail("expected Foreign, got \(String(describing: error))")
        }
        XCTAssertEqual(error?.code(), "foreign")
        XCTAssertTrue(reason.contains("bug in the Swift key store"), reason)
        // The object is still usable afterwards.
        XCTAssertEqual(try signer.sign(alias: "device", message: Data([1, 2])), Data([2, 1]))
    }

    func testLongOperationCompletes() async throws {
        let op = LongOperation()
        let steps = try await op.run(steps: 3, stepMs: 5)
        XCTAssertEqual(steps, 3)
        XCTAssertEqual(op.completedSteps(), 3)
        XCTAssertFalse(op.isCancelled())
    }

    func testCancelStopsAnInFlightOperation() async throws {
        let op = LongOperation()
        let started = Date()
        let running = Task { try await op.run(steps: 1000, stepMs: 50) }
        try await Task.sleep(nanoseconds: 120_000_000)
        op.cancel()
        let error = await mitidError { _ = try await running.value }
        XCTAssertEqual(error, .Cancelled)
        XCTAssertEqual(error?.code(), "cancelled")
        XCTAssertTrue(op.isCancelled())
        // 50 ms steps, cancelled after ~120 ms: far from all 1000 steps, even on a loaded machine.
        XCTAssertLessThan(op.completedSteps(), 100, "stopped after \(op.completedSteps()) steps")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        // Cancelling is final for the handle.
        let again = await mitidError { _ = try await op.run(steps: 1, stepMs: 0) }
        XCTAssertEqual(again, .Cancelled)
    }
}
