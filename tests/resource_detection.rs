//! AWS resource detection end to end: `init_with()` asks loopback stand-ins of IMDSv2 and the ECS
//! task metadata endpoint (never a real metadata address), and the detected attributes arrive with
//! an exported span's resource at the testkit OTLP receiver.

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use agentcore_observability::opentelemetry::trace::Tracer as _;
use agentcore_observability::{DetectionOutcome, ObservabilityGuard, ResourceDetector};
use agentcore_observability_testkit::value::any_value_to_json;
use agentcore_observability_testkit::{FakeEcsMetadata, FakeImds, OtlpReceiver, ReceivedSpan};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);
/// Slack over the detection bound that a loaded 2-core CI machine needs to spawn the detection
/// thread and come back; the precise numbers are in `benches/init_and_span.rs`.
const CI_SLACK: Duration = Duration::from_millis(1500);
/// Clock granularity when checking that `init()` really waited for a silent service.
const EARLY: Duration = Duration::from_millis(10);

/// Exports one span through `guard`, shuts down, and returns the span as received.
fn export_one_span(guard: ObservabilityGuard, receiver: &OtlpReceiver) -> ReceivedSpan {
    agentcore_observability::tracer("detection-test").in_span("invoke_agent detector", |_| {});
    guard.shutdown().expect("clean shutdown");
    let spans = receiver.wait_for_spans(1, WAIT);
    spans
        .into_iter()
        .find(|s| s.name() == "invoke_agent detector")
        .expect("the span arrived")
}

fn resource_json(span: &ReceivedSpan, key: &str) -> Option<serde_json::Value> {
    span.resource_attr(key).map(any_value_to_json)
}

#[test]
fn ec2_attributes_arrive_over_the_wire_with_the_imdsv2_token_used() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let imds = FakeImds::start().expect("imds");
    let endpoint = imds.endpoint();
    let config = common::builder_for(
        &receiver,
        &[
            ("OTEL_SERVICE_NAME", "ec2-agent"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint),
        ],
    )
    .finish()
    .expect("config");
    assert!(config.resource_detection.runs(ResourceDetector::Ec2));

    let guard = agentcore_observability::init_with(config).expect("init");
    let report = guard.resource_detection().clone();
    let span = export_one_span(guard, &receiver);

    let instance = imds.instance();
    for (key, expected) in [
        ("cloud.provider", "aws"),
        ("cloud.platform", "aws_ec2"),
        ("cloud.account.id", instance.account_id.as_str()),
        ("cloud.region", instance.region.as_str()),
        (
            "cloud.availability_zone",
            instance.availability_zone.as_str(),
        ),
        ("host.id", instance.instance_id.as_str()),
        ("host.type", instance.instance_type.as_str()),
        ("host.image.id", instance.image_id.as_str()),
        ("host.name", instance.hostname.as_str()),
        ("host.arch", "arm64"),
        ("service.name", "ec2-agent"),
    ] {
        assert_eq!(span.resource_attr_str(key), Some(expected), "{key}");
    }
    assert_eq!(report.platform, Some(ResourceDetector::Ec2));
    assert!(
        matches!(report.outcome(ResourceDetector::Ec2), Some(DetectionOutcome::Detected { attributes }) if attributes.len() == 10),
        "{report}"
    );

    // IMDSv2: a token first, then every metadata read carries it.
    let calls = imds.calls();
    let tokens = imds.issued_tokens();
    assert_eq!(tokens.len(), 1, "{calls:#?}");
    assert_eq!(calls[0].method, "PUT");
    assert_eq!(calls[0].path, "/latest/api/token");
    assert_eq!(
        calls[0].header("x-aws-ec2-metadata-token-ttl-seconds"),
        Some("60")
    );
    let mut paths: Vec<&str> = calls[1..].iter().map(|c| c.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/latest/dynamic/instance-identity/document",
            "/latest/meta-data/hostname"
        ]
    );
    for call in &calls[1..] {
        assert_eq!(call.method, "GET");
        assert_eq!(
            call.header("x-aws-ec2-metadata-token"),
            Some(tokens[0].as_str())
        );
        assert_eq!(call.status, 200);
    }
}

