//! AWS Lambda (feature `lambda`): [`LambdaLayer`], a tower layer for functions built on the
//! [`lambda_runtime`] crate.
//!
//! Each invocation gets a SERVER span named after the function, with the OpenTelemetry FaaS
//! attributes, continuing the X-Ray trace Lambda hands the invocation (the
//! `Lambda-Runtime-Trace-Id` header, else the `_X_AMZN_TRACE_ID` variable). The handler runs inside
//! that span, so its own spans, `tracing` spans and the AWS SDK interceptors nest under it. When the
//! handler's response has been posted to the Runtime API, the layer ends the span and force-flushes
//! traces, logs and metrics, bounded by [`flush_timeout`](LambdaLayer::flush_timeout) and the
//! invocation's deadline, before it lets the runtime ask for the next event: Lambda freezes the
//! sandbox at that point, and whatever is still queued would wait, frozen, until the next
//! invocation (or be lost with the sandbox).
//!
//! ```no_run
//! use agentcore_observability::lambda::{self, LambdaLayer};
//! use lambda_runtime::{service_fn, Error, LambdaEvent, Runtime};
//! use serde_json::Value;
//!
//! async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
//!     let tracer = agentcore_observability::tracer("my-agent");
//!     agentcore_observability::opentelemetry::trace::Tracer::in_span(&tracer, "plan", |_| {});
//!     Ok(event.payload)
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Error> {
//!     let guard = agentcore_observability::init()?;
//!     let layer = LambdaLayer::new(&guard); // or guard.lambda_layer()
//!     let stats = layer.clone(); // shares the flush statistics
//!     Runtime::new(lambda::record_errors(service_fn(handler)))
//!         .layer(layer)
//!         .run()
//!         .await?;
//!     println!("last flush took {:?}", stats.flush_stats().last);
//!     Ok(())
//! }
//! ```
//!
//! See `docs/lambda.md` for the attributes, cold start, what a flush costs and how this compares
//! with ADOT's Lambda layer.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use agentcore_observability_config::Propagator;
use lambda_runtime::LambdaInvocation;
use opentelemetry::propagation::{Extractor, TextMapCompositePropagator, TextMapPropagator as _};
use opentelemetry::trace::{
    SpanKind, Status, TraceContextExt as _, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::SdkTracer;
use tokio::sync::oneshot;
use tower_layer::Layer;
use tower_service::Service;

use crate::guard::{run_bounded, Providers};
use crate::{ObservabilityGuard, TelemetryError};

/// The variable Lambda sets to the invocation's X-Ray trace header (read per invocation, when the
/// Runtime API gave the invocation no `Lambda-Runtime-Trace-Id`).
const TRACE_ID_VARIABLE: &str = "_X_AMZN_TRACE_ID";
/// The header name the X-Ray propagator reads.
const XRAY_HEADER: &str = "x-amzn-trace-id";
/// How long an invocation waits for its flush unless told otherwise.
const DEFAULT_FLUSH_TIMEOUT: Duration = Duration::from_secs(2);
/// Flushes whose thread is still running (a stuck collector) beyond which an invocation does not
/// start another one: each would wait on the same stuck export.
const MAX_FLUSHES_IN_FLIGHT: usize = 2;

/// True until the first invocation of the process has started: `faas.coldstart`.
static COLD_START: AtomicBool = AtomicBool::new(true);

/// The `faas.trigger` of an invocation: what kind of event started it.
///
/// By default [`LambdaLayer`] detects it from the event's JSON shape; set it with
/// [`LambdaLayer::trigger`] when the function has one trigger (or events the detection does not
/// know).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaasTrigger {
    /// A data source operation: DynamoDB Streams, S3 notifications (`datasource`).
    Datasource,
    /// An inbound HTTP request: API Gateway (REST, HTTP), function URLs, ALB (`http`).
    Http,
    /// A message from a messaging system: SQS, SNS, Kinesis, Kafka, Amazon MQ, EventBridge
    /// (`pubsub`).
    PubSub,
    /// A schedule: EventBridge scheduled rules (`timer`).
    Timer,
    /// Anything else, including direct `Invoke` calls (`other`).
    Other,
}

impl FaasTrigger {
    /// The semantic-conventions value: `datasource`, `http`, `pubsub`, `timer` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            FaasTrigger::Datasource => "datasource",
            FaasTrigger::Http => "http",
            FaasTrigger::PubSub => "pubsub",
            FaasTrigger::Timer => "timer",
            FaasTrigger::Other => "other",
        }
    }

    /// The trigger an event's JSON shows, in one pass over it that builds nothing:
    ///
    /// - `requestContext.http` (HTTP API v2, function URLs), `requestContext.httpMethod` (REST
    ///   API), `requestContext.elb` (ALB), or a top-level `httpMethod` → [`Http`](Self::Http);
    /// - `Records[0].eventSource` / `Records[0].EventSource`: `aws:sqs`, `aws:sns`, `aws:kinesis` →
    ///   [`PubSub`](Self::PubSub); `aws:dynamodb`, `aws:s3` → [`Datasource`](Self::Datasource);
    /// - a top-level `eventSource` `aws:kafka`, `SelfManagedKafka`, `aws:mq`, `aws:rmq` →
    ///   [`PubSub`](Self::PubSub);
    /// - EventBridge: `source` `aws.events` with `detail-type` `Scheduled Event` →
    ///   [`Timer`](Self::Timer), any other `source` + `detail-type` → [`PubSub`](Self::PubSub);
    /// - anything else, including a body that is not a JSON object → [`Other`](Self::Other).
    ///
    /// ```
    /// use agentcore_observability::lambda::FaasTrigger;
    ///
    /// let sqs = br#"{"Records":[{"messageId":"1","eventSource":"aws:sqs","body":"hi"}]}"#;
    /// assert_eq!(FaasTrigger::detect(sqs), FaasTrigger::PubSub);
    /// let url = br#"{"version":"2.0","requestContext":{"http":{"method":"POST"}},"body":"{}"}"#;
    /// assert_eq!(FaasTrigger::detect(url), FaasTrigger::Http);
    /// assert_eq!(FaasTrigger::detect(br#"{"prompt":"hello"}"#), FaasTrigger::Other);
    /// ```
    pub fn detect(event: &[u8]) -> FaasTrigger {
        // Cheap rejection of what cannot be a JSON object (an empty body, a string payload).
        match event.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => {}
            _ => return FaasTrigger::Other,
        }
        match serde_json::from_slice::<shape::Event<'_>>(event) {
            Ok(event) => event.trigger(),
            Err(_) => FaasTrigger::Other,
        }
    }
}

