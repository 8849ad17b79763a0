//! Context for [agentcore-observability](https://docs.rs/agentcore-observability): the propagators
//! named in `OTEL_PROPAGATORS` and AWS X-Ray-compatible trace ids.

pub mod propagation;

pub use opentelemetry_aws::trace::XrayIdGenerator;
