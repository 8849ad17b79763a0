//! The Lambda layer over the wire: invocations of a `lambda_runtime`-shaped service wrapped in
//! `LambdaLayer`, exporting to an in-process OTLP receiver with batch delays so long that only the
//! layer's flush can deliver anything. Every check on the receiver is made the moment the
//! invocation's future completes, without waiting: that is when Lambda may freeze the sandbox.
//!
//! `real_runtime_*` runs the real `lambda_runtime::Runtime` against the testkit's fake Runtime API;
//! `Runtime::new` only reads its configuration from the process environment, so it runs in a child
//! process (this test binary again, with a Lambda environment), leaving this process's environment
//! untouched.

mod bedrock_support;
mod common;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use agentcore_observability::lambda::{self, FaasTrigger, FlushStats, LambdaLayer};
use agentcore_observability::opentelemetry::trace::Tracer as _;
use agentcore_observability::{Config, ObservabilityGuard};
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use agentcore_observability_testkit::opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use agentcore_observability_testkit::{
    FakeBedrock, FakeInvocation, FakeLambdaRuntimeApi, OtlpReceiver, PlannedResponse, ReceivedSpan,
    RuntimeApiCallKind,
};
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use lambda_runtime::tower::{service_fn, Layer as _, Service as _, ServiceExt as _};
use lambda_runtime::{LambdaEvent, LambdaInvocation, Runtime};

const FUNCTION: &str = "travel-agent";
const ARN: &str = "arn:aws:lambda:us-west-2:123456789012:function:travel-agent:live";
const TRACE_ID: &str = "5759e988bd862e3fe1be46a994272793";
const PARENT_ID: &str = "53995c3f42cd8ad8";
const XRAY: &str = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
const CLAUDE: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const API_GATEWAY_EVENT: &str = r#"{"version":"2.0","routeKey":"POST /plan","requestContext":{"http":{"method":"POST","path":"/plan"}},"body":"{\"city\":\"Seattle\"}"}"#;
const SQS_EVENT: &str =
    r#"{"Records":[{"messageId":"m-1","eventSource":"aws:sqs","body":"plan Lisbon"}]}"#;
/// Set by the child-process tests' parent; the children do nothing without it.
const CHILD_ENDPOINT: &str = "AGENTCORE_LAMBDA_TEST_OTLP_ENDPOINT";

/// Whether an earlier test in this process already invoked a layer: `faas.coldstart` is per process.
static INVOKED: AtomicBool = AtomicBool::new(false);

fn expect_cold_start() -> bool {
    !INVOKED.swap(true, Ordering::SeqCst)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Every signal to `endpoint`, with batch delays and a metric interval of a minute: without the
/// layer's flush nothing would arrive during a test.
fn vars_for(endpoint: &str) -> Vec<(String, String)> {
    [
        ("OTEL_SERVICE_NAME", FUNCTION),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
        ("OTEL_BLRP_SCHEDULE_DELAY", "60000"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "60000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn init(receiver: &OtlpReceiver, extra: &[(&str, &str)]) -> ObservabilityGuard {
    let mut vars = vars_for(&receiver.endpoint());
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::builder()
        .vars(vars)
        .no_dotenv()
        .shutdown_timeout(Duration::from_secs(2))
        .finish()
        .expect("config");
    agentcore_observability::init_with(config).expect("init")
}

fn deadline_in(after: Duration) -> u64 {
    let at = SystemTime::now() + after;
    u64::try_from(
        at.duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(u64::MAX)
}

/// An invocation as `lambda_runtime` builds it from a Runtime API `next` response.
fn invocation(request_id: &str, body: &str, trace: Option<&str>) -> LambdaInvocation {
    let mut headers = http::HeaderMap::new();
    let mut header = |name: &'static str, value: &str| {
        headers.insert(name, http::HeaderValue::from_str(value).expect("header"));
    };
    header("lambda-runtime-aws-request-id", request_id);
    header(
        "lambda-runtime-deadline-ms",
        &deadline_in(Duration::from_secs(60)).to_string(),
    );
    header("lambda-runtime-invoked-function-arn", ARN);
    if let Some(trace) = trace {
        header("lambda-runtime-trace-id", trace);
    }
    let config = lambda_runtime::Config {
        function_name: FUNCTION.into(),
        memory: 512,
        version: "7".into(),
        log_stream: "2026/01/01/[7]abc".into(),
        log_group: "/aws/lambda/travel-agent".into(),
    };
    let context =
        lambda_runtime::Context::new(request_id, Arc::new(config), &headers).expect("context");
    let (parts, ()) = http::Response::new(()).into_parts();
    LambdaInvocation {
        parts,
        body: body.to_string().into(),
        context,
    }
}

fn user(text: &str) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .expect("message")
}

fn invocation_span<'a>(spans: &'a [ReceivedSpan], request_id: &str) -> &'a ReceivedSpan {
    let matching: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|s| s.attr_str("faas.invocation_id") == Some(request_id))
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "one invocation span for {request_id} in {:?}",
        spans.iter().map(ReceivedSpan::name).collect::<Vec<_>>()
    );
    matching[0]
}

