//! What the baggage → attribute processors add to each span and log record.
//!
//! ```text
//! cargo bench --bench session_processor
//! ```
//!
//! Each case starts and ends one span (or emits one log record) inside a session scope, on a
//! provider whose only other processor is a sink that drops what it gets (so exporting costs
//! nothing), with and without the baggage processor in front of it. The difference is the
//! processor's cost, including the copy of the span data the SDK makes for every extra processor.

use std::time::Duration;

use agentcore_observability::opentelemetry::logs::{Logger as _, LoggerProvider as _};
use agentcore_observability::opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use agentcore_observability::opentelemetry::{Context, InstrumentationScope, KeyValue};
use agentcore_observability::opentelemetry_sdk::error::OTelSdkResult;
use agentcore_observability::opentelemetry_sdk::logs::{
    LogProcessor, SdkLogRecord, SdkLoggerProvider,
};
use agentcore_observability::opentelemetry_sdk::trace::{
    SdkTracerProvider, Span, SpanData, SpanProcessor,
};
use agentcore_observability::session::{BaggageLogProcessor, BaggageSpanProcessor, Session};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// Drops every span and record: stands in for the exporting processor at zero cost.
#[derive(Debug)]
struct Sink;

impl SpanProcessor for Sink {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}
    fn on_end(&self, span: SpanData) {
        std::hint::black_box(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

impl LogProcessor for Sink {
    fn emit(&self, record: &mut SdkLogRecord, _scope: &InstrumentationScope) {
        std::hint::black_box(record);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

fn tracer_provider(with_processor: bool) -> SdkTracerProvider {
    let mut builder = SdkTracerProvider::builder();
    if with_processor {
        builder = builder.with_span_processor(BaggageSpanProcessor::new(["tenant.id"]));
    }
    builder.with_span_processor(Sink).build()
}

fn session() -> Session {
    Session::new("session-0001-6744c1d2a5f04b1e9c3d")
        .user_type("premium")
        .attribute("tenant.id", "acme")
}

fn bench_spans(c: &mut Criterion) {
    let mut group = c.benchmark_group("span_in_session");
    for with_processor in [false, true] {
        let label = if with_processor {
            "with_processor"
        } else {
            "without_processor"
        };
        let provider = tracer_provider(with_processor);
        let tracer = provider.tracer("bench");

        // A plain span with one attribute set after start.
        group.bench_with_input(BenchmarkId::new("plain", label), &(), |b, _| {
            let _session = session().enter();
            b.iter(|| {
                let mut span = tracer.start("execute_tool web_search");
                span.set_attribute(KeyValue::new("gen_ai.tool.name", "web_search"));
                span.end();
            })
        });

        // A GenAI span started with gen_ai.operation.name: also gets gen_ai.conversation.id.
        group.bench_with_input(BenchmarkId::new("genai", label), &(), |b, _| {
            let _session = session().enter();
            b.iter(|| {
                let mut span = tracer
                    .span_builder("chat anthropic.claude-3-haiku")
                    .with_attributes([
                        KeyValue::new("gen_ai.operation.name", "chat"),
                        KeyValue::new("gen_ai.request.model", "anthropic.claude-3-haiku"),
                    ])
                    .start(&tracer);
                span.end();
            })
        });

        // Outside any session: the processor only finds the baggage empty.
        group.bench_with_input(BenchmarkId::new("no_session", label), &(), |b, _| {
            b.iter(|| {
                let mut span = tracer.start("execute_tool web_search");
                span.set_attribute(KeyValue::new("gen_ai.tool.name", "web_search"));
                span.end();
            })
        });
    }
    group.finish();
}

fn bench_logs(c: &mut Criterion) {
    let mut group = c.benchmark_group("log_in_session");
    for with_processor in [false, true] {
        let label = if with_processor {
            "with_processor"
        } else {
            "without_processor"
        };
        let mut builder = SdkLoggerProvider::builder();
        if with_processor {
            builder = builder.with_log_processor(BaggageLogProcessor::new(["tenant.id"]));
        }
        let provider = builder.with_log_processor(Sink).build();
        let logger = provider.logger("bench");
        group.bench_function(label, |b| {
            let _session = session().enter();
            b.iter(|| {
                let mut record = logger.create_log_record();
                agentcore_observability::opentelemetry::logs::LogRecord::set_body(
                    &mut record,
                    "tool finished".into(),
                );
                logger.emit(record);
            })
        });
    }
    group.finish();
}

fn bench_scope(c: &mut Criterion) {
    // What entering a session costs (baggage built and attached), per request.
    c.bench_function("session_enter", |b| {
        let session = session();
        b.iter(|| {
            let _guard = session.enter();
        })
    });
}

criterion_group!(benches, bench_spans, bench_logs, bench_scope);
criterion_main!(benches);
