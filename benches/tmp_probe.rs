use agentcore_observability::opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use agentcore_observability::opentelemetry::{Context, KeyValue};
use agentcore_observability::opentelemetry_sdk::error::OTelSdkResult;
use agentcore_observability::opentelemetry_sdk::trace::{
    SdkTracerProvider, Span, SpanData, SpanProcessor,
};
use agentcore_observability::session::{BaggageSpanProcessor, Session};
use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;

#[derive(Debug)]
struct Sink(u8);
impl SpanProcessor for Sink {
    fn on_start(&self, span: &mut Span, _cx: &Context) {
        if self.0 == 1 {
            std::hint::black_box(span.exported_data());
        }
        if self.0 == 2 {
            span.set_attribute(KeyValue::new("session.id", "x"));
            span.set_attribute(KeyValue::new("tenant.id", "y"));
        }
    }
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

fn b(c: &mut Criterion) {
    let cases: Vec<(&str, SdkTracerProvider)> = vec![
        (
            "sink_only",
            SdkTracerProvider::builder()
                .with_span_processor(Sink(0))
                .build(),
        ),
        (
            "noop_plus_sink",
            SdkTracerProvider::builder()
                .with_span_processor(Sink(0))
                .with_span_processor(Sink(0))
                .build(),
        ),
        (
            "exported_data_plus_sink",
            SdkTracerProvider::builder()
                .with_span_processor(Sink(1))
                .with_span_processor(Sink(0))
                .build(),
        ),
        (
            "two_attrs_plus_sink",
            SdkTracerProvider::builder()
                .with_span_processor(Sink(2))
                .with_span_processor(Sink(0))
                .build(),
        ),
        (
            "baggage_noconv_plus_sink",
            SdkTracerProvider::builder()
                .with_span_processor(
                    BaggageSpanProcessor::new(["tenant.id"]).conversation_id(false),
                )
                .with_span_processor(Sink(0))
                .build(),
        ),
        (
            "baggage_plus_sink",
            SdkTracerProvider::builder()
                .with_span_processor(BaggageSpanProcessor::new(["tenant.id"]))
                .with_span_processor(Sink(0))
                .build(),
        ),
    ];
    for (name, provider) in cases {
        let tracer = provider.tracer("bench");
        c.bench_function(name, |b| {
            let _s = Session::new("session-0001")
                .user_type("premium")
                .attribute("tenant.id", "acme")
                .enter();
            b.iter(|| {
                let mut span = tracer.start("execute_tool web_search");
                span.set_attribute(KeyValue::new("gen_ai.tool.name", "web_search"));
                span.end();
            })
        });
    }
}
criterion_group! {name = benches; config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500)); targets = b}
criterion_main!(benches);
