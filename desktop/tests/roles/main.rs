//! `mitid app` and `mitid admin`, run as the built binary against the real server over
//! HTTPS on loopback: a person playing every role, their answers given on standard input.

// Test plumbing (spawning processes, reading their output) panics with a message on setup
// failure, which clippy's allow-unwrap-in-tests does not cover in helper functions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mitid_core::client::ServerEndpoint;
use mitid_protocol::wire::paths;
use mitid_testing::FaultProxy;

mod env;

use env::*;

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
