//! The OTLP/HTTP exporters against the testkit receiver, driven by the SDK's own processors.

use std::time::{Duration, Instant};

use agentcore_observability_config::{Config, OtlpSignalConfig};
use agentcore_observability_exporter::otlp::OtlpHttp;
use agentcore_observability_exporter::{DropReason, ExportStats};
use agentcore_observability_testkit::opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use agentcore_observability_testkit::{OtlpReceiver, PlannedResponse};
use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use prost::Message as _;

const WAIT: Duration = Duration::from_secs(10);

fn traces_config(vars: &[(&str, &str)]) -> OtlpSignalConfig {
    Config::builder()
        .vars(vars.iter().copied())
        .no_dotenv()
        .finish()
        .expect("config")
        .traces
        .otlp
}

#[test]
fn exports_from_a_thread_with_no_async_runtime() {
    let receiver = OtlpReceiver::start().expect("receiver");
    let stats = ExportStats::default();
    let exporter = OtlpHttp::new(stats.clone())
        .span_exporter(&traces_config(&[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            &receiver.traces_url(),
        )]))
        .expect("exporter");
    // The simple processor drives the export future with a plain executor on this thread.
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter)
        .build();
    provider.tracer("plain").in_span("no runtime here", |_| {});

    let spans = receiver.wait_for_spans(1, WAIT);
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name(), "no runtime here");
    assert_eq!(stats.traces().exported(), 1);
    assert_eq!(stats.traces().requests(), 1);
    let _ = provider.shutdown();
}

#[test]
fn gzip_bodies_decompress_to_the_same_spans() {
    let receiver = OtlpReceiver::start().expect("receiver");
    let exporter = OtlpHttp::new(ExportStats::default())
        .span_exporter(&traces_config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint()),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"),
        ]))
        .expect("exporter");
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter)
        .build();
    provider.tracer("gzip").in_span("compressed", |_| {});

    assert_eq!(receiver.wait_for_spans(1, WAIT)[0].name(), "compressed");
    let request = &receiver.requests()[0];
    assert_eq!(request.content_encoding(), Some("gzip"));
    assert_eq!(&request.body[..2], &[0x1f, 0x8b], "gzip magic bytes");
    assert!(request.decoded_body_len.is_some_and(|n| n > 0));
    let _ = provider.shutdown();
}

#[test]
fn partial_success_counts_the_rejected_spans() {
    let receiver = OtlpReceiver::start().expect("receiver");
    let answer = ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess {
            rejected_spans: 1,
            error_message: "span too large".into(),
        }),
    };
    receiver.respond_with([PlannedResponse::status(200)
        .header("content-type", "application/x-protobuf")
        .body(answer.encode_to_vec())]);
    let stats = ExportStats::default();
    let exporter = OtlpHttp::new(stats.clone())
        .span_exporter(&traces_config(&[(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            &receiver.endpoint(),
        )]))
        .expect("exporter");
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .build();
    let tracer = provider.tracer("partial");
    tracer.in_span("one", |_| {});
    tracer.in_span("two", |_| {});
    provider.force_flush().expect("flush");

    assert_eq!(receiver.wait_for_spans(2, WAIT).len(), 2);
    assert_eq!(stats.traces().exported(), 1);
    assert_eq!(
        stats.traces().dropped_by_reason(),
        vec![(DropReason::RejectedByReceiver, 1)]
    );
    let _ = provider.shutdown();
}

#[test]
fn a_receiver_slower_than_the_deadline_is_a_counted_timeout() {
    let receiver = OtlpReceiver::start().expect("receiver");
    receiver.respond_with([PlannedResponse::ok().delay(Duration::from_secs(3))]);
    let stats = ExportStats::default();
    let exporter = OtlpHttp::new(stats.clone())
        .span_exporter(&traces_config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint()),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "300ms"),
        ]))
        .expect("exporter");
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter)
        .build();
    let started = Instant::now();
    provider.tracer("slow").in_span("late", |_| {});
    // The export gave up at its deadline instead of waiting for the 3 s answer.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        stats.traces().dropped_by_reason(),
        vec![(DropReason::Timeout, 1)]
    );
    let _ = provider.shutdown();
}

