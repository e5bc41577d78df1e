//! A real browser for the web tests: Debian's headless Chromium driven through chromedriver
//! (WebDriver, over loopback HTTP), a fresh profile each time, trusting only the given
//! certificate keys; an accessibility scan with axe-core run in the page; screenshots; and
//! the QR code read back from the page's pixels as a phone camera would.
//!
//! `scripts/browser-tools.sh` installs Chromium, chromedriver and axe-core when missing.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::error::{KitError, KitResult};

/// How long a page element is waited for.
pub const WAIT: Duration = Duration::from_secs(20);

/// A file or program the browser tests need, from the environment or its default place.
fn tool(env: &str, default: &str) -> PathBuf {
    std::env::var_os(env).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// axe-core's script: `MITID_AXE_JS`, or where `scripts/browser-tools.sh` puts it.
fn axe_path() -> PathBuf {
    std::env::var_os("MITID_AXE_JS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../.tools/browser/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    )
}

/// A chromedriver process on a free loopback port, in a process group of its own so that
/// dropping it kills the Chromium processes it started too (killing chromedriver alone
/// leaves them running).
struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    /// A started chromedriver. One that does not say its port (seen once in a CI run, on
    /// two cores busy with other tests) is stopped and started again, twice at the most: a
    /// missing or old chromedriver fails all three times, with the same error.
    fn start() -> KitResult<Self> {
        let mut tries = 0;
        loop {
            tries += 1;
            match Self::start_once() {
                Ok(driver) => return Ok(driver),
                Err(Failed::Silent(_)) if tries < 3 => {}
                Err(Failed::Silent(e) | Failed::Other(e)) => return Err(e),
            }
        }
    }

    fn start_once() -> Result<Self, Failed> {
        let binary = tool("MITID_CHROMEDRIVER", "chromedriver");
        let mut child = Command::new(&binary)
            // Port 0: chromedriver binds a free port itself and says which, so that no other
            // process can take a port between its choice and the bind.
            .arg("--port=0")
            .process_group(0)
            // Names the test process that owns it: scripts/leftovers.sh stops the group of a
            // chromedriver whose test process was killed before it could.
            .env("MITID_TEST_PID", std::process::id().to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                Failed::Other(KitError::Setup(format!(
                    "{} did not start ({e}): run scripts/browser-tools.sh",
                    binary.display()
                )))
            })?;
        let stdout = child.stdout.take();
        // From here on, an error drops the driver, which stops its process group.
        let mut driver = Self { child, port: 0 };
        let stdout = stdout
            .ok_or_else(|| Failed::Other(KitError::Setup("chromedriver: no stdout".into())))?;
        let lines = crate::server::output_lines(stdout);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = lines.recv_timeout(left).map_err(|_| {
                Failed::Silent(KitError::Setup(
                    "chromedriver did not print \"started successfully on port\" (an older \
                         one than scripts/browser-tools.sh installs?)"
                        .into(),
                ))
            })?;
            if let Some(port) = started_port(&line) {
                driver.port = port;
                return Ok(driver);
            }
        }
    }
}

/// Why a chromedriver did not start: it never said its port (started again), or anything
/// else (not).
enum Failed {
    Silent(KitError),
    Other(KitError),
}

/// The port of chromedriver's `ChromeDriver was started successfully on port N.` line.
fn started_port(line: &str) -> Option<u16> {
    let (_, port) = line.split_once("started successfully on port ")?;
    port.trim().trim_end_matches('.').parse().ok()
}

