//! What `LambdaLayer` adds to an invocation: the invocation span with its FaaS attributes and the
//! trigger detection (flush off), and the flush of every signal to a loopback OTLP receiver that
//! ends each invocation.
//!
//! ```text
//! cargo bench --bench lambda
//! ```

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agentcore_observability::lambda::{FaasTrigger, LambdaLayer};
use agentcore_observability::opentelemetry::trace::Tracer as _;
use agentcore_observability::Config;
use agentcore_observability_testkit::OtlpReceiver;
use criterion::{criterion_group, criterion_main, Criterion};
use lambda_runtime::tower::{service_fn, Layer as _, Service as _};
use lambda_runtime::LambdaInvocation;

const XRAY: &str = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
const ARN: &str = "arn:aws:lambda:us-west-2:123456789012:function:travel-agent:live";
/// An API Gateway HTTP API (v2) event, 1.2 KB, as Lambda delivers it.
const API_GATEWAY_EVENT: &str = r#"{"version":"2.0","routeKey":"POST /plan","rawPath":"/plan","rawQueryString":"","headers":{"accept":"*/*","content-length":"42","content-type":"application/json","host":"abc123.execute-api.us-west-2.amazonaws.com","user-agent":"curl/8.5.0","x-amzn-trace-id":"Root=1-5759e988-bd862e3fe1be46a994272793","x-forwarded-for":"203.0.113.7","x-forwarded-port":"443","x-forwarded-proto":"https"},"requestContext":{"accountId":"123456789012","apiId":"abc123","domainName":"abc123.execute-api.us-west-2.amazonaws.com","domainPrefix":"abc123","http":{"method":"POST","path":"/plan","protocol":"HTTP/1.1","sourceIp":"203.0.113.7","userAgent":"curl/8.5.0"},"requestId":"JKJaXmPLvHcESHA=","routeKey":"POST /plan","stage":"$default","time":"10/Mar/2026:00:03:44 +0000","timeEpoch":1773101024000},"body":"{\"city\":\"Seattle\",\"days\":3,\"budget\":\"medium\"}","isBase64Encoded":false}"#;

fn invocation(request_id: &str) -> LambdaInvocation {
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        + 60_000;
    let mut headers = http::HeaderMap::new();
    for (name, value) in [
        ("lambda-runtime-aws-request-id", request_id.to_string()),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        ("lambda-runtime-invoked-function-arn", ARN.to_string()),
        ("lambda-runtime-trace-id", XRAY.to_string()),
    ] {
        headers.insert(name, http::HeaderValue::from_str(&value).expect("header"));
    }
    let config = lambda_runtime::Config {
        function_name: "travel-agent".into(),
        memory: 512,
        version: "7".into(),
        ..Default::default()
    };
    let context =
        lambda_runtime::Context::new(request_id, Arc::new(config), &headers).expect("context");
    let (parts, ()) = http::Response::new(()).into_parts();
    LambdaInvocation {
        parts,
        body: API_GATEWAY_EVENT.into(),
        context,
    }
}

fn bench_lambda(c: &mut Criterion) {
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = Config::builder()
        .vars([
            ("OTEL_SERVICE_NAME", "travel-agent".to_string()),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
            ("OTEL_METRIC_EXPORT_INTERVAL", "60000".into()),
        ])
        .no_dotenv()
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let handler = || {
        service_fn(|_: LambdaInvocation| async {
            agentcore_observability::tracer("travel-agent").in_span("plan trip", |_| {});
            Ok::<(), lambda_runtime::Error>(())
        })
    };

    let mut group = c.benchmark_group("lambda");
    group.bench_function("trigger detection, API Gateway event", |b| {
        b.iter(|| FaasTrigger::detect(std::hint::black_box(API_GATEWAY_EVENT.as_bytes())));
    });
    // The handler alone (one span), building the invocation included: the baseline.
    let mut bare = handler();
    group.bench_function("handler without the layer", |b| {
        b.iter(|| rt.block_on(bare.call(invocation("bench"))));
    });
    // The layer with the flush off: X-Ray parent, SERVER span, FaaS attributes, trigger detection.
    let mut unflushed = LambdaLayer::new(&guard)
        .flush_timeout(Duration::ZERO)
        .layer(handler());
    group.bench_function("layer, flush off", |b| {
        b.iter(|| rt.block_on(unflushed.call(invocation("bench"))));
    });
    let mut fixed = LambdaLayer::new(&guard)
        .flush_timeout(Duration::ZERO)
        .trigger(FaasTrigger::Http)
        .layer(handler());
    group.bench_function("layer, flush off, fixed trigger", |b| {
        b.iter(|| rt.block_on(fixed.call(invocation("bench"))));
    });
    // Every invocation ends with a flush of traces, logs and metrics to the loopback receiver.
    let layer = LambdaLayer::new(&guard).flush_timeout(Duration::from_secs(5));
    let mut flushed = layer.clone().layer(handler());
    group.sample_size(200);
    group.bench_function("layer with flush (loopback receiver)", |b| {
        b.iter(|| rt.block_on(flushed.call(invocation("bench"))));
    });
    // The same with a log record and a metric point per invocation: three exports per flush.
    let full_layer = LambdaLayer::new(&guard).flush_timeout(Duration::from_secs(5));
    let counter = agentcore_observability::meter("travel-agent")
        .u64_counter("trips.planned")
        .build();
    let logger = guard.logger_provider().cloned();
    let mut full = full_layer
        .clone()
        .layer(service_fn(move |_: LambdaInvocation| {
            let counter = counter.clone();
            let logger = logger.clone();
            async move {
                agentcore_observability::tracer("travel-agent").in_span("plan trip", |_| {});
                counter.add(1, &[]);
                if let Some(logger) = &logger {
                    use agentcore_observability::opentelemetry::logs::{
                        LogRecord as _, Logger as _, LoggerProvider as _,
                    };
                    let logger = logger.logger("travel-agent");
                    let mut record = logger.create_log_record();
                    record.set_body("planned a trip".into());
                    logger.emit(record);
                }
                Ok::<(), lambda_runtime::Error>(())
            }
        }));
    group.bench_function(
        "layer with flush of spans, a log record and a metric",
        |b| {
            b.iter(|| rt.block_on(full.call(invocation("bench"))));
        },
    );
    let full_stats = full_layer.flush_stats();

    // Where the flush time goes: each provider's force_flush on its own, from this thread.
    let tracer = agentcore_observability::tracer("travel-agent");
    if let Some(provider) = guard.tracer_provider() {
        group.bench_function("force_flush traces, one span", |b| {
            b.iter(|| {
                tracer.in_span("plan trip", |_| {});
                provider.force_flush()
            });
        });
    }
    if let Some(provider) = guard.logger_provider() {
        group.bench_function("force_flush logs, nothing queued", |b| {
            b.iter(|| provider.force_flush());
        });
    }
    if let Some(provider) = guard.meter_provider() {
        group.bench_function("force_flush metrics", |b| {
            b.iter(|| provider.force_flush());
        });
    }
    group.finish();
    for (what, stats) in [
        ("spans", layer.flush_stats()),
        ("spans + log + metric", full_stats),
    ] {
        if stats.flushes > 0 {
            let mean = stats.total / u32::try_from(stats.flushes).unwrap_or(u32::MAX);
            println!(
                "flushes of {what}: {} (failed {}, timed out {}), mean wait {mean:?}, max {:?}",
                stats.flushes, stats.failed, stats.timed_out, stats.max
            );
        }
    }
    drop(rt);
    let _ = guard.shutdown();
}

criterion_group!(benches, bench_lambda);
criterion_main!(benches);
