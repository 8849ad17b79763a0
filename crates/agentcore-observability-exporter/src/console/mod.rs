//! Console exporters for development: what a developer watches while building an agent.
//!
//! - [`ConsoleSpanExporter`]: each trace as a readable tree once its root span ends, with
//!   durations, errors, and the GenAI attributes that matter (agent, tool, model, tokens).
//! - [`ConsoleLogExporter`]: one line per log record, with its trace and span ids.
//! - [`ConsoleMetricExporter`]: a compact line per metric data point on each collection.
//!
//! All three write to stdout by default, use ANSI colour only when stdout is a terminal and
//! `NO_COLOR` is unset, and take `with_writer` / `with_color` to change that. Write errors (a
//! closed pipe, say) are ignored: the console must never take the application down.
//!
//! ```
//! use agentcore_observability_exporter::console::{
//!     ConsoleLogExporter, ConsoleMetricExporter, ConsoleSpanExporter,
//! };
//! use opentelemetry_sdk::logs::SdkLoggerProvider;
//! use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
//! use opentelemetry_sdk::trace::SdkTracerProvider;
//!
//! let tracer_provider = SdkTracerProvider::builder()
//!     .with_simple_exporter(ConsoleSpanExporter::new())
//!     .build();
//! let logger_provider = SdkLoggerProvider::builder()
//!     .with_simple_exporter(ConsoleLogExporter::new())
//!     .build();
//! let meter_provider = SdkMeterProvider::builder()
//!     .with_reader(PeriodicReader::builder(ConsoleMetricExporter::new()).build())
//!     .build();
//! # let _ = (tracer_provider.shutdown(), logger_provider.shutdown(), meter_provider.shutdown());
//! ```

mod format;
mod logs;
mod metrics;
mod output;
mod render;
mod tree;

pub use logs::ConsoleLogExporter;
pub use metrics::ConsoleMetricExporter;
pub use tree::ConsoleSpanExporter;
