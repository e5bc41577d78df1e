//! The world the role tests run in: a server on loopback with its outbox, the `mitid`
//! binary run against it, and the staff desk's helpers.

use mitid_core::client::ServerEndpoint;
use mitid_protocol::wire::staff::StaffRole;
use mitid_server::{CapturingSender, RunningServer, ServerConfig};
use mitid_testing::Outbox;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "Roles-Desk-6204-kv";
pub const MOBILE: &str = "+4522334455";

/// A server on loopback (its own runtime keeps serving while the test waits on processes).
pub struct Env {
    pub runtime: tokio::runtime::Runtime,
    pub server: Option<RunningServer>,
    pub sms: Outbox,
    pub url: String,
    pub pin: String,
    pub dir: tempfile::TempDir,
    /// Each staff member's session, from `mitid admin staff --as NAME login` at start.
    pub tokens: std::collections::HashMap<&'static str, String>,
}

impl Env {
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let sms = Arc::new(CapturingSender::new());
        let mut config = ServerConfig::new(dir.path().join("server"));
        config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.sender = sms.clone();
        config.job_interval = None;
        // Real time here: the hour between requesting and making a user ID change has its
        // own tests (server and core); this one checks the commands' wiring.
        config.policy.profile_change_wait = 0;
        let (server, seeds) = runtime.block_on(async {
            let server = RunningServer::start(config).await.unwrap();
            let mut seeds = Vec::new();
            for (name, role) in [
                ("admin", StaffRole::Admin),
                ("registry", StaffRole::Registry),
                ("support", StaffRole::Support),
            ] {
                let created = server.add_staff(name, PASSWORD, role).await.unwrap();
                seeds.push((name, created.totp_seed.expose().to_vec()));
            }
            (server, seeds)
        });
        let mut env = Self {
            url: server.base_url(),
            pin: server.app_key_pins().join(","),
            server: Some(server),
            runtime,
            sms: Outbox::new(sms),
            dir,
            tokens: Default::default(),
        };
        // Each staff member logs in once, as a person would: password and the code of their
        // authenticator app (a code works once, so later commands reuse the session).
        for (name, seed) in seeds {
            let now = mitid_protocol::clock::Clock::now(&mitid_protocol::clock::SystemClock);
            let step = mitid_server::crypto::totp::step(now, 30) as u64;
            let otp = mitid_server::crypto::totp::hotp(&seed, step, 6);
            let out = env.ok(
                &["admin", "staff", "--as", name, "login"],
                &[PASSWORD, &otp],
            );
            let token = out
                .lines()
                .find_map(|l| l.strip_prefix("MITID_STAFF_TOKEN="))
                .unwrap()
                .to_owned();
            env.tokens.insert(name, token);
        }
        env
    }

    /// `mitid admin staff …` as `name` (with its session).
    pub fn staff(&self, name: &str, args: &[&str]) -> String {
        // `--token=…` in one word: a token may start with `-` (base64url).
        let token = format!("--token={}", self.tokens[name]);
        let mut full = vec!["admin", "staff", token.as_str()];
        full.extend_from_slice(args);
        self.ok(&full, &[])
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("app")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mitid"));
        command
            .args(args)
            .env("MITID_SERVER", &self.url)
            .env("MITID_SERVER_KEY_PIN", &self.pin)
            .env("MITID_APP_HOME", self.home())
            // Test machines have no kernel session keyring: keep the wrapping key in a file.
            .env("MITID_APP_KEY_STORAGE", "file")
            .env_remove("MITID_STAFF_TOKEN")
            .env_remove("MITID_RP_API_KEY")
            .env_remove("MITID_WEB_SESSION");
        command
    }

    /// Runs `mitid args…` with `input` on stdin, to the end.
    pub fn run(&self, args: &[&str], input: &[&str]) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        for line in input {
            writeln!(stdin, "{line}").unwrap();
        }
        drop(stdin);
        child.wait_with_output().unwrap()
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str], input: &[&str]) -> String {
        let output = self.run(args, input);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(
            output.status.code(),
            Some(0),
            "mitid {args:?}\nstdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// Starts `mitid args…` and lets the test talk to it line by line.
    pub fn spawn(&self, args: &[&str]) -> Running {
        Self::running(self.command(args))
    }

    /// [`Env::spawn`], reaching the server through a fault proxy on `endpoint`.
    pub fn spawn_via(&self, endpoint: &ServerEndpoint, args: &[&str]) -> Running {
        let mut command = self.command(args);
        command
            .env("MITID_SERVER", &endpoint.base_url)
            .env("MITID_SERVER_KEY_PIN", endpoint.key_pins.join(","));
        Self::running(command)
    }

    pub fn running(mut command: Command) -> Running {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let lines = reader(child.stdout.take().unwrap());
        let errors = reader(child.stderr.take().unwrap());
        Running {
            child,
            stdin,
            lines,
            errors,
            seen: Vec::new(),
        }
    }

    /// The code in the first SMS of `kind` sent after `since` messages, waiting for it.
    pub fn sms_code(&self, since: usize, kind: &str, digits: usize) -> String {
        // The terminal is another process: its request may still be on its way.
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.sms.since(since, MOBILE, kind).is_err() {
            assert!(Instant::now() < deadline, "no {kind} SMS arrived");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.sms.code_since(since, MOBILE, kind, digits).unwrap()
    }

    pub fn sent(&self) -> usize {
        self.sms.sent_so_far()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

pub fn reader(stream: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (send, receive) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

/// A running `mitid` process.
pub struct Running {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub lines: Receiver<String>,
    pub errors: Receiver<String>,
    pub seen: Vec<String>,
}

impl Running {
    pub fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for a stdout line containing `text`; returns it.
    pub fn expect(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        let errors: Vec<String> = self.errors.try_iter().collect();
        panic!(
            "no line with {text:?}; stdout: {:?}; stderr: {errors:?}",
            self.seen
        );
    }

    /// Closes stdin and waits for the exit; returns the code and the rest of stderr.
    pub fn finish(mut self) -> (Option<i32>, String) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        let errors: Vec<String> = self.errors.iter().collect();
        (status.code(), errors.join("\n"))
    }
}

pub fn after<'a>(line: &'a str, marker: &str) -> &'a str {
    line.split_once(marker)
        .map(|(_, rest)| rest.trim())
        .unwrap_or_else(|| panic!("{marker:?} not in {line:?}"))
}

pub const IDENTIFY: [&str; 6] = [
    "--passport",
    "P7654321",
    "--name",
    "Anna Test",
    "--birth-date",
    "1992-05-17",
];

/// Support identifies Anna and issues `what` (`activation-code` or `temporary-pin …`).
pub fn support(env: &Env, what: &[&str]) -> String {
    let mut args = vec![what[0]];
    args.extend_from_slice(&IDENTIFY);
    args.extend_from_slice(&what[1..]);
    env.staff("support", &args)
}
