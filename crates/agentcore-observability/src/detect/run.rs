//! Runs the selected detectors within the deadline: the cheap checks inline, the network probes
//! concurrently on one helper thread, results collected until the deadline.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use agentcore_observability_config::{ResourceDetection, ResourceDetector};
use opentelemetry::KeyValue;

use super::client::{self, Failure};
use super::ec2::{self, MachineHint};
use super::eks::{self, EksMiss, EksTarget};
use super::{ecs, lambda, Detection, DetectionOutcome, ResourceDetectionReport};

/// Where detection looks on this machine: the file-system root (DMI data, the service-account
/// files, `/proc/self`, the Lambda extension's link), and an override of the Kubernetes API base
/// URL (for a plain-HTTP stand-in in tests).
#[derive(Debug, Clone)]
pub(crate) struct Host {
    pub(crate) root: PathBuf,
    pub(crate) kubernetes_base_url: Option<String>,
}

impl Host {
    /// This machine.
    pub(crate) fn real() -> Host {
        Host {
            root: PathBuf::from("/"),
            kubernetes_base_url: None,
        }
    }
}

/// The most specific platform wins a key: attributes are merged in this order.
const MERGE_ORDER: [ResourceDetector; 4] = [
    ResourceDetector::Ec2,
    ResourceDetector::Eks,
    ResourceDetector::Ecs,
    ResourceDetector::Lambda,
];

/// A network probe to run on the helper thread.
#[derive(Debug)]
struct Jobs {
    ecs: Option<String>,
    eks: Option<EksTarget>,
    ec2: Option<String>,
}

impl Jobs {
    fn detectors(&self) -> Vec<ResourceDetector> {
        let mut out = Vec::new();
        if self.ecs.is_some() {
            out.push(ResourceDetector::Ecs);
        }
        if self.eks.is_some() {
            out.push(ResourceDetector::Eks);
        }
        if self.ec2.is_some() {
            out.push(ResourceDetector::Ec2);
        }
        out
    }
}

/// A finished probe, sent from the helper thread.
type Finished = (ResourceDetector, DetectionOutcome);

