//! The README's main example: one agent invocation in a session, with tool calls, a model call and a
//! failing tool, printed as a span tree in the terminal. Runs offline.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! The model call here is a local stand-in with hand-written GenAI attributes; real Bedrock calls
//! get their spans from the Bedrock instrumentation.

use agentcore_observability::opentelemetry::global::BoxedTracer;
use agentcore_observability::opentelemetry::{Array, Value};
use agentcore_observability::prelude::*;
use agentcore_observability::{Config, SpanExporterKind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Code wins over the environment: the terminal tree, whatever OTEL_TRACES_EXPORTER says.
    let config = Config::builder()
        .service_name("quickstart-agent")
        .traces_exporters([SpanExporterKind::Console])
        .logs_exporters([])
        .metrics_exporters([])
        .finish()?;
    let guard = agentcore_observability::init_with(config)?;

    // The AgentCore session: baggage that travels with the context; every span below carries
    // session.id (async code uses `Session::new(..).scope(async { .. })` instead of a guard).
    let _session = Session::new("session-0001").user_type("demo").enter();

    let tracer = agentcore_observability::tracer("quickstart");
    tracer.in_span("invoke_agent travel-agent", |cx| {
        let agent = cx.span();
        agent.set_attribute(KeyValue::new("gen_ai.operation.name", "invoke_agent"));
        agent.set_attribute(KeyValue::new("gen_ai.agent.name", "travel-agent"));

        let results = web_search(&tracer, "weekend trips from Seattle");
        let answer = chat(&tracer, &results);
        if web_search_backend_down(&tracer).is_err() {
            agent.add_event(
                "fallback_used",
                vec![KeyValue::new("reason", "search backend")],
            );
        }
        agent.set_attribute(KeyValue::new("answer.chars", answer.len() as i64));
    });

    // Flush and stop; dropping the guard would do the same, bounded by the shutdown timeout.
    guard.shutdown()?;
    Ok(())
}

fn web_search(tracer: &BoxedTracer, query: &str) -> Vec<String> {
    tracer.in_span("execute_tool web_search", |cx| {
        let span = cx.span();
        span.set_attribute(KeyValue::new("gen_ai.operation.name", "execute_tool"));
        span.set_attribute(KeyValue::new("gen_ai.tool.name", "web_search"));
        span.set_attribute(KeyValue::new("search.query", query.to_string()));
        let results: Vec<String> = (1..=3).map(|i| format!("result {i} for {query}")).collect();
        span.add_event(
            "search_completed",
            vec![KeyValue::new("results_count", results.len() as i64)],
        );
        span.set_status(Status::Ok);
        results
    })
}

fn chat(tracer: &BoxedTracer, context: &[String]) -> String {
    let model = "anthropic.claude-3-haiku-20240307-v1:0";
    let mut span = tracer
        .span_builder(format!("chat {model}"))
        .with_kind(SpanKind::Client)
        .start(tracer);
    span.set_attribute(KeyValue::new("gen_ai.operation.name", "chat"));
    span.set_attribute(KeyValue::new("gen_ai.provider.name", "aws.bedrock"));
    span.set_attribute(KeyValue::new("gen_ai.request.model", model));
    span.set_attribute(KeyValue::new(
        "gen_ai.usage.input_tokens",
        11 * context.len() as i64,
    ));
    span.set_attribute(KeyValue::new("gen_ai.usage.output_tokens", 42_i64));
    span.set_attribute(KeyValue::new(
        "gen_ai.response.finish_reasons",
        Value::Array(Array::String(vec!["end_turn".into()])),
    ));
    span.end();
    "Try the San Juan Islands.".to_string()
}

fn web_search_backend_down(tracer: &BoxedTracer) -> Result<(), String> {
    tracer.in_span("execute_tool web_search", |cx| {
        let span = cx.span();
        span.set_attribute(KeyValue::new("gen_ai.tool.name", "web_search"));
        span.set_attribute(KeyValue::new("error.type", "BackendUnavailable"));
        span.add_event(
            "exception",
            vec![
                KeyValue::new("exception.type", "BackendUnavailable"),
                KeyValue::new("exception.message", "search backend unavailable"),
            ],
        );
        span.set_status(Status::error("search backend unavailable"));
        Err("search backend unavailable".to_string())
    })
}
