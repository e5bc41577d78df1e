//! `mitid server`: the bootstrap administrator and its password file.
// Test plumbing (spawning the binary, reading its output) panics with a message on setup
// failure: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mitid_testing::server::output_lines;
use mitid_testing::{signal_and_wait, wait_for_exit};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn server(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mitid"));
    command
        .arg("server")
        .arg("--data-dir")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A started `mitid server`, killed if the test ends before it stopped (a failed assertion
/// must not leave a server running); its output read line by line on threads.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn start(data: &Path) -> Self {
        let mut child = server(data).spawn().unwrap();
        // Both streams into one: the kit's reader, to the end of each.
        let (tx, lines) = mpsc::channel::<String>();
        for stream in [
            output_lines(child.stdout.take().unwrap()),
            output_lines(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || stream.iter().for_each(|l| drop(tx.send(l))));
        }
        Self { child, lines }
    }

    /// Everything it printed (both streams) until `last` or its end, within a minute.
    fn until(&mut self, last: &str) -> String {
        let mut printed = String::new();
        while !printed.contains(last) {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    printed.push_str(&line);
                    printed.push('\n');
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("no {last:?} in a minute:\n{printed}")
                }
            }
        }
        printed
    }

    /// Its exit code, waiting at most a minute.
    fn exit_code(&mut self) -> Option<i32> {
        wait_for_exit(&mut self.child, Duration::from_secs(60))
            .expect("the server did not end")
            .code()
    }

    /// Ctrl-C (SIGINT), then its exit code (waiting at most a minute).
    fn interrupt(&mut self) -> Option<i32> {
        signal_and_wait(&mut self.child, "INT", Duration::from_secs(60))
            .unwrap()
            .code()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `mitid server` on `data`, reads what it prints until it is ready, stops it with
/// Ctrl-C and returns the printed text (both streams).
fn start_and_stop(data: &Path) -> String {
    let mut running = Running::start(data);
    let printed = running.until("Press Ctrl-C to stop.");
    assert!(printed.contains("Press Ctrl-C to stop."), "{printed}");
    assert_eq!(running.interrupt(), Some(0), "{printed}");
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
    let mut running = Running::start(&data);
    let told = running.until("could not be written");
    assert_ne!(running.exit_code(), Some(0), "{told}");
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
