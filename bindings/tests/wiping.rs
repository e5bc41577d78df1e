//! What uniffi's converters leave in freed memory when a secret crosses the FFI: a PIN in a
//! `Confirm`, the face the camera captured, a pepper or sealing key going to or coming from
//! the platform's secret store. This test binary's allocator scans every block the test's
//! thread frees for a marker carried by the secret, and counts the blocks that still hold
//! it.
//!
//! Each test builds the `RustBuffer` the foreign side hands over (allocated by Rust, as the
//! shells' `rustbuffer_alloc` does) and lifts it with the converter of the type the exported
//! signature names, or lowers a secret as the core hands it to the shell. What the core does
//! with a lifted value afterwards is its own business (`core/tests/wiping.rs`); here the test
//! wipes what it is given, as the core does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mitid_bindings::secret;
use mitid_bindings::UniFfiTag;
use mitid_core::app::Confirm;
use mitid_protocol::wire::SecretBytes;
use uniffi::{Lift, LiftReturn, Lower, RustBuffer};
use zeroize::Zeroizing;

/// What the secret carries; long enough that no other bytes match it by chance.
const MARKER: &[u8] = b"wipe-me-b81f4c0e97a2d53c6e1f0a47";

#[path = "../../core/tests/scanning/mod.rs"]
mod scanning;

#[global_allocator]
static ALLOCATOR: scanning::Scanning = scanning::Scanning;

/// Runs `work` with this thread's frees scanned for the marker; the blocks that held it.
fn unwiped_after(work: impl FnOnce()) -> usize {
    scanning::unwiped_after(&[MARKER], work)
}

/// A buffer as the shell fills it: one allocation of the exact size, then written.
fn from_shell(parts: &[&[u8]]) -> RustBuffer {
    let mut bytes = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        bytes.extend_from_slice(part);
    }
    RustBuffer::from_vec(bytes)
}

/// uniffi's length prefix (a big-endian `i32`).
fn length_of(bytes: &[u8]) -> [u8; 4] {
    i32::try_from(bytes.len()).unwrap().to_be_bytes()
}

/// `Confirm::Pin` as the shell writes it: the variant (1-based), then the PIN's length and
/// text.
fn confirm_pin_buffer() -> RustBuffer {
    from_shell(&[&1_i32.to_be_bytes(), &length_of(MARKER), MARKER])
}

/// What the core does with a confirmation it is handed: the PIN goes into `Zeroizing`.
fn used(confirm: Confirm) {
    if let Confirm::Pin { pin } = confirm {
        drop(Zeroizing::new(pin));
    }
}

#[test]
fn a_pin_in_a_confirmation_leaves_no_copy_when_lifted() {
    let left = unwiped_after(|| {
        let lifted = <secret::Wiped<Confirm> as Lift<UniFfiTag>>::try_lift(confirm_pin_buffer());
        used(lifted.unwrap().into_inner());
    });
    assert_eq!(left, 0, "blocks that held the PIN were freed unwiped");
}

#[test]
fn an_optional_confirmation_leaves_no_copy_when_lifted() {
    let left = unwiped_after(|| {
        let buffer = from_shell(&[&[1], &1_i32.to_be_bytes(), &length_of(MARKER), MARKER]);
        let lifted = <secret::Wiped<Option<Confirm>> as Lift<UniFfiTag>>::try_lift(buffer);
        used(lifted.unwrap().into_inner().unwrap());
    });
    assert_eq!(left, 0, "blocks that held the PIN were freed unwiped");
}

#[test]
fn a_face_capture_leaves_no_copy_when_lifted() {
    let left = unwiped_after(|| {
        let buffer = from_shell(&[&length_of(MARKER), MARKER]);
        let lifted = <SecretBytes as Lift<UniFfiTag>>::try_lift(buffer).unwrap();
        assert_eq!(lifted.expose(), MARKER);
        drop(lifted);
    });
    assert_eq!(left, 0, "blocks that held the face were freed unwiped");
}

#[test]
fn a_secret_from_the_platform_store_leaves_no_copy_when_lifted() {
    let left = unwiped_after(|| {
        let buffer = from_shell(&[&[1], &length_of(MARKER), MARKER]);
        let lifted =
            <secret::MaybeBytes as LiftReturn<UniFfiTag>>::try_lift_successful_return(buffer);
        let secret = lifted.unwrap().into_inner().unwrap();
        assert_eq!(secret.as_slice(), MARKER);
        drop(secret);
    });
    assert_eq!(left, 0, "blocks that held the secret were freed unwiped");
}

