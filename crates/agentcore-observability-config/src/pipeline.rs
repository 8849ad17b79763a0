//! What the SDK pipeline is made of: exporters, propagators, sampler, batch processors and the
//! metric reader. Each function reads its variables and returns the typed value or an error.

use std::time::Duration;

use crate::parse::{self, invalid};
use crate::source::Sources;
use crate::{
    BatchConfig, ConfigError, ConfigWarning, LogExporterKind, MetricExporterKind, Propagator,
    Sampler, SpanExporterKind, TemporalityPreference,
};

/// `expected` text of an unknown trace or log exporter.
pub(crate) const EXPORTERS_EXPECTED: &str =
    "one or more of otlp, console (comma-separated), or none";
/// `expected` text of an unknown metric exporter.
pub(crate) const METRIC_EXPORTERS_EXPECTED: &str =
    "one or more of otlp, console, awsemf (comma-separated), or none";
/// `expected` text of `none` mixed with exporters.
pub(crate) const NONE_ALONE_EXPECTED: &str =
    "none on its own, or a comma-separated list without none, e.g. otlp,console";
/// `expected` text of an unknown or unsupported propagator.
pub(crate) const PROPAGATORS_EXPECTED: &str = "one or more of tracecontext, baggage, xray \
     (comma-separated), or none; b3, b3multi, jaeger and ottrace are not supported by the Rust distro";
/// `expected` text of `none` mixed with propagators.
pub(crate) const NONE_ALONE_PROPAGATORS_EXPECTED: &str =
    "none on its own, or a comma-separated list without none, e.g. baggage,xray,tracecontext";
/// `expected` text of an unknown sampler.
pub(crate) const SAMPLER_EXPECTED: &str = "one of always_on, always_off, traceidratio, \
     parentbased_always_on, parentbased_always_off, parentbased_traceidratio";
/// `expected` text of a bad sampler ratio.
pub(crate) const RATIO_EXPECTED: &str = "a sampling ratio between 0 and 1, e.g. 0.25";
/// `expected` text of a temporality preference.
pub(crate) const TEMPORALITY_EXPECTED: &str = "cumulative, delta or lowmemory";