/// Runs `settings.detectors`; returns within `settings.timeout` (plus the time to spawn a thread).
pub(crate) fn run(settings: &ResourceDetection, region: Option<&str>, host: &Host) -> Detection {
    let started = Instant::now();
    let mut report = ResourceDetectionReport {
        timeout: settings.timeout,
        ..ResourceDetectionReport::default()
    };
    if settings.detectors.is_empty() {
        return Detection {
            attributes: Vec::new(),
            report,
        };
    }
    let deadline = started.checked_add(settings.timeout).unwrap_or(started);
    let mut outcomes: Vec<(ResourceDetector, Option<DetectionOutcome>)> =
        settings.detectors.iter().map(|d| (*d, None)).collect();
    let mut set = |detector: ResourceDetector, outcome: DetectionOutcome| {
        if let Some(slot) = outcomes.iter_mut().find(|(d, _)| *d == detector) {
            slot.1 = Some(outcome);
        }
    };
    // Whether a failure of each probe deserves a warning: something said it is that platform.
    let mut expected: Vec<ResourceDetector> = Vec::new();

    // Lambda: variables only.
    let mut lambda_detected = false;
    if settings.runs(ResourceDetector::Lambda) {
        match &settings.lambda {
            Some(env) => {
                lambda_detected = true;
                let attributes = lambda::attributes(env, region, &host.root);
                set(
                    ResourceDetector::Lambda,
                    DetectionOutcome::Detected { attributes },
                );
            }
            None => set(
                ResourceDetector::Lambda,
                DetectionOutcome::NotDetected("AWS_LAMBDA_FUNCTION_NAME is not set".into()),
            ),
        }
    }

    let mut jobs = Jobs {
        ecs: None,
        eks: None,
        ec2: None,
    };
    if settings.runs(ResourceDetector::Ecs) {
        match &settings.ecs_metadata_uri {
            Some(uri) => {
                jobs.ecs = Some(uri.clone());
                expected.push(ResourceDetector::Ecs);
            }
            None => set(
                ResourceDetector::Ecs,
                DetectionOutcome::NotDetected("ECS_CONTAINER_METADATA_URI_V4 is not set".into()),
            ),
        }
    }
    if settings.runs(ResourceDetector::Eks) {
        match &settings.kubernetes {
            None => set(
                ResourceDetector::Eks,
                DetectionOutcome::NotDetected("KUBERNETES_SERVICE_HOST is not set".into()),
            ),
            Some(service) => {
                let mut target = EksTarget::in_pod(service.base_url(), &host.root);
                if let Some(base_url) = &host.kubernetes_base_url {
                    target.base_url = base_url.clone();
                    target.ca_path = None;
                }
                if target.token_path.exists() {
                    jobs.eks = Some(target);
                } else {
                    set(
                        ResourceDetector::Eks,
                        DetectionOutcome::NotDetected(format!(
                            "no service-account token at {}",
                            target.token_path.display()
                        )),
                    );
                }
            }
        }
    }
    if settings.runs(ResourceDetector::Ec2) {
        let skip = if settings.ec2_metadata_disabled {
            Some(DetectionOutcome::Skipped(
                "AWS_EC2_METADATA_DISABLED=true".into(),
            ))
        } else if lambda_detected {
            Some(DetectionOutcome::Skipped("Lambda detected".into()))
        } else if settings.ec2_metadata_endpoint.is_some() {
            expected.push(ResourceDetector::Ec2);
            None
        } else {
            match ec2::machine_hint(&host.root) {
                MachineHint::NotEc2(evidence) => Some(DetectionOutcome::NotDetected(format!(
                    "not an EC2 instance: {evidence}"
                ))),
                MachineHint::Ec2(_) => {
                    expected.push(ResourceDetector::Ec2);
                    None
                }
                MachineHint::Unknown => None,
            }
        };
        match skip {
            Some(outcome) => set(ResourceDetector::Ec2, outcome),
            None => jobs.ec2 = Some(settings.imds_endpoint().to_string()),
        }
    }

    // The network probes, bounded by the deadline.
    let pending = jobs.detectors();
    if !pending.is_empty() {
        for (detector, outcome) in collect(jobs, pending, deadline, settings.timeout) {
            set(detector, outcome);
        }
    }

    report.waited = started.elapsed();
    let mut attributes: Vec<KeyValue> = Vec::new();
    for (detector, outcome) in &outcomes {
        log(*detector, outcome.as_ref(), expected.contains(detector));
    }
    for detector in MERGE_ORDER {
        let Some((_, Some(DetectionOutcome::Detected { attributes: found }))) =
            outcomes.iter().find(|(d, _)| *d == detector)
        else {
            continue;
        };
        report.platform = Some(detector);
        for kv in found {
            match attributes.iter_mut().find(|a| a.key == kv.key) {
                Some(slot) => *slot = kv.clone(),
                None => attributes.push(kv.clone()),
            }
        }
    }
    report.outcomes = outcomes
        .into_iter()
        .map(|(d, outcome)| (d, outcome.unwrap_or(DetectionOutcome::TimedOut)))
        .collect();
    Detection { attributes, report }
}

/// Starts the helper thread and gathers what it reports until every probe answered or the
/// deadline passed; probes without an answer are `TimedOut`.
fn collect(
    jobs: Jobs,
    mut pending: Vec<ResourceDetector>,
    deadline: Instant,
    timeout: Duration,
) -> Vec<Finished> {
    let (tx, rx) = mpsc::channel::<Finished>();
    let spawned = std::thread::Builder::new()
        .name("agentcore-resource-detection".into())
        .spawn(move || probe(jobs, deadline, timeout, tx));
    if let Err(error) = spawned {
        let reason = format!("cannot start the detection thread: {error}");
        return pending
            .into_iter()
            .map(|d| (d, DetectionOutcome::Failed(reason.clone())))
            .collect();
    }
    let mut finished = Vec::new();
    while !pending.is_empty() {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            break;
        }
        match rx.recv_timeout(remaining) {
            Ok((detector, outcome)) => {
                pending.retain(|d| *d != detector);
                finished.push((detector, outcome));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => break,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // The thread ended without reporting these (it cannot panic by design; if it
                // did, the probes it owned are failures, not a reason to wait).
                for detector in pending.drain(..) {
                    finished.push((
                        detector,
                        DetectionOutcome::Failed("the detection thread ended early".into()),
                    ));
                }
            }
        }
    }
    // Whatever is still pending is abandoned; the thread stops at the deadline by itself.
    finished.extend(pending.into_iter().map(|d| (d, DetectionOutcome::TimedOut)));
    finished
}

