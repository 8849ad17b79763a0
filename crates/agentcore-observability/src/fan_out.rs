//! One span processor in front of the exporting ones.
//!
//! The SDK hands every registered processor its own copy of a finished span: with the baggage
//! processor plus one exporter that is a full `SpanData` clone per span, for a processor that
//! does nothing at the end. Registering this single processor instead keeps the hot path to one
//! enrichment at start and one move at end (clones only when several exporters are configured).

use std::time::Duration;

use agentcore_observability_session::BaggageSpanProcessor;
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use opentelemetry_sdk::Resource;

/// Enriches spans at start, then passes them to the exporting processors.
#[derive(Debug)]
pub(crate) struct SpanFanOut {
    enrich: BaggageSpanProcessor,
    exporters: Vec<Box<dyn SpanProcessor>>,
}

impl SpanFanOut {
    pub(crate) fn new(enrich: BaggageSpanProcessor) -> Self {
        Self {
            enrich,
            exporters: Vec::new(),
        }
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

    fn on_end(&self, span: SpanData) {
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
