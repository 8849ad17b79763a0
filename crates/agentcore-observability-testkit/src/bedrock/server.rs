//! The fake's HTTP side: a hyper HTTP/1.1 server on its own thread and current-thread tokio
//! runtime, routing, the shared record, and a body type that can stream event frames.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::pin::Pin;
use std::sync::{Arc, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::http_server::{ConnectionReset, ServerHandle};
use crate::watched::Watched;
use http::header::{HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::sync::mpsc as tokio_mpsc;

use super::agent::{AgentPath, AgentScript};
use super::call::{BedrockCall, BedrockOperation};
use super::family::ModelFamily;
use super::fault::{BedrockFault, Reply, ReplyBody};
use super::{agent, agentcore, converse, invoke};
use crate::request::percent_decode;

/// Largest request body read (Bedrock's own limit is lower for most models).
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// The record

/// Everything recorded so far, plus the fault queue and settings.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) calls: Vec<BedrockCall>,
    pub(crate) faults: VecDeque<BedrockFault>,
    /// The last request number handed out.
    pub(crate) seq: u64,
    /// Pause between stream chunks.
    pub(crate) event_delay: Duration,
    /// How `InvokeAgent` is answered.
    pub(crate) agent_script: AgentScript,
}

/// [`State`] behind a mutex, with a condition variable notified on every new call.
#[derive(Debug, Default)]
pub(crate) struct Store {
    watched: Watched<State>,
}

impl Store {
    /// Locks the state; a panic elsewhere while holding the lock does not poison it for us.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.watched.lock()
    }

    /// Numbers a new request and, for a known operation, takes the next fault.
    fn begin(&self, known: bool) -> (u64, Option<BedrockFault>, Duration) {
        let mut state = self.lock();
        state.seq += 1;
        let fault = if known {
            state.faults.pop_front()
        } else {
            None
        };
        (state.seq, fault, state.event_delay)
    }

    /// Records a call and wakes every waiter.
    fn record(&self, call: BedrockCall) {
        self.lock().calls.push(call);
        self.watched.notify();
    }

    /// Waits until `ready` holds or `timeout` passes, then returns `take` of the state.
    pub(crate) fn wait_until<T>(
        &self,
        timeout: Duration,
        ready: impl Fn(&State) -> bool,
        take: impl FnOnce(&State) -> T,
    ) -> T {
        self.watched.wait_until(timeout, ready, take)
    }
}

// ---------------------------------------------------------------------------------------------
// The server thread

/// Serves `listener` on a new thread, recording into `store`.
pub(crate) fn spawn(listener: StdTcpListener, store: Arc<Store>) -> io::Result<ServerHandle> {
    ServerHandle::spawn(listener, "fake-bedrock", move |peer, request| {
        let store = Arc::clone(&store);
        async move { handle(&store, peer, request).await }
    })
}

// ---------------------------------------------------------------------------------------------
// Routing and answering

/// Where a request goes.
#[derive(Debug)]
enum Route {
    /// A Bedrock Runtime operation on a model id (percent-decoded).
    Runtime(BedrockOperation, String),
    /// InvokeAgentRuntime on a runtime ARN (percent-decoded).
    AgentCore(String),
    /// Bedrock Agent Runtime InvokeAgent (ids percent-decoded).
    Agent(AgentPath),
    /// Anything else.
    Unknown,
}

