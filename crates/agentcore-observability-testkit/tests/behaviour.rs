//! Server behaviour, from plain (runtime-less) tests: errors, planned responses, waiting,
//! clearing, keep-alive and shutdown.

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use agentcore_observability_testkit::{OtlpReceiver, PlannedResponse, Signal};
use common::*;
use prost::Message;

const WAIT: Duration = Duration::from_secs(5);

fn proto_headers() -> [(&'static str, &'static str); 1] {
    [("content-type", PROTOBUF)]
}

#[test]
fn endpoint_and_urls() {
    let receiver = OtlpReceiver::start().unwrap();
    let port = receiver.local_addr().port();
    assert_ne!(port, 0);
    assert_eq!(receiver.endpoint(), format!("http://127.0.0.1:{port}"));
    assert_eq!(
        receiver.traces_url(),
        format!("http://127.0.0.1:{port}/v1/traces")
    );
    assert_eq!(
        receiver.logs_url(),
        format!("http://127.0.0.1:{port}/v1/logs")
    );
    assert_eq!(
        receiver.metrics_url(),
        format!("http://127.0.0.1:{port}/v1/metrics")
    );
    let other = OtlpReceiver::start().unwrap();
    assert_ne!(other.endpoint(), receiver.endpoint());
}

#[test]
fn unknown_paths_and_methods_get_404_and_are_recorded() {
    let receiver = OtlpReceiver::start().unwrap();
    let addr = receiver.local_addr();
    let body = trace_request().encode_to_vec();
    let response = send(addr, "POST", "/v1/spans", &proto_headers(), &body);
    assert_eq!(response.status, 404);
    assert!(String::from_utf8_lossy(&response.body).contains("/v1/spans"));
    assert_eq!(send(addr, "GET", "/v1/traces", &[], b"").status, 404);
    assert_eq!(
        send(addr, "PUT", "/v1/logs", &proto_headers(), &body).status,
        404
    );

    let requests = receiver.wait_for_requests(3, WAIT);
    assert_eq!(requests.len(), 3);
    assert!(requests
        .iter()
        .all(|r| r.signal == Signal::Unknown && r.status == 404));
    assert_eq!(requests[0].path, "/v1/spans");
    assert_eq!(requests[1].method, "GET");
    assert_eq!(requests[2].method, "PUT");
    assert_eq!(requests[0].body.as_ref(), body.as_slice(), "body is kept");
    assert!(receiver.spans().is_empty());
    assert!(receiver.logs().is_empty());
}

#[test]
fn undecodable_bodies_get_400_and_are_recorded() {
    let receiver = OtlpReceiver::start().unwrap();
    let addr = receiver.local_addr();
    let garbage = b"\xff\xff\xff\xff not a protobuf".to_vec();
    // (path, headers, body, whether decompression succeeds)
    type Case = (
        &'static str,
        Vec<(&'static str, &'static str)>,
        Vec<u8>,
        bool,
    );
    let cases: Vec<Case> = vec![
        (
            "/v1/traces",
            vec![("content-type", PROTOBUF)],
            garbage.clone(),
            true,
        ),
        (
            "/v1/logs",
            vec![("content-type", JSON)],
            b"{not json".to_vec(),
            true,
        ),
        (
            "/v1/metrics",
            vec![("content-type", JSON)],
            br#"{"resourceMetrics": 5}"#.to_vec(),
            true,
        ),
        (
            "/v1/traces",
            vec![("content-type", PROTOBUF), ("content-encoding", "gzip")],
            garbage.clone(),
            false,
        ),
        (
            "/v1/traces",
            vec![("content-type", PROTOBUF), ("content-encoding", "br")],
            trace_request().encode_to_vec(),
            false,
        ),
        (
            "/v1/traces",
            vec![("content-type", "text/plain")],
            garbage.clone(),
            false,
        ),
        ("/v1/traces", vec![], trace_request().encode_to_vec(), false),
    ];
    for (path, headers, body, decompressed) in &cases {
        let response = send(addr, "POST", path, headers, body);
        assert_eq!(response.status, 400, "{path} {headers:?}");
        assert!(!response.body.is_empty(), "a message explains the 400");
        let request = receiver.requests().pop().unwrap();
        assert_eq!(request.status, 400);
        assert_ne!(request.signal, Signal::Unknown);
        let error = request.decode_error.clone().expect("decode_error is set");
        assert_eq!(String::from_utf8_lossy(&response.body), error);
        assert_eq!(request.body.as_ref(), body.as_slice(), "raw body is kept");
        if *decompressed {
            assert_eq!(request.decoded_body_len, Some(body.len()));
        } else {
            assert_eq!(request.decoded_body_len, None, "{error}");
        }
    }
    assert_eq!(receiver.requests().len(), cases.len());
    assert!(receiver.spans().is_empty());
    assert!(receiver.logs().is_empty());
    assert!(receiver.metrics().is_empty());

    // The server is still fine afterwards.
    let body = trace_request().encode_to_vec();
    assert_eq!(
        send(addr, "POST", "/v1/traces", &proto_headers(), &body).status,
        200
    );
    assert_eq!(receiver.wait_for_spans(2, WAIT).len(), 2);
}

