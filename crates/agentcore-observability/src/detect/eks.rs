//! EKS, as ADOT Python detects it: inside a pod (the service-account token exists and
//! `KUBERNETES_SERVICE_HOST` is set), the cluster is EKS when the Kubernetes API serves the
//! `kube-system/aws-auth` config map; the cluster name comes from Container Insights'
//! `amazon-cloudwatch/cluster-info` config map, the container id from the cgroup or mount table.

use std::path::{Path, PathBuf};
use std::time::Duration;

use opentelemetry::KeyValue;

use super::client::{self, Failure};

const AWS_AUTH_PATH: &str = "/api/v1/namespaces/kube-system/configmaps/aws-auth";
const CLUSTER_INFO_PATH: &str = "/api/v1/namespaces/amazon-cloudwatch/configmaps/cluster-info";

/// Where the EKS detector looks. In a pod: the in-cluster API over HTTPS with the service-account
/// CA; tests use a plain-HTTP loopback stand-in and files in a temporary directory.
#[derive(Debug, Clone)]
pub(super) struct EksTarget {
    /// `https://<KUBERNETES_SERVICE_HOST>:<KUBERNETES_SERVICE_PORT>` (no trailing slash).
    pub(super) base_url: String,
    /// The service-account token.
    pub(super) token_path: PathBuf,
    /// The cluster CA bundle (PEM), trusted alone; `None` for a plain-HTTP stand-in.
    pub(super) ca_path: Option<PathBuf>,
    /// `/proc/self/cgroup`.
    pub(super) cgroup_path: PathBuf,
    /// `/proc/self/mountinfo`.
    pub(super) mountinfo_path: PathBuf,
}

impl EksTarget {
    /// The in-cluster paths under `root` (`/` in production).
    pub(super) fn in_pod(base_url: String, root: &Path) -> EksTarget {
        let account = root.join("var/run/secrets/kubernetes.io/serviceaccount");
        EksTarget {
            base_url,
            token_path: account.join("token"),
            ca_path: Some(account.join("ca.crt")),
            cgroup_path: root.join("proc/self/cgroup"),
            mountinfo_path: root.join("proc/self/mountinfo"),
        }
    }
}

/// How the EKS probe ended without attributes.
#[derive(Debug)]
pub(super) enum EksMiss {
    /// The API says this is not EKS (no `aws-auth` config map).
    NotEks(String),
    /// Something failed (token, CA, API error, forbidden).
    Failed(Failure),
}

impl From<Failure> for EksMiss {
    fn from(failure: Failure) -> Self {
        EksMiss::Failed(failure)
    }
}

/// `cloud.*`, `k8s.cluster.name`, `container.id`.
pub(super) async fn detect(
    target: &EksTarget,
    timeout: Duration,
) -> Result<Vec<KeyValue>, EksMiss> {
    let fail = |reason: String| EksMiss::Failed(Failure::Other(reason));
    let token = std::fs::read_to_string(&target.token_path)
        .map_err(|e| fail(format!("cannot read {}: {e}", target.token_path.display())))?;
    let bearer = format!("Bearer {}", token.trim());
    let mut builder = client::builder(timeout);
    if let Some(ca_path) = &target.ca_path {
        let pem = std::fs::read(ca_path)
            .map_err(|e| fail(format!("cannot read {}: {e}", ca_path.display())))?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            fail(format!(
                "{} is not a PEM certificate bundle: {e}",
                ca_path.display()
            ))
        })?;
        builder = builder.tls_certs_only(certificates);
    }
    let http = client::build(builder).map_err(fail)?;
    let get = |path: &str| {
        http.get(format!("{}{path}", target.base_url))
            .header("Authorization", bearer.as_str())
    };

    let (aws_auth, cluster_info) = tokio::join!(
        client::text(get(AWS_AUTH_PATH)),
        client::json(get(CLUSTER_INFO_PATH), "cluster-info config map"),
    );
    match aws_auth {
        Ok(_) => {}
        Err(Failure::Status { status: 404, .. }) => {
            return Err(EksMiss::NotEks(
                "Kubernetes without kube-system/aws-auth: not EKS".into(),
            ))
        }
        Err(Failure::Status { url, status: 403 }) => {
            return Err(fail(format!(
                "{url} answered HTTP 403: the pod's service account may not read \
                 kube-system/aws-auth, so EKS cannot be confirmed"
            )))
        }
        Err(other) => return Err(EksMiss::Failed(other)),
    }

    let mut attributes = vec![
        KeyValue::new("cloud.provider", "aws"),
        KeyValue::new("cloud.platform", "aws_eks"),
    ];
    match cluster_info {
        Ok(map) => {
            let name = map
                .get("data")
                .and_then(|d| d.get("cluster.name"))
                .and_then(|n| n.as_str())
                .map(str::trim)
                .filter(|n| !n.is_empty());
            if let Some(name) = name {
                attributes.push(KeyValue::new("k8s.cluster.name", name.to_string()));
            }
        }
        Err(failure) => tracing::debug!(
            target: "agentcore_observability",
            "resource detection: no EKS cluster name (Container Insights' cluster-info): {}",
            failure.reason()
        ),
    }
    if let Some(id) = container_id(&target.cgroup_path, &target.mountinfo_path) {
        attributes.push(KeyValue::new("container.id", id));
    }
    Ok(attributes)
}

