//! `#[instrument_agent]` / `#[instrument_tool]` end to end: the spans they open, as decoded by the
//! testkit receiver: names, GenAI attributes, parents across `.await`, tasks and trait methods,
//! `session.id`, errors, fields, arguments and results (only when asked), and cancellation.

mod common;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Duration;

use agentcore_observability::opentelemetry::trace::Tracer as _;
use agentcore_observability::prelude::*;
use agentcore_observability::{instrument_agent, instrument_tool, session};
use agentcore_observability_testkit::{OtlpReceiver, ReceivedSpan};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;

const WAIT: Duration = Duration::from_secs(10);

fn by_name(spans: &[ReceivedSpan]) -> HashMap<String, ReceivedSpan> {
    spans
        .iter()
        .map(|s| (s.name().to_string(), s.clone()))
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Traces only, to `receiver`, with `vars` on top.
fn init(
    receiver: &OtlpReceiver,
    vars: &[(&str, &str)],
) -> agentcore_observability::ObservabilityGuard {
    let mut all = vec![
        ("OTEL_METRICS_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "none"),
    ];
    all.extend_from_slice(vars);
    let config = common::builder_for(receiver, &all)
        .finish()
        .expect("config");
    agentcore_observability::init_with(config).expect("init")
}

fn child_span(name: &'static str) {
    agentcore_observability::tracer("macros-test").in_span(name, |_| {});
}

// --- an agent calling tools of every shape ------------------------------------------------------

struct TravelAgent {
    model: &'static str,
}

impl TravelAgent {
    /// An async method, renamed, with an id and fields read from `self` and an argument.
    #[instrument_agent(
        name = "travel-agent",
        id = "agent-123",
        fields(gen_ai.request.model = self.model, user.id = %user)
    )]
    async fn run(&self, user: &str, destination: &str) -> Result<String, io::Error> {
        tokio::task::yield_now().await; // the agent span stays current across awaits
        let hits = search(destination)?;
        tokio::time::sleep(Duration::from_millis(1)).await;
        // another task: session::spawn carries the context (session and agent span) along
        let forecast = session::spawn(weather(destination.to_string(), "call-7"))
            .await
            .expect("join")?;
        let hotel = Booker.book(destination).await;
        let count = Booker.summarize(&hits).await;
        let page = fetch_page(destination).await;
        let cached = cached_lookup(destination).await;
        let mut counter = Counter { total: 0 };
        *counter.add((count as i32, 1)) += 1;
        Ok(format!(
            "{hotel}, {forecast}, {page} bytes, cached {cached}, total {}",
            counter.total
        ))
    }
}

/// A generic sync tool with a where clause, renamed, with a type; opens a child span.
#[instrument_tool(name = "web_search", tool_type = "function")]
fn search<Q>(query: Q) -> Result<Vec<String>, io::Error>
where
    Q: AsRef<str> + fmt::Debug,
{
    child_span("http GET search");
    Ok(vec![format!("{} guide", query.as_ref())])
}

/// An async tool run on another task, with the model's tool-call id from an argument.
#[instrument_tool(call_id = call_id)]
async fn weather(city: String, call_id: &'static str) -> Result<String, io::Error> {
    tokio::task::yield_now().await;
    child_span("http GET weather");
    Ok(format!("sunny in {city} ({})", call_id.len()))
}

trait Booking {
    async fn book(&self, city: &str) -> String;

    /// A trait default method.
    #[instrument_tool]
    async fn summarize(&self, hits: &[String]) -> usize {
        tokio::task::yield_now().await;
        hits.len()
    }
}

struct Booker;

impl Booking for Booker {
    /// An async fn in a trait impl.
    #[instrument_tool(name = "book_hotel")]
    async fn book(&self, city: &str) -> String {
        tokio::time::sleep(Duration::from_millis(1)).await;
        format!("hotel in {city}")
    }
}

/// A sync fn returning `impl Future`: the span covers the returned future.
#[instrument_tool]
fn fetch_page(url: &str) -> impl Future<Output = usize> + '_ {
    child_span("build request");
    async move {
        tokio::task::yield_now().await;
        child_span("http GET page");
        url.len()
    }
}

/// What `#[async_trait]` produces: a boxed future.
#[instrument_tool]
fn cached_lookup<'a>(key: &'a str) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
    Box::pin(async move {
        tokio::task::yield_now().await;
        key.is_empty()
    })
}

struct Counter {
    total: i32,
}

impl Counter {
    /// `&mut self`, a pattern argument, and a returned borrow of `self`.
    #[instrument_tool]
    fn add(&mut self, (a, b): (i32, i32)) -> &mut i32 {
        self.total += a + b;
        &mut self.total
    }
}

