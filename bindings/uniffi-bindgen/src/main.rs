//! uniffi's code generator, pinned to the same uniffi version as `papay-uniffi`, so the
//! generated Kotlin and Swift match the scaffolding compiled into the library.
//!
//! `cargo run -p papay-uniffi-bindgen -- generate --library target/debug/libpapay_uniffi.so
//! --language kotlin --out-dir OUT`

fn main() {
    uniffi::uniffi_bindgen_main()
}
