//! The `tracing` bridge with the subscriber `init()` installs: `tracing` spans arrive as spans and
//! `tracing` events as log records, in the same trace, with `session.id` inside a session; the
//! distro's and the transport's own output and events below INFO are not bridged; the bridge
//! follows a later `init()`.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use agentcore_observability::prelude::*;
use agentcore_observability_testkit::opentelemetry_proto::tonic::logs::v1::SeverityNumber;
use agentcore_observability_testkit::{OtlpReceiver, ReceivedLog, ReceivedSpan};

const WAIT: Duration = Duration::from_secs(10);

fn init(receiver: &OtlpReceiver) -> agentcore_observability::ObservabilityGuard {
    let config = common::builder_for(receiver, &[("OTEL_METRICS_EXPORTER", "none")])
        .finish()
        .expect("config");
    agentcore_observability::init_with(config).expect("init")
}

fn bridged(logs: &[ReceivedLog]) -> Vec<ReceivedLog> {
    // Records from the bridge have the event's target as their scope.
    logs.iter()
        .filter(|l| l.scope_name.starts_with("tracing_bridge"))
        .cloned()
        .collect()
}

fn by_name(spans: &[ReceivedSpan]) -> HashMap<String, ReceivedSpan> {
    spans
        .iter()
        .map(|s| (s.name().to_string(), s.clone()))
        .collect()
}

#[test]
fn tracing_spans_and_events_join_the_trace_and_the_session() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(&receiver);
    assert!(
        guard
            .warnings()
            .iter()
            .all(|w| w.variable != "AGENT_OBSERVABILITY_TRACING_SUBSCRIBER"),
        "{:?}",
        guard.warnings()
    );

    Session::new("s-tracing").in_scope(|| {
        let plan = tracing::info_span!("plan_trip", city = "Seattle");
        let _entered = plan.enter();
        tracing::info!(step = 1, "searching");
        // A helper span inside a tracing span is its child.
        spans::tool("web_search").start().end();
        tracing::debug!("below INFO: not bridged");
        tracing::warn!(target: "agentcore_observability", "the distro's own: not bridged");
        tracing::info!(target: "hyper_util::client", "the transport's: not bridged");
        let _nested = tracing::info_span!("rank_results").entered();
        tracing::warn!(results = 3, "few results");
    });
    guard.shutdown().expect("shutdown");

    let spans = by_name(&receiver.wait_for_spans(3, WAIT));
    let plan = &spans["plan_trip"];
    assert_eq!(plan.attr_str("city"), Some("Seattle"));
    assert_eq!(plan.attr_str("session.id"), Some("s-tracing"));
    let rank = &spans["rank_results"];
    assert_eq!(rank.parent_span_id_hex(), Some(plan.span_id_hex()));
    assert_eq!(rank.attr_str("session.id"), Some("s-tracing"));
    let tool = &spans["execute_tool web_search"];
    assert_eq!(tool.parent_span_id_hex(), Some(plan.span_id_hex()));
    assert_eq!(tool.trace_id_hex(), plan.trace_id_hex());
    assert_eq!(tool.attr_str("session.id"), Some("s-tracing"));

    let logs = bridged(&receiver.wait_for_logs_matching(|l| bridged(l).len() >= 2, WAIT));
    assert_eq!(logs.len(), 2, "{logs:?}");
    let searching = logs
        .iter()
        .find(|l| l.body_str().as_deref() == Some("searching"))
        .expect("the info event");
    assert_eq!(searching.trace_id_hex(), Some(plan.trace_id_hex()));
    assert_eq!(searching.span_id_hex(), Some(plan.span_id_hex()));
    assert_eq!(searching.attr_str("session.id"), Some("s-tracing"));
    assert_eq!(searching.attr_i64("step"), Some(1));
    assert_eq!(searching.severity_number(), SeverityNumber::Info);
    let few = logs
        .iter()
        .find(|l| l.body_str().as_deref() == Some("few results"))
        .expect("the warn event");
    assert_eq!(few.span_id_hex(), Some(rank.span_id_hex()));
    assert_eq!(few.attr_str("session.id"), Some("s-tracing"));
    assert_eq!(few.severity_number(), SeverityNumber::Warn);
    // Nothing of the distro or the transport went through the bridge.
    assert!(receiver
        .logs()
        .iter()
        .all(|l| !l.scope_name.starts_with("agentcore_observability")
            && !l.scope_name.starts_with("hyper")));
}

#[test]
fn the_bridge_follows_shutdown_and_a_later_init() {
    let _lock = common::exclusive();
    let first = OtlpReceiver::start().expect("receiver");
    let guard = init(&first);
    tracing::info!("to the first receiver");
    guard.shutdown().expect("shutdown");
    // Between guards: dropped quietly.
    tracing::info!("to nobody");
    tracing::info_span!("span to nobody").in_scope(|| {});

    let second = OtlpReceiver::start().expect("receiver");
    let guard = init(&second);
    tracing::info_span!("span to the second").in_scope(|| {
        tracing::info!("to the second receiver");
    });
    guard.shutdown().expect("shutdown");

    let bodies = |receiver: &OtlpReceiver| -> Vec<String> {
        bridged(&receiver.logs())
            .iter()
            .filter_map(ReceivedLog::body_str)
            .collect()
    };
    first.wait_for_logs_matching(|l| !bridged(l).is_empty(), WAIT);
    second.wait_for_logs_matching(|l| !bridged(l).is_empty(), WAIT);
    assert_eq!(bodies(&first), ["to the first receiver"]);
    assert_eq!(bodies(&second), ["to the second receiver"]);
    let spans = second.wait_for_spans(1, WAIT);
    let names: Vec<&str> = spans.iter().map(ReceivedSpan::name).collect();
    assert_eq!(names, ["span to the second"]);
    assert!(first.spans().is_empty());
}
