//! Exporters for [agentcore-observability](https://docs.rs/agentcore-observability).
//!
//! - [`otlp`]: OTLP/HTTP span, log and metric exporters (protobuf or JSON, optional gzip) that send on
//!   their own I/O thread, so they work whether or not the application runs a tokio runtime.
//! - [`console`]: a readable span tree, log lines and metric summaries on stdout, for development.
//!
//! Failures never reach the application: they are counted in [`ExportStats`] and logged once per cause.

pub mod console;
pub mod otlp;
mod stats;
mod transport;

pub use stats::{DropReason, ExportStats, SignalStats};
