//! `mitid server`: the bootstrap administrator and its password file.
// Test plumbing (spawning the binary, reading its output) panics with a message on setup
// failure: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn server(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mitid"));
    command
        .arg("server")
        .arg("--data-dir")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"]);
    command
}

/// Starts `mitid server` on `data`, reads what it prints until it is ready, stops it with
/// Ctrl-C (SIGINT) and returns the printed text.
fn start_and_stop(data: &Path) -> String {
    let mut child = server(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = String::new();
    while !printed.contains("Press Ctrl-C to stop.") {
        let Ok(line) = lines.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            panic!("the server did not start:\n{printed}");
        };
        printed.push_str(&line);
        printed.push('\n');
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    assert_eq!(child.wait().unwrap().code(), Some(0), "{printed}");
    printed
}

/// The first start in a data directory creates the administrator `admin`, its password and
/// its second factor's key in a file only the owner reads (never printed); a later start
/// names the file and creates nothing. (A first version's password held the user name,
/// which the server's password rules refuse: every first start failed.)
#[test]
fn a_new_data_directory_gets_its_bootstrap_administrator_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let printed = start_and_stop(&data);
    assert!(
        printed.contains("Bootstrap administrator 'admin' created; its password is in"),
        "{printed}"
    );
    let file = data.join("bootstrap-admin.txt");
    let contents = std::fs::read_to_string(&file).unwrap();
    let mut lines = contents.lines();
    let password = lines.next().unwrap();
    assert!(password.len() >= 20, "a random password");
    assert!(lines.next().unwrap().starts_with("otpauth://totp/"));
    assert!(!printed.contains(password), "never printed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let again = start_and_stop(&data);
    assert!(
        again.contains("Bootstrap administrator 'admin': password in"),
        "{again}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), contents);
}

/// The account is created before its password file is written: a file that cannot be
/// written is told as the account it leaves without a known password, and the next start
/// says that the account has no file, rather than failing on the name it holds.
#[test]
fn a_bootstrap_password_that_cannot_be_saved_is_told_not_lost_in_silence() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A directory where the file's temporary copy goes: the write fails, even for root.
    let blocker = data.join("bootstrap-admin.tmp");
    std::fs::create_dir_all(&blocker).unwrap();
    let out = server(&data).output().unwrap();
    let told = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{told}");
    assert!(
        told.contains("'admin' was created, but its password could not be written"),
        "{told}"
    );
    assert!(!data.join("bootstrap-admin.txt").exists());

    std::fs::remove_dir(&blocker).unwrap();
    let printed = start_and_stop(&data);
    assert!(
        printed.contains("An account 'admin' exists without its password file"),
        "{printed}"
    );
    assert!(!data.join("bootstrap-admin.txt").exists());
}