#[test]
fn sync_async_generic_and_trait_methods_nest_under_the_agent_in_the_session() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(&receiver, &[]);

    let answer = runtime().block_on(
        Session::new("s-macros").scope(
            TravelAgent {
                model: "anthropic.claude-3-haiku",
            }
            .run("user-7", "Lisbon"),
        ),
    );
    assert_eq!(
        answer.expect("ok"),
        "hotel in Lisbon, sunny in Lisbon (6), 6 bytes, cached false, total 3"
    );
    guard.shutdown().expect("shutdown");

    let spans = by_name(&receiver.wait_for_spans(12, WAIT));
    assert_eq!(spans.len(), 12, "{:?}", spans.keys());
    let agent = &spans["invoke_agent travel-agent"];
    assert_eq!(
        agent.attr_str("gen_ai.operation.name"),
        Some("invoke_agent")
    );
    assert_eq!(agent.attr_str("gen_ai.agent.name"), Some("travel-agent"));
    assert_eq!(agent.attr_str("gen_ai.agent.id"), Some("agent-123"));
    assert_eq!(
        agent.attr_str("gen_ai.request.model"),
        Some("anthropic.claude-3-haiku")
    );
    assert_eq!(agent.attr_str("user.id"), Some("user-7"));
    assert_eq!(agent.parent_span_id_hex(), None, "the root of the request");
    assert_eq!(agent.status_code(), StatusCode::Unset, "unset on success");

    let tools = [
        ("execute_tool web_search", "web_search"),
        ("execute_tool weather", "weather"),
        ("execute_tool book_hotel", "book_hotel"),
        ("execute_tool summarize", "summarize"),
        ("execute_tool fetch_page", "fetch_page"),
        ("execute_tool cached_lookup", "cached_lookup"),
        ("execute_tool add", "add"),
    ];
    for (span_name, tool_name) in tools {
        let tool = &spans[span_name];
        assert_eq!(tool.attr_str("gen_ai.operation.name"), Some("execute_tool"));
        assert_eq!(tool.attr_str("gen_ai.tool.name"), Some(tool_name));
        assert_eq!(
            tool.parent_span_id_hex(),
            Some(agent.span_id_hex()),
            "{span_name} is a child of the agent"
        );
        assert_eq!(tool.attr_str("agentcore.cancelled"), None, "{span_name}");
    }
    assert_eq!(
        spans["execute_tool web_search"].attr_str("gen_ai.tool.type"),
        Some("function")
    );
    assert_eq!(
        spans["execute_tool weather"].attr_str("gen_ai.tool.call.id"),
        Some("call-7")
    );
    for (child, parent) in [
        ("http GET search", "execute_tool web_search"),
        ("http GET weather", "execute_tool weather"),
        ("build request", "execute_tool fetch_page"),
        ("http GET page", "execute_tool fetch_page"),
    ] {
        assert_eq!(
            spans[child].parent_span_id_hex(),
            Some(spans[parent].span_id_hex()),
            "{child} is a child of {parent}"
        );
    }
    for (name, span) in &spans {
        assert_eq!(span.attr_str("session.id"), Some("s-macros"), "{name}");
        assert_eq!(span.trace_id_hex(), agent.trace_id_hex(), "{name}");
    }
}

// --- errors ---------------------------------------------------------------------------------------

#[derive(Debug)]
struct DebugOnly {
    code: u16,
}

#[instrument_tool]
fn io_failure() -> Result<(), io::Error> {
    Err(io::Error::other("disk full"))
}

#[instrument_tool]
async fn string_failure(input: &str) -> Result<u8, String> {
    tokio::task::yield_now().await;
    Err(format!("cannot parse {input}"))
}

#[instrument_tool]
fn boxed_failure() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Err("backend unavailable")?;
    Ok(())
}

#[instrument_tool]
fn debug_only_failure() -> Result<(), DebugOnly> {
    Err(DebugOnly { code: 503 })
}

/// `?` returns early: the span ends there, with the error.
#[instrument_tool]
fn parse_count(input: &str) -> Result<u32, std::num::ParseIntError> {
    let count: u32 = input.parse()?;
    child_span("after the question mark");
    Ok(count)
}

#[instrument_tool]
async fn parse_count_async(input: &str) -> Result<u32, std::num::ParseIntError> {
    tokio::task::yield_now().await;
    let count: u32 = input.parse()?;
    child_span("after the async question mark");
    Ok(count)
}

#[instrument_tool]
fn succeeds() -> Result<u8, io::Error> {
    Ok(1)
}

