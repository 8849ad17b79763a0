//! What the GenAI span helpers cost over a raw SDK span with the same attributes.
//!
//! ```text
//! cargo bench --bench spans
//! ```
//!
//! Every case starts and ends one span on a provider whose only processor is a sink that drops
//! what it gets, so exporting costs nothing and the numbers are the span's own cost:
//!
//! - `raw_sdk`: `tracer.span_builder(format!("execute_tool {name}"))` with `gen_ai.operation.name`
//!   and `gen_ai.tool.name`, started as a child of the current context and ended;
//! - `helper/capture_off`: `spans::tool(name).start()` + end, content capture off;
//! - `raw_sdk_with_content` / `helper/capture_on_span_attributes`: the same plus tool arguments
//!   and result as span attributes;
//! - `helper/capture_on_both`: content as span attributes and as log events (a sink logger);
//! - `helper/global_fallback`: capture off, no provider installed in the helpers, so each span asks
//!   the global provider for a tracer (the path before `init()`, or with your own provider).

use std::time::Duration;

use agentcore_observability::opentelemetry::trace::{
    Span as _, SpanKind, Tracer as _, TracerProvider as _,
};
use agentcore_observability::opentelemetry::{Context, InstrumentationScope, KeyValue};
use agentcore_observability::opentelemetry_sdk::error::OTelSdkResult;
use agentcore_observability::opentelemetry_sdk::logs::{
    LogProcessor, SdkLogRecord, SdkLoggerProvider,
};
use agentcore_observability::opentelemetry_sdk::trace::{
    SdkTracerProvider, Span, SpanData, SpanProcessor,
};
use agentcore_observability::spans::content::{
    self, ContentDestination, ContentPolicy, ContentSink,
};
use agentcore_observability::spans::{self, GenAiSpan};
use criterion::{criterion_group, criterion_main, Criterion};

const ARGUMENTS: &str = r#"{"query":"weekend trips from Seattle","max_results":3}"#;
const RESULT: &str = r#"["San Juan Islands","Leavenworth","Olympic National Park"]"#;

/// Drops every span and record.
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
}

fn tool_with_content(name: &str) -> GenAiSpan {
    let span = spans::tool(name).arguments(ARGUMENTS).start();
    span.record_result_value(RESULT);
    span
}

fn bench_tool_span(c: &mut Criterion) {
    let provider = SdkTracerProvider::builder()
        .with_span_processor(Sink)
        .build();
    let logger = SdkLoggerProvider::builder()
        .with_log_processor(Sink)
        .build();
    let tracer = provider.tracer_with_scope(spans::scope().clone());
    let name = std::hint::black_box("web_search");

    let mut group = c.benchmark_group("tool_span");
    group.bench_function("raw_sdk", |b| {
        b.iter(|| {
            let mut span = tracer
                .span_builder(format!("execute_tool {name}"))
                .with_kind(SpanKind::Internal)
                .with_attributes([
                    KeyValue::new("gen_ai.operation.name", "execute_tool"),
                    KeyValue::new("gen_ai.tool.name", name.to_string()),
                ])
                .start_with_context(&tracer, &Context::current());
            span.end();
        })
    });
    group.bench_function("raw_sdk_with_content", |b| {
        b.iter(|| {
            let mut span = tracer
                .span_builder(format!("execute_tool {name}"))
                .with_kind(SpanKind::Internal)
                .with_attributes([
                    KeyValue::new("gen_ai.operation.name", "execute_tool"),
                    KeyValue::new("gen_ai.tool.name", name.to_string()),
                ])
                .start_with_context(&tracer, &Context::current());
            span.set_attribute(KeyValue::new(
                "gen_ai.tool.call.arguments",
                ARGUMENTS.to_string(),
            ));
            span.set_attribute(KeyValue::new("gen_ai.tool.call.result", RESULT.to_string()));
            span.end();
        })
    });

    spans::install_tracer_provider(&provider);
    content::install(ContentPolicy::disabled(), None);
    group.bench_function("helper/capture_off", |b| {
        b.iter(|| spans::tool(name).start().end())
    });
    group.bench_function("helper/capture_off_with_content_calls", |b| {
        b.iter(|| tool_with_content(name).end())
    });

    content::install(
        ContentPolicy::capture(ContentDestination::SpanAttributes),
        None,
    );
    group.bench_function("helper/capture_on_span_attributes", |b| {
        b.iter(|| tool_with_content(name).end())
    });

    content::install(
        ContentPolicy::capture(ContentDestination::Both),
        Some(ContentSink::new(&logger)),
    );
    group.bench_function("helper/capture_on_both", |b| {
        b.iter(|| tool_with_content(name).end())
    });

    content::install(ContentPolicy::disabled(), None);
    spans::uninstall_tracer_provider();
    agentcore_observability::opentelemetry::global::set_tracer_provider(provider.clone());
    group.bench_function("helper/global_fallback", |b| {
        b.iter(|| spans::tool(name).start().end())
    });
    group.finish();
    content::uninstall();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = bench_tool_span
}
criterion_main!(benches);
