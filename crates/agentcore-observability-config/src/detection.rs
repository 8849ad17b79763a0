//! AWS resource detection: which detectors `init()` runs, how long it may wait for them, and the
//! platform variables each one needs (read here, like every other variable, so that the facade never
//! looks at the process environment and tests can point every endpoint at a loopback stand-in).

use std::fmt;
use std::time::Duration;

use crate::builder::Overrides;
use crate::parse::{self, dedup, invalid};
use crate::source::Sources;
use crate::{ConfigError, ConfigWarning};

/// How long `init()` waits for resource detection when nothing else is configured.
pub const DEFAULT_RESOURCE_DETECTION_TIMEOUT: Duration = Duration::from_millis(500);
/// The longest wait `AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT` may ask for; larger values
/// are clamped to it with a warning (start-up should never hang on a metadata service).
pub const MAX_RESOURCE_DETECTION_TIMEOUT: Duration = Duration::from_secs(5);
/// The EC2 instance metadata service (IMDS) over IPv4, as the AWS SDKs use it.
pub const DEFAULT_IMDS_ENDPOINT: &str = "http://169.254.169.254";
/// The EC2 instance metadata service over IPv6 (`AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`).
pub const DEFAULT_IMDS_IPV6_ENDPOINT: &str = "http://[fd00:ec2::254]";

/// `expected` text of `AGENT_OBSERVABILITY_RESOURCE_DETECTORS`.
pub(crate) const DETECTORS_EXPECTED: &str =
    "all, none, or a comma-separated list of ec2, ecs, eks, lambda, e.g. ecs,ec2";
/// `expected` text of `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`.
pub(crate) const ENDPOINT_MODE_EXPECTED: &str = "IPv4 or IPv6";

const DETECTORS_VAR: &str = "AGENT_OBSERVABILITY_RESOURCE_DETECTORS";
const TIMEOUT_VAR: &str = "AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT";
const IMDS_DISABLED_VAR: &str = "AWS_EC2_METADATA_DISABLED";
const IMDS_ENDPOINT_VAR: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
const IMDS_ENDPOINT_MODE_VAR: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";
const ECS_URI_VAR: &str = "ECS_CONTAINER_METADATA_URI_V4";
const K8S_HOST_VAR: &str = "KUBERNETES_SERVICE_HOST";
const K8S_PORT_VAR: &str = "KUBERNETES_SERVICE_PORT";
const LAMBDA_NAME_VAR: &str = "AWS_LAMBDA_FUNCTION_NAME";
const LAMBDA_MEMORY_VAR: &str = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";

/// One AWS platform whose resource attributes `init()` can detect
/// (`AGENT_OBSERVABILITY_RESOURCE_DETECTORS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ResourceDetector {
    /// `ec2`: the EC2 instance metadata service (IMDSv2): `cloud.*`, `host.*`.
    Ec2,
    /// `ecs`: the ECS task metadata endpoint v4 (`ECS_CONTAINER_METADATA_URI_V4`): `aws.ecs.*`,
    /// `container.*`, `aws.log.*`.
    Ecs,
    /// `eks`: the Kubernetes API of an EKS cluster (`KUBERNETES_SERVICE_HOST` and the pod's
    /// service-account token): `k8s.cluster.name`, `container.id`.
    Eks,
    /// `lambda`: the Lambda runtime's variables (`AWS_LAMBDA_FUNCTION_NAME`, …): `faas.*`.
    Lambda,
}

impl ResourceDetector {
    /// Every detector, in the order `all` lists them.
    pub const ALL: [ResourceDetector; 4] = [
        ResourceDetector::Ec2,
        ResourceDetector::Ecs,
        ResourceDetector::Eks,
        ResourceDetector::Lambda,
    ];

    /// The name used in `AGENT_OBSERVABILITY_RESOURCE_DETECTORS`: `ec2`, `ecs`, `eks`, `lambda`.
    pub fn name(self) -> &'static str {
        match self {
            ResourceDetector::Ec2 => "ec2",
            ResourceDetector::Ecs => "ecs",
            ResourceDetector::Eks => "eks",
            ResourceDetector::Lambda => "lambda",
        }
    }

    /// The `cloud.platform` value a successful detection reports: `aws_ec2`, `aws_ecs`,
    /// `aws_eks`, `aws_lambda`.
    pub fn cloud_platform(self) -> &'static str {
        match self {
            ResourceDetector::Ec2 => "aws_ec2",
            ResourceDetector::Ecs => "aws_ecs",
            ResourceDetector::Eks => "aws_eks",
            ResourceDetector::Lambda => "aws_lambda",
        }
    }
}

