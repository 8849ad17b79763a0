//! Decoding: every signal in protobuf, JSON, gzip+protobuf and gzip+JSON, and the helpers on
//! the received items.

mod common;

use std::time::Duration;

use agentcore_observability_testkit::opentelemetry_proto::tonic::{
    collector::{
        logs::v1::ExportLogsServiceResponse, metrics::v1::ExportMetricsServiceResponse,
        trace::v1::ExportTraceServiceResponse,
    },
    logs::v1::SeverityNumber,
    trace::v1::{span::SpanKind, status::StatusCode},
};
use agentcore_observability_testkit::{MetricDataType, OtlpReceiver, ReceivedRequest, Signal};
use common::*;
use prost::Message;

const WAIT: Duration = Duration::from_secs(5);

/// Checks the answer and the recorded request for a successful export in `wire` format.
fn check_success(
    wire: Wire,
    response: &RawResponse,
    request: &ReceivedRequest,
    signal: Signal,
    plain_len: usize,
) {
    assert_eq!(
        response.status,
        200,
        "{wire:?}: {:?}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.header("content-type"), Some(wire.content_type()));
    if wire.is_json() {
        assert_eq!(response.body, b"{}");
    }
    assert_eq!(request.signal, signal);
    assert_eq!(request.method, "POST");
    assert_eq!(request.status, 200);
    assert!(request.is_success());
    assert_eq!(request.decode_error, None);
    assert_eq!(request.decoded_body_len, Some(plain_len));
    assert_eq!(request.is_json(), wire.is_json());
    assert_eq!(request.is_protobuf(), !wire.is_json());
    assert_eq!(request.is_gzip(), wire.is_gzip());
    assert_eq!(request.content_type(), Some(wire.content_type()));
    if wire.is_gzip() {
        assert_eq!(request.content_encoding(), Some("gzip"));
        assert_eq!(
            &request.body[..2],
            &[0x1f, 0x8b],
            "raw body kept compressed"
        );
        assert_ne!(request.body.len(), plain_len);
    } else {
        assert_eq!(request.content_encoding(), None);
        assert_eq!(request.body.len(), plain_len);
    }
    assert_eq!(request.decompressed_body().map(|b| b.len()), Ok(plain_len));
}

#[test]
fn traces_in_every_wire_format() {
    for wire in Wire::ALL {
        let receiver = OtlpReceiver::start().unwrap();
        let (response, plain_len) =
            wire.post(receiver.local_addr(), "/v1/traces", &trace_request());
        let requests = receiver.wait_for_requests(1, WAIT);
        assert_eq!(requests.len(), 1);
        check_success(wire, &response, &requests[0], Signal::Traces, plain_len);
        assert_eq!(requests[0].path, "/v1/traces");
        if !wire.is_json() {
            assert_eq!(
                ExportTraceServiceResponse::decode(&response.body[..]).unwrap(),
                ExportTraceServiceResponse::default()
            );
        }

        let spans = receiver.wait_for_spans(2, WAIT);
        assert_eq!(spans.len(), 2, "{wire:?}");
        let (root, child) = (&spans[0], &spans[1]);

        assert_eq!(root.name(), "invoke_agent");
        assert_eq!(root.kind(), SpanKind::Server);
        assert_eq!(root.scope_name, "my.tracer");
        assert_eq!(root.scope_version, "1.2.3");
        assert_eq!(root.resource_attr_str("service.name"), Some("agent-svc"));
        assert_eq!(root.resource_attr_str("missing"), None);
        assert_eq!(root.attr_str("gen_ai.operation.name"), Some("invoke_agent"));
        assert_eq!(root.attr_i64("gen_ai.usage.input_tokens"), Some(42));
        assert_eq!(root.attr_f64("gen_ai.request.temperature"), Some(0.5));
        assert_eq!(root.attr_bool("session.new"), Some(true));
        assert_eq!(
            root.attr_str("gen_ai.usage.input_tokens"),
            None,
            "wrong type"
        );
        assert!(root.attr("nope").is_none());
        assert_eq!(root.trace_id_hex(), TRACE_ID_HEX);
        assert_eq!(root.span_id_hex(), ROOT_ID_HEX);
        assert_eq!(root.parent_span_id_hex(), None);
        assert_eq!(root.status_code(), StatusCode::Ok);
        assert_eq!(root.status_message(), "");
        assert_eq!(root.events().len(), 1);
        assert!(root.event("gen_ai.user.message").is_some());
        assert_eq!(
            root.event_attr_str("gen_ai.user.message", "content"),
            Some("hello")
        );
        assert_eq!(root.event_attr_str("gen_ai.user.message", "nope"), None);
        assert_eq!(root.event_attr_str("other", "content"), None);
        assert_eq!(root.duration(), Duration::from_millis(250));
        assert!(root.links().is_empty());

        assert_eq!(child.name(), "chat claude");
        assert_eq!(child.kind(), SpanKind::Client);
        assert_eq!(child.trace_id_hex(), TRACE_ID_HEX);
        assert_eq!(child.span_id_hex(), CHILD_ID_HEX);
        assert_eq!(child.parent_span_id_hex().as_deref(), Some(ROOT_ID_HEX));
        assert_eq!(child.status_code(), StatusCode::Error);
        assert_eq!(child.status_message(), "boom");
        assert!(child.events().is_empty());

        assert_eq!(receiver.spans(), spans);
        assert!(receiver.logs().is_empty());
        assert!(receiver.metrics().is_empty());
    }
}

#[test]
fn logs_in_every_wire_format() {
    for wire in Wire::ALL {
        let receiver = OtlpReceiver::start().unwrap();
        let (response, plain_len) = wire.post(receiver.local_addr(), "/v1/logs", &logs_request());
        let requests = receiver.wait_for_requests(1, WAIT);
        check_success(wire, &response, &requests[0], Signal::Logs, plain_len);
        if !wire.is_json() {
            assert_eq!(
                ExportLogsServiceResponse::decode(&response.body[..]).unwrap(),
                ExportLogsServiceResponse::default()
            );
        }

        let logs = receiver.wait_for_logs(2, WAIT);
        assert_eq!(logs.len(), 2, "{wire:?}");
        let (event, structured) = (&logs[0], &logs[1]);

        assert_eq!(event.scope_name, "my.logger");
        assert_eq!(event.scope_version, "0.1.0");
        assert_eq!(event.resource_attr_str("service.name"), Some("agent-svc"));
        assert_eq!(event.body_str().as_deref(), Some("user said hi"));
        assert_eq!(event.body_json(), Some(serde_json::json!("user said hi")));
        assert_eq!(event.attr_str("gen_ai.system"), Some("aws.bedrock"));
        assert_eq!(event.attr_i64("attempt"), Some(2));
        assert_eq!(event.attr_bool("attempt"), None);
        assert_eq!(event.severity_number(), SeverityNumber::Info);
        assert_eq!(event.severity_text(), "INFO");
        assert_eq!(event.trace_id_hex().as_deref(), Some(TRACE_ID_HEX));
        assert_eq!(event.span_id_hex().as_deref(), Some(ROOT_ID_HEX));
        assert_eq!(event.event_name(), Some("gen_ai.user.message"));

        assert_eq!(structured.severity_number(), SeverityNumber::Error);
        assert_eq!(structured.trace_id_hex(), None);
        assert_eq!(structured.span_id_hex(), None);
        assert_eq!(structured.event_name(), None);
        assert_eq!(
            structured.body_json(),
            Some(serde_json::json!({"role": "assistant", "parts": [1]}))
        );
        let rendered: serde_json::Value =
            serde_json::from_str(&structured.body_str().unwrap()).unwrap();
        assert_eq!(
            rendered,
            serde_json::json!({"role": "assistant", "parts": [1]})
        );

        assert!(receiver.spans().is_empty());
    }
}

#[test]
fn metrics_in_every_wire_format() {
    for wire in Wire::ALL {
        let receiver = OtlpReceiver::start().unwrap();
        let (response, plain_len) =
            wire.post(receiver.local_addr(), "/v1/metrics", &metrics_request());
        let requests = receiver.wait_for_requests(1, WAIT);
        check_success(wire, &response, &requests[0], Signal::Metrics, plain_len);
        if !wire.is_json() {
            assert_eq!(
                ExportMetricsServiceResponse::decode(&response.body[..]).unwrap(),
                ExportMetricsServiceResponse::default()
            );
        }

        let metrics = receiver.wait_for_metrics(|m| m.len() >= 4, WAIT);
        assert_eq!(metrics.len(), 4, "{wire:?}");
        let find = |name: &str| metrics.iter().find(|m| m.name() == name).unwrap();

        let requests_metric = find("requests");
        assert_eq!(requests_metric.unit(), "{request}");
        assert_eq!(requests_metric.description(), "how many");
        assert_eq!(requests_metric.scope_name, "my.meter");
        assert_eq!(requests_metric.scope_version, "2.0.0");
        assert_eq!(
            requests_metric.resource_attr_str("service.name"),
            Some("agent-svc")
        );
        assert_eq!(requests_metric.data_type(), MetricDataType::Sum);
        assert_eq!(requests_metric.data_point_count(), 2);
        assert_eq!(requests_metric.number_values(), vec![3.0, 4.0]);
        assert_eq!(requests_metric.sum_value(), Some(7.0));
        assert_eq!(requests_metric.histogram_count(), None);
        let attrs = requests_metric.data_point_attributes();
        assert_eq!(attrs.len(), 2);
        assert_eq!(attrs[1][0].key, "route");

        let cost = find("cost");
        assert_eq!(cost.sum_value(), Some(1.25));
        assert_eq!(cost.unit(), "USD");

        let gauge = find("queue.depth");
        assert_eq!(gauge.data_type(), MetricDataType::Gauge);
        assert_eq!(gauge.sum_value(), None);
        assert_eq!(gauge.number_values(), vec![9.0]);

        let histogram = find("gen_ai.client.operation.duration");
        assert_eq!(histogram.data_type(), MetricDataType::Histogram);
        assert_eq!(histogram.data_point_count(), 1);
        assert_eq!(histogram.histogram_count(), Some(3));
        assert_eq!(histogram.histogram_sum(), Some(1.5));
        assert_eq!(histogram.sum_value(), None);
        assert!(histogram.number_values().is_empty());
    }
}

#[test]
fn hand_written_otlp_json_decodes() {
    // Shaped like the OTLP/JSON examples in the specification: camelCase keys, hex ids,
    // 64-bit integers as strings, enums as integers.
    let traces = r#"{
      "resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
        "scopeSpans": [{
          "scope": {"name": "lib", "version": "1.0.0"},
          "spans": [{
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": "eee19b7ec3c1b174",
            "parentSpanId": "eee19b7ec3c1b173",
            "name": "I'm a server span",
            "startTimeUnixNano": "1544712660000000000",
            "endTimeUnixNano": "1544712661000000000",
            "kind": 2,
            "attributes": [
              {"key": "my.span.attr", "value": {"stringValue": "some value"}},
              {"key": "count", "value": {"intValue": "7"}},
              {"key": "ratio", "value": {"doubleValue": 0.25}}
            ],
            "status": {"code": 2, "message": "bad"}
          }]
        }]
      }]
    }"#;
    let logs = r#"{
      "resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
        "scopeLogs": [{
          "scope": {"name": "lib"},
          "logRecords": [{
            "timeUnixNano": "1544712660300000000",
            "severityNumber": 10,
            "severityText": "Information",
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": "eee19b7ec3c1b174",
            "body": {"stringValue": "Example log record"},
            "attributes": [{"key": "int.attribute", "value": {"intValue": "10"}}]
          }]
        }]
      }]
    }"#;
    let metrics = r#"{
      "resourceMetrics": [{
        "scopeMetrics": [{
          "scope": {"name": "lib"},
          "metrics": [{
            "name": "my.counter",
            "unit": "1",
            "sum": {
              "aggregationTemporality": 1,
              "isMonotonic": true,
              "dataPoints": [{"asDouble": 5, "startTimeUnixNano": "1544712660300000000",
                              "timeUnixNano": "1544712660300000000"},
                             {"asInt": "2"}]
            }
          }]
        }]
      }]
    }"#;
    let receiver = OtlpReceiver::start().unwrap();
    let addr = receiver.local_addr();
    let headers = [("content-type", JSON)];
    assert_eq!(
        send(addr, "POST", "/v1/traces", &headers, traces.as_bytes()).status,
        200
    );
    assert_eq!(
        send(addr, "POST", "/v1/logs", &headers, logs.as_bytes()).status,
        200
    );
    assert_eq!(
        send(addr, "POST", "/v1/metrics", &headers, metrics.as_bytes()).status,
        200
    );

    let span = &receiver.wait_for_spans(1, WAIT)[0];
    assert_eq!(span.name(), "I'm a server span");
    assert_eq!(span.kind(), SpanKind::Server);
    assert_eq!(span.trace_id_hex(), TRACE_ID_HEX);
    assert_eq!(span.parent_span_id_hex().as_deref(), Some(CHILD_ID_HEX));
    assert_eq!(span.attr_i64("count"), Some(7));
    assert_eq!(span.attr_f64("ratio"), Some(0.25));
    assert_eq!(span.status_code(), StatusCode::Error);
    assert_eq!(span.duration(), Duration::from_secs(1));
    assert_eq!(span.span.start_time_unix_nano, 1_544_712_660_000_000_000);

    let log = &receiver.wait_for_logs(1, WAIT)[0];
    assert_eq!(log.body_str().as_deref(), Some("Example log record"));
    assert_eq!(log.severity_number(), SeverityNumber::Info2);
    assert_eq!(log.attr_i64("int.attribute"), Some(10));
    assert_eq!(log.span_id_hex().as_deref(), Some(ROOT_ID_HEX));

    let metric = &receiver.wait_for_metrics(|m| !m.is_empty(), WAIT)[0];
    assert_eq!(metric.name(), "my.counter");
    assert_eq!(metric.sum_value(), Some(7.0));
    assert_eq!(metric.resource_attr_str("service.name"), None);
}

