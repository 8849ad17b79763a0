//! Bedrock Agent Runtime `InvokeAgent` end to end: a real `aws-sdk-bedrockagentruntime` client
//! with the interceptor, against the testkit's fake agent. The `invoke_agent {agentId}` span
//! carries the agent, alias, session and memory ids, lasts until the agent's streamed answer ends
//! (end of body, exception event, or the caller dropping the stream), sums the token usage the
//! agent's trace events report, and captures the input text and the answer as the content policy
//! says.

mod bedrock_support;
mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agentcore_observability::bedrock::attributes as attr;
use agentcore_observability::bedrock::BedrockInterceptor;
use agentcore_observability::opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _};
use agentcore_observability::opentelemetry::Context;
use agentcore_observability::prelude::*;
use agentcore_observability::ObservabilityGuard;
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::span::SpanKind as ProtoKind;
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use agentcore_observability_testkit::{
    AgentScript, BedrockCall, BedrockFault, BedrockOperation, FakeBedrock, OtlpReceiver,
    ReceivedSpan, StreamException,
};
use aws_sdk_bedrockagentruntime::operation::invoke_agent::InvokeAgentOutput;
use aws_sdk_bedrockagentruntime::types::error::ResponseStreamError;
use aws_sdk_bedrockagentruntime::types::ResponseStream;
use bedrock_support::*;
use serde_json::{json, Value};

const AGENT: &str = "TRAVELAGT1";
const ALIAS: &str = "TSTALIASID";
/// The agent's sessionId (also the caller's session in most tests).
const SESSION: &str = "trip-planning-session-0001";
const MEMORY: &str = "traveller-42";
const INPUT: &str = "Book a table for two in Lisbon tonight";
/// The fake agent's default answer: "Fake agent answer about" + the input's first 8 words.
const ANSWER: &str = "Fake agent answer about Book a table for two in Lisbon tonight";
const SPAN: &str = "invoke_agent TRAVELAGT1";

fn agent_client(fake: &FakeBedrock) -> aws_sdk_bedrockagentruntime::Client {
    use aws_sdk_bedrockagentruntime::config::retry::RetryConfig;
    use aws_sdk_bedrockagentruntime::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_bedrockagentruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            ACCESS_KEY,
            "bedrock/test/secret",
            None,
            None,
            "tests",
        ))
        .endpoint_url(fake.endpoint())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
        .interceptor(BedrockInterceptor::new())
        .build();
    aws_sdk_bedrockagentruntime::Client::from_conf(config)
}

async fn invoke(
    client: &aws_sdk_bedrockagentruntime::Client,
    trace: bool,
) -> Result<InvokeAgentOutput, String> {
    client
        .invoke_agent()
        .agent_id(AGENT)
        .agent_alias_id(ALIAS)
        .session_id(SESSION)
        .memory_id(MEMORY)
        .input_text(INPUT)
        .enable_trace(trace)
        .send()
        .await
        .map_err(|e| format!("{e:?}"))
}

/// What the application read from the stream.
#[derive(Debug, Default)]
struct Read {
    text: String,
    chunks: usize,
    traces: usize,
    returned_control: usize,
    /// When the last `chunk` was handed to the application (ns since the epoch).
    last_chunk_at: u64,
    error: Option<ResponseStreamError>,
}

fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

impl Read {
    fn event(&mut self, event: ResponseStream) {
        match event {
            ResponseStream::Chunk(part) => {
                self.chunks += 1;
                if let Some(bytes) = part.bytes() {
                    self.text
                        .push_str(std::str::from_utf8(bytes.as_ref()).expect("utf-8"));
                }
                self.last_chunk_at = now_nanos();
            }
            ResponseStream::Trace(_) => self.traces += 1,
            ResponseStream::ReturnControl(_) => self.returned_control += 1,
            _ => {}
        }
    }

    /// Reads the stream to its end (or its error event).
    async fn drain(&mut self, output: &mut InvokeAgentOutput) {
        loop {
            match output.completion.recv().await {
                Ok(Some(event)) => self.event(event),
                Ok(None) => return,
                Err(e) => {
                    self.error = Some(e.into_service_error());
                    return;
                }
            }
        }
    }
}