impl Route {
    fn parse(method: &http::Method, path: &str) -> Route {
        if method != http::Method::POST {
            return Route::Unknown;
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match segments.as_slice() {
            ["model", id, action] if !id.is_empty() => {
                let operation = match *action {
                    "converse" => BedrockOperation::Converse,
                    "converse-stream" => BedrockOperation::ConverseStream,
                    "invoke" => BedrockOperation::InvokeModel,
                    "invoke-with-response-stream" => {
                        BedrockOperation::InvokeModelWithResponseStream
                    }
                    _ => return Route::Unknown,
                };
                Route::Runtime(operation, percent_decode(id))
            }
            ["runtimes", arn, "invocations"] if !arn.is_empty() => {
                Route::AgentCore(percent_decode(arn))
            }
            ["agents", agent, "agentAliases", alias, "sessions", session, "text"]
                if !agent.is_empty() && !alias.is_empty() && !session.is_empty() =>
            {
                Route::Agent(AgentPath {
                    agent_id: percent_decode(agent),
                    alias_id: percent_decode(alias),
                    session_id: percent_decode(session),
                })
            }
            _ => Route::Unknown,
        }
    }

    fn operation(&self) -> BedrockOperation {
        match self {
            Route::Runtime(operation, _) => *operation,
            Route::AgentCore(_) => BedrockOperation::InvokeAgentRuntime,
            Route::Agent(_) => BedrockOperation::InvokeAgent,
            Route::Unknown => BedrockOperation::Unknown,
        }
    }
}

/// Reads, answers and records one request.
async fn handle(
    store: &Store,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Result<Response<ReplyStream>, ConnectionReset> {
    let received_at = Instant::now();
    let (parts, body) = request.into_parts();
    let route = Route::parse(&parts.method, parts.uri.path());
    let operation = route.operation();
    let collected = Limited::new(body, MAX_BODY_BYTES).collect().await;
    let (seq, fault, event_delay) = store.begin(operation != BedrockOperation::Unknown);
    let request_id = format!("00000000-0000-4000-8000-{seq:012}");

    let mut call = BedrockCall {
        operation,
        model_id: None,
        family: None,
        agent_runtime_arn: None,
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body: Bytes::new(),
        status: 0,
        request_id: request_id.clone(),
        fault: fault.clone(),
        stream_exception: None,
        received_at,
        remote_addr: peer,
    };

    let mut reply = match collected {
        Err(e) => {
            if e.downcast_ref::<LengthLimitError>().is_some() {
                Reply::error(
                    413,
                    "ValidationException",
                    &format!("Request body larger than {MAX_BODY_BYTES} bytes."),
                )
            } else {
                Reply::validation("Could not read the request body.")
            }
        }
        Ok(collected) => {
            call.body = collected.to_bytes();
            let script = match route {
                Route::Agent(_) => store.lock().agent_script.clone(),
                _ => AgentScript::default(),
            };
            answer(&route, &mut call, seq, fault.as_ref(), &script)
        }
    };
    if let Some(BedrockFault::Delay(delay)) = &fault {
        reply.delay += *delay;
    }
    call.status = if reply.reset { 0 } else { reply.status };
    let reset = reply.reset;
    let delay = reply.delay;
    store.record(call);

    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if reset {
        // An error from the service makes hyper drop the connection unanswered.
        return Err(ConnectionReset);
    }
    Ok(build_response(reply, &request_id, event_delay))
}

/// Routes to the operation's answer, filling in the call's model/family/ARN fields.
fn answer(
    route: &Route,
    call: &mut BedrockCall,
    seq: u64,
    fault: Option<&BedrockFault>,
    script: &AgentScript,
) -> Reply {
    let streaming = call.operation.is_streaming();
    match route {
        Route::Unknown => Reply::error(
            404,
            "UnknownOperationException",
            &format!("No operation at {} {}", call.method, call.path),
        ),
        Route::Runtime(operation, model_id) => {
            call.model_id = Some(model_id.clone());
            let invoke = matches!(
                operation,
                BedrockOperation::InvokeModel | BedrockOperation::InvokeModelWithResponseStream
            );
            if let Some(reply) = fault.and_then(|f| Reply::for_status_fault(f, streaming)) {
                // Not answered by `invoke::answer`: detect the family here for the record.
                let body = invoke
                    .then(|| serde_json::from_slice(&call.body).ok())
                    .flatten();
                call.family = ModelFamily::detect(model_id, body.as_ref());
                return reply;
            }
            if invoke {
                let (reply, family, exception) =
                    invoke::answer(model_id, &call.body, seq, streaming, fault);
                call.family = family;
                call.stream_exception = exception;
                reply
            } else {
                call.family = ModelFamily::detect(model_id, None);
                let (reply, exception) =
                    converse::answer(model_id, &call.body, seq, streaming, fault);
                call.stream_exception = exception;
                reply
            }
        }
        Route::Agent(path) => {
            if let Some(reply) = fault.and_then(|f| Reply::for_status_fault(f, true)) {
                return reply;
            }
            let (reply, exception) = agent::answer(path, &call.body, seq, script, fault);
            call.stream_exception = exception;
            reply
        }
        Route::AgentCore(arn) => {
            call.agent_runtime_arn = Some(arn.clone());
            if let Some(reply) = fault.and_then(|f| Reply::for_status_fault(f, false)) {
                return reply;
            }
            let qualifier = call.query_param("qualifier");
            agentcore::answer(
                arn,
                qualifier.as_deref(),
                &call.headers,
                &call.body,
                seq,
                fault,
            )
        }
    }
}

/// Assembles the HTTP response: status, headers (+ `x-amzn-RequestId`), and the body, streamed
/// chunk by chunk (paced by `event_delay`) for event streams.
fn build_response(reply: Reply, request_id: &str, event_delay: Duration) -> Response<ReplyStream> {
    let body = match reply.body {
        ReplyBody::Bytes(bytes) => ReplyStream::Full(Some(Bytes::from(bytes))),
        ReplyBody::Chunks(chunks) => {
            let (tx, rx) = tokio_mpsc::channel(4);
            tokio::spawn(async move {
                for (i, chunk) in chunks.into_iter().enumerate() {
                    if i > 0 && !event_delay.is_zero() {
                        tokio::time::sleep(event_delay).await;
                    }
                    if tx.send(Bytes::from(chunk)).await.is_err() {
                        break; // the client went away
                    }
                }
            });
            ReplyStream::Channel(rx)
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in &reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    if !headers.contains_key("x-amzn-requestid") {
        if let Ok(value) = HeaderValue::from_str(request_id) {
            headers.insert("x-amzn-RequestId", value);
        }
    }
    response
}

/// A response body: one buffer, or pieces arriving over a channel (event streams).
#[derive(Debug)]
pub(crate) enum ReplyStream {
    /// The whole body (taken when sent).
    Full(Option<Bytes>),
    /// Pieces sent by a task; the body ends when the task drops the sender.
    Channel(tokio_mpsc::Receiver<Bytes>),
}

impl Body for ReplyStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            ReplyStream::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            ReplyStream::Channel(rx) => rx.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, ReplyStream::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ReplyStream::Full(Some(bytes)) => SizeHint::with_exact(bytes.len() as u64),
            ReplyStream::Full(None) => SizeHint::with_exact(0),
            ReplyStream::Channel(_) => SizeHint::default(),
        }
    }
}
