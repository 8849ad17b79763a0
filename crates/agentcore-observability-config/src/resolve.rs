//! Turns a [`ConfigBuilder`] into a [`Config`]: reads the sources, applies code overrides, derives
//! the defaults and validates.
//!
//! Errors are returned for the first malformed value in this fixed order, so the same input always
//! reports the same error: `.env` file; mode switches (`OTEL_SDK_DISABLED`,
//! `AGENT_OBSERVABILITY_ENABLED`); resource (`OTEL_RESOURCE_ATTRIBUTES`); region; exporters
//! (traces, logs, metrics); endpoints (base, traces, logs, metrics, then the missing-region check);
//! headers, timeouts, compression, protocol (each general, traces, logs, metrics); sampler; batch
//! processors (spans, logs); metric reader; propagators; span processing and GenAI switches; AWS
//! (per signal: SigV4 signing, then gRPC towards an HTTP-only endpoint; the CloudWatch logs
//! destination; `awsemf`); resource detection (detectors, timeout, then the platform variables of
//! the detectors that run).

use std::time::Duration;

use crate::builder::Overrides;
use crate::content;
use crate::otlp;
use crate::parse::{self, dedup, invalid};
use crate::source::Sources;
use crate::{
    aws, known, pipeline, region, CloudWatchDestination, Config, ConfigBuilder, ConfigError,
    ConfigWarning, EndpointSource, LogExporterKind, LogsConfig, MetricExporterKind, MetricsConfig,
    OtlpSignalConfig, Protocol, SpanExporterKind, TracesConfig,
};

/// `expected` text of `OTEL_RESOURCE_ATTRIBUTES`.
pub(crate) const RESOURCE_EXPECTED: &str = "comma-separated key=value pairs, e.g. \
     service.name=my-agent,aws.log.group.names=/aws/bedrock-agentcore/runtimes/my-agent";

