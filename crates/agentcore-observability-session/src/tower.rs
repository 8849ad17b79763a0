//! Server side (feature `tower`): [`AgentCoreContextLayer`] continues the caller's trace and session
//! in every request and opens a SERVER span around the handler.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use http::{Extensions, HeaderMap, Method, Request, Response};
use opentelemetry::baggage::BaggageExt as _;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use tower_layer::Layer;
use tower_service::Service;

use crate::propagation;
use crate::scope::{Session, SESSION_ID};

/// The header the AgentCore Runtime sets on every invocation with the runtime session id.
pub const RUNTIME_SESSION_HEADER: &str = "x-amzn-bedrock-agentcore-runtime-session-id";

/// Longest runtime session id accepted from [`RUNTIME_SESSION_HEADER`] (AgentCore allows 256).
const MAX_RUNTIME_SESSION_ID_LEN: usize = 256;

/// Reads the route template (`/users/{id}`) of a request from its extensions.
pub type RouteFn = for<'a> fn(&'a Extensions) -> Option<&'a str>;

/// A tower [`Layer`] for HTTP servers (axum, hyper, tonic …) that makes each request continue the
/// caller's trace and session:
///
/// 1. extracts the incoming context with the global propagator (`traceparent`, `X-Amzn-Trace-Id`,
///    `baggage`, per `OTEL_PROPAGATORS`); malformed headers are ignored;
/// 2. when that baggage has no `session.id`, takes it from
///    `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id` (at most 256 visible ASCII characters);
/// 3. opens a SERVER span `{METHOD} {route}` (`{METHOD}` when the route is unknown; `HTTP` for
///    non-standard methods) with `http.request.method`, `url.path`, `http.route`, `url.scheme`,
///    `server.address`, `server.port`, `network.protocol.version`, `user_agent.original` where known,
///    and `http.response.status_code`; a 5xx response or an error sets status ERROR and `error.type`;
/// 4. keeps that context current while the inner service runs, so handler spans are its children
///    and carry `session.id`.
///
/// The route comes from axum's `MatchedPath` with the `axum` feature (add the layer with
/// `Router::layer`, which runs after routing), or from [`with_route`](Self::with_route). The span
/// ends when the response head is ready; streaming a body afterwards is not timed.
///
/// ```ignore
/// let app = axum::Router::new()
///     .route("/invocations", axum::routing::post(invoke))
///     .layer(AgentCoreContextLayer::new());
/// ```
#[derive(Clone, Copy, Default)]
pub struct AgentCoreContextLayer {
    route: Option<RouteFn>,
}

impl AgentCoreContextLayer {
    /// The layer, reading routes from axum's `MatchedPath` when the `axum` feature is on.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the route template with `route` (tried before axum's `MatchedPath`). Return a
    /// template, never the raw path: the route names the span and must have few distinct values.
    ///
    /// ```
    /// use agentcore_observability_session::AgentCoreContextLayer;
    ///
    /// #[derive(Clone)]
    /// struct Route(&'static str); // put in the request extensions by your router
    /// let layer = AgentCoreContextLayer::new()
    ///     .with_route(|extensions| extensions.get::<Route>().map(|route| route.0));
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_route(mut self, route: RouteFn) -> Self {
        self.route = Some(route);
        self
    }
}

impl fmt::Debug for AgentCoreContextLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentCoreContextLayer")
            .field("custom_route", &self.route.is_some())
            .finish()
    }
}

impl<S> Layer<S> for AgentCoreContextLayer {
    type Service = AgentCoreContextService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AgentCoreContextService {
            inner,
            route: self.route,
        }
    }
}

/// The service [`AgentCoreContextLayer`] wraps around an inner HTTP service.
#[derive(Clone)]
pub struct AgentCoreContextService<S> {
    inner: S,
    route: Option<RouteFn>,
}

impl<S: fmt::Debug> fmt::Debug for AgentCoreContextService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentCoreContextService")
            .field("inner", &self.inner)
            .field("custom_route", &self.route.is_some())
            .finish()
    }
}

impl<S, B, ResBody> Service<Request<B>> for AgentCoreContextService<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let cx = server_context(&request, self.route);
        let inner = {
            let _guard = cx.clone().attach();
            self.inner.call(request)
        };
        ResponseFuture {
            inner: Box::pin(inner),
            cx,
        }
    }
}

