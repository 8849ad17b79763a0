//! [`FakeLambdaRuntimeApi`]: the AWS Lambda Runtime API on a loopback port, for running a real
//! `lambda_runtime::Runtime` offline.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use tokio::sync::Notify;

use crate::http_server::ServerHandle;
use crate::watched::Watched;

/// The Runtime API version prefix every path starts with.
const PREFIX: &str = "/2018-06-01/runtime";
/// Largest request body read (Lambda's own limit for a buffered response is 6 MB).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// One invocation for the fake to hand out on `GET …/invocation/next`.
///
/// ```
/// use agentcore_observability_testkit::FakeInvocation;
///
/// let invocation = FakeInvocation::new("req-1", r#"{"prompt":"hi"}"#)
///     .trace_id("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
/// assert_eq!(invocation.request_id(), "req-1");
/// ```
#[derive(Clone, Debug)]
pub struct FakeInvocation {
    request_id: String,
    body: Bytes,
    trace_id: Option<String>,
    deadline_ms: Option<u64>,
    invoked_function_arn: String,
}

impl FakeInvocation {
    /// An invocation with this request id and JSON event, the function ARN
    /// `arn:aws:lambda:us-east-1:123456789012:function:fake-function`, a deadline 60 s after it is
    /// handed out, and no trace header.
    pub fn new(request_id: impl Into<String>, body: impl Into<Bytes>) -> Self {
        FakeInvocation {
            request_id: request_id.into(),
            body: body.into(),
            trace_id: None,
            deadline_ms: None,
            invoked_function_arn: "arn:aws:lambda:us-east-1:123456789012:function:fake-function"
                .to_string(),
        }
    }

    /// Sends `Lambda-Runtime-Trace-Id` (X-Ray format: `Root=1-…;Parent=…;Sampled=…`).
    #[must_use]
    pub fn trace_id(mut self, header: impl Into<String>) -> Self {
        self.trace_id = Some(header.into());
        self
    }

    /// Sends this `Lambda-Runtime-Deadline-Ms` (milliseconds since the epoch) instead of "60 s
    /// from when it is handed out".
    #[must_use]
    pub fn deadline_ms(mut self, deadline_ms: u64) -> Self {
        self.deadline_ms = Some(deadline_ms);
        self
    }

    /// Sends this `Lambda-Runtime-Invoked-Function-Arn`.
    #[must_use]
    pub fn invoked_function_arn(mut self, arn: impl Into<String>) -> Self {
        self.invoked_function_arn = arn.into();
        self
    }

    /// The request id (`Lambda-Runtime-Aws-Request-Id`).
    pub fn request_id(&self) -> &str {
        &self.request_id
    }
}

/// What a Runtime API request was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeApiCallKind {
    /// `GET /2018-06-01/runtime/invocation/next`: the runtime asks for the next event (on Lambda,
    /// the moment the sandbox may be frozen).
    Next,
    /// `POST /2018-06-01/runtime/invocation/{request_id}/response`.
    Response {
        /// The invocation answered.
        request_id: String,
    },
    /// `POST /2018-06-01/runtime/invocation/{request_id}/error`.
    Error {
        /// The invocation that failed.
        request_id: String,
    },
    /// `POST /2018-06-01/runtime/init/error`.
    InitError,
    /// Anything else (answered 404).
    Other,
}

/// One request the fake Runtime API received.
#[derive(Clone, Debug)]
pub struct RuntimeApiCall {
    /// What it was.
    pub kind: RuntimeApiCallKind,
    /// The HTTP method.
    pub method: String,
    /// The request path.
    pub path: String,
    /// The request headers.
    pub headers: HeaderMap,
    /// The request body (the function's response or error document).
    pub body: Bytes,
    /// When the request arrived (before any long-poll wait for an event).
    pub received_at: Instant,
    /// For [`RuntimeApiCallKind::Next`]: the request id of the invocation handed out, `None` while
    /// the call still waits (or when the fake stopped first).
    pub delivered: Option<String>,
}