/// Inside a root span and a session scope (`session`): returns the root span's id.
fn in_session<F: std::future::Future<Output = ()>>(session: &str, f: F) -> (String, String) {
    let root = agentcore_observability::tracer("agent-caller").start("invoke_agent caller");
    let root_id = root.span_context().span_id().to_string();
    let trace_id = root.span_context().trace_id().to_string();
    let cx = Context::current_with_span(root);
    {
        let _attached = cx.clone().attach();
        let future = Session::new(session).user_type("premium").scope(f);
        runtime().block_on(future);
    }
    cx.span().end();
    (root_id, trace_id)
}

fn init_with(receiver: &OtlpReceiver, vars: &[(&str, &str)]) -> ObservabilityGuard {
    init(receiver, vars)
}

fn metric_attrs(points: &[(Vec<String>, u64, f64, Vec<f64>)]) -> Vec<Vec<String>> {
    points.iter().map(|p| p.0.clone()).collect()
}

/// The request carried the span's context: W3C, X-Ray and the caller's baggage.
fn assert_propagated(call: &BedrockCall, span: &ReceivedSpan, caller_session: &str) {
    let trace_id = span.trace_id_hex();
    assert_eq!(
        call.traceparent(),
        Some(format!("00-{trace_id}-{}-01", span.span_id_hex()).as_str())
    );
    assert_eq!(
        call.xray_trace_id(),
        Some(
            format!(
                "Root=1-{}-{};Parent={};Sampled=1",
                &trace_id[..8],
                &trace_id[8..],
                span.span_id_hex()
            )
            .as_str()
        )
    );
    let baggage = call.baggage().expect("baggage");
    assert!(
        baggage.contains(&format!("session.id={caller_session}")),
        "{baggage}"
    );
    assert!(baggage.contains("user.type=premium"), "{baggage}");
    let signed = call.header("authorization").expect("signed");
    assert!(!signed.contains("traceparent") && !signed.contains("baggage"));
}

