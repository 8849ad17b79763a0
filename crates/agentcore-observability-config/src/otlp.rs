//! Per-signal OTLP settings: endpoint, headers, timeout, compression and protocol.
//!
//! Every setting follows the specification's layering: the signal's own variable, else the general
//! `OTEL_EXPORTER_OTLP_*` one, else the default. A value set in code replaces the variables it
//! stands for, which are then not read at all (not even validated).

use std::time::Duration;

use crate::aws;
use crate::builder::Overrides;
use crate::parse::{self, invalid};
use crate::source::Sources;
use crate::{
    Compression, ConfigError, ConfigWarning, EndpointSource, OtlpSignalConfig, Protocol, Region,
};

/// `expected` text of a header list without `=` (or with an empty key).
pub(crate) const HEADERS_EXPECTED: &str = "comma-separated key=value pairs, e.g. \
     x-aws-log-group=/aws/...,x-aws-log-stream=runtime-logs";
/// `expected` text of a header name that is not an HTTP token.
pub(crate) const HEADER_NAME_EXPECTED: &str = "comma-separated key=value pairs whose keys are \
     HTTP header names (letters, digits and !#$%&'*+-.^_`|~), e.g. x-aws-log-stream=runtime-logs";
/// `expected` text of a header value with control characters.
pub(crate) const HEADER_VALUE_EXPECTED: &str = "comma-separated key=value pairs whose values \
     (after percent-decoding) contain no control characters such as CR or LF";
/// `expected` text of a compression.
pub(crate) const COMPRESSION_EXPECTED: &str = "gzip or none";
/// `expected` text of a protocol.
pub(crate) const PROTOCOL_EXPECTED: &str = "http/protobuf, http/json or grpc";

/// The default export deadline (OTel specification and ADOT).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The OTLP/HTTP default collector address.
const DEFAULT_BASE: &str = "http://localhost:4318";
/// The OTLP/gRPC default collector address (used as is: gRPC has no per-signal URL path).
const DEFAULT_GRPC_ENDPOINT: &str = "http://localhost:4317";
/// Bare exporter timeouts below this are almost certainly seconds written for ADOT Python.
const SUSPICIOUS_BARE_TIMEOUT_MS: u64 = 100;

/// One OTLP signal: its name in variables, its URL path and its agent-mode AWS host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Traces,
    Logs,
    Metrics,
}

impl Signal {
    pub(crate) const ALL: [Signal; 3] = [Signal::Traces, Signal::Logs, Signal::Metrics];

    /// `traces`, `logs` or `metrics`.
    fn name(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Logs => "logs",
            Signal::Metrics => "metrics",
        }
    }

    fn upper(self) -> &'static str {
        match self {
            Signal::Traces => "TRACES",
            Signal::Logs => "LOGS",
            Signal::Metrics => "METRICS",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Signal::Traces => "v1/traces",
            Signal::Logs => "v1/logs",
            Signal::Metrics => "v1/metrics",
        }
    }

    /// The CloudWatch OTLP host prefix agent mode derives from the region. Metrics have none:
    /// ADOT sends agent-mode metrics as EMF, not OTLP.
    fn agent_host(self) -> Option<&'static str> {
        match self {
            Signal::Traces => Some("xray"),
            Signal::Logs => Some("logs"),
            Signal::Metrics => None,
        }
    }

    fn index(self) -> usize {
        match self {
            Signal::Traces => 0,
            Signal::Logs => 1,
            Signal::Metrics => 2,
        }
    }

    fn code_endpoint(self, o: &Overrides) -> Option<&String> {
        match self {
            Signal::Traces => o.traces_endpoint.as_ref(),
            Signal::Logs => o.logs_endpoint.as_ref(),
            Signal::Metrics => o.metrics_endpoint.as_ref(),
        }
    }
}

/// `OTEL_EXPORTER_OTLP_<SIGNAL>_<SETTING>`.
fn signal_var(signal: Signal, setting: &str) -> String {
    format!("OTEL_EXPORTER_OTLP_{}_{setting}", signal.upper())
}

/// A setting read in the deterministic order general, traces, logs, metrics: returns the general
/// value and the value for each signal (its own, else the general one), `None` where unset.
fn layered<T: Clone>(
    src: &Sources,
    setting: &str,
    mut parse: impl FnMut(&str, &str) -> Result<T, ConfigError>,
) -> Result<(Option<T>, [Option<T>; 3]), ConfigError> {
    let general_var = format!("OTEL_EXPORTER_OTLP_{setting}");
    let general = src
        .get(&general_var)
        .map(|v| parse(&general_var, v))
        .transpose()?;
    let mut out: [Option<T>; 3] = [None, None, None];
    for signal in Signal::ALL {
        let var = signal_var(signal, setting);
        let own = src.get(&var).map(|v| parse(&var, v)).transpose()?;
        if let Some(slot) = out.get_mut(signal.index()) {
            *slot = own.or_else(|| general.clone());
        }
    }
    Ok((general, out))
}

