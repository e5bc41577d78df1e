//! `mitid app` and `mitid admin`, run as the built binary against the real server over
//! HTTPS on loopback: a person playing every role, their answers given on standard input.

// Test plumbing (spawning processes, reading their output) panics with a message on setup
// failure, which clippy's allow-unwrap-in-tests does not cover in helper functions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mitid_core::client::ServerEndpoint;
use mitid_protocol::wire::paths;
use mitid_protocol::wire::staff::StaffRole;
use mitid_server::{CapturingSender, RunningServer, ServerConfig};
use mitid_testing::{FaultProxy, Outbox};

const PASSWORD: &str = "Roles-Desk-6204-kv";
const MOBILE: &str = "+4522334455";

/// A server on loopback (its own runtime keeps serving while the test waits on processes).
struct Env {
    runtime: tokio::runtime::Runtime,
    server: Option<RunningServer>,
    sms: Outbox,
    url: String,
    pin: String,
    dir: tempfile::TempDir,
    /// Each staff member's session, from `mitid admin staff --as NAME login` at start.
    tokens: std::collections::HashMap<&'static str, String>,
}

impl Env {
    fn start() -> Self {
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
    fn staff(&self, name: &str, args: &[&str]) -> String {
        // `--token=…` in one word: a token may start with `-` (base64url).
        let token = format!("--token={}", self.tokens[name]);
        let mut full = vec!["admin", "staff", token.as_str()];
        full.extend_from_slice(args);
        self.ok(&full, &[])
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("app")
    }

    fn command(&self, args: &[&str]) -> Command {
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
    fn run(&self, args: &[&str], input: &[&str]) -> Output {
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
    fn ok(&self, args: &[&str], input: &[&str]) -> String {
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
    fn spawn(&self, args: &[&str]) -> Running {
        Self::running(self.command(args))
    }

    /// [`Env::spawn`], reaching the server through a fault proxy on `endpoint`.
    fn spawn_via(&self, endpoint: &ServerEndpoint, args: &[&str]) -> Running {
        let mut command = self.command(args);
        command
            .env("MITID_SERVER", &endpoint.base_url)
            .env("MITID_SERVER_KEY_PIN", endpoint.key_pins.join(","));
        Self::running(command)
    }

    fn running(mut command: Command) -> Running {
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
    fn sms_code(&self, since: usize, kind: &str, digits: usize) -> String {
        // The terminal is another process: its request may still be on its way.
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.sms.since(since, MOBILE, kind).is_err() {
            assert!(Instant::now() < deadline, "no {kind} SMS arrived");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.sms.code_since(since, MOBILE, kind, digits).unwrap()
    }

    fn sent(&self) -> usize {
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

fn reader(stream: impl std::io::Read + Send + 'static) -> Receiver<String> {
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
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    errors: Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for a stdout line containing `text`; returns it.
    fn expect(&mut self, text: &str) -> String {
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
    fn finish(mut self) -> (Option<i32>, String) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        let errors: Vec<String> = self.errors.iter().collect();
        (status.code(), errors.join("\n"))
    }
}

fn after<'a>(line: &'a str, marker: &str) -> &'a str {
    line.split_once(marker)
        .map(|(_, rest)| rest.trim())
        .unwrap_or_else(|| panic!("{marker:?} not in {line:?}"))
}

const IDENTIFY: [&str; 6] = [
    "--passport",
    "P7654321",
    "--name",
    "Anna Test",
    "--birth-date",
    "1992-05-17",
];

/// Support identifies Anna and issues `what` (`activation-code` or `temporary-pin …`).
fn support(env: &Env, what: &[&str]) -> String {
    let mut args = vec![what[0]];
    args.extend_from_slice(&IDENTIFY);
    args.extend_from_slice(&what[1..]);
    env.staff("support", &args)
}

#[test]
fn every_role_over_https_from_activation_to_self_service() {
    let env = Env::start();

    // Registry: a new citizen.
    let person = env.staff(
        "registry",
        &[
            "create-person",
            "--cpr",
            "170592-1234",
            "--name",
            "Anna Test",
            "--birth-date",
            "1992-05-17",
            "--user-id",
            "anna.test",
            "--mobile",
            MOBILE,
            "--passport",
            "P7654321",
        ],
    );
    assert!(person.contains("user ID     anna.test"), "{person}");

    // Support: an activation code by SMS; the app activates with it.
    let since = env.sent();
    let issued = support(&env, &["activation-code"]);
    assert!(
        issued.contains("Activation code sent by SMS to"),
        "{issued}"
    );
    let code = env.sms_code(since, "activation_code", 10);
    let since = env.sent();
    let mut app = env.spawn(&["app", "activate", "--user-id", "anna.test"]);
    app.say(&code);
    let temporary = env.sms_code(since, "temporary_pin", 8);
    for answer in [temporary.as_str(), "123456", "583920", "583920", "n", "n"] {
        app.say(answer);
    }
    let done = app.expect("The MitID app is activated for anna.test");
    let authenticator = after(&done, "(app ").trim_end_matches(").").to_owned();
    let (status, errors) = app.finish();
    assert_eq!(status, Some(0), "{errors}");
    assert!(errors.contains("[pin_sequence]"), "{errors}");
    // The PINs typed are never echoed.
    assert!(!errors.contains("583920"), "{errors}");

    let users = env.ok(&["app", "users"], &[]);
    assert!(
        users.contains("* anna.test  ready  biometrics off"),
        "{users}"
    );

    // A relying party: a login with a code; the app approves with the PIN.
    let rp = env.staff("admin", &["create-relying-party", "--name", "Test Bank"]);
    let key = after(
        rp.lines()
            .find(|l| l.starts_with("MITID_RP_API_KEY="))
            .unwrap(),
        "=",
    )
    .to_owned();
    let started = env.ok(
        &[
            "admin",
            "rp",
            "--api-key",
            &key,
            "start",
            "--user-id",
            "anna.test",
        ],
        &[],
    );
    let transaction = after(started.lines().next().unwrap(), "Transaction").to_owned();
    let code = after(
        started
            .lines()
            .find(|l| l.contains("Code to type"))
            .unwrap(),
        ":",
    )
    .to_owned();
    let approved = env.ok(&["app", "approve", "--wait", "10"], &[&code, "1", "583920"]);
    assert!(approved.contains("Test Bank"), "{approved}");
    assert!(approved.contains("Approved."), "{approved}");
    let result = env.ok(
        &["admin", "rp", "--api-key", &key, "result", &transaction],
        &[],
    );
    assert!(result.contains("Status: approved"), "{result}");
    assert!(result.contains("Factor: pin"), "{result}");
    // Its key replaced: the new one printed once, the old one refused from then on.
    let rp_id = rp.lines().find_map(|l| l.strip_suffix(')')).unwrap();
    let rp_id = rp_id.rsplit_once('(').unwrap().1;
    let rotated = env.staff(
        "admin",
        &[
            "relying-party",
            "--relying-party-id",
            rp_id,
            "--action",
            "rotate-secret",
        ],
    );
    assert!(
        rotated.contains("Test Bank") && rotated.contains(": enabled"),
        "{rotated}"
    );
    assert!(rotated.contains("MITID_RP_API_KEY="), "{rotated}");
    let old_key = env.run(
        &["admin", "rp", "--api-key", &key, "result", &transaction],
        &[],
    );
    let refused = String::from_utf8_lossy(&old_key.stderr);
    assert_ne!(old_key.status.code(), Some(0), "{refused}");
    assert!(refused.contains("unauthorized"), "{refused}");
    // The new key starts a login; disabled, the relying party's key is refused; enabled, not.
    let new_key = rotated
        .lines()
        .find_map(|l| l.strip_prefix("MITID_RP_API_KEY="))
        .unwrap();
    let start = [
        "admin",
        "rp",
        "--api-key",
        new_key,
        "start",
        "--user-id",
        "anna.test",
    ];
    assert!(env.ok(&start, &[]).contains("Code to type"));
    let action = |what: &str| {
        let args = [
            "relying-party",
            "--relying-party-id",
            rp_id,
            "--action",
            what,
        ];
        env.staff("admin", &args)
    };
    assert!(action("disable").contains(": disabled"));
    let while_disabled = env.run(&start, &[]);
    let refused = String::from_utf8_lossy(&while_disabled.stderr);
    assert!(refused.contains("unauthorized"), "{refused}");
    assert!(action("enable").contains(": enabled"));

    // A web relying party: an OpenID Connect client; its secret is printed once.
    let client = env.staff(
        "admin",
        &[
            "create-oidc-client",
            "--name",
            "Web Bank",
            "--redirect-uri",
            "https://bank.example/callback",
        ],
    );
    assert!(
        client.contains("redirect_uri=https://bank.example/callback"),
        "{client}"
    );
    let secret = client
        .lines()
        .find(|l| l.starts_with("client_secret="))
        .unwrap();
    assert!(secret.len() > "client_secret=".len() + 20, "{client}");
    // Its secret replaced (printed once, another), then the client disabled.
    let client_id = client
        .lines()
        .find_map(|l| l.strip_prefix("client_id="))
        .unwrap();
    let id = format!("--client-id={client_id}");
    let rotated = env.staff("admin", &["oidc-client", &id, "--action", "rotate-secret"]);
    assert!(rotated.contains(": enabled"), "{rotated}");
    let new_secret = rotated
        .lines()
        .find(|l| l.starts_with("client_secret="))
        .unwrap();
    assert_ne!(new_secret, secret);
    let disabled = env.staff("admin", &["oidc-client", &id, "--action", "disable"]);
    assert!(
        disabled.contains("Web Bank") && disabled.contains(": disabled"),
        "{disabled}"
    );
    assert!(!disabled.contains("client_secret="), "{disabled}");
    let token = format!("--token={}", env.tokens["admin"]);
    let plain_http = env.run(
        &[
            "admin",
            "staff",
            &token,
            "create-oidc-client",
            "--name",
            "Plain Bank",
            "--redirect-uri",
            "http://bank.example/callback",
        ],
        &[],
    );
    let errors = String::from_utf8_lossy(&plain_http.stderr);
    assert_ne!(plain_http.status.code(), Some(0), "{errors}");
    assert!(errors.contains("redirect_uri_absolute_https"), "{errors}");

    // Forgot PIN: support sends a temporary PIN; the app takes it and a new PIN.
    let since = env.sent();
    support(&env, &["temporary-pin", "--app", &authenticator]);
    let temporary = env.sms_code(since, "temporary_pin", 8);
    let reset = env.ok(
        &["app", "forgot-pin"],
        &[&temporary, "692047", "692047", "n"],
    );
    assert!(
        reset.contains("Your PIN code has now been changed."),
        "{reset}"
    );

    // Self-service on MitID.dk: log in by approving in the app, then list authenticators.
    // A poll's answer is lost on the way (a network blip while the login is pending): the
    // shell polls again. Before, the blip ended the shell's log-in.
    let endpoint = ServerEndpoint {
        base_url: env.url.clone(),
        key_pins: env.pin.split(',').map(str::to_owned).collect(),
    };
    let proxy = env.runtime.block_on(FaultProxy::start(&endpoint)).unwrap();
    proxy.drop_response_once(paths::WEB_LOGIN_APP_FINISH);
    let mut web = env.spawn_via(
        &proxy.endpoint,
        &[
            "admin",
            "self-service",
            "login-app",
            "--user-id",
            "anna.test",
        ],
    );
    let shown = web.expect("type this code:");
    let code = after(&shown, "code:").to_owned();
    let approved = env.ok(&["app", "approve", "--wait", "10"], &[&code, "1", "692047"]);
    assert!(
        approved.contains("MitID.dk") || approved.contains("Approved."),
        "{approved}"
    );
    let session_line = web.expect("MITID_WEB_SESSION=");
    let session = after(&session_line, "=").to_owned();
    let (status, errors) = web.finish();
    assert_eq!(status, Some(0), "{errors}");
    let polls = proxy.seen(paths::WEB_LOGIN_APP_FINISH);
    assert!(polls.iter().any(|p| p.dropped), "{polls:?}");
    let list = env.ok(
        &[
            "admin",
            "self-service",
            "--session",
            &session,
            "authenticators",
        ],
        &[],
    );
    assert!(list.contains(&authenticator), "{list}");

    // User ID: too short is refused with the rule, taken is refused, a free one accepted.
    let short = env.run(&["app", "user-id", "--change", "ab"], &[]);
    assert_eq!(short.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&short.stderr).contains("[user_id_invalid]"));
    env.staff(
        "registry",
        &[
            "create-person",
            "--cpr",
            "010203-4321",
            "--name",
            "Bo Test",
            "--birth-date",
            "2003-02-01",
            "--user-id",
            "bo.test",
        ],
    );
    let taken = env.run(&["app", "user-id", "--change", "bo.test"], &["692047"]);
    assert_eq!(taken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&taken.stderr).contains("[user_id_taken]"));
    // A change needs the request first (help page 000), each confirmed with the PIN.
    let early = env.run(&["app", "user-id", "--change", "anna.t"], &["692047"]);
    assert!(String::from_utf8_lossy(&early.stderr).contains("[not_yet_allowed]"));
    let requested = env.ok(&["app", "user-id", "--request"], &["692047"]);
    assert!(requested.contains("Change requested."), "{requested}");
    let changed = env.ok(&["app", "user-id", "--change", "anna.t"], &["692047"]);
    assert!(changed.contains("Your user ID is now anna.t"), "{changed}");
}

#[test]
fn a_server_key_that_is_not_pinned_is_refused_before_anything_is_sent() {
    let env = Env::start();
    let wrong = [b"a key".as_slice(), b"its backup"]
        .map(mitid_protocol::key_pin::key_pin_of_spki)
        .join(",");
    let wrong = wrong.as_str();
    let output = env.run(
        &[
            "admin",
            "--key-pin",
            wrong,
            "staff",
            "--as",
            "admin",
            "login",
        ],
        &[PASSWORD, "000000"],
    );
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(errors.contains("[server_key_pin_mismatch]"), "{errors}");
    assert!(output.stdout.is_empty());
}

#[test]
fn the_app_says_what_to_do_without_a_user() {
    let env = Env::start();
    let output = env.run(&["app", "approve"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(errors.contains("mitid app activate"), "{errors}");
}
