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

/// The step lines, `[n/13] … ok`, in order.
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
        "[1/13] Starting the MitID server on loopback",
        "[2/13] The registry creates citizens 'karen.demo' and 'peter.demo'",
        "[3/13] The support desk identifies Karen and sends an activation code by SMS",
        "[4/13] Activating the app for 'karen.demo'",
        "[5/13] Choosing the PIN 123456 is refused with its reason",
        "[6/13] Choosing a good PIN",
        "[7/13] Demo Bank asks Karen to log in",
        "[8/13] Three wrong PINs at the next login: the app is temporarily locked",
        "[9/13] The support desk identifies Karen and sends a temporary PIN by SMS",
        "[10/13] Temporary PIN code, then a new PIN",
        "[11/13] Biometrics on",
        "[12/13] Changing the user ID: 'peter.demo' is refused as taken, 'karen.mitid' is accepted",
        "[13/13] A second user on the same app: 'peter.demo' activates",
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
        text.contains("All 13 steps behaved as the MitID help pages say"),
        "{text}"
    );
    // Nothing but the deliberate weak PIN and the SMS codes is a secret worth printing:
    // no full mobile number ever appears.
    assert!(!text.contains("4512345612"), "{text}");
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