impl fmt::Display for ResourceDetector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Resource detection settings: which detectors run, the bound on `init()`'s wait, and what each
/// detector reads. Every value comes from the configuration sources (code, environment or the map
/// given to [`ConfigBuilder::vars`](crate::ConfigBuilder::vars), `.env`), never from the process
/// environment behind the configuration's back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceDetection {
    /// The detectors to run (`AGENT_OBSERVABILITY_RESOURCE_DETECTORS` or
    /// [`ConfigBuilder::resource_detectors`](crate::ConfigBuilder::resource_detectors)). Default:
    /// none in agent mode (as ADOT), all four otherwise, except that `ec2` is left out when the
    /// configuration was read from a [`vars`](crate::ConfigBuilder::vars) map that does not name
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT` (so tests never probe the real IMDS address). Empty
    /// means no detection.
    pub detectors: Vec<ResourceDetector>,
    /// The longest `init()` waits for the detectors together
    /// (`AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT`; default 500 ms, at most 5 s). A detector
    /// that has not answered by then is abandoned.
    pub timeout: Duration,
    /// `AWS_EC2_METADATA_DISABLED=true` (any case, as the AWS SDKs read it): the EC2 detector
    /// makes no request.
    pub ec2_metadata_disabled: bool,
    /// The IMDS base URL set by `AWS_EC2_METADATA_SERVICE_ENDPOINT`, or by
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6` (`http://[fd00:ec2::254]`), read only when the
    /// EC2 detector runs. `None` means the default `http://169.254.169.254`; only then does the EC2
    /// detector first check whether the machine looks like an EC2 instance at all (see
    /// [`imds_endpoint`](Self::imds_endpoint)).
    pub ec2_metadata_endpoint: Option<String>,
    /// `ECS_CONTAINER_METADATA_URI_V4`, set by the ECS agent in every task's containers; read
    /// (and validated) only when the ECS detector runs.
    pub ecs_metadata_uri: Option<String>,
    /// The Lambda runtime's variables, when `AWS_LAMBDA_FUNCTION_NAME` is set; read only when the
    /// Lambda detector runs.
    pub lambda: Option<LambdaEnvironment>,
    /// The Kubernetes API service, when `KUBERNETES_SERVICE_HOST` is set (as in every pod); read
    /// only when the EKS detector runs.
    pub kubernetes: Option<KubernetesService>,
}

impl Default for ResourceDetection {
    /// No detector, the default timeout, no platform variables.
    fn default() -> Self {
        Self {
            detectors: Vec::new(),
            timeout: DEFAULT_RESOURCE_DETECTION_TIMEOUT,
            ec2_metadata_disabled: false,
            ec2_metadata_endpoint: None,
            ecs_metadata_uri: None,
            lambda: None,
            kubernetes: None,
        }
    }
}

impl ResourceDetection {
    /// Whether `detector` is selected.
    pub fn runs(&self, detector: ResourceDetector) -> bool {
        self.detectors.contains(&detector)
    }

    /// The IMDS base URL the EC2 detector calls: [`ec2_metadata_endpoint`](Self::ec2_metadata_endpoint),
    /// else [`DEFAULT_IMDS_ENDPOINT`].
    pub fn imds_endpoint(&self) -> &str {
        self.ec2_metadata_endpoint
            .as_deref()
            .unwrap_or(DEFAULT_IMDS_ENDPOINT)
    }
}

/// The variables the Lambda runtime sets in every function's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LambdaEnvironment {
    /// `AWS_LAMBDA_FUNCTION_NAME` (`faas.name`).
    pub function_name: String,
    /// `AWS_LAMBDA_FUNCTION_VERSION` (`faas.version`), e.g. `$LATEST`.
    pub function_version: Option<String>,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` in MB (`faas.max_memory`, reported in bytes).
    pub memory_size_mb: Option<u64>,
    /// `AWS_LAMBDA_LOG_GROUP_NAME` (`aws.log.group.names`).
    pub log_group_name: Option<String>,
    /// `AWS_LAMBDA_LOG_STREAM_NAME` (`faas.instance`).
    pub log_stream_name: Option<String>,
}

impl LambdaEnvironment {
    /// The environment of a function named `function_name`, with no other variable set.
    pub fn new(function_name: impl Into<String>) -> Self {
        Self {
            function_name: function_name.into(),
            function_version: None,
            memory_size_mb: None,
            log_group_name: None,
            log_stream_name: None,
        }
    }
}

/// The in-cluster Kubernetes API service (`KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KubernetesService {
    /// `KUBERNETES_SERVICE_HOST`: an IP address (IPv6 without brackets) or a host name.
    pub host: String,
    /// `KUBERNETES_SERVICE_PORT` (default 443).
    pub port: u16,
}

