//! `#[instrument_agent]` and `#[instrument_tool]`: GenAI agent and tool spans for
//! [agentcore-observability](https://docs.rs/agentcore-observability), in the style of
//! `#[tracing::instrument]`.
//!
//! Use them through the facade (feature `macros`, on by default):
//!
//! ```
//! use agentcore_observability::{instrument_agent, instrument_tool};
//!
//! #[instrument_tool(tool_type = "function", fields(query.length = query.len()))]
//! fn web_search(query: &str) -> Result<Vec<String>, std::io::Error> {
//!     Ok(vec![format!("result for {query}")])
//! }
//!
//! #[instrument_agent(name = "travel-agent", id = "agent-123")]
//! fn plan_trip(destination: &str) -> Result<String, std::io::Error> {
//!     let results = web_search(destination)?; // child span `execute_tool web_search`
//!     Ok(results.join(", "))
//! }
//!
//! assert_eq!(plan_trip("Lisbon")?, "result for Lisbon");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Each call opens one span: `invoke_agent travel-agent` (`gen_ai.operation.name=invoke_agent`,
//! `gen_ai.agent.name`, `gen_ai.agent.id`) or `execute_tool web_search`
//! (`gen_ai.operation.name=execute_tool`, `gen_ai.tool.name`, `gen_ai.tool.type`), started by the
//! spans crate (`agentcore_observability::spans::agent` / `tool`) as a child of the current span.
//! The span is the current span while the body runs, so spans started inside (by other
//! instrumented functions, the Bedrock instrumentation, or `tracer.in_span`) are its children, and
//! `session.id` of an enclosing `Session` scope lands on it like on any span.
//!
//! # What they work on
//!
//! | function | the span covers | kept current |
//! |---|---|---|
//! | `fn` | the call | while the body runs |
//! | `async fn` (free, in `impl` blocks, trait methods with a default body, async fn in traits) | from the first poll until the future completes | on every poll, across every `.await` |
//! | `fn .. -> impl Future<Output = T>` | from the call until the returned future completes | while the body builds the future, and on every poll of it |
//! | `fn .. -> Pin<Box<dyn Future<Output = T> + ..>>`, `BoxFuture<'_, T>` (what `#[async_trait]` generates) | the same | the same |
//!
//! Generic functions, `where` clauses, lifetimes, `self` / `&self` / `&mut self`, patterns in
//! arguments (`(a, b): (i32, i32)`), `unsafe fn` and `extern "C" fn` are all fine; other
//! attributes (`#[must_use]`, doc comments, `#[inline]`) stay on the function. A `const fn` is
//! refused (a span is a run-time thing), and so is a trait method without a body (put the attribute
//! on the impl's method instead).
//!
//! A sync body runs inside a closure (so that `return` and `?` hand their value to the macro, which
//! inspects it); an async body inside an `async move` block. Both are invisible to callers.
//!
//! # Arguments
//!
//! ```text
//! #[instrument_agent(name = <expr>, id = <expr>, fields(..), skip(..), skip_all, crate = "path")]
//! #[instrument_tool(name = <expr>, tool_type = <expr>, call_id = <expr>, fields(..), skip(..),
//!                   skip_all, arguments, result, crate = "path")]
//! ```
//!
//! All are optional and may come in any order, each at most once.
//!
//! | argument | what it does |
//! |---|---|
//! | `name = "travel-agent"` | `gen_ai.agent.name` / `gen_ai.tool.name` and the span name; default: the function's name. Any expression works (`name = self.name`); non-literals are turned into a `String` through `Display`, by reference |
//! | `id = "agent-123"` | agent only: `gen_ai.agent.id` |
//! | `tool_type = "function"` | tool only: `gen_ai.tool.type` (`function`, `extension`, `datastore`) |
//! | `call_id = tool_use_id` | tool only: `gen_ai.tool.call.id`, usually the model's tool-use id passed in as an argument |
//! | `fields(key = value, ..)` | extra span attributes, evaluated before the body, see below |
//! | `arguments` | tool only: the arguments as `gen_ai.tool.call.arguments`, a JSON object, see below |
//! | `result` | tool only: the return value (the `Ok` value of a `Result`) as `gen_ai.tool.call.result` |
//! | `skip(a, b)` | leave these arguments out of `arguments` |
//! | `skip_all` | leave every argument out (accepted so that `#[tracing::instrument(skip_all)]` moves over unchanged; it records nothing anyway unless `arguments` is given, and with `arguments` it is refused) |
//! | `crate = "::agentcore_observability_spans"` | the path of the spans API the expansion calls; default `::agentcore_observability::spans`. Needed only when depending on `agentcore-observability-spans` without the facade |
//!
//! ## Arguments are not recorded unless asked (unlike `#[tracing::instrument]`)
//!
//! `#[tracing::instrument]` records every argument with `Debug` unless skipped. Agent and tool
//! arguments are prompts, user messages, documents and credentials-bearing clients, so here
//! **nothing is recorded by default**: name what you want in `fields(..)`, or opt a tool into
//! `arguments`. `skip` / `skip_all` only narrow `arguments`.
//!
//! ## `fields(..)`
//!
//! ```text
//! fields(user.id = %user.id, tenant, retries = 3, "custom-key" = ?config, %region)
//! ```
//!
//! | form | value |
//! |---|---|
//! | `key = expr` | a typed attribute: `&str`/`String`/`Cow<str>` → string, integers → int (`u64`/`usize`/`i128`/`u128` beyond `i64` → string), floats → double, `bool` → bool, `opentelemetry::Value` as is; an `Option` of these sets nothing when `None`; any other type is a compile error that points at `%` / `?` |
//! | `key = %expr` | the `Display` text |
//! | `key = ?expr` | the `Debug` text |
//! | `arg`, `%arg`, `?arg` | shorthand for `arg = arg` (and so on) |
//!
//! Keys are dotted identifiers (`gen_ai.request.model`, keywords allowed: `tool.type`) or string
//! literals. Values are taken by reference (nothing is moved) and evaluated when the span starts,
//! before the body, with the arguments in scope (`self` too). Fields are plain attributes, not
//! subject to the content policy: do not put content there unless you mean to.
//!
//! ## `arguments` and `result` (tools)
//!
//! `arguments` records the non-skipped arguments as one JSON object in
//! `gen_ai.tool.call.arguments`, keyed by argument name (names bound by a pattern, as in
//! `(a, b): (i32, i32)`, each get their own key; `self` is never included). Strings become JSON
//! strings, integers, floats and bools JSON numbers and booleans, `Option`s of these `null` or the
//! value, and **every other type its `Debug` text as a JSON string** (so `Debug` is required of each
//! recorded argument: skip the ones without it). No `serde` bound: the macro cannot know whether an
//! argument type implements `Serialize`, and requiring it would forbid the common case of a tool
//! taking a client or a context. `result` records the return value (only the `Ok` value of a
//! `Result`; nothing on `Err`) the same way, except that a string is recorded as its text.
//!
//! Both are **content**: they go through the spans crate's content policy
//! (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` and agent mode), which may drop, truncate
//! or redact them, and when content capture is off the arguments are not even formatted.
//!
//! # Errors, status and cancellation
//!
//! The return value is inspected (no error type is required):
//!
//! | return value | recorded |
//! |---|---|
//! | `Err(e)` with `E: std::error::Error` (also `Box<dyn Error + ..>`) | `record_error(&e)`: status ERROR with the message, `error.type`, an `exception` event |
//! | `Err(e)` with `E: Display` (e.g. `anyhow::Error`, `String`) or only `Debug` | `record_error_message(type name, Display text, else Debug text)` |
//! | anything else, including `Ok` | nothing: the status stays **unset** |
//!
//! The status is left unset on success, as the OpenTelemetry guidance for instrumentation
//! libraries says (`Ok` is for the application to decide); call `set_ok` on the span yourself if
//! you want it. A panic in the body records a `panic` error before the span ends. A future dropped
//! before it completes (cancelled by `select!`, a timeout, an aborted task) ends its span at the
//! drop, with `agentcore.cancelled=true` and the status unset: cancellation is not necessarily a
//! failure, and the caller that cancelled knows which it was.
//!
//! # Misuse
//!
//! Every misuse is a compile error that says what to write instead: unknown arguments (listing the
//! accepted ones, with hints for `#[tracing::instrument]` options such as `err`, `ret`, `level`),
//! duplicates, `skip(x)` of an argument that does not exist, malformed `fields(..)`, `arguments`
//! with `skip_all`, agent-only or tool-only options on the other macro, and any item that is not a
//! function with a body, or is a `const fn`.

