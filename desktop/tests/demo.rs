//! `mitid demo`, run as the built binary: the README's run command must walk the whole
//! journey and exit 0, telling every step.

use std::process::{Command, Output};

fn demo(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_mitid"))
        .arg("demo")
        .args(args)
        // The demo must not need the OS keyring or any configuration.
        .env_remove("MITID_SERVER")
        .env_remove("MITID_SERVER_KEY_PIN")
        .output()
    {
        Ok(output) => output,
        Err(error) => panic!("cannot run mitid demo: {error}"),
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The step lines, `[n/14] … ok`, in order.
fn step_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with('[')).collect()
}

#[test]
fn the_demo_walks_every_step_and_exits_zero() {
    let output = demo(&[]);
    let text = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout:\n{text}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let steps = step_lines(&text);
    let expected = [
        "[1/14] Starting the MitID server on loopback",
        "[2/14] The registry creates citizens 'karen.demo' and 'peter.demo'",
        "[3/14] The support desk identifies Karen and sends an activation code by SMS",
        "[4/14] Activating the app for 'karen.demo'",
        "[5/14] Choosing the PIN 123456 is refused with its reason",
        "[6/14] Choosing a good PIN",
        "[7/14] Demo Bank asks Karen to log in",
        "[8/14] Three wrong PINs at the next login: the app is temporarily locked",
        "[9/14] The support desk identifies Karen and sends a temporary PIN by SMS",
        "[10/14] Temporary PIN code, then a new PIN",
        "[11/14] Forgot the PIN again: passport (a simulated chip stands in for it) and face",
        "[12/14] Biometrics on",
        "[13/14] View user ID after the passport and face; changing it: 'peter.demo' is refused as taken, 'karen.mitid' is saved",
        "[14/14] A second user on the same app: 'peter.demo' activates",
    ];
    assert_eq!(steps.len(), expected.len(), "{text}");
    for (line, start) in steps.iter().zip(expected) {
        assert!(
            line.starts_with(start),
            "{line:?} should start with {start:?}"
        );
        assert!(line.ends_with(" … ok"), "{line:?} should end with ok");
    }
    assert!(text.contains("123456 refused: pin_sequence"), "{text}");
    assert!(text.contains("Wrong PIN #3: temporarily_locked"), "{text}");
    assert!(
        text.contains("Demo Bank receives: approved with pin for karen.demo"),
        "{text}"
    );
    assert!(
        text.contains("Demo Bank receives: approved with biometrics for karen.demo"),
        "{text}"
    );
    assert!(
        text.contains("'peter.demo' refused: user_id_taken"),
        "{text}"
    );
    assert!(
        text.contains("SMS to +45 •• •• •• 12: MitID: Your temporary PIN"),
        "{text}"
    );
    assert!(
        text.contains("All 14 steps behaved as the MitID help pages say"),
        "{text}"
    );
    // Nothing but the deliberate weak PIN and the SMS codes is a secret worth printing:
    // no full mobile number ever appears.
    assert!(!text.contains("4512345612"), "{text}");
    assert!(
        text.contains("Someone else's face: document_face_not_matched"),
        "{text}"
    );
}

#[test]
fn the_demo_speaks_danish_when_asked() {
    let output = demo(&["--lang", "da"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("123456 refused: pin_sequence — "), "{text}");
    assert!(
        text.contains("Forkert PIN-kode. Du har 2 forsøg tilbage."),
        "{text}"
    );
    assert!(text.contains("Bruger-ID'et er optaget."), "{text}");
}

/// `mitid demo --web` with a real browser at the bank and this test at the terminal: the
/// person chooses the PIN, logs in to Demo Bank in Chromium, types the page's code into the
/// terminal's app and approves with the PIN; Ctrl-C ends it cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_demo_logs_karen_in_to_the_bank_in_a_browser() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    use std::time::Duration;

    // Killed if the test fails before its Ctrl-C: the demo's server and bank go with it.
    let mut child = mitid_testing::KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_mitid"))
            .args(["demo", "--web"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut stdin = child.stdin.take().unwrap();
    // A weak PIN is refused with its reason; then a good one, twice.
    writeln!(stdin, "123456\n582914\n582914").unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut told = String::new();
    let command = loop {
        let line = lines
            .recv_timeout(std::time::Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no chromium line in:\n{told}"));
        told.push_str(&line);
        told.push('\n');
        if line.trim_start().starts_with("chromium ") {
            break line;
        }
    };
    assert!(
        told.contains("consecutive digits"),
        "the weak PIN's reason:\n{told}"
    );
    assert!(
        told.contains("Karen's user ID:                 karen.demo"),
        "{told}"
    );
    let words: Vec<&str> = command.split_whitespace().collect();
    let bank = words.last().unwrap().to_string();
    let pins: Vec<String> = words
        .iter()
        .find_map(|w| w.strip_prefix("--ignore-certificate-errors-spki-list="))
        .unwrap()
        .split(',')
        .map(|p| format!("sha256/{p}"))
        .collect();
    assert_eq!(pins.len(), 2, "{command}");

    let browser = mitid_testing::browser::Browser::start(&pins, "en")
        .await
        .unwrap();
    browser.goto(&bank).await.unwrap();
    // The bank links to the MitID.dk the demo serves.
    let mitid_dk = browser.attribute("#mitid-dk", "href").await.unwrap();
    let line = format!("MitID.dk (self-service):         {mitid_dk}");
    assert!(told.contains(&line), "{line}\n{told}");
    browser.click("button.mitid").await.unwrap();
    browser.type_into("#user_id", "karen.demo").await.unwrap();
    browser.click("button[value=code]").await.unwrap();
    let code = browser.text("#code").await.unwrap();
    // The app in the terminal: the code, "1) PIN code", the PIN.
    writeln!(stdin, "{code}\n1\n582914").unwrap();
    browser
        .wait_for_url(&format!("{bank}/account"))
        .await
        .unwrap();
    let acr = browser.text("#acr").await.unwrap();
    assert!(acr.contains("Substantial"), "{acr}");
    browser.close().await.unwrap();

    let interrupted = mitid_testing::signal_and_wait(&mut child, "INT", Duration::from_secs(60));
    assert_eq!(interrupted.unwrap().code(), Some(0));
}
