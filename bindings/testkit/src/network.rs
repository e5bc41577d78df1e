//! The network for the Kotlin and Swift suites: a proxy in front of the test server (the
//! kit's `FaultProxy`, a test double for the phone's connection) that a test can cut, so that
//! a flow meets a cut connection and shows its `Interrupted` step.

use crate::TestServer;

#[uniffi::export]
impl TestServer {
    /// The proxy's address: open an app on it (with `proxy_key_pins`) to reach the server
    /// through a network the test can cut.
    pub fn proxy_url(&self) -> String {
        self.proxy.endpoint.base_url.clone()
    }

    /// The pins for an app opened on `proxy_url` (the proxy's own key and a backup pin).
    pub fn proxy_key_pins(&self) -> Vec<String> {
        self.proxy.endpoint.key_pins.clone()
    }

    /// Cuts off every request to `path` (such as `/v1/app/pin/new/finish`) from an app
    /// opened on `proxy_url` before it reaches the server, until `heal_path`.
    pub fn cut_path(&self, path: String) {
        self.proxy.cut(&path);
    }

    /// Lets requests to `path` through again.
    pub fn heal_path(&self, path: String) {
        self.proxy.heal(&path);
    }

    /// Cuts (`true`) or restores (`false`) the network between the proxy's apps and the
    /// server: while it is down, every request fails as a connection error does.
    pub fn set_network_down(&self, down: bool) {
        self.proxy.set_down(down);
    }
}
