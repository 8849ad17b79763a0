//! The EMF metric exporter against the testkit's CloudWatch Logs API fake, driven by the SDK's
//! periodic reader.

use std::time::Duration;

use agentcore_observability_config::Config;
use agentcore_observability_exporter::otlp::OtlpHttp;
use agentcore_observability_exporter::{CredentialsSource, DropReason, ExportStats};
use agentcore_observability_testkit::{OtlpReceiver, PlannedResponse, Signal};
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::Resource;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(10);
const GROUP: &str = "/aws/bedrock-agentcore/runtimes/peer-agent";
const STREAM: &str = "runtime-logs";
const SECRET: &str = "emf-test-secret";
const NOT_FOUND: &str =
    r#"{"__type":"ResourceNotFoundException","message":"The specified log group does not exist."}"#;

fn provider(receiver: &OtlpReceiver, namespace: &str, stats: &ExportStats) -> SdkMeterProvider {
    let headers = format!(
        "x-aws-log-group={GROUP},x-aws-log-stream={STREAM},x-aws-metric-namespace={namespace}"
    );
    let config = Config::builder()
        .vars([
            ("OTEL_METRICS_EXPORTER", "awsemf"),
            ("OTEL_TRACES_EXPORTER", "none"),
            ("OTEL_LOGS_EXPORTER", "none"),
            ("AWS_REGION", "us-east-1"),
            ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", headers.as_str()),
            (
                "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
                receiver.endpoint().as_str(),
            ),
        ])
        .no_dotenv()
        .finish()
        .expect("config");
    let destination = config.metrics.emf.expect("emf destination");
    let credentials = CredentialsSource::Static(aws_credential_types::Credentials::new(
        "AKIDEMF", SECRET, None, None, "test",
    ));
    let exporter = OtlpHttp::with_credentials(stats.clone(), credentials)
        .emf_exporter(&destination, Duration::from_secs(10));
    let reader = PeriodicReader::builder(exporter)
        .with_interval(Duration::from_secs(3600))
        .build();
    SdkMeterProvider::builder()
        .with_reader(reader)
        .with_resource(
            Resource::builder_empty()
                .with_service_name("peer-agent")
                .build(),
        )
        .build()
}

/// Records one of each instrument kind with the GenAI attributes.
fn record(provider: &SdkMeterProvider) {
    let meter = provider.meter("agent");
    let attrs = [
        KeyValue::new("gen_ai.request.model", "amazon.nova-lite-v1:0"),
        KeyValue::new("gen_ai.operation.name", "chat"),
    ];
    meter
        .u64_counter("agent.invocations")
        .build()
        .add(2, &attrs);
    meter
        .i64_up_down_counter("agent.sessions.active")
        .build()
        .add(-1, &attrs);
    meter
        .f64_gauge("agent.queue.fill")
        .with_unit("%")
        .build()
        .record(42.5, &attrs);
    let duration = meter
        .f64_histogram("gen_ai.client.operation.duration")
        .with_unit("s")
        .build();
    duration.record(0.25, &attrs);
    duration.record(1.5, &attrs);
}

fn emf_documents(receiver: &OtlpReceiver) -> Vec<Value> {
    receiver
        .wait_for_put_log_events(1, WAIT)
        .iter()
        .flat_map(|put| put.json_messages())
        .collect()
}

