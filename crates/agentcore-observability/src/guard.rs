//! [`ObservabilityGuard`]: owns the installed providers and shuts them down, within a bound, on drop.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use agentcore_observability_config::ConfigWarning;
use agentcore_observability_exporter::ExportStats;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;

use crate::TelemetryError;

/// Set while a guard from `init()` is alive; a second `init()` is refused instead of silently
/// replacing the global providers.
pub(crate) static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The providers one `init()` installed.
#[derive(Debug)]
pub(crate) struct Providers {
    pub(crate) tracer: Option<SdkTracerProvider>,
    pub(crate) logger: Option<SdkLoggerProvider>,
    pub(crate) meter: Option<SdkMeterProvider>,
}

/// Keeps telemetry running. Returned by [`init`](crate::init); hold it for the life of the program.
///
/// Dropping it flushes what is queued and shuts every provider down, waiting at most the configured
/// shutdown timeout (5 s by default) so a dead endpoint cannot hang the agent's exit. Call
/// [`shutdown`](Self::shutdown) instead to learn whether that went well.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = agentcore_observability::Config::builder()
///     .vars([("OTEL_SDK_DISABLED", "true")])
///     .no_dotenv()
///     .finish()?;
/// let guard = agentcore_observability::init_with(config)?;
/// assert!(!guard.is_enabled());
/// guard.shutdown()?;
/// # Ok(()) }
/// ```
#[must_use = "dropping the guard flushes and shuts down all telemetry at once; \
              bind it for the life of the program: `let _guard = agentcore_observability::init()?;`"]
#[derive(Debug)]
pub struct ObservabilityGuard {
    providers: Option<Providers>,
    stats: ExportStats,
    shutdown_timeout: Duration,
    warnings: Vec<ConfigWarning>,
}

impl ObservabilityGuard {
    pub(crate) fn installed(
        providers: Providers,
        stats: ExportStats,
        shutdown_timeout: Duration,
    ) -> Self {
        Self {
            providers: Some(providers),
            stats,
            shutdown_timeout,
            warnings: Vec::new(),
        }
    }

    pub(crate) fn with_warnings(mut self, warnings: Vec<ConfigWarning>) -> Self {
        self.warnings = warnings;
        self
    }

    /// The guard of a disabled SDK (`OTEL_SDK_DISABLED=true`): it owns nothing.
    pub(crate) fn disabled() -> Self {
        Self {
            providers: None,
            stats: ExportStats::default(),
            shutdown_timeout: Duration::ZERO,
            warnings: Vec::new(),
        }
    }

    /// Whether `init()` installed anything (false when the SDK is disabled).
    pub fn is_enabled(&self) -> bool {
        self.providers.is_some()
    }

    /// What `init()` noticed but did not fail on: the configuration's warnings, and setup notices
    /// such as a global `tracing` subscriber that was already set (each also logged once).
    pub fn warnings(&self) -> &[ConfigWarning] {
        &self.warnings
    }

    /// The `tracing` bridge as a layer for your own subscriber (feature `tracing`); the same as
    /// [`tracing_layer`](crate::tracing_layer).
    #[cfg(feature = "tracing")]
    pub fn tracing_layer<S>(&self) -> impl tracing_subscriber::Layer<S>
    where
        S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    {
        crate::tracing_layer()
    }

    /// What the exporters sent and dropped so far, per signal.
    pub fn stats(&self) -> &ExportStats {
        &self.stats
    }

    /// The tracer provider installed as the global one, if traces are on.
    pub fn tracer_provider(&self) -> Option<&SdkTracerProvider> {
        self.providers.as_ref()?.tracer.as_ref()
    }

    /// The logger provider, if logs are on. OpenTelemetry has no global logger provider: log
    /// bridges (such as `opentelemetry-appender-tracing`) are given this one.
    pub fn logger_provider(&self) -> Option<&SdkLoggerProvider> {
        self.providers.as_ref()?.logger.as_ref()
    }

    /// The meter provider installed as the global one, if metrics are on.
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.providers.as_ref()?.meter.as_ref()
    }

    /// Exports everything queued so far and waits for it, at most the shutdown timeout.
    ///
    /// # Errors
    /// [`TelemetryError`] if an exporter failed or the time ran out; the agent can ignore it.
    pub fn flush(&self) -> Result<(), TelemetryError> {
        let Some(providers) = &self.providers else {
            return Ok(());
        };
        let (tracer, logger, meter) = (
            providers.tracer.clone(),
            providers.logger.clone(),
            providers.meter.clone(),
        );
        run_bounded("flush", self.shutdown_timeout, move || {
            collect(&[
                tracer.as_ref().map(SdkTracerProvider::force_flush),
                logger.as_ref().map(SdkLoggerProvider::force_flush),
                meter.as_ref().map(SdkMeterProvider::force_flush),
            ])
        })
    }

    /// Flushes and shuts every provider down, waiting at most the shutdown timeout.
    ///
    /// # Errors
    /// [`TelemetryError`] if an exporter failed or the time ran out; what was still queued is lost.
    pub fn shutdown(mut self) -> Result<(), TelemetryError> {
        self.shutdown_inner()
    }

    fn shutdown_inner(&mut self) -> Result<(), TelemetryError> {
        let Some(providers) = self.providers.take() else {
            return Ok(());
        };
        crate::release_globals();
        let timeout = self.shutdown_timeout;
        let result = run_bounded("shutdown", timeout, move || {
            // Traces first: their export may still log; metrics last so their final collection
            // sees everything.
            collect(&[
                providers
                    .tracer
                    .as_ref()
                    .map(|p| p.shutdown_with_timeout(timeout)),
                providers
                    .logger
                    .as_ref()
                    .map(|p| p.shutdown_with_timeout(timeout)),
                providers
                    .meter
                    .as_ref()
                    .map(|p| p.shutdown_with_timeout(timeout)),
            ])
        });
        INSTALLED.store(false, Ordering::SeqCst);
        result
    }
}

impl Drop for ObservabilityGuard {
    fn drop(&mut self) {
        if let Err(error) = self.shutdown_inner() {
            tracing::warn!(target: "agentcore_observability", %error, "telemetry shutdown on drop");
        }
    }
}

/// Runs `work` on its own thread and waits at most `timeout`: the SDK's shutdown paths wait on
/// their processor threads, and a stuck exporter must not hold the agent's exit hostage. If the
/// time runs out the thread is left to finish (or die with the process).
fn run_bounded(
    operation: &'static str,
    timeout: Duration,
    work: impl FnOnce() -> Result<(), String> + Send + 'static,
) -> Result<(), TelemetryError> {
    let (done, wait) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("agentcore-{operation}"))
        .spawn(move || {
            let _ = done.send(work());
        });
    if let Err(error) = spawned {
        return Err(TelemetryError::Failed {
            operation,
            message: format!("could not start a thread: {error}"),
        });
    }
    match wait.recv_timeout(timeout) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(message)) => Err(TelemetryError::Failed { operation, message }),
        Err(_) => Err(TelemetryError::Timeout { operation, timeout }),
    }
}

fn collect(results: &[Option<OTelSdkResult>]) -> Result<(), String> {
    let errors: Vec<String> = results
        .iter()
        .flatten()
        .filter_map(|r| r.as_ref().err().map(ToString::to_string))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}