impl RuntimeApiCall {
    /// The body as UTF-8 text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<FakeInvocation>,
    calls: Vec<RuntimeApiCall>,
}

/// Called with each `next` call as it arrives.
type NextHook = Arc<dyn Fn(&RuntimeApiCall) + Send + Sync>;

#[derive(Default)]
struct Shared {
    state: Watched<State>,
    /// Wakes `next` calls waiting for an invocation.
    queued: Notify,
    on_next: Mutex<Option<NextHook>>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("state", &self.state)
            .field("on_next", &self.lock_hook().is_some())
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn lock_hook(&self) -> MutexGuard<'_, Option<NextHook>> {
        self.on_next.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The AWS Lambda Runtime API on `127.0.0.1`, handing out queued invocations and recording every
/// request, so a real `lambda_runtime::Runtime` can run in a test: set `AWS_LAMBDA_RUNTIME_API` to
/// [`address`](Self::address) in the environment of the process that runs it.
///
/// `GET /2018-06-01/runtime/invocation/next` answers with the next queued [`FakeInvocation`]
/// (`200`, the event as the body, `Lambda-Runtime-Aws-Request-Id`, `Lambda-Runtime-Deadline-Ms`,
/// `Lambda-Runtime-Invoked-Function-Arn`, `Lambda-Runtime-Trace-Id` when set), waiting as long as
/// the queue is empty, as Lambda does; `POST …/invocation/{id}/response`, `POST
/// …/invocation/{id}/error` and `POST …/init/error` are answered `202 {"status":"OK"}`; anything
/// else `404`. Like the other fakes it runs its own server thread and current-thread tokio runtime;
/// every method is synchronous and every wait bounded. Dropping it stops the server (a waiting
/// `next` call then fails, which ends `Runtime::run`).
///
/// ```
/// use std::time::Duration;
/// use agentcore_observability_testkit::{FakeInvocation, FakeLambdaRuntimeApi};
///
/// let api = FakeLambdaRuntimeApi::start().unwrap();
/// api.push(FakeInvocation::new("req-1", "{}"));
/// assert!(api.address().starts_with("127.0.0.1:"));
/// assert!(api.wait_for_calls(|calls| !calls.is_empty(), Duration::from_millis(10)).is_empty());
/// ```
#[derive(Debug)]
pub struct FakeLambdaRuntimeApi {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: ServerHandle,
}

impl FakeLambdaRuntimeApi {
    /// Binds `127.0.0.1` on a free port and starts serving.
    pub fn start() -> io::Result<FakeLambdaRuntimeApi> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let server = {
            let shared = Arc::clone(&shared);
            ServerHandle::spawn(
                listener,
                "fake-lambda-runtime-api",
                move |_peer, request| {
                    let shared = Arc::clone(&shared);
                    async move { Ok::<_, io::Error>(handle(&shared, request).await) }
                },
            )?
        };
        Ok(FakeLambdaRuntimeApi {
            addr,
            shared,
            server,
        })
    }

    /// `127.0.0.1:PORT`: the value for `AWS_LAMBDA_RUNTIME_API` (host and port, no scheme).
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Queues an invocation; a waiting `next` call gets it at once.
    pub fn push(&self, invocation: FakeInvocation) {
        self.shared.state.lock().queue.push_back(invocation);
        self.shared.queued.notify_waiters();
        self.shared.state.notify();
    }

    /// Runs `hook` with every `GET …/invocation/next` call the moment it arrives, before it is
    /// answered, on the fake's server thread: the point where Lambda may freeze the sandbox, so a
    /// test can look at what had reached a collector by then. Replaces an earlier hook. Keep it
    /// short: the fake answers nothing else while it runs.
    pub fn on_next(&self, hook: impl Fn(&RuntimeApiCall) + Send + Sync + 'static) {
        *self.shared.lock_hook() = Some(Arc::new(hook));
    }

