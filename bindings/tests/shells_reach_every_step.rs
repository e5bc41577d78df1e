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

/// How much deeper in braces a Kotlin `line` ends than it starts. Comments, which may show
/// braces in prose, count nothing; a doc comment's last line may go on with code after
/// `*/`, which counts.
fn brace_change(line: &str) -> i32 {
    let mut code = line.trim_start();
    if code.starts_with('*') || code.starts_with("/*") {
        code = code.split_once("*/").map_or("", |(_, after)| after);
    }
    if code.starts_with("//") {
        return 0;
    }
    code.chars()
        .map(|c| match c {
            '{' => 1,
            '}' => -1,
            _ => 0,
        })
        .sum()
}

/// For each declaration whose first line `header` names, its name and the lines of its body,
/// each with its depth below the declaration (1 for the body's own members). Depth is
/// counted in braces: the generated code does not indent its nested blocks faithfully.
fn bodies<'a>(
    kotlin: &'a str,
    header: impl Fn(&'a str) -> Option<&'a str>,
) -> Vec<(&'a str, Vec<(i32, &'a str)>)> {
    let mut found = Vec::new();
    let mut lines = kotlin.lines();
    while let Some(line) = lines.next() {
        let Some(name) = header(line) else {
            continue;
        };
        let mut depth = brace_change(line);
        let mut body = Vec::new();
        let mut opened = depth > 0;
        for line in lines.by_ref() {
            body.push((depth, line));
            depth += brace_change(line);
            opened |= depth > 0;
            if opened && depth <= 0 {
                break;
            }
        }
        found.push((name, body));
    }
    found
}

/// `(type, method)` for each method of a driven object, its constructors included: the
/// methods of `public interface TypeInterface`, and the functions of the `companion object`
/// in `open class Type`.
fn exported_methods(kotlin: &str) -> BTreeSet<(String, String)> {
    let mut methods = BTreeSet::new();
    let interfaces = bodies(kotlin, |l| {
        l.strip_prefix("public interface ")
            .and_then(|l| l.strip_suffix("Interface {"))
            .filter(|n| driven(n))
    });
    for (ty, body) in interfaces {
        let names = body.iter().filter_map(|(_, l)| kotlin_fun(l));
        methods.extend(names.map(|m| (ty.to_owned(), m)));
    }
    let classes = bodies(kotlin, |l| {
        l.strip_prefix("open class ")
            .and_then(|l| l.split([':', ' ']).next())
            .filter(|n| driven(n))
    });
    for (ty, body) in classes {
        let mut companion: Option<i32> = None;
        for (depth, line) in body {
            if companion.is_some_and(|d| depth <= d) {
                companion = None;
            }
            if line.trim() == "companion object {" {
                companion = Some(depth);
            } else if companion.is_some() {
                methods.extend(kotlin_fun(line).map(|m| (ty.to_owned(), m)));
            }
        }
    }
    methods
}

/// `(type, variant)` for each variant of a `…Step` sealed class: an `object` or a
/// `data class` among the class's own members.
fn steps(kotlin: &str) -> BTreeSet<(String, String)> {
    assert!(
        !kotlin
            .lines()
            .any(|l| l.starts_with("enum class ") && l.contains("Step")),
        "a step type became a Kotlin enum class, which this check does not read yet"
    );
    let mut steps = BTreeSet::new();
    let sealed = bodies(kotlin, |l| {
        l.strip_prefix("sealed class ")
            .and_then(|l| l.strip_suffix(" {"))
            .filter(|n| n.ends_with("Step"))
    });
    for (ty, body) in sealed {
        for (_, line) in body.into_iter().filter(|(depth, _)| *depth == 1) {
            let code = line.trim_start();
            let Some(rest) = code
                .strip_prefix("object ")
                .or_else(|| code.strip_prefix("data class "))
            else {
                continue;
            };
            let variant = rest.chars().take_while(char::is_ascii_alphanumeric);
            steps.insert((ty.to_owned(), variant.collect()));
        }
    }
    steps
}

/// Fails unless each of `expected` has at least one entry in `found`: a type the parser lost
/// would otherwise leave its methods or steps unchecked.
fn each_found(found: &BTreeSet<(String, String)>, expected: &[&str]) {
    for ty in expected {
        assert!(
            found.iter().any(|(t, _)| t == ty),
            "nothing of {ty} was read from the generated bindings: {found:?}"
        );
    }
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
    // A parser that found nothing, or lost a type, would pass vacuously.
    assert!(methods.len() > 60, "{methods:?}");
    assert!(steps.len() > 40, "{steps:?}");
    let flows = ["ActivationFlow", "ApprovalFlow", "NewPinFlow", "UserIdFlow"];
    each_found(&methods, &[&flows[..], &["App", "ApprovalWait"]].concat());
    assert!(
        methods.contains(&("App".into(), "open".into())),
        "App's constructor"
    );
    let step_types = ["ActivationStep", "ApprovalStep", "NewPinStep", "UserIdStep"];
    each_found(&steps, &step_types);

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
