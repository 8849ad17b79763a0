//! [`FakeKubernetesApi`]: the Kubernetes API reads of an EKS resource detector.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

use super::{MetadataCall, MetadataServer, Reply};
use crate::request::header;

const AWS_AUTH_PATH: &str = "/api/v1/namespaces/kube-system/configmaps/aws-auth";
const CLUSTER_INFO_PATH: &str = "/api/v1/namespaces/amazon-cloudwatch/configmaps/cluster-info";

/// The cluster a [`FakeKubernetesApi`] describes. `Default` is an EKS cluster named
/// `agents-prod` with Container Insights (`amazon-cloudwatch/cluster-info`) installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubernetesCluster {
    /// The service-account token the API accepts (`Authorization: Bearer <token>`).
    pub token: String,
    /// Whether `kube-system/aws-auth` exists (it does on EKS).
    pub aws_auth: bool,
    /// `data."cluster.name"` of `amazon-cloudwatch/cluster-info`, or `None` when the config map
    /// does not exist.
    pub cluster_name: Option<String>,
}

impl Default for KubernetesCluster {
    fn default() -> Self {
        KubernetesCluster {
            token: "fake-service-account-token".into(),
            aws_auth: true,
            cluster_name: Some("agents-prod".into()),
        }
    }
}

/// A fake Kubernetes API server on `127.0.0.1` over plain HTTP, answering the two config-map
/// reads an EKS detector makes: `GET /api/v1/namespaces/kube-system/configmaps/aws-auth` and
/// `GET /api/v1/namespaces/amazon-cloudwatch/configmaps/cluster-info`. A request without the
/// cluster's bearer token gets `401`, a missing config map `404` (Kubernetes `Status` bodies).
///
/// ```
/// use agentcore_observability_testkit::{FakeKubernetesApi, KubernetesCluster};
///
/// let api = FakeKubernetesApi::start(KubernetesCluster::default()).unwrap();
/// assert!(api.base_url().starts_with("http://127.0.0.1:"));
/// ```
pub struct FakeKubernetesApi {
    server: MetadataServer<KubernetesCluster>,
}

impl std::fmt::Debug for FakeKubernetesApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeKubernetesApi")
            .field("addr", &self.server.addr)
            .finish_non_exhaustive()
    }
}

impl FakeKubernetesApi {
    /// Starts a fake API server for `cluster`.
    pub fn start(cluster: KubernetesCluster) -> io::Result<FakeKubernetesApi> {
        Ok(FakeKubernetesApi {
            server: MetadataServer::start("fake-kubernetes-api", cluster, route)?,
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// The socket address the fake listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// Every request received so far, in arrival order.
    pub fn calls(&self) -> Vec<MetadataCall> {
        self.server.calls()
    }

    /// Waits until at least `at_least` requests were answered or `timeout` passes, and returns
    /// all of them.
    pub fn wait_for_calls(&self, at_least: usize, timeout: Duration) -> Vec<MetadataCall> {
        self.server.wait_for_calls(at_least, timeout)
    }

    /// Makes every later answer wait `delay` first (`Duration::ZERO` to stop).
    pub fn set_delay(&self, delay: Duration) {
        self.server.set_delay(delay);
    }
}

fn status(code: StatusCode, reason: &str, message: &str) -> Reply {
    let body = serde_json::json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code.as_u16()
    });
    Reply {
        status: code,
        content_type: "application/json",
        body: body.to_string(),
    }
}

fn config_map(namespace: &str, name: &str, data: serde_json::Value) -> Reply {
    Reply::json(
        serde_json::json!({
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": {"name": name, "namespace": namespace, "resourceVersion": "4711"},
            "data": data
        })
        .to_string(),
    )
}

fn route(method: &str, path: &str, headers: &HeaderMap, cluster: &mut KubernetesCluster) -> Reply {
    let expected = format!("Bearer {}", cluster.token);
    if header(headers, "authorization") != Some(expected.as_str()) {
        return status(StatusCode::UNAUTHORIZED, "Unauthorized", "Unauthorized");
    }
    if method != "GET" {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        );
    }
    match path {
        AWS_AUTH_PATH if cluster.aws_auth => config_map(
            "kube-system",
            "aws-auth",
            serde_json::json!({"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/eks-node\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n  - system:bootstrappers\n  - system:nodes\n"}),
        ),
        CLUSTER_INFO_PATH => match &cluster.cluster_name {
            Some(name) => config_map(
                "amazon-cloudwatch",
                "cluster-info",
                serde_json::json!({"cluster.name": name, "logs.region": "us-west-2"}),
            ),
            None => status(
                StatusCode::NOT_FOUND,
                "NotFound",
                "configmaps \"cluster-info\" not found",
            ),
        },
        _ => status(
            StatusCode::NOT_FOUND,
            "NotFound",
            "the server could not find the requested resource",
        ),
    }
}
