//! One span processor in front of the exporting ones.
//!
//! The SDK hands every registered processor its own copy of a finished span: with the baggage
//! processor plus one exporter that is a full `SpanData` clone per span, for a processor that
//! does nothing at the end. Registering this single processor instead keeps the hot path to one
//! enrichment at start and one move at end (clones only when several exporters are configured).
//!
//! `AWS_REDACT_SPAN_ATTRIBUTES` is applied here too, once, to the finished span before any
//! exporter sees it (nothing is checked when no rules are configured).

use std::time::Duration;

use agentcore_observability_session::BaggageSpanProcessor;
use agentcore_observability_spans::content::RedactionRules;
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use opentelemetry_sdk::Resource;

/// Enriches spans at start, redacts them at end, then passes them to the exporting processors.
#[derive(Debug)]
pub(crate) struct SpanFanOut {
    enrich: BaggageSpanProcessor,
    redact: Option<RedactionRules>,
    exporters: Vec<Box<dyn SpanProcessor>>,
}

impl SpanFanOut {
    pub(crate) fn new(enrich: BaggageSpanProcessor) -> Self {
        Self {
            enrich,
            redact: None,
            exporters: Vec::new(),
        }
    }

    /// Redact finished spans with `rules` (ignored when empty).
    pub(crate) fn with_redaction(mut self, rules: RedactionRules) -> Self {
        self.redact = (!rules.is_empty()).then_some(rules);
        self
    }

    pub(crate) fn push(&mut self, exporter: impl SpanProcessor + 'static) {
        self.exporters.push(Box::new(exporter));
    }

    fn each(&self, f: impl Fn(&dyn SpanProcessor) -> OTelSdkResult) -> OTelSdkResult {
        let mut result = Ok(());
        for exporter in &self.exporters {
            let outcome = f(exporter.as_ref());
            if result.is_ok() {
                result = outcome;
            }
        }
        result
    }
}

impl SpanProcessor for SpanFanOut {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.enrich.on_start(span, cx);
        for exporter in &self.exporters {
            exporter.on_start(span, cx);
        }
    }

    fn on_end(&self, mut span: SpanData) {
        if let Some(rules) = &self.redact {
            rules.redact_span(&mut span);
        }
        if let Some((last, others)) = self.exporters.split_last() {
            for exporter in others {
                exporter.on_end(span.clone());
            }
            last.on_end(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.each(|p| p.force_flush())
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.each(|p| p.shutdown_with_timeout(timeout))
    }

    fn set_resource(&mut self, resource: &Resource) {
        for exporter in &mut self.exporters {
            exporter.set_resource(resource);
        }
    }
}