impl fmt::Display for FaasTrigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fields of the common AWS event shapes that tell the trigger apart; everything else is
/// skipped without being built.
mod shape {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{IgnoredAny, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer};

    use super::FaasTrigger;

    #[derive(Deserialize)]
    pub(super) struct Event<'a> {
        #[serde(rename = "requestContext")]
        request_context: Option<RequestContext>,
        #[serde(rename = "httpMethod")]
        http_method: Option<IgnoredAny>,
        #[serde(rename = "Records", default)]
        records: FirstRecord<'a>,
        #[serde(rename = "eventSource", borrow)]
        event_source: Option<Cow<'a, str>>,
        #[serde(borrow)]
        source: Option<Cow<'a, str>>,
        #[serde(rename = "detail-type", borrow)]
        detail_type: Option<Cow<'a, str>>,
    }

    #[derive(Deserialize)]
    struct RequestContext {
        http: Option<IgnoredAny>,
        #[serde(rename = "httpMethod")]
        http_method: Option<IgnoredAny>,
        elb: Option<IgnoredAny>,
    }

    #[derive(Deserialize)]
    struct Record<'a> {
        #[serde(rename = "eventSource", borrow)]
        event_source: Option<Cow<'a, str>>,
        #[serde(rename = "EventSource", borrow)]
        sns_event_source: Option<Cow<'a, str>>,
    }

    /// The first element of `Records` (the rest are skipped, not collected: a batch can hold
    /// thousands).
    #[derive(Default)]
    struct FirstRecord<'a>(Option<Record<'a>>);

    impl<'de: 'a, 'a> Deserialize<'de> for FirstRecord<'a> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct First<'a>(std::marker::PhantomData<&'a ()>);
            impl<'de: 'a, 'a> Visitor<'de> for First<'a> {
                type Value = FirstRecord<'a>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a list of records")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    let first = seq.next_element::<Record<'a>>()?;
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(FirstRecord(first))
                }
                fn visit_unit<E>(self) -> Result<Self::Value, E> {
                    Ok(FirstRecord(None))
                }
            }
            deserializer.deserialize_any(First(std::marker::PhantomData))
        }
    }

    impl Event<'_> {
        pub(super) fn trigger(&self) -> FaasTrigger {
            if let Some(context) = &self.request_context {
                if context.http.is_some() || context.http_method.is_some() || context.elb.is_some()
                {
                    return FaasTrigger::Http;
                }
            }
            if self.http_method.is_some() {
                return FaasTrigger::Http;
            }
            if let Some(record) = &self.records.0 {
                let source = record
                    .event_source
                    .as_deref()
                    .or(record.sns_event_source.as_deref());
                match source {
                    Some("aws:sqs" | "aws:sns" | "aws:kinesis") => return FaasTrigger::PubSub,
                    Some("aws:dynamodb" | "aws:s3") => return FaasTrigger::Datasource,
                    _ => {}
                }
            }
            if let Some("aws:kafka" | "SelfManagedKafka" | "aws:mq" | "aws:rmq") =
                self.event_source.as_deref()
            {
                return FaasTrigger::PubSub;
            }
            match (self.source.as_deref(), self.detail_type.as_deref()) {
                (Some("aws.events"), Some("Scheduled Event")) => FaasTrigger::Timer,
                (Some(_), Some(_)) => FaasTrigger::PubSub,
                _ => FaasTrigger::Other,
            }
        }
    }
}

