//! AWS X-Ray-compatible trace ids: the first 32 bits are the trace's start time in Unix seconds,
//! the other 96 random, so X-Ray (and CloudWatch Transaction Search) accept and index them.
//!
//! `opentelemetry-aws` has a generator too, but it builds each id by formatting hex strings and
//! parsing them back; on the span hot path that costs more than the rest of the id work together,
//! so this one composes the 128 bits directly.

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};

/// Generates X-Ray-compatible trace ids (time-prefixed) and random span ids.
///
/// ```
/// use agentcore_observability_session::XrayIdGenerator;
/// use opentelemetry_sdk::trace::IdGenerator;
/// use std::time::{SystemTime, UNIX_EPOCH};
///
/// let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
/// let id = XrayIdGenerator::default().new_trace_id().to_string();
/// let seconds = u64::from_str_radix(&id[..8], 16).unwrap();
/// assert!(seconds.abs_diff(now) <= 1);
/// ```
#[derive(Debug, Default)]
pub struct XrayIdGenerator {
    random: RandomIdGenerator,
}

/// The 96 random bits below the timestamp.
const RANDOM_BITS: u128 = (1 << 96) - 1;

impl IdGenerator for XrayIdGenerator {
    fn new_trace_id(&self) -> TraceId {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() & 0xFFFF_FFFF);
        let random = u128::from_be_bytes(self.random.new_trace_id().to_bytes()) & RANDOM_BITS;
        TraceId::from_bytes(((u128::from(seconds) << 96) | random).to_be_bytes())
    }

    fn new_span_id(&self) -> SpanId {
        self.random.new_span_id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_time_prefixed_random_and_valid() {
        let generator = XrayIdGenerator::default();
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let a = generator.new_trace_id();
        let b = generator.new_trace_id();
        assert_ne!(a, b);
        assert_ne!(a, TraceId::INVALID);
        let hex = a.to_string();
        let seconds = u64::from_str_radix(&hex[..8], 16).unwrap_or(0);
        assert!(seconds >= before && seconds <= before + 2, "{hex}");
        assert_ne!(generator.new_span_id(), SpanId::INVALID);
    }

    #[test]
    fn the_xray_header_carries_the_time_as_the_root_epoch() {
        use opentelemetry::propagation::TextMapPropagator;
        use opentelemetry::trace::{SpanContext, TraceContextExt, TraceFlags, TraceState};
        let generator = XrayIdGenerator::default();
        let trace_id = generator.new_trace_id();
        let cx = opentelemetry::Context::new().with_remote_span_context(SpanContext::new(
            trace_id,
            generator.new_span_id(),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        ));
        let mut headers = std::collections::HashMap::new();
        opentelemetry_aws::trace::XrayPropagator::new().inject_context(&cx, &mut headers);
        let header = headers.get("x-amzn-trace-id").cloned().unwrap_or_default();
        let hex = trace_id.to_string();
        assert!(
            header.starts_with(&format!("Root=1-{}-{}", &hex[..8], &hex[8..])),
            "{header}"
        );
    }
}
