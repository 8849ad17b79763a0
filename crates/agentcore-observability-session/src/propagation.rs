//! The text-map propagator named by `OTEL_PROPAGATORS` (default `baggage,xray,tracecontext`).

use agentcore_observability_config::Propagator;
use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::propagation::TextMapPropagator;
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
}
