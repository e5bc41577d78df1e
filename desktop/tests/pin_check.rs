//! `mitid pin check`, run as the built binary.

use std::process::{Command, Output};

fn mitid(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_mitid"))
        .args(args)
        .output()
    {
        Ok(output) => output,
        Err(error) => panic!("cannot run mitid: {error}"),
    }
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn prints_one_verdict_per_pin_and_exits_zero() {
    let output = mitid(&[
        "pin", "check", "583920", "111111", "123456", "890123", "123123", "123321", "121212",
        "000001", "12a4", "1234567", "",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout_lines(&output),
        [
            "583920 ok",
            "111111 rejected pin_repeated_digit",
            "123456 rejected pin_sequence",
            "890123 rejected pin_sequence",
            "123123 rejected pin_pattern",
            "123321 rejected pin_pattern",
            "121212 rejected pin_pattern",
            "000001 rejected pin_blocklisted",
            "12a4 rejected pin_format",
            "1234567 rejected pin_format",
            " rejected pin_format",
        ]
    );
    assert!(output.stderr.is_empty());
}

#[test]
fn refuses_the_birth_date_when_given() {
    let output = mitid(&[
        "pin",
        "check",
        "--birthdate",
        "1987-03-14",
        "140387",
        "870314",
        "031487",
        "583920",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout_lines(&output),
        [
            "140387 rejected pin_birthdate",
            "870314 rejected pin_birthdate",
            "031487 rejected pin_birthdate",
            "583920 ok",
        ]
    );
    let without = mitid(&["pin", "check", "140387"]);
    assert_eq!(stdout_lines(&without), ["140387 ok"]);
}

#[test]
fn prints_the_reason_in_the_chosen_language() {
    let danish = mitid(&["pin", "check", "--lang", "da", "654321", "583920"]);
    assert_eq!(danish.status.code(), Some(0));
    assert_eq!(
        stdout_lines(&danish),
        [
            "654321 rejected pin_sequence - Din PIN-kode må ikke være fortløbende cifre, som 123456 eller 987654.",
            "583920 ok",
        ]
    );
    let english = mitid(&["pin", "check", "--lang", "en", "12a4"]);
    assert_eq!(
        stdout_lines(&english),
        ["12a4 rejected pin_format - Your PIN must be exactly 6 digits."]
    );
}

#[test]
fn a_malformed_birth_date_is_a_usage_error() {
    for bad in ["14-03-1987", "1987-02-30", "tomorrow"] {
        let output = mitid(&["pin", "check", "--birthdate", bad, "583920"]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(output.stdout.is_empty(), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--birthdate"), "{stderr}");
        assert!(stderr.contains("birth date"), "{stderr}");
    }
}

#[test]
fn usage_errors_exit_two() {
    for args in [
        &["pin", "check"][..],
        &["pin", "check", "--lang", "sv", "583920"],
        &["pin"],
        &[],
    ] {
        let output = mitid(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}