/// The helper thread: a current-thread runtime running the probes concurrently, ECS before EC2
/// (EC2 is skipped when ECS answered), each cut off at the deadline.
fn probe(jobs: Jobs, deadline: Instant, timeout: Duration, tx: mpsc::Sender<Finished>) {
    let send = |detector: ResourceDetector, outcome: DetectionOutcome| {
        // The receiver is gone once `init()` stopped waiting: nothing to do.
        let _ = tx.send((detector, outcome));
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            for detector in jobs.detectors() {
                send(
                    detector,
                    DetectionOutcome::Failed(format!(
                        "cannot start the detection runtime: {error}"
                    )),
                );
            }
            return;
        }
    };
    runtime.block_on(async {
        let deadline = tokio::time::Instant::from_std(deadline);
        let http = if jobs.ecs.is_some() || jobs.ec2.is_some() {
            // Metadata services speak plain HTTP; loading the platform's root certificates would
            // cost ~3 ms for nothing, so they are only loaded for an `https://` endpoint.
            let tls = [&jobs.ecs, &jobs.ec2].into_iter().flatten().any(|url| {
                url.get(..8)
                    .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
            });
            let builder = if tls {
                client::builder(timeout)
            } else {
                client::builder(timeout).tls_certs_only(Vec::new())
            };
            match client::build(builder) {
                Ok(http) => Some(http),
                Err(reason) => {
                    for detector in [ResourceDetector::Ecs, ResourceDetector::Ec2] {
                        let started = match detector {
                            ResourceDetector::Ecs => jobs.ecs.is_some(),
                            _ => jobs.ec2.is_some(),
                        };
                        if started {
                            send(detector, DetectionOutcome::Failed(reason.clone()));
                        }
                    }
                    None
                }
            }
        } else {
            None
        };
        let ecs_then_ec2 = async {
            let Some(http) = &http else { return };
            let mut ecs_detected = false;
            if let Some(uri) = &jobs.ecs {
                let outcome = bounded(deadline, ecs::detect(http, uri)).await;
                ecs_detected = matches!(outcome, DetectionOutcome::Detected { .. });
                send(ResourceDetector::Ecs, outcome);
            }
            if let Some(endpoint) = &jobs.ec2 {
                let outcome = if ecs_detected {
                    DetectionOutcome::Skipped("ECS detected".into())
                } else {
                    bounded(deadline, ec2::detect(http, endpoint)).await
                };
                send(ResourceDetector::Ec2, outcome);
            }
        };
        let eks = async {
            if let Some(target) = &jobs.eks {
                let outcome = match tokio::time::timeout_at(deadline, eks::detect(target, timeout))
                    .await
                {
                    Err(_) | Ok(Err(EksMiss::Failed(Failure::TimedOut))) => {
                        DetectionOutcome::TimedOut
                    }
                    Ok(Ok(attributes)) => DetectionOutcome::Detected { attributes },
                    Ok(Err(EksMiss::NotEks(reason))) => DetectionOutcome::NotDetected(reason),
                    Ok(Err(EksMiss::Failed(failure))) => DetectionOutcome::Failed(failure.reason()),
                };
                send(ResourceDetector::Eks, outcome);
            }
        };
        tokio::join!(ecs_then_ec2, eks);
    });
    // Dropping the runtime cancels nothing still useful: every probe above ended or was cut off.
}

/// `probe` cut off at `deadline`, as an outcome.
async fn bounded(
    deadline: tokio::time::Instant,
    probe: impl std::future::Future<Output = Result<Vec<KeyValue>, Failure>>,
) -> DetectionOutcome {
    match tokio::time::timeout_at(deadline, probe).await {
        Ok(Ok(attributes)) => DetectionOutcome::Detected { attributes },
        Ok(Err(Failure::TimedOut)) | Err(_) => DetectionOutcome::TimedOut,
        Ok(Err(failure)) => DetectionOutcome::Failed(failure.reason()),
    }
}

