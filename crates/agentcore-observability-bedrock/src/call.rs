//! One SDK call, from `read_before_execution` to the end of its span: what the hooks learn, the
//! span, and what is recorded when it ends. Shared between the interceptor (through the
//! operation's `ConfigBag`) and, for streams, the response-body tap.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime};

use agentcore_observability_spans::content::{self as content_policy, ContentPolicy};
use aws_smithy_runtime_api::client::interceptors::context::{Error, Output};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, OrchestratorError};
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::logs::AnyValue;
use opentelemetry::propagation::Injector;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, Key, KeyValue, StringValue, Value as OtelValue};

use crate::agent_runtime::{self, AgentRequest};
use crate::agentcore::{self, RUNTIME_SESSION_HEADER};
use crate::attributes as attr;
use crate::converse;
use crate::events::{self, Event};
use crate::families::{self, Family, RequestFacts, ResponseFacts};
use crate::operation::{self, GenAiOp, Service};
use crate::stream::{StreamKind, StreamObserver, TapBody};
use crate::telemetry::Telemetry;
use crate::wire;

/// Runs `f`, swallowing a panic: instrumentation must never take the caller's call down.
pub(crate) fn guard<R: Default>(f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_default()
}

/// The call state shared by the hooks and the stream tap.
pub(crate) type Shared = Arc<Mutex<Call>>;

/// Locks `call`, recovering from a poisoned lock (a panic elsewhere must not silence the span).
pub(crate) fn lock(call: &Shared) -> MutexGuard<'_, Call> {
    call.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The per-call slot in the operation's `ConfigBag`.
#[derive(Clone)]
pub(crate) struct CallSlot {
    /// The interceptor instance that owns the call (a second instrumenting interceptor on the same
    /// client leaves the call to the first).
    pub(crate) owner: usize,
    pub(crate) call: Shared,
}

impl std::fmt::Debug for CallSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallSlot")
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl Storable for CallSlot {
    type Storer = StoreReplace<Self>;
}

/// Options fixed when the interceptor is built.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    pub(crate) record_access_key: bool,
    pub(crate) runtime_session_from_caller: bool,
}

/// How a tapped stream ended.
#[derive(Debug)]
pub(crate) enum StreamEnd {
    /// The final event or the end of the body.
    Completed,
    /// An exception / error event: its error code and message.
    Exception {
        code: String,
        message: Option<String>,
    },
    /// Reading the body failed.
    Transport(String),
    /// The application dropped the stream early.
    Cancelled,
}

#[derive(Debug, Clone)]
struct GenAi {
    op: GenAiOp,
    model: Arc<str>,
    operation_name: &'static str,
    family: Family,
}

#[derive(Debug, Default, Clone, Copy)]
struct HeaderUsage {
    input: Option<u64>,
    output: Option<u64>,
    cache_read: Option<u64>,
    cache_write: Option<u64>,
}

#[derive(Debug)]
enum StreamPhase {
    /// Not a tapped response.
    None,
    /// The tap is installed and the stream has not ended.
    Open,
    /// The stream ended before `read_after_execution`; ended there.
    EndedEarly(Box<(StreamEnd, ResponseFacts)>),
}

