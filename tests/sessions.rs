//! Sessions end to end: `session.id` (and the listed baggage keys) on every span and log record of
//! a session scope, across `.await`, spawned tasks, threads and nested scopes, as decoded by the
//! testkit receiver, and nowhere else.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use agentcore_observability::opentelemetry::context::FutureExt as _;
use agentcore_observability::opentelemetry::logs::{
    LogRecord as _, Logger as _, LoggerProvider as _, Severity,
};
use agentcore_observability::opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _};
use agentcore_observability::opentelemetry::{Context, KeyValue};
use agentcore_observability::prelude::*;
use agentcore_observability::session;
use agentcore_observability_testkit::{OtlpReceiver, ReceivedSpan};

const WAIT: Duration = Duration::from_secs(10);

fn span(name: &'static str) {
    agentcore_observability::tracer("sessions").in_span(name, |_| {});
}

fn by_name(spans: &[ReceivedSpan]) -> HashMap<String, ReceivedSpan> {
    spans
        .iter()
        .map(|s| (s.name().to_string(), s.clone()))
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Traces only, to `receiver`, with `vars` on top.
fn init(
    receiver: &OtlpReceiver,
    vars: &[(&str, &str)],
) -> agentcore_observability::ObservabilityGuard {
    let mut all = vec![("OTEL_METRICS_EXPORTER", "none")];
    all.extend_from_slice(vars);
    let config = common::builder_for(receiver, &all)
        .finish()
        .expect("config");
    agentcore_observability::init_with(config).expect("init")
}

#[test]
fn every_span_in_the_scope_carries_the_session_across_awaits_tasks_and_threads() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    // Not agent mode, no keys listed: session.id is still copied (a deliberate ADOT difference).
    let guard = init(&receiver, &[("OTEL_LOGS_EXPORTER", "none")]);

    runtime().block_on(async {
        Session::new("s-1")
            .user_type("premium")
            .scope(async {
                span("before await");
                tokio::time::sleep(Duration::from_millis(2)).await;
                span("after sleep");
                tokio::task::yield_now().await;

                // A parent span held open across awaits: its children are in the session too.
                let tracer = agentcore_observability::tracer("sessions");
                let parent = Context::current_with_span(tracer.start("invoke_agent parent"));
                async {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    span("child after await");
                }
                .with_context(parent.clone())
                .await;
                parent.span().end();

                session::spawn(async {
                    tokio::task::yield_now().await;
                    span("spawned task");
                })
                .await
                .expect("join");
                session::spawn_blocking(|| span("spawned blocking"))
                    .await
                    .expect("join");
                tokio::spawn(async { span("tokio spawn in current context") }.in_current_context())
                    .await
                    .expect("join");
                std::thread::spawn(session::bind(|| span("bound thread")))
                    .join()
                    .expect("join");

                // The mistakes the helpers exist for: both start with an empty context.
                tokio::spawn(async { span("plain tokio spawn") })
                    .await
                    .expect("join");
                std::thread::spawn(|| span("plain thread"))
                    .join()
                    .expect("join");

                Session::new("s-inner")
                    .scope(async {
                        tokio::task::yield_now().await;
                        span("nested scope");
                    })
                    .await;
                span("after nested scope");
            })
            .await;
        // A later request without a session.
        span("after the scope");
    });
    span("later on the main thread");
    guard.shutdown().expect("shutdown");

    let spans = by_name(&receiver.wait_for_spans(14, WAIT));
    assert_eq!(spans.len(), 14, "{:?}", spans.keys());
    for name in [
        "before await",
        "after sleep",
        "invoke_agent parent",
        "child after await",
        "spawned task",
        "spawned blocking",
        "tokio spawn in current context",
        "bound thread",
        "after nested scope",
    ] {
        assert_eq!(spans[name].attr_str("session.id"), Some("s-1"), "{name}");
        assert_eq!(
            spans[name].attr_str("user.type"),
            None,
            "{name}: not listed"
        );
    }
    assert_eq!(
        spans["nested scope"].attr_str("session.id"),
        Some("s-inner")
    );
    for name in [
        "plain tokio spawn",
        "plain thread",
        "after the scope",
        "later on the main thread",
    ] {
        assert_eq!(spans[name].attr_str("session.id"), None, "{name}");
    }
    assert_eq!(
        spans["child after await"].parent_span_id_hex(),
        Some(spans["invoke_agent parent"].span_id_hex())
    );
}

#[test]
fn listed_keys_and_prefixes_are_copied_and_nested_scopes_merge() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(
        &receiver,
        &[
            ("AGENT_OBSERVABILITY_ENABLED", "true"),
            ("OTEL_LOGS_EXPORTER", "none"),
            (
                "OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS",
                "tenant.id,dataset,user.type,app.*",
            ),
        ],
    );

    let outer = Session::new("outer")
        .user_type("premium")
        .dataset("d1")
        .attribute("tenant.id", "acme")
        .attribute("app.region", "eu-west-1")
        .attribute("app.tier", "gold")
        .attribute("apps.other", "x")
        .experiment_id("exp-7");
    outer.in_scope(|| {
        span("outer span");
        Session::new("inner")
            .dataset("d2")
            .in_scope(|| span("inner span"));
        span("outer again");
    });
    guard.shutdown().expect("shutdown");

    let spans = by_name(&receiver.wait_for_spans(3, WAIT));
    let outer = &spans["outer span"];
    for (key, value) in [
        ("session.id", "outer"),
        ("user.type", "premium"),
        ("dataset", "d1"),
        ("tenant.id", "acme"),
        ("app.region", "eu-west-1"),
        ("app.tier", "gold"),
    ] {
        assert_eq!(outer.attr_str(key), Some(value), "{key}");
    }
    assert_eq!(outer.attr_str("apps.other"), None, "not matched by app.*");
    assert_eq!(outer.attr_str("experiment.id"), None, "not listed");

    let inner = &spans["inner span"];
    assert_eq!(inner.attr_str("session.id"), Some("inner"), "inner wins");
    assert_eq!(inner.attr_str("dataset"), Some("d2"), "inner wins");
    assert_eq!(inner.attr_str("user.type"), Some("premium"), "outer stays");
    assert_eq!(inner.attr_str("tenant.id"), Some("acme"), "outer stays");

    let again = &spans["outer again"];
    assert_eq!(again.attr_str("session.id"), Some("outer"));
    assert_eq!(again.attr_str("dataset"), Some("d1"));
}

