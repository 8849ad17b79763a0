//! A fake AWS endpoint on a loopback port for driving real `aws-sdk-*` clients offline: it
//! records every request and answers from scripted responses, or, when none is queued, with a
//! small in-memory S3, DynamoDB, SQS and SNS.
//!
//! Point the SDK's `endpoint_url` at [`FakeAws::endpoint`] (S3 clients also need
//! `force_path_style(true)`: the fake reads the bucket from the path), then read back every
//! request with [`FakeAws::requests`]: method, path, query, headers (the `traceparent` /
//! `baggage` / `X-Amzn-Trace-Id` an instrumentation injects), body, and the answer's status and
//! request id.
//!
//! ```
//! use agentcore_observability_testkit::{AwsResponse, FakeAws};
//!
//! let fake = FakeAws::start().unwrap();
//! // The next DynamoDB GetItem fails; everything else gets the default answers.
//! fake.respond_to(
//!     "GetItem",
//!     AwsResponse::json_error(400, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "Requested resource not found"),
//! );
//! // aws_sdk_dynamodb::Config::builder().endpoint_url(fake.endpoint())…
//! assert!(fake.requests().is_empty());
//! ```
//!
//! # Default answers
//!
//! The protocol comes from the request: `X-Amz-Target: <Prefix>.<Operation>` is awsJson (the
//! prefix names the service), a form body with `Action=` is awsQuery, a SigV4 scope naming `s3`
//! (or anything else) is REST. Every answer carries a request id
//! `00000000-0000-4000-8000-NNNNNNNNNNNN` (N = request number from 1): `x-amzn-RequestId`, and
//! for S3 `x-amz-request-id` plus `x-amz-id-2: FakeHostId/NNNN`. ARNs use the region of the
//! request's SigV4 scope (else `us-east-1`) and account [`ACCOUNT_ID`].
//!
//! | service | operations | answer |
//! |---|---|---|
//! | S3 (path-style `/{bucket}/{key}`) | `PUT` object / `GET` / `HEAD` / `DELETE`; `PUT /{bucket}` (CreateBucket); `GET /{bucket}?list-type=2` (ListObjectsV2) | objects kept in memory (`aws-chunked` bodies decoded); a missing key is `404 NoSuchKey` (XML; `HEAD`: no body); `ETag` = quoted hex of the body's SHA-256 prefix |
//! | DynamoDB (`DynamoDB_20120810`) | `PutItem`, `GetItem`, `DeleteItem`, `Scan`, `DescribeTable`, `CreateTable`, `ListTables` | items kept per table; `GetItem` answers the latest item whose attributes include the `Key`'s; every table exists (`ACTIVE`, `TableArn` `arn:aws:dynamodb:{region}:{account}:table/{name}`) |
//! | SQS (`AmazonSQS`, JSON) | `CreateQueue`, `GetQueueUrl`, `SendMessage`, `ReceiveMessage`, `DeleteMessage` | every queue exists; `QueueUrl` = `{endpoint}/{account}/{name}`; messages kept per queue; `MessageId`s `00000000-0000-4000-9000-NNNNNNNNNNNN` |
//! | SNS (awsQuery) | `CreateTopic`, `Publish` | `TopicArn` `arn:aws:sns:{region}:{account}:{Name}`, a `MessageId` |
//! | anything else | | awsJson: `200 {}`; awsQuery: `200 <{Action}Response>` with an empty result; REST: `200 {}` |
//!
//! Scripted answers ([`FakeAws::respond_next`], [`FakeAws::respond_to`]) take precedence, one per
//! request, in order; one that sets no request id header gets the default ones.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::http_server::ServerHandle;
use crate::request::{self, percent_decode};
use crate::watched::Watched;

/// The account id in the ARNs and queue URLs the fake makes up.
pub const ACCOUNT_ID: &str = "123456789012";

/// Largest request body read.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The wire protocol of a request, as the fake recognised it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AwsProtocol {
    /// awsJson 1.0 / 1.1: `X-Amz-Target: {prefix}.{operation}` (DynamoDB, SQS, Kinesis …).
    Json {
        /// The target prefix (`DynamoDB_20120810`, `AmazonSQS` …).
        prefix: String,
    },
    /// awsQuery: a form body with `Action=` (SNS, STS …).
    Query,
    /// REST (restXml, restJson1), e.g. S3 or Lambda; `service` is the SigV4 signing name.
    Rest {
        /// The service of the SigV4 credential scope (`s3`, `lambda` …), if signed.
        service: Option<String>,
    },
}

