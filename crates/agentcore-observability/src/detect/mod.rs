//! AWS resource detection (feature `aws-resource-detectors`): the EC2, ECS, EKS and Lambda
//! attributes the resource carries, found within a bound `init()` never exceeds.
//!
//! Why not `opentelemetry-aws`'s detectors: its 0.21 `Ec2ResourceDetector`, `EcsResourceDetector`,
//! `EksResourceDetector` and `LambdaResourceDetector` read the process environment themselves
//! (`ECS_CONTAINER_METADATA_URI_V4`, `AWS_REGION`, `AWS_LAMBDA_*`, …), which bypasses our precedence
//! rule (code > environment > `.env`) and the variable map tests feed; the IMDS address is fixed at
//! `169.254.169.254` (no `AWS_EC2_METADATA_SERVICE_ENDPOINT`, no `AWS_EC2_METADATA_DISABLED`), so
//! nothing can be tested against a loopback stand-in; and each detector blocks the calling thread
//! with one-second requests in sequence on a second HTTP stack (`ureq`). The attribute sets below
//! follow theirs (the semantic conventions), the EKS probe follows ADOT Python's.
//!
//! How it runs: the Lambda detector and every "is this the platform at all" check that needs no
//! network (a variable, the service-account token file, the machine's DMI data) run inline and cost
//! microseconds. Detectors that need the network run concurrently on one helper thread with a
//! current-thread tokio runtime and `reqwest`; `init()` waits for their results until the deadline
//! (`ResourceDetection::timeout`) and abandons what has not answered by then. The helper thread
//! also stops at the deadline. Nothing here panics or waits past the deadline.

#[cfg(feature = "aws-resource-detectors")]
mod client;
#[cfg(feature = "aws-resource-detectors")]
mod ec2;
#[cfg(feature = "aws-resource-detectors")]
mod ecs;
#[cfg(feature = "aws-resource-detectors")]
mod eks;
#[cfg(feature = "aws-resource-detectors")]
mod lambda;
#[cfg(feature = "aws-resource-detectors")]
mod run;

use std::fmt;
use std::time::Duration;

use agentcore_observability_config::{Config, ResourceDetector};
use opentelemetry::KeyValue;

/// What resource detection did during `init()`; read it with
/// [`ObservabilityGuard::resource_detection`](crate::ObservabilityGuard::resource_detection).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use agentcore_observability::{Config, ResourceDetector, SpanExporterKind};
///
/// let config = Config::builder()
///     .vars([("AWS_LAMBDA_FUNCTION_NAME", "my-fn"), ("AWS_REGION", "us-east-1")])
///     .no_dotenv()
///     .resource_detectors([ResourceDetector::Lambda])
///     .traces_exporters([SpanExporterKind::Console])
///     .logs_exporters([])
///     .metrics_exporters([])
///     .finish()?;
/// let guard = agentcore_observability::init_with(config)?;
/// let report = guard.resource_detection();
/// # #[cfg(feature = "aws-resource-detectors")]
/// assert_eq!(report.platform, Some(ResourceDetector::Lambda));
/// println!("{report}"); // lambda: detected (4 attributes)
/// guard.shutdown()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ResourceDetectionReport {
    /// The platform the resource describes (`cloud.platform`): the most specific one detected
    /// (Lambda, then ECS, then EKS, then EC2), or `None`.
    pub platform: Option<ResourceDetector>,
    /// One outcome per selected detector, in the order they were selected.
    pub outcomes: Vec<(ResourceDetector, DetectionOutcome)>,
    /// How long `init()` waited for detection (zero when no detector needed the network).
    pub waited: Duration,
    /// The bound on that wait (`AGENT_OBSERVABILITY_RESOURCE_DETECTION_TIMEOUT`).
    pub timeout: Duration,
}

