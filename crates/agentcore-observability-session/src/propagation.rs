//! The text-map propagator named by `OTEL_PROPAGATORS` (default `baggage,xray,tracecontext`), and
//! helpers that inject into and extract from [`http::HeaderMap`] (reqwest, hyper, axum, tonic
//! metadata via `into_headers`) with the global propagator `init()` installed.
//!
//! ```
//! use agentcore_observability_session::{propagation, Session};
//!
//! // Client side: put the current context (span, session baggage) on an outgoing request.
//! let mut headers = http::HeaderMap::new();
//! Session::new("s-1").in_scope(|| propagation::inject_current(&mut headers));
//!
//! // Server side: rebuild the caller's context from the request headers.
//! let cx = propagation::extract(&headers);
//! # let _ = cx;
//! ```

use agentcore_observability_config::Propagator;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::Context;
use opentelemetry_aws::trace::XrayPropagator;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

/// One propagator that injects and extracts every format in `propagators`, in order.
/// An empty list gives a propagator that does nothing (`OTEL_PROPAGATORS=none`).
///
/// ```
/// use agentcore_observability_config::Propagator;
/// use agentcore_observability_session::propagation::composite;
/// use opentelemetry::propagation::TextMapPropagator;
///
/// let propagator = composite(&[Propagator::Baggage, Propagator::XRay, Propagator::TraceContext]);
/// let fields: Vec<&str> = propagator.fields().collect();
/// assert!(fields.contains(&"x-amzn-trace-id"));
/// assert!(fields.contains(&"traceparent"));
/// assert!(fields.contains(&"baggage"));
/// ```
pub fn composite(propagators: &[Propagator]) -> TextMapCompositePropagator {
    let parts: Vec<Box<dyn TextMapPropagator + Send + Sync>> = propagators
        .iter()
        .map(|p| -> Box<dyn TextMapPropagator + Send + Sync> {
            match p {
                Propagator::Baggage => Box::new(BaggagePropagator::new()),
                Propagator::XRay => Box::new(XrayPropagator::new()),
                _ => Box::new(TraceContextPropagator::new()),
            }
        })
        .collect();
    TextMapCompositePropagator::new(parts)
}

/// Writes `cx` (trace context, X-Ray header, baggage — whatever the global propagator carries)
/// into `headers`, replacing headers of the same name. Fields whose name or value is not a valid
/// HTTP header are skipped.
pub fn inject(cx: &Context, headers: &mut HeaderMap) {
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(cx, &mut HeaderInjector(headers));
    });
}

/// [`inject`] with the current context.
pub fn inject_current(headers: &mut HeaderMap) {
    Context::map_current(|cx| inject(cx, headers));
}

/// The context `headers` carry, on top of the current context, read with the global propagator.
/// Malformed headers are ignored (the result is then the current context unchanged).
pub fn extract(headers: &HeaderMap) -> Context {
    Context::map_current(|cx| extract_with_context(cx, headers))
}

/// The context `headers` carry, on top of `cx`. Servers pass `&Context::new()` so nothing of the
/// thread's own context leaks into the request.
pub fn extract_with_context(cx: &Context, headers: &HeaderMap) -> Context {
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract_with_context(cx, &HeaderExtractor(headers))
    })
}

/// An [`Injector`] over an [`http::HeaderMap`]. Invalid header names or values are skipped.
#[derive(Debug)]
pub struct HeaderInjector<'a>(pub &'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }

    fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional);
    }
}