#[test]
fn planned_responses_are_used_in_order_then_default_200() {
    let receiver = OtlpReceiver::start().unwrap();
    let addr = receiver.local_addr();
    receiver.respond_with([
        PlannedResponse::status(503).header("retry-after", "1"),
        PlannedResponse::status(429)
            .header("retry-after", "2")
            .header("x-extra", "yes")
            .delay(Duration::from_millis(300)),
    ]);
    receiver.respond_with([PlannedResponse::ok()]);
    assert_eq!(receiver.pending_planned_responses(), 3);
    let body = trace_request().encode_to_vec();

    let first = send(addr, "POST", "/v1/traces", &proto_headers(), &body);
    assert_eq!(first.status, 503);
    assert_eq!(first.header("retry-after"), Some("1"));
    assert!(first.body.is_empty());

    let started = Instant::now();
    let second = send(addr, "POST", "/v1/traces", &proto_headers(), &body);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "planned delay applied"
    );
    assert_eq!(second.status, 429);
    assert_eq!(second.header("retry-after"), Some("2"));
    assert_eq!(second.header("x-extra"), Some("yes"));

    // A planned 2xx still answers like a real collector.
    let third = send(addr, "POST", "/v1/traces", &proto_headers(), &body);
    assert_eq!(third.status, 200);
    assert_eq!(third.header("content-type"), Some(PROTOBUF));
    assert_eq!(receiver.pending_planned_responses(), 0);

    let fourth = send(addr, "POST", "/v1/traces", &proto_headers(), &body);
    assert_eq!(fourth.status, 200);

    let statuses: Vec<u16> = receiver.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 429, 200, 200]);
    assert!(receiver.requests().iter().all(|r| r.decode_error.is_none()));
    // Only the accepted exports count as received telemetry.
    assert_eq!(receiver.spans().len(), 4);
}

#[test]
fn planned_responses_apply_to_any_path_and_can_carry_a_body() {
    let receiver = OtlpReceiver::start().unwrap();
    let addr = receiver.local_addr();
    receiver.respond_with([
        PlannedResponse::status(200).header("x-first", "1"),
        PlannedResponse::status(400)
            .header("content-type", "application/json")
            .body(r#"{"code":3,"message":"nope"}"#),
        PlannedResponse::ok(),
        PlannedResponse::status(42)
            .header("bad header name", "x")
            .header("x-ok", "\u{7f}"),
    ]);
    // A planned 200 to a JSON export answers `{}`.
    let first = send(
        addr,
        "POST",
        "/v1/logs",
        &[("content-type", JSON)],
        &serde_json::to_vec(&logs_request()).unwrap(),
    );
    assert_eq!(first.status, 200);
    assert_eq!(first.body, b"{}");
    assert_eq!(first.header("content-type"), Some(JSON));
    assert_eq!(first.header("x-first"), Some("1"));

    let second = send(addr, "POST", "/v1/traces", &proto_headers(), b"");
    assert_eq!(second.status, 400);
    assert_eq!(second.header("content-type"), Some("application/json"));
    assert_eq!(second.body, br#"{"code":3,"message":"nope"}"#);

    // Consumed by a 404 path, which is then answered 200 with no body.
    let third = send(addr, "GET", "/health", &[], b"");
    assert_eq!(third.status, 200);
    assert!(third.body.is_empty());

    // Nonsense plans do not break the server.
    let fourth = send(addr, "POST", "/v1/traces", &proto_headers(), b"");
    assert_eq!(fourth.status, 500);
    assert_eq!(fourth.header("x-ok"), None);

    let requests = receiver.wait_for_requests(4, WAIT);
    let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 400, 200, 42]);
    assert_eq!(requests[2].signal, Signal::Unknown);
    assert_eq!(receiver.logs().len(), 2);
    // An empty protobuf body is a valid (empty) export, but it was answered 400.
    assert!(receiver.spans().is_empty());

    receiver.respond_with([PlannedResponse::status(500)]);
    receiver.clear_planned_responses();
    assert_eq!(receiver.pending_planned_responses(), 0);
    assert_eq!(
        send(addr, "POST", "/v1/traces", &proto_headers(), b"").status,
        200
    );
}