mod args;
mod expand;

use proc_macro::TokenStream;

/// Opens an `invoke_agent {name}` span (`gen_ai.operation.name=invoke_agent`,
/// `gen_ai.agent.name`, optional `gen_ai.agent.id`) around a function, current while its body
/// runs, with an `Err` return recorded as an error.
///
/// ```text
/// #[instrument_agent]
/// #[instrument_agent(name = "travel-agent", id = "agent-123",
///                    fields(user.id = %user.id, tenant), skip(client), crate = "path")]
/// ```
///
/// See the [crate documentation](crate) for every argument, what is recorded and what is not.
///
/// ```
/// use agentcore_observability::instrument_agent;
///
/// struct User {
///     id: u64,
/// }
///
/// struct TravelAgent {
///     model: String,
/// }
///
/// impl TravelAgent {
///     /// Plans a trip: `invoke_agent travel-agent`, with `user.id` and `gen_ai.request.model`.
///     #[instrument_agent(
///         name = "travel-agent",
///         fields(user.id = %user.id, gen_ai.request.model = self.model.as_str())
///     )]
///     async fn run(&self, user: &User, request: String) -> Result<String, String> {
///         if request.is_empty() {
///             return Err("empty request".to_string()); // status ERROR, error.type = String
///         }
///         Ok(format!("plan for {request}"))
///     }
/// }
///
/// let agent = TravelAgent { model: "anthropic.claude-3-haiku".into() };
/// let plan = futures_lite_block_on(agent.run(&User { id: 7 }, "Lisbon".into()));
/// assert_eq!(plan.as_deref(), Ok("plan for Lisbon"));
/// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     use std::task::{Context, Poll, Waker};
/// #     let mut f = std::pin::pin!(f);
/// #     loop {
/// #         if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
/// #             return v;
/// #         }
/// #     }
/// # }
/// ```
#[proc_macro_attribute]
pub fn instrument_agent(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::instrument(args::Kind::Agent, attr.into(), item.into()).into()
}

