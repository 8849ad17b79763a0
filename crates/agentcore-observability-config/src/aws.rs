//! The AWS side of the configuration: which signals are SigV4-signed and for what, the CloudWatch
//! log destination they need, static credentials, and where `awsemf` metrics go.

use crate::parse::{self, invalid};
use crate::source::Sources;
use crate::{
    CloudWatchDestination, Compression, ConfigError, ConfigWarning, EmfDestination,
    OtlpSignalConfig, Region, SigV4Source, SigV4Target, StaticCredentials,
};

/// The EMF namespace when `x-aws-metric-namespace` is absent (ADOT would emit `null`).
pub(crate) const DEFAULT_EMF_NAMESPACE: &str = "bedrock-agentcore";

/// `expected` text of a signing service name.
const SERVICE_EXPECTED: &str = "a SigV4 service name such as xray, logs or monitoring";

/// How one signal is signed. `code` is the service set with the builder, `env` the
/// `AWS_SIGV4_SERVICE` value.
///
/// Order: the signal's own `Authorization` header means it authenticates itself (ADOT's bearer
/// mode); a service set in code wins; a CloudWatch OTLP URL is signed for the service and region of
/// its host (as ADOT); any other URL is signed only when `AWS_SIGV4_SERVICE` names a service.
pub(crate) fn sigv4_target(
    otlp: &OtlpSignalConfig,
    code: Option<&str>,
    env: Option<&str>,
    region: Option<&Region>,
) -> Result<Option<SigV4Target>, ConfigError> {
    if otlp.header("authorization").is_some() {
        return Ok(None);
    }
    let named = |variable: &str, service: &str, source| -> Result<SigV4Target, ConfigError> {
        let service = service.trim();
        let valid = !service.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(invalid(variable, service, SERVICE_EXPECTED));
        }
        let region = region.ok_or_else(|| ConfigError::RegionRequired {
            what: format!("signing {} with {variable}={service}", otlp.endpoint),
        })?;
        Ok(SigV4Target {
            service: service.to_string(),
            region: region.name.clone(),
            source,
        })
    };
    if let Some(service) = code {
        return named("ConfigBuilder::sigv4_service", service, SigV4Source::Code).map(Some);
    }
    if let Some(aws) = otlp.aws_endpoint() {
        return Ok(Some(SigV4Target {
            service: aws.service.to_string(),
            region: aws.region,
            source: SigV4Source::AwsEndpoint,
        }));
    }
    env.map(|service| named("AWS_SIGV4_SERVICE", service, SigV4Source::Variable))
        .transpose()
}

/// Whether `url`'s host is a CloudWatch OTLP host (`xray.`, `logs.` or `monitoring.<region>.amazonaws.com[.cn]`),
/// whatever its path, recognised as [`AwsEndpoint::parse`](crate::AwsEndpoint::parse) does.
pub(crate) fn names_cloudwatch_otlp_host(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().and_then(crate::AwsEndpoint::from_host))
        .is_some()
}

/// Logs signed for CloudWatch Logs need the group and stream headers (the endpoint answers 400/403
/// without them) and are always gzipped, as ADOT does.
pub(crate) fn check_cloudwatch_logs(
    logs: &mut OtlpSignalConfig,
    destination: &CloudWatchDestination,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<(), ConfigError> {
    let Some(target) = &logs.sigv4 else {
        return Ok(());
    };
    if target.service != "logs" {
        return Ok(());
    }
    require_log_destination(&format!("logs to {}", logs.endpoint), destination)?;
    if logs.compression != Compression::Gzip {
        warnings.push(ConfigWarning::new(
            "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION",
            "logs to CloudWatch Logs are always gzipped (as ADOT does); `none` was overridden",
        ));
        logs.compression = Compression::Gzip;
    }
    Ok(())
}

fn require_log_destination(
    what: &str,
    destination: &CloudWatchDestination,
) -> Result<(String, String), ConfigError> {
    match (&destination.log_group, &destination.log_stream) {
        (Some(group), Some(stream)) => Ok((group.clone(), stream.clone())),
        (group, stream) => {
            let missing = match (group, stream) {
                (None, None) => "x-aws-log-group and x-aws-log-stream",
                (None, _) => "x-aws-log-group",
                _ => "x-aws-log-stream",
            };
            Err(ConfigError::MissingLogDestination {
                what: what.to_string(),
                missing: missing.to_string(),
            })
        }
    }
}

/// Where `awsemf` writes: the logs destination, the namespace, and the CloudWatch Logs API URL.
pub(crate) fn emf_destination(
    src: &Sources,
    region: Option<&Region>,
    destination: &CloudWatchDestination,
) -> Result<EmfDestination, ConfigError> {
    let what = "OTEL_METRICS_EXPORTER=awsemf";
    let (log_group, log_stream) = require_log_destination(what, destination)?;
    let region = region.ok_or_else(|| ConfigError::RegionRequired {
        what: what.to_string(),
    })?;
    let endpoint = match ["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL"]
        .into_iter()
        .find_map(|var| src.get(var).map(|value| (var, value)))
    {
        Some((var, value)) => parse::endpoint(var, value)?,
        None => format!("https://logs.{}.{}", region.name, region.dns_suffix()),
    };
    Ok(EmfDestination {
        endpoint,
        region: region.name.clone(),
        log_group,
        log_stream,
        namespace: destination
            .metric_namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_EMF_NAMESPACE.to_string()),
    })
}

/// Static credentials from the sources. Only a complete key pair counts; half a pair is a warning
/// (aws-config's default chain is used then, as with none).
pub(crate) fn static_credentials(
    src: &Sources,
    warnings: &mut Vec<ConfigWarning>,
) -> Option<StaticCredentials> {
    let get = |name| src.get(name).map(|v| v.trim().to_string());
    match (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")) {
        (Some(access_key_id), Some(secret_access_key)) => Some(StaticCredentials {
            access_key_id,
            secret_access_key,
            session_token: get("AWS_SESSION_TOKEN"),
        }),
        (Some(_), None) | (None, Some(_)) => {
            warnings.push(ConfigWarning::new(
                "AWS_ACCESS_KEY_ID",
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together; \
                 ignoring them and using the default credential chain",
            ));
            None
        }
        (None, None) => None,
    }
}
