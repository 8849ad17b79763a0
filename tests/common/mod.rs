//! Shared helpers for the end-to-end tests: `init()` installs global state, so tests in one binary
//! take a lock before calling it.

#![allow(dead_code)]

use std::sync::{Mutex, MutexGuard, PoisonError};

use agentcore_observability::{Config, ConfigBuilder};
use agentcore_observability_testkit::OtlpReceiver;

static GLOBAL: Mutex<()> = Mutex::new(());

/// Serialises tests that call `init()` within one test binary.
pub fn exclusive() -> MutexGuard<'static, ()> {
    GLOBAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A builder that reads only `vars` (never the process environment or a `.env` file) and exports
/// all three signals to `receiver`, flushing fast.
pub fn builder_for(receiver: &OtlpReceiver, vars: &[(&str, &str)]) -> ConfigBuilder {
    let endpoint = receiver.endpoint();
    let mut all: Vec<(String, String)> = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT".into(), endpoint),
        ("OTEL_BSP_SCHEDULE_DELAY".into(), "50".into()),
        ("OTEL_BLRP_SCHEDULE_DELAY".into(), "50".into()),
        ("OTEL_METRIC_EXPORT_INTERVAL".into(), "60000".into()),
    ];
    all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::builder().vars(all).no_dotenv()
}