#[test]
fn invoke_agent_is_traced_until_its_stream_is_drained() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let delay = Duration::from_millis(15);
    fake.set_stream_event_delay(delay);
    let guard = init_with(
        &receiver,
        &[(
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "span_and_event",
        )],
    );
    let client = agent_client(&fake);
    let mut read = Read::default();
    let mut exported_mid_stream = None;
    let (root_id, trace_id) = in_session(SESSION, async {
        let mut output = invoke(&client, true).await.expect("invoke agent");
        assert_eq!(output.session_id(), SESSION);
        assert_eq!(output.memory_id(), Some(MEMORY));
        // Half-way through the stream, everything ended so far is exported: not the agent's span.
        let first = output
            .completion
            .recv()
            .await
            .expect("event")
            .expect("some");
        read.event(first);
        tokio::task::block_in_place(|| guard.flush()).expect("flush");
        exported_mid_stream = Some(receiver.spans());
        read.drain(&mut output).await;
    });
    assert!(read.error.is_none(), "{:?}", read.error);
    assert_eq!(read.text, ANSWER);
    assert_eq!((read.chunks, read.traces), (3, 6));
    let mid = exported_mid_stream.expect("flushed");
    assert!(
        mid.iter().all(|s| s.name() != SPAN),
        "the span ended before the stream: {:?}",
        mid.iter().map(ReceivedSpan::name).collect::<Vec<_>>()
    );
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(2, WAIT);
    let span = one(&spans, SPAN);
    assert_eq!(span.kind(), ProtoKind::Client);
    assert_eq!(span.trace_id_hex(), trace_id);
    assert_eq!(span.parent_span_id_hex().as_deref(), Some(root_id.as_str()));
    assert_eq!(span.status_code(), StatusCode::Unset);
    for (key, want) in [
        (attr::GEN_AI_OPERATION_NAME, "invoke_agent"),
        (attr::GEN_AI_PROVIDER_NAME, "aws.bedrock"),
        (attr::GEN_AI_SYSTEM, "aws.bedrock"),
        (attr::GEN_AI_AGENT_ID, AGENT),
        (attr::BEDROCK_AGENT_ID, AGENT),
        (attr::BEDROCK_AGENT_ALIAS_ID, ALIAS),
        (attr::SESSION_ID, SESSION),
        (attr::GEN_AI_CONVERSATION_ID, SESSION),
        (attr::GEN_AI_MEMORY_ID, MEMORY),
        (attr::RPC_SYSTEM, "aws-api"),
        (attr::RPC_SERVICE, "Bedrock Agent Runtime"),
        (attr::RPC_METHOD, "InvokeAgent"),
        (attr::AWS_REGION, "us-east-1"),
        (attr::SERVER_ADDRESS, "127.0.0.1"),
        (attr::AWS_REQUEST_ID, "00000000-0000-4000-8000-000000000001"),
    ] {
        assert_eq!(span.attr_str(key), Some(want), "{key}");
    }
    assert_eq!(span.attr(attr::GEN_AI_REQUEST_MODEL), None);
    // Each attribute once (the session processor and the per-service extractors add nothing the
    // InvokeAgent span already has).
    let mut keys: Vec<&str> = span
        .span
        .attributes
        .iter()
        .map(|kv| kv.key.as_str())
        .collect();
    keys.sort_unstable();
    let count = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), count, "duplicate attribute keys: {keys:?}");
    assert_eq!(span.attr_i64(attr::HTTP_STATUS_CODE), Some(200));
    assert_eq!(span.attr_i64(attr::RETRY_ATTEMPTS), Some(0));
    // Summed over the two model invocations the traces report: (8+20, 5) and (8+40, 12).
    assert_eq!(span.attr_i64(attr::GEN_AI_USAGE_INPUT_TOKENS), Some(76));
    assert_eq!(span.attr_i64(attr::GEN_AI_USAGE_OUTPUT_TOKENS), Some(17));
    assert_eq!(span.attr(attr::GEN_AI_RESPONSE_STREAM_CANCELLED), None);
    assert_eq!(span.attr(attr::ERROR_TYPE), None);

    // The span ends with the stream, after the last chunk was read.
    assert!(
        span.span.end_time_unix_nano >= read.last_chunk_at,
        "ended {} before the last chunk was read at {}",
        span.span.end_time_unix_nano,
        read.last_chunk_at
    );
    let last_frame_at = delay * 8;
    assert!(span.duration() >= last_frame_at, "{:?}", span.duration());
    // The first chunk follows the six trace events.
    let ttfc = span
        .attr_f64(attr::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK)
        .expect("time to first chunk");
    assert!(
        ttfc >= (delay * 6).as_secs_f64() && ttfc < span.duration().as_secs_f64(),
        "{ttfc}"
    );

    let input: Value =
        serde_json::from_str(span.attr_str(attr::GEN_AI_INPUT_MESSAGES).expect("input")).unwrap();
    assert_eq!(
        input,
        json!([{"role": "user", "parts": [{"type": "text", "content": INPUT}]}])
    );
    let output: Value =
        serde_json::from_str(span.attr_str(attr::GEN_AI_OUTPUT_MESSAGES).expect("output")).unwrap();
    assert_eq!(
        output,
        json!([{"role": "assistant", "parts": [{"type": "text", "content": ANSWER}]}])
    );

    // What the agent service received.
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.operation, BedrockOperation::InvokeAgent);
    assert_eq!(call.agent_id().as_deref(), Some(AGENT));
    assert_eq!(call.agent_alias_id().as_deref(), Some(ALIAS));
    assert_eq!(call.agent_session_id().as_deref(), Some(SESSION));
    let body = call.json().expect("json body");
    assert_eq!(body["inputText"], INPUT);
    assert_eq!(body["enableTrace"], true);
    assert_propagated(call, span, SESSION);

    // Log events, correlated with the span.
    let logs = receiver.wait_for_logs_matching(
        |l| l.iter().any(|l| l.event_name() == Some("gen_ai.choice")),
        WAIT,
    );
    let event = |name: &str| {
        logs.iter()
            .find(|l| l.event_name() == Some(name))
            .unwrap_or_else(|| panic!("{name}"))
    };
    let user = event("gen_ai.user.message");
    assert_eq!(user.span_id_hex(), Some(span.span_id_hex()));
    assert_eq!(user.attr_str(attr::GEN_AI_SYSTEM), Some("aws.bedrock"));
    assert_eq!(
        user.body_json(),
        Some(json!({"content": [{"text": INPUT}]}))
    );
    // No finish reason (agents report none): the body has no `finish_reason` (a JSON null is left
    // out of the log body).
    let choice = event("gen_ai.choice");
    assert_eq!(choice.span_id_hex(), Some(span.span_id_hex()));
    assert_eq!(
        choice.body_json(),
        Some(json!({"index": 0,
            "message": {"role": "assistant", "content": [{"text": ANSWER}]}}))
    );

    // Metrics: one duration, two token-usage points, one time to first chunk.
    let metrics = receiver.wait_for_metrics(
        |m| m.iter().any(|m| m.name() == attr::METRIC_TOKEN_USAGE),
        WAIT,
    );
    let port = fake.local_addr().port();
    let base = vec![
        "gen_ai.operation.name=invoke_agent".to_string(),
        "gen_ai.system=aws.bedrock".to_string(),
        "server.address=127.0.0.1".to_string(),
        format!("server.port={port}"),
    ];
    let duration = points_of(&metrics, attr::METRIC_OPERATION_DURATION);
    assert_eq!(metric_attrs(&duration), vec![base.clone()]);
    assert!(duration[0].2 >= last_frame_at.as_secs_f64());
    let ttfc_points = points_of(&metrics, attr::METRIC_TIME_TO_FIRST_CHUNK);
    assert_eq!(metric_attrs(&ttfc_points), vec![base.clone()]);
    assert!((ttfc_points[0].2 - ttfc).abs() < 1e-9);
    let mut tokens: Vec<(Vec<String>, f64)> = points_of(&metrics, attr::METRIC_TOKEN_USAGE)
        .into_iter()
        .map(|p| (p.0, p.2))
        .collect();
    tokens.sort_by(|a, b| a.0.cmp(&b.0));
    let with_type = |t: &str| {
        let mut v = base.clone();
        v.push(format!("gen_ai.token.type={t}"));
        v.sort();
        v
    };
    assert_eq!(
        tokens,
        vec![(with_type("input"), 76.0), (with_type("output"), 17.0)]
    );
}

