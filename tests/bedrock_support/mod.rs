//! Shared helpers for the Bedrock / AgentCore end-to-end tests: real SDK clients with the
//! interceptor, pointed at the testkit's `FakeBedrock`, and `init_with` exporting to an
//! `OtlpReceiver`.

#![allow(dead_code)]

use std::time::Duration;

use agentcore_observability::bedrock::BedrockInterceptor;
use agentcore_observability::ObservabilityGuard;
use agentcore_observability_testkit::opentelemetry_proto::tonic::common::v1::any_value::Value as ProtoValue;
use agentcore_observability_testkit::opentelemetry_proto::tonic::metrics::v1::metric::Data;
use agentcore_observability_testkit::{FakeBedrock, OtlpReceiver, ReceivedMetric, ReceivedSpan};
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};

pub const WAIT: Duration = Duration::from_secs(10);
pub const ACCESS_KEY: &str = "AKIDBEDROCKTEST";

/// A multi-thread runtime, as agents use.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Traces, logs and metrics to `receiver`, with `vars` on top.
pub fn init(receiver: &OtlpReceiver, vars: &[(&str, &str)]) -> ObservabilityGuard {
    let mut all = vec![("OTEL_SERVICE_NAME", "bedrock-test-agent")];
    all.extend_from_slice(vars);
    let config = super::common::builder_for(receiver, &all)
        .finish()
        .expect("config");
    agentcore_observability::init_with(config).expect("init")
}

fn credentials() -> Credentials {
    Credentials::new(ACCESS_KEY, "bedrock/test/secret", None, None, "tests")
}

/// Three attempts, millisecond back-off: retries are exercised without slowing the tests.
fn retry() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20))
}

/// A Bedrock Runtime client with `interceptor`, against `fake`.
pub fn runtime_client_with(
    fake: &FakeBedrock,
    interceptor: BedrockInterceptor,
) -> aws_sdk_bedrockruntime::Client {
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials())
        .endpoint_url(fake.endpoint())
        .retry_config(retry())
        .interceptor(interceptor)
        .build();
    aws_sdk_bedrockruntime::Client::from_conf(config)
}

/// A Bedrock Runtime client with the default interceptor, against `fake`.
pub fn runtime_client(fake: &FakeBedrock) -> aws_sdk_bedrockruntime::Client {
    runtime_client_with(fake, BedrockInterceptor::new())
}

/// An AgentCore data-plane client with `interceptor`, against `fake`.
pub fn agentcore_client_with(
    fake: &FakeBedrock,
    interceptor: BedrockInterceptor,
) -> aws_sdk_bedrockagentcore::Client {
    let config = aws_sdk_bedrockagentcore::Config::builder()
        .behavior_version(aws_sdk_bedrockagentcore::config::BehaviorVersion::latest())
        .region(aws_sdk_bedrockagentcore::config::Region::new("us-west-2"))
        .credentials_provider(aws_sdk_bedrockagentcore::config::Credentials::new(
            ACCESS_KEY,
            "bedrock/test/secret",
            None,
            None,
            "tests",
        ))
        .endpoint_url(fake.endpoint())
        .retry_config(
            aws_sdk_bedrockagentcore::config::retry::RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
        .interceptor(interceptor)
        .build();
    aws_sdk_bedrockagentcore::Client::from_conf(config)
}

/// The one span named `name` (panics listing the names when there is not exactly one).
pub fn one<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    let matching: Vec<&ReceivedSpan> = spans.iter().filter(|s| s.name() == name).collect();
    assert_eq!(
        matching.len(),
        1,
        "exactly one span {name:?} in {:?}",
        spans.iter().map(ReceivedSpan::name).collect::<Vec<_>>()
    );
    matching[0]
}

/// A string-array attribute.
pub fn attr_strings(span: &ReceivedSpan, key: &str) -> Option<Vec<String>> {
    let value = span.attr(key)?.value.as_ref()?;
    match value {
        ProtoValue::ArrayValue(array) => Some(
            array
                .values
                .iter()
                .filter_map(|v| match &v.value {
                    Some(ProtoValue::StringValue(s)) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The attributes of a data point as `key=value` strings, sorted.
pub fn point_attrs(
    attributes: &[agentcore_observability_testkit::opentelemetry_proto::tonic::common::v1::KeyValue],
) -> Vec<String> {
    let mut out: Vec<String> = attributes
        .iter()
        .map(|kv| {
            let value = kv
                .value
                .as_ref()
                .map(agentcore_observability_testkit::value::any_value_to_json)
                .unwrap_or_default();
            let value = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            format!("{}={}", kv.key, value)
        })
        .collect();
    out.sort();
    out
}

/// The histogram data points of `metric`: (attributes, count, sum, explicit bounds).
pub fn histogram_points(metric: &ReceivedMetric) -> Vec<(Vec<String>, u64, f64, Vec<f64>)> {
    match &metric.metric.data {
        Some(Data::Histogram(h)) => h
            .data_points
            .iter()
            .map(|p| {
                (
                    point_attrs(&p.attributes),
                    p.count,
                    p.sum.unwrap_or(0.0),
                    p.explicit_bounds.clone(),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// All points of the histogram `name`, across the metrics received.
pub fn points_of(metrics: &[ReceivedMetric], name: &str) -> Vec<(Vec<String>, u64, f64, Vec<f64>)> {
    metrics
        .iter()
        .filter(|m| m.name() == name)
        .flat_map(histogram_points)
        .collect()
}