/// The software store's answer to a shell's `getSecret` (the shells' tests call it).
#[test]
fn a_secret_answered_to_the_shell_leaves_only_the_buffer_handed_over() {
    let left = unwiped_after(|| {
        let answer = secret::MaybeBytes::new(Some(Zeroizing::new(MARKER.to_vec())));
        let buffer = <secret::MaybeBytes as Lower<UniFfiTag>>::lower(answer);
        let handed_over = Zeroizing::new(buffer.destroy_into_vec());
        assert_eq!(&handed_over[5..], MARKER);
    });
    assert_eq!(left, 0, "blocks that held the secret were freed unwiped");
}

/// A secret lowered for the shell leaves one copy: the buffer the shell reads and frees
/// (through `rustbuffer_free`, which Rust cannot make wipe; docs/bindings.md says so). Here
/// the test frees that buffer wiped, so any other block counts.
#[test]
fn a_secret_to_the_platform_store_leaves_only_the_buffer_handed_over() {
    let left = unwiped_after(|| {
        let secret = SecretBytes::from(Zeroizing::new(MARKER.to_vec()));
        let buffer = <SecretBytes as Lower<UniFfiTag>>::lower(secret);
        let handed_over = Zeroizing::new(buffer.destroy_into_vec());
        assert_eq!(&handed_over[4..], MARKER);
    });
    assert_eq!(left, 0, "blocks that held the secret were freed unwiped");
}

/// A lifted confirmation dropped before the core took it (a call that never ran: the
/// runtime could not start) is wiped.
#[test]
fn a_confirmation_dropped_unused_is_wiped() {
    let left = unwiped_after(|| {
        let lifted = <secret::Wiped<Confirm> as Lift<UniFfiTag>>::try_lift(confirm_pin_buffer());
        drop(lifted.unwrap());
    });
    assert_eq!(left, 0, "blocks that held the PIN were freed unwiped");
}

/// Bad input from the shell is an error, and the buffer is wiped all the same.
#[test]
fn a_malformed_buffer_is_refused_and_wiped() {
    let left = unwiped_after(|| {
        let short = from_shell(&[&length_of(&[0; 64]), MARKER]);
        assert!(<SecretBytes as Lift<UniFfiTag>>::try_lift(short).is_err());
        let junk = from_shell(&[&length_of(&MARKER[..4]), MARKER]);
        assert!(<SecretBytes as Lift<UniFfiTag>>::try_lift(junk).is_err());
        let tag = from_shell(&[&[7], &length_of(MARKER), MARKER]);
        let lifted = <secret::MaybeBytes as LiftReturn<UniFfiTag>>::try_lift_successful_return(tag);
        assert!(lifted.is_err());
        let variant = from_shell(&[&9_i32.to_be_bytes(), &length_of(MARKER), MARKER]);
        assert!(<secret::Wiped<Confirm> as Lift<UniFfiTag>>::try_lift(variant).is_err());
        // A whole PIN read, then bytes left over: the PIN read is wiped too.
        let over = from_shell(&[&1_i32.to_be_bytes(), &length_of(MARKER), MARKER, &[0]]);
        assert!(<secret::Wiped<Confirm> as Lift<UniFfiTag>>::try_lift(over).is_err());
        // Not UTF-8: uniffi's reader returns a copy inside its error.
        let mut not_text = Zeroizing::new(Vec::with_capacity(MARKER.len() + 1));
        not_text.extend_from_slice(MARKER);
        not_text.push(0xFF);
        let text = from_shell(&[&1_i32.to_be_bytes(), &length_of(&not_text), &not_text]);
        assert!(<secret::Wiped<Confirm> as Lift<UniFfiTag>>::try_lift(text).is_err());
    });
    assert_eq!(left, 0, "refused buffers were freed unwiped");
}

/// The exported signatures carry their secrets in the types above, which the tests here
/// lift: a face, a store's secret or a `Confirm` as uniffi's plain `Vec<u8>`, `Option<…>`
/// or `Confirm` would pass every test above and still leave its copies. Read from the
/// bindings' own source (the exported functions and the flows' wrappers).
#[test]
fn the_exported_signatures_carry_secrets_in_the_wiping_types() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let plain = [
        "capture: Vec<u8>",
        "secret: Vec<u8>",
        "Option<Vec<u8>>",
        ": Confirm,",
        ": Confirm)",
        ": Option<Confirm>",
    ];
    let mut offending = Vec::new();
    let mut files = 0;
    for file in rust_files(&root) {
        files += 1;
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            // `secret.rs` defines the wiping types in terms of the plain ones.
            if plain.iter().any(|p| line.contains(p)) && !file.ends_with("secret.rs") {
                offending.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        files >= 10,
        "the bindings' sources were not found under {root:?}"
    );
    assert!(offending.is_empty(), "{offending:#?}");
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}