fn children<'a>(spans: &'a [ReceivedSpan], parent: &ReceivedSpan) -> Vec<&'a ReceivedSpan> {
    let id = parent.span_id_hex();
    spans
        .iter()
        .filter(|s| s.parent_span_id_hex().as_deref() == Some(id.as_str()))
        .collect()
}

/// The handler behind the layer: a child span, a Bedrock Converse call through the real SDK client
/// with the interceptor, a `tracing` event; fails when the event says `"fail"`.
#[test]
fn invocation_telemetry_is_at_the_collector_when_the_invocation_returns() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let fake = FakeBedrock::start().expect("fake bedrock");
    let guard = init(&receiver, &[]);
    let client = bedrock_support::runtime_client(&fake);
    let layer = guard.lambda_layer().flush_timeout(Duration::from_secs(10));
    let mut service = layer
        .clone()
        .layer(service_fn(move |invocation: LambdaInvocation| {
            let client = client.clone();
            async move {
                agentcore_observability::tracer("travel-agent").in_span("plan trip", |_| {});
                client
                    .converse()
                    .model_id(CLAUDE)
                    .messages(user("Plan a day in Seattle"))
                    .send()
                    .await?;
                tracing::info!(city = "Seattle", "planned a trip");
                if invocation.body.windows(6).any(|w| w == b"\"fail\"") {
                    return Err(lambda_runtime::Error::from("no flights to Seattle"));
                }
                Ok::<(), lambda_runtime::Error>(())
            }
        }));
    let rt = runtime();
    let cold = expect_cold_start();

    // 1. The X-Ray trace of the invocation, an HTTP event.
    let result = rt.block_on(async {
        service.ready().await?;
        service
            .call(invocation("req-1", API_GATEWAY_EVENT, Some(XRAY)))
            .await
    });
    // Right now, without waiting: the span, its children, the metrics and the log record are there.
    let spans = receiver.spans();
    let metrics = receiver.metrics();
    let logs = receiver.logs();
    assert!(result.is_ok(), "{result:?}");
    let server = invocation_span(&spans, "req-1");
    assert_eq!(server.name(), FUNCTION);
    assert_eq!(server.kind(), SpanKind::Server);
    assert_eq!(server.trace_id_hex(), TRACE_ID);
    assert_eq!(server.parent_span_id_hex().as_deref(), Some(PARENT_ID));
    for (key, value) in [
        ("faas.trigger", "http"),
        ("faas.name", FUNCTION),
        ("faas.version", "7"),
        ("cloud.provider", "aws"),
        ("cloud.platform", "aws_lambda"),
        ("cloud.region", "us-west-2"),
        ("cloud.account.id", "123456789012"),
        (
            "cloud.resource_id",
            "arn:aws:lambda:us-west-2:123456789012:function:travel-agent:7",
        ),
        ("aws.lambda.invoked_arn", ARN),
    ] {
        assert_eq!(server.attr_str(key), Some(value), "{key}");
    }
    assert_eq!(server.attr_bool("faas.coldstart"), Some(cold));
    assert_eq!(server.status_code(), StatusCode::Unset);
    let kids = children(&spans, server);
    let names: Vec<&str> = kids.iter().map(|s| s.name()).collect();
    assert!(names.contains(&"plan trip"), "{names:?}");
    let chat_name = format!("chat {CLAUDE}");
    assert!(names.contains(&chat_name.as_str()), "{names:?}");
    assert!(kids.iter().all(|s| s.trace_id_hex() == TRACE_ID));
    // The Bedrock call carried the invocation's trace.
    let calls = fake.calls();
    let sent = calls.last().expect("a Bedrock call");
    assert!(
        sent.header("x-amzn-trace-id")
            .is_some_and(|h| h.contains("Root=1-5759e988-bd862e3fe1be46a994272793")),
        "{:?}",
        sent.header("x-amzn-trace-id")
    );
    assert!(
        metrics
            .iter()
            .any(|m| m.name() == "gen_ai.client.operation.duration"),
        "metrics flushed: {:?}",
        metrics.iter().map(|m| m.name()).collect::<Vec<_>>()
    );
    assert!(
        logs.iter()
            .any(|l| l.body_str().as_deref() == Some("planned a trip")
                && l.trace_id_hex().as_deref() == Some(TRACE_ID)),
        "log record flushed with the invocation's trace"
    );
    let stats = layer.flush_stats();
    assert_eq!((stats.flushes, stats.failed, stats.timed_out), (1, 0, 0));
    assert!(stats
        .last
        .is_some_and(|d| d > Duration::ZERO && d <= stats.max));

    // 2. No trace header (and no `_X_AMZN_TRACE_ID` here): a new trace; SQS → pubsub; warm.
    receiver.clear();
    let result = rt.block_on(async {
        service.ready().await?;
        service.call(invocation("req-2", SQS_EVENT, None)).await
    });
    let spans = receiver.spans();
    assert!(result.is_ok());
    let server = invocation_span(&spans, "req-2");
    assert_ne!(server.trace_id_hex(), TRACE_ID);
    assert_eq!(server.parent_span_id_hex(), None);
    assert_eq!(server.attr_str("faas.trigger"), Some("pubsub"));
    assert_eq!(server.attr_bool("faas.coldstart"), Some(false));
    assert_eq!(children(&spans, server).len(), 2);

    // 3. A failing handler: ERROR with the error's type and message, flushed all the same.
    receiver.clear();
    let result = rt.block_on(async {
        service.ready().await?;
        service
            .call(invocation("req-3", r#"{"city":"fail"}"#, Some(XRAY)))
            .await
    });
    let spans = receiver.spans();
    assert_eq!(
        result.err().map(|e| e.to_string()).as_deref(),
        Some("no flights to Seattle")
    );
    let server = invocation_span(&spans, "req-3");
    assert_eq!(server.status_code(), StatusCode::Error);
    assert_eq!(server.status_message(), "no flights to Seattle");
    assert!(server
        .attr_str("error.type")
        .is_some_and(|t| t.contains("Box<dyn core::error::Error")));
    assert_eq!(server.attr_str("faas.trigger"), Some("other"));

    // 4. Sampled=0: X-Ray's decision stands under the default parent-based sampler; nothing of the
    //    invocation is exported (checked after the flush, so this is not a race).
    receiver.clear();
    let unsampled = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0";
    let result = rt.block_on(async {
        service.ready().await?;
        service
            .call(invocation("req-4", "{}", Some(unsampled)))
            .await
    });
    assert!(result.is_ok());
    assert!(
        receiver.spans().is_empty(),
        "{:?}",
        receiver
            .spans()
            .iter()
            .map(ReceivedSpan::name)
            .collect::<Vec<_>>()
    );
    assert_eq!(layer.flush_stats().flushes, 4);

    // A fixed trigger skips detection.
    receiver.clear();
    let mut fixed =
        layer
            .clone()
            .trigger(FaasTrigger::Timer)
            .layer(service_fn(|_: LambdaInvocation| async {
                Ok::<(), lambda_runtime::Error>(())
            }));
    rt.block_on(fixed.call(invocation("req-5", API_GATEWAY_EVENT, None)))
        .expect("invocation");
    assert_eq!(
        invocation_span(&receiver.spans(), "req-5").attr_str("faas.trigger"),
        Some("timer")
    );

    // A zero flush timeout turns the flush off: the span waits for the batch processor (here,
    // for the shutdown's flush).
    let before = layer.flush_stats();
    let mut unflushed = layer
        .clone()
        .flush_timeout(Duration::ZERO)
        .layer(service_fn(|_: LambdaInvocation| async {
            Ok::<(), lambda_runtime::Error>(())
        }));
    rt.block_on(unflushed.call(invocation("req-6", "{}", None)))
        .expect("invocation");
    assert_eq!(layer.flush_stats().flushes, before.flushes);
    assert!(!receiver
        .spans()
        .iter()
        .any(|s| s.attr_str("faas.invocation_id") == Some("req-6")));
    drop(rt);
    guard.shutdown().expect("shutdown");
    invocation_span(&receiver.spans(), "req-6");
}

/// A collector that answers after 10 s, then one that is not there: each invocation waits at most
/// the flush timeout, and the late flushes are counted, not returned.
#[test]
fn a_slow_or_missing_collector_does_not_hold_the_invocation() {
    let _lock = common::exclusive();
    let flush_timeout = Duration::from_millis(300);
    // Generous for a loaded 2-core CI: the bound is the flush timeout plus scheduling noise.
    let bound = flush_timeout + Duration::from_secs(2);
    let _ = expect_cold_start();

    let slow = OtlpReceiver::start().expect("receiver");
    slow.respond_with((0..20).map(|_| PlannedResponse::ok().delay(Duration::from_secs(10))));
    let guard = init(&slow, &[("OTEL_EXPORTER_OTLP_TIMEOUT", "3000")]);
    let layer = guard.lambda_layer().flush_timeout(flush_timeout);
    let mut service = layer.clone().layer(service_fn(|_: LambdaInvocation| async {
        agentcore_observability::tracer("travel-agent").in_span("plan trip", |_| {});
        Ok::<(), lambda_runtime::Error>(())
    }));
    let rt = runtime();
    for i in 0..3 {
        let started = Instant::now();
        let result = rt.block_on(service.call(invocation(&format!("slow-{i}"), "{}", None)));
        let took = started.elapsed();
        assert!(result.is_ok(), "a late flush is not an error");
        assert!(took < bound, "invocation {i} took {took:?}");
    }
    let stats = layer.flush_stats();
    assert_eq!((stats.flushes, stats.timed_out, stats.failed), (3, 3, 0));
    // The first two flushes wait their full timeout; the third finds both still stuck on the
    // collector and does not start another.
    assert!(stats.max >= flush_timeout, "{stats:?}");
    assert!(
        stats.last.is_some_and(|last| last < flush_timeout),
        "{stats:?}"
    );
    drop(rt);
    let _ = guard.shutdown(); // the stuck exports make this time out: fine
    drop(slow);

    // Nothing listens on the endpoint: connection refused, retried until the export deadline.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let vars = {
        let mut vars = vars_for(&format!("http://{closed}"));
        vars.push(("OTEL_EXPORTER_OTLP_TIMEOUT".into(), "3000".into()));
        vars
    };
    let config = Config::builder()
        .vars(vars)
        .no_dotenv()
        .shutdown_timeout(Duration::from_secs(2))
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let layer = LambdaLayer::new(&guard).flush_timeout(flush_timeout);
    let mut service = layer.clone().layer(service_fn(|_: LambdaInvocation| async {
        agentcore_observability::tracer("travel-agent").in_span("plan trip", |_| {});
        Ok::<(), lambda_runtime::Error>(())
    }));
    let started = Instant::now();
    let result = runtime().block_on(service.call(invocation("closed-1", "{}", None)));
    let took = started.elapsed();
    assert!(result.is_ok());
    assert!(took < bound, "took {took:?}");
    let stats = layer.flush_stats();
    assert_eq!(stats.flushes, 1);
    assert_eq!(stats.timed_out + stats.failed, 1, "{stats:?}");
    let _ = guard.shutdown();
}

