//! Every exported flow method and every flow step is reached by the Kotlin tests and by the
//! Swift tests (issue 15: "a step no test reaches fails it"). Reads the bindings' own source
//! (`src/app.rs`, `src/flows/` for the methods, `src/types.rs` for the `…Step` enums) and the
//! two suites' test sources, and names what neither calls nor asserts.
//!
//! "Reached" is read from the test sources: a method is reached when a test calls it by its
//! name (`.submitPCode(`; the screen models name their actions as the app does), a step when a
//! Kotlin test names it as `NewPinStep.EnterPCode` and a Swift test as `.enterPCode`. The
//! suites assert the steps they reach, so a named step is one a test saw.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of every file under `dir` whose name ends with `suffix`.
fn sources(dir: &Path, suffix: &str) -> String {
    let mut text = String::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                text.push_str(&read(&path));
            }
        }
    }
    text
}

/// `(type, method)` for each `pub fn` in an `#[uniffi::export] impl Type` block, and in the
/// `document_steps!` macro's block for each type it is invoked for (`flows/document.rs`).
fn exported_methods(source: &str) -> BTreeSet<(String, String)> {
    let mut methods = BTreeSet::new();
    let mut macro_methods = Vec::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(args) = trimmed.strip_prefix("super::document::document_steps!(") {
            let ty = args.split(',').next().unwrap_or_default().trim();
            methods.extend(macro_methods_of(source).map(|m| (ty.to_owned(), m)));
            continue;
        }
        if !trimmed.starts_with("#[uniffi::export") {
            continue;
        }
        let Some(ty) = lines
            .next()
            .and_then(|l| l.trim_start().strip_prefix("impl "))
            .and_then(|l| l.split_whitespace().next())
        else {
            continue;
        };
        let indent = line.len() - trimmed.len();
        let end = format!("{}}}", " ".repeat(indent));
        for line in lines.by_ref().take_while(|l| *l != end) {
            if let Some(name) = pub_fn_name(line) {
                if ty != "$flow" {
                    methods.insert((ty.to_owned(), name));
                } else {
                    macro_methods.push(name);
                }
            }
        }
    }
    assert!(
        !macro_methods.is_empty() || !source.contains("macro_rules! document_steps"),
        "the document_steps! macro's methods were not found"
    );
    methods
}

/// The methods of the `document_steps!` macro's block.
fn macro_methods_of(source: &str) -> impl Iterator<Item = String> + '_ {
    let start = source
        .find("macro_rules! document_steps")
        .unwrap_or(source.len());
    let end = source[start..]
        .find("pub(crate) use document_steps")
        .map_or(source.len(), |e| start + e);
    source[start..end].lines().filter_map(pub_fn_name)
}

/// The name of a `pub fn` or `pub async fn` declared on `line`.
fn pub_fn_name(line: &str) -> Option<String> {
    let rest = line.trim_start();
    let rest = rest
        .strip_prefix("pub async fn ")
        .or_else(|| rest.strip_prefix("pub fn "))?;
    rest.split(['(', '<']).next().map(str::to_owned)
}

/// `(enum, variant)` for each variant of a `pub enum …Step`.
fn steps(source: &str) -> BTreeSet<(String, String)> {
    let mut steps = BTreeSet::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line
            .strip_prefix("pub enum ")
            .and_then(|l| l.strip_suffix(" {"))
            .filter(|n| n.ends_with("Step"))
        else {
            continue;
        };
        for line in lines.by_ref().take_while(|l| *l != "}") {
            let Some(rest) = line.strip_prefix("    ") else {
                continue;
            };
            let variant: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if variant.starts_with(|c: char| c.is_ascii_uppercase()) {
                steps.insert((name.to_owned(), variant));
            }
        }
    }
    steps
}

fn lower_camel(snake: &str) -> String {
    let mut parts = snake.split('_');
    let mut out = parts.next().unwrap_or_default().to_owned();
    for part in parts {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Whether `text` has `needle` not followed by another identifier character.
fn names(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(at, _)| {
        !text[at + needle.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    })
}

#[test]
fn the_kotlin_and_swift_tests_reach_every_exported_flow_method_and_step() {
    let bindings = root().join("bindings/src");
    let methods = exported_methods(
        &[
            read(&bindings.join("app.rs")),
            sources(&bindings.join("flows"), ".rs"),
        ]
        .concat(),
    );
    let steps = steps(&read(&bindings.join("types.rs")));
    // A parser that found nothing would pass vacuously.
    assert!(methods.len() > 60, "{methods:?}");
    assert!(steps.len() > 40, "{steps:?}");

    let kotlin = sources(&root().join("android/mitid-core/src/test/kotlin"), ".kt");
    let swift = sources(&root().join("ios/Tests/MitidCoreTests"), ".swift");
    let mut unreached = Vec::new();
    for (ty, method) in &methods {
        let call = format!(".{}(", lower_camel(method));
        for (suite, text) in [("Kotlin", &kotlin), ("Swift", &swift)] {
            if !text.contains(&call) {
                unreached.push(format!("{suite}: {ty}.{method}"));
            }
        }
    }
    for (ty, variant) in &steps {
        if !names(&kotlin, &format!("{ty}.{variant}")) {
            unreached.push(format!("Kotlin: step {ty}.{variant}"));
        }
        if !names(&swift, &format!(".{}", lower_first(variant))) {
            unreached.push(format!("Swift: step {ty}.{variant}"));
        }
    }
    assert!(
        unreached.is_empty(),
        "{} of {} methods and {} steps are not reached by the shells' tests:\n{}",
        unreached.len(),
        methods.len(),
        steps.len(),
        unreached.join("\n")
    );
}
