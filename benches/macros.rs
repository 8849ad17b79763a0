//! What `#[instrument_tool]` adds to a call: the same tool function bare, instrumented, with
//! `arguments` and `result` recorded (content capture on), written by hand with the span helpers,
//! and as an `async fn`.
//!
//! ```text
//! cargo bench --bench macros
//! ```
//!
//! Telemetry is installed and exports over OTLP/HTTP to an in-process receiver; spans are timed in
//! chunks of 500 (under the 512-span batch trigger) with a flush between chunks outside the timing,
//! so every span is really exported but the export work does not compete for the CPU while the
//! calls are timed (see `init_and_span.rs`).

use std::future::Future;
use std::hint::black_box;
use std::io;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use agentcore_observability::{instrument_tool, spans, Config, ObservabilityGuard};
use agentcore_observability_testkit::OtlpReceiver;
use criterion::{criterion_group, criterion_main, Criterion};

/// The tool body every variant runs.
fn lookup_body(city: &str, limit: u32) -> Result<usize, io::Error> {
    if city.is_empty() {
        return Err(io::Error::other("no city"));
    }
    Ok(city.len() + limit as usize)
}

fn lookup_bare(city: &str, limit: u32) -> Result<usize, io::Error> {
    lookup_body(city, limit)
}

#[instrument_tool(name = "lookup", tool_type = "function")]
fn lookup_instrumented(city: &str, limit: u32) -> Result<usize, io::Error> {
    lookup_body(city, limit)
}

#[instrument_tool(name = "lookup", tool_type = "function", arguments, result)]
fn lookup_with_content(city: &str, limit: u32) -> Result<usize, io::Error> {
    lookup_body(city, limit)
}

/// What the macro saves writing: the span, kept current, the error recorded.
fn lookup_by_hand(city: &str, limit: u32) -> Result<usize, io::Error> {
    let span = spans::tool("lookup").tool_type("function").start();
    let _current = span.context().attach();
    let result = lookup_body(city, limit);
    if let Err(error) = &result {
        span.record_error(error);
    }
    result
}

async fn lookup_async_bare(city: &str, limit: u32) -> Result<usize, io::Error> {
    lookup_body(city, limit)
}

#[instrument_tool(name = "lookup", tool_type = "function")]
async fn lookup_async_instrumented(city: &str, limit: u32) -> Result<usize, io::Error> {
    lookup_body(city, limit)
}

/// Polls a future that completes without waiting (no runtime in the measurement).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// Times `iterations` calls of `call` in chunks of 500, flushing (untimed) after each chunk.
fn chunked(iterations: u64, guard: &ObservabilityGuard, call: impl Fn()) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iterations;
    while left > 0 {
        let chunk = left.min(500);
        let started = Instant::now();
        for _ in 0..chunk {
            call();
        }
        total += started.elapsed();
        left -= chunk;
        let _ = guard.flush();
    }
    total
}

fn bench_instrument_tool(c: &mut Criterion) {
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = Config::builder()
        .vars([
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint().as_str()),
            ("OTEL_SERVICE_NAME", "bench-agent"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_LOGS_EXPORTER", "none"),
            (
                "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
                "span_only",
            ),
        ])
        .no_dotenv()
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");

    let mut group = c.benchmark_group("instrument_tool");
    group.bench_function("bare_fn", |b| {
        b.iter_custom(|n| {
            chunked(n, &guard, || {
                black_box(lookup_bare(black_box("Lisbon"), black_box(3))).ok();
            })
        })
    });
    group.bench_function("instrumented_fn", |b| {
        b.iter_custom(|n| {
            chunked(n, &guard, || {
                black_box(lookup_instrumented(black_box("Lisbon"), black_box(3))).ok();
            })
        })
    });
    group.bench_function("instrumented_fn_arguments_result", |b| {
        b.iter_custom(|n| {
            chunked(n, &guard, || {
                black_box(lookup_with_content(black_box("Lisbon"), black_box(3))).ok();
            })
        })
    });
    group.bench_function("by_hand_with_span_helpers", |b| {
        b.iter_custom(|n| {
            chunked(n, &guard, || {
                black_box(lookup_by_hand(black_box("Lisbon"), black_box(3))).ok();
            })
        })
    });
    group.bench_function("instrumented_fn_err", |b| {
        b.iter_custom(|n| {
            chunked(n, &guard, || {
                black_box(lookup_instrumented(black_box(""), black_box(3))).ok();
            })
        })
    });
    group.bench_function("bare_async_fn", |b| {
        b.iter_custom(|n| {
            chunked(n, &guard, || {
                black_box(ready(lookup_async_bare(black_box("Lisbon"), black_box(3)))).ok();
            })
        })
    });
    group.bench_function("instrumented_async_fn", |b| {
        b.iter_custom(|n| {
            chunked(n, &guard, || {
                black_box(ready(lookup_async_instrumented(
                    black_box("Lisbon"),
                    black_box(3),
                )))
                .ok();
            })
        })
    });
    group.finish();
    guard.shutdown().expect("shutdown");
}

criterion_group!(benches, bench_instrument_tool);
criterion_main!(benches);
