//! The uniffi-bindgen CLI, pinned to the workspace's uniffi version (see `docs/bindings.md`).
//!
//! `cargo run -p uniffi-bindgen -- generate --library target/debug/libmitid_bindings.so \
//!  --language kotlin --out-dir OUT` (or use `scripts/gen-bindings.sh`).

fn main() {
    uniffi::uniffi_bindgen_main()
}