/// Everything known about one call.
pub(crate) struct Call {
    telemetry: Arc<Telemetry>,
    options: Options,
    content: ContentPolicy,
    start: SystemTime,
    started: Instant,
    parent: Context,
    service: Service,
    /// AgentCore `InvokeAgentRuntime` (runtime session mapping, streamed blob response).
    invoke_runtime: bool,
    genai: Option<GenAi>,
    /// Bedrock Agent Runtime `InvokeAgent`: a GenAI span without a model ([`agent_runtime`]).
    invoke_agent: bool,
    /// Attributes known before the end (request parameters, endpoint), set with the end batch:
    /// one span update, and nothing for span processors to copy at start.
    pending: Vec<KeyValue>,
    /// Per-service attributes (S3 bucket, DynamoDB tables …): what the request side learned.
    pub(crate) services: crate::services::ServiceCall,
    span_cx: Option<Context>,
    inject: Option<Vec<(String, String)>>,
    /// `InvokeAgentRuntime`: whether the caller set `runtimeSessionId` (`None`: unknown), the
    /// runtime session the span and the injected baggage carry, and whether the instrumentation
    /// sends it in place of the SDK's random one.
    runtime_session_given: Option<bool>,
    runtime_session: Option<String>,
    fill_runtime_session: bool,
    caller_session: Option<String>,
    attempts: u32,
    endpoint_seen: bool,
    server: Option<(Arc<str>, u16)>,
    status: Option<u16>,
    request_id: Option<String>,
    header_usage: HeaderUsage,
    response_session: Option<String>,
    first_chunk: Option<Instant>,
    stream: StreamPhase,
    execution_done: bool,
    ended: bool,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("service", &self.service)
            .field("invoke_runtime", &self.invoke_runtime)
            .field("attempts", &self.attempts)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

/// What the span ends with.
#[derive(Default)]
struct Outcome {
    facts: Option<ResponseFacts>,
    choices: Vec<Event>,
    error: Option<(String, String)>,
    cancelled: bool,
    extra: Vec<KeyValue>,
}

fn kv_str(key: &'static str, value: impl Into<StringValue>) -> KeyValue {
    KeyValue::new(key, OtelValue::String(value.into()))
}

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Call {
    /// `read_before_execution`: the start time and the caller's context.
    pub(crate) fn begin(telemetry: Arc<Telemetry>, options: Options) -> Call {
        Call {
            telemetry,
            options,
            content: content_policy::current(),
            start: SystemTime::now(),
            started: Instant::now(),
            parent: Context::current(),
            service: Service::Other,
            invoke_runtime: false,
            genai: None,
            invoke_agent: false,
            pending: Vec::new(),
            services: Default::default(),
            span_cx: None,
            inject: None,
            runtime_session_given: None,
            runtime_session: None,
            fill_runtime_session: false,
            caller_session: None,
            attempts: 0,
            endpoint_seen: false,
            server: None,
            status: None,
            request_id: None,
            header_usage: HeaderUsage::default(),
            response_session: None,
            first_chunk: None,
            stream: StreamPhase::None,
            execution_done: false,
            ended: false,
        }
    }

    /// `read_after_serialization`: what the call is, the span (started at `begin`'s time), the
    /// request attributes and, with content capture, the input messages.
    pub(crate) fn on_serialized(
        &mut self,
        service_id: &str,
        operation: &str,
        request: &HttpRequest,
    ) {
        if self.span_cx.is_some() {
            return;
        }
        self.service = Service::of(service_id);
        self.invoke_runtime = operation::is_invoke_agent_runtime(self.service, operation);
        let path = wire::path_of(request.uri());
        let body = request.body().bytes();

        let mut attributes = Vec::with_capacity(8);
        attributes.push(KeyValue::new(attr::RPC_SYSTEM, "aws-api"));
        attributes.push(kv_str(attr::RPC_SERVICE, service_id.to_owned()));
        attributes.push(kv_str(attr::RPC_METHOD, operation.to_owned()));

        let mut request_events = Vec::new();
        let genai = GenAiOp::of(self.service, operation)
            .and_then(|op| operation::model_id_from_path(path).map(|model| (op, model)));
        let agent = AgentRequest::parse(service_id, operation, path, body, self.content.captures());
        let name = match (genai, agent) {
            (Some((op, model)), _) => {
                let content = self.content.captures();
                let (family, facts, parsed) = if op.is_converse() {
                    // The Converse API speaks the Nova messages dialect (camelCase config).
                    if content {
                        let parsed = body.and_then(families::parse_body);
                        let facts = parsed
                            .as_ref()
                            .map(|v| families::parse_request_value(Family::Nova, v))
                            .unwrap_or_default();
                        (Family::Nova, facts, parsed)
                    } else {
                        let facts = body.map(converse::request_parameters).unwrap_or_default();
                        (Family::Nova, facts, None)
                    }
                } else {
                    let parsed = body.and_then(families::parse_body);
                    let family = families::family_of(&model, parsed.as_ref());
                    let facts = parsed
                        .as_ref()
                        .map(|v| families::parse_request_value(family, v))
                        .unwrap_or_default();
                    (family, facts, parsed)
                };
                let mut facts = facts;
                if op.is_converse() {
                    facts.temperature = facts.temperature.map(f32_decimal);
                    facts.top_p = facts.top_p.map(f32_decimal);
                }
                let operation_name = if op.is_converse() {
                    "chat"
                } else {
                    families::operation_name(family)
                };
                let model: Arc<str> = Arc::from(model);
                attributes.push(KeyValue::new(attr::GEN_AI_SYSTEM, attr::AWS_BEDROCK));
                attributes.push(KeyValue::new(attr::GEN_AI_PROVIDER_NAME, attr::AWS_BEDROCK));
                attributes.push(KeyValue::new(attr::GEN_AI_OPERATION_NAME, operation_name));
                attributes.push(kv_str(attr::GEN_AI_REQUEST_MODEL, Arc::clone(&model)));
                let mut pending = Vec::with_capacity(24);
                request_attributes(&facts, &mut pending);
                if self.content.to_span_attributes() {
                    self.input_content_attributes(&facts, &mut pending);
                }
                self.pending = pending;
                if self.content.to_log_events() {
                    if let Some(v) = &parsed {
                        request_events = events::request_events(v);
                    }
                }
                let name = format!("{operation_name} {model}");
                self.genai = Some(GenAi {
                    op,
                    model,
                    operation_name,
                    family,
                });
                name
            }
            (None, Some(agent)) => {
                agent.start_attributes(&mut attributes);
                let (pending, events) = agent.content(&self.content);
                self.pending = pending;
                request_events = events;
                self.invoke_agent = true;
                agent.span_name()
            }
            (None, None) => {
                self.services = crate::services::ServiceCall::on_request(
                    service_id,
                    operation,
                    request,
                    &mut attributes,
                );
                // AgentCore's ids (path and body) are among the service attributes above.
                if self.invoke_runtime {
                    self.runtime_session_attributes(request, &mut attributes);
                }
                format!("{service_id}.{operation}")
            }
        };

        let tracer = &self.telemetry.tracer;
        let span = tracer
            .span_builder(name)
            .with_kind(SpanKind::Client)
            .with_start_time(self.start)
            .with_attributes(attributes)
            .start_with_context(tracer, &self.parent);
        let cx = self.parent.with_span(span);
        if !request_events.is_empty() {
            let span_context = cx.span().span_context().clone();
            for event in request_events {
                self.emit(&span_context, event);
            }
        }
        self.span_cx = Some(cx);
    }

    fn input_content_attributes(&self, facts: &RequestFacts, attributes: &mut Vec<KeyValue>) {
        if !facts.input_messages.is_empty() {
            let json = families::to_semconv_json(&facts.input_messages).to_string();
            attributes.push(kv_str(
                attr::GEN_AI_INPUT_MESSAGES,
                self.content.truncate(&json).into_owned(),
            ));
        }
        if !facts.system.is_empty() {
            let json = families::system_instructions_json(&facts.system).to_string();
            attributes.push(kv_str(
                attr::GEN_AI_SYSTEM_INSTRUCTIONS,
                self.content.truncate(&json).into_owned(),
            ));
        }
    }

    /// `modify_before_serialization` (before the SDK's idempotency-token interceptor fills a
    /// random `runtimeSessionId`): whether the caller gave one.
    pub(crate) fn on_input(&mut self, given: Option<bool>) {
        self.runtime_session_given = given;
    }

    /// `InvokeAgentRuntime`: the span's `session.id` is the runtime session the caller chose. When
    /// the caller gave none (the SDK then sends a random one), a caller inside a session scope
    /// whose id AgentCore accepts has that id sent as the runtime session instead (unless the
    /// option is off); otherwise the span keeps the caller's `session.id`, or, outside any session,
    /// gets the runtime session actually sent.
    fn runtime_session_attributes(
        &mut self,
        request: &HttpRequest,
        attributes: &mut Vec<KeyValue>,
    ) {
        self.caller_session = self
            .parent
            .baggage()
            .get(attr::SESSION_ID)
            .map(|v| v.as_str().to_owned())
            .filter(|s| !s.is_empty());
        let header = request
            .headers()
            .get(RUNTIME_SESSION_HEADER)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        // Unknown (the input could not be inspected): the header is taken as the caller's.
        let explicit = match self.runtime_session_given {
            Some(false) => None,
            _ => header.clone(),
        };
        let session = match explicit {
            Some(id) => Some(id),
            None => {
                let caller = self.caller_session.clone();
                match caller {
                    Some(id)
                        if self.options.runtime_session_from_caller
                            && agentcore::valid_runtime_session_id(&id) =>
                    {
                        self.fill_runtime_session = true;
                        Some(id)
                    }
                    Some(_) => None,
                    None => header,
                }
            }
        };
        if let Some(id) = &session {
            attributes.push(kv_str(attr::SESSION_ID, id.clone()));
        }
        self.runtime_session = session;
    }

    /// `modify_before_retry_loop`: fills the runtime session header decided above (before the
    /// retry checkpoint and before signing, so every attempt carries and signs it).
    pub(crate) fn fill_request(&mut self, request: &mut HttpRequest) {
        if !self.fill_runtime_session {
            return;
        }
        if let Some(id) = &self.runtime_session {
            // Replaces the random token the SDK put there.
            let _ = request
                .headers_mut()
                .try_insert(RUNTIME_SESSION_HEADER, id.clone());
        }
    }

    /// `read_before_attempt`
    pub(crate) fn on_attempt(&mut self) {
        self.attempts = self.attempts.saturating_add(1);
    }

    /// `modify_before_transmit` (after signing): endpoint and region once, then the trace context
    /// headers on every attempt. Headers the request already has are left alone.
    pub(crate) fn on_transmit(&mut self, request: &mut HttpRequest) {
        let Some(cx) = self.span_cx.clone() else {
            return;
        };
        if !self.endpoint_seen {
            self.endpoint_seen = true;
            let host = wire::endpoint_of(request.uri()).map(|(h, p)| (Arc::<str>::from(h), p));
            if let Some((host, port)) = &host {
                self.pending
                    .push(kv_str(attr::SERVER_ADDRESS, Arc::clone(host)));
                self.pending
                    .push(KeyValue::new(attr::SERVER_PORT, i64::from(*port)));
            }
            let scope = request
                .headers()
                .get("authorization")
                .and_then(wire::sigv4_scope);
            let region = scope
                .as_ref()
                .map(|s| s.region)
                .or_else(|| {
                    request
                        .headers()
                        .get("x-amz-region-set")
                        .filter(|r| !r.contains(',') && !r.contains('*'))
                })
                .or_else(|| host.as_ref().and_then(|(h, _)| wire::region_from_host(h)));
            if let Some(region) = region {
                self.pending
                    .push(kv_str(attr::AWS_REGION, region.to_owned()));
            }
            if self.options.record_access_key {
                if let Some(scope) = &scope {
                    self.pending.push(kv_str(
                        attr::AWS_AUTH_ACCESS_KEY,
                        scope.access_key.to_owned(),
                    ));
                }
            }
            self.server = host;
        }
        if self.inject.is_none() {
            self.inject = Some(self.propagation_headers(&cx));
        }
        if let Some(headers) = &self.inject {
            let target = request.headers_mut();
            for (name, value) in headers {
                if !target.contains_key(name.as_str()) {
                    let _ = target.try_insert(name.clone(), value.clone());
                }
            }
        }
    }

    /// The headers the global propagator writes for the call's span (the runtime session as the
    /// baggage's `session.id` for `InvokeAgentRuntime`, so the runtime agent joins it).
    fn propagation_headers(&self, cx: &Context) -> Vec<(String, String)> {
        let mut cx = cx.clone();
        if let Some(id) = &self.runtime_session {
            if self.caller_session.as_deref() != Some(id.as_str()) {
                let mut entries: Vec<KeyValue> = cx
                    .baggage()
                    .iter()
                    .filter(|(k, _)| k.as_str() != attr::SESSION_ID)
                    .map(|(k, (v, _))| KeyValue::new(k.clone(), v.clone()))
                    .collect();
                entries.insert(0, kv_str(attr::SESSION_ID, id.clone()));
                cx = cx.with_cleared_baggage().with_baggage(entries);
            }
        }
        let mut out = HeaderList(Vec::with_capacity(3));
        opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&cx, &mut out));
        out.0
    }

    /// `read_after_transmit`: status, request id, Bedrock's token-count headers, the runtime
    /// session AgentCore answered with.
    pub(crate) fn on_response(&mut self, response: &HttpResponse) {
        self.status = Some(response.status().as_u16());
        let headers = response.headers();
        self.request_id = wire::request_id(headers).map(str::to_owned);
        if self
            .genai
            .as_ref()
            .is_some_and(|g| g.op == GenAiOp::InvokeModel)
        {
            self.header_usage = HeaderUsage {
                input: wire::count_header(headers, "x-amzn-bedrock-input-token-count"),
                output: wire::count_header(headers, "x-amzn-bedrock-output-token-count"),
                cache_read: wire::count_header(
                    headers,
                    "x-amzn-bedrock-cache-read-input-token-count",
                ),
                cache_write: wire::count_header(
                    headers,
                    "x-amzn-bedrock-cache-write-input-token-count",
                ),
            };
        }
        if self.invoke_runtime {
            self.response_session = headers
                .get(RUNTIME_SESSION_HEADER)
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
        }
    }

    /// `modify_before_deserialization`: a successful streamed response gets the tap.
    pub(crate) fn tap(&mut self, shared: &Shared, response: &mut HttpResponse) {
        if self.span_cx.is_none() || !response.status().is_success() {
            return;
        }
        let kind = match &self.genai {
            Some(g) if g.op == GenAiOp::ConverseStream => StreamKind::Converse,
            Some(g) if g.op == GenAiOp::InvokeModelWithResponseStream => {
                StreamKind::Invoke(g.family)
            }
            Some(_) => return,
            None if self.invoke_agent => StreamKind::InvokeAgent {
                capture: self.content.captures(),
            },
            // The only blob stream: AgentCore `InvokeAgentRuntime` ([`operation::streams_blob`]).
            None if self.invoke_runtime => StreamKind::Blob,
            None => return,
        };
        let body = response.take_body();
        *response.body_mut() = TapBody::wrap(body, StreamObserver::new(Arc::clone(shared), kind));
        self.stream = StreamPhase::Open;
    }

    /// The tap saw the first content of the stream.
    pub(crate) fn first_chunk(&mut self, at: Instant) {
        if self.first_chunk.is_none() {
            self.first_chunk = Some(at);
        }
    }

    /// The tap saw the stream end.
    pub(crate) fn stream_finished(&mut self, end: StreamEnd, facts: ResponseFacts) {
        if self.ended {
            return;
        }
        if !self.execution_done {
            self.stream = StreamPhase::EndedEarly(Box::new((end, facts)));
            return;
        }
        self.end_stream(end, facts);
    }

    fn end_stream(&mut self, end: StreamEnd, facts: ResponseFacts) {
        let mut outcome = Outcome::default();
        match end {
            StreamEnd::Completed => {}
            StreamEnd::Cancelled => outcome.cancelled = true,
            StreamEnd::Exception { code, message } => {
                let message = message.map_or_else(|| code.clone(), |m| format!("{code}: {m}"));
                outcome.error = Some((code, message));
            }
            StreamEnd::Transport(message) => {
                outcome.error = Some(("ResponseError".to_owned(), message));
            }
        }
        let genai = self.genai.is_some() || self.invoke_agent;
        if genai && self.content.to_log_events() {
            outcome.choices = events::facts_choices(&facts);
        }
        if genai {
            outcome.facts = Some(facts);
        }
        outcome.extra = self.session_attributes_after_response();
        self.end(outcome);
    }

    /// `read_after_execution`: the call's result. Ends the span unless a stream is still open.
    pub(crate) fn on_complete(
        &mut self,
        result: Option<Result<&Output, &OrchestratorError<Error>>>,
        response: Option<&HttpResponse>,
    ) {
        self.execution_done = true;
        if self.ended || self.span_cx.is_none() {
            return;
        }
        let succeeded = matches!(result, Some(Ok(_)));
        self.services
            .on_complete(succeeded, response, &mut self.pending);
        match result {
            Some(Ok(_)) => match std::mem::replace(&mut self.stream, StreamPhase::None) {
                StreamPhase::Open => self.stream = StreamPhase::Open,
                StreamPhase::EndedEarly(ended) => {
                    let (end, facts) = *ended;
                    self.end_stream(end, facts);
                }
                StreamPhase::None => {
                    let outcome = self.success_outcome(response);
                    self.end(outcome);
                }
            },
            Some(Err(error)) => {
                let outcome = Outcome {
                    error: Some(classify_error(error, response)),
                    ..Outcome::default()
                };
                self.end(outcome);
            }
            None => self.end(Outcome::default()),
        }
    }

    fn success_outcome(&self, response: Option<&HttpResponse>) -> Outcome {
        let mut outcome = Outcome::default();
        match &self.genai {
            Some(genai) => {
                let body = response.and_then(|r| r.body().bytes()).unwrap_or_default();
                // Converse without content capture: the usage alone, read without a full parse.
                let usage_only = genai.op.is_converse() && !self.content.captures();
                // Parsed once, for both the facts and the choice events.
                let value = if !usage_only || self.content.to_log_events() {
                    families::parse_body(body)
                } else {
                    None
                };
                let facts = if usage_only {
                    converse::response_usage(body)
                } else {
                    value
                        .as_ref()
                        .map(|v| families::parse_response_value(genai.family, v))
                        .unwrap_or_default()
                };
                if self.content.to_log_events() {
                    if let Some(value) = &value {
                        outcome.choices = if genai.op.is_converse() {
                            events::converse_choices(value)
                        } else {
                            events::invoke_choices(genai.family, value, &facts)
                        };
                    }
                }
                outcome.facts = Some(facts);
            }
            None => {
                // AgentCore's ids in the response body are recorded by `self.services` in
                // `on_complete` (never again a key the span started with).
                outcome
                    .extra
                    .extend(self.session_attributes_after_response());
            }
        }
        outcome
    }

    /// `InvokeAgentRuntime` without a runtime session of its own: the session AgentCore created,
    /// as `session.id` when the caller has none.
    fn session_attributes_after_response(&self) -> Vec<KeyValue> {
        match (
            &self.runtime_session,
            &self.caller_session,
            &self.response_session,
        ) {
            (None, None, Some(id)) => vec![kv_str(attr::SESSION_ID, id.clone())],
            _ => Vec::new(),
        }
    }

    fn end(&mut self, outcome: Outcome) {
        if self.ended {
            return;
        }
        self.ended = true;
        let Some(cx) = self.span_cx.clone() else {
            return;
        };
        let span = cx.span();
        let mut attributes = std::mem::take(&mut self.pending);
        attributes.extend(outcome.extra);
        attributes.push(KeyValue::new(
            attr::RETRY_ATTEMPTS,
            i64::from(self.attempts.saturating_sub(1)),
        ));
        if let Some(status) = self.status {
            attributes.push(KeyValue::new(attr::HTTP_STATUS_CODE, i64::from(status)));
            attributes.push(KeyValue::new(
                attr::HTTP_RESPONSE_STATUS_CODE,
                i64::from(status),
            ));
        }
        if let Some(id) = &self.request_id {
            attributes.push(kv_str(attr::AWS_REQUEST_ID, id.clone()));
        }

        let ttfc = self
            .first_chunk
            .map(|t| t.saturating_duration_since(self.started).as_secs_f64());
        let mut usage = (None, None);
        if let (true, Some(facts)) = (self.genai.is_some() || self.invoke_agent, &outcome.facts) {
            let h = self.header_usage;
            let input = facts.input_tokens.or(h.input);
            let output = facts.output_tokens.or(h.output);
            usage = (input, output);
            let counts = [
                (attr::GEN_AI_USAGE_INPUT_TOKENS, input),
                (attr::GEN_AI_USAGE_OUTPUT_TOKENS, output),
                (
                    attr::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
                    facts.cache_read_input_tokens.or(h.cache_read),
                ),
                (
                    attr::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
                    facts.cache_creation_input_tokens.or(h.cache_write),
                ),
            ];
            for (key, value) in counts {
                if let Some(v) = value {
                    attributes.push(KeyValue::new(key, i64_of(v)));
                }
            }
            if !facts.finish_reasons.is_empty() {
                attributes.push(KeyValue::new(
                    attr::GEN_AI_RESPONSE_FINISH_REASONS,
                    OtelValue::Array(
                        facts
                            .finish_reasons
                            .iter()
                            .map(|r| StringValue::from(r.clone()))
                            .collect::<Vec<_>>()
                            .into(),
                    ),
                ));
            }
            if let Some(id) = &facts.response_id {
                attributes.push(kv_str(attr::GEN_AI_RESPONSE_ID, id.clone()));
            }
            if let Some(model) = &facts.response_model {
                attributes.push(kv_str(attr::GEN_AI_RESPONSE_MODEL, model.clone()));
            }
            if self.content.to_span_attributes() && !facts.output_messages.is_empty() {
                let json = families::to_semconv_json(&facts.output_messages).to_string();
                attributes.push(kv_str(
                    attr::GEN_AI_OUTPUT_MESSAGES,
                    self.content.truncate(&json).into_owned(),
                ));
            }
            if let Some(ttfc) = ttfc {
                attributes.push(KeyValue::new(
                    attr::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
                    ttfc,
                ));
            }
        }
        if outcome.cancelled {
            attributes.push(KeyValue::new(attr::GEN_AI_RESPONSE_STREAM_CANCELLED, true));
        }
        if let Some((error_type, _)) = &outcome.error {
            attributes.push(kv_str(attr::ERROR_TYPE, error_type.clone()));
        }
        span.set_attributes(attributes);

        if !outcome.choices.is_empty() {
            let span_context = span.span_context().clone();
            for event in outcome.choices {
                self.emit(&span_context, event);
            }
        }
        if let Some((error_type, message)) = &outcome.error {
            let message = wire::truncate(message, 1024).to_owned();
            span.add_event(
                "exception",
                vec![
                    kv_str("exception.type", error_type.clone()),
                    kv_str("exception.message", message.clone()),
                ],
            );
            span.set_status(Status::error(message));
        }
        self.record_metrics(outcome.error.as_ref().map(|(t, _)| t.as_str()), usage, ttfc);
        span.end();
    }

    /// The GenAI metrics, with ADOT's attribute set: `gen_ai.system`, `gen_ai.request.model`,
    /// `gen_ai.operation.name`, `server.address`, `server.port`, `error.type` on errors, and
    /// `gen_ai.token.type` on token usage.
    fn record_metrics(
        &self,
        error_type: Option<&str>,
        usage: (Option<u64>, Option<u64>),
        ttfc: Option<f64>,
    ) {
        let mut attributes = Vec::with_capacity(7);
        attributes.push(KeyValue::new(attr::GEN_AI_SYSTEM, attr::AWS_BEDROCK));
        match &self.genai {
            Some(genai) => {
                attributes.push(kv_str(attr::GEN_AI_REQUEST_MODEL, Arc::clone(&genai.model)));
                attributes.push(KeyValue::new(
                    attr::GEN_AI_OPERATION_NAME,
                    genai.operation_name,
                ));
            }
            // InvokeAgent: no model (the agent picks it).
            None if self.invoke_agent => attributes.push(KeyValue::new(
                attr::GEN_AI_OPERATION_NAME,
                agent_runtime::OPERATION_NAME,
            )),
            None => return,
        }
        if let Some((host, port)) = &self.server {
            attributes.push(kv_str(attr::SERVER_ADDRESS, Arc::clone(host)));
            attributes.push(KeyValue::new(attr::SERVER_PORT, i64::from(*port)));
        }
        let telemetry = &self.telemetry;
        let duration = self.started.elapsed().as_secs_f64();
        match error_type {
            Some(error_type) => {
                let mut with_error = attributes.clone();
                with_error.push(kv_str(attr::ERROR_TYPE, error_type.to_owned()));
                telemetry.duration.record(duration, &with_error);
            }
            None => telemetry.duration.record(duration, &attributes),
        }
        if let Some(ttfc) = ttfc {
            telemetry.time_to_first_chunk.record(ttfc, &attributes);
        }
        if usage.0.is_some() || usage.1.is_some() {
            attributes.push(KeyValue::new(attr::GEN_AI_TOKEN_TYPE, "input"));
            for (value, token_type) in [(usage.0, "input"), (usage.1, "output")] {
                if let Some(value) = value {
                    if let Some(last) = attributes.last_mut() {
                        *last = KeyValue::new(attr::GEN_AI_TOKEN_TYPE, token_type);
                    }
                    telemetry.tokens.record(value, &attributes);
                }
            }
        }
    }

    fn emit(&self, span: &opentelemetry::trace::SpanContext, event: Event) {
        content_policy::emit_event(
            span,
            event.name,
            self.content.log_body(&event.body),
            [(
                Key::new(attr::GEN_AI_SYSTEM),
                AnyValue::from(attr::AWS_BEDROCK),
            )],
        );
    }
}