/// Where each signal is sent, in signal order. `protocols` are the signals' wire protocols: over
/// gRPC the base `OTEL_EXPORTER_OTLP_ENDPOINT` is used as is (no `/v1/<signal>` path) and the
/// default is `http://localhost:4317`, as the specification says.
pub(crate) fn endpoints(
    src: &Sources,
    o: &Overrides,
    agent: bool,
    region: Option<&Region>,
    protocols: &[Protocol; 3],
) -> Result<[(String, EndpointSource); 3], ConfigError> {
    let base = match &o.endpoint {
        Some(url) => Some(parse::endpoint("ConfigBuilder::endpoint", url)?),
        None => src
            .get("OTEL_EXPORTER_OTLP_ENDPOINT")
            .map(|v| parse::endpoint("OTEL_EXPORTER_OTLP_ENDPOINT", v))
            .transpose()?,
    };
    let one = |signal: Signal| -> Result<(String, EndpointSource), ConfigError> {
        let grpc = protocols.get(signal.index()) == Some(&Protocol::Grpc);
        if let Some(url) = signal.code_endpoint(o) {
            let method = format!("ConfigBuilder::{}_endpoint", signal.upper().to_lowercase());
            return Ok((parse::endpoint(&method, url)?, EndpointSource::Code));
        }
        let var = signal_var(signal, "ENDPOINT");
        if let Some(url) = src.get(&var) {
            return Ok((parse::endpoint(&var, url)?, EndpointSource::SignalVariable));
        }
        if let Some(base) = &base {
            let url = if grpc {
                base.clone()
            } else {
                with_path(base, signal.path())
            };
            return Ok((url, EndpointSource::BaseVariable));
        }
        if let (true, Some(region), Some(host)) = (agent, region, signal.agent_host()) {
            let url = format!(
                "https://{host}.{}.{}/{}",
                region.name,
                region.dns_suffix(),
                signal.path()
            );
            return Ok((url, EndpointSource::AgentModeRegion));
        }
        let url = if grpc {
            DEFAULT_GRPC_ENDPOINT.to_string()
        } else {
            with_path(DEFAULT_BASE, signal.path())
        };
        Ok((url, EndpointSource::Default))
    };
    Ok([
        one(Signal::Traces)?,
        one(Signal::Logs)?,
        one(Signal::Metrics)?,
    ])
}

/// `base` + `/` + `path`, without doubling the slash when the base already ends with one.
fn with_path(base: &str, path: &str) -> String {
    format!("{}/{path}", base.trim_end_matches('/'))
}