/// One request the fake received, with the answer it got.
#[derive(Debug, Clone)]
pub struct AwsRequest {
    /// The protocol the request speaks.
    pub protocol: AwsProtocol,
    /// The operation: the `X-Amz-Target` suffix, the awsQuery `Action`, S3's `x-id` query
    /// parameter, or for other S3 calls what the fake made of method and path (`PutObject`,
    /// `HeadObject`, `CreateBucket`, `ListObjectsV2` …); `None` when unknown.
    pub operation: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The raw (still percent-encoded) path.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// All request headers: `traceparent`, `baggage`, `x-amzn-trace-id` as injected,
    /// `authorization`, `x-amz-date`, `x-amz-target`, …
    pub headers: HeaderMap,
    /// The request body as received (decoded from `aws-chunked` when it was sent so).
    pub body: Bytes,
    /// The HTTP status answered.
    pub status: u16,
    /// The request id sent back (`00000000-0000-4000-8000-NNNNNNNNNNNN`), unless a scripted
    /// answer set its own.
    pub request_id: String,
    /// Whether the answer was scripted (rather than a default one).
    pub scripted: bool,
    /// When the request headers arrived.
    pub received_at: Instant,
}

impl AwsRequest {
    /// The first value of header `name` (case-insensitive), if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        request::header(&self.headers, name)
    }

    /// The W3C `traceparent` header.
    pub fn traceparent(&self) -> Option<&str> {
        self.header("traceparent")
    }

    /// The W3C `baggage` header.
    pub fn baggage(&self) -> Option<&str> {
        self.header("baggage")
    }

    /// The X-Ray `X-Amzn-Trace-Id` header (`Root=1-…;Parent=…;Sampled=…`).
    pub fn xray_trace_id(&self) -> Option<&str> {
        self.header("x-amzn-trace-id")
    }

    /// The region of the SigV4 credential scope, if the request is signed.
    pub fn signing_region(&self) -> Option<&str> {
        sigv4_scope(&self.headers).map(|(region, _)| region)
    }

    /// The service of the SigV4 credential scope (`s3`, `dynamodb`, `sqs` …), if signed.
    pub fn signing_service(&self) -> Option<&str> {
        sigv4_scope(&self.headers).map(|(_, service)| service)
    }

    /// The value of query parameter `name`, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_param(self.query.as_deref()?, name)
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Whether the answer was 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A scripted answer: status, headers, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsResponse {
    /// The HTTP status.
    pub status: u16,
    /// Response headers, in order.
    pub headers: Vec<(String, String)>,
    /// The response body.
    pub body: Bytes,
}