#[test]
fn ecs_attributes_and_the_awslogs_destination_arrive_over_the_wire() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let ecs = FakeEcsMetadata::start().expect("ecs");
    let imds = FakeImds::start().expect("imds");
    let (uri, endpoint) = (ecs.uri(), imds.endpoint());
    let config = common::builder_for(
        &receiver,
        &[
            ("ECS_CONTAINER_METADATA_URI_V4", &uri),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint),
        ],
    )
    .finish()
    .expect("config");

    let guard = agentcore_observability::init_with(config).expect("init");
    let report = guard.resource_detection().clone();
    let span = export_one_span(guard, &receiver);

    let task = ecs.task();
    for (key, expected) in [
        ("cloud.provider", "aws"),
        ("cloud.platform", "aws_ecs"),
        ("cloud.region", "us-west-2"),
        ("cloud.account.id", "111122223333"),
        ("cloud.availability_zone", "us-west-2d"),
        ("aws.ecs.cluster.arn", task.cluster.as_str()),
        ("aws.ecs.task.arn", task.task_arn.as_str()),
        ("aws.ecs.task.id", "158d1c8083dd49d6b527399fd6414f5c"),
        ("aws.ecs.task.family", "travel-agent"),
        ("aws.ecs.task.revision", "26"),
        ("aws.ecs.launchtype", "fargate"),
        ("aws.ecs.container.arn", task.container_arn.as_str()),
        ("container.name", "agent"),
        ("container.id", task.docker_id.as_str()),
        (
            "container.image.name",
            "111122223333.dkr.ecr.us-west-2.amazonaws.com/travel-agent",
        ),
        ("container.image.id", task.image_id.as_str()),
    ] {
        assert_eq!(span.resource_attr_str(key), Some(expected), "{key}");
    }
    let group_arn = "arn:aws:logs:us-west-2:111122223333:log-group:/ecs/travel-agent";
    for (key, expected) in [
        ("container.image.tags", json!(["1.4.2"])),
        ("aws.log.group.names", json!(["/ecs/travel-agent"])),
        ("aws.log.group.arns", json!([format!("{group_arn}:*")])),
        ("aws.log.stream.names", json!([task.log_stream])),
        (
            "aws.log.stream.arns",
            json!([format!("{group_arn}:log-stream:{}", task.log_stream)]),
        ),
    ] {
        assert_eq!(resource_json(&span, key), Some(expected), "{key}");
    }

    // ECS answered, so EC2 was not asked.
    assert_eq!(report.platform, Some(ResourceDetector::Ecs));
    assert_eq!(
        report.outcome(ResourceDetector::Ec2),
        Some(&DetectionOutcome::Skipped("ECS detected".into()))
    );
    assert!(imds.calls().is_empty());
    let mut paths: Vec<String> = ecs.calls().into_iter().map(|c| c.path).collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            format!("/v4/{}", task.docker_id),
            format!("/v4/{}/task", task.docker_id)
        ]
    );
}

