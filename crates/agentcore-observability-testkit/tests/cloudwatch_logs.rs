//! The CloudWatch Logs JSON API fake: `PutLogEvents`, `CreateLogGroup`, `CreateLogStream`.

mod common;

use std::time::Duration;

use agentcore_observability_testkit::{OtlpReceiver, PlannedResponse, Signal};
use common::*;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(5);
const AMZ_JSON: &str = "application/x-amz-json-1.1";
const NOT_FOUND: &str =
    r#"{"__type":"ResourceNotFoundException","message":"The specified log group does not exist."}"#;

fn call(receiver: &OtlpReceiver, action: &str, body: &Value) -> RawResponse {
    let target = format!("Logs_20140328.{action}");
    send(
        receiver.local_addr(),
        "POST",
        "/",
        &[("content-type", AMZ_JSON), ("x-amz-target", &target)],
        body.to_string().as_bytes(),
    )
}

fn put_body() -> Value {
    json!({
        "logGroupName": "/aws/bedrock-agentcore/runtimes/agent",
        "logStreamName": "runtime-logs",
        "logEvents": [
            {"timestamp": 1_700_000_000_000_i64, "message": r#"{"_aws":{"Timestamp":1700000000000},"m":1}"#},
            {"timestamp": 1_700_000_000_001_i64, "message": "plain"},
        ],
    })
}

#[test]
fn records_put_log_events() {
    let receiver = OtlpReceiver::start().unwrap();
    let response = call(&receiver, "PutLogEvents", &put_body());
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some(AMZ_JSON));
    assert_eq!(response.body, b"{}");

    let puts = receiver.wait_for_put_log_events(1, WAIT);
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].log_group, "/aws/bedrock-agentcore/runtimes/agent");
    assert_eq!(puts[0].log_stream, "runtime-logs");
    assert_eq!(puts[0].events.len(), 2);
    assert_eq!(puts[0].events[1], (1_700_000_000_001, "plain".to_owned()));
    let messages = puts[0].json_messages();
    assert_eq!(messages[0]["m"], 1);
    assert_eq!(messages[1], json!("plain"));

    let requests = receiver.requests();
    assert_eq!(requests[0].signal, Signal::CloudWatchLogsApi);
    assert_eq!(requests[0].path, "/");
    assert_eq!(requests[0].decode_error, None);
    assert_eq!(receiver.cloudwatch_logs_calls(), vec!["PutLogEvents"]);
    assert!(receiver.spans().is_empty() && receiver.logs().is_empty());
}

#[test]
fn create_calls_are_answered_and_listed_in_order() {
    let receiver = OtlpReceiver::start().unwrap();
    let group = json!({"logGroupName": "/g"});
    let stream = json!({"logGroupName": "/g", "logStreamName": "s"});
    assert_eq!(call(&receiver, "CreateLogGroup", &group).status, 200);
    assert_eq!(call(&receiver, "CreateLogStream", &stream).status, 200);
    assert_eq!(call(&receiver, "PutLogEvents", &put_body()).status, 200);
    assert_eq!(
        receiver.cloudwatch_logs_calls(),
        vec!["CreateLogGroup", "CreateLogStream", "PutLogEvents"]
    );
    assert_eq!(receiver.put_log_events().len(), 1);
}

#[test]
fn a_planned_resource_not_found_is_answered_and_not_recorded_as_accepted() {
    let receiver = OtlpReceiver::start().unwrap();
    receiver.respond_with([PlannedResponse::status(400).body(NOT_FOUND)]);
    let response = call(&receiver, "PutLogEvents", &put_body());
    assert_eq!(response.status, 400);
    assert_eq!(response.header("content-type"), Some(AMZ_JSON));
    let error: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(error["__type"], "ResourceNotFoundException");
    assert!(receiver.put_log_events().is_empty());

    // A planned success without a body still answers `{}`.
    receiver.respond_with([PlannedResponse::ok()]);
    let response = call(&receiver, "PutLogEvents", &put_body());
    assert_eq!((response.status, &response.body[..]), (200, &b"{}"[..]));
    assert_eq!(receiver.put_log_events().len(), 1);
    assert_eq!(
        receiver.cloudwatch_logs_calls(),
        vec!["PutLogEvents", "PutLogEvents"]
    );
    let statuses: Vec<u16> = receiver.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![400, 200]);
}

#[test]
fn malformed_calls_get_aws_errors() {
    let receiver = OtlpReceiver::start().unwrap();
    let addr = receiver.local_addr();
    let target = [
        ("content-type", AMZ_JSON),
        ("x-amz-target", "Logs_20140328.PutLogEvents"),
    ];
    let response = send(addr, "POST", "/", &target, b"not json");
    assert_eq!(response.status, 400);
    let error: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(error["__type"], "SerializationException");

    let missing = json!({"logGroupName": "/g", "logEvents": []});
    let response = call(&receiver, "PutLogEvents", &missing);
    assert_eq!(response.status, 400);
    let error: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(error["__type"], "InvalidParameterException");

    let response = call(&receiver, "DescribeLogGroups", &json!({}));
    assert_eq!(response.status, 400);

    let requests = receiver.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.decode_error.is_some()));
    assert_eq!(
        receiver.cloudwatch_logs_calls(),
        vec!["PutLogEvents", "PutLogEvents", "DescribeLogGroups"]
    );
    assert!(receiver.put_log_events().is_empty());

    // Without the target header it is not a CloudWatch Logs call: an unknown path.
    let response = send(addr, "POST", "/", &[("content-type", AMZ_JSON)], b"{}");
    assert_eq!(response.status, 404);
}

#[test]
fn clear_forgets_cloudwatch_logs_calls() {
    let receiver = OtlpReceiver::start().unwrap();
    call(&receiver, "PutLogEvents", &put_body());
    receiver.clear();
    assert!(receiver.put_log_events().is_empty());
    assert!(receiver.cloudwatch_logs_calls().is_empty());
}