impl AwsResponse {
    /// `status` with no body.
    pub fn status(status: u16) -> AwsResponse {
        AwsResponse {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// An awsJson answer (`content-type: application/x-amz-json-1.0`).
    pub fn json(status: u16, body: &Value) -> AwsResponse {
        AwsResponse::status(status)
            .header("content-type", "application/x-amz-json-1.0")
            .body(body.to_string())
    }

    /// An awsJson / restJson1 error: `{"__type": error_type, "message": message}` (the SDKs read
    /// the code after any `namespace#`), with `x-amzn-query-error` for the SQS-style
    /// `AWS.SimpleQueueService.*` codes left to [`header`](Self::header).
    pub fn json_error(status: u16, error_type: &str, message: &str) -> AwsResponse {
        AwsResponse::json(status, &json!({"__type": error_type, "message": message}))
    }

    /// An S3 (restXml) error: `<Error><Code>{code}</Code><Message>{message}</Message>…</Error>`.
    pub fn s3_error(status: u16, code: &str, message: &str) -> AwsResponse {
        AwsResponse::xml(
            status,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message></Error>",
                xml_escape(code),
                xml_escape(message)
            ),
        )
    }

    /// An awsQuery error (SNS, STS …): `<ErrorResponse><Error><Type>Sender|Receiver</Type>
    /// <Code>…</Code><Message>…</Message></Error></ErrorResponse>`.
    pub fn query_error(status: u16, code: &str, message: &str) -> AwsResponse {
        let kind = if status >= 500 { "Receiver" } else { "Sender" };
        AwsResponse::xml(
            status,
            format!(
                "<ErrorResponse><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ErrorResponse>",
                xml_escape(code),
                xml_escape(message)
            ),
        )
    }

    /// An XML answer (`content-type: application/xml`).
    pub fn xml(status: u16, body: impl Into<String>) -> AwsResponse {
        AwsResponse::status(status)
            .header("content-type", "application/xml")
            .body(body.into())
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> AwsResponse {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> AwsResponse {
        self.body = body.into();
        self
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// A queued answer, for any request or only for one operation.
#[derive(Debug)]
struct Scripted {
    operation: Option<String>,
    response: AwsResponse,
}

/// The in-memory services behind the default answers.
#[derive(Debug, Default)]
struct Services {
    /// S3: (bucket, key) → (body, content type).
    objects: BTreeMap<(String, String), (Bytes, Option<String>)>,
    /// DynamoDB: table → items, oldest first.
    items: HashMap<String, Vec<Map<String, Value>>>,
    /// SQS: queue name → messages (id, body).
    queues: HashMap<String, VecDeque<(String, String)>>,
}

#[derive(Debug, Default)]
struct State {
    requests: Vec<AwsRequest>,
    scripted: VecDeque<Scripted>,
    services: Services,
    seq: u64,
}

/// A fake AWS endpoint on `127.0.0.1`, recording every request. See the [module docs](self).
///
/// It runs its own server thread with its own current-thread tokio runtime, so it works from
/// plain `#[test]`s and from any `#[tokio::test]`; all its methods are synchronous and every wait
/// is bounded. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeAws {
    addr: SocketAddr,
    state: Arc<Watched<State>>,
    server: ServerHandle,
}

impl FakeAws {
    /// Binds `127.0.0.1` on a free port and starts serving.
    pub fn start() -> std::io::Result<FakeAws> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Watched::<State>::default());
        let shared = Arc::clone(&state);
        let server = ServerHandle::spawn(listener, "fake-aws", move |_peer, request| {
            let state = Arc::clone(&shared);
            async move { Ok::<_, Infallible>(handle(&state, request).await) }
        })?;
        Ok(FakeAws {
            addr,
            state,
            server,
        })
    }

    /// The socket address the fake listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): what the SDK's `endpoint_url` takes.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues `response` as the answer to the next request (after those already queued).
    pub fn respond_next(&self, response: AwsResponse) {
        self.queue(None, response);
    }

    /// Queues several answers, one per request, in order.
    pub fn respond_with(&self, responses: impl IntoIterator<Item = AwsResponse>) {
        for response in responses {
            self.queue(None, response);
        }
    }

    /// Queues `response` as the answer to the next request for `operation` (`GetItem`,
    /// `PutObject` …; see [`AwsRequest::operation`]); other requests pass it by.
    pub fn respond_to(&self, operation: &str, response: AwsResponse) {
        self.queue(Some(operation.to_owned()), response);
    }

    fn queue(&self, operation: Option<String>, response: AwsResponse) {
        self.state.lock().scripted.push_back(Scripted {
            operation,
            response,
        });
    }

    /// How many scripted answers are still unused.
    pub fn pending_responses(&self) -> usize {
        self.state.lock().scripted.len()
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<AwsRequest> {
        self.state.lock().requests.clone()
    }

    /// The requests for `operation`, in arrival order.
    pub fn requests_for(&self, operation: &str) -> Vec<AwsRequest> {
        self.state
            .lock()
            .requests
            .iter()
            .filter(|r| r.operation.as_deref() == Some(operation))
            .cloned()
            .collect()
    }

    /// Waits until at least `at_least` requests were received or `timeout` passes, and returns
    /// all requests received by then (check the length: it may be short after a timeout).
    pub fn wait_for_requests(&self, at_least: usize, timeout: Duration) -> Vec<AwsRequest> {
        self.state.wait_until(
            timeout,
            |s| s.requests.len() >= at_least,
            |s| s.requests.clone(),
        )
    }

    /// The S3 object stored under `bucket` / `key`, if any.
    pub fn object(&self, bucket: &str, key: &str) -> Option<Bytes> {
        self.state
            .lock()
            .services
            .objects
            .get(&(bucket.to_owned(), key.to_owned()))
            .map(|(body, _)| body.clone())
    }

    /// Stores an S3 object, as a `PutObject` would.
    pub fn put_object(&self, bucket: &str, key: &str, body: impl Into<Bytes>) {
        self.state
            .lock()
            .services
            .objects
            .insert((bucket.to_owned(), key.to_owned()), (body.into(), None));
    }

    /// The DynamoDB items stored in `table`, oldest first.
    pub fn items(&self, table: &str) -> Vec<Value> {
        self.state
            .lock()
            .services
            .items
            .get(table)
            .map(|items| items.iter().cloned().map(Value::Object).collect())
            .unwrap_or_default()
    }

    /// The bodies of the SQS messages waiting in queue `name`.
    pub fn messages(&self, queue: &str) -> Vec<String> {
        self.state
            .lock()
            .services
            .queues
            .get(queue)
            .map(|q| q.iter().map(|(_, body)| body.clone()).collect())
            .unwrap_or_default()
    }

    /// Forgets every recorded request (scripted answers, stored data and numbering are kept).
    pub fn clear(&self) {
        self.state.lock().requests.clear();
    }

    /// Stops the server now (as dropping does); recorded requests stay readable.
    pub fn shutdown(&mut self) {
        self.server.stop();
    }
}

// ---------------------------------------------------------------------------------------------
// Answering

async fn handle(state: &Watched<State>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let received_at = Instant::now();
    let (parts, body) = request.into_parts();
    let collected = Limited::new(body, MAX_BODY_BYTES).collect().await;
    let mut body = collected.map(|c| c.to_bytes()).unwrap_or_default();
    let chunked = parts
        .headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("aws-chunked"));
    if chunked {
        body = decode_aws_chunked(&body);
    }
    let protocol = protocol_of(&parts.headers, &body);
    let mut request = AwsRequest {
        operation: None,
        protocol,
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        status: 0,
        request_id: String::new(),
        scripted: false,
        received_at,
    };
    request.operation = operation_of(&request);

    let answer = state_lock_and_notify(state, |state| {
        state.seq += 1;
        let seq = state.seq;
        request.request_id = format!("00000000-0000-4000-8000-{seq:012}");
        let scripted = state
            .scripted
            .iter()
            .position(|s| match &s.operation {
                None => true,
                Some(op) => request.operation.as_deref() == Some(op.as_str()),
            })
            .and_then(|i| state.scripted.remove(i));
        let answer = match scripted {
            Some(s) => {
                request.scripted = true;
                s.response
            }
            None => default_answer(&mut state.services, &request, seq),
        };
        let answer = with_request_ids(answer, &request, seq);
        request.status = answer.status;
        state.requests.push(request);
        answer
    });
    build_response(answer)
}

/// Runs `f` under the lock, then wakes the waiters.
fn state_lock_and_notify<R>(state: &Watched<State>, f: impl FnOnce(&mut State) -> R) -> R {
    let result = f(&mut state.lock());
    state.notify();
    result
}

fn build_response(answer: AwsResponse) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(answer.body));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in &answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    response
}