#[cfg(not(feature = "grpc"))]
#[test]
fn grpc_is_refused_with_the_feature_and_the_setting_to_use() {
    let config = traces_config(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
    let error = OtlpHttp::new(ExportStats::default())
        .span_exporter(&config)
        .expect_err("no gRPC in this build");
    let message = error.to_string();
    assert!(message.contains("`grpc` feature"), "{message}");
    assert!(message.contains("`agentcore-observability`"), "{message}");
    assert!(message.contains("http/protobuf"), "{message}");
}

/// A credentials provider that fails `failures` times, then hands out test credentials.
#[derive(Debug)]
struct FlakyCredentials {
    failures: std::sync::atomic::AtomicU32,
}

impl aws_credential_types::provider::ProvideCredentials for FlakyCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        use std::sync::atomic::Ordering;
        let left = self.failures.load(Ordering::SeqCst);
        let result = if left > 0 {
            self.failures.store(left - 1, Ordering::SeqCst);
            Err(
                aws_credential_types::provider::error::CredentialsError::not_loaded(
                    "no credentials in this test",
                ),
            )
        } else {
            Ok(aws_credential_types::Credentials::new(
                "AKIDFLAKY",
                "flaky-secret",
                None,
                None,
                "test",
            ))
        };
        aws_credential_types::provider::future::ProvideCredentials::ready(result)
    }
}

fn signed_traces_exporter(
    receiver: &OtlpReceiver,
    failures: u32,
    timeout: &str,
    stats: &ExportStats,
) -> agentcore_observability_exporter::otlp::OtlpSpanExporter {
    let config = traces_config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint()),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", timeout),
        ("AWS_SIGV4_SERVICE", "xray"),
        ("AWS_REGION", "us-east-1"),
    ]);
    let source = agentcore_observability_exporter::CredentialsSource::Provider(
        aws_credential_types::provider::SharedCredentialsProvider::new(FlakyCredentials {
            failures: failures.into(),
        }),
    );
    OtlpHttp::with_credentials(stats.clone(), source)
        .span_exporter(&config)
        .expect("exporter")
}

#[test]
fn without_credentials_nothing_is_sent_unsigned() {
    let receiver = OtlpReceiver::start().expect("receiver");
    let stats = ExportStats::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(signed_traces_exporter(
            &receiver,
            u32::MAX,
            "1500ms",
            &stats,
        ))
        .build();
    provider.tracer("no-creds").in_span("held back", |_| {});

    assert!(
        receiver
            .wait_for_requests(1, Duration::from_millis(300))
            .is_empty(),
        "an unsigned request went out"
    );
    assert_eq!(
        stats.traces().dropped_by_reason(),
        vec![(DropReason::NoCredentials, 1)]
    );
    let _ = provider.shutdown();
}

#[test]
fn credentials_that_appear_later_are_used_on_retry() {
    let receiver = OtlpReceiver::start().expect("receiver");
    let stats = ExportStats::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(signed_traces_exporter(&receiver, 1, "10s", &stats))
        .build();
    provider
        .tracer("late-creds")
        .in_span("signed eventually", |_| {});

    let requests = receiver.wait_for_requests(1, WAIT);
    assert_eq!(requests.len(), 1);
    let verdict = agentcore_observability_testkit::verify_sigv4(
        &requests[0],
        "flaky-secret",
        std::time::SystemTime::now(),
        Duration::from_secs(300),
    );
    assert!(verdict.valid, "{:?}", verdict.reason);
    assert_eq!(verdict.service.as_deref(), Some("xray"));
    assert_eq!(stats.traces().exported(), 1);
    assert_eq!(stats.traces().dropped(), 0);
    let _ = provider.shutdown();
}
