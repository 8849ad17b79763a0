//! What `init()` costs an agent at start-up, and what one custom span costs on its hot path.
//!
//! ```text
//! cargo bench --bench init_and_span
//! ```
//!
//! Reference (ADOT Python 0.21, same machine class): auto-instrumented start-up adds 472 ms and a
//! custom span costs 46.9 µs.

use std::time::{Duration, Instant};

use agentcore_observability::opentelemetry::trace::{Span as _, Tracer, TracerProvider as _};
use agentcore_observability::opentelemetry::KeyValue;
use agentcore_observability::{Config, ConfigBuilder};
use agentcore_observability_testkit::OtlpReceiver;
use criterion::{criterion_group, criterion_main, Criterion};

/// The AgentCore-shaped configuration, exporting all three signals over OTLP/HTTP with gzip.
fn agent_config(endpoint: &str) -> ConfigBuilder {
    Config::builder()
        .vars([
            ("AGENT_OBSERVABILITY_ENABLED", "true"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
            ("OTEL_METRICS_EXPORTER", "otlp"),
            ("OTEL_SERVICE_NAME", "bench-agent"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "aws.log.group.names=/aws/bedrock-agentcore/runtimes/bench",
            ),
            (
                "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
                "x-aws-log-group=/aws/bedrock-agentcore/runtimes/bench,x-aws-log-stream=runtime-logs",
            ),
        ])
        .no_dotenv()
}

fn bench_init(c: &mut Criterion) {
    let receiver = OtlpReceiver::start().expect("receiver");
    let endpoint = receiver.endpoint();
    let mut group = c.benchmark_group("init");
    group.sample_size(30);

    group.bench_function("config_from_vars", |b| {
        b.iter(|| agent_config(&endpoint).finish().expect("config"))
    });

    // Only the install is timed; the shutdown each iteration needs (init is once per process)
    // happens outside the measurement.
    group.bench_function("init_with_all_signals", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let config = agent_config(&endpoint).finish().expect("config");
                let started = Instant::now();
                let guard = agentcore_observability::init_with(config).expect("init");
                total += started.elapsed();
                guard.shutdown().expect("shutdown");
            }
            total
        })
    });
    group.finish();
}

fn bench_custom_span(c: &mut Criterion) {
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = agent_config(&receiver.endpoint()).finish().expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let tracer = agentcore_observability::tracer("bench");

    // The guide's "custom span web search tool": 5 attributes and 1 event, batch processor installed.
    //
    // Measured in chunks of 500 spans (under the 512-span batch trigger) with a flush between
    // chunks outside the timing, so every span is really queued and exported but the export work
    // (gzip, HTTP, and the in-process receiver decoding it) does not compete for this 2-core
    // machine's CPU while spans are timed.
    let sdk_tracer = guard.tracer_provider().expect("traces on").tracer("bench");
    c.bench_function("custom_span_5_attributes_1_event", |b| {
        b.iter_custom(|iterations| chunked(iterations, &guard, || custom_span(&tracer)))
    });
    c.bench_function("custom_span_5_attributes_1_event_sdk_tracer", |b| {
        b.iter_custom(|iterations| chunked(iterations, &guard, || custom_span(&sdk_tracer)))
    });
    // The same span while the exporter and receiver run flat out beside it (the queue stays full,
    // so most of these spans are dropped by the batch processor): the contended worst case.
    c.bench_function("custom_span_5_attributes_1_event_saturated", |b| {
        b.iter(|| custom_span(&tracer))
    });
    guard.shutdown().expect("shutdown");
}

/// Times `iterations` calls of `span` in chunks of 500, flushing (untimed) after each chunk.
fn chunked(
    iterations: u64,
    guard: &agentcore_observability::ObservabilityGuard,
    span: impl Fn(),
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iterations;
    while left > 0 {
        let chunk = left.min(500);
        let started = Instant::now();
        for _ in 0..chunk {
            span();
        }
        total += started.elapsed();
        left -= chunk;
        let _ = guard.flush();
    }
    total
}

fn custom_span<T: Tracer>(tracer: &T) {
    let mut span = tracer.start("custom span web search tool");
    span.set_attribute(KeyValue::new("tool.name", "web_search"));
    span.set_attribute(KeyValue::new(
        "search.query",
        "OpenTelemetry distro for AgentCore",
    ));
    span.set_attribute(KeyValue::new("search.provider", "duckduckgo"));
    span.set_attribute(KeyValue::new("search.max_results", 3_i64));
    span.set_attribute(KeyValue::new("search.results_count", 3_i64));
    span.add_event(
        "search_completed",
        vec![KeyValue::new("results_count", 3_i64)],
    );
    span.end();
}

criterion_group!(benches, bench_init, bench_custom_span);
criterion_main!(benches);