/// Adds the protocol's request id headers unless the answer has its own.
fn with_request_ids(mut answer: AwsResponse, request: &AwsRequest, seq: u64) -> AwsResponse {
    let s3 = is_s3(request);
    let has_id = ["x-amzn-requestid", "x-amz-request-id"]
        .iter()
        .any(|h| answer.has_header(h));
    if !has_id {
        let name = if s3 {
            "x-amz-request-id"
        } else {
            "x-amzn-RequestId"
        };
        answer = answer.header(name, request.request_id.clone());
    }
    if s3 && !answer.has_header("x-amz-id-2") {
        answer = answer.header("x-amz-id-2", format!("FakeHostId/{seq:016}"));
    }
    answer
}

fn protocol_of(headers: &HeaderMap, body: &[u8]) -> AwsProtocol {
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        let prefix = target.split_once('.').map_or(target, |(p, _)| p);
        return AwsProtocol::Json {
            prefix: prefix.to_owned(),
        };
    }
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form && std::str::from_utf8(body).is_ok_and(|b| form_param(b, "Action").is_some()) {
        return AwsProtocol::Query;
    }
    AwsProtocol::Rest {
        service: sigv4_scope(headers).map(|(_, service)| service.to_owned()),
    }
}

fn is_s3(request: &AwsRequest) -> bool {
    matches!(&request.protocol, AwsProtocol::Rest { service } if service.as_deref().is_none_or(|s| s == "s3"))
}

