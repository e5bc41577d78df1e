//! Every exported flow method and every flow step is reached by the Kotlin tests and by the
//! Swift tests (issue 15: "a step no test reaches fails it"). Reads the generated Kotlin
//! bindings (the app's and the flows' methods, the `…Step` types: what the shells see, however
//! the Rust wrote it) and the two suites' test sources, and names what neither calls nor
//! asserts.
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

/// The generated Kotlin bindings: the core's surface as the shells see it, whatever Rust
/// macros wrote it (`scripts/check-bindings.sh` keeps the file current with the source).
fn generated_kotlin() -> String {
    read(&root().join("android/mitid-core/src/main/kotlin/dk/mitid/core/mitid_bindings.kt"))
}

/// Whether the shells' tests drive the object `name`: the app and its flows (not the
/// platform callbacks, which the shells implement).
fn driven(name: &str) -> bool {
    name == "App" || name == "ApprovalWait" || name.ends_with("Flow")
}

/// The name in backquotes after `fun ` on a Kotlin `line`, if it declares a function.
fn kotlin_fun(line: &str) -> Option<String> {
    let (_, rest) = line.split_once("fun `")?;
    rest.split('`').next().map(str::to_owned)
}

/// `(type, method)` for each method of a driven object, its constructors included: the
/// methods of `public interface TypeInterface`, and the functions of `companion object` in
/// `open class Type`.
fn exported_methods(kotlin: &str) -> BTreeSet<(String, String)> {
    let mut methods = BTreeSet::new();
    let mut interface: Option<&str> = None;
    let mut class: Option<&str> = None;
    let mut in_companion = false;
    for line in kotlin.lines() {
        if line == "}" {
            (interface, class, in_companion) = (None, None, false);
        } else if let Some(name) = line
            .strip_prefix("public interface ")
            .and_then(|l| l.strip_suffix("Interface {"))
            .filter(|n| driven(n))
        {
            interface = Some(name);
        } else if let Some(name) = line
            .strip_prefix("open class ")
            .and_then(|l| l.split([':', ' ']).next())
            .filter(|n| driven(n))
        {
            class = Some(name);
        } else if class.is_some() && line.trim() == "companion object {" {
            in_companion = true;
        } else if let Some(ty) = interface.or(class.filter(|_| in_companion)) {
            methods.extend(kotlin_fun(line).map(|m| (ty.to_owned(), m)));
        }
    }
    methods
}

/// `(type, variant)` for each variant of a `…Step` sealed class (a variant is an `object`
/// or a `data class` at the class's first indent).
fn steps(kotlin: &str) -> BTreeSet<(String, String)> {
    let mut steps = BTreeSet::new();
    let mut lines = kotlin.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line
            .strip_prefix("sealed class ")
            .and_then(|l| l.strip_suffix(" {"))
            .filter(|n| n.ends_with("Step"))
        else {
            continue;
        };
        for line in lines.by_ref().take_while(|l| *l != "}") {
            let Some(rest) = line
                .strip_prefix("    object ")
                .or_else(|| line.strip_prefix("    data class "))
            else {
                continue;
            };
            let variant: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            steps.insert((name.to_owned(), variant));
        }
    }
    steps
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
    let generated = generated_kotlin();
    let methods = exported_methods(&generated);
    let steps = steps(&generated);
    // A parser that found nothing would pass vacuously.
    assert!(methods.len() > 60, "{methods:?}");
    assert!(steps.len() > 40, "{steps:?}");

    let kotlin = sources(&root().join("android/mitid-core/src/test/kotlin"), ".kt");
    let swift = sources(&root().join("ios/Tests/MitidCoreTests"), ".swift");
    let mut unreached = Vec::new();
    for (ty, method) in &methods {
        let call = format!(".{method}(");
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