#[instrument_tool]
fn panics() -> u8 {
    panic!("tool bug")
}

#[test]
fn errors_are_recorded_and_success_leaves_the_status_unset() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(&receiver, &[]);

    assert!(io_failure().is_err());
    assert!(boxed_failure().is_err());
    assert_eq!(debug_only_failure().map_err(|e| e.code), Err(503));
    assert!(parse_count("x").is_err());
    assert_eq!(succeeds().ok(), Some(1));
    assert!(std::panic::catch_unwind(panics).is_err());
    runtime().block_on(async {
        assert!(string_failure("abc").await.is_err());
        assert!(parse_count_async("y").await.is_err());
    });
    guard.shutdown().expect("shutdown");

    let spans = by_name(&receiver.wait_for_spans(8, WAIT));
    assert_eq!(spans.len(), 8, "{:?}", spans.keys());
    for (span_name, error_type, message) in [
        ("execute_tool io_failure", "Error", "disk full"),
        ("execute_tool string_failure", "String", "cannot parse abc"),
        (
            "execute_tool boxed_failure",
            "_OTHER",
            "backend unavailable",
        ),
        (
            "execute_tool debug_only_failure",
            "DebugOnly",
            "DebugOnly { code: 503 }",
        ),
        (
            "execute_tool parse_count",
            "ParseIntError",
            "invalid digit found in string",
        ),
        (
            "execute_tool parse_count_async",
            "ParseIntError",
            "invalid digit found in string",
        ),
        (
            "execute_tool panics",
            "panic",
            "the instrumented function panicked",
        ),
    ] {
        let span = &spans[span_name];
        assert_eq!(span.status_code(), StatusCode::Error, "{span_name}");
        assert_eq!(span.status_message(), message, "{span_name}");
        assert_eq!(span.attr_str("error.type"), Some(error_type), "{span_name}");
        assert_eq!(
            span.event_attr_str("exception", "exception.type"),
            Some(error_type),
            "{span_name}"
        );
        assert_eq!(
            span.event_attr_str("exception", "exception.message"),
            Some(message),
            "{span_name}"
        );
    }
    let ok = &spans["execute_tool succeeds"];
    assert_eq!(ok.status_code(), StatusCode::Unset);
    assert_eq!(ok.attr_str("error.type"), None);
    assert!(ok.events().is_empty());
    assert!(
        !spans.contains_key("after the question mark")
            && !spans.contains_key("after the async question mark"),
        "the body stopped at `?`"
    );
}

// --- fields, arguments, results -------------------------------------------------------------------

#[derive(Debug)]
struct SearchConfig {
    verbose: bool,
}

struct Region(&'static str);

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "region-{}", self.0)
    }
}

#[instrument_tool(
    arguments,
    result,
    skip(api_key),
    fields(
        query.length = query.len(),
        retries = 3_u8,
        cached = false,
        score = 0.5,
        region = %Region("eu"),
        config = ?config,
        filter = filters,
        "custom-key" = "custom",
        limit
    )
)]
fn search_with_content(
    api_key: &str,
    query: &str,
    limit: u32,
    filters: Option<&str>,
    config: SearchConfig,
) -> Result<Vec<String>, io::Error> {
    assert!(!api_key.is_empty() && config.verbose);
    Ok((0..limit).map(|i| format!("{query} #{i}")).collect())
}

/// Arguments, but not recorded: not asked for.
#[instrument_tool]
fn quiet_tool(api_key: &str, query: &str) -> String {
    format!("{}:{query}", api_key.len())
}

#[instrument_tool(result)]
fn plain_result(city: &str) -> String {
    format!("weather in {city}")
}

#[instrument_agent(fields(request.length = request.len()))]
async fn private_agent(api_key: String, request: String) -> String {
    let quiet = quiet_tool(&api_key, &request);
    format!("{quiet} {}", plain_result("Porto"))
}

