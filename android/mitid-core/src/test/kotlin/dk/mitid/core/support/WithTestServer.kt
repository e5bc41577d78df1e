// The one test server a test class's tests share: started before the first, stopped after the last.
package dk.mitid.core.support

import dk.mitid.testkit.TestServer
import org.junit.AfterClass
import org.junit.BeforeClass

/** Extend it to have [server] (JUnit 4 runs a superclass's class fixtures too). */
abstract class WithTestServer {
    companion object {
        /** The real server over HTTPS on loopback, in-process (the test kit). */
        lateinit var server: TestServer
            private set

        @BeforeClass
        @JvmStatic
        fun startServer() {
            server = TestServer.start()
        }

        @AfterClass
        @JvmStatic
        fun stopServer() {
            server.close()
        }
    }
}