/// What the flushes after each invocation took, shared by a [`LambdaLayer`], its clones and the
/// services it made. Read it with [`LambdaLayer::flush_stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlushStats {
    /// Invocations that ended with a flush (attempted, whatever its outcome; none when the SDK is
    /// disabled or the flush timeout is zero).
    pub flushes: u64,
    /// Flushes an exporter reported an error for (the data is lost or retried later).
    pub failed: u64,
    /// Flushes that did not finish in time: the flush timeout or the invocation's deadline ran out,
    /// or earlier flushes were still stuck on the collector. What they held exports later, when
    /// the sandbox runs again.
    pub timed_out: u64,
    /// How long the last invocation waited for its flush.
    pub last: Option<Duration>,
    /// The longest wait for a flush so far.
    pub max: Duration,
    /// All the waits for flushes added up.
    pub total: Duration,
}

/// The counters behind [`FlushStats`].
#[derive(Debug, Default)]
struct FlushCounters {
    flushes: AtomicU64,
    failed: AtomicU64,
    timed_out: AtomicU64,
    last_nanos: AtomicU64,
    max_nanos: AtomicU64,
    total_nanos: AtomicU64,
    /// Set after the first failure was logged at WARN; later ones log at DEBUG.
    warned: AtomicBool,
}

impl FlushCounters {
    fn record(&self, waited: Duration, outcome: &FlushOutcome) {
        let nanos = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
        self.last_nanos.store(nanos, Ordering::Relaxed);
        self.max_nanos.fetch_max(nanos, Ordering::Relaxed);
        self.total_nanos.fetch_add(nanos, Ordering::Relaxed);
        match outcome {
            FlushOutcome::Flushed => {}
            FlushOutcome::Failed(_) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
            }
            FlushOutcome::TimedOut(_) => {
                self.timed_out.fetch_add(1, Ordering::Relaxed);
            }
        }
        // Last, so a reader that sees the count also sees the durations.
        self.flushes.fetch_add(1, Ordering::Release);
    }

    fn snapshot(&self) -> FlushStats {
        let flushes = self.flushes.load(Ordering::Acquire);
        let nanos = |counter: &AtomicU64| Duration::from_nanos(counter.load(Ordering::Relaxed));
        FlushStats {
            flushes,
            failed: self.failed.load(Ordering::Relaxed),
            timed_out: self.timed_out.load(Ordering::Relaxed),
            last: (flushes > 0).then(|| nanos(&self.last_nanos)),
            max: nanos(&self.max_nanos),
            total: nanos(&self.total_nanos),
        }
    }
}

/// What a [`LambdaLayer`] and every service it makes share.
struct Shared {
    /// The guard's tracer, `None` when traces are off (the invocation then only carries the
    /// remote X-Ray context, for propagation).
    tracer: Option<SdkTracer>,
    /// The guard's providers, `None` when the SDK is disabled (nothing to flush).
    flusher: Option<Providers>,
    /// The X-Ray propagator: Lambda's trace header is always in X-Ray format, whatever
    /// `OTEL_PROPAGATORS` says about outgoing requests.
    xray: TextMapCompositePropagator,
    counters: FlushCounters,
    /// Flush threads still running (they outlive a flush that timed out).
    in_flight: Arc<AtomicUsize>,
}

/// A tower [`Layer`] for [`lambda_runtime::Runtime::layer`]: a SERVER span per invocation and a
/// bounded flush of every signal before the invocation returns.
///
/// Per invocation it
///
/// 1. continues the invocation's X-Ray trace: `context.xray_trace_id` (the Runtime API's
///    `Lambda-Runtime-Trace-Id`), else the `_X_AMZN_TRACE_ID` variable read at that moment. As
///    with any parent, `Sampled=0` there means the invocation is not sampled under the default
///    parent-based sampler;
/// 2. opens a SERVER span named after the function with `faas.trigger`, `faas.invocation_id`,
///    `faas.coldstart` (true for the first invocation of the process only), `faas.name`,
///    `faas.version`, `cloud.provider` (`aws`), `cloud.platform` (`aws_lambda`), and from the
///    invoked ARN `cloud.region`, `cloud.account.id`, `cloud.resource_id` (the function's ARN with
///    the alias replaced by the version) and `aws.lambda.invoked_arn`;
/// 3. runs the inner service (the runtime's handler chain) with that span current; an error from
///    it sets status ERROR and `error.type`. Errors returned by your handler are posted to Lambda
///    by the runtime and never reach the layer: wrap the handler in [`record_errors`] to mark the
///    span;
/// 4. ends the span and force-flushes traces, logs and metrics on a blocking thread (the async
///    runtime keeps running), waiting at most the flush timeout (2 s by default) and never past the
///    invocation's deadline. A failed or late flush is counted in [`flush_stats`](Self::flush_stats)
///    and logged (the first at WARN), never returned to Lambda.
///
/// Cloning a layer is cheap; clones share the flush statistics.
#[derive(Clone)]
pub struct LambdaLayer {
    shared: Arc<Shared>,
    trigger: Option<FaasTrigger>,
    flush_timeout: Duration,
}