/// The service and its future can move between threads (`tokio::spawn`, `run_concurrent`).
#[test]
fn the_service_and_its_future_are_send() {
    fn send<T: Send>(_: &T) {}
    fn clone<T: Clone>(_: &T) {}
    let guard = agentcore_observability::init_with(
        Config::builder()
            .vars([("OTEL_SDK_DISABLED", "true")])
            .no_dotenv()
            .finish()
            .expect("config"),
    )
    .expect("init");
    let mut service = guard
        .lambda_layer()
        .layer(service_fn(|_: LambdaInvocation| async {
            Ok::<(), lambda_runtime::Error>(())
        }));
    send(&service);
    clone(&service);
    let future = service.call(invocation("send-1", "{}", None));
    send(&future);
    drop(future);
}

/// A disabled SDK: the layer passes invocations through and flushes nothing.
#[test]
fn a_disabled_sdk_passes_invocations_through() {
    let _lock = common::exclusive();
    let config = Config::builder()
        .vars([("OTEL_SDK_DISABLED", "true")])
        .no_dotenv()
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let _ = expect_cold_start();
    let layer = LambdaLayer::new(&guard);
    let mut service = layer.clone().layer(service_fn(|_: LambdaInvocation| async {
        Ok::<(), lambda_runtime::Error>(())
    }));
    let result = runtime().block_on(service.call(invocation("off-1", "{}", Some(XRAY))));
    assert!(result.is_ok());
    assert_eq!(
        layer.flush_stats(),
        FlushStats::default(),
        "nothing to flush"
    );
}