#[test]
fn waits_return_as_soon_as_satisfied() {
    let receiver = OtlpReceiver::start().unwrap();
    let addr = receiver.local_addr();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        Wire::Protobuf.post(addr, "/v1/traces", &trace_request());
        Wire::Json.post(addr, "/v1/logs", &logs_request());
        Wire::GzipProtobuf.post(addr, "/v1/metrics", &metrics_request());
    });
    let started = Instant::now();
    let spans = receiver.wait_for_spans(2, Duration::from_secs(30));
    let logs = receiver.wait_for_logs(2, Duration::from_secs(30));
    let metrics = receiver.wait_for_metrics(
        |m| m.iter().any(|m| m.name() == "requests"),
        Duration::from_secs(30),
    );
    let requests = receiver.wait_for_requests(3, Duration::from_secs(30));
    let elapsed = started.elapsed();
    sender.join().unwrap();
    assert_eq!(spans.len(), 2);
    assert_eq!(logs.len(), 2);
    assert_eq!(metrics.len(), 4);
    assert_eq!(requests.len(), 3);
    assert!(
        elapsed < Duration::from_secs(10),
        "returned early: {elapsed:?}"
    );

    let matching = receiver.wait_for_spans_matching(
        |spans| spans.iter().any(|s| s.name() == "chat claude"),
        Duration::from_secs(30),
    );
    assert_eq!(matching.len(), 2);
    let matching = receiver.wait_for_logs_matching(|logs| logs.len() == 2, Duration::from_secs(30));
    assert_eq!(matching.len(), 2);
    // Already satisfied: no waiting at all.
    assert_eq!(receiver.wait_for_spans(0, Duration::ZERO).len(), 2);
}

#[test]
fn waits_give_up_after_the_timeout() {
    let receiver = OtlpReceiver::start().unwrap();
    Wire::Protobuf.post(receiver.local_addr(), "/v1/traces", &trace_request());
    let timeout = Duration::from_millis(200);

    let started = Instant::now();
    let spans = receiver.wait_for_spans(3, timeout);
    assert!(started.elapsed() >= timeout);
    assert_eq!(spans.len(), 2, "whatever arrived is returned");

    let started = Instant::now();
    assert!(receiver.wait_for_logs(1, timeout).is_empty());
    assert!(receiver
        .wait_for_metrics(|m| !m.is_empty(), timeout)
        .is_empty());
    assert_eq!(receiver.wait_for_requests(2, timeout).len(), 1);
    assert!(
        receiver
            .wait_for_spans_matching(|s| s.iter().any(|s| s.name() == "nope"), timeout)
            .len()
            == 2
    );
    assert!(receiver
        .wait_for_logs_matching(|l| !l.is_empty(), timeout)
        .is_empty());
    assert!(started.elapsed() >= timeout * 5);
    // A huge timeout must not overflow; the condition is already true.
    assert_eq!(receiver.wait_for_requests(1, Duration::MAX).len(), 1);
}

#[test]
fn clear_forgets_everything_received() {
    let receiver = OtlpReceiver::start().unwrap();
    let addr = receiver.local_addr();
    Wire::Protobuf.post(addr, "/v1/traces", &trace_request());
    Wire::Protobuf.post(addr, "/v1/logs", &logs_request());
    Wire::Protobuf.post(addr, "/v1/metrics", &metrics_request());
    receiver.respond_with([PlannedResponse::status(503)]);
    assert_eq!(receiver.requests().len(), 3);
    receiver.clear();
    assert!(receiver.requests().is_empty());
    assert!(receiver.spans().is_empty());
    assert!(receiver.logs().is_empty());
    assert!(receiver.metrics().is_empty());
    assert_eq!(
        receiver.pending_planned_responses(),
        1,
        "plans survive clear()"
    );
    let (response, _) = Wire::Protobuf.post(addr, "/v1/traces", &trace_request());
    assert_eq!(response.status, 503);
    assert_eq!(receiver.requests().len(), 1);
}