impl KubernetesService {
    /// The service at `host:port`.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
        }
    }

    /// `https://<host>:<port>`, with an IPv6 address in brackets.
    pub fn base_url(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("https://[{}]:{}", self.host, self.port)
        } else {
            format!("https://{}:{}", self.host, self.port)
        }
    }
}

/// Reads the resource detection settings. `vars_given`: the sources are a map given to
/// `ConfigBuilder::vars` (then `ec2` is only a default when that map names an IMDS endpoint).
pub(crate) fn resolve(
    src: &Sources,
    o: &Overrides,
    agent: bool,
    vars_given: bool,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<ResourceDetection, ConfigError> {
    let explicit_endpoint = src.contains(IMDS_ENDPOINT_VAR);
    let detectors = match &o.resource_detectors {
        Some(detectors) => dedup(detectors.iter().copied()),
        None => match detectors(src)? {
            Some(detectors) => detectors,
            None if agent => Vec::new(),
            None if vars_given && !explicit_endpoint => ResourceDetector::ALL
                .into_iter()
                .filter(|d| *d != ResourceDetector::Ec2)
                .collect(),
            None => ResourceDetector::ALL.to_vec(),
        },
    };
    let timeout = match o.resource_detection_timeout {
        Some(timeout) => clamp_timeout(
            timeout,
            "ConfigBuilder::resource_detection_timeout",
            warnings,
        ),
        None => match src.get(TIMEOUT_VAR) {
            Some(raw) => clamp_timeout(
                parse::duration(TIMEOUT_VAR, raw)?.value,
                TIMEOUT_VAR,
                warnings,
            ),
            None => DEFAULT_RESOURCE_DETECTION_TIMEOUT,
        },
    };
    // The AWS SDKs' rule: only `true` (any case) disables IMDS; anything else leaves it on.
    let ec2_metadata_disabled = src
        .get(IMDS_DISABLED_VAR)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));

    // Platform variables are only read (validated, warned about) when their detector runs: a
    // value nobody reads must not fail the configuration.
    let runs = |detector| detectors.contains(&detector);
    let ec2_metadata_endpoint = if runs(ResourceDetector::Ec2) {
        imds_endpoint(src)?
    } else {
        None
    };
    let ecs_metadata_uri = match src.get(ECS_URI_VAR) {
        Some(raw) if runs(ResourceDetector::Ecs) => Some(
            parse::endpoint(ECS_URI_VAR, raw)?
                .trim_end_matches('/')
                .to_string(),
        ),
        _ => None,
    };
    let lambda = if runs(ResourceDetector::Lambda) {
        lambda_environment(src, warnings)
    } else {
        None
    };
    let kubernetes = if runs(ResourceDetector::Eks) {
        kubernetes_service(src, warnings)
    } else {
        None
    };

    Ok(ResourceDetection {
        detectors,
        timeout,
        ec2_metadata_disabled,
        ec2_metadata_endpoint,
        ecs_metadata_uri,
        lambda,
        kubernetes,
    })
}

/// `AGENT_OBSERVABILITY_RESOURCE_DETECTORS`: `Ok(None)` when unset (or only commas).
fn detectors(src: &Sources) -> Result<Option<Vec<ResourceDetector>>, ConfigError> {
    let Some(raw) = src.get(DETECTORS_VAR) else {
        return Ok(None);
    };
    let items: Vec<String> = parse::list(raw)
        .into_iter()
        .map(|item| item.to_ascii_lowercase())
        .collect();
    if items.is_empty() {
        return Ok(None);
    }
    // `all` and `none` stand alone (repeats of the same word are fine).
    for word in ["all", "none"] {
        if items.iter().any(|i| i == word) {
            return if items.iter().all(|i| i == word) {
                Ok(Some(if word == "all" {
                    ResourceDetector::ALL.to_vec()
                } else {
                    Vec::new()
                }))
            } else {
                Err(invalid(DETECTORS_VAR, raw, DETECTORS_EXPECTED))
            };
        }
    }
    let mut out = Vec::new();
    for item in &items {
        let detector = ResourceDetector::ALL
            .into_iter()
            .find(|d| d.name() == item)
            .ok_or_else(|| invalid(DETECTORS_VAR, raw, DETECTORS_EXPECTED))?;
        out.push(detector);
    }
    Ok(Some(dedup(out)))
}