#[test]
fn fields_arguments_and_results_are_recorded_only_when_asked() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(
        &receiver,
        &[(
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "span_only",
        )],
    );

    let results = search_with_content(
        "s3cr3t-key",
        "rust \"otel\"",
        2,
        None,
        SearchConfig { verbose: true },
    )
    .expect("ok");
    assert_eq!(results.len(), 2);
    runtime().block_on(private_agent("s3cr3t-key".into(), "plan a trip".into()));
    guard.shutdown().expect("shutdown");

    let spans = by_name(&receiver.wait_for_spans(4, WAIT));
    let search = &spans["execute_tool search_with_content"];
    assert_eq!(
        search.attr_str("gen_ai.tool.call.arguments"),
        Some(
            r#"{"query":"rust \"otel\"","limit":2,"filters":null,"config":"SearchConfig { verbose: true }"}"#
        ),
        "skip(api_key) respected; strings, numbers and None as JSON, other types by Debug"
    );
    assert_eq!(
        search.attr_str("gen_ai.tool.call.result"),
        Some(r#"["rust \"otel\" #0", "rust \"otel\" #1"]"#),
        "the Ok value, by Debug"
    );
    assert_eq!(search.attr_i64("query.length"), Some(11));
    assert_eq!(search.attr_i64("retries"), Some(3));
    assert_eq!(search.attr_bool("cached"), Some(false));
    assert_eq!(search.attr_f64("score"), Some(0.5));
    assert_eq!(search.attr_str("region"), Some("region-eu"));
    assert_eq!(
        search.attr_str("config"),
        Some("SearchConfig { verbose: true }")
    );
    assert_eq!(search.attr("filter"), None, "a None field is not set");
    assert_eq!(search.attr_str("custom-key"), Some("custom"));
    assert_eq!(search.attr_i64("limit"), Some(2), "shorthand field");

    let plain = &spans["execute_tool plain_result"];
    assert_eq!(
        plain.attr_str("gen_ai.tool.call.result"),
        Some("weather in Porto"),
        "a string result as its text"
    );
    assert_eq!(plain.attr("gen_ai.tool.call.arguments"), None);

    let quiet = &spans["execute_tool quiet_tool"];
    assert_eq!(quiet.attr("gen_ai.tool.call.arguments"), None);
    assert_eq!(quiet.attr("gen_ai.tool.call.result"), None);
    let agent = &spans["invoke_agent private_agent"];
    assert_eq!(agent.attr_i64("request.length"), Some(11));
    assert_eq!(quiet.parent_span_id_hex(), Some(agent.span_id_hex()));

    // No argument reached any attribute unless it was listed.
    for (name, span) in &spans {
        for kv in &span.span.attributes {
            if let Some(AnyValue::StringValue(value)) =
                kv.value.as_ref().and_then(|v| v.value.as_ref())
            {
                assert!(!value.contains("s3cr3t"), "{name}: {} = {value}", kv.key);
                assert!(
                    !value.contains("plan a trip"),
                    "{name}: {} = {value}",
                    kv.key
                );
            }
        }
    }
}

#[test]
fn arguments_and_results_follow_the_content_policy() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    // Content capture is off outside agent mode unless switched on.
    let guard = init(&receiver, &[]);
    let _ = search_with_content("k", "q", 1, Some("recent"), SearchConfig { verbose: true });
    guard.shutdown().expect("shutdown");

    let spans = receiver.wait_for_spans(1, WAIT);
    assert_eq!(spans[0].name(), "execute_tool search_with_content");
    assert_eq!(spans[0].attr("gen_ai.tool.call.arguments"), None);
    assert_eq!(spans[0].attr("gen_ai.tool.call.result"), None);
    assert_eq!(
        spans[0].attr_str("filter"),
        Some("recent"),
        "fields are plain attributes, not content"
    );
}

// --- cancellation ---------------------------------------------------------------------------------

#[instrument_tool]
async fn slow_tool() -> u32 {
    tokio::time::sleep(Duration::from_secs(30)).await;
    1
}

#[instrument_tool]
fn slow_future() -> impl Future<Output = u32> {
    async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        2
    }
}

#[test]
fn a_dropped_future_ends_its_span_marked_cancelled() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = init(&receiver, &[]);

    runtime().block_on(async {
        let timed_out = tokio::time::timeout(Duration::from_millis(20), slow_tool()).await;
        assert!(timed_out.is_err());
        let task = session::spawn(slow_future());
        tokio::time::sleep(Duration::from_millis(5)).await;
        task.abort();
        assert!(task.await.expect_err("aborted").is_cancelled());
        // An async fn's span starts at the first poll: a future never polled has none.
        drop(slow_tool());
    });
    guard.shutdown().expect("shutdown");

    let spans = by_name(&receiver.wait_for_spans(2, WAIT));
    assert_eq!(spans.len(), 2, "{:?}", spans.keys());
    for name in ["execute_tool slow_tool", "execute_tool slow_future"] {
        let span = &spans[name];
        assert_eq!(span.attr_bool("agentcore.cancelled"), Some(true), "{name}");
        assert_eq!(span.status_code(), StatusCode::Unset, "{name}");
        assert!(
            span.duration() < Duration::from_secs(10),
            "{name}: ended at the drop"
        );
    }
    assert!(spans["execute_tool slow_tool"].duration() >= Duration::from_millis(15));
}