/// One log line per detector: DEBUG, or WARN when a probe failed although something said it was
/// that platform (the ECS variable, an IMDS endpoint set or EC2 DMI data, the pod's token).
fn log(detector: ResourceDetector, outcome: Option<&DetectionOutcome>, expected: bool) {
    let outcome = outcome.unwrap_or(&DetectionOutcome::TimedOut);
    let failed = matches!(
        outcome,
        DetectionOutcome::Failed(_) | DetectionOutcome::TimedOut
    );
    if failed && expected {
        tracing::warn!(
            target: "agentcore_observability",
            "resource detection: {detector}: {outcome}; its attributes are left out"
        );
    } else {
        tracing::debug!(
            target: "agentcore_observability",
            "resource detection: {detector}: {outcome}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcore_observability_config::{KubernetesService, LambdaEnvironment};
    use agentcore_observability_testkit::{
        FakeEcsMetadata, FakeImds, FakeKubernetesApi, KubernetesCluster,
    };
    use opentelemetry::{StringValue, Value};

    fn settings(detectors: &[ResourceDetector]) -> ResourceDetection {
        let mut settings = ResourceDetection::default();
        settings.detectors = detectors.to_vec();
        settings
    }

    /// A machine with no DMI data, no pod files, no Lambda link.
    fn bare_host() -> (tempfile::TempDir, Host) {
        let dir = tempfile::tempdir().unwrap();
        let host = Host {
            root: dir.path().to_path_buf(),
            kubernetes_base_url: None,
        };
        (dir, host)
    }

    fn value<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
        attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }

    #[test]
    fn nothing_selected_costs_nothing() {
        let (_dir, host) = bare_host();
        let detection = run(&settings(&[]), None, &host);
        assert!(detection.attributes.is_empty());
        assert!(detection.report.outcomes.is_empty());
        assert_eq!(detection.report.to_string(), "no detector selected");
    }

    #[test]
    fn env_gated_detectors_rule_themselves_out_without_a_thread() {
        let (_dir, host) = bare_host();
        let mut s = settings(&ResourceDetector::ALL);
        s.ec2_metadata_disabled = true;
        let started = Instant::now();
        let detection = run(&s, None, &host);
        assert!(started.elapsed() < Duration::from_millis(50));
        assert!(detection.attributes.is_empty());
        assert_eq!(
            detection.report.to_string(),
            "ec2: skipped (AWS_EC2_METADATA_DISABLED=true); \
             ecs: not detected (ECS_CONTAINER_METADATA_URI_V4 is not set); \
             eks: not detected (KUBERNETES_SERVICE_HOST is not set); \
             lambda: not detected (AWS_LAMBDA_FUNCTION_NAME is not set)"
        );
        // A pod without a service-account token is not probed either.
        let mut s = settings(&[ResourceDetector::Eks]);
        s.kubernetes = Some(KubernetesService::new("10.100.0.1", 443));
        let detection = run(&s, None, &host);
        assert!(matches!(
            detection.report.outcome(ResourceDetector::Eks),
            Some(DetectionOutcome::NotDetected(reason)) if reason.starts_with("no service-account token")
        ));
    }

    #[test]
    fn machines_that_are_not_ec2_are_not_probed() {
        let (dir, host) = bare_host();
        let dmi = dir.path().join("sys/class/dmi/id");
        std::fs::create_dir_all(&dmi).unwrap();
        std::fs::write(dmi.join("sys_vendor"), "Hetzner\n").unwrap();
        let detection = run(&settings(&[ResourceDetector::Ec2]), None, &host);
        assert_eq!(
            detection.report.outcome(ResourceDetector::Ec2),
            Some(&DetectionOutcome::NotDetected(
                "not an EC2 instance: sys_vendor is \"Hetzner\"".into()
            ))
        );
    }

    #[test]
    fn lambda_from_the_configuration_and_ec2_skipped() {
        let (dir, host) = bare_host();
        #[cfg(unix)]
        {
            std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
            std::os::unix::fs::symlink("111122223333", dir.path().join(lambda::ACCOUNT_ID_LINK))
                .unwrap();
        }
        let mut s = settings(&[ResourceDetector::Lambda, ResourceDetector::Ec2]);
        s.ec2_metadata_endpoint = Some("http://127.0.0.1:9".into());
        let mut env = LambdaEnvironment::new("checkout");
        env.function_version = Some("$LATEST".into());
        env.memory_size_mb = Some(512);
        env.log_group_name = Some("/aws/lambda/checkout".into());
        env.log_stream_name = Some("2026/01/15/[$LATEST]0123456789abcdef".into());
        s.lambda = Some(env);
        let detection = run(&s, Some("eu-central-1"), &host);
        let a = &detection.attributes;
        assert_eq!(detection.report.platform, Some(ResourceDetector::Lambda));
        assert_eq!(value(a, "cloud.platform"), Some(&Value::from("aws_lambda")));
        assert_eq!(value(a, "cloud.region"), Some(&Value::from("eu-central-1")));
        assert_eq!(value(a, "faas.name"), Some(&Value::from("checkout")));
        assert_eq!(value(a, "faas.version"), Some(&Value::from("$LATEST")));
        assert_eq!(
            value(a, "faas.instance"),
            Some(&Value::from("2026/01/15/[$LATEST]0123456789abcdef"))
        );
        assert_eq!(
            value(a, "faas.max_memory"),
            Some(&Value::I64(512 * 1024 * 1024))
        );
        assert_eq!(
            value(a, "aws.log.group.names"),
            Some(&Value::Array(
                vec![StringValue::from("/aws/lambda/checkout")].into()
            ))
        );
        #[cfg(unix)]
        assert_eq!(
            value(a, "cloud.account.id"),
            Some(&Value::from("111122223333"))
        );
        assert_eq!(
            detection.report.outcome(ResourceDetector::Ec2),
            Some(&DetectionOutcome::Skipped("Lambda detected".into()))
        );
    }

    #[test]
    fn ecs_wins_and_ec2_is_skipped() {
        let (_dir, host) = bare_host();
        let ecs = FakeEcsMetadata::start().unwrap();
        let imds = FakeImds::start().unwrap();
        let mut s = settings(&[ResourceDetector::Ec2, ResourceDetector::Ecs]);
        s.ecs_metadata_uri = Some(ecs.uri());
        s.ec2_metadata_endpoint = Some(imds.endpoint());
        let detection = run(&s, None, &host);
        assert_eq!(detection.report.platform, Some(ResourceDetector::Ecs));
        assert_eq!(
            detection.report.outcome(ResourceDetector::Ec2),
            Some(&DetectionOutcome::Skipped("ECS detected".into()))
        );
        assert!(imds.calls().is_empty());
        let task = ecs.task();
        let a = &detection.attributes;
        assert_eq!(
            value(a, "aws.ecs.task.arn"),
            Some(&Value::from(task.task_arn.clone()))
        );
        assert_eq!(
            value(a, "aws.ecs.launchtype"),
            Some(&Value::from("fargate"))
        );
        assert_eq!(
            value(a, "aws.ecs.task.id"),
            Some(&Value::from("158d1c8083dd49d6b527399fd6414f5c"))
        );
        assert_eq!(
            value(a, "container.image.name"),
            Some(&Value::from(
                "111122223333.dkr.ecr.us-west-2.amazonaws.com/travel-agent"
            ))
        );
        assert_eq!(
            value(a, "container.image.tags"),
            Some(&Value::Array(vec![StringValue::from("1.4.2")].into()))
        );
    }

    #[test]
    fn ec2_probe_failures_are_reported() {
        let (_dir, host) = bare_host();
        // A closed loopback port: refused at once.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let mut s = settings(&[ResourceDetector::Ec2]);
        s.ec2_metadata_endpoint = Some(endpoint);
        let detection = run(&s, None, &host);
        assert!(
            matches!(
                detection.report.outcome(ResourceDetector::Ec2),
                Some(DetectionOutcome::Failed(_))
            ),
            "{}",
            detection.report
        );
        assert!(detection.report.waited < s.timeout);
        // Another cloud at the same address: no IMDSv2 token.
        let imds = FakeImds::start().unwrap();
        let mut s = settings(&[ResourceDetector::Ec2]);
        s.ec2_metadata_endpoint = Some(format!("{}/elsewhere", imds.endpoint()));
        let detection = run(&s, None, &host);
        assert!(
            matches!(detection.report.outcome(ResourceDetector::Ec2), Some(DetectionOutcome::Failed(r)) if r.contains("/elsewhere/latest/api/token answered HTTP 405")),
            "{}",
            detection.report
        );
    }

    #[test]
    fn slow_metadata_is_abandoned_at_the_deadline() {
        let (_dir, host) = bare_host();
        let imds = FakeImds::start().unwrap();
        imds.set_delay(Duration::from_secs(3));
        let mut s = settings(&[ResourceDetector::Ec2]);
        s.ec2_metadata_endpoint = Some(imds.endpoint());
        s.timeout = Duration::from_millis(200);
        let started = Instant::now();
        let detection = run(&s, None, &host);
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(190), "{waited:?}");
        assert!(
            waited < Duration::from_millis(200) + Duration::from_millis(1500),
            "{waited:?}"
        );
        assert_eq!(
            detection.report.outcome(ResourceDetector::Ec2),
            Some(&DetectionOutcome::TimedOut)
        );
        assert!(detection.attributes.is_empty());
    }

    fn pod(dir: &tempfile::TempDir, token: &str, cgroup: &str) {
        let account = dir
            .path()
            .join("var/run/secrets/kubernetes.io/serviceaccount");
        std::fs::create_dir_all(&account).unwrap();
        std::fs::write(account.join("token"), format!("{token}\n")).unwrap();
        std::fs::create_dir_all(dir.path().join("proc/self")).unwrap();
        std::fs::write(dir.path().join("proc/self/cgroup"), cgroup).unwrap();
    }

    #[test]
    fn eks_through_the_kubernetes_api() {
        const ID: &str = "3f2c1e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e";
        let cluster = KubernetesCluster::default();
        let api = FakeKubernetesApi::start(cluster.clone()).unwrap();
        let (dir, mut host) = bare_host();
        pod(
            &dir,
            &cluster.token,
            &format!("0::/kubepods.slice/cri-containerd-{ID}.scope\n"),
        );
        host.kubernetes_base_url = Some(api.base_url());
        let mut s = settings(&[ResourceDetector::Eks]);
        s.kubernetes = Some(KubernetesService::new("10.100.0.1", 443));
        let detection = run(&s, None, &host);
        assert_eq!(
            detection.report.platform,
            Some(ResourceDetector::Eks),
            "{}",
            detection.report
        );
        let a = &detection.attributes;
        assert_eq!(value(a, "cloud.platform"), Some(&Value::from("aws_eks")));
        assert_eq!(
            value(a, "k8s.cluster.name"),
            Some(&Value::from("agents-prod"))
        );
        assert_eq!(value(a, "container.id"), Some(&Value::from(ID)));
        let calls = api.calls();
        assert_eq!(calls.len(), 2);
        assert!(calls
            .iter()
            .all(|c| c.header("authorization") == Some("Bearer fake-service-account-token")));

        // Plain Kubernetes (no aws-auth): not EKS.
        let api = FakeKubernetesApi::start(KubernetesCluster {
            aws_auth: false,
            ..cluster.clone()
        })
        .unwrap();
        host.kubernetes_base_url = Some(api.base_url());
        let detection = run(&s, None, &host);
        assert!(matches!(
            detection.report.outcome(ResourceDetector::Eks),
            Some(DetectionOutcome::NotDetected(_))
        ));
        // A token the API rejects: failed, with the status.
        pod(&dir, "stale-token", "0::/\n");
        let detection = run(&s, None, &host);
        assert!(
            matches!(detection.report.outcome(ResourceDetector::Eks), Some(DetectionOutcome::Failed(r)) if r.contains("HTTP 401")),
            "{}",
            detection.report
        );
    }
}
