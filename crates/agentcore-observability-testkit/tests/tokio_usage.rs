//! Using the receiver from inside tokio tests (both flavors), with a real HTTP client that
//! reuses connections.

mod common;

use std::time::Duration;

use agentcore_observability_testkit::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use agentcore_observability_testkit::{OtlpReceiver, PlannedResponse, Signal};
use common::*;
use prost::Message;

const WAIT: Duration = Duration::from_secs(5);

async fn post(client: &reqwest::Client, url: &str, wire: Wire, body: Vec<u8>) -> reqwest::Response {
    let mut request = client
        .post(url)
        .header("content-type", wire.content_type())
        .body(body);
    if wire.is_gzip() {
        request = request.header("content-encoding", "gzip");
    }
    request.send().await.expect("request to the receiver")
}

async fn exercise(receiver: &OtlpReceiver, expect_reuse: bool) {
    let client = reqwest::Client::new();
    for wire in Wire::ALL {
        let (body, _) = wire.encode(&trace_request());
        let response = post(&client, &receiver.traces_url(), wire, body).await;
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap();
        if wire.is_json() {
            assert_eq!(&bytes[..], b"{}");
        } else {
            assert_eq!(
                ExportTraceServiceResponse::decode(bytes).unwrap(),
                ExportTraceServiceResponse::default()
            );
        }
    }
    let (body, _) = Wire::GzipJson.encode(&logs_request());
    assert_eq!(
        post(&client, &receiver.logs_url(), Wire::GzipJson, body)
            .await
            .status(),
        200
    );
    let (body, _) = Wire::Protobuf.encode(&metrics_request());
    assert_eq!(
        post(&client, &receiver.metrics_url(), Wire::Protobuf, body)
            .await
            .status(),
        200
    );

    // Synchronous waits from inside the async test: they never need the caller's runtime.
    assert_eq!(receiver.wait_for_spans(8, WAIT).len(), 8);
    assert_eq!(receiver.wait_for_logs(2, WAIT).len(), 2);
    assert_eq!(receiver.wait_for_metrics(|m| m.len() == 4, WAIT).len(), 4);
    let requests = receiver.wait_for_requests(6, WAIT);
    let signals: Vec<Signal> = requests.iter().map(|r| r.signal).collect();
    assert_eq!(
        signals,
        [
            Signal::Traces,
            Signal::Traces,
            Signal::Traces,
            Signal::Traces,
            Signal::Logs,
            Signal::Metrics
        ]
    );

    // Planned failures then recovery, over the same pooled connection.
    receiver.respond_with([
        PlannedResponse::status(503).header("retry-after", "0"),
        PlannedResponse::status(502).delay(Duration::from_millis(100)),
    ]);
    let (body, _) = Wire::Protobuf.encode(&trace_request());
    let first = post(
        &client,
        &receiver.traces_url(),
        Wire::Protobuf,
        body.clone(),
    )
    .await;
    assert_eq!(first.status(), 503);
    assert_eq!(
        first
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("0")
    );
    let second = post(
        &client,
        &receiver.traces_url(),
        Wire::Protobuf,
        body.clone(),
    )
    .await;
    assert_eq!(second.status(), 502);
    let third = post(&client, &receiver.traces_url(), Wire::Protobuf, body).await;
    assert_eq!(third.status(), 200);
    assert_eq!(receiver.wait_for_spans(10, WAIT).len(), 10);
    let requests = receiver.requests();
    assert_eq!(requests.len(), 9);
    if expect_reuse {
        // reqwest kept connections alive between these sequential requests. (Under a
        // multi-thread runtime its pool may race and open extra ones, so only check here.)
        let mut peers: Vec<_> = requests.iter().map(|r| r.remote_addr).collect();
        peers.sort();
        peers.dedup();
        assert!(
            peers.len() < requests.len(),
            "connections were reused: {peers:?}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn works_inside_a_current_thread_runtime() {
    let receiver = OtlpReceiver::start().unwrap();
    exercise(&receiver, true).await;
    // Dropping inside the async context must not panic (the server's runtime lives on its
    // own thread).
    drop(receiver);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_inside_a_multi_thread_runtime() {
    let receiver = OtlpReceiver::start().unwrap();
    exercise(&receiver, false).await;
    // And from a blocking task.
    let receiver = tokio::task::spawn_blocking(move || {
        assert_eq!(receiver.wait_for_spans(10, WAIT).len(), 10);
        receiver
    })
    .await
    .unwrap();
    drop(receiver);
}

#[tokio::test(flavor = "current_thread")]
async fn a_slow_planned_response_times_the_client_out_but_is_recorded() {
    let receiver = OtlpReceiver::start().unwrap();
    receiver.respond_with([PlannedResponse::ok().delay(Duration::from_secs(30))]);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let (body, _) = Wire::Protobuf.encode(&trace_request());
    let result = client
        .post(receiver.traces_url())
        .header("content-type", PROTOBUF)
        .body(body)
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
    let requests = receiver.wait_for_requests(1, WAIT);
    assert_eq!(requests[0].status, 200);
    // Planned 2xx: the telemetry counts as accepted even though the client gave up.
    assert_eq!(receiver.spans().len(), 2);
}