#[test]
fn keep_alive_connections_serve_many_requests() {
    let receiver = OtlpReceiver::start().unwrap();
    let mut conn = HttpConn::connect(receiver.local_addr()).unwrap();
    let local = conn.stream().local_addr().unwrap();
    let traces = trace_request().encode_to_vec();
    let logs = serde_json::to_vec(&logs_request()).unwrap();
    for _ in 0..3 {
        let r = conn
            .send("POST", "/v1/traces", &proto_headers(), &traces)
            .unwrap();
        assert_eq!(r.status, 200);
        let r = conn
            .send("POST", "/v1/logs", &[("content-type", JSON)], &logs)
            .unwrap();
        assert_eq!(r.status, 200);
        let r = conn.send("GET", "/nope", &[], b"").unwrap();
        assert_eq!(r.status, 404);
    }
    assert_eq!(
        conn.stream().local_addr().unwrap(),
        local,
        "same connection throughout"
    );
    assert!(receiver.requests().iter().all(|r| r.remote_addr == local));
    assert_eq!(receiver.requests().len(), 9);
    assert_eq!(receiver.spans().len(), 6);
    assert_eq!(receiver.logs().len(), 6);
    let arrival: Vec<Instant> = receiver.requests().iter().map(|r| r.received_at).collect();
    assert!(arrival.windows(2).all(|w| w[0] <= w[1]), "arrival order");
}

#[test]
fn drop_stops_the_server_promptly_even_with_busy_connections() {
    let receiver = OtlpReceiver::start().unwrap();
    let addr = receiver.local_addr();
    // An idle keep-alive connection...
    let mut idle = HttpConn::connect(addr).unwrap();
    assert_eq!(
        idle.send(
            "POST",
            "/v1/traces",
            &proto_headers(),
            &trace_request().encode_to_vec()
        )
        .unwrap()
        .status,
        200
    );
    // ...and a request stuck in a long planned delay.
    receiver.respond_with([PlannedResponse::status(200).delay(Duration::from_secs(60))]);
    let mut stuck = TcpStream::connect(addr).unwrap();
    stuck
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    std::io::Write::write_all(
        &mut stuck,
        b"POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n",
    )
    .unwrap();
    assert_eq!(receiver.wait_for_requests(2, WAIT).len(), 2);

    let started = Instant::now();
    drop(receiver);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "drop took {:?}",
        started.elapsed()
    );

    // The delayed request's connection was closed without an answer.
    let mut rest = Vec::new();
    let read = stuck.read_to_end(&mut rest);
    assert!(read.is_err() || rest.is_empty(), "{read:?} {rest:?}");
    // The idle connection is closed too, and nobody listens any more.
    assert!(idle.send("GET", "/", &[], b"").is_err());
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}

#[test]
fn shutdown_keeps_the_record_readable() {
    let mut receiver = OtlpReceiver::start().unwrap();
    let addr = receiver.local_addr();
    Wire::Protobuf.post(addr, "/v1/traces", &trace_request());
    receiver.shutdown();
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
    assert_eq!(receiver.spans().len(), 2);
    assert_eq!(
        receiver.wait_for_spans(3, Duration::from_millis(50)).len(),
        2
    );
    receiver.shutdown(); // idempotent
}

#[test]
fn many_receivers_in_parallel() {
    let handles: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                let receiver = OtlpReceiver::start().unwrap();
                for _ in 0..5 {
                    Wire::Protobuf.post(receiver.local_addr(), "/v1/traces", &trace_request());
                }
                receiver.wait_for_spans(10, WAIT).len()
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap(), 10);
    }
}

#[test]
fn empty_protobuf_export_is_valid() {
    let receiver = OtlpReceiver::start().unwrap();
    let response = send(
        receiver.local_addr(),
        "POST",
        "/v1/metrics",
        &proto_headers(),
        b"",
    );
    assert_eq!(response.status, 200);
    let request = &receiver.requests()[0];
    assert_eq!(request.decoded_body_len, Some(0));
    assert!(receiver.metrics().is_empty());
    let _ = trace_request().encoded_len();
}
