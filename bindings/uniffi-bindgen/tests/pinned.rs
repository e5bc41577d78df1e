//! The bindgen is the exact uniffi version the workspace pins (`docs/bindings.md`): with a
//! range instead, a `cargo update` would move uniffi, and with it the committed Kotlin and
//! Swift, without anyone choosing to.
//!
//! Being an integration test, it also makes `cargo test --workspace` build the bindgen with
//! the workspace's features, which `scripts/gen-bindings.sh` then uses in `scripts/test.sh`
//! (no second build of uniffi's crates with other features).

use std::process::Command;

/// The version in the workspace's `uniffi = { version = "=X.Y.Z", … }` line.
fn pinned_version() -> String {
    let manifest = include_str!("../../../Cargo.toml");
    let line = manifest
        .lines()
        .find(|l| l.starts_with("uniffi = "))
        .unwrap_or_else(|| panic!("the workspace's Cargo.toml names no uniffi dependency"));
    let version = line
        .split("version = \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("the uniffi line names no version: {line}"));
    version
        .strip_prefix('=')
        .unwrap_or_else(|| panic!("uniffi is not pinned exactly ({version}): pin it with '='"))
        .to_owned()
}

#[test]
fn the_bindgen_is_the_pinned_uniffi_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_uniffi-bindgen"))
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("uniffi-bindgen did not start: {e}"));
    assert!(out.status.success(), "uniffi-bindgen --version failed");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        printed.trim(),
        format!("uniffi-bindgen {}", pinned_version())
    );
}