/// The headers of each signal: its own `*_HEADERS`, else `OTEL_EXPORTER_OTLP_HEADERS` (the
/// signal-specific variable replaces the general one, it is not merged).
pub(crate) fn headers(
    src: &Sources,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<[Vec<(String, String)>; 3], ConfigError> {
    let (general, [t, l, m]) = layered(src, "HEADERS", header_list)?;
    let general_has_auth = general.is_some_and(|h| {
        h.iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
    });
    if general_has_auth {
        warnings.push(ConfigWarning::new(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "an Authorization header here is sent by every signal without its own headers but \
             does not switch SigV4 signing off; put it in OTEL_EXPORTER_OTLP_<SIGNAL>_HEADERS \
             to use it instead of SigV4 for that signal",
        ));
    }
    Ok([
        t.unwrap_or_default(),
        l.unwrap_or_default(),
        m.unwrap_or_default(),
    ])
}

/// `k=v,k2=v2` as HTTP headers. Errors show the list with the header values masked: headers
/// often carry credentials, and error messages end up in logs.
fn header_list(variable: &str, raw: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let fail = |expected: &str| invalid(variable, &mask_header_values(raw), expected);
    let pairs = parse::key_values(raw).map_err(|()| fail(HEADERS_EXPECTED))?;
    for (name, value) in &pairs {
        if !parse::is_header_name(name) {
            return Err(fail(HEADER_NAME_EXPECTED));
        }
        if !parse::is_header_value(value) {
            return Err(fail(HEADER_VALUE_EXPECTED));
        }
    }
    Ok(pairs)
}

/// `a=secret,broken` → `a=***,broken`: keys and malformed entries stay visible, values do not.
fn mask_header_values(raw: &str) -> String {
    raw.split(',')
        .map(|entry| match entry.split_once('=') {
            Some((key, value)) if !value.trim().is_empty() => format!("{key}=***"),
            _ => entry.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The export deadline of each signal. A bare number is milliseconds (OTel specification); a small
/// one gets a warning because ADOT Python reads the same variable in seconds.
pub(crate) fn timeouts(
    src: &Sources,
    o: &Overrides,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<[Duration; 3], ConfigError> {
    if let Some(t) = o.timeout {
        return Ok([t; 3]);
    }
    let (_, [t, l, m]) = layered(src, "TIMEOUT", |var, raw| {
        let parsed = parse::duration(var, raw)?;
        if let Some(n) = parsed.bare.filter(|n| *n < SUSPICIOUS_BARE_TIMEOUT_MS) {
            warnings.push(ConfigWarning::new(
                var,
                format!(
                    "{n} is read as {n} ms per the OpenTelemetry specification (ADOT Python \
                     reads seconds); write {n}s if you meant seconds"
                ),
            ));
        }
        Ok(parsed.value)
    })?;
    Ok([t, l, m].map(|d| d.unwrap_or(DEFAULT_TIMEOUT)))
}

/// Request compression of each signal. Agent mode defaults to gzip for every signal (CloudWatch
/// accepts it; ADOT forces it on logs only); otherwise `none`, the specification's default.
pub(crate) fn compressions(
    src: &Sources,
    o: &Overrides,
    agent: bool,
) -> Result<[Compression; 3], ConfigError> {
    if let Some(c) = o.compression {
        return Ok([c; 3]);
    }
    let default = if agent {
        Compression::Gzip
    } else {
        Compression::None
    };
    let (_, parsed) = layered(src, "COMPRESSION", |var, raw| {
        match raw.trim().to_ascii_lowercase().as_str() {
            "gzip" => Ok(Compression::Gzip),
            "none" => Ok(Compression::None),
            _ => Err(invalid(var, raw, COMPRESSION_EXPECTED)),
        }
    })?;
    Ok(parsed.map(|c| c.unwrap_or(default)))
}

/// Wire protocol of each signal (default `http/protobuf`, as ADOT sets it).
pub(crate) fn protocols(src: &Sources, o: &Overrides) -> Result<[Protocol; 3], ConfigError> {
    if let Some(p) = o.protocol {
        return Ok([p; 3]);
    }
    let (_, parsed) = layered(src, "PROTOCOL", |var, raw| {
        match raw.trim().to_ascii_lowercase().as_str() {
            "http/protobuf" => Ok(Protocol::HttpProtobuf),
            "http/json" => Ok(Protocol::HttpJson),
            "grpc" => Ok(Protocol::Grpc),
            _ => Err(invalid(var, raw, PROTOCOL_EXPECTED)),
        }
    })?;
    Ok(parsed.map(|p| p.unwrap_or(Protocol::HttpProtobuf)))
}

/// The variable (or builder method) that chose the protocol of `signal`, and its value as written.
fn protocol_origin(src: &Sources, o: &Overrides, signal: Signal) -> (String, String) {
    if let Some(protocol) = o.protocol {
        return ("ConfigBuilder::protocol".to_string(), protocol.to_string());
    }
    let general = "OTEL_EXPORTER_OTLP_PROTOCOL".to_string();
    for var in [signal_var(signal, "PROTOCOL"), general.clone()] {
        if let Some(value) = src.get(&var) {
            return (var, value.to_string());
        }
    }
    // Not reached for gRPC (the default is http/protobuf); name the general variable anyway.
    (general, Protocol::Grpc.to_string())
}

/// OTLP over gRPC only where the endpoint speaks it: the CloudWatch OTLP endpoints accept
/// OTLP/HTTP only, and SigV4 signing covers the HTTP request body, so a signal that is signed (for
/// any endpoint) or addressed to a CloudWatch OTLP host cannot use gRPC. Call after the signal's
/// `sigv4` target is set.
pub(crate) fn check_grpc(
    src: &Sources,
    o: &Overrides,
    signal: Signal,
    otlp: &OtlpSignalConfig,
) -> Result<(), ConfigError> {
    if otlp.protocol != Protocol::Grpc {
        return Ok(());
    }
    let reason = if aws::names_cloudwatch_otlp_host(&otlp.endpoint) {
        "the CloudWatch OTLP endpoints accept OTLP over HTTP only".to_string()
    } else if let Some(target) = &otlp.sigv4 {
        format!(
            "SigV4 signing (service {}) is implemented for OTLP over HTTP only",
            target.service
        )
    } else {
        return Ok(());
    };
    let (variable, value) = protocol_origin(src, o, signal);
    Err(ConfigError::GrpcNotSupported {
        variable,
        value,
        signal: signal.name().to_string(),
        endpoint: otlp.endpoint.clone(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_joining() {
        assert_eq!(
            with_path("http://c:4318", "v1/logs"),
            "http://c:4318/v1/logs"
        );
        assert_eq!(
            with_path("http://c:4318/", "v1/logs"),
            "http://c:4318/v1/logs"
        );
        assert_eq!(
            with_path("http://c/otlp/", "v1/traces"),
            "http://c/otlp/v1/traces"
        );
    }

    #[test]
    fn masking() {
        assert_eq!(
            mask_header_values("Authorization=Bearer x, x-a=1,broken,empty="),
            "Authorization=***, x-a=***,broken,empty="
        );
    }

    #[test]
    fn signal_replaces_general() {
        let src = Sources::from_pairs(&[
            ("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2"),
            ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "c=3"),
        ]);
        let [t, l, m] = headers(&src, &mut Vec::new()).unwrap();
        assert_eq!(t, vec![("a".into(), "1".into()), ("b".into(), "2".into())]);
        assert_eq!(l, vec![("c".into(), "3".into())]);
        assert_eq!(m, t);
    }
}