// ---------------------------------------------------------------------------------------------
// The real runtime, in a child process.

/// Starts this test binary again running only `test` (an ignored one), with `env` (and without an
/// inherited `_X_AMZN_TRACE_ID`, unless `env` sets one).
fn spawn_child(test: &str, env: &[(&str, String)]) -> Child {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args([
            test,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_remove("_X_AMZN_TRACE_ID")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    command.spawn().expect("child test process")
}

/// Waits for the child to exit within `timeout`; kills it past that. Its output, for failures.
fn finish_child(mut child: Child, timeout: Duration) -> (Option<std::process::ExitStatus>, String) {
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let output = child.wait_with_output().map_or_else(
        |e| format!("no output: {e}"),
        |o| {
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        },
    );
    (status, output)
}

/// What had reached the receiver when the runtime asked for an event: the invocation ids of the
/// SERVER spans, and how many "plan trip" spans.
type Snapshot = (Vec<String>, usize);

/// The real `lambda_runtime::Runtime` with the layer: each time the runtime asks the Runtime API
/// for the next event (where Lambda freezes the sandbox), the previous invocation's spans are
/// already at the collector.
#[test]
fn real_runtime_flushes_before_asking_for_the_next_event() {
    let receiver = Arc::new(Mutex::new(OtlpReceiver::start().expect("receiver")));
    let endpoint = receiver
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .endpoint();
    let api = FakeLambdaRuntimeApi::start().expect("runtime api");
    // At each `next` call: the invocation ids whose SERVER span, and whose "plan trip" child, had
    // reached the receiver by then.
    let seen: Arc<Mutex<Vec<Snapshot>>> = Arc::default();
    {
        let (receiver, seen) = (Arc::clone(&receiver), Arc::clone(&seen));
        api.on_next(move |_| {
            let spans = receiver
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .spans();
            let ids = spans
                .iter()
                .filter_map(|s| s.attr_str("faas.invocation_id").map(str::to_string))
                .collect();
            let plans = spans.iter().filter(|s| s.name() == "plan trip").count();
            seen.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((ids, plans));
        });
    }
    api.push(
        FakeInvocation::new("rt-1", SQS_EVENT)
            .trace_id(XRAY)
            .invoked_function_arn(ARN),
    );
    api.push(FakeInvocation::new("rt-2", r#"{"fail":true}"#).invoked_function_arn(ARN));
    api.push(FakeInvocation::new("rt-3", API_GATEWAY_EVENT).invoked_function_arn(ARN));

    let child = spawn_child(
        "lambda_runtime_child",
        &[
            ("AWS_LAMBDA_FUNCTION_NAME", FUNCTION.to_string()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".to_string()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "7".to_string()),
            ("AWS_LAMBDA_RUNTIME_API", api.address()),
            (CHILD_ENDPOINT, endpoint),
        ],
    );
    let calls = api.wait_for_calls(
        |calls| {
            calls
                .iter()
                .filter(|c| c.kind == RuntimeApiCallKind::Next)
                .count()
                >= 4
        },
        Duration::from_secs(60),
    );
    // The runtime waits for a fourth event that never comes: stop it.
    let (_, output) = finish_child(child, Duration::ZERO);
    let kinds: Vec<&RuntimeApiCallKind> = calls.iter().map(|c| &c.kind).collect();
    assert_eq!(
        kinds,
        [
            &RuntimeApiCallKind::Next,
            &RuntimeApiCallKind::Response {
                request_id: "rt-1".into()
            },
            &RuntimeApiCallKind::Next,
            &RuntimeApiCallKind::Error {
                request_id: "rt-2".into()
            },
            &RuntimeApiCallKind::Next,
            &RuntimeApiCallKind::Response {
                request_id: "rt-3".into()
            },
            &RuntimeApiCallKind::Next,
        ],
        "child output:\n{output}"
    );
    let seen = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert_eq!(seen.len(), 4, "child output:\n{output}");
    assert!(seen[0].0.is_empty());
    for (n, (ids, plans)) in seen.iter().enumerate().skip(1) {
        let expected: Vec<String> = (1..=n).map(|i| format!("rt-{i}")).collect();
        assert_eq!(ids, &expected, "at next call {n}; child output:\n{output}");
        assert_eq!(*plans, n, "at next call {n}");
    }

    let spans = receiver
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .spans();
    let first = invocation_span(&spans, "rt-1");
    assert_eq!(
        first.attr_bool("faas.coldstart"),
        Some(true),
        "a fresh process"
    );
    assert_eq!(first.trace_id_hex(), TRACE_ID);
    assert_eq!(first.parent_span_id_hex().as_deref(), Some(PARENT_ID));
    assert_eq!(first.attr_str("faas.trigger"), Some("pubsub"));
    assert_eq!(first.attr_str("faas.name"), Some(FUNCTION));
    assert_eq!(first.attr_str("faas.version"), Some("7"));
    assert_eq!(first.attr_str("cloud.account.id"), Some("123456789012"));
    let failed = invocation_span(&spans, "rt-2");
    assert_eq!(failed.attr_bool("faas.coldstart"), Some(false));
    assert_eq!(failed.status_code(), StatusCode::Error, "via record_errors");
    assert_eq!(failed.status_message(), "the agent failed");
    let third = invocation_span(&spans, "rt-3");
    assert_eq!(third.attr_bool("faas.coldstart"), Some(false));
    assert_eq!(third.attr_str("faas.trigger"), Some("http"));
    assert_eq!(third.status_code(), StatusCode::Unset);
    assert_eq!(children(&spans, third).len(), 1);
}

/// The Lambda handler of the child process.
async fn travel_agent(
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, lambda_runtime::Error> {
    agentcore_observability::tracer("travel-agent").in_span("plan trip", |_| {});
    if event.payload.get("fail").is_some() {
        return Err("the agent failed".into());
    }
    Ok(serde_json::json!({ "plan": "ok", "request": event.context.request_id }))
}

/// Run by `real_runtime_flushes_before_asking_for_the_next_event` in a child process with a Lambda
/// environment: the real runtime, the layer, `record_errors`.
#[test]
#[ignore = "runs in a child process started by real_runtime_flushes_before_asking_for_the_next_event"]
fn lambda_runtime_child() {
    let Ok(endpoint) = std::env::var(CHILD_ENDPOINT) else {
        return;
    };
    let config = Config::builder()
        .vars(vars_for(&endpoint))
        .no_dotenv()
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let layer = guard.lambda_layer().flush_timeout(Duration::from_secs(10));
    let result = runtime().block_on(
        Runtime::new(lambda::record_errors(service_fn(travel_agent)))
            .layer(layer)
            .run(),
    );
    // Only ends when the fake Runtime API goes away.
    eprintln!("runtime ended: {result:?}");
}

/// Without a `Lambda-Runtime-Trace-Id`, the invocation continues the trace in `_X_AMZN_TRACE_ID`
/// (set here only in the child's environment).
#[test]
fn the_trace_variable_is_the_fallback() {
    let receiver = OtlpReceiver::start().expect("receiver");
    let child = spawn_child(
        "trace_variable_child",
        &[
            (CHILD_ENDPOINT, receiver.endpoint()),
            ("_X_AMZN_TRACE_ID", XRAY.to_string()),
        ],
    );
    let (status, output) = finish_child(child, Duration::from_secs(60));
    assert!(
        status.is_some_and(|s| s.success()),
        "child failed:\n{output}"
    );
    let spans = receiver.spans();
    let server = invocation_span(&spans, "env-1");
    assert_eq!(server.trace_id_hex(), TRACE_ID, "child output:\n{output}");
    assert_eq!(server.parent_span_id_hex().as_deref(), Some(PARENT_ID));
}

#[test]
#[ignore = "runs in a child process started by the_trace_variable_is_the_fallback"]
fn trace_variable_child() {
    let Ok(endpoint) = std::env::var(CHILD_ENDPOINT) else {
        return;
    };
    let config = Config::builder()
        .vars(vars_for(&endpoint))
        .no_dotenv()
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let mut service = guard
        .lambda_layer()
        .layer(service_fn(|_: LambdaInvocation| async {
            Ok::<(), lambda_runtime::Error>(())
        }));
    runtime()
        .block_on(service.call(invocation("env-1", "{}", None)))
        .expect("invocation");
    guard.shutdown().expect("shutdown");
}