#[test]
fn metrics_arrive_as_emf_documents() {
    let receiver = OtlpReceiver::start().unwrap();
    let stats = ExportStats::default();
    let provider = provider(&receiver, "agent-ns", &stats);
    record(&provider);
    provider.force_flush().expect("flush");

    let puts = receiver.wait_for_put_log_events(1, WAIT);
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].log_group, GROUP);
    assert_eq!(puts[0].log_stream, STREAM);
    assert_eq!(puts[0].events.len(), 1, "one attribute set, one document");

    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.signal, Signal::CloudWatchLogsApi);
    assert_eq!(request.path, "/");
    assert_eq!(request.content_type(), Some("application/x-amz-json-1.1"));
    assert_eq!(
        request.header("x-amz-target"),
        Some("Logs_20140328.PutLogEvents")
    );
    let verdict = agentcore_observability_testkit::verify_sigv4(
        request,
        SECRET,
        std::time::SystemTime::now(),
        Duration::from_secs(300),
    );
    assert!(verdict.valid, "{:?}", verdict.reason);
    assert_eq!(verdict.service.as_deref(), Some("logs"));
    assert_eq!(verdict.region.as_deref(), Some("us-east-1"));

    let doc = &emf_documents(&receiver)[0];
    let (timestamp, _) = puts[0].events[0];
    assert_eq!(doc["_aws"]["Timestamp"], timestamp);
    let directive = &doc["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "agent-ns");
    assert_eq!(
        directive["Dimensions"],
        json!([["gen_ai.operation.name", "gen_ai.request.model"]])
    );
    let mut metrics: Vec<(String, String)> = directive["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["Name"].as_str().unwrap().to_owned(),
                m["Unit"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    metrics.sort();
    assert_eq!(
        metrics,
        vec![
            ("agent.invocations".into(), "None".into()),
            ("agent.queue.fill".into(), "Percent".into()),
            ("agent.sessions.active".into(), "None".into()),
            ("gen_ai.client.operation.duration".into(), "Seconds".into()),
        ]
    );
    assert_eq!(doc["agent.invocations"], 2);
    assert_eq!(doc["agent.sessions.active"], -1);
    assert_eq!(doc["agent.queue.fill"], 42.5);
    let histogram = &doc["gen_ai.client.operation.duration"];
    assert_eq!(histogram["Count"], 2);
    assert_eq!(histogram["Sum"], 1.75);
    assert_eq!(histogram["Min"], 0.25);
    assert_eq!(histogram["Max"], 1.5);
    // Both fall in the default (0, 5] bucket; its part within [Min, Max] has midpoint 0.875.
    assert_eq!(histogram["Counts"], json!([2.0]));
    assert_eq!(histogram["Values"], json!([0.875]));
    assert_eq!(doc["gen_ai.operation.name"], "chat");
    assert_eq!(doc["gen_ai.request.model"], "amazon.nova-lite-v1:0");
    assert_eq!(doc["otel.resource.service.name"], "peer-agent");
    assert_eq!(doc["Version"], "1");

    let metrics = stats.metrics();
    assert_eq!(metrics.exported(), 4);
    assert_eq!(metrics.requests(), 1);
    assert_eq!((metrics.failed_requests(), metrics.dropped()), (0, 0));
    let _ = provider.shutdown();
}

#[test]
fn emf_a_missing_log_group_is_created_and_the_batch_sent_again() {
    let receiver = OtlpReceiver::start().unwrap();
    receiver.respond_with([PlannedResponse::status(400).body(NOT_FOUND)]);
    let stats = ExportStats::default();
    let provider = provider(&receiver, "", &stats);
    record(&provider);
    provider.force_flush().expect("flush");

    let puts = receiver.wait_for_put_log_events(1, WAIT);
    assert_eq!(puts.len(), 1);
    assert_eq!(
        receiver.cloudwatch_logs_calls(),
        vec![
            "PutLogEvents",
            "CreateLogGroup",
            "CreateLogStream",
            "PutLogEvents"
        ]
    );
    let requests = receiver.requests();
    assert_eq!(
        serde_json::from_slice::<Value>(&requests[1].body).unwrap(),
        json!({"logGroupName": GROUP})
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&requests[2].body).unwrap(),
        json!({"logGroupName": GROUP, "logStreamName": STREAM})
    );
    assert_eq!(requests[0].body, requests[3].body, "the same batch again");
    let doc = &emf_documents(&receiver)[0];
    assert_eq!(
        doc["_aws"]["CloudWatchMetrics"][0]["Namespace"], "bedrock-agentcore",
        "an empty namespace falls back to the default"
    );

    let metrics = stats.metrics();
    assert_eq!(metrics.exported(), 4);
    assert_eq!(metrics.requests(), 4);
    assert_eq!((metrics.failed_requests(), metrics.dropped()), (0, 0));
    let _ = provider.shutdown();
}

#[test]
fn emf_an_existing_log_group_does_not_stop_the_stream_from_being_created() {
    let receiver = OtlpReceiver::start().unwrap();
    receiver.respond_with([
        PlannedResponse::status(400).body(
            r#"{"__type":"ResourceNotFoundException","message":"The specified log stream does not exist."}"#,
        ),
        PlannedResponse::status(400).body(
            r#"{"__type":"com.amazonaws.logs#ResourceAlreadyExistsException","message":"exists"}"#,
        ),
    ]);
    let stats = ExportStats::default();
    let provider = provider(&receiver, "ns", &stats);
    record(&provider);
    provider.force_flush().expect("flush");

    assert_eq!(receiver.wait_for_put_log_events(1, WAIT).len(), 1);
    assert_eq!(receiver.cloudwatch_logs_calls().len(), 4);
    assert_eq!(stats.metrics().exported(), 4);
    assert_eq!(stats.metrics().dropped(), 0);
    let _ = provider.shutdown();
}

#[test]
fn emf_other_errors_drop_the_batch_and_are_counted() {
    let receiver = OtlpReceiver::start().unwrap();
    receiver.respond_with([PlannedResponse::status(400)
        .body(r#"{"__type":"InvalidParameterException","message":"Log event too large"}"#)]);
    let stats = ExportStats::default();
    let provider = provider(&receiver, "ns", &stats);
    record(&provider);
    let _ = provider.force_flush();

    assert_eq!(receiver.wait_for_requests(1, WAIT).len(), 1);
    assert_eq!(receiver.cloudwatch_logs_calls(), vec!["PutLogEvents"]);
    let metrics = stats.metrics();
    assert_eq!(metrics.exported(), 0);
    assert_eq!(metrics.failed_requests(), 1);
    assert_eq!(
        metrics.dropped_by_reason(),
        vec![(DropReason::HttpStatus(400), 4)]
    );
    let _ = provider.shutdown();
}

#[test]
fn emf_throttling_is_retried_by_the_transport() {
    let receiver = OtlpReceiver::start().unwrap();
    receiver.respond_with([PlannedResponse::status(503).header("retry-after", "0")]);
    let stats = ExportStats::default();
    let provider = provider(&receiver, "ns", &stats);
    record(&provider);
    provider.force_flush().expect("flush");

    assert_eq!(receiver.wait_for_put_log_events(1, WAIT).len(), 1);
    assert_eq!(
        receiver.cloudwatch_logs_calls(),
        vec!["PutLogEvents", "PutLogEvents"]
    );
    assert_eq!(stats.metrics().requests(), 2);
    assert_eq!(stats.metrics().exported(), 4);
    let _ = provider.shutdown();
}