impl Drop for Call {
    /// A call whose future was dropped mid-flight (the caller timed out or cancelled): the span
    /// still ends, marked as cancelled.
    fn drop(&mut self) {
        if !self.ended && self.span_cx.is_some() {
            let outcome = Outcome {
                cancelled: true,
                ..Outcome::default()
            };
            guard(|| self.end(outcome));
        }
    }
}

/// `error.type` and the status message of a failed call: the service error code for modeled and
/// unmodeled service errors (`ThrottlingException` …), else the SDK's error kind.
fn classify_error(
    error: &OrchestratorError<Error>,
    response: Option<&HttpResponse>,
) -> (String, String) {
    if error.is_operation_error() {
        let (code, message) = match response {
            Some(r) => wire::error_code_and_message(r.headers(), r.body().bytes()),
            None => (None, None),
        };
        // No error code on a 2xx: the SDK could not read the success response.
        let success = response.is_some_and(|r| r.status().is_success());
        let code = code.unwrap_or_else(|| {
            if success {
                "ResponseError"
            } else {
                "Unhandled"
            }
            .to_owned()
        });
        let message = match message {
            Some(m) => format!("{code}: {m}"),
            None => code.clone(),
        };
        return (code, message);
    }
    let kind = if error.is_timeout_error() {
        "TimeoutError"
    } else if error.is_connector_error() {
        "DispatchFailure"
    } else if error.is_response_error() || response.is_some() {
        "ResponseError"
    } else {
        "ConstructionFailure"
    };
    (kind.to_owned(), format!("{kind}: {error}"))
}

