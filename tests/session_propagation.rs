//! Sessions across services: a client injects its context into request headers with
//! `session::propagation::inject_current`, an axum server on loopback extracts it with
//! `AgentCoreContextLayer`, and the server's spans continue the trace and carry `session.id`.

mod common;

use std::time::Duration;

use agentcore_observability::opentelemetry::trace::{TraceContextExt as _, Tracer as _};
use agentcore_observability::opentelemetry::Context;
use agentcore_observability::prelude::*;
use agentcore_observability::session::{self, AgentCoreContextLayer, RUNTIME_SESSION_HEADER};
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::span::SpanKind as ProtoKind;
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use agentcore_observability_testkit::{OtlpReceiver, ReceivedSpan};
use axum::http::StatusCode as HttpStatus;
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue};

const WAIT: Duration = Duration::from_secs(10);

/// The handler: one span of its own, and the session id it sees as the body.
async fn invoke() -> String {
    tokio::task::yield_now().await;
    agentcore_observability::tracer("server").in_span("handler work", |_| {});
    Session::current_id().unwrap_or_default()
}

async fn fail() -> HttpStatus {
    HttpStatus::INTERNAL_SERVER_ERROR
}

/// Serves the app on 127.0.0.1:0; returns its base URL.
async fn serve() -> String {
    let app = axum::Router::new()
        .route("/invocations", post(invoke))
        .route("/users/{id}", get(invoke))
        .route("/fail", get(fail))
        .layer(AgentCoreContextLayer::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{address}")
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    headers: HeaderMap,
) -> (u16, String) {
    let response = client
        .request(method, url)
        .headers(headers)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

fn server_span<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|s| s.name() == name && s.kind() == ProtoKind::Server)
        .unwrap_or_else(|| {
            let names: Vec<&str> = spans.iter().map(ReceivedSpan::name).collect();
            panic!("no server span {name} in {names:?}")
        })
}

fn handler_of<'a>(spans: &'a [ReceivedSpan], server: &ReceivedSpan) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|s| {
            s.name() == "handler work" && s.parent_span_id_hex() == Some(server.span_id_hex())
        })
        .expect("handler span under the server span")
}