impl LambdaLayer {
    /// A layer tracing with the guard's tracer provider and flushing the guard's providers. Keep
    /// the guard alive as long as the runtime runs: once it has shut the providers down, spans go
    /// nowhere and every flush fails (counted, not returned). With a disabled guard
    /// (`OTEL_SDK_DISABLED=true`) the layer only passes the invocation's trace context on, and
    /// flushes nothing.
    pub fn new(guard: &ObservabilityGuard) -> Self {
        let scope = InstrumentationScope::builder("agentcore-observability")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        LambdaLayer {
            shared: Arc::new(Shared {
                tracer: guard
                    .tracer_provider()
                    .map(|provider| provider.tracer_with_scope(scope)),
                flusher: guard.flusher(),
                xray: agentcore_observability_session::propagation::composite(&[Propagator::XRay]),
                counters: FlushCounters::default(),
                in_flight: Arc::new(AtomicUsize::new(0)),
            }),
            trigger: None,
            flush_timeout: DEFAULT_FLUSH_TIMEOUT,
        }
    }

    /// Sets `faas.trigger` for every invocation instead of detecting it from each event (see
    /// [`FaasTrigger::detect`]); this also skips the pass over the event.
    #[must_use]
    pub fn trigger(mut self, trigger: FaasTrigger) -> Self {
        self.trigger = Some(trigger);
        self
    }

    /// How long an invocation waits at most for its flush (2 s by default; never past the
    /// invocation's deadline). What has not reached the collector by then is exported later.
    /// `Duration::ZERO` turns the flush off: telemetry then leaves on the batch processors' own
    /// schedule, while the sandbox is not frozen.
    #[must_use]
    pub fn flush_timeout(mut self, timeout: Duration) -> Self {
        self.flush_timeout = timeout;
        self
    }

    /// What the flushes after each invocation took so far.
    pub fn flush_stats(&self) -> FlushStats {
        self.shared.counters.snapshot()
    }
}

impl fmt::Debug for LambdaLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LambdaLayer")
            .field("traces", &self.shared.tracer.is_some())
            .field("trigger", &self.trigger)
            .field("flush_timeout", &self.flush_timeout)
            .field("flush_stats", &self.flush_stats())
            .finish()
    }
}

impl<S> Layer<S> for LambdaLayer {
    type Service = LambdaService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        LambdaService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`LambdaLayer`] wraps around the runtime's handler chain.
#[derive(Clone)]
pub struct LambdaService<S> {
    inner: S,
    layer: LambdaLayer,
}

impl<S: fmt::Debug> fmt::Debug for LambdaService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LambdaService")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

impl<S> Service<LambdaInvocation> for LambdaService<S>
where
    S: Service<LambdaInvocation>,
    S::Error: fmt::Display,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = LambdaFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, invocation: LambdaInvocation) -> Self::Future {
        let cx = invocation_context(&self.layer, &invocation);
        let deadline_ms = invocation.context.deadline;
        let future = {
            let _attached = cx.clone().attach();
            self.inner.call(invocation)
        };
        LambdaFuture {
            state: State::Running(Box::pin(future)),
            cx,
            deadline_ms,
            layer: self.layer.clone(),
        }
    }
}

/// The future of one invocation: the inner service with the invocation's context current, then
/// the flush.
pub struct LambdaFuture<F: Future> {
    state: State<F>,
    cx: Context,
    deadline_ms: u64,
    layer: LambdaLayer,
}

enum State<F: Future> {
    Running(Pin<Box<F>>),
    Flushing {
        output: Option<F::Output>,
        wait: FlushWait,
        started: Instant,
    },
    Done,
}

// The output is moved, never pinned; the inner future is boxed.
impl<F: Future> Unpin for LambdaFuture<F> {}

impl<F: Future> fmt::Debug for LambdaFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Running(_) => "running",
            State::Flushing { .. } => "flushing",
            State::Done => "done",
        };
        f.debug_struct("LambdaFuture")
            .field("state", &state)
            .field("cx", &self.cx)
            .finish_non_exhaustive()
    }
}

impl<F, T, E> Future for LambdaFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: fmt::Display,
{
    type Output = F::Output;

