//! Loopback stand-ins for the AWS metadata services that resource detectors call, so detection can
//! be tested over real HTTP without a network:
//!
//! * [`FakeImds`]: the EC2 instance metadata service, IMDSv2 only (a `GET` without a valid session
//!   token is answered `401`, as on an instance that requires IMDSv2);
//! * [`FakeEcsMetadata`]: the ECS task metadata endpoint v4 (container and task documents);
//! * [`FakeKubernetesApi`]: the two Kubernetes API reads an EKS detector makes (`aws-auth` and
//!   `amazon-cloudwatch/cluster-info` config maps), over plain HTTP.
//!
//! Each runs on its own thread and current-thread tokio runtime (like
//! [`OtlpReceiver`](crate::OtlpReceiver)), records every request as a [`MetadataCall`], and can be
//! slowed down with `set_delay` to test a caller's time bound. Dropping one stops it.
//!
//! ```
//! use agentcore_observability_testkit::{FakeEcsMetadata, FakeImds};
//!
//! let imds = FakeImds::start().unwrap();
//! let ecs = FakeEcsMetadata::start().unwrap();
//! // AWS_EC2_METADATA_SERVICE_ENDPOINT=<imds.endpoint()>, ECS_CONTAINER_METADATA_URI_V4=<ecs.uri()>
//! assert!(imds.endpoint().starts_with("http://127.0.0.1:"));
//! assert!(ecs.uri().contains("/v4/"));
//! assert!(imds.calls().is_empty());
//! ```

mod ecs;
mod imds;
mod kubernetes;

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;

use crate::http_server::ServerHandle;
use crate::watched::Watched;

pub use ecs::{EcsTask, FakeEcsMetadata};
pub use imds::{Ec2Instance, FakeImds};
pub use kubernetes::{FakeKubernetesApi, KubernetesCluster};

/// One request a metadata stand-in received, and the status it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetadataCall {
    /// `GET`, `PUT`, …
    pub method: String,
    /// The request path (without the query).
    pub path: String,
    /// The request headers, names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The status code answered.
    pub status: u16,
}

impl MetadataCall {
    /// The value of a request header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer: status, content type, body.
struct Reply {
    status: StatusCode,
    content_type: &'static str,
    body: String,
}

impl Reply {
    fn json(body: String) -> Self {
        Reply {
            status: StatusCode::OK,
            content_type: "application/json",
            body,
        }
    }

    fn text(status: StatusCode, body: impl Into<String>) -> Self {
        Reply {
            status,
            content_type: "text/plain",
            body: body.into(),
        }
    }
}

/// What every stand-in records, plus its own state `S`.
#[derive(Debug, Default)]
struct State<S> {
    calls: Vec<MetadataCall>,
    delay: Duration,
    inner: S,
}

type Shared<S> = Arc<Watched<State<S>>>;

/// The server common to the stand-ins: binds `127.0.0.1`, answers each request with `route` (run
/// under the state's lock), after the configured delay, and records it.
struct MetadataServer<S> {
    addr: SocketAddr,
    state: Shared<S>,
    _server: ServerHandle,
}

impl<S: Default + Send + 'static> MetadataServer<S> {
    fn start(
        name: &str,
        inner: S,
        route: fn(&str, &str, &HeaderMap, &mut S) -> Reply,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let state: Shared<S> = Arc::new(Watched::default());
        state.lock().inner = inner;
        let handler_state = Arc::clone(&state);
        let server = ServerHandle::spawn(listener, name, move |_peer, request| {
            let state = Arc::clone(&handler_state);
            async move { Ok::<_, Infallible>(answer(&state, route, request).await) }
        })?;
        Ok(MetadataServer {
            addr,
            state,
            _server: server,
        })
    }

    fn calls(&self) -> Vec<MetadataCall> {
        self.state.lock().calls.clone()
    }

    fn wait_for_calls(&self, at_least: usize, timeout: Duration) -> Vec<MetadataCall> {
        self.state
            .wait_until(timeout, |s| s.calls.len() >= at_least, |s| s.calls.clone())
    }

    fn set_delay(&self, delay: Duration) {
        self.state.lock().delay = delay;
    }
}

/// Waits the configured delay, routes, records, answers.
async fn answer<S>(
    state: &Shared<S>,
    route: fn(&str, &str, &HeaderMap, &mut S) -> Reply,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, _body) = request.into_parts();
    let delay = state.lock().delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_owned();
    let reply = {
        let mut guard = state.lock();
        let reply = route(&method, &path, &parts.headers, &mut guard.inner);
        guard.calls.push(MetadataCall {
            method,
            path,
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            status: reply.status.as_u16(),
        });
        reply
    };
    state.notify();
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = reply.status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        http::HeaderValue::from_static(reply.content_type),
    );
    response
}