    /// Every request received so far, in arrival order.
    pub fn calls(&self) -> Vec<RuntimeApiCall> {
        self.shared.state.lock().calls.clone()
    }

    /// Waits until `pred` holds for the requests received or `timeout` passes, and returns all
    /// received by then.
    pub fn wait_for_calls(
        &self,
        pred: impl Fn(&[RuntimeApiCall]) -> bool,
        timeout: Duration,
    ) -> Vec<RuntimeApiCall> {
        self.shared
            .state
            .wait_until(timeout, |s| pred(&s.calls), |s| s.calls.clone())
    }

    /// Stops the server now (as dropping it does); what was recorded stays readable.
    pub fn shutdown(&mut self) {
        self.server.stop();
    }
}

/// Records and answers one request.
async fn handle(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let received_at = Instant::now();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let kind = classify(&parts.method, &path);
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return answer(StatusCode::PAYLOAD_TOO_LARGE, Bytes::new()),
    };
    let call = RuntimeApiCall {
        kind: kind.clone(),
        method: parts.method.to_string(),
        path,
        headers: parts.headers,
        body,
        received_at,
        delivered: None,
    };
    if kind == RuntimeApiCallKind::Next {
        let hook = shared.lock_hook().clone();
        if let Some(hook) = hook {
            hook(&call);
        }
    }
    let index = {
        let mut state = shared.state.lock();
        state.calls.push(call);
        state.calls.len() - 1
    };
    shared.state.notify();
    match kind {
        RuntimeApiCallKind::Next => next_invocation(shared, index).await,
        RuntimeApiCallKind::Response { .. }
        | RuntimeApiCallKind::Error { .. }
        | RuntimeApiCallKind::InitError => answer(
            StatusCode::ACCEPTED,
            Bytes::from_static(br#"{"status":"OK"}"#),
        ),
        RuntimeApiCallKind::Other => answer(StatusCode::NOT_FOUND, Bytes::new()),
    }
}

/// Waits for a queued invocation and hands it out as call `index`.
async fn next_invocation(shared: &Shared, index: usize) -> Response<Full<Bytes>> {
    loop {
        let queued = shared.queued.notified();
        tokio::pin!(queued);
        queued.as_mut().enable();
        let invocation = {
            let mut state = shared.state.lock();
            let invocation = state.queue.pop_front();
            if let (Some(invocation), Some(call)) = (&invocation, state.calls.get_mut(index)) {
                call.delivered = Some(invocation.request_id.clone());
            }
            invocation
        };
        if let Some(invocation) = invocation {
            shared.state.notify();
            return invocation_response(invocation);
        }
        queued.await;
    }
}

fn invocation_response(invocation: FakeInvocation) -> Response<Full<Bytes>> {
    let deadline_ms = invocation.deadline_ms.unwrap_or_else(|| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        u64::try_from((now + Duration::from_secs(60)).as_millis()).unwrap_or(u64::MAX)
    });
    let mut builder = Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .header("lambda-runtime-aws-request-id", &invocation.request_id)
        .header("lambda-runtime-deadline-ms", deadline_ms.to_string())
        .header(
            "lambda-runtime-invoked-function-arn",
            &invocation.invoked_function_arn,
        );
    if let Some(trace_id) = &invocation.trace_id {
        builder = builder.header("lambda-runtime-trace-id", trace_id);
    }
    builder
        .body(Full::new(invocation.body.clone()))
        // A header value the builder refuses (a test's own bad input): answer 500.
        .unwrap_or_else(|_| answer(StatusCode::INTERNAL_SERVER_ERROR, Bytes::new()))
}

fn answer(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
}