/// The container id from the cgroup file, else from the mount table (cgroup v2 namespaces show
/// only `0::/`), as the OpenTelemetry container detectors read it.
pub(super) fn container_id(cgroup: &Path, mountinfo: &Path) -> Option<String> {
    if let Ok(content) = std::fs::read_to_string(cgroup) {
        if let Some(id) = content.lines().find_map(from_cgroup_line) {
            return Some(id.to_string());
        }
    }
    let content = std::fs::read_to_string(mountinfo).ok()?;
    content
        .lines()
        .find_map(from_mountinfo_line)
        .map(str::to_string)
}

/// `…/docker/<id>`, `…/kubepods/…/pod<uid>/<id>`, `…/cri-containerd-<id>.scope`, `…/crio-<id>.scope`.
fn from_cgroup_line(line: &str) -> Option<&str> {
    let last = line.rsplit('/').next()?.trim();
    let candidate = last.rsplit([':', '-']).next()?;
    let candidate = candidate.split('.').next()?;
    is_container_id(candidate).then_some(candidate)
}

/// The segment after `containers/` or `overlay-containers/` in the root of the `/etc/hostname`
/// bind mount.
fn from_mountinfo_line(line: &str) -> Option<&str> {
    let (fields, _) = line.split_once(" - ")?;
    let mut fields = fields.split_whitespace();
    let root = fields.nth(3)?;
    let mount_point = fields.next()?;
    if mount_point != "/etc/hostname" {
        return None;
    }
    let mut previous = "";
    for segment in root.split('/') {
        if matches!(previous, "containers" | "overlay-containers") && is_container_id(segment) {
            return Some(segment);
        }
        previous = segment;
    }
    None
}

/// 32 to 64 hexadecimal characters.
fn is_container_id(candidate: &str) -> bool {
    (32..=64).contains(&candidate.len()) && candidate.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2c1e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e";

    #[test]
    fn container_ids() {
        assert_eq!(
            from_cgroup_line(&format!("12:cpu,cpuacct:/kubepods/besteffort/pod1234/{ID}")),
            Some(ID)
        );
        assert_eq!(
            from_cgroup_line(&format!(
                "0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-{ID}.scope"
            )),
            Some(ID)
        );
        assert_eq!(
            from_cgroup_line(&format!("1:name=systemd:/docker/{ID}")),
            Some(ID)
        );
        assert_eq!(from_cgroup_line("0::/"), None);
        assert_eq!(from_cgroup_line("0::/user.slice/session-3.scope"), None);
        let mount = format!(
            "1234 1200 259:1 /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/x/containers/{ID}/hostname /etc/hostname rw,relatime - ext4 /dev/root rw"
        );
        assert_eq!(from_mountinfo_line(&mount), Some(ID));
        assert_eq!(
            from_mountinfo_line("22 1 0:21 / /proc rw - proc proc rw"),
            None
        );
    }
}