fn operation_of(request: &AwsRequest) -> Option<String> {
    match &request.protocol {
        AwsProtocol::Json { .. } => request
            .header("x-amz-target")
            .and_then(|t| t.split_once('.'))
            .map(|(_, op)| op.to_owned()),
        AwsProtocol::Query => form_param(std::str::from_utf8(&request.body).ok()?, "Action"),
        AwsProtocol::Rest { .. } if is_s3(request) => request
            .query_param("x-id")
            .or_else(|| s3_operation(request).map(str::to_owned)),
        AwsProtocol::Rest { .. } => None,
    }
}

/// What an S3 request without `x-id` is, from its method and path.
fn s3_operation(request: &AwsRequest) -> Option<&'static str> {
    let (_, key) = s3_target(&request.path)?;
    let query = request.query.as_deref().unwrap_or("");
    Some(match (request.method.as_str(), key.is_some()) {
        ("HEAD", true) => "HeadObject",
        ("HEAD", false) => "HeadBucket",
        ("PUT", false) => "CreateBucket",
        ("DELETE", false) => "DeleteBucket",
        ("GET", false) if query.contains("list-type=2") => "ListObjectsV2",
        ("GET", false) => "ListObjects",
        ("GET", true) => "GetObject",
        ("PUT", true) => "PutObject",
        ("DELETE", true) => "DeleteObject",
        _ => return None,
    })
}

/// Path-style `/{bucket}[/{key}]`, decoded.
fn s3_target(path: &str) -> Option<(String, Option<String>)> {
    let path = path.strip_prefix('/')?;
    let (bucket, key) = match path.split_once('/') {
        Some((bucket, key)) => (bucket, Some(key).filter(|k| !k.is_empty())),
        None => (path, None),
    };
    if bucket.is_empty() {
        return None;
    }
    Some((percent_decode(bucket), key.map(percent_decode)))
}

fn region_of(request: &AwsRequest) -> String {
    request.signing_region().unwrap_or("us-east-1").to_owned()
}

fn default_answer(services: &mut Services, request: &AwsRequest, seq: u64) -> AwsResponse {
    match &request.protocol {
        AwsProtocol::Json { prefix } if prefix.starts_with("DynamoDB") => {
            dynamodb(services, request)
        }
        AwsProtocol::Json { prefix } if prefix == "AmazonSQS" => sqs(services, request, seq),
        AwsProtocol::Json { .. } => AwsResponse::json(200, &json!({})),
        AwsProtocol::Query => query(request, seq),
        AwsProtocol::Rest { .. } if is_s3(request) => s3(services, request),
        AwsProtocol::Rest { .. } => AwsResponse::status(200)
            .header("content-type", "application/json")
            .body("{}"),
    }
}

fn s3(services: &mut Services, request: &AwsRequest) -> AwsResponse {
    let Some((bucket, key)) = s3_target(&request.path) else {
        return AwsResponse::xml(
            200,
            "<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>",
        );
    };
    let no_such_key =
        || AwsResponse::s3_error(404, "NoSuchKey", "The specified key does not exist.");
    match (request.method.as_str(), key) {
        ("PUT", Some(key)) => {
            let etag = etag(&request.body);
            let content_type = request.header("content-type").map(str::to_owned);
            services
                .objects
                .insert((bucket, key), (request.body.clone(), content_type));
            AwsResponse::status(200).header("ETag", etag)
        }
        ("GET", Some(key)) | ("HEAD", Some(key)) => match services.objects.get(&(bucket, key)) {
            Some((body, content_type)) => {
                let mut answer = AwsResponse::status(200)
                    .header("ETag", etag(body))
                    .header(
                        "content-type",
                        content_type
                            .clone()
                            .unwrap_or_else(|| "binary/octet-stream".to_owned()),
                    )
                    .header("content-length", body.len().to_string())
                    .header("last-modified", "Thu, 01 Jan 2026 00:00:00 GMT");
                if request.method == "GET" {
                    answer = answer.body(body.clone());
                }
                answer
            }
            None if request.method == "HEAD" => AwsResponse::status(404),
            None => no_such_key(),
        },
        ("DELETE", Some(key)) => {
            services.objects.remove(&(bucket, key));
            AwsResponse::status(204)
        }
        ("PUT", None) => AwsResponse::status(200).header("Location", format!("/{bucket}")),
        ("GET", None) => {
            let contents: String = services
                .objects
                .iter()
                .filter(|((b, _), _)| *b == bucket)
                .map(|((_, key), (body, _))| {
                    format!(
                        "<Contents><Key>{}</Key><Size>{}</Size><ETag>{}</ETag><StorageClass>STANDARD</StorageClass></Contents>",
                        xml_escape(key),
                        body.len(),
                        xml_escape(&etag(body))
                    )
                })
                .collect();
            let count = services
                .objects
                .keys()
                .filter(|(b, _)| *b == bucket)
                .count();
            AwsResponse::xml(
                200,
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult><Name>{}</Name><Prefix></Prefix><KeyCount>{count}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>{contents}</ListBucketResult>",
                    xml_escape(&bucket)
                ),
            )
        }
        _ => AwsResponse::status(200),
    }
}

