//! [`FakeImds`]: the EC2 instance metadata service, IMDSv2.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

use super::{MetadataCall, MetadataServer, Reply};
use crate::request::header;

/// The header a token request names the token's lifetime in (seconds, 1 to 21600).
const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
/// The header every metadata request carries the session token in.
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";

/// The EC2 instance a [`FakeImds`] describes. `Default` is a realistic `m7g.large` in
/// `us-west-2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ec2Instance {
    /// `accountId`.
    pub account_id: String,
    /// `region`.
    pub region: String,
    /// `availabilityZone`.
    pub availability_zone: String,
    /// `instanceId`.
    pub instance_id: String,
    /// `instanceType`.
    pub instance_type: String,
    /// `imageId`.
    pub image_id: String,
    /// `architecture` (`x86_64`, `arm64`, `i386`).
    pub architecture: String,
    /// `privateIp`.
    pub private_ip: String,
    /// `/latest/meta-data/hostname`.
    pub hostname: String,
}

impl Default for Ec2Instance {
    fn default() -> Self {
        Ec2Instance {
            account_id: "123456789012".into(),
            region: "us-west-2".into(),
            availability_zone: "us-west-2b".into(),
            instance_id: "i-0a1b2c3d4e5f67890".into(),
            instance_type: "m7g.large".into(),
            image_id: "ami-0fedcba9876543210".into(),
            architecture: "arm64".into(),
            private_ip: "172.31.22.7".into(),
            hostname: "ip-172-31-22-7.us-west-2.compute.internal".into(),
        }
    }
}

impl Ec2Instance {
    /// The instance identity document, as `/latest/dynamic/instance-identity/document` returns
    /// it (every field EC2 sends, including the ones that are usually `null`).
    pub fn identity_document(&self) -> String {
        serde_json::json!({
            "accountId": self.account_id,
            "architecture": self.architecture,
            "availabilityZone": self.availability_zone,
            "billingProducts": null,
            "devpayProductCodes": null,
            "marketplaceProductCodes": null,
            "imageId": self.image_id,
            "instanceId": self.instance_id,
            "instanceType": self.instance_type,
            "kernelId": null,
            "pendingTime": "2026-01-15T08:30:12Z",
            "privateIp": self.private_ip,
            "ramdiskId": null,
            "region": self.region,
            "version": "2017-09-30"
        })
        .to_string()
    }
}

/// The token issuer's state.
#[derive(Debug, Default)]
struct Imds {
    instance: Ec2Instance,
    tokens: Vec<String>,
}

/// A fake EC2 instance metadata service on `127.0.0.1`, IMDSv2 only.
///
/// * `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds: 1..=21600` returns a new
///   session token (`fake-imds-token-N`); without a valid TTL header, `400`.
/// * `GET /latest/…` needs `X-aws-ec2-metadata-token` set to an issued token, else `401`
///   (IMDSv1 requests are refused, as on instances that require IMDSv2). Known paths:
///   `dynamic/instance-identity/document` (JSON), `meta-data/hostname`, `meta-data/local-hostname`,
///   `meta-data/instance-id`, `meta-data/instance-type`, `meta-data/ami-id`,
///   `meta-data/placement/availability-zone`, `meta-data/placement/region`; others `404`.
/// * Other methods: `405`.
///
/// Point a client at it with `AWS_EC2_METADATA_SERVICE_ENDPOINT=<endpoint()>`.
///
/// ```
/// use agentcore_observability_testkit::{Ec2Instance, FakeImds};
///
/// let imds = FakeImds::start().unwrap();
/// assert_eq!(imds.instance(), Ec2Instance::default());
/// assert!(imds.issued_tokens().is_empty());
/// ```
pub struct FakeImds {
    server: MetadataServer<Imds>,
}

impl std::fmt::Debug for FakeImds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeImds")
            .field("addr", &self.server.addr)
            .finish_non_exhaustive()
    }
}

impl FakeImds {
    /// Starts a fake describing [`Ec2Instance::default`].
    pub fn start() -> io::Result<FakeImds> {
        FakeImds::start_with(Ec2Instance::default())
    }

    /// Starts a fake describing `instance`.
    pub fn start_with(instance: Ec2Instance) -> io::Result<FakeImds> {
        let state = Imds {
            instance,
            tokens: Vec::new(),
        };
        Ok(FakeImds {
            server: MetadataServer::start("fake-imds", state, route)?,
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): the value for
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// The socket address the fake listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// The instance the fake describes.
    pub fn instance(&self) -> Ec2Instance {
        self.server.state.lock().inner.instance.clone()
    }

    /// Every session token issued so far, in order.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.server.state.lock().inner.tokens.clone()
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

fn route(method: &str, path: &str, headers: &HeaderMap, imds: &mut Imds) -> Reply {
    if path == "/latest/api/token" {
        if method != "PUT" {
            return Reply::text(StatusCode::METHOD_NOT_ALLOWED, "");
        }
        let ttl = header(headers, TTL_HEADER).and_then(|v| v.trim().parse::<u32>().ok());
        return match ttl {
            Some(1..=21600) => {
                let token = format!("fake-imds-token-{}", imds.tokens.len() + 1);
                imds.tokens.push(token.clone());
                Reply::text(StatusCode::OK, token)
            }
            _ => Reply::text(StatusCode::BAD_REQUEST, ""),
        };
    }
    if method != "GET" {
        return Reply::text(StatusCode::METHOD_NOT_ALLOWED, "");
    }
    let authorised =
        header(headers, TOKEN_HEADER).is_some_and(|t| imds.tokens.iter().any(|i| i == t));
    if !authorised {
        return Reply::text(StatusCode::UNAUTHORIZED, "");
    }
    let instance = &imds.instance;
    let text = |value: &str| Reply::text(StatusCode::OK, value);
    match path.strip_prefix("/latest/") {
        Some("dynamic/instance-identity/document") => Reply::json(instance.identity_document()),
        Some("meta-data/hostname" | "meta-data/local-hostname") => text(&instance.hostname),
        Some("meta-data/instance-id") => text(&instance.instance_id),
        Some("meta-data/instance-type") => text(&instance.instance_type),
        Some("meta-data/ami-id") => text(&instance.image_id),
        Some("meta-data/placement/availability-zone") => text(&instance.availability_zone),
        Some("meta-data/placement/region") => text(&instance.region),
        _ => Reply::text(StatusCode::NOT_FOUND, ""),
    }
}