#[test]
fn without_traces_the_usage_is_unknown_and_without_capture_no_content() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    let guard = init_with(&receiver, &[]);
    let client = agent_client(&fake);
    let mut read = Read::default();
    in_session(SESSION, async {
        let mut output = invoke(&client, false).await.expect("invoke agent");
        read.drain(&mut output).await;
    });
    guard.shutdown().expect("shutdown");
    assert_eq!((read.text.as_str(), read.traces), (ANSWER, 0));

    let spans = receiver.wait_for_spans(2, WAIT);
    let span = one(&spans, SPAN);
    assert_eq!(span.status_code(), StatusCode::Unset);
    assert_eq!(span.attr_str(attr::SESSION_ID), Some(SESSION));
    assert_eq!(span.attr(attr::GEN_AI_USAGE_INPUT_TOKENS), None);
    assert_eq!(span.attr(attr::GEN_AI_USAGE_OUTPUT_TOKENS), None);
    assert!(span
        .attr_f64(attr::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK)
        .is_some());
    assert_eq!(span.attr(attr::GEN_AI_INPUT_MESSAGES), None);
    assert_eq!(span.attr(attr::GEN_AI_OUTPUT_MESSAGES), None);
    assert_eq!(span.attr(attr::GEN_AI_RESPONSE_STREAM_CANCELLED), None);

    let metrics = receiver.wait_for_metrics(
        |m| {
            m.iter()
                .any(|m| m.name() == attr::METRIC_OPERATION_DURATION)
        },
        WAIT,
    );
    assert_eq!(
        points_of(&metrics, attr::METRIC_OPERATION_DURATION).len(),
        1
    );
    assert_eq!(
        points_of(&metrics, attr::METRIC_TIME_TO_FIRST_CHUNK).len(),
        1
    );
    assert!(points_of(&metrics, attr::METRIC_TOKEN_USAGE).is_empty());
    let logs = receiver.logs();
    assert!(
        logs.iter()
            .all(|l| !l.event_name().is_some_and(|n| n.starts_with("gen_ai."))),
        "no content events without capture"
    );
}