fn dynamodb(services: &mut Services, request: &AwsRequest) -> AwsResponse {
    let body = request.json().unwrap_or(Value::Null);
    let table = body
        .get("TableName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let description = |services: &Services| {
        let count = services.items.get(&table).map_or(0, Vec::len);
        json!({
            "TableName": table,
            "TableArn": format!("arn:aws:dynamodb:{}:{ACCOUNT_ID}:table/{table}", region_of(request)),
            "TableStatus": "ACTIVE",
            "ItemCount": count,
            "TableSizeBytes": 0,
            "CreationDateTime": 1767225600.0,
            "KeySchema": body.get("KeySchema").cloned().unwrap_or_else(|| json!([{"AttributeName": "pk", "KeyType": "HASH"}])),
            "AttributeDefinitions": body.get("AttributeDefinitions").cloned().unwrap_or_else(|| json!([{"AttributeName": "pk", "AttributeType": "S"}])),
        })
    };
    let key = body.get("Key").and_then(Value::as_object).cloned();
    let matches = |item: &Map<String, Value>, key: &Map<String, Value>| {
        key.iter()
            .all(|(name, value)| item.get(name) == Some(value))
    };
    let answer = match request.operation.as_deref().unwrap_or_default() {
        "PutItem" => {
            if let Some(item) = body.get("Item").and_then(Value::as_object) {
                services
                    .items
                    .entry(table.clone())
                    .or_default()
                    .push(item.clone());
            }
            json!({})
        }
        "GetItem" => {
            let found = key.as_ref().and_then(|key| {
                services
                    .items
                    .get(&table)?
                    .iter()
                    .rev()
                    .find(|item| matches(item, key))
                    .cloned()
            });
            match found {
                Some(item) => json!({"Item": item}),
                None => json!({}),
            }
        }
        "DeleteItem" => {
            if let (Some(key), Some(items)) = (key.as_ref(), services.items.get_mut(&table)) {
                items.retain(|item| !matches(item, key));
            }
            json!({})
        }
        "Scan" => {
            let items = services.items.get(&table).cloned().unwrap_or_default();
            json!({"Items": items, "Count": items.len(), "ScannedCount": items.len()})
        }
        "DescribeTable" => json!({"Table": description(services)}),
        "CreateTable" | "DeleteTable" | "UpdateTable" => {
            json!({"TableDescription": description(services)})
        }
        "ListTables" => {
            let mut names: Vec<&String> = services.items.keys().collect();
            names.sort();
            json!({"TableNames": names})
        }
        _ => json!({}),
    };
    AwsResponse::json(200, &answer)
}

