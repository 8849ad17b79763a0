//! Turns a [`Config`] into the three SDK providers: processors, exporters, sampler, id generator.

use agentcore_observability_config::{
    Config, LogExporterKind, MetricExporterKind, OtlpSignalConfig, Sampler, SpanExporterKind,
};
use agentcore_observability_exporter::console::{
    ConsoleLogExporter, ConsoleMetricExporter, ConsoleSpanExporter,
};
use agentcore_observability_exporter::otlp::OtlpHttp;
use agentcore_observability_session::{BaggageLogProcessor, BaggageSpanProcessor, XrayIdGenerator};
use agentcore_observability_spans::content::RedactionRules;
use opentelemetry_sdk::logs::{BatchLogProcessor, SdkLoggerProvider};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{
    self as sdktrace, BatchSpanProcessor, SdkTracerProvider, SimpleSpanProcessor,
};
use opentelemetry_sdk::Resource;

use crate::fan_out::SpanFanOut;
use crate::InitError;

/// Builds the tracer provider, or `None` when no trace exporter is configured.
pub(crate) fn tracer_provider(
    config: &Config,
    resource: &Resource,
    otlp: &OtlpHttp,
) -> Result<Option<SdkTracerProvider>, InitError> {
    let traces = &config.traces;
    if traces.exporters.is_empty() {
        return Ok(None);
    }
    // Baggage enrichment first, then every exporting processor, as one processor: the SDK would
    // otherwise clone each finished span for every processor registered (see `fan_out`).
    let mut processors = SpanFanOut::new(BaggageSpanProcessor::from_config(config))
        .with_redaction(RedactionRules::from_config(config));
    for kind in &traces.exporters {
        match kind {
            SpanExporterKind::Console => {
                processors.push(SimpleSpanProcessor::new(ConsoleSpanExporter::new()));
            }
            _ => {
                let signal = export_settings(&traces.otlp, traces.batch.export_timeout);
                let exporter = otlp.span_exporter(&signal)?;
                let batch = sdktrace::BatchConfigBuilder::default()
                    .with_max_queue_size(traces.batch.max_queue_size)
                    .with_max_export_batch_size(traces.batch.max_export_batch_size)
                    .with_scheduled_delay(traces.batch.schedule_delay)
                    .build();
                processors.push(
                    BatchSpanProcessor::builder(exporter)
                        .with_batch_config(batch)
                        .build(),
                );
            }
        }
    }
    let provider = SdkTracerProvider::builder()
        .with_resource(resource.clone())
        .with_sampler(sampler(traces.sampler))
        // X-Ray-compatible ids: the first 32 bits of the trace id are the start time in seconds.
        .with_id_generator(XrayIdGenerator::default())
        .with_span_processor(processors)
        .build();
    Ok(Some(provider))
}

/// Builds the logger provider, or `None` when no log exporter is configured.
pub(crate) fn logger_provider(
    config: &Config,
    resource: &Resource,
    otlp: &OtlpHttp,
) -> Result<Option<SdkLoggerProvider>, InitError> {
    let logs = &config.logs;
    if logs.exporters.is_empty() {
        return Ok(None);
    }
    // The baggage processor first: the SDK hands every processor the same record in order, so the
    // exporting processors after it export session.id too.
    let mut builder = SdkLoggerProvider::builder()
        .with_resource(resource.clone())
        .with_log_processor(BaggageLogProcessor::from_config(config));
    for kind in &logs.exporters {
        builder = match kind {
            LogExporterKind::Console => builder.with_simple_exporter(ConsoleLogExporter::new()),
            _ => {
                let signal = export_settings(&logs.otlp, logs.batch.export_timeout);
                let exporter = otlp.log_exporter(&signal)?;
                let batch = opentelemetry_sdk::logs::BatchConfigBuilder::default()
                    .with_max_queue_size(logs.batch.max_queue_size)
                    .with_max_export_batch_size(logs.batch.max_export_batch_size)
                    .with_scheduled_delay(logs.batch.schedule_delay)
                    .build();
                builder.with_log_processor(
                    BatchLogProcessor::builder(exporter)
                        .with_batch_config(batch)
                        .build(),
                )
            }
        };
    }
    Ok(Some(builder.build()))
}

/// Builds the meter provider, or `None` when no metric exporter is configured.
pub(crate) fn meter_provider(
    config: &Config,
    resource: &Resource,
    otlp: &OtlpHttp,
) -> Result<Option<SdkMeterProvider>, InitError> {
    let metrics = &config.metrics;
    if metrics.exporters.is_empty() {
        return Ok(None);
    }
    let mut builder = SdkMeterProvider::builder().with_resource(resource.clone());
    for kind in &metrics.exporters {
        builder = match kind {
            MetricExporterKind::Console => builder.with_reader(
                PeriodicReader::builder(ConsoleMetricExporter::new())
                    .with_interval(metrics.export_interval)
                    .build(),
            ),
            MetricExporterKind::AwsEmf => {
                // The configuration resolves the destination whenever awsemf is listed.
                let Some(destination) = &metrics.emf else {
                    continue;
                };
                builder.with_reader(
                    PeriodicReader::builder(otlp.emf_exporter(destination, metrics.export_timeout))
                        .with_interval(metrics.export_interval)
                        .build(),
                )
            }
            _ => {
                let signal = export_settings(&metrics.otlp, metrics.export_timeout);
                let exporter = otlp.metric_exporter(&signal, metrics.temporality)?;
                builder.with_reader(
                    PeriodicReader::builder(exporter)
                        .with_interval(metrics.export_interval)
                        .build(),
                )
            }
        };
    }
    Ok(Some(builder.build()))
}

/// The settings one OTLP exporter runs with: the OTLP timeout capped by the processor's export
/// timeout (the SDK's thread-based processors leave that deadline to the exporter).
fn export_settings(
    otlp: &OtlpSignalConfig,
    export_timeout: std::time::Duration,
) -> OtlpSignalConfig {
    let mut settings = otlp.clone();
    settings.timeout = settings.timeout.min(export_timeout);
    settings
}

fn sampler(sampler: Sampler) -> sdktrace::Sampler {
    use sdktrace::Sampler as S;
    match sampler {
        Sampler::AlwaysOn => S::AlwaysOn,
        Sampler::AlwaysOff => S::AlwaysOff,
        Sampler::TraceIdRatio(ratio) => S::TraceIdRatioBased(ratio),
        Sampler::ParentBasedAlwaysOff => S::ParentBased(Box::new(S::AlwaysOff)),
        Sampler::ParentBasedTraceIdRatio(ratio) => {
            S::ParentBased(Box::new(S::TraceIdRatioBased(ratio)))
        }
        _ => S::ParentBased(Box::new(S::AlwaysOn)),
    }
}
