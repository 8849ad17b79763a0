//! The tracer and the three histograms, taken from the global providers.

use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::metrics::Histogram;
use opentelemetry::InstrumentationScope;

use crate::attributes as attr;

/// Instrumentation scope of every span, metric and log record this crate emits.
pub const SCOPE_NAME: &str = "agentcore_observability.bedrock";

fn scope() -> InstrumentationScope {
    InstrumentationScope::builder(SCOPE_NAME)
        .with_version(env!("CARGO_PKG_VERSION"))
        .build()
}

/// What one interceptor records with, bound on its first call.
pub(crate) struct Telemetry {
    pub(crate) tracer: BoxedTracer,
    pub(crate) duration: Histogram<f64>,
    pub(crate) tokens: Histogram<u64>,
    pub(crate) time_to_first_chunk: Histogram<f64>,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry").finish_non_exhaustive()
    }
}

impl Telemetry {
    /// From the global tracer and meter providers as they are now.
    pub(crate) fn from_globals() -> Telemetry {
        let tracer = global::tracer_with_scope(scope());
        let meter = global::meter_with_scope(scope());
        Telemetry {
            tracer,
            duration: meter
                .f64_histogram(attr::METRIC_OPERATION_DURATION)
                .with_unit("s")
                .with_description("GenAI operation duration.")
                .with_boundaries(attr::DURATION_BUCKETS.to_vec())
                .build(),
            tokens: meter
                .u64_histogram(attr::METRIC_TOKEN_USAGE)
                .with_unit("{token}")
                .with_description("Number of input and output tokens used.")
                .with_boundaries(attr::TOKEN_BUCKETS.to_vec())
                .build(),
            time_to_first_chunk: meter
                .f64_histogram(attr::METRIC_TIME_TO_FIRST_CHUNK)
                .with_unit("s")
                .with_description(
                    "Time to receive the first chunk of a streamed response, from the start of the call.",
                )
                .with_boundaries(attr::TIME_TO_FIRST_CHUNK_BUCKETS.to_vec())
                .build(),
        }
    }
}
