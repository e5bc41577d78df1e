import Foundation
import XCTest

import MitidTestkit

/// The test kit: the real server in-process over HTTPS, driven as staff.
final class TestServerTests: XCTestCase {
    func testSupportSendsAnActivationCodeBySms() throws {
        let server = try TestServer.start()
        defer { server.stop() }
        XCTAssertTrue(server.url().hasPrefix("https://127.0.0.1:"))
        XCTAssertTrue(server.keyPin().hasPrefix("sha256/"))
        let citizen = try server.createCitizen(tag: "swift")
        let issued = try server.issueActivationCode(citizen: citizen)
        XCTAssertNotNil(issued.smsSentTo)
        XCTAssertEqual(try server.lastMessage(recipient: citizen.mobile)?.kind, "activation_code")
        XCTAssertEqual(try server.codeFromMessage(recipient: citizen.mobile, kind: "activation_code", digits: 10).count, 10)
        let before = server.now()
        server.advanceClock(seconds: 90)
        XCTAssertEqual(server.now(), before + 90)
    }
}