#[test]
fn agent_mode_detects_nothing_unless_asked() {
    let _lock = common::exclusive();
    let imds = FakeImds::start().expect("imds");
    let endpoint = imds.endpoint();
    let agent_vars = |extra: Option<(&'static str, &'static str)>| {
        let mut vars = vec![
            ("AGENT_OBSERVABILITY_ENABLED", "true"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ];
        vars.extend(extra);
        vars
    };

    // Agent mode: off by default (ADOT's choice), even with an IMDS endpoint configured.
    let receiver = OtlpReceiver::start().expect("receiver");
    let mut vars = agent_vars(None);
    vars.push(("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint));
    let config = common::builder_for(&receiver, &vars)
        .finish()
        .expect("config");
    assert!(config.resource_detection.detectors.is_empty());
    let guard = agentcore_observability::init_with(config).expect("init");
    assert!(guard.resource_detection().outcomes.is_empty());
    assert_eq!(guard.resource_detection().waited, Duration::ZERO);
    let span = export_one_span(guard, &receiver);
    assert_eq!(span.resource_attr_str("cloud.platform"), None);
    assert_eq!(
        span.resource_attr_str("aws.service.type"),
        Some("gen_ai_agent")
    );
    assert!(imds.calls().is_empty());

    // AGENT_OBSERVABILITY_RESOURCE_DETECTORS=ec2 turns it on.
    let receiver = OtlpReceiver::start().expect("receiver");
    let mut vars = agent_vars(Some(("AGENT_OBSERVABILITY_RESOURCE_DETECTORS", "ec2")));
    vars.push(("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint));
    let config = common::builder_for(&receiver, &vars)
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let span = export_one_span(guard, &receiver);
    assert_eq!(span.resource_attr_str("cloud.platform"), Some("aws_ec2"));
    assert_eq!(
        span.resource_attr_str("aws.service.type"),
        Some("gen_ai_agent")
    );
    assert_eq!(imds.issued_tokens().len(), 1);

    // So does the builder, and it wins over the variable.
    let receiver = OtlpReceiver::start().expect("receiver");
    let mut vars = agent_vars(Some(("AGENT_OBSERVABILITY_RESOURCE_DETECTORS", "none")));
    vars.push(("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint));
    let config = common::builder_for(&receiver, &vars)
        .resource_detectors([ResourceDetector::Ec2])
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let span = export_one_span(guard, &receiver);
    assert_eq!(
        span.resource_attr_str("host.id"),
        Some("i-0a1b2c3d4e5f67890")
    );
    assert_eq!(imds.issued_tokens().len(), 2);
}

#[test]
fn ec2_metadata_disabled_makes_no_call() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let imds = FakeImds::start().expect("imds");
    let endpoint = imds.endpoint();
    let config = common::builder_for(
        &receiver,
        &[
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint),
            ("AWS_EC2_METADATA_DISABLED", "TRUE"),
        ],
    )
    .finish()
    .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    assert_eq!(
        guard.resource_detection().outcome(ResourceDetector::Ec2),
        Some(&DetectionOutcome::Skipped(
            "AWS_EC2_METADATA_DISABLED=true".into()
        ))
    );
    let span = export_one_span(guard, &receiver);
    assert_eq!(span.resource_attr_str("cloud.platform"), None);
    // Give a stray request time to show up before concluding there was none.
    assert!(imds
        .wait_for_calls(1, Duration::from_millis(200))
        .is_empty());
}

#[test]
fn configured_attributes_win_over_detected_ones() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let imds = FakeImds::start().expect("imds");
    let endpoint = imds.endpoint();
    let config = common::builder_for(
        &receiver,
        &[
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "cloud.region=eu-west-1,host.name=agent-host",
            ),
        ],
    )
    .resource_attribute("cloud.availability_zone", "eu-west-1a")
    .finish()
    .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let span = export_one_span(guard, &receiver);
    assert_eq!(span.resource_attr_str("cloud.region"), Some("eu-west-1"));
    assert_eq!(span.resource_attr_str("host.name"), Some("agent-host"));
    assert_eq!(
        span.resource_attr_str("cloud.availability_zone"),
        Some("eu-west-1a")
    );
    // What was not configured still comes from IMDS.
    assert_eq!(
        span.resource_attr_str("host.id"),
        Some("i-0a1b2c3d4e5f67890")
    );
    assert_eq!(span.resource_attr_str("cloud.platform"), Some("aws_ec2"));
}

#[test]
fn lambda_attributes_come_from_the_configured_variables() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = common::builder_for(
        &receiver,
        &[
            ("AWS_REGION", "ap-southeast-2"),
            ("AWS_LAMBDA_FUNCTION_NAME", "booking-agent"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "7"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/booking-agent"),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/01/15/[7]0123456789abcdef",
            ),
        ],
    )
    .finish()
    .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    assert_eq!(
        guard.resource_detection().platform,
        Some(ResourceDetector::Lambda)
    );
    let span = export_one_span(guard, &receiver);
    for (key, expected) in [
        ("cloud.provider", "aws"),
        ("cloud.platform", "aws_lambda"),
        ("cloud.region", "ap-southeast-2"),
        ("faas.name", "booking-agent"),
        ("faas.version", "7"),
        ("faas.instance", "2026/01/15/[7]0123456789abcdef"),
    ] {
        assert_eq!(span.resource_attr_str(key), Some(expected), "{key}");
    }
    assert_eq!(
        resource_json(&span, "faas.max_memory"),
        Some(json!(1024 * 1024 * 1024))
    );
    assert_eq!(
        resource_json(&span, "aws.log.group.names"),
        Some(json!(["/aws/lambda/booking-agent"]))
    );
}

#[test]
fn a_metadata_service_that_never_answers_costs_at_most_the_bound() {
    let _lock = common::exclusive();
    // Accepts connections (the kernel does, into the backlog) and never answers a byte.
    let silent = TcpListener::bind("127.0.0.1:0").expect("listener");
    let silent_endpoint = format!("http://{}", silent.local_addr().expect("addr"));
    let bound = Duration::from_millis(300);

    let receiver = OtlpReceiver::start().expect("receiver");
    let config = common::builder_for(
        &receiver,
        &[
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &silent_endpoint),
            (
                "ECS_CONTAINER_METADATA_URI_V4",
                &format!("{silent_endpoint}/v4/abc"),
            ),
            ("AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT", "300ms"),
        ],
    )
    .finish()
    .expect("config");
    assert_eq!(config.resource_detection.timeout, bound);

    let started = Instant::now();
    let guard = agentcore_observability::init_with(config).expect("init");
    let took = started.elapsed();
    assert!(took < bound + CI_SLACK, "init took {took:?}");
    let report = guard.resource_detection().clone();
    assert!(report.waited + EARLY >= bound, "{report:?}");
    assert_eq!(
        report.outcome(ResourceDetector::Ecs),
        Some(&DetectionOutcome::TimedOut)
    );
    // EC2 waits for ECS's outcome, so it never got to start.
    assert_eq!(
        report.outcome(ResourceDetector::Ec2),
        Some(&DetectionOutcome::TimedOut)
    );
    assert_eq!(report.platform, None);
    // Telemetry works regardless.
    let span = export_one_span(guard, &receiver);
    assert_eq!(span.resource_attr_str("cloud.platform"), None);

    // A closed port is refused at once: a failure, no wait for the bound.
    let closed = TcpListener::bind("127.0.0.1:0").expect("listener");
    let closed_endpoint = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = common::builder_for(
        &receiver,
        &[
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &closed_endpoint),
            ("AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT", "5s"),
        ],
    )
    .finish()
    .expect("config");
    let started = Instant::now();
    let guard = agentcore_observability::init_with(config).expect("init");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "init took {took:?}");
    assert!(
        matches!(
            guard.resource_detection().outcome(ResourceDetector::Ec2),
            Some(DetectionOutcome::Failed(_))
        ),
        "{}",
        guard.resource_detection()
    );
    guard.shutdown().expect("shutdown");
}

#[test]
fn a_slow_imds_is_abandoned_at_the_bound() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let imds = FakeImds::start().expect("imds");
    imds.set_delay(Duration::from_secs(3));
    let endpoint = imds.endpoint();
    let bound = Duration::from_millis(250);
    let config = common::builder_for(
        &receiver,
        &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)],
    )
    .resource_detection_timeout(bound)
    .finish()
    .expect("config");
    let started = Instant::now();
    let guard = agentcore_observability::init_with(config).expect("init");
    let took = started.elapsed();
    assert!(
        took + EARLY >= bound && took < bound + CI_SLACK,
        "init took {took:?}"
    );
    assert_eq!(
        guard.resource_detection().outcome(ResourceDetector::Ec2),
        Some(&DetectionOutcome::TimedOut)
    );
    let span = export_one_span(guard, &receiver);
    assert_eq!(span.resource_attr_str("host.id"), None);
}
