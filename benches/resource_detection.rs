//! What AWS resource detection adds to `init()`: against loopback stand-ins of IMDSv2 and the ECS
//! task metadata endpoint, when every platform is ruled out locally, and when the metadata service
//! never answers (the bound).
//!
//! ```text
//! cargo bench --bench resource_detection
//! ```

use std::net::TcpListener;
use std::time::{Duration, Instant};

use agentcore_observability::{Config, ConfigBuilder, ResourceDetector};
use agentcore_observability_testkit::{FakeEcsMetadata, FakeImds, OtlpReceiver};
use criterion::{criterion_group, criterion_main, Criterion};

/// Traces over OTLP to `endpoint`, nothing else, plus `vars`.
fn config(endpoint: &str, vars: &[(&str, &str)]) -> ConfigBuilder {
    let mut all = vec![
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT".to_string(),
            endpoint.to_string(),
        ),
        ("OTEL_SERVICE_NAME".to_string(), "bench-agent".to_string()),
        ("OTEL_LOGS_EXPORTER".to_string(), "none".to_string()),
        ("OTEL_METRICS_EXPORTER".to_string(), "none".to_string()),
        (
            "AGENT_OBSERVABILITY_TRACING_SUBSCRIBER".to_string(),
            "false".to_string(),
        ),
    ];
    all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::builder().vars(all).no_dotenv()
}

/// Times `init_with` only (the shutdown every iteration needs is outside the measurement).
fn time_init(iterations: u64, make: impl Fn() -> Config) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        let config = make();
        let started = Instant::now();
        let guard = agentcore_observability::init_with(config).expect("init");
        total += started.elapsed();
        guard.shutdown().expect("shutdown");
    }
    total
}

fn bench_detection(c: &mut Criterion) {
    let receiver = OtlpReceiver::start().expect("receiver");
    let endpoint = receiver.endpoint();
    let imds = FakeImds::start().expect("imds");
    let ecs = FakeEcsMetadata::start().expect("ecs");
    let (imds_endpoint, ecs_uri) = (imds.endpoint(), ecs.uri());
    let silent = TcpListener::bind("127.0.0.1:0").expect("listener");
    let silent_endpoint = format!("http://{}", silent.local_addr().expect("addr"));

    let mut group = c.benchmark_group("init_with_detection");
    group.sample_size(20);
    group.bench_function("none", |b| {
        b.iter_custom(|n| {
            time_init(n, || {
                config(&endpoint, &[])
                    .resource_detectors([])
                    .finish()
                    .expect("config")
            })
        })
    });
    // ECS, EKS and Lambda ruled out by their (absent) variables, EC2 disabled: no thread.
    group.bench_function("all_ruled_out_locally", |b| {
        b.iter_custom(|n| {
            time_init(n, || {
                config(&endpoint, &[("AWS_EC2_METADATA_DISABLED", "true")])
                    .resource_detectors(ResourceDetector::ALL)
                    .finish()
                    .expect("config")
            })
        })
    });
    group.bench_function("ec2_imdsv2_stand_in", |b| {
        b.iter_custom(|n| {
            time_init(n, || {
                config(
                    &endpoint,
                    &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds_endpoint)],
                )
                .finish()
                .expect("config")
            })
        })
    });
    group.bench_function("ecs_stand_in", |b| {
        b.iter_custom(|n| {
            time_init(n, || {
                config(&endpoint, &[("ECS_CONTAINER_METADATA_URI_V4", &ecs_uri)])
                    .finish()
                    .expect("config")
            })
        })
    });
    group.finish();

    // The bound: an endpoint that accepts and never answers, at the default 500 ms and at 100 ms.
    let mut group = c.benchmark_group("init_with_silent_metadata");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    for (name, timeout) in [("default_500ms", "500ms"), ("timeout_100ms", "100ms")] {
        group.bench_function(name, |b| {
            b.iter_custom(|n| {
                time_init(n, || {
                    config(
                        &endpoint,
                        &[
                            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &silent_endpoint),
                            ("AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT", timeout),
                        ],
                    )
                    .finish()
                    .expect("config")
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_detection);
criterion_main!(benches);