#[test]
fn an_exception_event_ends_the_span_in_error() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    // Two of the three chunks, then the exception frame.
    fake.fail_next(BedrockFault::MidStreamException {
        after_events: 2,
        exception: StreamException::DependencyFailed,
    });
    let guard = init_with(
        &receiver,
        &[
            (
                "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
                "span_only",
            ),
            ("AGENT_OBSERVABILITY_CONTENT_MAX_BYTES", "30"),
        ],
    );
    let client = agent_client(&fake);
    let mut read = Read::default();
    in_session(SESSION, async {
        let mut output = invoke(&client, false).await.expect("invoke agent");
        read.drain(&mut output).await;
    });
    guard.shutdown().expect("shutdown");
    assert_eq!(read.chunks, 2);
    assert!(
        matches!(
            read.error,
            Some(ResponseStreamError::DependencyFailedException(_))
        ),
        "{:?}",
        read.error
    );

    let spans = receiver.wait_for_spans(2, WAIT);
    let span = one(&spans, SPAN);
    assert_eq!(span.status_code(), StatusCode::Error);
    assert_eq!(
        span.status_message(),
        "DependencyFailedException: The action group Lambda function failed (fake)."
    );
    assert_eq!(
        span.attr_str(attr::ERROR_TYPE),
        Some("DependencyFailedException")
    );
    assert_eq!(
        span.event_attr_str("exception", "exception.type"),
        Some("DependencyFailedException")
    );
    assert_eq!(span.attr_i64(attr::HTTP_STATUS_CODE), Some(200));
    assert_eq!(span.attr(attr::GEN_AI_RESPONSE_STREAM_CANCELLED), None);
    // Content as span attributes only, each cut to 30 bytes; the output is what had arrived.
    for key in [attr::GEN_AI_INPUT_MESSAGES, attr::GEN_AI_OUTPUT_MESSAGES] {
        let value = span.attr_str(key).unwrap_or_else(|| panic!("{key}"));
        assert!(value.contains("…[truncated "), "{key}: {value}");
        assert!(value.starts_with(r#"[{"parts":[{"content":""#), "{value}");
    }

    let metrics = receiver.wait_for_metrics(
        |m| {
            m.iter()
                .any(|m| m.name() == attr::METRIC_OPERATION_DURATION)
        },
        WAIT,
    );
    let duration = points_of(&metrics, attr::METRIC_OPERATION_DURATION);
    assert_eq!(duration.len(), 1);
    assert!(duration[0]
        .0
        .contains(&"error.type=DependencyFailedException".to_string()));
    let logs = receiver.logs();
    assert!(
        logs.iter()
            .all(|l| !l.event_name().is_some_and(|n| n.starts_with("gen_ai."))),
        "span_only: no content events"
    );
}

#[test]
fn a_stream_dropped_early_is_cancelled_and_the_session_is_the_agents() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    fake.set_stream_event_delay(Duration::from_millis(20));
    let guard = init_with(&receiver, &[]);
    let client = agent_client(&fake);
    let caller_session = "caller-session-for-the-whole-trip";
    let mut read = Read::default();
    in_session(caller_session, async {
        let mut output = invoke(&client, true).await.expect("invoke agent");
        for _ in 0..2 {
            let event = output
                .completion
                .recv()
                .await
                .expect("event")
                .expect("some");
            read.event(event);
        }
        drop(output);
    });
    guard.shutdown().expect("shutdown");
    assert_eq!((read.traces, read.chunks), (2, 0));

    let spans = receiver.wait_for_spans(2, WAIT);
    let span = one(&spans, SPAN);
    assert_eq!(span.status_code(), StatusCode::Unset);
    assert_eq!(
        span.attr_bool(attr::GEN_AI_RESPONSE_STREAM_CANCELLED),
        Some(true)
    );
    assert_eq!(span.attr(attr::ERROR_TYPE), None);
    assert_eq!(span.attr(attr::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK), None);
    // The pre-processing invocation had been reported before the drop.
    assert_eq!(span.attr_i64(attr::GEN_AI_USAGE_INPUT_TOKENS), Some(28));
    assert_eq!(span.attr_i64(attr::GEN_AI_USAGE_OUTPUT_TOKENS), Some(5));
    // The span's session is the agent's; the caller's baggage goes out unchanged.
    assert_eq!(span.attr_str(attr::SESSION_ID), Some(SESSION));
    assert_eq!(span.attr_str(attr::GEN_AI_CONVERSATION_ID), Some(SESSION));
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert_propagated(&calls[0], span, caller_session);
}

