//! Node.js binding of the papay core, loaded by the `papay` npm package (built from `node/`).
//!
//! The binding only converts values, maps errors and runs futures: every check, signature and
//! retry happens in the core, so Node behaves exactly like the other languages. Async methods
//! run on the tokio runtime that napi-rs starts with the addon and return Promises. Errors
//! leave Rust as JSON in the message (see [`error`]), and the TypeScript layer turns them into
//! `PayError` subclasses. That layer also accepts keys as strings or Buffers, normalizes header
//! objects of any shape and keeps keys out of `util.inspect`.

mod client;
mod error;
mod helpers;
mod models;
mod sandbox;