/// The response future of [`AgentCoreContextService`]: polls the inner future with the request's
/// context current, then records the outcome on the SERVER span and ends it.
pub struct ResponseFuture<F> {
    inner: Pin<Box<F>>,
    cx: Context,
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("cx", &self.cx)
            .finish_non_exhaustive()
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let polled = {
            let _guard = this.cx.clone().attach();
            this.inner.as_mut().poll(task)
        };
        let Poll::Ready(result) = polled else {
            return Poll::Pending;
        };
        let span = this.cx.span();
        match &result {
            Ok(response) => {
                let status = response.status();
                span.set_attribute(KeyValue::new(
                    "http.response.status_code",
                    i64::from(status.as_u16()),
                ));
                if status.is_server_error() {
                    span.set_attribute(KeyValue::new("error.type", status.as_str().to_string()));
                    span.set_status(Status::error(""));
                }
            }
            Err(_) => {
                let kind = std::any::type_name::<E>();
                span.set_attribute(KeyValue::new("error.type", kind));
                span.set_status(Status::error(kind));
            }
        }
        span.end();
        Poll::Ready(result)
    }
}

/// The context a request runs in: the extracted remote context (plus the runtime session id) with
/// a new SERVER span.
fn server_context<B>(request: &Request<B>, route: Option<RouteFn>) -> Context {
    let headers = request.headers();
    let mut parent = propagation::extract_with_context(&Context::new(), headers);
    if parent.baggage().get(SESSION_ID).is_none() {
        if let Some(id) = runtime_session_id(headers) {
            parent = Session::new(id).apply_to(&parent);
        }
    }

    let route = route
        .and_then(|read| read(request.extensions()))
        .or_else(|| axum_route(request.extensions()));
    let (method, known) = method_attribute(request.method());
    let name = match route {
        Some(route) => format!("{} {route}", if known { method } else { "HTTP" }),
        None => (if known { method } else { "HTTP" }).to_string(),
    };

    let uri = request.uri();
    let mut attributes = Vec::with_capacity(10);
    attributes.push(KeyValue::new("http.request.method", method));
    if !known {
        attributes.push(KeyValue::new(
            "http.request.method_original",
            request.method().as_str().to_string(),
        ));
    }
    attributes.push(KeyValue::new("url.path", uri.path().to_string()));
    if let Some(route) = route {
        attributes.push(KeyValue::new("http.route", route.to_string()));
    }
    if let Some(scheme) = uri.scheme_str() {
        attributes.push(KeyValue::new("url.scheme", scheme.to_string()));
    }
    if let Some((host, port)) = server_address(request) {
        attributes.push(KeyValue::new("server.address", host));
        if let Some(port) = port {
            attributes.push(KeyValue::new("server.port", i64::from(port)));
        }
    }
    if let Some(version) = protocol_version(request.version()) {
        attributes.push(KeyValue::new("network.protocol.version", version));
    }
    if let Some(agent) = headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        attributes.push(KeyValue::new("user_agent.original", agent.to_string()));
    }

    let scope = InstrumentationScope::builder("agentcore-observability-session")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let tracer = opentelemetry::global::tracer_with_scope(scope);
    let span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Server)
        .with_attributes(attributes)
        .start_with_context(&tracer, &parent);
    parent.with_span(span)
}

/// The runtime session id header, if it is usable: visible ASCII, not blank, at most 256 bytes.
fn runtime_session_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(RUNTIME_SESSION_HEADER)?.to_str().ok()?.trim();
    let usable = !value.is_empty()
        && value.len() <= MAX_RUNTIME_SESSION_ID_LEN
        && value.bytes().all(|b| b.is_ascii_graphic());
    usable.then(|| value.to_string())
}

/// `http.request.method`: the method when it is one of the standard ones, else `_OTHER`.
fn method_attribute(method: &Method) -> (&'static str, bool) {
    let known = match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => return ("_OTHER", false),
    };
    (known, true)
}