/// At most [`MAX_RESOURCE_DETECTION_TIMEOUT`] (with a warning naming `source`); zero from code
/// becomes the smallest useful wait, 1 ms (the variable rejects zero like every duration).
fn clamp_timeout(timeout: Duration, source: &str, warnings: &mut Vec<ConfigWarning>) -> Duration {
    if timeout > MAX_RESOURCE_DETECTION_TIMEOUT {
        warnings.push(ConfigWarning::new(
            source,
            format!(
                "{} ms is more than init() may wait for resource detection; {} ms is used",
                timeout.as_millis(),
                MAX_RESOURCE_DETECTION_TIMEOUT.as_millis()
            ),
        ));
        MAX_RESOURCE_DETECTION_TIMEOUT
    } else {
        timeout.max(Duration::from_millis(1))
    }
}

/// `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else the IPv6 address when
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`, else `None` (the IPv4 default). The endpoint wins
/// over the mode, as in the AWS SDKs.
fn imds_endpoint(src: &Sources) -> Result<Option<String>, ConfigError> {
    if let Some(raw) = src.get(IMDS_ENDPOINT_VAR) {
        let url = parse::endpoint(IMDS_ENDPOINT_VAR, raw)?;
        return Ok(Some(url.trim_end_matches('/').to_string()));
    }
    match src.get(IMDS_ENDPOINT_MODE_VAR).map(str::trim) {
        None => Ok(None),
        Some(mode) if mode.eq_ignore_ascii_case("ipv4") => Ok(None),
        Some(mode) if mode.eq_ignore_ascii_case("ipv6") => {
            Ok(Some(DEFAULT_IMDS_IPV6_ENDPOINT.to_string()))
        }
        Some(_) => {
            let raw = src.get(IMDS_ENDPOINT_MODE_VAR).unwrap_or_default();
            Err(invalid(IMDS_ENDPOINT_MODE_VAR, raw, ENDPOINT_MODE_EXPECTED))
        }
    }
}

/// The Lambda runtime's variables, when `AWS_LAMBDA_FUNCTION_NAME` is set. They are set by the
/// platform, so a malformed memory size is a warning (and no `faas.max_memory`), not an error.
fn lambda_environment(
    src: &Sources,
    warnings: &mut Vec<ConfigWarning>,
) -> Option<LambdaEnvironment> {
    let text = |name: &str| src.get(name).map(|v| v.trim().to_string());
    let function_name = text(LAMBDA_NAME_VAR)?;
    let memory_size_mb =
        src.get(LAMBDA_MEMORY_VAR)
            .and_then(|raw| match raw.trim().parse::<u64>() {
                Ok(mb) => Some(mb),
                Err(_) => {
                    warnings.push(ConfigWarning::new(
                        LAMBDA_MEMORY_VAR,
                        "not a number of megabytes; faas.max_memory is left out",
                    ));
                    None
                }
            });
    Some(LambdaEnvironment {
        function_name,
        function_version: text("AWS_LAMBDA_FUNCTION_VERSION"),
        memory_size_mb,
        log_group_name: text("AWS_LAMBDA_LOG_GROUP_NAME"),
        log_stream_name: text("AWS_LAMBDA_LOG_STREAM_NAME"),
    })
}

/// `KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT` (default 443; a malformed port, set by
/// the platform, is a warning and 443 is used).
fn kubernetes_service(
    src: &Sources,
    warnings: &mut Vec<ConfigWarning>,
) -> Option<KubernetesService> {
    let host = src.get(K8S_HOST_VAR)?.trim().to_string();
    let port = match src.get(K8S_PORT_VAR) {
        None => 443,
        Some(raw) => match raw.trim().parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ => {
                warnings.push(ConfigWarning::new(
                    K8S_PORT_VAR,
                    "not a TCP port; 443 is used",
                ));
                443
            }
        },
    };
    Some(KubernetesService { host, port })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResourceDetector::{Ec2, Ecs, Eks, Lambda};

    fn resolve_pairs(
        pairs: &[(&str, &str)],
        agent: bool,
        vars_given: bool,
    ) -> Result<(ResourceDetection, Vec<ConfigWarning>), ConfigError> {
        let src = Sources::from_pairs(pairs);
        let mut warnings = Vec::new();
        let detection = resolve(
            &src,
            &Overrides::default(),
            agent,
            vars_given,
            &mut warnings,
        )?;
        Ok((detection, warnings))
    }

    fn detectors_of(pairs: &[(&str, &str)], agent: bool) -> Vec<ResourceDetector> {
        resolve_pairs(pairs, agent, false).unwrap().0.detectors
    }

    #[test]
    fn defaults_follow_the_mode() {
        assert_eq!(detectors_of(&[], false), vec![Ec2, Ecs, Eks, Lambda]);
        assert_eq!(detectors_of(&[], true), Vec::<ResourceDetector>::new());
        // A vars map without an IMDS endpoint never probes the real IMDS address by default.
        let (d, _) = resolve_pairs(&[], false, true).unwrap();
        assert_eq!(d.detectors, vec![Ecs, Eks, Lambda]);
        let (d, _) = resolve_pairs(
            &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")],
            false,
            true,
        )
        .unwrap();
        assert_eq!(d.detectors, vec![Ec2, Ecs, Eks, Lambda]);
        let (d, _) = resolve_pairs(&[], true, true).unwrap();
        assert!(d.detectors.is_empty());
        assert_eq!(d.timeout, DEFAULT_RESOURCE_DETECTION_TIMEOUT);
    }

    #[test]
    fn detector_lists() {
        let var = "AGENT_OBSERVABILITY_RESOURCE_DETECTORS";
        assert_eq!(
            detectors_of(&[(var, "ALL")], true),
            vec![Ec2, Ecs, Eks, Lambda]
        );
        assert_eq!(detectors_of(&[(var, " none ")], false), vec![]);
        assert_eq!(detectors_of(&[(var, "ec2")], true), vec![Ec2]);
        assert_eq!(
            detectors_of(&[(var, "Lambda, ecs,ecs ,,EC2")], false),
            vec![Lambda, Ecs, Ec2]
        );
        assert_eq!(
            detectors_of(&[(var, "all,all")], true),
            ResourceDetector::ALL
        );
        // Only commas: as unset.
        assert_eq!(detectors_of(&[(var, ",")], true), vec![]);
        for bad in ["gcp", "ec2,none", "all,ec2", "none,all", "ec2;ecs"] {
            let error = resolve_pairs(&[(var, bad)], false, false).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("{var}={bad:?} is invalid: expected {DETECTORS_EXPECTED}"),
            );
        }
    }

    #[test]
    fn code_wins() {
        let src = Sources::from_pairs(&[("AGENT_OBSERVABILITY_RESOURCE_DETECTORS", "bogus")]);
        let overrides = Overrides {
            resource_detectors: Some(vec![Eks, Eks, Ec2]),
            resource_detection_timeout: Some(Duration::from_secs(60)),
            ..Overrides::default()
        };
        let mut warnings = Vec::new();
        let d = resolve(&src, &overrides, true, true, &mut warnings).unwrap();
        assert_eq!(d.detectors, vec![Eks, Ec2]);
        assert_eq!(d.timeout, MAX_RESOURCE_DETECTION_TIMEOUT);
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            warnings[0].variable,
            "ConfigBuilder::resource_detection_timeout"
        );
    }

    #[test]
    fn timeouts() {
        let var = "AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT";
        let (d, w) = resolve_pairs(&[(var, "250")], false, false).unwrap();
        assert_eq!(d.timeout, Duration::from_millis(250));
        assert!(w.is_empty());
        let (d, _) = resolve_pairs(&[(var, "2s")], false, false).unwrap();
        assert_eq!(d.timeout, Duration::from_secs(2));
        let (d, w) = resolve_pairs(&[(var, "1m")], false, false).unwrap();
        assert_eq!(d.timeout, MAX_RESOURCE_DETECTION_TIMEOUT);
        assert_eq!(
            w[0].to_string(),
            format!("{var}: 60000 ms is more than init() may wait for resource detection; 5000 ms is used")
        );
        for bad in ["soon", "0", "-1", "1.5s"] {
            let error = resolve_pairs(&[(var, bad)], false, false).unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("{var}={bad:?} is invalid: expected a duration")),
                "{error}"
            );
        }
    }

    #[test]
    fn imds_settings() {
        let (d, _) = resolve_pairs(&[], false, false).unwrap();
        assert_eq!(d.imds_endpoint(), DEFAULT_IMDS_ENDPOINT);
        assert!(!d.ec2_metadata_disabled);
        for (value, disabled) in [
            ("TRUE", true),
            (" true ", true),
            ("false", false),
            ("1", false),
        ] {
            let (d, _) =
                resolve_pairs(&[("AWS_EC2_METADATA_DISABLED", value)], false, false).unwrap();
            assert_eq!(d.ec2_metadata_disabled, disabled, "{value}");
        }
        let (d, _) = resolve_pairs(
            &[(
                "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                "http://127.0.0.1:1338/",
            )],
            false,
            false,
        )
        .unwrap();
        assert_eq!(d.imds_endpoint(), "http://127.0.0.1:1338");
        let (d, _) = resolve_pairs(
            &[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv6")],
            false,
            false,
        )
        .unwrap();
        assert_eq!(d.imds_endpoint(), DEFAULT_IMDS_IPV6_ENDPOINT);
        let error = resolve_pairs(
            &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254")],
            false,
            false,
        )
        .unwrap_err();
        assert!(error.to_string().starts_with(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT=\"169.254.169.254\" is invalid: expected an absolute"
        ));
        let error = resolve_pairs(
            &[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "v6")],
            false,
            false,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=\"v6\" is invalid: expected IPv4 or IPv6"
        );
        // Not validated when the EC2 detector does not run.
        let (d, _) = resolve_pairs(
            &[
                ("AGENT_OBSERVABILITY_RESOURCE_DETECTORS", "ecs"),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "nonsense"),
            ],
            false,
            false,
        )
        .unwrap();
        assert_eq!(d.ec2_metadata_endpoint, None);
    }

    #[test]
    fn platform_variables() {
        let (d, w) = resolve_pairs(
            &[
                (
                    "ECS_CONTAINER_METADATA_URI_V4",
                    "http://169.254.170.2/v4/abc/",
                ),
                ("AWS_LAMBDA_FUNCTION_NAME", "my-fn"),
                ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
                ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"),
                ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/my-fn"),
                ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]abc"),
                ("KUBERNETES_SERVICE_HOST", "fd00::1"),
            ],
            false,
            false,
        )
        .unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(
            d.ecs_metadata_uri.as_deref(),
            Some("http://169.254.170.2/v4/abc")
        );
        let lambda = d.lambda.unwrap();
        assert_eq!(lambda.function_name, "my-fn");
        assert_eq!(lambda.function_version.as_deref(), Some("$LATEST"));
        assert_eq!(lambda.memory_size_mb, Some(512));
        assert_eq!(lambda.log_group_name.as_deref(), Some("/aws/lambda/my-fn"));
        assert_eq!(
            lambda.log_stream_name.as_deref(),
            Some("2026/01/01/[$LATEST]abc")
        );
        let k8s = d.kubernetes.unwrap();
        assert_eq!(k8s.port, 443);
        assert_eq!(k8s.base_url(), "https://[fd00::1]:443");
        assert_eq!(
            KubernetesService::new("10.100.0.1", 6443).base_url(),
            "https://10.100.0.1:6443"
        );

        let (d, w) = resolve_pairs(
            &[
                ("AWS_LAMBDA_FUNCTION_NAME", "f"),
                ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots"),
                ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
                ("KUBERNETES_SERVICE_PORT", "https"),
            ],
            false,
            false,
        )
        .unwrap();
        assert_eq!(d.lambda.unwrap().memory_size_mb, None);
        assert_eq!(d.kubernetes.unwrap().port, 443);
        let vars: Vec<&str> = w.iter().map(|w| w.variable.as_str()).collect();
        assert_eq!(
            vars,
            ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "KUBERNETES_SERVICE_PORT"]
        );

        let error = resolve_pairs(
            &[("ECS_CONTAINER_METADATA_URI_V4", "not a url")],
            false,
            false,
        )
        .unwrap_err();
        assert!(error
            .to_string()
            .starts_with("ECS_CONTAINER_METADATA_URI_V4=\"not a url\" is invalid"));
    }
}