    /// Polling again after completion stays pending (it never panics).
    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Running(inner) => {
                    let polled = {
                        let _attached = this.cx.clone().attach();
                        inner.as_mut().poll(task)
                    };
                    let Poll::Ready(output) = polled else {
                        return Poll::Pending;
                    };
                    let span = this.cx.span();
                    if let Err(error) = &output {
                        span.set_attribute(KeyValue::new("error.type", std::any::type_name::<E>()));
                        span.set_status(Status::error(error.to_string()));
                    }
                    span.end();
                    let started = Instant::now();
                    let wait = start_flush(&this.layer, this.deadline_ms);
                    this.state = State::Flushing {
                        output: Some(output),
                        wait,
                        started,
                    };
                }
                State::Flushing {
                    output,
                    wait,
                    started,
                } => {
                    let Poll::Ready(outcome) = wait.poll(task) else {
                        return Poll::Pending;
                    };
                    if let Some(outcome) = outcome {
                        report_flush(&this.layer.shared.counters, started.elapsed(), &outcome);
                    }
                    let output = output.take();
                    this.state = State::Done;
                    if let Some(output) = output {
                        return Poll::Ready(output);
                    }
                }
                State::Done => return Poll::Pending,
            }
        }
    }
}

/// The invocation's context: its remote X-Ray parent with the invocation's SERVER span.
fn invocation_context(layer: &LambdaLayer, invocation: &LambdaInvocation) -> Context {
    let lambda = &invocation.context;
    let cold_start = COLD_START.swap(false, Ordering::Relaxed);
    let parent = remote_parent(&layer.shared.xray, lambda.xray_trace_id.as_deref());
    let Some(tracer) = &layer.shared.tracer else {
        return parent;
    };
    let trigger = layer
        .trigger
        .unwrap_or_else(|| FaasTrigger::detect(&invocation.body));
    let arn = FunctionArn::parse(&lambda.invoked_function_arn);
    let config = &lambda.env_config;

    let mut attributes = Vec::with_capacity(13);
    attributes.push(KeyValue::new("faas.trigger", trigger.as_str()));
    attributes.push(KeyValue::new(
        "faas.invocation_id",
        lambda.request_id.clone(),
    ));
    attributes.push(KeyValue::new("faas.coldstart", cold_start));
    let name: Cow<'static, str> = if !config.function_name.is_empty() {
        Cow::Owned(config.function_name.clone())
    } else if let Some(arn) = &arn {
        Cow::Owned(arn.function.to_string())
    } else {
        Cow::Borrowed("lambda invocation")
    };
    if !config.function_name.is_empty() {
        attributes.push(KeyValue::new("faas.name", config.function_name.clone()));
    }
    if !config.version.is_empty() {
        attributes.push(KeyValue::new("faas.version", config.version.clone()));
    }
    attributes.push(KeyValue::new("cloud.provider", "aws"));
    attributes.push(KeyValue::new("cloud.platform", "aws_lambda"));
    if let Some(arn) = &arn {
        attributes.push(KeyValue::new("cloud.region", arn.region.to_string()));
        attributes.push(KeyValue::new("cloud.account.id", arn.account.to_string()));
        attributes.push(KeyValue::new(
            "cloud.resource_id",
            arn.resource_id(&config.version),
        ));
        attributes.push(KeyValue::new(
            "aws.lambda.invoked_arn",
            lambda.invoked_function_arn.clone(),
        ));
    }

    let span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Server)
        .with_attributes(attributes)
        .start_with_context(tracer, &parent);
    parent.with_span(span)
}

/// The remote context of the invocation's X-Ray trace header (`header`, else `_X_AMZN_TRACE_ID`),
/// on an empty context so nothing of the polling thread's context leaks in. A missing or malformed
/// header gives the empty context: the invocation starts a new trace.
fn remote_parent(xray: &TextMapCompositePropagator, header: Option<&str>) -> Context {
    let from_env;
    let value = match header.map(str::trim).filter(|h| !h.is_empty()) {
        Some(value) => value,
        None => {
            from_env = std::env::var(TRACE_ID_VARIABLE).ok();
            match from_env.as_deref().map(str::trim) {
                Some(value) if !value.is_empty() => value,
                _ => return Context::new(),
            }
        }
    };
    xray.extract_with_context(&Context::new(), &XrayHeader(value))
}

/// One X-Ray trace header as a propagation carrier.
struct XrayHeader<'a>(&'a str);

impl Extractor for XrayHeader<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        key.eq_ignore_ascii_case(XRAY_HEADER).then_some(self.0)
    }

    fn keys(&self) -> Vec<&str> {
        vec![XRAY_HEADER]
    }
}

/// The parts of a Lambda function ARN, `arn:{partition}:lambda:{region}:{account}:function:{name}`
/// with an optional `:{qualifier}` (version or alias).
#[derive(Debug, PartialEq, Eq)]
struct FunctionArn<'a> {
    /// Everything up to and including the function name.
    unqualified: &'a str,
    region: &'a str,
    account: &'a str,
    function: &'a str,
}