#[test]
fn client_to_server_round_trip_keeps_trace_and_session() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = common::builder_for(
        &receiver,
        &[
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ],
    )
    .finish()
    .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    let (client_trace, client_span_id, bodies) = runtime.block_on(async {
        let base = serve().await;
        let client = reqwest::Client::new();
        let mut bodies = Vec::new();

        // 1. The full set: traceparent + X-Ray + baggage, injected by the client in a session.
        let tracer = agentcore_observability::tracer("client");
        let cx = Context::current_with_span(tracer.start("client call"));
        let (trace, span_id) = {
            let span = cx.span();
            let sc = span.span_context();
            (sc.trace_id().to_string(), sc.span_id().to_string())
        };
        let mut headers = HeaderMap::new();
        {
            // The client span current, inside a session: inject what is current.
            let _current = Session::new("s-round-trip").apply_to(&cx).attach();
            session::propagation::inject_current(&mut headers);
        }
        assert!(headers.contains_key("traceparent"));
        assert!(headers.contains_key("x-amzn-trace-id"));
        assert!(headers.contains_key("baggage"));
        bodies.push(
            send(
                &client,
                reqwest::Method::POST,
                format!("{base}/invocations"),
                headers,
            )
            .await,
        );
        cx.span().end();

        // 2. The X-Ray header alone (what AgentCore and AWS load balancers send).
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amzn-trace-id",
            HeaderValue::from_static(
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            ),
        );
        bodies.push(
            send(
                &client,
                reqwest::Method::GET,
                format!("{base}/users/7"),
                headers,
            )
            .await,
        );

        // 3. The runtime session header alone.
        let mut headers = HeaderMap::new();
        headers.insert(
            RUNTIME_SESSION_HEADER,
            HeaderValue::from_static("runtime-session-0000000000000000000001"),
        );
        bodies.push(
            send(
                &client,
                reqwest::Method::POST,
                format!("{base}/invocations"),
                headers,
            )
            .await,
        );

        // 4. Garbage in every header the layer reads.
        let mut headers = HeaderMap::new();
        headers.insert("traceparent", HeaderValue::from_static("00-xyz-??-zz"));
        headers.insert(
            "x-amzn-trace-id",
            HeaderValue::from_static("Root=;Parent=;;==;Sampled=maybe"),
        );
        headers.insert("baggage", HeaderValue::from_static(",,=;=%%,session.id"));
        headers.insert(
            RUNTIME_SESSION_HEADER,
            HeaderValue::from_bytes(b"\xff\xfe bad").expect("opaque bytes"),
        );
        bodies.push(
            send(
                &client,
                reqwest::Method::GET,
                format!("{base}/users/8"),
                headers,
            )
            .await,
        );

        // 5. A 500 from the handler.
        bodies.push(
            send(
                &client,
                reqwest::Method::GET,
                format!("{base}/fail"),
                HeaderMap::new(),
            )
            .await,
        );
        (trace, span_id, bodies)
    });
    drop(runtime);
    guard.shutdown().expect("shutdown");

    assert_eq!(bodies[0], (200, "s-round-trip".to_string()));
    assert_eq!(bodies[1], (200, String::new()));
    assert_eq!(
        bodies[2],
        (200, "runtime-session-0000000000000000000001".to_string())
    );
    assert_eq!(bodies[3], (200, String::new()));
    assert_eq!(bodies[4].0, 500);

    // client call + 4 × (server + handler) + 1 server (fail)
    let spans = receiver.wait_for_spans(10, WAIT);

    // 1. Same trace, child of the client span, session on server and handler spans.
    let first = spans
        .iter()
        .find(|s| s.name() == "POST /invocations" && s.trace_id_hex() == client_trace)
        .expect("server span in the client's trace");
    assert_eq!(first.kind(), ProtoKind::Server);
    assert_eq!(first.parent_span_id_hex(), Some(client_span_id.clone()));
    assert_eq!(first.attr_str("session.id"), Some("s-round-trip"));
    assert_eq!(first.attr_str("http.request.method"), Some("POST"));
    assert_eq!(first.attr_str("http.route"), Some("/invocations"));
    assert_eq!(first.attr_str("url.path"), Some("/invocations"));
    assert_eq!(first.attr_str("server.address"), Some("127.0.0.1"));
    assert!(first.attr_i64("server.port").is_some());
    assert_eq!(first.attr_i64("http.response.status_code"), Some(200));
    assert_eq!(first.status_code(), StatusCode::Unset);
    let handler = handler_of(&spans, first);
    assert_eq!(handler.trace_id_hex(), client_trace);
    assert_eq!(handler.attr_str("session.id"), Some("s-round-trip"));

    // 2. X-Ray alone: the trace continues, named for the matched route, no session.
    let xray = spans
        .iter()
        .find(|s| {
            s.trace_id_hex() == "5759e988bd862e3fe1be46a994272793" && s.kind() == ProtoKind::Server
        })
        .expect("server span in the X-Ray trace");
    assert_eq!(xray.name(), "GET /users/{id}");
    assert_eq!(
        xray.parent_span_id_hex().as_deref(),
        Some("53995c3f42cd8ad8")
    );
    assert_eq!(xray.attr_str("http.route"), Some("/users/{id}"));
    assert_eq!(xray.attr_str("url.path"), Some("/users/7"));
    assert_eq!(xray.attr_str("session.id"), None);

    // 3. The runtime session header alone: a new trace with the session.
    let runtime_only = spans
        .iter()
        .filter(|s| s.name() == "POST /invocations")
        .find(|s| s.attr_str("session.id") == Some("runtime-session-0000000000000000000001"))
        .expect("server span with the runtime session");
    assert_eq!(runtime_only.parent_span_id_hex(), None);
    assert_eq!(
        handler_of(&spans, runtime_only).attr_str("session.id"),
        Some("runtime-session-0000000000000000000001")
    );

    // 4. Garbage: a fresh trace, no session, still answered.
    let garbage = spans
        .iter()
        .find(|s| s.attr_str("url.path") == Some("/users/8"))
        .expect("garbage request span");
    assert_eq!(garbage.parent_span_id_hex(), None);
    assert_eq!(garbage.attr_str("session.id"), None);
    assert_eq!(garbage.attr_i64("http.response.status_code"), Some(200));

    // 5. 5xx: status ERROR.
    let failed = server_span(&spans, "GET /fail");
    assert_eq!(failed.status_code(), StatusCode::Error);
    assert_eq!(failed.attr_i64("http.response.status_code"), Some(500));
    assert_eq!(failed.attr_str("error.type"), Some("500"));
}