/// The baggage key AgentCore groups traces by; agent mode always copies it onto spans (ADOT).
const SESSION_ID_KEY: &str = "session.id";
/// How long dropping the guard may take when not set in code.
const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// See the module documentation.
pub(crate) fn resolve(builder: ConfigBuilder) -> Result<Config, ConfigError> {
    let ConfigBuilder {
        vars,
        dotenv,
        profile_region_lookup,
        overrides: o,
    } = builder;
    let vars_given = vars.is_some();
    let mut warnings = Vec::new();
    let src = Sources::load(vars, &dotenv, &mut warnings)?;
    warnings.extend(known::warnings(&src));

    // Mode switches.
    let sdk_disabled = bool_or(&src, o.sdk_disabled, "OTEL_SDK_DISABLED", false)?;
    let agent = bool_or(
        &src,
        o.agent_observability,
        "AGENT_OBSERVABILITY_ENABLED",
        false,
    )?;

    // Resource.
    let resource_attributes = resource_attributes(&src, &o)?;
    let service_name = o
        .service_name
        .clone()
        .or_else(|| src.get("OTEL_SERVICE_NAME").map(|s| s.trim().to_string()))
        .or_else(|| {
            resource_attributes
                .iter()
                .find(|(k, v)| k == "service.name" && !v.is_empty())
                .map(|(_, v)| v.clone())
        });

    // Region.
    let lookup = region::profile_lookup_allowed(profile_region_lookup, vars_given, &src);
    let region = region::resolve(o.region.as_deref(), &src, lookup, &mut warnings)?;

    // Exporters.
    let traces_exporters = match &o.traces_exporters {
        Some(e) => e.clone(),
        None => pipeline::span_exporters(&src)?,
    };
    let logs_exporters = match &o.logs_exporters {
        Some(e) => e.clone(),
        None => pipeline::log_exporters(&src)?,
    };
    let metrics_defaulted =
        o.metrics_exporters.is_none() && src.get("OTEL_METRICS_EXPORTER").is_none();
    let metrics_exporters = match &o.metrics_exporters {
        Some(e) => e.clone(),
        None => pipeline::metric_exporters(&src, agent)?,
    };

    // Endpoints, then the one cross-field rule: agent mode must know where traces and logs go.
    // gRPC endpoints have no `/v1/<signal>` path; a malformed protocol is reported in its turn
    // below, so here it only needs to be known which signals are gRPC.
    let protocols = otlp::protocols(&src, &o);
    let grpc_hint = protocols
        .as_ref()
        .map_or([Protocol::HttpProtobuf; 3], |p| *p);
    let endpoints = otlp::endpoints(&src, &o, agent, region.as_ref(), &grpc_hint)?;
    let [traces_ep, logs_ep, _] = &endpoints;
    let unresolved = |ep: &(String, EndpointSource)| ep.1 == EndpointSource::Default;
    let traces_need_region =
        traces_exporters.contains(&SpanExporterKind::Otlp) && unresolved(traces_ep);
    let logs_need_region = logs_exporters.contains(&LogExporterKind::Otlp) && unresolved(logs_ep);
    if agent && !sdk_disabled && region.is_none() && (traces_need_region || logs_need_region) {
        return Err(ConfigError::MissingRegion);
    }

    let headers = otlp::headers(&src, &mut warnings)?;
    let timeouts = otlp::timeouts(&src, &o, &mut warnings)?;
    let compressions = otlp::compressions(&src, &o, agent)?;
    let settings = zip3(
        zip3(zip3(zip3(endpoints, headers), timeouts), compressions),
        protocols?,
    );
    let [mut traces_otlp, mut logs_otlp, mut metrics_otlp] = settings.map(
        |((((endpoint, headers), timeout), compression), protocol)| OtlpSignalConfig {
            endpoint: endpoint.0,
            endpoint_source: endpoint.1,
            headers,
            timeout,
            compression,
            protocol,
            sigv4: None,
        },
    );

    // Pipeline.
    let sampler = match o.sampler {
        Some(s) => s,
        None => pipeline::sampler(&src, &mut warnings)?,
    };
    let traces_batch =
        pipeline::batch(&src, "OTEL_BSP", Duration::from_millis(5000), &mut warnings)?;
    let logs_batch = pipeline::batch(
        &src,
        "OTEL_BLRP",
        Duration::from_millis(1000),
        &mut warnings,
    )?;
    let export_interval = match o.metric_export_interval {
        Some(i) => i,
        None => pipeline::duration_or(
            &src,
            "OTEL_METRIC_EXPORT_INTERVAL",
            Duration::from_millis(60_000),
        )?,
    };
    let export_timeout = pipeline::duration_or(
        &src,
        "OTEL_METRIC_EXPORT_TIMEOUT",
        Duration::from_millis(30_000),
    )?;
    let temporality = pipeline::temporality(&src)?;
    let propagators = match &o.propagators {
        Some(p) => p.clone(),
        None => pipeline::propagators(&src, &mut warnings)?,
    };

    // Span processing and GenAI switches.
    let mut baggage_span_attribute_keys = dedup(
        src.get("OTEL_BAGGAGE_SPAN_ATTRIBUTE_KEYS")
            .map(parse::list)
            .unwrap_or_default(),
    );
    if agent
        && !baggage_span_attribute_keys
            .iter()
            .any(|k| k == SESSION_ID_KEY)
    {
        baggage_span_attribute_keys.push(SESSION_ID_KEY.to_string());
    }
    let content_extraction_opt_out =
        bool_or(&src, None, "AWS_GENAI_CONTENT_EXTRACTION_OPT_OUT", false)?;
    let (capture_message_content, content_destination) = content::capture(
        &src,
        o.capture_message_content,
        agent,
        content_extraction_opt_out,
    )?;
    let (capture_message_content, content_destination) = match o.content_destination {
        Some(destination) => (true, destination),
        None => (capture_message_content, content_destination),
    };
    let content_max_bytes = match o.content_max_bytes {
        Some(max) => max,
        None => content::max_bytes(&src)?,
    };
    let install_tracing_subscriber = match o.install_tracing_subscriber {
        Some(install) => install,
        None => content::tracing_subscriber(&src)?,
    };
    let redact_span_attributes = dedup(
        src.get("AWS_REDACT_SPAN_ATTRIBUTES")
            .map(parse::list)
            .unwrap_or_default(),
    );
    let sigv4_service = src.get("AWS_SIGV4_SERVICE").map(|s| s.trim().to_string());

    let cloudwatch = CloudWatchDestination {
        log_group: header_value(&logs_otlp, "x-aws-log-group"),
        log_stream: header_value(&logs_otlp, "x-aws-log-stream"),
        metric_namespace: header_value(&logs_otlp, "x-aws-metric-namespace"),
    };

    // AWS: signing, the CloudWatch Logs destination, EMF, credentials. Only signals that export
    // over OTLP are checked, so a console-only setup never needs a region or a log group.
    let exporting = [
        traces_exporters.contains(&SpanExporterKind::Otlp),
        logs_exporters.contains(&LogExporterKind::Otlp),
        metrics_exporters.contains(&MetricExporterKind::Otlp),
    ];
    let env_service = sigv4_service.as_deref();
    if !sdk_disabled {
        let signals = otlp::Signal::ALL
            .into_iter()
            .zip(exporting)
            .zip(&o.sigv4_service)
            .zip([&mut traces_otlp, &mut logs_otlp, &mut metrics_otlp]);
        for (((signal, exporting), code_service), signal_otlp) in signals {
            if !exporting {
                continue;
            }
            signal_otlp.sigv4 = aws::sigv4_target(
                signal_otlp,
                code_service.as_deref(),
                env_service,
                region.as_ref(),
            )?;
            otlp::check_grpc(&src, &o, signal, signal_otlp)?;
            if signal == otlp::Signal::Logs {
                aws::check_cloudwatch_logs(signal_otlp, &cloudwatch, &mut warnings)?;
            }
        }
    }
    let mut metrics_exporters = metrics_exporters;
    let emf = if metrics_exporters.contains(&MetricExporterKind::AwsEmf) && !sdk_disabled {
        match aws::emf_destination(&src, region.as_ref(), &cloudwatch) {
            Ok(destination) => Some(destination),
            // Agent mode picks awsemf by default; without a log group or region that default
            // cannot work, so it steps aside (as ADOT does) instead of failing a setup that only
            // meant to send traces and logs to a collector. An explicit awsemf is an error.
            Err(error) if metrics_defaulted => {
                warnings.push(ConfigWarning::new(
                    "OTEL_METRICS_EXPORTER",
                    format!("the agent-mode default `awsemf` is off: {error}"),
                ));
                metrics_exporters.retain(|k| *k != MetricExporterKind::AwsEmf);
                None
            }
            Err(error) => return Err(error),
        }
    } else {
        None
    };
    let aws_credentials = aws::static_credentials(&src, &mut warnings);

    // Resource detection (the platform variables are only validated for detectors that run).
    let resource_detection = crate::detection::resolve(&src, &o, agent, vars_given, &mut warnings)?;

    // One order for every run: by variable name, insertion order within a variable.
    warnings.sort_by(|a: &ConfigWarning, b: &ConfigWarning| a.variable.cmp(&b.variable));

    Ok(Config {
        sdk_disabled,
        agent_observability: agent,
        service_name,
        resource_attributes,
        region,
        traces: TracesConfig {
            exporters: traces_exporters,
            otlp: traces_otlp,
            batch: traces_batch,
            sampler,
        },
        logs: LogsConfig {
            exporters: logs_exporters,
            otlp: logs_otlp,
            batch: logs_batch,
        },
        metrics: MetricsConfig {
            exporters: metrics_exporters,
            otlp: metrics_otlp,
            export_interval,
            export_timeout,
            temporality,
            emf,
        },
        propagators,
        baggage_span_attribute_keys,
        sigv4_service,
        redact_span_attributes,
        capture_message_content,
        content_extraction_opt_out,
        content_destination,
        content_max_bytes,
        install_tracing_subscriber,
        cloudwatch,
        aws_credentials,
        resource_detection,
        shutdown_timeout: o.shutdown_timeout.unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT),
        warnings,
    })
}