#[test]
fn a_scripted_agent_returning_control_is_recorded_as_a_tool_call() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    fake.script_agent(
        AgentScript::new()
            .completion("Checking the forecast for Lisbon.")
            .chunks(5)
            .model_invocations([(100, 10), (200, 20), (300, 30)])
            .return_control("get_forecast", [("city", "Lisbon")]),
    );
    let guard = init_with(
        &receiver,
        &[(
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "span_and_event",
        )],
    );
    let client = agent_client(&fake);
    let mut read = Read::default();
    in_session(SESSION, async {
        let mut output = invoke(&client, true).await.expect("invoke agent");
        read.drain(&mut output).await;
    });
    guard.shutdown().expect("shutdown");
    assert_eq!(read.text, "Checking the forecast for Lisbon.");
    assert_eq!((read.chunks, read.returned_control), (5, 1));

    let spans = receiver.wait_for_spans(2, WAIT);
    let span = one(&spans, SPAN);
    assert_eq!(span.attr_i64(attr::GEN_AI_USAGE_INPUT_TOKENS), Some(600));
    assert_eq!(span.attr_i64(attr::GEN_AI_USAGE_OUTPUT_TOKENS), Some(60));
    let output: Value =
        serde_json::from_str(span.attr_str(attr::GEN_AI_OUTPUT_MESSAGES).expect("output")).unwrap();
    assert_eq!(
        output,
        json!([{"role": "assistant", "parts": [
            {"type": "text", "content": "Checking the forecast for Lisbon."},
            {"type": "tool_call", "id": "fake-invocation-000001", "name": "get_forecast",
             "arguments": {"city": "Lisbon"}}
        ]}])
    );
    let logs = receiver.wait_for_logs_matching(
        |l| l.iter().any(|l| l.event_name() == Some("gen_ai.choice")),
        WAIT,
    );
    let choice = logs
        .iter()
        .find(|l| l.event_name() == Some("gen_ai.choice"))
        .expect("choice");
    assert_eq!(
        choice.body_json(),
        Some(json!({"index": 0, "message": {
            "role": "assistant",
            "tool_calls": [{"type": "function", "id": "fake-invocation-000001",
                "function": {"name": "get_forecast", "arguments": {"city": "Lisbon"}}}]
        }}))
    );
}

#[test]
fn an_http_error_ends_the_span_before_any_stream() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake");
    fake.fail_with([BedrockFault::Throttle, BedrockFault::Validation]);
    let guard = init_with(&receiver, &[]);
    let client = agent_client(&fake);
    let mut result = None;
    in_session(SESSION, async {
        result = Some(invoke(&client, true).await.map(|_| ()));
    });
    guard.shutdown().expect("shutdown");
    let error = result.expect("ran").expect_err("validation error");
    assert!(error.contains("ValidationException"), "{error}");

    let spans = receiver.wait_for_spans(2, WAIT);
    let span = one(&spans, SPAN);
    assert_eq!(span.status_code(), StatusCode::Error);
    assert_eq!(span.attr_str(attr::ERROR_TYPE), Some("ValidationException"));
    assert_eq!(span.attr_i64(attr::HTTP_STATUS_CODE), Some(400));
    assert_eq!(span.attr_i64(attr::RETRY_ATTEMPTS), Some(1));
    assert_eq!(span.attr_str(attr::BEDROCK_AGENT_ALIAS_ID), Some(ALIAS));
    assert_eq!(span.attr(attr::GEN_AI_USAGE_INPUT_TOKENS), None);
    let metrics = receiver.wait_for_metrics(
        |m| {
            m.iter()
                .any(|m| m.name() == attr::METRIC_OPERATION_DURATION)
        },
        WAIT,
    );
    let duration = points_of(&metrics, attr::METRIC_OPERATION_DURATION);
    assert_eq!(duration.len(), 1);
    assert!(duration[0]
        .0
        .contains(&"error.type=ValidationException".to_string()));
    // Both attempts carried the trace context.
    let calls = fake.calls();
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert_propagated(call, span, SESSION);
    }
}