#[test]
fn path_prefixes_trailing_slashes_and_content_type_parameters_are_accepted() {
    let receiver = OtlpReceiver::start().unwrap();
    let addr = receiver.local_addr();
    let body = trace_request().encode_to_vec();
    let proto = [("content-type", PROTOBUF)];
    assert_eq!(
        send(addr, "POST", "/proxy/otlp/v1/traces", &proto, &body).status,
        200
    );
    assert_eq!(send(addr, "POST", "/v1/traces/", &proto, &body).status, 200);
    assert_eq!(
        send(addr, "POST", "/v1/traces?x=1", &proto, &body).status,
        200
    );
    let json = serde_json::to_vec(&logs_request()).unwrap();
    let json_headers = [("content-type", "application/json; charset=utf-8")];
    let response = send(addr, "POST", "/v1/logs", &json_headers, &json);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some(JSON));
    let protobuf_alias = [("content-type", "application/protobuf")];
    assert_eq!(
        send(addr, "POST", "/v1/traces", &protobuf_alias, &body).status,
        200
    );

    let requests = receiver.wait_for_requests(5, WAIT);
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/proxy/otlp/v1/traces",
            "/v1/traces/",
            "/v1/traces",
            "/v1/logs",
            "/v1/traces"
        ]
    );
    assert!(requests.iter().all(|r| r.status == 200));
    assert_eq!(receiver.spans().len(), 8);
    assert_eq!(receiver.logs().len(), 2);
}

#[test]
fn request_headers_are_kept() {
    let receiver = OtlpReceiver::start().unwrap();
    let body = trace_request().encode_to_vec();
    let headers = [
        ("content-type", PROTOBUF),
        ("x-amz-security-token", "token"),
        ("X-Multi", "one"),
        ("x-multi", "two"),
    ];
    send(receiver.local_addr(), "POST", "/v1/traces", &headers, &body);
    let request = &receiver.wait_for_requests(1, WAIT)[0];
    assert_eq!(request.header("x-amz-security-token"), Some("token"));
    assert_eq!(request.header("X-AMZ-SECURITY-TOKEN"), Some("token"));
    assert_eq!(request.header_all("x-multi"), ["one", "two"]);
    assert_eq!(request.header("absent"), None);
    assert_eq!(request.body.as_ref(), body.as_slice());
}