#[test]
fn a_star_copies_every_baggage_entry() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(
        &receiver,
        &[
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS", "*"),
        ],
    );
    Session::new("s-star")
        .user_type("internal")
        .experiment_id("exp-1")
        .attribute("anything", "goes")
        .in_scope(|| span("star"));
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(1, WAIT);
    for (key, value) in [
        ("session.id", "s-star"),
        ("user.type", "internal"),
        ("experiment.id", "exp-1"),
        ("anything", "goes"),
    ] {
        assert_eq!(spans[0].attr_str(key), Some(value), "{key}");
    }
}

#[test]
fn log_records_in_the_scope_carry_the_session() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(
        &receiver,
        &[
            ("AGENT_OBSERVABILITY_ENABLED", "true"),
            ("OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS", "tenant.id"),
        ],
    );
    let logger = guard
        .logger_provider()
        .expect("logs are on in agent mode")
        .logger("sessions");
    let log = |body: &'static str| {
        let mut record = logger.create_log_record();
        record.set_body(body.into());
        record.set_severity_number(Severity::Info);
        logger.emit(record);
    };

    runtime().block_on(async {
        Session::new("s-log")
            .attribute("tenant.id", "acme")
            .scope(async {
                log("in scope");
                tokio::task::yield_now().await;
                agentcore_observability::tracer("sessions")
                    .in_span("tool", |_| log("in a span in scope"));
            })
            .await;
    });
    log("outside");
    guard.shutdown().expect("shutdown");

    let logs = receiver.wait_for_logs(3, WAIT);
    let find = |body: &str| {
        logs.iter()
            .find(|l| l.body_str().as_deref() == Some(body))
            .unwrap_or_else(|| panic!("no log {body}"))
    };
    for body in ["in scope", "in a span in scope"] {
        assert_eq!(find(body).attr_str("session.id"), Some("s-log"), "{body}");
        assert_eq!(find(body).attr_str("tenant.id"), Some("acme"), "{body}");
    }
    assert_eq!(find("outside").attr_str("session.id"), None);
    let spans = receiver.wait_for_spans(1, WAIT);
    assert_eq!(spans[0].attr_str("session.id"), Some("s-log"));
}

#[test]
fn genai_spans_get_the_conversation_id() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(&receiver, &[("OTEL_LOGS_EXPORTER", "none")]);
    let tracer = agentcore_observability::tracer("sessions");
    Session::new("conv-42").in_scope(|| {
        tracer.in_span("invoke_agent travel", |_| {
            let mut chat = tracer
                .span_builder("chat anthropic.claude-3-haiku")
                .with_kind(SpanKind::Client)
                .with_attributes([
                    KeyValue::new("gen_ai.operation.name", "chat"),
                    KeyValue::new("gen_ai.system", "aws.bedrock"),
                ])
                .start(&tracer);
            chat.end();
        });
    });
    tracer
        .span_builder("chat outside")
        .with_attributes([KeyValue::new("gen_ai.operation.name", "chat")])
        .start(&tracer)
        .end();
    guard.shutdown().expect("shutdown");

    let spans = by_name(&receiver.wait_for_spans(3, WAIT));
    let chat = &spans["chat anthropic.claude-3-haiku"];
    assert_eq!(chat.attr_str("gen_ai.conversation.id"), Some("conv-42"));
    assert_eq!(chat.attr_str("session.id"), Some("conv-42"));
    assert_eq!(
        spans["invoke_agent travel"].attr_str("gen_ai.conversation.id"),
        None,
        "not started as a GenAI span"
    );
    assert_eq!(
        spans["chat outside"].attr_str("gen_ai.conversation.id"),
        None
    );
}

#[test]
fn a_session_does_not_leak_into_the_next_request() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(&receiver, &[("OTEL_LOGS_EXPORTER", "none")]);

    // Two "requests" handled one after the other on the same worker threads.
    runtime().block_on(async {
        async fn request(name: &'static str) {
            tokio::task::yield_now().await;
            span(name);
        }
        let first = Session::new("s-first").scope(request("first request"));
        tokio::spawn(first).await.expect("join");
        tokio::spawn(request("second request")).await.expect("join");
        {
            let _entered = Session::new("s-sync").enter();
            span("sync in session");
        }
        span("sync after guard");
    });
    guard.shutdown().expect("shutdown");

    let spans = by_name(&receiver.wait_for_spans(4, WAIT));
    assert_eq!(
        spans["first request"].attr_str("session.id"),
        Some("s-first")
    );
    assert_eq!(spans["second request"].attr_str("session.id"), None);
    assert_eq!(
        spans["sync in session"].attr_str("session.id"),
        Some("s-sync")
    );
    assert_eq!(spans["sync after guard"].attr_str("session.id"), None);
}