fn classify(method: &Method, path: &str) -> RuntimeApiCallKind {
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return RuntimeApiCallKind::Other;
    };
    match (method, rest) {
        (&Method::GET, "/invocation/next") => RuntimeApiCallKind::Next,
        (&Method::POST, "/init/error") => RuntimeApiCallKind::InitError,
        (&Method::POST, rest) => {
            let Some(rest) = rest.strip_prefix("/invocation/") else {
                return RuntimeApiCallKind::Other;
            };
            match rest.rsplit_once('/') {
                Some((id, "response")) if !id.is_empty() && !id.contains('/') => {
                    RuntimeApiCallKind::Response {
                        request_id: id.to_string(),
                    }
                }
                Some((id, "error")) if !id.is_empty() && !id.contains('/') => {
                    RuntimeApiCallKind::Error {
                        request_id: id.to_string(),
                    }
                }
                _ => RuntimeApiCallKind::Other,
            }
        }
        _ => RuntimeApiCallKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        let post = Method::POST;
        assert_eq!(
            classify(&Method::GET, "/2018-06-01/runtime/invocation/next"),
            RuntimeApiCallKind::Next
        );
        assert_eq!(
            classify(&post, "/2018-06-01/runtime/invocation/abc/response"),
            RuntimeApiCallKind::Response {
                request_id: "abc".into()
            }
        );
        assert_eq!(
            classify(&post, "/2018-06-01/runtime/invocation/abc/error"),
            RuntimeApiCallKind::Error {
                request_id: "abc".into()
            }
        );
        assert_eq!(
            classify(&post, "/2018-06-01/runtime/init/error"),
            RuntimeApiCallKind::InitError
        );
        for (method, path) in [
            (&post, "/2018-06-01/runtime/invocation/next"),
            (&Method::GET, "/2018-06-01/runtime/invocation/a/response"),
            (&post, "/2018-06-01/runtime/invocation//response"),
            (&post, "/2018-06-01/runtime/invocation/a/b/response"),
            (&post, "/other"),
        ] {
            assert_eq!(classify(method, path), RuntimeApiCallKind::Other, "{path}");
        }
    }

    /// Over the wire with a plain HTTP client: long-poll, hand-out, response.
    #[test]
    fn hands_out_queued_invocations() {
        let api = FakeLambdaRuntimeApi::start().expect("start");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let base = format!("http://{}{PREFIX}", api.address());
        let client = reqwest::Client::new();
        let waiting = {
            let (client, base) = (client.clone(), base.clone());
            runtime.spawn(async move { client.get(format!("{base}/invocation/next")).send().await })
        };
        let seen = Arc::new(Mutex::new(Vec::new()));
        {
            let seen = Arc::clone(&seen);
            api.on_next(move |call| {
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(call.path.clone());
            });
        }
        let calls = api.wait_for_calls(|c| !c.is_empty(), Duration::from_secs(10));
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].delivered, None, "nothing queued yet");
        api.push(
            FakeInvocation::new("req-1", r#"{"q":1}"#)
                .trace_id(
                    "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
                )
                .deadline_ms(42),
        );
        let response = runtime.block_on(waiting).expect("task").expect("response");
        assert_eq!(response.status(), 200);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        assert_eq!(
            header("lambda-runtime-aws-request-id").as_deref(),
            Some("req-1")
        );
        assert_eq!(header("lambda-runtime-deadline-ms").as_deref(), Some("42"));
        assert!(header("lambda-runtime-trace-id").is_some_and(|t| t.contains("Parent=")));
        assert_eq!(
            runtime.block_on(response.text()).expect("body"),
            r#"{"q":1}"#
        );
        let posted = runtime
            .block_on(
                client
                    .post(format!("{base}/invocation/req-1/response"))
                    .body("\"ok\"")
                    .send(),
            )
            .expect("post");
        assert_eq!(posted.status(), 202);
        let calls = api.calls();
        assert_eq!(calls[0].delivered.as_deref(), Some("req-1"));
        assert_eq!(
            calls[1].kind,
            RuntimeApiCallKind::Response {
                request_id: "req-1".into()
            }
        );
        assert_eq!(calls[1].body_text(), "\"ok\"");
        assert_eq!(
            *seen.lock().unwrap_or_else(PoisonError::into_inner),
            ["/2018-06-01/runtime/invocation/next"],
            "the hook saw the next call, not the response"
        );
    }
}
