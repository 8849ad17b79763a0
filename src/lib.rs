//! Workspace-level examples, end-to-end tests and benchmarks for `agentcore-observability`.
//!
//! This package is not published; it exists so `cargo run --example quickstart`,
//! `cargo test --workspace` and `cargo bench` work from the repository root.
