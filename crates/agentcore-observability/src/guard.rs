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

/// The providers one `init()` installed. Each is a cheap handle on the same pipeline, so a clone
/// can force-flush them without holding the guard (the Lambda layer does); after the guard shut
/// them down, flushing fails harmlessly ("already shut down").
#[derive(Clone, Debug)]
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
    resource_detection: crate::ResourceDetectionReport,
}

impl ObservabilityGuard {
    pub(crate) fn installed(
        providers: Providers,
        stats: ExportStats,
        shutdown_timeout: Duration,
        warnings: Vec<ConfigWarning>,
        resource_detection: crate::ResourceDetectionReport,
    ) -> Self {
        Self {
            providers: Some(providers),
            stats,
            shutdown_timeout,
            warnings,
            resource_detection,
        }
    }

    /// The guard of a disabled SDK (`OTEL_SDK_DISABLED=true`): it owns nothing.
    pub(crate) fn disabled() -> Self {
        Self {
            providers: None,
            stats: ExportStats::default(),
            shutdown_timeout: Duration::ZERO,
            warnings: Vec::new(),
            resource_detection: crate::ResourceDetectionReport::default(),
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

    /// What AWS resource detection found and how long `init()` waited for it: the detected
    /// platform, and per detector whether it detected its platform (with the attributes),
    /// ruled it out, was skipped, failed or ran out of time. Empty when no detector was selected
    /// (agent mode by default) or the SDK is disabled.
    pub fn resource_detection(&self) -> &crate::ResourceDetectionReport {
        &self.resource_detection
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

    /// A [`LambdaLayer`](crate::lambda::LambdaLayer) (feature `lambda`) tracing each invocation
    /// with this guard's providers and flushing them before the invocation returns; the same as
    /// `LambdaLayer::new(&guard)`.
    #[cfg(feature = "lambda")]
    pub fn lambda_layer(&self) -> crate::lambda::LambdaLayer {
        crate::lambda::LambdaLayer::new(self)
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
        let Some(flusher) = self.flusher() else {
            return Ok(());
        };
        run_bounded("flush", self.shutdown_timeout, move || flusher.flush_now())
    }

    /// Handles on the installed providers that flush them from anywhere (the Lambda layer), or
    /// `None` when the SDK is disabled.
    pub(crate) fn flusher(&self) -> Option<Providers> {
        self.providers.clone()
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

impl Providers {
    /// Force-flushes traces, then logs, then metrics, and waits for each (the SDK bounds each wait
    /// by its own 5 s). Blocking: run it through [`run_bounded`], never on an async worker.
    pub(crate) fn flush_now(&self) -> Result<(), String> {
        collect(&[
            self.tracer.as_ref().map(SdkTracerProvider::force_flush),
            self.logger.as_ref().map(SdkLoggerProvider::force_flush),
            self.meter.as_ref().map(SdkMeterProvider::force_flush),
        ])
    }
}

/// Runs `work` on its own thread and waits at most `timeout`: the SDK's shutdown paths wait on
/// their processor threads, and a stuck exporter must not hold the agent's exit hostage. If the
/// time runs out the thread is left to finish (or die with the process).
pub(crate) fn run_bounded(
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
