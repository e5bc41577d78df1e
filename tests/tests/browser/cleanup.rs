//! The browser harness leaves nothing running: dropping a session kills chromedriver and
//! every Chromium process it started (once, each run left about 170 behind).

use std::process::Command;
use std::time::{Duration, Instant};

use mitid_testing::browser::Browser;

/// The processes in process group `group`, as `pgrep` lists them.
fn processes_in(group: u32) -> Vec<String> {
    let out = Command::new("pgrep")
        .args(["-g", &group.to_string()])
        .output()
        .expect("pgrep runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn dropping_a_browser_leaves_no_chromium_running() {
    let browser = Browser::start(&[], "en").await.unwrap();
    browser.goto("data:text/html,<p>hello</p>").await.unwrap();
    let group = browser.process_group();
    let before = processes_in(group);
    assert!(
        before.len() > 2,
        "chromedriver and its Chromium run in the group: {before:?}"
    );

    drop(browser);

    // SIGKILL is delivered at once; the kernel needs a moment to reap the processes.
    let started = Instant::now();
    while !processes_in(group).is_empty() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(processes_in(group), Vec::<String>::new());
}