impl<'a> FunctionArn<'a> {
    fn parse(arn: &'a str) -> Option<Self> {
        let mut parts = arn.splitn(8, ':');
        let (Some("arn"), Some(partition), Some("lambda"), Some(region), Some(account)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let (Some("function"), Some(function)) = (parts.next(), parts.next()) else {
            return None;
        };
        if partition.is_empty() || region.is_empty() || account.is_empty() || function.is_empty() {
            return None;
        }
        let unqualified_len = arn.len() - parts.next().map_or(0, |qualifier| qualifier.len() + 1);
        Some(FunctionArn {
            unqualified: &arn[..unqualified_len],
            region,
            account,
            function,
        })
    }

    /// `cloud.resource_id`: the function's ARN, qualified with the running version rather than
    /// the alias it was invoked by (the same sandbox serves every alias of a version).
    fn resource_id(&self, version: &str) -> String {
        if version.is_empty() || version == "$LATEST" {
            self.unqualified.to_string()
        } else {
            format!("{}:{version}", self.unqualified)
        }
    }
}

/// How one flush ended.
#[derive(Debug)]
enum FlushOutcome {
    Flushed,
    Failed(String),
    TimedOut(Duration),
}

/// Waits for a flush running on another thread.
#[derive(Debug)]
enum FlushWait {
    /// No flush: the SDK is disabled, or the flush timeout is zero.
    Off,
    /// Decided without a thread (no time left, too many flushes stuck).
    Ready(Option<FlushOutcome>),
    Running(oneshot::Receiver<FlushOutcome>),
}

impl FlushWait {
    /// The outcome, `None` when there was no flush to count.
    fn poll(&mut self, task: &mut TaskContext<'_>) -> Poll<Option<FlushOutcome>> {
        match self {
            FlushWait::Off => Poll::Ready(None),
            FlushWait::Ready(outcome) => Poll::Ready(outcome.take()),
            FlushWait::Running(receiver) => match Pin::new(receiver).poll(task) {
                Poll::Ready(Ok(outcome)) => Poll::Ready(Some(outcome)),
                // The flush thread died without answering.
                Poll::Ready(Err(_)) => Poll::Ready(Some(FlushOutcome::Failed(
                    "the flush thread ended without an answer".to_string(),
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// Counts a flush thread as running until dropped (with the flush work, when it finishes).
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Starts the flush of every signal on a blocking thread, bounded by the flush timeout and the
/// invocation's deadline (`deadline_ms`, milliseconds since the epoch; 0 when unknown).
fn start_flush(layer: &LambdaLayer, deadline_ms: u64) -> FlushWait {
    let Some(flusher) = layer.shared.flusher.clone() else {
        return FlushWait::Off;
    };
    if layer.flush_timeout.is_zero() {
        return FlushWait::Off;
    }
    let budget = flush_budget(layer.flush_timeout, deadline_ms, SystemTime::now());
    if budget.is_zero() {
        return FlushWait::Ready(Some(FlushOutcome::TimedOut(budget)));
    }
    let in_flight = &layer.shared.in_flight;
    if in_flight.fetch_add(1, Ordering::AcqRel) >= MAX_FLUSHES_IN_FLIGHT {
        in_flight.fetch_sub(1, Ordering::AcqRel);
        return FlushWait::Ready(Some(FlushOutcome::TimedOut(Duration::ZERO)));
    }
    let token = InFlight(Arc::clone(in_flight));
    let (reply, receiver) = oneshot::channel();
    // `run_bounded` (the guard's bounded flush) runs the flush on a thread of its own and waits at
    // most `budget` for it. The flush thread is never one of tokio's: a flush stuck on the
    // collector must not hold up the runtime's shutdown, which waits for its blocking threads.
    let wait = move || {
        let outcome = match run_bounded("lambda-flush", budget, move || {
            // The token lives as long as the flush itself, not just the wait for it.
            let _token = token;
            flusher.flush_now()
        }) {
            Ok(()) => FlushOutcome::Flushed,
            Err(TelemetryError::Timeout { timeout, .. }) => FlushOutcome::TimedOut(timeout),
            Err(error) => FlushOutcome::Failed(error.to_string()),
        };
        let _ = reply.send(outcome);
    };
    // Under tokio (as lambda_runtime is) the wait, bounded by the budget, takes a pooled blocking
    // thread; elsewhere a thread of its own.
    match tokio::runtime::Handle::try_current() {
        Ok(pool) => drop(pool.spawn_blocking(wait)),
        Err(_) => {
            if let Err(error) = std::thread::Builder::new()
                .name("agentcore-lambda-flush-wait".to_string())
                .spawn(wait)
            {
                return FlushWait::Ready(Some(FlushOutcome::Failed(format!(
                    "could not start a thread: {error}"
                ))));
            }
        }
    }
    FlushWait::Running(receiver)
}

/// How long a flush may take: the flush timeout, cut to what is left before the deadline.
fn flush_budget(timeout: Duration, deadline_ms: u64, now: SystemTime) -> Duration {
    if deadline_ms == 0 {
        return timeout;
    }
    let now_ms = now.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    });
    timeout.min(Duration::from_millis(deadline_ms.saturating_sub(now_ms)))
}

/// Counts and logs one flush.
fn report_flush(counters: &FlushCounters, waited: Duration, outcome: &FlushOutcome) {
    counters.record(waited, outcome);
    let waited_ms = waited.as_secs_f64() * 1000.0;
    let problem = match outcome {
        FlushOutcome::Flushed => {
            tracing::debug!(
                target: "agentcore_observability",
                waited_ms,
                "lambda invocation: telemetry flushed"
            );
            return;
        }
        FlushOutcome::Failed(message) => format!("failed: {message}"),
        FlushOutcome::TimedOut(budget) => format!(
            "did not finish within {budget:?} (flush timeout or invocation deadline); \
             the rest exports when the sandbox runs again"
        ),
    };
    if counters.warned.swap(true, Ordering::Relaxed) {
        tracing::debug!(target: "agentcore_observability", waited_ms, "lambda invocation: telemetry flush {problem}");
    } else {
        tracing::warn!(target: "agentcore_observability", waited_ms, "lambda invocation: telemetry flush {problem}");
    }
}

/// Wraps a Lambda handler service (e.g. `service_fn(handler)`) so that an error it returns, or a
/// panic, marks the span that was current when it was called (the invocation span, under
/// [`LambdaLayer`]) with status ERROR, `error.type` (the error's type) and the error's message.
///
/// The runtime posts handler errors to Lambda itself, so without this the invocation span would
/// not know about them. The error passes through unchanged.
///
/// ```no_run
/// use agentcore_observability::lambda::{self, LambdaLayer};
/// use lambda_runtime::{service_fn, Error, LambdaEvent, Runtime};
///
/// async fn handler(event: LambdaEvent<serde_json::Value>) -> Result<String, Error> {
///     Err("no such city".into()) // → the invocation span: ERROR "no such city"
/// }
///
/// # async fn run(guard: agentcore_observability::ObservabilityGuard) -> Result<(), Error> {
/// Runtime::new(lambda::record_errors(service_fn(handler)))
///     .layer(LambdaLayer::new(&guard))
///     .run()
///     .await
/// # }
/// ```
pub fn record_errors<S>(handler: S) -> RecordErrors<S> {
    RecordErrors { inner: handler }
}

/// The service [`record_errors`] returns.
#[derive(Clone, Debug)]
pub struct RecordErrors<S> {
    inner: S,
}

impl<S, Request> Service<Request> for RecordErrors<S>
where
    S: Service<Request>,
    S::Error: fmt::Display,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = RecordErrorsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let cx = Context::current();
        let inner = {
            let marker = MarkOnPanic(&cx);
            let inner = self.inner.call(request);
            std::mem::forget(marker);
            inner
        };
        RecordErrorsFuture {
            inner: Box::pin(inner),
            cx,
        }
    }
}

/// The future of a [`RecordErrors`] call.
pub struct RecordErrorsFuture<F> {
    inner: Pin<Box<F>>,
    cx: Context,
}

impl<F> fmt::Debug for RecordErrorsFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordErrorsFuture")
            .field("cx", &self.cx)
            .finish_non_exhaustive()
    }
}

impl<F, T, E> Future for RecordErrorsFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: fmt::Display,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let marker = MarkOnPanic(&this.cx);
        let polled = this.inner.as_mut().poll(task);
        std::mem::forget(marker);
        if let Poll::Ready(Err(error)) = &polled {
            let span = this.cx.span();
            span.set_attribute(KeyValue::new("error.type", std::any::type_name::<E>()));
            span.set_status(Status::error(error.to_string()));
        }
        polled
    }
}