impl ResourceDetectionReport {
    /// The outcome of `detector`, if it was selected.
    pub fn outcome(&self, detector: ResourceDetector) -> Option<&DetectionOutcome> {
        self.outcomes
            .iter()
            .find(|(d, _)| *d == detector)
            .map(|(_, outcome)| outcome)
    }

    /// The attributes `detector` found, if it detected its platform (before the configured
    /// attributes, which win, were applied).
    pub fn detected_attributes(&self, detector: ResourceDetector) -> Option<&[KeyValue]> {
        match self.outcome(detector)? {
            DetectionOutcome::Detected { attributes } => Some(attributes),
            _ => None,
        }
    }
}

impl fmt::Display for ResourceDetectionReport {
    /// `ecs: detected (19 attributes); ec2: skipped (ECS detected); …`, or `no detector selected`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.outcomes.is_empty() {
            return f.write_str("no detector selected");
        }
        for (i, (detector, outcome)) in self.outcomes.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{detector}: {outcome}")?;
        }
        Ok(())
    }
}

/// What one detector did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DetectionOutcome {
    /// The platform was recognised; these attributes were found.
    Detected {
        /// The attributes, as the detector reported them.
        attributes: Vec<KeyValue>,
    },
    /// Not this platform: ruled out without waiting on the network (the reason says how, e.g.
    /// `ECS_CONTAINER_METADATA_URI_V4 is not set`), or the platform's API said so.
    NotDetected(String),
    /// Not run: `AWS_EC2_METADATA_DISABLED=true`, a more specific platform was detected first, or
    /// the `aws-resource-detectors` feature is off.
    Skipped(String),
    /// The detector tried and failed (connection refused, an HTTP error status, a document that
    /// does not parse, …).
    Failed(String),
    /// No answer before the deadline; the detector was abandoned.
    TimedOut,
}

impl fmt::Display for DetectionOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DetectionOutcome::Detected { attributes } => {
                write!(f, "detected ({} attributes)", attributes.len())
            }
            DetectionOutcome::NotDetected(reason) => write!(f, "not detected ({reason})"),
            DetectionOutcome::Skipped(reason) => write!(f, "skipped ({reason})"),
            DetectionOutcome::Failed(reason) => write!(f, "failed ({reason})"),
            DetectionOutcome::TimedOut => f.write_str("no answer within the detection timeout"),
        }
    }
}

/// The merged attributes (a more specific platform wins a key over a less specific one) and the
/// report.
#[derive(Debug, Default)]
pub(crate) struct Detection {
    pub(crate) attributes: Vec<KeyValue>,
    pub(crate) report: ResourceDetectionReport,
}

/// Runs the configured detectors, waiting at most the configured timeout.
pub(crate) fn detect(config: &Config) -> Detection {
    let settings = &config.resource_detection;
    let skipped = |reason: &str| Detection {
        attributes: Vec::new(),
        report: ResourceDetectionReport {
            platform: None,
            outcomes: settings
                .detectors
                .iter()
                .map(|d| (*d, DetectionOutcome::Skipped(reason.into())))
                .collect(),
            waited: Duration::ZERO,
            timeout: settings.timeout,
        },
    };
    // The resource only travels with exported data: with every exporter `none`, probing would
    // only delay init().
    let exports_nothing = config.traces.exporters.is_empty()
        && config.logs.exporters.is_empty()
        && config.metrics.exporters.is_empty();
    let detection = if exports_nothing {
        skipped("no signal is exported")
    } else {
        #[cfg(feature = "aws-resource-detectors")]
        let detection = run::run(
            settings,
            config.region.as_ref().map(|r| r.name.as_str()),
            &run::Host::real(),
        );
        #[cfg(not(feature = "aws-resource-detectors"))]
        let detection = skipped("the aws-resource-detectors feature is not enabled");
        detection
    };
    if !detection.report.outcomes.is_empty() {
        tracing::debug!(
            target: "agentcore_observability",
            "resource detection in {} ms: {}",
            detection.report.waited.as_millis(),
            detection.report
        );
    }
    detection
}