/// `server.address` / `server.port` from the URI authority (HTTP/2) or the `Host` header.
fn server_address<B>(request: &Request<B>) -> Option<(String, Option<u16>)> {
    let uri = request.uri();
    if let Some(host) = uri.host() {
        return Some((host.to_string(), uri.port_u16()));
    }
    let host = request.headers().get(http::header::HOST)?.to_str().ok()?;
    let authority: http::uri::Authority = host.parse().ok()?;
    let name = authority.host();
    (!name.is_empty()).then(|| (name.to_string(), authority.port_u16()))
}

fn protocol_version(version: http::Version) -> Option<&'static str> {
    Some(match version {
        http::Version::HTTP_09 => "0.9",
        http::Version::HTTP_10 => "1.0",
        http::Version::HTTP_11 => "1.1",
        http::Version::HTTP_2 => "2",
        http::Version::HTTP_3 => "3",
        _ => return None,
    })
}

#[cfg(feature = "axum")]
fn axum_route(extensions: &Extensions) -> Option<&str> {
    extensions
        .get::<axum::extract::MatchedPath>()
        .map(axum::extract::MatchedPath::as_str)
}

#[cfg(not(feature = "axum"))]
fn axum_route(_extensions: &Extensions) -> Option<&str> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use std::future::Ready;

    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};

    use crate::BaggageSpanProcessor;

    /// Answers with the status in the `x-status` header and records the handler's view.
    #[derive(Clone)]
    struct Handler;

    impl Service<Request<()>> for Handler {
        type Response = Response<()>;
        type Error = Infallible;
        type Future = Ready<Result<Response<()>, Infallible>>;

        fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<()>) -> Self::Future {
            opentelemetry::global::tracer("handler").in_span("handler work", |_| {});
            let status = request
                .headers()
                .get("x-status")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u16>().ok())
                .unwrap_or(200);
            let mut response = Response::new(());
            *response.status_mut() =
                http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
            std::future::ready(Ok(response))
        }
    }

    #[derive(Clone)]
    struct Route(&'static str);

    fn call(layer: AgentCoreContextLayer, request: Request<()>) -> Response<()> {
        let mut service = layer.layer(Handler);
        let future = service.call(request);
        let waker = std::task::Waker::noop();
        let mut task = TaskContext::from_waker(waker);
        let mut future = std::pin::pin!(future);
        match future.as_mut().poll(&mut task) {
            Poll::Ready(Ok(response)) => response,
            Poll::Ready(Err(never)) => match never {},
            Poll::Pending => panic!("ready futures are ready"),
        }
    }

    fn attr(span: &SpanData, key: &str) -> Option<String> {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.to_string())
    }

    /// One test, because it installs the global tracer provider and propagator.
    #[test]
    fn server_spans_continue_the_caller_and_carry_the_session() {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(BaggageSpanProcessor::new(Vec::<String>::new()))
            .with_simple_exporter(exporter.clone())
            .build();
        opentelemetry::global::set_tracer_provider(provider.clone());
        opentelemetry::global::set_text_map_propagator(propagation::composite(&[
            agentcore_observability_config::Propagator::Baggage,
            agentcore_observability_config::Propagator::XRay,
            agentcore_observability_config::Propagator::TraceContext,
        ]));
        let _ = provider.tracer("unused");

        // traceparent + baggage, a custom route, a 503.
        let request = Request::post("/users/7?x=1")
            .header(
                "traceparent",
                "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01",
            )
            .header("baggage", "session.id=from-baggage")
            .header(RUNTIME_SESSION_HEADER, "from-runtime-header")
            .header("host", "agent.example:8080")
            .header("user-agent", "test/1")
            .header("x-status", "503")
            .extension(Route("/users/{id}"))
            .body(())
            .expect("request");
        let layer =
            AgentCoreContextLayer::new().with_route(|e| e.get::<Route>().map(|route| route.0));
        assert_eq!(call(layer, request).status(), 503);
        let spans = exporter.get_finished_spans().unwrap_or_default();
        exporter.reset();
        let server = spans
            .iter()
            .find(|s| s.span_kind == SpanKind::Server)
            .expect("server span");
        let handler = spans
            .iter()
            .find(|s| s.name == "handler work")
            .expect("handler span");
        assert_eq!(server.name, "POST /users/{id}");
        assert_eq!(
            server.span_context.trace_id().to_string(),
            "5759e988bd862e3fe1be46a994272793"
        );
        assert_eq!(server.parent_span_id.to_string(), "53995c3f42cd8ad8");
        assert!(server.parent_span_is_remote);
        assert_eq!(handler.parent_span_id, server.span_context.span_id());
        assert_eq!(attr(server, "session.id").as_deref(), Some("from-baggage"));
        assert_eq!(attr(handler, "session.id").as_deref(), Some("from-baggage"));
        assert_eq!(attr(server, "http.request.method").as_deref(), Some("POST"));
        assert_eq!(attr(server, "url.path").as_deref(), Some("/users/7"));
        assert_eq!(attr(server, "http.route").as_deref(), Some("/users/{id}"));
        assert_eq!(
            attr(server, "server.address").as_deref(),
            Some("agent.example")
        );
        assert_eq!(attr(server, "server.port").as_deref(), Some("8080"));
        assert_eq!(
            attr(server, "user_agent.original").as_deref(),
            Some("test/1")
        );
        assert_eq!(
            attr(server, "http.response.status_code").as_deref(),
            Some("503")
        );
        assert_eq!(attr(server, "error.type").as_deref(), Some("503"));
        assert!(matches!(server.status, Status::Error { .. }));

        // The runtime header alone; an odd method; no route; no leak into the caller's context.
        let request = Request::builder()
            .method(Method::from_bytes(b"PURGE").expect("method"))
            .uri("/x")
            .header(RUNTIME_SESSION_HEADER, "runtime-only")
            .body(())
            .expect("request");
        assert_eq!(call(AgentCoreContextLayer::new(), request).status(), 200);
        assert_eq!(Session::current_id(), None);
        let spans = exporter.get_finished_spans().unwrap_or_default();
        exporter.reset();
        let server = spans
            .iter()
            .find(|s| s.span_kind == SpanKind::Server)
            .expect("server span");
        assert_eq!(server.name, "HTTP");
        assert_eq!(
            attr(server, "http.request.method").as_deref(),
            Some("_OTHER")
        );
        assert_eq!(
            attr(server, "http.request.method_original").as_deref(),
            Some("PURGE")
        );
        assert_eq!(attr(server, "session.id").as_deref(), Some("runtime-only"));
        assert_eq!(server.parent_span_id, opentelemetry::trace::SpanId::INVALID);
        assert!(matches!(server.status, Status::Unset));

        // Garbage everywhere: no panic, a fresh trace, no session.
        let request = Request::get("/")
            .header("traceparent", "00-zzzz-53995c3f42cd8ad8-01")
            .header("x-amzn-trace-id", "Root=1-;;;;Parent==")
            .header("baggage", "=;=,,;%%%,session.id")
            .header(RUNTIME_SESSION_HEADER, "a b")
            .header(
                "x-amzn-bedrock-agentcore-runtime-session-id",
                http::HeaderValue::from_bytes(b"\xff\xfe").expect("opaque bytes"),
            )
            .header("host", "[::1")
            .body(())
            .expect("request");
        assert_eq!(call(AgentCoreContextLayer::new(), request).status(), 200);
        let spans = exporter.get_finished_spans().unwrap_or_default();
        let server = spans
            .iter()
            .find(|s| s.span_kind == SpanKind::Server)
            .expect("server span");
        assert_eq!(server.name, "GET");
        assert_eq!(attr(server, "session.id"), None);
        assert_eq!(attr(server, "server.address"), None);
        assert_eq!(server.parent_span_id, opentelemetry::trace::SpanId::INVALID);
    }

    #[test]
    fn runtime_session_ids_are_checked() {
        let headers = |value: &str| {
            let mut headers = HeaderMap::new();
            if let Ok(value) = http::HeaderValue::from_str(value) {
                headers.insert(RUNTIME_SESSION_HEADER, value);
            }
            headers
        };
        assert_eq!(
            runtime_session_id(&headers(" abc ")).as_deref(),
            Some("abc")
        );
        assert_eq!(runtime_session_id(&headers("")), None);
        assert_eq!(runtime_session_id(&headers("a b")), None);
        assert_eq!(runtime_session_id(&headers(&"x".repeat(257))), None);
        assert!(runtime_session_id(&headers(&"x".repeat(256))).is_some());
        assert_eq!(runtime_session_id(&HeaderMap::new()), None);
    }
}
