//! The application sets up its own `tracing` subscriber, with the distro's layer in it, before
//! `init()`: `init()` stays quiet, application events are exported, and the distro's own events
//! still reach the application's other layers without being exported.

mod common;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use agentcore_observability_testkit::{OtlpReceiver, ReceivedLog};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

const WAIT: Duration = Duration::from_secs(10);

/// Stands in for the application's `fmt` layer: remembers the target of every event it sees.
#[derive(Clone, Default)]
struct SeenTargets(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> Layer<S> for SeenTargets {
    fn on_event(&self, event: &tracing::Event<'_>, _cx: Context<'_, S>) {
        self.0
            .lock()
            .unwrap()
            .push(event.metadata().target().to_string());
    }
}

/// The application's subscriber, set once for this test binary.
fn app_subscriber() -> SeenTargets {
    static SEEN: OnceLock<SeenTargets> = OnceLock::new();
    SEEN.get_or_init(|| {
        let seen = SeenTargets::default();
        let subscriber = tracing_subscriber::registry()
            .with(seen.clone())
            .with(agentcore_observability::tracing_layer());
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
        seen
    })
    .clone()
}

#[test]
fn a_layer_composed_before_init_bridges_and_leaves_internal_events_to_other_layers() {
    let _lock = common::exclusive();
    let seen = app_subscriber();
    // Before init: nothing to export to, no panic.
    tracing::info!("before init");

    let receiver = OtlpReceiver::start().expect("receiver");
    let config = common::builder_for(&receiver, &[("OTEL_METRICS_EXPORTER", "none")])
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    assert!(
        guard.warnings().is_empty(),
        "the application's subscriber has our layer: {:?}",
        guard.warnings()
    );

    tracing::info_span!("app span").in_scope(|| {
        tracing::info!("application event");
        // What the exporter logs about itself (e.g. a first dropped batch).
        tracing::warn!(target: "agentcore_observability", "exporter trouble");
    });
    guard.shutdown().expect("shutdown");

    let logs = receiver.wait_for_logs_matching(
        |l| {
            l.iter()
                .any(|r| r.body_str().as_deref() == Some("application event"))
        },
        WAIT,
    );
    let bodies: Vec<String> = logs.iter().filter_map(ReceivedLog::body_str).collect();
    assert_eq!(bodies, ["application event"]);
    let spans = receiver.wait_for_spans(1, WAIT);
    assert_eq!(spans[0].name(), "app span");
    assert_eq!(logs[0].span_id_hex(), Some(spans[0].span_id_hex()));

    let targets = seen.0.lock().unwrap().clone();
    assert!(
        targets.iter().any(|t| t == "agentcore_observability"),
        "the distro's warning reaches the application's layer: {targets:?}"
    );
}

#[test]
fn the_guard_hands_out_the_same_layer() {
    let _lock = common::exclusive();
    let _seen = app_subscriber();
    let config = agentcore_observability::Config::builder()
        .vars([("OTEL_SDK_DISABLED", "true")])
        .no_dotenv()
        .finish()
        .expect("config");
    let guard = agentcore_observability::init_with(config).expect("init");
    // A second subscriber built from the guard's layer, used locally.
    let subscriber = tracing_subscriber::registry().with(guard.tracing_layer());
    tracing::subscriber::with_default(subscriber, || tracing::info!("local"));
}
