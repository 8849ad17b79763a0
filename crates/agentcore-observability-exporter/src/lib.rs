//! Exporters for [agentcore-observability](https://docs.rs/agentcore-observability).
//!
//! - [`otlp`]: OTLP/HTTP span, log and metric exporters (protobuf or JSON, optional gzip) that send on
//!   their own I/O thread, so they work whether or not the application runs a tokio runtime. Where
//!   the configuration says so (CloudWatch OTLP endpoints, `AWS_SIGV4_SERVICE`) every attempt is
//!   SigV4-signed over the bytes sent, batches are split to CloudWatch's request limits, and 408 /
//!   429 / 5xx / connection errors are retried with back-off and `Retry-After` until the deadline.
//!   With the `grpc` feature the same factory sends signals whose protocol is `grpc` over OTLP/gRPC
//!   (opentelemetry-proto's generated tonic clients, on the same I/O thread), retried as the
//!   specification says for gRPC.
//! - [`emf`]: `awsemf` metrics, CloudWatch Embedded Metric Format through `PutLogEvents`.
//! - [`console`]: a readable span tree, log lines and metric summaries on stdout, for development.
//!
//! Failures never reach the application: they are counted in [`ExportStats`] and logged once per cause.
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `aws-credential-chain` | yes | aws-config's default credential chain for signing |
//! | `grpc` | no | OTLP over gRPC (tonic: gzip, TLS with the system's roots, `google.rpc.RetryInfo`); without it a `grpc` protocol is [`ExporterError::GrpcNotCompiled`](otlp::ExporterError::GrpcNotCompiled) |

pub mod console;
mod credentials;
pub mod emf;
pub mod otlp;
mod sigv4;
mod split;
mod stats;
mod transport;

pub use credentials::CredentialsSource;
pub use stats::{DropReason, ExportStats, SignalStats};