/// Marks the span of `cx` as failed if dropped while a panic unwinds through the handler
/// (`lambda_runtime` catches the panic further out and reports it to Lambda).
struct MarkOnPanic<'a>(&'a Context);

impl Drop for MarkOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let span = self.0.span();
            span.set_attribute(KeyValue::new("error.type", "panic"));
            span.set_status(Status::error("the handler panicked"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_from_event_shapes() {
        let cases: &[(&str, FaasTrigger)] = &[
            (
                r#"{"version":"2.0","routeKey":"$default","rawPath":"/","requestContext":{"accountId":"123","http":{"method":"POST","path":"/"}},"body":"{\"q\":1}","isBase64Encoded":false}"#,
                FaasTrigger::Http,
            ),
            (
                r#"{"resource":"/","path":"/","httpMethod":"GET","requestContext":{"httpMethod":"GET","stage":"prod"},"body":null}"#,
                FaasTrigger::Http,
            ),
            (
                r#"{"requestContext":{"elb":{"targetGroupArn":"arn:aws:elasticloadbalancing:…"}},"httpMethod":"GET","path":"/"}"#,
                FaasTrigger::Http,
            ),
            (
                r#"{"Records":[{"messageId":"1","eventSource":"aws:sqs","body":"a"},{"messageId":"2","eventSource":"aws:sqs","body":"b"}]}"#,
                FaasTrigger::PubSub,
            ),
            (
                r#"{"Records":[{"EventSource":"aws:sns","EventVersion":"1.0","Sns":{"Message":"hi"}}]}"#,
                FaasTrigger::PubSub,
            ),
            (
                r#"{"Records":[{"kinesis":{"data":"SGk="},"eventSource":"aws:kinesis"}]}"#,
                FaasTrigger::PubSub,
            ),
            (
                r#"{"Records":[{"eventID":"1","eventName":"INSERT","eventSource":"aws:dynamodb","dynamodb":{}}]}"#,
                FaasTrigger::Datasource,
            ),
            (
                r#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","s3":{"bucket":{"name":"b"}}}]}"#,
                FaasTrigger::Datasource,
            ),
            (
                r#"{"eventSource":"aws:kafka","records":{"topic-0":[{"value":"SGk="}]}}"#,
                FaasTrigger::PubSub,
            ),
            (
                r#"{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events","resources":[],"detail":{}}"#,
                FaasTrigger::Timer,
            ),
            (
                r#"{"version":"0","detail-type":"Order Placed","source":"com.example.orders","detail":{"id":7}}"#,
                FaasTrigger::PubSub,
            ),
            (r#"{"prompt":"plan a trip to Seattle"}"#, FaasTrigger::Other),
            (r#"{"Records":null}"#, FaasTrigger::Other),
            (r#"{"Records":[]}"#, FaasTrigger::Other),
            (
                r#"{"Records":[{"eventSource":"aws:unknown"}]}"#,
                FaasTrigger::Other,
            ),
            (r#"{"requestContext":{"stage":"x"}}"#, FaasTrigger::Other),
            (r#""just a string""#, FaasTrigger::Other),
            ("[1,2,3]", FaasTrigger::Other),
            ("", FaasTrigger::Other),
            ("{not json", FaasTrigger::Other),
            (r#"{"Records":"nope"}"#, FaasTrigger::Other),
            (
                r#"{"source":"a","source":"b","detail-type":"x"}"#,
                FaasTrigger::Other,
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(FaasTrigger::detect(event.as_bytes()), *expected, "{event}");
        }
        // Escaped strings cannot be borrowed; they still compare.
        assert_eq!(
            FaasTrigger::detect(br#"{"Records":[{"eventSource":"aws:\u0073qs"}]}"#),
            FaasTrigger::PubSub
        );
        assert_eq!(FaasTrigger::PubSub.to_string(), "pubsub");
    }

    #[test]
    fn function_arns() {
        let arn = FunctionArn::parse("arn:aws:lambda:us-west-2:123456789012:function:agent:live");
        assert_eq!(
            arn,
            Some(FunctionArn {
                unqualified: "arn:aws:lambda:us-west-2:123456789012:function:agent",
                region: "us-west-2",
                account: "123456789012",
                function: "agent",
            })
        );
        let arn = arn.unwrap_or_else(|| unreachable!());
        assert_eq!(
            arn.resource_id("7"),
            "arn:aws:lambda:us-west-2:123456789012:function:agent:7"
        );
        assert_eq!(
            arn.resource_id("$LATEST"),
            "arn:aws:lambda:us-west-2:123456789012:function:agent"
        );
        let unqualified =
            FunctionArn::parse("arn:aws-cn:lambda:cn-north-1:123456789012:function:agent");
        assert_eq!(
            unqualified.map(|a| (a.unqualified, a.region)),
            Some((
                "arn:aws-cn:lambda:cn-north-1:123456789012:function:agent",
                "cn-north-1"
            ))
        );
        for bad in [
            "",
            "arn:aws:s3:::bucket",
            "arn:aws:lambda:us-east-1:123:layer:x",
            "arn:aws:lambda::123:function:x",
            "arn:aws:lambda:us-east-1:123:function:",
            "not an arn",
        ] {
            assert_eq!(FunctionArn::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn budgets() {
        let now = UNIX_EPOCH + Duration::from_millis(1_000_000);
        let timeout = Duration::from_secs(2);
        assert_eq!(flush_budget(timeout, 0, now), timeout);
        assert_eq!(flush_budget(timeout, 1_010_000, now), timeout);
        assert_eq!(
            flush_budget(timeout, 1_000_500, now),
            Duration::from_millis(500)
        );
        assert_eq!(flush_budget(timeout, 999_000, now), Duration::ZERO);
    }

    #[test]
    fn xray_parents() {
        let xray = agentcore_observability_session::propagation::composite(&[Propagator::XRay]);
        let cx = remote_parent(
            &xray,
            Some("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5"),
        );
        let span = cx.span();
        let parent = span.span_context();
        assert_eq!(
            parent.trace_id().to_string(),
            "5759e988bd862e3fe1be46a994272793"
        );
        assert_eq!(parent.span_id().to_string(), "53995c3f42cd8ad8");
        assert!(parent.is_sampled() && parent.is_remote());
        let garbage = remote_parent(&xray, Some("Root=;;Parent==x"));
        assert!(!garbage.span().span_context().is_valid());
    }
}
