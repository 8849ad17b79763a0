//! Errors and warnings produced while reading the configuration.

use std::fmt;
use std::path::PathBuf;

/// A configuration value that cannot be used. Every variant names the variable (or file), the value
/// found and the form that is accepted, so the message alone tells the user what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A variable holds a value of the wrong form.
    #[error("{variable}={value:?} is invalid: expected {expected}")]
    InvalidValue {
        /// The environment variable (or builder method) that held the value.
        variable: String,
        /// The value as found.
        value: String,
        /// The accepted form, e.g. `a duration in milliseconds such as 10000, or with a unit: 10s, 500ms`.
        expected: String,
    },
    /// Agent mode needs a region to derive the CloudWatch endpoints and none was found.
    #[error(
        "AGENT_OBSERVABILITY_ENABLED=true needs an AWS region to derive the CloudWatch OTLP endpoints: \
         set AWS_REGION (or AWS_DEFAULT_REGION, or `region` in the AWS profile), \
         or point OTEL_EXPORTER_OTLP_ENDPOINT at your own collector"
    )]
    MissingRegion,
    /// Something that must be signed or addressed per region has no region.
    #[error(
        "{what} needs an AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or `region` in the AWS profile)"
    )]
    RegionRequired {
        /// What needs it, e.g. `AWS_SIGV4_SERVICE=xray` or `OTEL_METRICS_EXPORTER=awsemf`.
        what: String,
    },
    /// Logs (or EMF metrics) go to CloudWatch but the log group or stream is not named.
    #[error(
        "{what} needs x-aws-log-group and x-aws-log-stream in OTEL_EXPORTER_OTLP_LOGS_HEADERS, e.g. \
         OTEL_EXPORTER_OTLP_LOGS_HEADERS=x-aws-log-group=/aws/bedrock-agentcore/runtimes/my-agent,x-aws-log-stream=runtime-logs \
         (missing: {missing}); the CloudWatch OTLP logs endpoint also needs both to exist already"
    )]
    MissingLogDestination {
        /// What needs them, e.g. `logs to https://logs.us-east-1.amazonaws.com/v1/logs`.
        what: String,
        /// `x-aws-log-group`, `x-aws-log-stream` or both.
        missing: String,
    },
    /// OTLP over gRPC was chosen for a signal whose endpoint speaks OTLP/HTTP only: a CloudWatch
    /// OTLP endpoint, or any SigV4-signed endpoint (signing covers the HTTP request body).
    #[error(
        "{variable}={value:?} selects OTLP over gRPC for {signal}, but {reason} \
         (endpoint {endpoint}): use http/protobuf for this signal"
    )]
    GrpcNotSupported {
        /// The variable (or builder method) that chose gRPC, e.g. `OTEL_EXPORTER_OTLP_PROTOCOL`.
        variable: String,
        /// Its value as written.
        value: String,
        /// `traces`, `logs` or `metrics`.
        signal: String,
        /// The signal's endpoint.
        endpoint: String,
        /// Why gRPC cannot be used there.
        reason: String,
    },
    /// The `.env` file exists but cannot be read or parsed.
    #[error(".env file {path}: {message}")]
    DotEnv {
        /// The file that was read.
        path: PathBuf,
        /// What went wrong (dotenvy's message, including the line).
        message: String,
    },
}

/// Something harmless but probably unintended, found while reading the configuration.
/// `init()` logs each warning once; tests can read them from [`Config::warnings`](crate::Config::warnings).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigWarning {
    /// The variable concerned.
    pub variable: String,
    /// What was noticed and what was done about it.
    pub message: String,
}

impl ConfigWarning {
    /// A warning about `variable`.
    pub fn new(variable: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            variable: variable.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}