/// Opens an `execute_tool {name}` span (`gen_ai.operation.name=execute_tool`,
/// `gen_ai.tool.name`, optional `gen_ai.tool.type` and `gen_ai.tool.call.id`) around a function,
/// current while its body runs, with an `Err` return recorded as an error; optionally records the
/// arguments and the result as content.
///
/// ```text
/// #[instrument_tool]
/// #[instrument_tool(name = "web_search", tool_type = "function", call_id = tool_use_id,
///                   fields(..), skip(client), skip_all, arguments, result, crate = "path")]
/// ```
///
/// See the [crate documentation](crate) for every argument, what is recorded and what is not.
///
/// ```
/// use agentcore_observability::instrument_tool;
///
/// struct Client;
///
/// /// `execute_tool web_search`; with content capture on, `gen_ai.tool.call.arguments` is
/// /// `{"query":"rust","max_results":3}` (the client is skipped) and `gen_ai.tool.call.result`
/// /// the `Debug` text of the `Ok` value.
/// #[instrument_tool(name = "web_search", tool_type = "function", arguments, result, skip(client))]
/// fn search(client: &Client, query: &str, max_results: u32) -> Result<Vec<String>, std::io::Error> {
///     let _ = client;
///     Ok((0..max_results).map(|i| format!("{query} #{i}")).collect())
/// }
///
/// assert_eq!(search(&Client, "rust", 3)?.len(), 3);
/// # Ok::<(), std::io::Error>(())
/// ```
#[proc_macro_attribute]
pub fn instrument_tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::instrument(args::Kind::Tool, attr.into(), item.into()).into()
}
