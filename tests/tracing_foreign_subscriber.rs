//! A global `tracing` subscriber without the distro's layer is already set when `init()` runs:
//! no panic, a warning in the guard (and once on stderr) naming the fix, and telemetry otherwise
//! unaffected. `AGENT_OBSERVABILITY_TRACING_SUBSCRIBER=false` silences it.

mod common;

use std::sync::Once;
use std::time::Duration;

use agentcore_observability::prelude::*;
use agentcore_observability_testkit::OtlpReceiver;

const WAIT: Duration = Duration::from_secs(10);
const VARIABLE: &str = "AGENT_OBSERVABILITY_TRACING_SUBSCRIBER";

fn foreign_subscriber() {
    static SET: Once = Once::new();
    SET.call_once(|| {
        tracing::subscriber::set_global_default(tracing_subscriber::registry())
            .expect("first subscriber");
    });
}

#[test]
fn init_warns_and_keeps_working_when_another_subscriber_is_set() {
    let _lock = common::exclusive();
    foreign_subscriber();
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = common::builder_for(&receiver, &[("OTEL_METRICS_EXPORTER", "none")])
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    let warning = guard
        .warnings()
        .iter()
        .find(|w| w.variable == VARIABLE)
        .unwrap_or_else(|| panic!("a warning about the subscriber: {:?}", guard.warnings()));
    assert!(
        warning
            .message
            .contains("agentcore_observability::tracing_layer()"),
        "{warning}"
    );

    tracing::info!("not bridged: the global subscriber is not ours");
    spans::tool("still_works").start().end();
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(1, WAIT);
    assert_eq!(spans[0].name(), "execute_tool still_works");
    assert!(receiver.logs().is_empty());
}

#[test]
fn the_switch_turns_the_subscriber_and_the_warning_off() {
    let _lock = common::exclusive();
    foreign_subscriber();
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = common::builder_for(
        &receiver,
        &[("OTEL_METRICS_EXPORTER", "none"), (VARIABLE, "false")],
    )
    .finish()
    .expect("config");
    assert!(!config.install_tracing_subscriber);
    let guard = agentcore_observability::init_with(config).expect("init");
    assert!(guard.warnings().is_empty(), "{:?}", guard.warnings());
    guard.shutdown().expect("shutdown");
}