/// A boolean: the value set in code, else the variable, else `default`.
fn bool_or(
    src: &Sources,
    code: Option<bool>,
    variable: &str,
    default: bool,
) -> Result<bool, ConfigError> {
    match (code, src.get(variable)) {
        (Some(b), _) => Ok(b),
        (None, Some(raw)) => parse::boolean(variable, raw),
        (None, None) => Ok(default),
    }
}

/// `OTEL_RESOURCE_ATTRIBUTES`, then the attributes set in code replacing the same key in place
/// or appended. A key repeated in the variable keeps its first position and its last value.
fn resource_attributes(src: &Sources, o: &Overrides) -> Result<Vec<(String, String)>, ConfigError> {
    const VAR: &str = "OTEL_RESOURCE_ATTRIBUTES";
    let from_env = match src.get(VAR) {
        Some(raw) => parse::key_values(raw).map_err(|()| invalid(VAR, raw, RESOURCE_EXPECTED))?,
        None => Vec::new(),
    };
    let mut attributes: Vec<(String, String)> = Vec::new();
    for (key, value) in from_env
        .into_iter()
        .chain(o.resource_attributes.iter().cloned())
    {
        match attributes.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => attributes.push((key, value)),
        }
    }
    Ok(attributes)
}

/// A CloudWatch destination header of the logs signal (case-insensitive name; empty = absent).
fn header_value(logs: &OtlpSignalConfig, name: &str) -> Option<String> {
    logs.header(name)
        .map(str::to_string)
        .filter(|v| !v.is_empty())
}

/// Two per-signal arrays (traces, logs, metrics) as one array of pairs.
fn zip3<A, B>([a0, a1, a2]: [A; 3], [b0, b1, b2]: [B; 3]) -> [(A, B); 3] {
    [(a0, b0), (a1, b1), (a2, b2)]
}
