//! Test support for `agentcore-observability`: an in-process OTLP/HTTP receiver.
//!
//! [`OtlpReceiver::start`] listens on a loopback port and records every OTLP/HTTP export
//! sent to it (protobuf or JSON, optionally gzip-compressed), so tests and examples can
//! assert on exactly what went over the wire. It can also be scripted to answer with
//! errors, headers or delays ([`PlannedResponse`]).
//!
//! ```
//! use std::time::Duration;
//! use agentcore_observability_testkit::{OtlpReceiver, PlannedResponse};
//!
//! let receiver = OtlpReceiver::start().unwrap();
//! receiver.respond_with([PlannedResponse::status(503).header("retry-after", "1")]);
//! // Point the exporter under test at `receiver.endpoint()`, export, then:
//! let spans = receiver.wait_for_spans(1, Duration::from_millis(20));
//! for span in &spans {
//!     println!("{} {:?}", span.name(), span.attr_str("gen_ai.system"));
//! }
//! ```

mod decode;
mod plan;
mod received;
mod receiver;
mod request;
mod server;
mod store;
pub mod value;

pub use opentelemetry_proto;

pub use plan::PlannedResponse;
pub use received::{MetricDataType, ReceivedLog, ReceivedMetric, ReceivedSpan};
pub use receiver::OtlpReceiver;
pub use request::{ReceivedRequest, Signal};