/// A comma list of names mapped through `names`: case-insensitive, trimmed, de-duplicated in first
/// occurrence order. `none` alone is the empty list; `none` with anything else is an error.
/// `Ok(None)` when the variable is unset (or holds only commas).
fn named_list<T: Copy + PartialEq>(
    src: &Sources,
    variable: &str,
    names: &[(&str, T)],
    expected: &str,
    none_expected: &str,
) -> Result<Option<Vec<T>>, ConfigError> {
    let Some(raw) = src.get(variable) else {
        return Ok(None);
    };
    let mut items: Vec<String> = Vec::new();
    for item in parse::list(raw) {
        let item = item.to_ascii_lowercase();
        if !items.contains(&item) {
            items.push(item);
        }
    }
    if items.is_empty() {
        return Ok(None);
    }
    if items.iter().any(|i| i == "none") {
        return if items.len() == 1 {
            Ok(Some(Vec::new()))
        } else {
            Err(invalid(variable, raw, none_expected))
        };
    }
    let mut out = Vec::new();
    for item in &items {
        let value = names
            .iter()
            .find(|(name, _)| name == item)
            .map(|(_, v)| *v)
            .ok_or_else(|| invalid(variable, raw, expected))?;
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(Some(out))
}

/// `OTEL_TRACES_EXPORTER` (default `otlp`).
pub(crate) fn span_exporters(src: &Sources) -> Result<Vec<SpanExporterKind>, ConfigError> {
    let names = [
        ("otlp", SpanExporterKind::Otlp),
        ("console", SpanExporterKind::Console),
    ];
    let parsed = named_list(
        src,
        "OTEL_TRACES_EXPORTER",
        &names,
        EXPORTERS_EXPECTED,
        NONE_ALONE_EXPECTED,
    )?;
    Ok(parsed.unwrap_or_else(|| vec![SpanExporterKind::Otlp]))
}

/// `OTEL_LOGS_EXPORTER` (default `otlp`).
pub(crate) fn log_exporters(src: &Sources) -> Result<Vec<LogExporterKind>, ConfigError> {
    let names = [
        ("otlp", LogExporterKind::Otlp),
        ("console", LogExporterKind::Console),
    ];
    let parsed = named_list(
        src,
        "OTEL_LOGS_EXPORTER",
        &names,
        EXPORTERS_EXPECTED,
        NONE_ALONE_EXPECTED,
    )?;
    Ok(parsed.unwrap_or_else(|| vec![LogExporterKind::Otlp]))
}

/// `OTEL_METRICS_EXPORTER` (default `otlp`; `awsemf` in agent mode, as ADOT).
pub(crate) fn metric_exporters(
    src: &Sources,
    agent: bool,
) -> Result<Vec<MetricExporterKind>, ConfigError> {
    let names = [
        ("otlp", MetricExporterKind::Otlp),
        ("console", MetricExporterKind::Console),
        ("awsemf", MetricExporterKind::AwsEmf),
    ];
    let parsed = named_list(
        src,
        "OTEL_METRICS_EXPORTER",
        &names,
        METRIC_EXPORTERS_EXPECTED,
        NONE_ALONE_EXPECTED,
    )?;
    Ok(parsed.unwrap_or_else(|| {
        vec![if agent {
            MetricExporterKind::AwsEmf
        } else {
            MetricExporterKind::Otlp
        }]
    }))
}

/// `OTEL_PROPAGATORS` (default `baggage,xray,tracecontext`, ADOT's order). `xray-lambda` (an
/// ADOT/Lambda variant that only differs in reading `_X_AMZN_TRACE_ID`) is treated as `xray`.
pub(crate) fn propagators(
    src: &Sources,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Vec<Propagator>, ConfigError> {
    const VAR: &str = "OTEL_PROPAGATORS";
    let names = [
        ("tracecontext", Propagator::TraceContext),
        ("baggage", Propagator::Baggage),
        ("xray", Propagator::XRay),
        ("xray-lambda", Propagator::XRay),
    ];
    let parsed = named_list(
        src,
        VAR,
        &names,
        PROPAGATORS_EXPECTED,
        NONE_ALONE_PROPAGATORS_EXPECTED,
    )?;
    let uses_lambda_variant = src.get(VAR).is_some_and(|raw| {
        parse::list(raw)
            .iter()
            .any(|i| i.eq_ignore_ascii_case("xray-lambda"))
    });
    if uses_lambda_variant {
        warnings.push(ConfigWarning::new(
            VAR,
            "xray-lambda is treated as xray (the _X_AMZN_TRACE_ID Lambda variable is not read)",
        ));
    }
    Ok(parsed.unwrap_or_else(|| {
        vec![
            Propagator::Baggage,
            Propagator::XRay,
            Propagator::TraceContext,
        ]
    }))
}

/// `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` (default `parentbased_always_on`). Remote
/// samplers (X-Ray, Jaeger) are not available; they fall back to the default with a warning
/// rather than failing, since the default is what they do before their first poll anyway.
pub(crate) fn sampler(
    src: &Sources,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Sampler, ConfigError> {
    const VAR: &str = "OTEL_TRACES_SAMPLER";
    let Some(raw) = src.get(VAR) else {
        return Ok(Sampler::ParentBasedAlwaysOn);
    };
    let ratio = || -> Result<f64, ConfigError> {
        const ARG: &str = "OTEL_TRACES_SAMPLER_ARG";
        match src.get(ARG) {
            None => Ok(1.0),
            Some(arg) => match arg.trim().parse::<f64>() {
                Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
                _ => Err(invalid(ARG, arg, RATIO_EXPECTED)),
            },
        }
    };
    Ok(match raw.trim().to_ascii_lowercase().as_str() {
        "always_on" => Sampler::AlwaysOn,
        "always_off" => Sampler::AlwaysOff,
        "traceidratio" => Sampler::TraceIdRatio(ratio()?),
        "parentbased_always_on" => Sampler::ParentBasedAlwaysOn,
        "parentbased_always_off" => Sampler::ParentBasedAlwaysOff,
        "parentbased_traceidratio" => Sampler::ParentBasedTraceIdRatio(ratio()?),
        name @ ("xray" | "jaeger_remote" | "parentbased_jaeger_remote") => {
            warnings.push(ConfigWarning::new(
                VAR,
                format!(
                    "the remote sampler {name} is not supported by the Rust distro; \
                     parentbased_always_on is used"
                ),
            ));
            Sampler::ParentBasedAlwaysOn
        }
        _ => return Err(invalid(VAR, raw, SAMPLER_EXPECTED)),
    })
}

/// A batch processor's settings from `<prefix>_*` (`OTEL_BSP` or `OTEL_BLRP`). A batch larger than
/// the queue can never fill, so it is clamped to the queue size with a warning.
pub(crate) fn batch(
    src: &Sources,
    prefix: &str,
    default_delay: Duration,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<BatchConfig, ConfigError> {
    let size_or = |setting: &str, default: usize| -> Result<usize, ConfigError> {
        let var = format!("{prefix}_{setting}");
        src.get(&var)
            .map(|raw| parse::size(&var, raw))
            .unwrap_or(Ok(default))
    };
    let schedule_delay = duration_or(src, &format!("{prefix}_SCHEDULE_DELAY"), default_delay)?;
    let export_timeout = duration_or(
        src,
        &format!("{prefix}_EXPORT_TIMEOUT"),
        Duration::from_millis(30_000),
    )?;
    let max_queue_size = size_or("MAX_QUEUE_SIZE", 2048)?;
    let mut max_export_batch_size = size_or("MAX_EXPORT_BATCH_SIZE", 512)?;
    if max_export_batch_size > max_queue_size {
        warnings.push(ConfigWarning::new(
            format!("{prefix}_MAX_EXPORT_BATCH_SIZE"),
            format!(
                "the batch size {max_export_batch_size} is larger than \
                 {prefix}_MAX_QUEUE_SIZE={max_queue_size}; {max_queue_size} is used"
            ),
        ));
        max_export_batch_size = max_queue_size;
    }
    Ok(BatchConfig {
        schedule_delay,
        export_timeout,
        max_queue_size,
        max_export_batch_size,
    })
}

/// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE` (default cumulative).
pub(crate) fn temporality(src: &Sources) -> Result<TemporalityPreference, ConfigError> {
    const VAR: &str = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
    let Some(raw) = src.get(VAR) else {
        return Ok(TemporalityPreference::Cumulative);
    };
    match raw.trim().to_ascii_lowercase().as_str() {
        "cumulative" => Ok(TemporalityPreference::Cumulative),
        "delta" => Ok(TemporalityPreference::Delta),
        "lowmemory" => Ok(TemporalityPreference::LowMemory),
        _ => Err(invalid(VAR, raw, TEMPORALITY_EXPECTED)),
    }
}

/// A duration variable with a default (metric reader settings).
pub(crate) fn duration_or(
    src: &Sources,
    variable: &str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    src.get(variable)
        .map(|raw| parse::duration(variable, raw).map(|d| d.value))
        .unwrap_or(Ok(default))
}