/// The decimal a caller wrote for an `f32` the SDK serialized through `f64` (Converse's
/// `temperature` / `topP` are `f32`: `0.9` goes on the wire as `0.8999999761581421`).
fn f32_decimal(v: f64) -> f64 {
    let narrow = v as f32;
    if f64::from(narrow) != v || !v.is_finite() {
        return v;
    }
    // The fewest decimals that round-trip through f32 (at most 9 for any f32).
    let mut scale = 1.0_f64;
    for _ in 0..10 {
        let candidate = (v * scale).round() / scale;
        if candidate as f32 == narrow {
            return candidate;
        }
        scale *= 10.0;
    }
    v
}

/// The request attributes of the GenAI conventions.
fn request_attributes(facts: &RequestFacts, attributes: &mut Vec<KeyValue>) {
    if let Some(v) = facts.temperature {
        attributes.push(KeyValue::new(attr::GEN_AI_REQUEST_TEMPERATURE, v));
    }
    if let Some(v) = facts.top_p {
        attributes.push(KeyValue::new(attr::GEN_AI_REQUEST_TOP_P, v));
    }
    if let Some(v) = facts.top_k {
        attributes.push(KeyValue::new(attr::GEN_AI_REQUEST_TOP_K, v));
    }
    if let Some(v) = facts.max_tokens {
        attributes.push(KeyValue::new(attr::GEN_AI_REQUEST_MAX_TOKENS, v));
    }
    if !facts.stop_sequences.is_empty() {
        attributes.push(KeyValue::new(
            attr::GEN_AI_REQUEST_STOP_SEQUENCES,
            OtelValue::Array(
                facts
                    .stop_sequences
                    .iter()
                    .map(|s| StringValue::from(s.clone()))
                    .collect::<Vec<_>>()
                    .into(),
            ),
        ));
    }
}

/// Collects what a propagator injects.
struct HeaderList(Vec<(String, String)>);

impl Injector for HeaderList {
    fn set(&mut self, key: &str, value: String) {
        self.0.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        self.0.push((key.to_owned(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_swallows_panics() {
        let value: u32 = guard(|| panic!("boom"));
        assert_eq!(value, 0);
        assert_eq!(guard(|| 7), 7);
    }

    #[test]
    fn f32_values_get_their_decimal_back() {
        assert_eq!(f32_decimal(f64::from(0.9f32)), 0.9);
        assert_eq!(f32_decimal(0.5), 0.5);
        assert_eq!(f32_decimal(0.1), 0.1, "not an f32 widening: kept");
    }

    #[test]
    fn header_list_replaces_same_name() {
        let mut list = HeaderList(Vec::new());
        list.set("TraceParent", "a".into());
        list.set("traceparent", "b".into());
        list.set("baggage", "k=v".into());
        assert_eq!(
            list.0,
            vec![
                ("traceparent".to_owned(), "b".to_owned()),
                ("baggage".to_owned(), "k=v".to_owned())
            ]
        );
    }
}