impl Chromedriver {
    /// The process group of chromedriver and every browser process it started.
    fn process_group(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // kill(1) with a negative pid signals the whole group (std has no call for it,
        // and the workspace allows no unsafe code).
        let group = format!("-{}", self.process_group());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One headless Chromium session.
pub struct Browser {
    client: Client,
    _driver: Chromedriver,
    _profile: tempfile::TempDir,
}

fn cmd(e: impl std::fmt::Display) -> KitError {
    KitError::Setup(format!("browser: {e}"))
}

impl Browser {
    /// A new browser speaking `lang` (`da` or `en`) that accepts the self-signed
    /// certificates whose keys have `key_pins` (`sha256/…`) and no others.
    pub async fn start(key_pins: &[String], lang: &str) -> KitResult<Self> {
        let driver = Chromedriver::start()?;
        let profile = tempfile::tempdir().map_err(KitError::setup)?;
        let spki: Vec<&str> = key_pins
            .iter()
            .filter_map(|p| p.strip_prefix("sha256/"))
            .collect();
        let args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--no-first-run".to_owned(),
            "--no-default-browser-check".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-extensions".to_owned(),
            "--window-size=900,1100".to_owned(),
            format!("--lang={lang}"),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--ignore-certificate-errors-spki-list={}", spki.join(",")),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": tool("MITID_CHROMIUM", "/usr/bin/chromium"),
                "args": args,
                "prefs": { "intl.accept_languages": lang },
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .map_err(cmd)?;
        Ok(Self {
            client,
            _driver: driver,
            _profile: profile,
        })
    }

    /// The WebDriver client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) -> KitResult<()> {
        self.client.goto(url).await.map_err(cmd)
    }

    /// The current URL.
    pub async fn url(&self) -> KitResult<String> {
        Ok(self.client.current_url().await.map_err(cmd)?.to_string())
    }

    /// Waits for the element `css`, also across a page that is still loading.
    pub async fn wait_for(&self, css: &str) -> KitResult<fantoccini::elements::Element> {
        let started = Instant::now();
        loop {
            let left = WAIT.saturating_sub(started.elapsed());
            match self
                .client
                .wait()
                .at_most(left)
                .for_element(Locator::Css(css))
                .await
            {
                Ok(element) => return Ok(element),
                // Chromedriver ends a look that a navigation (the form's answer arriving)
                // cut short with this status; the next page is on its way, so look again.
                Err(fantoccini::error::CmdError::NotW3C(serde_json::Value::String(status)))
                    if status == "aborted by navigation" && !left.is_zero() => {}
                Err(e) => return Err(KitError::Missing(format!("{css} on the page ({e})"))),
            }
        }
    }

    /// Waits until the URL starts with `prefix`.
    pub async fn wait_for_url(&self, prefix: &str) -> KitResult<String> {
        let started = Instant::now();
        loop {
            let url = self.url().await?;
            if url.starts_with(prefix) {
                return Ok(url);
            }
            if started.elapsed() > WAIT {
                return Err(KitError::Missing(format!("{prefix}… (at {url})")));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the element `css`.
    pub async fn text(&self, css: &str) -> KitResult<String> {
        self.wait_for(css).await?.text().await.map_err(cmd)
    }

    /// The attribute `name` of the element `css` (empty when it has none).
    pub async fn attribute(&self, css: &str, name: &str) -> KitResult<String> {
        let element = self.wait_for(css).await?;
        Ok(element.attr(name).await.map_err(cmd)?.unwrap_or_default())
    }

    /// Types `text` into the field `css`.
    pub async fn type_into(&self, css: &str, text: &str) -> KitResult<()> {
        self.wait_for(css).await?.send_keys(text).await.map_err(cmd)
    }

    /// Clicks the element `css`.
    pub async fn click(&self, css: &str) -> KitResult<()> {
        self.wait_for(css).await?.click().await.map_err(cmd)
    }

    /// Presses Tab until the focused element matches `css` (at most 20 times): fails when
    /// the keyboard cannot reach it.
    pub async fn tab_to(&self, css: &str) -> KitResult<()> {
        let tab = char::from(fantoccini::key::Key::Tab).to_string();
        for _ in 0..20 {
            if self.focused_is(css).await? {
                return Ok(());
            }
            self.client
                .active_element()
                .await
                .map_err(cmd)?
                .send_keys(&tab)
                .await
                .map_err(cmd)?;
        }
        Err(KitError::Missing(format!("{css} by the keyboard")))
    }

    /// Whether the focused element matches `css`.
    pub async fn focused_is(&self, css: &str) -> KitResult<bool> {
        let answer = self
            .client
            .execute(
                "return !!document.activeElement && document.activeElement.matches(arguments[0]);",
                vec![json!(css)],
            )
            .await
            .map_err(cmd)?;
        Ok(answer.as_bool().unwrap_or(false))
    }

    /// Types `keys` into the focused element (`"\u{E007}"` is Enter).
    pub async fn keys(&self, keys: &str) -> KitResult<()> {
        self.client
            .active_element()
            .await
            .map_err(cmd)?
            .send_keys(keys)
            .await
            .map_err(cmd)
    }

    /// The origins of every resource the current page loaded (the page's own included).
    pub async fn resource_origins(&self) -> KitResult<Vec<String>> {
        let answer = self
            .client
            .execute(
                "return [location.origin].concat(performance.getEntriesByType('resource').map(e => new URL(e.name).origin));",
                vec![],
            )
            .await
            .map_err(cmd)?;
        Ok(answer
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The page's HTML as the browser has it now.
    pub async fn source(&self) -> KitResult<String> {
        self.client.source().await.map_err(cmd)
    }

    /// Whether the element `css` is on the page now.
    pub async fn has(&self, css: &str) -> KitResult<bool> {
        Ok(!self
            .client
            .find_all(Locator::Css(css))
            .await
            .map_err(cmd)?
            .is_empty())
    }

    /// Waits until no element matches `css` (a page left after a click; errors while the
    /// page changes count as "still there").
    pub async fn wait_until_gone(&self, css: &str) -> KitResult<()> {
        let started = Instant::now();
        while !matches!(self.has(css).await, Ok(false)) {
            if started.elapsed() > WAIT {
                return Err(KitError::Missing(format!("{css} still on the page")));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// The serious and critical findings of axe-core (WCAG 2.0/2.1 A and AA rules) on the
    /// current page: each as `rule: help (n elements)`.
    pub async fn accessibility_findings(&self) -> KitResult<Vec<String>> {
        let path = axe_path();
        let source = std::fs::read_to_string(&path).map_err(|e| {
            KitError::Setup(format!(
                "{} ({e}): run scripts/browser-tools.sh",
                path.display()
            ))
        })?;
        self.client.execute(&source, vec![]).await.map_err(cmd)?;
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
              .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }))))
              .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: 0 }]));
        "#;
        let found = self
            .client
            .execute_async(script, vec![])
            .await
            .map_err(cmd)?;
        Ok(found
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v| format!("{}: {} ({} elements)", v["id"], v["help"], v["nodes"]))
            .collect())
    }

    /// Saves a screenshot of the page as `<dir>/<name>.png` when `MITID_SCREENSHOTS` names
    /// a directory (`scripts/screenshots.sh`); otherwise does nothing.
    pub async fn screenshot(&self, name: &str) -> KitResult<()> {
        let Some(dir) = std::env::var_os("MITID_SCREENSHOTS") else {
            return Ok(());
        };
        let png = self.client.screenshot().await.map_err(cmd)?;
        let path = PathBuf::from(dir).join(format!("{name}.png"));
        std::fs::write(path, png).map_err(KitError::setup)
    }

    /// The text of the QR code shown by the element `css`, read from its pixels.
    pub async fn read_qr(&self, css: &str) -> KitResult<String> {
        let png = self.wait_for(css).await?.screenshot().await.map_err(cmd)?;
        decode_qr(&png)
    }

    /// The process group of this session's chromedriver and Chromium processes; after the
    /// browser is dropped no process is left in it.
    pub fn process_group(&self) -> u32 {
        self._driver.process_group()
    }

    /// Ends the session.
    pub async fn close(self) -> KitResult<()> {
        self.client.close().await.map_err(cmd)
    }
}

/// Decodes the one QR code in a PNG image.
pub fn decode_qr(png_bytes: &[u8]) -> KitResult<String> {
    let mut decoder = png::Decoder::new(png_bytes);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(KitError::setup)?;
    let mut pixels = vec![0u8; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).map_err(KitError::setup)?;
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * channels;
        // Luma of the first three channels (grey images have one).
        let rgb = &pixels[i..i + channels.min(3)];
        (rgb.iter().map(|&c| u32::from(c)).sum::<u32>() / rgb.len() as u32) as u8
    });
    let grids = image.detect_grids();
    let grid = grids
        .first()
        .ok_or_else(|| KitError::Missing("a QR code in the image".into()))?;
    let (_, text) = grid.decode().map_err(KitError::setup)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::started_port;

    #[test]
    fn chromedriver_says_its_port() {
        let said = "ChromeDriver was started successfully on port 40721.";
        assert_eq!(started_port(said), Some(40721));
        assert_eq!(started_port("Only local connections are allowed."), None);
        assert_eq!(started_port("started successfully on port many."), None);
    }
}