/// An [`Extractor`] over an [`http::HeaderMap`]. Values that are not visible ASCII read as absent.
#[derive(Debug, Clone, Copy)]
pub struct HeaderExtractor<'a>(pub &'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values: Vec<&str> = self
            .0
            .get_all(key)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        (!values.is_empty()).then_some(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };
    use opentelemetry::Context;
    use std::collections::HashMap;

    fn context() -> Context {
        let span = SpanContext::new(
            TraceId::from_hex("5759e988bd862e3fe1be46a994272793").unwrap_or(TraceId::INVALID),
            SpanId::from_hex("53995c3f42cd8ad8").unwrap_or(SpanId::INVALID),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        );
        Context::new().with_remote_span_context(span)
    }

    #[test]
    fn injects_xray_and_w3c_headers() {
        let mut headers = HashMap::new();
        composite(&[Propagator::XRay, Propagator::TraceContext])
            .inject_context(&context(), &mut headers);
        assert_eq!(
            headers.get("x-amzn-trace-id").map(String::as_str),
            Some("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
        );
        assert_eq!(
            headers.get("traceparent").map(String::as_str),
            Some("00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01")
        );
    }

    #[test]
    fn none_injects_nothing() {
        let mut headers = HashMap::new();
        composite(&[]).inject_context(&context(), &mut headers);
        assert!(headers.is_empty());
    }

    #[test]
    fn extracts_an_xray_header_alone() {
        let mut headers = HashMap::new();
        headers.insert(
            "x-amzn-trace-id".to_string(),
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
                .to_string(),
        );
        let extracted = composite(&[
            Propagator::Baggage,
            Propagator::XRay,
            Propagator::TraceContext,
        ])
        .extract(&headers);
        let span = extracted.span();
        let span_context = span.span_context();
        assert_eq!(
            span_context.trace_id().to_string(),
            "5759e988bd862e3fe1be46a994272793"
        );
        assert!(span_context.is_remote());
    }

    fn default_propagator() -> TextMapCompositePropagator {
        composite(&[
            Propagator::Baggage,
            Propagator::XRay,
            Propagator::TraceContext,
        ])
    }

    #[test]
    fn header_map_round_trip() {
        use opentelemetry::baggage::BaggageExt as _;
        let cx = context().with_baggage([opentelemetry::KeyValue::new("session.id", "s 1/é")]);
        let mut headers = HeaderMap::new();
        default_propagator().inject_context(&cx, &mut HeaderInjector(&mut headers));
        assert_eq!(
            headers.get("traceparent").and_then(|v| v.to_str().ok()),
            Some("00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01")
        );
        assert!(headers.contains_key("x-amzn-trace-id"));
        let back = default_propagator().extract(&HeaderExtractor(&headers));
        assert_eq!(
            back.span().span_context().trace_id(),
            cx.span().span_context().trace_id()
        );
        assert_eq!(
            back.baggage().get("session.id").map(|v| v.as_str()),
            Some("s 1/é")
        );
    }

    #[test]
    fn injector_skips_what_is_not_a_header() {
        let mut headers = HeaderMap::new();
        let mut injector = HeaderInjector(&mut headers);
        injector.set("bad name", "v".into());
        injector.set("good", "line\nbreak".into());
        injector.set("fine", "ok".into());
        assert_eq!(headers.len(), 1);
        assert_eq!(
            headers.get("fine").and_then(|v| v.to_str().ok()),
            Some("ok")
        );
    }

    #[test]
    fn extractor_ignores_garbage() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("traceparent", &b"00-\xff\xfe-zz-01"[..]),
            ("x-amzn-trace-id", b"Root=1-xyz;Parent=;;=;Sampled=9"),
            ("baggage", b"=,;;,%zz=%zz,\xc3"),
        ] {
            headers.append(
                HeaderName::from_static(name),
                HeaderValue::from_bytes(value).unwrap_or(HeaderValue::from_static("x")),
            );
        }
        headers.append("baggage", HeaderValue::from_static("k=v"));
        let extractor = HeaderExtractor(&headers);
        assert_eq!(extractor.get("not a header name"), None);
        assert_eq!(extractor.get("traceparent"), None, "not visible ASCII");
        assert_eq!(extractor.get_all("baggage").map(|v| v.len()), Some(1));
        assert_eq!(extractor.keys().len(), 3);
        let cx = default_propagator().extract_with_context(&Context::new(), &extractor);
        assert!(!cx.span().span_context().is_valid());
    }

    #[test]
    fn global_helpers_use_the_installed_propagator() {
        opentelemetry::global::set_text_map_propagator(default_propagator());
        let mut headers = HeaderMap::new();
        inject(&context(), &mut headers);
        assert!(headers.contains_key("traceparent"));
        let cx = extract(&headers);
        assert_eq!(
            cx.span().span_context().span_id().to_string(),
            "53995c3f42cd8ad8"
        );
        let mut empty = HeaderMap::new();
        inject_current(&mut empty);
        assert!(!empty.contains_key("traceparent"), "no active span");
    }
}
