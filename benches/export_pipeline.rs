//! Throughput of the export path: spans turned into OTLP protobuf, gzipped, SigV4-signed and posted
//! (to a loopback receiver, so the network costs next to nothing).
//!
//! ```text
//! cargo bench --bench export_pipeline
//! ```

use std::sync::{Arc, Mutex};

use agentcore_observability::opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use agentcore_observability::opentelemetry::KeyValue;
use agentcore_observability::opentelemetry_sdk::error::OTelSdkResult;
use agentcore_observability::opentelemetry_sdk::trace::{
    SdkTracerProvider, SpanData, SpanExporter,
};
use agentcore_observability::Config;
use agentcore_observability_exporter::otlp::OtlpHttp;
use agentcore_observability_exporter::{CredentialsSource, ExportStats};
use agentcore_observability_testkit::OtlpReceiver;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const BATCH: usize = 512;

/// Keeps the spans it is given, so the bench can replay real SDK span data.
#[derive(Debug, Clone, Default)]
struct Capture(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Capture {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().expect("capture").extend(batch);
        Ok(())
    }
}

/// 512 spans shaped like the guide's custom span: 5 attributes and 1 event each.
fn sample_spans() -> Vec<SpanData> {
    let capture = Capture::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(capture.clone())
        .build();
    let tracer = provider.tracer("bench");
    for i in 0..BATCH {
        let mut span = tracer.start("custom span web search tool");
        span.set_attribute(KeyValue::new("tool.name", "web_search"));
        span.set_attribute(KeyValue::new("search.query", format!("query number {i}")));
        span.set_attribute(KeyValue::new("search.provider", "duckduckgo"));
        span.set_attribute(KeyValue::new("search.max_results", 3_i64));
        span.set_attribute(KeyValue::new("session.id", "session-0001"));
        span.add_event(
            "search_completed",
            vec![KeyValue::new("results_count", 3_i64)],
        );
        span.end();
    }
    let spans = capture.0.lock().expect("capture").clone();
    spans
}

fn bench_export(c: &mut Criterion) {
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = Config::builder()
        .vars([
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip".into()),
            ("AWS_SIGV4_SERVICE", "xray".into()),
            ("AWS_REGION", "us-east-1".into()),
        ])
        .no_dotenv()
        .finish()
        .expect("config");
    let credentials = CredentialsSource::Static(aws_credential_types::Credentials::new(
        "AKIDBENCH",
        "bench-secret",
        None,
        None,
        "bench",
    ));
    let stats = ExportStats::default();
    let exporter = OtlpHttp::with_credentials(stats.clone(), credentials)
        .span_exporter(&config.traces.otlp)
        .expect("exporter");
    let spans = sample_spans();

    let mut group = c.benchmark_group("export");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(30);
    group.bench_function("encode_gzip_sign_post_512_spans", |b| {
        b.iter(|| {
            futures_executor::block_on(exporter.export(spans.clone())).expect("export");
        })
    });
    group.finish();
    assert_eq!(
        stats.traces().dropped(),
        0,
        "the bench must measure successful exports"
    );
    receiver.clear();
}

criterion_group!(benches, bench_export);
criterion_main!(benches);
