//! The AgentCore Observability guide's "custom span web search tool", with the span helpers: a
//! custom span with `search.*` attributes and a `search_completed` event, once succeeding and once
//! failing with the error recorded, printed as a span tree in the terminal. Runs offline.
//!
//! ```text
//! cargo run --example custom_span
//! ```
//!
//! The search backend is a local stand-in; the second query fails on purpose.

use agentcore_observability::prelude::*;

mod support;

/// What the stand-in backend fails with.
#[derive(Debug)]
struct BackendUnavailable;

impl std::fmt::Display for BackendUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("search backend unavailable")
    }
}

impl std::error::Error for BackendUnavailable {}

fn main() -> Result<(), support::Error> {
    // Code wins over the environment: the terminal tree, whatever OTEL_TRACES_EXPORTER says.
    let telemetry = support::init_console("peer-agent")?;
    let _session = Session::new("peer-session-0001").enter();

    spans::agent("peer-agent").in_span(|agent| {
        let found = web_search("OpenTelemetry distro for AgentCore", 3).unwrap_or_default();
        agent.set_attribute(KeyValue::new("answer.sources", found.len() as i64));
        if let Err(error) = web_search("this search fails", 3) {
            // The tool span recorded it; the agent carries on without those results.
            agent.add_event(
                "fallback_used",
                vec![KeyValue::new("reason", error.to_string())],
            );
        }
    });

    // Flush and stop; in CI this also checks that the spans reached an OTLP receiver.
    telemetry.finish(&["invoke_agent peer-agent", "custom span web search tool"])?;
    Ok(())
}

/// One search, in its own span: the attributes of the guide's example, a `search_completed` event
/// on success, the error (status ERROR, `error.type`, `exception` event) on failure.
fn web_search(query: &str, max_results: i64) -> Result<Vec<String>, BackendUnavailable> {
    let span = spans::custom("custom span web search tool")
        .attribute("search.query", query.to_string())
        .attribute("search.provider", "duckduckgo")
        .attribute("search.max_results", max_results)
        .attribute("tool.name", "web_search")
        .start();
    let result = search_backend(query, max_results);
    match &result {
        Ok(results) => {
            let count = results.len() as i64;
            span.set_attribute(KeyValue::new("search.results_count", count));
            span.add_event(
                "search_completed",
                vec![KeyValue::new("results_count", count)],
            );
            span.set_ok();
        }
        Err(error) => span.record_error(error),
    }
    result
}

/// The stand-in backend: `max_results` results, or an error for queries that mention failing.
fn search_backend(query: &str, max_results: i64) -> Result<Vec<String>, BackendUnavailable> {
    if query.contains("fails") {
        return Err(BackendUnavailable);
    }
    Ok((0..max_results)
        .map(|i| format!("result {i} for {query}"))
        .collect())
}
