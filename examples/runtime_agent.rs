//! An agent shaped for Amazon Bedrock AgentCore Runtime: an axum server with `POST /invocations`
//! and `GET /ping`, behind `AgentCoreContextLayer`, so each request continues the caller's trace
//! (`traceparent` / `X-Amzn-Trace-Id`) and session (`baggage` or the runtime session header), and
//! the agent's Bedrock calls are children of the server span.
//!
//! ```text
//! cargo run --example runtime_agent                      # serve on 127.0.0.1:8080 until Ctrl-C
//! cargo run --example runtime_agent -- --demo --port 0   # serve, call it once, print, exit
//! ```
//!
//! `--demo` calls the server with a client span's context and a session injected into the request
//! headers (`session::propagation::inject`) and prints one trace spanning client and server.
//! Bedrock is an in-process `FakeBedrock` unless the environment picks another backend (see
//! `examples/support/mod.rs`).

mod support;

use std::sync::Arc;

use agentcore_observability::instrument_agent;
use agentcore_observability::prelude::*;
use agentcore_observability::session::{self, AgentCoreContextLayer, RUNTIME_SESSION_HEADER};
use aws_sdk_bedrockruntime::types::ConverseOutput;
use axum::extract::State;
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue};
use support::{Error, MODEL};

const USAGE: &str = "usage: runtime_agent [--port <port>] [--demo]";

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (mut port, mut demo) = (8080_u16, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--demo" => demo = true,
            "--port" => match args.next().and_then(|v| v.parse().ok()) {
                Some(value) => port = value,
                None => usage("--port needs a number (0 for any free port)"),
            },
            other => usage(&format!("unknown argument {other:?}")),
        }
    }

    let (bedrock, _fake) = support::bedrock_client().await?;
    let telemetry = support::init_console("runtime-agent")?;
    let app = axum::Router::new()
        .route("/invocations", post(invocations))
        .route("/ping", get(|| async { r#"{"status":"Healthy"}"# }))
        .layer(AgentCoreContextLayer::new())
        .with_state(Arc::new(bedrock));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://{}", listener.local_addr()?);
    println!("serving POST {base}/invocations and GET {base}/ping");
    let server = axum::serve(listener, app);

    if demo {
        tokio::spawn(async move { server.await });
        call_once(&base).await?;
    } else {
        server
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
    }
    // In CI (AGENTCORE_EXAMPLES_CHECK=1) this also checks the spans reached an OTLP receiver.
    let spans = telemetry.finish(&[
        "POST /invocations",
        "chat anthropic.claude-3-haiku-20240307-v1:0",
    ])?;
    // In check mode: the client span and the server span form one trace, and the server side
    // carries the caller's session (the /ping call before it is a trace of its own).
    if demo && !spans.is_empty() {
        let client = spans
            .iter()
            .find(|s| s.name() == "invoke_agent runtime-agent");
        let server = spans.iter().find(|s| s.name() == "POST /invocations");
        let (Some(client), Some(server)) = (client, server) else {
            return Err("check: the client or the server span is missing".into());
        };
        let trace = client.trace_id_hex();
        if server.trace_id_hex() != trace {
            return Err("check: the client and server spans are not one trace".into());
        }
        if server.attr_str("session.id") != Some("runtime-demo-session-0001") {
            return Err("check: the server span does not carry the caller's session.id".into());
        }
        println!("check: one trace {trace} across client and server, session.id carried");
    }
    Ok(())
}

fn usage(message: &str) -> ! {
    eprintln!("error: {message}\n{USAGE}");
    std::process::exit(2)
}

/// `POST /invocations`: the payload's `prompt` through the agent; the answer as JSON, and the
/// server span's ids in a `traceresponse` header (W3C Trace Context level 2 draft).
async fn invocations(
    State(bedrock): State<Arc<aws_sdk_bedrockruntime::Client>>,
    body: String,
) -> Result<(HeaderMap, String), (http::StatusCode, String)> {
    let server = Context::current().span().span_context().clone();
    let mut headers = HeaderMap::new();
    let ids = format!("00-{}-{}-01", server.trace_id(), server.span_id());
    headers.insert("traceresponse", HeaderValue::from_str(&ids).expect("hex"));
    let payload: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let prompt = payload["prompt"].as_str().unwrap_or("Hello");
    match runtime_agent(&bedrock, prompt).await {
        Ok(answer) => Ok((
            headers,
            serde_json::json!({ "response": answer }).to_string(),
        )),
        Err(error) => Err((http::StatusCode::INTERNAL_SERVER_ERROR, error.to_string())),
    }
}

/// The agent: one model call. Its span is a child of the server span the layer started.
#[instrument_agent(name = "runtime-agent")]
async fn runtime_agent(
    bedrock: &aws_sdk_bedrockruntime::Client,
    prompt: &str,
) -> Result<String, Error> {
    let reply = bedrock
        .converse()
        .model_id(MODEL)
        .messages(support::user(prompt))
        .send()
        .await?;
    let Some(ConverseOutput::Message(message)) = reply.output else {
        return Ok(String::new());
    };
    let texts = message.content().iter().filter_map(|b| b.as_text().ok());
    Ok(texts.cloned().collect::<Vec<_>>().join(" "))
}

/// `--demo`: a client span, its context and the session injected into the request headers.
async fn call_once(base: &str) -> Result<(), Error> {
    let client = reqwest::Client::new();
    let ping = client
        .get(format!("{base}/ping"))
        .send()
        .await?
        .text()
        .await?;
    println!("GET /ping → {ping}");

    let session = Session::new("runtime-demo-session-0001");
    let call = spans::agent("runtime-agent")
        .kind(SpanKind::Client)
        .start_with_parent(&session.context());
    let cx = session.apply_to(&call.context());
    let mut headers = HeaderMap::new();
    session::propagation::inject(&cx, &mut headers);
    // What AgentCore Runtime itself sends; the layer reads it when baggage has no session.id.
    headers.insert(RUNTIME_SESSION_HEADER, HeaderValue::from_str(session.id())?);

    let response = client
        .post(format!("{base}/invocations"))
        .headers(headers)
        .body(r#"{"prompt": "Which runtime hosts this agent?"}"#)
        .send()
        .await?;
    let server = response.headers().get("traceresponse").cloned();
    println!(
        "POST /invocations → {} {}",
        response.status(),
        response.text().await?
    );
    // Client and server print as two trees (a remote parent starts a local tree, as it would in
    // two processes); the ids show they are one trace.
    let client_ids = call.span_context().clone();
    println!(
        "client span  trace {} span {}",
        client_ids.trace_id(),
        client_ids.span_id()
    );
    if let Some(server) = server {
        println!("server span  {} (traceresponse)", server.to_str()?);
    }
    call.end();
    Ok(())
}