fn sqs(services: &mut Services, request: &AwsRequest, seq: u64) -> AwsResponse {
    let body = request.json().unwrap_or(Value::Null);
    let host = request
        .header("host")
        .map_or_else(|| "127.0.0.1".to_owned(), str::to_owned);
    let url_of = |name: &str| format!("http://{host}/{ACCOUNT_ID}/{name}");
    let queue_of_url = |body: &Value| {
        body.get("QueueUrl")
            .and_then(Value::as_str)
            .and_then(|u| u.trim_end_matches('/').rsplit('/').next())
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let answer = match request.operation.as_deref().unwrap_or_default() {
        "CreateQueue" | "GetQueueUrl" => {
            let name = body
                .get("QueueName")
                .and_then(Value::as_str)
                .unwrap_or_default();
            services.queues.entry(name.to_owned()).or_default();
            json!({"QueueUrl": url_of(name)})
        }
        "SendMessage" => {
            let id = format!("00000000-0000-4000-9000-{seq:012}");
            let message = body
                .get("MessageBody")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            services
                .queues
                .entry(queue_of_url(&body))
                .or_default()
                .push_back((id.clone(), message));
            json!({"MessageId": id})
        }
        "ReceiveMessage" => {
            let max = body
                .get("MaxNumberOfMessages")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .clamp(1, 10);
            let queue = services.queues.entry(queue_of_url(&body)).or_default();
            let messages: Vec<Value> = (0..max)
                .map_while(|_| queue.pop_front())
                .map(|(id, body)| json!({"MessageId": id, "ReceiptHandle": format!("receipt-{id}"), "Body": body}))
                .collect();
            json!({"Messages": messages})
        }
        _ => json!({}),
    };
    AwsResponse::json(200, &answer)
}

fn query(request: &AwsRequest, seq: u64) -> AwsResponse {
    let form = std::str::from_utf8(&request.body).unwrap_or_default();
    let action = request.operation.clone().unwrap_or_default();
    let result = match action.as_str() {
        "CreateTopic" => {
            let name = form_param(form, "Name").unwrap_or_default();
            format!(
                "<TopicArn>arn:aws:sns:{}:{ACCOUNT_ID}:{}</TopicArn>",
                region_of(request),
                xml_escape(&name)
            )
        }
        "Publish" => format!("<MessageId>00000000-0000-4000-9000-{seq:012}</MessageId>"),
        _ => String::new(),
    };
    AwsResponse::xml(
        200,
        format!(
            "<{action}Response><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
            request.request_id
        ),
    )
    .header("content-type", "text/xml")
}

// ---------------------------------------------------------------------------------------------
// Small wire helpers

/// `(region, service)` of the SigV4 `Authorization` header's credential scope.
fn sigv4_scope(headers: &HeaderMap) -> Option<(&str, &str)> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let start = auth.find("Credential=")? + "Credential=".len();
    let credential = auth[start..].split([',', ' ']).next()?;
    let mut parts = credential.split('/').skip(2);
    Some((parts.next()?, parts.next()?))
}

/// The first value of `name` in a form / query string, decoded (`+` is a space).
fn form_param(form: &str, name: &str) -> Option<String> {
    form.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(&key.replace('+', " ")) == name)
            .then(|| percent_decode(&value.replace('+', " ")))
    })
}

/// A quoted hex ETag (the first 16 bytes of the body's SHA-256; real S3 uses MD5).
fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Decodes an `aws-chunked` body (`{hex size}[;chunk-signature=…]\r\n{data}\r\n` … `0\r\n`
/// trailers `\r\n`); a malformed body is returned as it came.
fn decode_aws_chunked(body: &Bytes) -> Bytes {
    let mut out = Vec::with_capacity(body.len());
    let mut rest: &[u8] = body;
    loop {
        let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") else {
            return body.clone();
        };
        let header = std::str::from_utf8(&rest[..line_end]).unwrap_or_default();
        let size_hex = header.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size_hex, 16) else {
            return body.clone();
        };
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Bytes::from(out);
        }
        if rest.len() < size + 2 {
            return body.clone();
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_chunked_bodies_decode() {
        let body = Bytes::from_static(
            b"5;chunk-signature=abc\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
        );
        assert_eq!(
            decode_aws_chunked(&body),
            Bytes::from_static(b"hello world")
        );
        let bad = Bytes::from_static(b"zz\r\nhello");
        assert_eq!(decode_aws_chunked(&bad), bad);
        let short = Bytes::from_static(b"50\r\nhello\r\n");
        assert_eq!(decode_aws_chunked(&short), short);
    }

    #[test]
    fn s3_paths_and_operations() {
        assert_eq!(
            s3_target("/b/dir/my%20key.txt"),
            Some(("b".to_owned(), Some("dir/my key.txt".to_owned())))
        );
        assert_eq!(s3_target("/b/"), Some(("b".to_owned(), None)));
        assert_eq!(s3_target("/"), None);
    }

    #[test]
    fn scopes_and_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x",
            ),
        );
        assert_eq!(sigv4_scope(&headers), Some(("eu-west-1", "dynamodb")));
        assert_eq!(
            form_param("Action=Publish&Message=a+b%21", "Message").as_deref(),
            Some("a b!")
        );
    }
}
