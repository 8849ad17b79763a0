//! The OTLP/gRPC receiver (feature `grpc`) driven by opentelemetry-proto's generated clients.

#![cfg(feature = "grpc")]

use std::time::Duration;

use agentcore_observability_testkit::opentelemetry_proto::tonic::collector::logs::v1::{
    logs_service_client::LogsServiceClient, ExportLogsServiceRequest,
};
use agentcore_observability_testkit::opentelemetry_proto::tonic::collector::trace::v1::{
    trace_service_client::TraceServiceClient, ExportTracePartialSuccess, ExportTraceServiceRequest,
    ExportTraceServiceResponse,
};
use agentcore_observability_testkit::opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, KeyValue,
};
use agentcore_observability_testkit::opentelemetry_proto::tonic::logs::v1::{
    LogRecord, ResourceLogs, ScopeLogs,
};
use agentcore_observability_testkit::opentelemetry_proto::tonic::resource::v1::Resource;
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::{
    ResourceSpans, ScopeSpans, Span,
};
use agentcore_observability_testkit::{OtlpReceiver, PlannedResponse, Signal};
use prost::Message as _;
use tonic::codec::CompressionEncoding;
use tonic::{Code, Request};

const WAIT: Duration = Duration::from_secs(5);

fn string_attr(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..Default::default()
    }
}

fn one_span(name: &str) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![string_attr("service.name", "svc")],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![1; 16],
                    span_id: vec![2; 8],
                    name: name.to_owned(),
                    attributes: vec![string_attr("k", "v")],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

async fn client(receiver: &OtlpReceiver) -> TraceServiceClient<tonic::transport::Channel> {
    TraceServiceClient::connect(receiver.endpoint())
        .await
        .expect("connect")
}

#[tokio::test]
async fn records_spans_logs_and_metadata_of_gzipped_calls() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    let mut traces = client(&receiver)
        .await
        .send_compressed(CompressionEncoding::Gzip);
    let mut request = Request::new(one_span("over grpc"));
    request
        .metadata_mut()
        .insert("x-tenant", "acme".parse().expect("ascii"));
    traces.export(request).await.expect("OK");

    let mut logs = LogsServiceClient::connect(receiver.endpoint())
        .await
        .expect("connect");
    logs.export(ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    body: Some(AnyValue {
                        value: Some(any_value::Value::StringValue("hello".into())),
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
    .await
    .expect("OK");

    let spans = receiver.wait_for_spans(1, WAIT);
    assert_eq!(spans[0].name(), "over grpc");
    assert_eq!(spans[0].attr_str("k"), Some("v"));
    assert_eq!(spans[0].resource_attr_str("service.name"), Some("svc"));
    assert_eq!(
        receiver.wait_for_logs(1, WAIT)[0].body_str().as_deref(),
        Some("hello")
    );
    let requests = receiver.requests();
    let call = &requests[0];
    assert_eq!(call.signal, Signal::Traces);
    assert_eq!(
        call.path,
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
    );
    assert!(call.is_grpc());
    assert!(call.is_gzip());
    assert!(call.is_success());
    assert_eq!(call.grpc_status, Some(0));
    assert_eq!(call.header("x-tenant"), Some("acme"));
    // The body is the request as decoded, re-encoded as protobuf.
    let decoded = ExportTraceServiceRequest::decode(call.body.as_ref()).expect("protobuf");
    assert_eq!(decoded, one_span("over grpc"));
    assert_eq!(requests[1].signal, Signal::Logs);
    assert!(!requests[1].is_gzip());
}

#[tokio::test]
async fn planned_statuses_messages_retry_info_and_bodies_are_answered() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    let partial = ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess {
            rejected_spans: 2,
            error_message: "too old".into(),
        }),
    };
    receiver.respond_with([
        PlannedResponse::grpc(14)
            .grpc_message("restarting")
            .header("x-answer", "1"),
        PlannedResponse::grpc(8).retry_info(Duration::from_millis(1500)),
        PlannedResponse::status(503),
        PlannedResponse::reset(),
        PlannedResponse::grpc(0).body(partial.encode_to_vec()),
    ]);
    let mut traces = client(&receiver).await;

    let unavailable = traces.export(one_span("a")).await.expect_err("UNAVAILABLE");
    assert_eq!(unavailable.code(), Code::Unavailable);
    assert_eq!(unavailable.message(), "restarting");
    assert_eq!(
        unavailable
            .metadata()
            .get("x-answer")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let exhausted = traces
        .export(one_span("b"))
        .await
        .expect_err("RESOURCE_EXHAUSTED");
    assert_eq!(exhausted.code(), Code::ResourceExhausted);
    // google.rpc.Status { details: [Any { RetryInfo { retry_delay: 1.5 s } }] }
    let details = exhausted.details();
    assert!(!details.is_empty());
    assert!(details
        .windows(b"google.rpc.RetryInfo".len())
        .any(|w| w == b"google.rpc.RetryInfo"));
    assert_eq!(
        traces.export(one_span("c")).await.expect_err("503").code(),
        Code::Unavailable
    );
    assert_eq!(
        traces
            .export(one_span("d"))
            .await
            .expect_err("reset")
            .code(),
        Code::Unavailable
    );
    let accepted = traces.export(one_span("e")).await.expect("OK").into_inner();
    assert_eq!(accepted, partial);

    let statuses: Vec<_> = receiver.requests().iter().map(|r| r.grpc_status).collect();
    assert_eq!(statuses, [Some(14), Some(8), Some(14), Some(14), Some(0)]);
    // Only the call answered OK contributes its span.
    let spans = receiver.spans();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name(), "e");
    assert_eq!(receiver.pending_planned_responses(), 0);
}

#[tokio::test]
async fn unknown_services_are_unimplemented_and_not_recorded() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    let channel = tonic::transport::Endpoint::from_shared(receiver.endpoint())
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("ready");
    let answer: Result<tonic::Response<ExportTraceServiceResponse>, _> = grpc
        .unary(
            Request::new(one_span("x")),
            http::uri::PathAndQuery::from_static("/some.Other/Export"),
            tonic_prost::ProstCodec::default(),
        )
        .await;
    assert_eq!(answer.expect_err("unknown").code(), Code::Unimplemented);
    assert!(receiver.requests().is_empty());
}

#[test]
fn plans_map_between_http_and_grpc_statuses() {
    assert_eq!(PlannedResponse::grpc(14).status_code(), 503);
    assert_eq!(PlannedResponse::grpc(8).status_code(), 429);
    assert_eq!(PlannedResponse::grpc(0).status_code(), 200);
    assert_eq!(PlannedResponse::grpc(13).status_code(), 500);
    assert_eq!(PlannedResponse::ok().grpc_code(), 0);
    assert_eq!(PlannedResponse::status(429).grpc_code(), 14);
    assert_eq!(PlannedResponse::status(401).grpc_code(), 16);
    assert_eq!(PlannedResponse::status(500).grpc_code(), 2);
    assert_eq!(PlannedResponse::reset().grpc_code(), 14);
    assert_eq!(
        PlannedResponse::grpc(8)
            .retry_info(Duration::from_secs(2))
            .retry_info_delay(),
        Some(Duration::from_secs(2))
    );
}

#[test]
fn the_receiver_stops_when_dropped() {
    let receiver = OtlpReceiver::start_grpc().expect("receiver");
    let addr = receiver.local_addr();
    drop(receiver);
    assert!(std::net::TcpStream::connect(addr).is_err());
}
