//! [`ConsoleSpanExporter`]: finished spans printed as one readable tree per trace.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use super::output::Sink;
use super::render::{Block, Renderer};

/// Default cap on spans held while waiting for their trace's root to end.
const DEFAULT_MAX_SPANS: usize = 4096;
/// Default cap on traces with buffered spans.
const DEFAULT_MAX_TRACES: usize = 256;
/// How many printed span ids are remembered to recognise late children.
const PRINTED_MEMORY: usize = 8192;

/// Prints finished spans as a tree per trace, for watching an agent while you build it.
///
/// Spans end child-first, so the exporter holds a trace's spans until its local root (a span
/// with no parent, or a remote parent) ends, then prints the whole tree at once: children in
/// start order, with durations, status, and the GenAI attributes that matter (agent, tool,
/// model, token usage, finish reasons, session id).
///
/// ```text
/// invoke_agent weather  1.52s  agent weather  session s-42  trace 4bf92f35
/// ├─ execute_tool get_weather  12.3ms  tool get_weather
/// └─ chat  842µs  [client]  model claude-sonnet  tokens 11→10  finish end_turn
/// ```
///
/// A child that ends after its root was printed gets a line of its own
/// (`↳ late span of trace 4bf92f35: …`). The buffer is bounded (4096 spans, 256 traces by
/// default; see [`with_buffer_limits`](Self::with_buffer_limits)): when it is full the oldest
/// trace is printed flat with a note. [`force_flush`](SpanExporter::force_flush) and shutdown
/// print every partial tree, marked incomplete.
///
/// Clones share the buffer, the writer and the settings (so builder methods called on one
/// clone affect all of them). The SDK's span processors do not forward
/// `force_flush` to their exporter, so keep a clone if you want to flush partial trees
/// yourself; shutdown is forwarded and prints them.
///
/// ```
/// use agentcore_observability_exporter::console::ConsoleSpanExporter;
/// use opentelemetry::trace::{Tracer, TracerProvider as _};
/// use opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let provider = SdkTracerProvider::builder()
///     .with_simple_exporter(ConsoleSpanExporter::new())
///     .build();
/// provider.tracer("my-agent").in_span("invoke_agent", |_cx| {
///     // ... the agent's work, with child spans ...
/// });
/// let _ = provider.shutdown();
/// ```
#[derive(Clone)]
pub struct ConsoleSpanExporter {
    inner: Arc<Inner>,
}

struct Inner {
    sink: Sink,
    buffer: Mutex<TraceBuffer>,
    is_shutdown: AtomicBool,
}

impl ConsoleSpanExporter {
    /// An exporter writing to stdout, coloured when stdout is a terminal and `NO_COLOR` is unset.
    pub fn new() -> Self {
        ConsoleSpanExporter {
            inner: Arc::new(Inner {
                sink: Sink::stdout(),
                buffer: Mutex::new(TraceBuffer::new(DEFAULT_MAX_SPANS, DEFAULT_MAX_TRACES)),
                is_shutdown: AtomicBool::new(false),
            }),
        }
    }

    /// Write to `writer` instead of stdout (colour then defaults to off).
    ///
    /// Each tree is written with a single `write_all`; write errors are ignored.
    ///
    /// ```
    /// use agentcore_observability_exporter::console::ConsoleSpanExporter;
    ///
    /// let exporter = ConsoleSpanExporter::new().with_writer(std::io::stderr());
    /// ```
    pub fn with_writer(self, writer: impl Write + Send + 'static) -> Self {
        self.inner.sink.set_writer(Box::new(writer));
        self
    }

    /// Force ANSI colour on or off, overriding the terminal and `NO_COLOR` detection.
    pub fn with_color(self, color: bool) -> Self {
        self.inner.sink.set_color(color);
        self
    }

    /// Bound the buffer of spans waiting for their root: at most `max_spans` spans across at
    /// most `max_traces` traces (each at least 1). When either is exceeded the oldest trace
    /// is printed flat to make room.
    ///
    /// ```
    /// use agentcore_observability_exporter::console::ConsoleSpanExporter;
    ///
    /// let exporter = ConsoleSpanExporter::new().with_buffer_limits(1024, 32);
    /// ```
    pub fn with_buffer_limits(self, max_spans: usize, max_traces: usize) -> Self {
        let mut buffer = self.inner.lock_buffer();
        buffer.max_spans = max_spans.max(1);
        buffer.max_traces = max_traces.max(1);
        drop(buffer);
        self
    }

    /// Spans currently buffered.
    #[cfg(test)]
    pub(crate) fn buffered_spans(&self) -> usize {
        self.inner.lock_buffer().buffered
    }

    /// Traces currently buffered.
    #[cfg(test)]
    pub(crate) fn open_traces(&self) -> usize {
        self.inner.lock_buffer().pending.len()
    }

    /// Printed span ids currently remembered.
    #[cfg(test)]
    pub(crate) fn remembered_spans(&self) -> usize {
        self.inner.lock_buffer().printed.set.len()
    }
}

impl Default for ConsoleSpanExporter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ConsoleSpanExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleSpanExporter")
            .field("sink", &self.inner.sink)
            .field(
                "is_shutdown",
                &self.inner.is_shutdown.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

impl Inner {
    /// Buffer or print each span.
    ///
    /// Printing happens while the buffer is still locked so that output order always matches
    /// the buffer's decisions (a late span can never appear above its tree), even when clones
    /// flush from other threads.
    fn export(&self, mut batch: Vec<SpanData>) -> OTelSdkResult {
        if self.is_shutdown.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        // A batch processor may hand over spans slightly out of end order (threads race to
        // its queue); sorting keeps children ahead of the root they belong under.
        batch.sort_by_key(|s| s.end_time);
        let mut buffer = self.lock_buffer();
        let mut blocks = Vec::new();
        for span in batch {
            buffer.accept(span, &mut blocks);
        }
        self.print(&blocks);
        Ok(())
    }

    /// Print every partial tree still buffered.
    fn flush(&self) {
        let mut buffer = self.lock_buffer();
        let mut blocks = Vec::new();
        buffer.drain(&mut blocks);
        self.print(&blocks);
    }

    /// Render all blocks and write them with one call.
    fn print(&self, blocks: &[Block]) {
        if blocks.is_empty() {
            return;
        }
        let renderer = Renderer {
            painter: self.sink.painter(),
        };
        let mut text = String::new();
        for block in blocks {
            renderer.block(block, &mut text);
        }
        self.sink.write(&text);
    }

    /// Lock the buffer, recovering from poisoning: the buffer's invariants hold between
    /// statements, and losing the console for the rest of the process would be worse.
    fn lock_buffer(&self) -> MutexGuard<'_, TraceBuffer> {
        self.buffer.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SpanExporter for ConsoleSpanExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        // Printing is synchronous and quick; there is nothing to await.
        std::future::ready(self.inner.export(batch))
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.flush();
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.inner.flush();
        self.inner.is_shutdown.store(true, Ordering::Relaxed);
        Ok(())
    }
}

/// Spans waiting for their trace's local root, bounded in spans and traces.
struct TraceBuffer {
    pending: HashMap<TraceId, PendingTrace>,
    /// Total spans across `pending`, kept so the bound is checked in O(1).
    buffered: usize,
    /// Arrival counter: the lowest `seq` in `pending` is the oldest trace.
    next_seq: u64,
    printed: PrintedSpans,
    max_spans: usize,
    max_traces: usize,
}

/// The buffered spans of one trace; never empty while in the map.
struct PendingTrace {
    seq: u64,
    spans: Vec<SpanData>,
}

impl TraceBuffer {
    fn new(max_spans: usize, max_traces: usize) -> Self {
        TraceBuffer {
            pending: HashMap::new(),
            buffered: 0,
            next_seq: 0,
            printed: PrintedSpans::new(PRINTED_MEMORY),
            max_spans,
            max_traces,
        }
    }

    /// Take one finished span: print it now with its subtree if it is a local root or a late
    /// child of something already printed, otherwise hold it until its root ends.
    fn accept(&mut self, span: SpanData, out: &mut Vec<Block>) {
        let is_root = is_local_root(&span);
        let is_late = !is_root && self.printed.contains(span.parent_span_id);
        if !is_root && !is_late {
            self.make_room(span.span_context.trace_id(), out);
            self.insert(span);
            return;
        }
        let descendants =
            self.take_subtree(span.span_context.trace_id(), span.span_context.span_id());
        self.printed.remember(span.span_context.span_id());
        self.printed.remember_all(&descendants);
        out.push(if is_root {
            Block::Complete {
                root: span,
                descendants,
            }
        } else {
            Block::Late { span, descendants }
        });
    }

    fn insert(&mut self, span: SpanData) {
        let seq = self.next_seq;
        let trace = self
            .pending
            .entry(span.span_context.trace_id())
            .or_insert_with(|| PendingTrace {
                seq,
                spans: Vec::new(),
            });
        if trace.seq == seq {
            self.next_seq += 1;
        }
        trace.spans.push(span);
        self.buffered += 1;
    }

    /// Evict oldest traces until one more span of `trace_id` fits within both limits.
    fn make_room(&mut self, trace_id: TraceId, out: &mut Vec<Block>) {
        loop {
            let new_trace = !self.pending.contains_key(&trace_id);
            let full = self.buffered >= self.max_spans
                || (new_trace && self.pending.len() >= self.max_traces);
            if !full || !self.evict_oldest(out) {
                return;
            }
        }
    }

    /// Print the oldest trace flat and forget it. Returns false when nothing is buffered.
    fn evict_oldest(&mut self, out: &mut Vec<Block>) -> bool {
        let Some(trace_id) = self
            .pending
            .iter()
            .min_by_key(|(_, t)| t.seq)
            .map(|(id, _)| *id)
        else {
            return false;
        };
        if let Some(trace) = self.pending.remove(&trace_id) {
            self.buffered -= trace.spans.len();
            // Remembered so the rest of this trace prints as late lines instead of refilling
            // the buffer with spans whose parents are gone.
            self.printed.remember_all(&trace.spans);
            out.push(Block::Evicted {
                trace_id,
                spans: trace.spans,
            });
        }
        true
    }

    /// Remove and return the buffered spans of `trace_id` that descend from `root`.
    ///
    /// Other spans of the trace stay: a trace can have several local roots (e.g. two
    /// requests handled under one incoming trace).
    fn take_subtree(&mut self, trace_id: TraceId, root: SpanId) -> Vec<SpanData> {
        let Some(trace) = self.pending.get_mut(&trace_id) else {
            return Vec::new();
        };
        let mut children: HashMap<SpanId, Vec<usize>> = HashMap::new();
        for (idx, span) in trace.spans.iter().enumerate() {
            children.entry(span.parent_span_id).or_default().push(idx);
        }
        let mut take = vec![false; trace.spans.len()];
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            for &idx in children.get(&id).map_or(&[][..], Vec::as_slice) {
                // `take` doubles as the visited set, so a malformed cycle cannot loop forever.
                if !std::mem::replace(&mut take[idx], true) {
                    stack.push(trace.spans[idx].span_context.span_id());
                }
            }
        }
        let (taken, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut trace.spans)
            .into_iter()
            .zip(take)
            .partition(|(_, take)| *take);
        trace.spans = kept.into_iter().map(|(span, _)| span).collect();
        if trace.spans.is_empty() {
            self.pending.remove(&trace_id);
        }
        self.buffered -= taken.len();
        taken.into_iter().map(|(span, _)| span).collect()
    }

    /// Move every buffered trace, oldest first, into incomplete blocks.
    fn drain(&mut self, out: &mut Vec<Block>) {
        let mut traces: Vec<(TraceId, PendingTrace)> = self.pending.drain().collect();
        traces.sort_by_key(|(_, t)| t.seq);
        self.buffered = 0;
        for (trace_id, trace) in traces {
            self.printed.remember_all(&trace.spans);
            out.push(Block::Incomplete {
                trace_id,
                spans: trace.spans,
            });
        }
    }
}

/// A span is the root of its local tree when it has no parent or its parent is remote
/// (another process started the trace); the SDK records which.
fn is_local_root(span: &SpanData) -> bool {
    span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote
}

/// A bounded memory of printed span ids, oldest forgotten first.
struct PrintedSpans {
    set: HashSet<SpanId>,
    order: VecDeque<SpanId>,
    capacity: usize,
}

impl PrintedSpans {
    fn new(capacity: usize) -> Self {
        PrintedSpans {
            set: HashSet::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    fn contains(&self, id: SpanId) -> bool {
        self.set.contains(&id)
    }

    fn remember(&mut self, id: SpanId) {
        if !self.set.insert(id) {
            return;
        }
        self.order.push_back(id);
        if self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }

    fn remember_all(&mut self, spans: &[SpanData]) {
        for span in spans {
            self.remember(span.span_context.span_id());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use opentelemetry::trace::{
        Span as _, SpanContext, SpanKind, Status, TraceContextExt, TraceFlags, TraceState,
        Tracer as _, TracerProvider as _,
    };
    use opentelemetry::{Context, InstrumentationScope, KeyValue, StringValue, Value};
    use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, SpanEvents, SpanLinks};

    use super::*;
    use crate::console::format::short_trace_id;
    use crate::console::output::test_support::{block_on, BrokenPipe, SharedBuf};

    /// An exporter writing plain text into a buffer, wired to a tracer via a simple processor.
    fn setup() -> (SdkTracerProvider, SdkTracer, ConsoleSpanExporter, SharedBuf) {
        let buf = SharedBuf::default();
        let exporter = ConsoleSpanExporter::new()
            .with_writer(buf.clone())
            .with_color(false);
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("console-test");
        (provider, tracer, exporter, buf)
    }

    /// A fixed instant `micros` after an arbitrary epoch, for exact durations.
    fn at(micros: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_micros(micros)
    }

    fn short(cx: &Context) -> String {
        short_trace_id(cx.span().span_context().trace_id())
    }

    /// Build an agent → tool → chat trace with fixed times, ending spans child-first.
    fn agent_trace(tracer: &SdkTracer, buf: &SharedBuf) -> String {
        let agent = tracer
            .span_builder("invoke_agent weather")
            .with_start_time(at(0))
            .with_attributes([
                KeyValue::new("gen_ai.agent.name", "weather"),
                KeyValue::new("session.id", "s-42"),
            ])
            .start(tracer);
        let agent_cx = Context::current_with_span(agent);
        let tool = tracer
            .span_builder("execute_tool get_weather")
            .with_start_time(at(10_000))
            .with_attributes([KeyValue::new("gen_ai.tool.name", "get_weather")])
            .start_with_context(tracer, &agent_cx);
        let tool_cx = agent_cx.with_span(tool);
        let mut chat = tracer
            .span_builder("chat claude-sonnet")
            .with_kind(SpanKind::Client)
            .with_start_time(at(12_000))
            .with_attributes([
                KeyValue::new("gen_ai.request.model", "claude-sonnet"),
                KeyValue::new("gen_ai.usage.input_tokens", 11),
                KeyValue::new("gen_ai.usage.output_tokens", 10),
                KeyValue::new("gen_ai.usage.cache_read_input_tokens", 5),
                KeyValue::new(
                    "gen_ai.response.finish_reasons",
                    Value::Array(vec![StringValue::from("end_turn")].into()),
                ),
                // Same session as the root: not repeated on this line.
                KeyValue::new("session.id", "s-42"),
            ])
            .start_with_context(tracer, &tool_cx);
        chat.end_with_timestamp(at(12_842));
        tool_cx.span().end_with_timestamp(at(22_300));

        let mut failed = tracer
            .span_builder("chat claude-sonnet")
            .with_kind(SpanKind::Client)
            .with_start_time(at(30_000))
            .with_attributes([
                KeyValue::new("gen_ai.request.model", "claude-sonnet"),
                KeyValue::new("error.type", "ThrottlingException"),
            ])
            .start_with_context(tracer, &agent_cx);
        failed.add_event(
            "exception",
            vec![
                KeyValue::new("exception.type", "ThrottlingException"),
                KeyValue::new("exception.message", "Rate exceeded"),
            ],
        );
        failed.add_event("retry", vec![]);
        failed.set_status(Status::error("throttled"));
        failed.end_with_timestamp(at(1_500_000));
        assert_eq!(buf.text(), "", "nothing is printed before the root ends");

        agent_cx.span().end_with_timestamp(at(1_520_000));
        short(&agent_cx)
    }

    #[test]
    fn nested_tree_prints_when_root_ends() {
        let (_provider, tracer, exporter, buf) = setup();
        let trace = agent_trace(&tracer, &buf);
        let expected = format!(
            "invoke_agent weather  1.52s  agent weather  session s-42  trace {trace}\n\
             ├─ execute_tool get_weather  12.3ms  tool get_weather\n\
             │  └─ chat claude-sonnet  842µs  [client]  model claude-sonnet  tokens 11→10  cache read 5  finish end_turn\n\
             └─ chat claude-sonnet  1.47s  [client]  ERROR: throttled  model claude-sonnet  error.type ThrottlingException\n\
             \x20    ! exception: ThrottlingException: Rate exceeded\n\
             \x20    · event retry\n"
        );
        assert_eq!(buf.text(), expected);
        assert_eq!(exporter.buffered_spans(), 0);
        assert_eq!(exporter.open_traces(), 0);
    }

    #[test]
    fn in_span_children_are_ordered_by_start_and_indented() {
        let (_provider, tracer, _exporter, buf) = setup();
        tracer.in_span("agent", |cx| {
            tracer.in_span_with_context("first", &cx, |cx| {
                tracer.in_span_with_context("nested", &cx, |_| {});
            });
            tracer.in_span_with_context("second", &cx, |_| {});
        });
        let text = buf.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("agent  "), "{text}");
        assert!(lines[0].contains("  trace "), "{text}");
        assert!(lines[1].starts_with("├─ first  "), "{text}");
        assert!(lines[2].starts_with("│  └─ nested  "), "{text}");
        assert!(lines[3].starts_with("└─ second  "), "{text}");
        let is_duration = |s: &str| {
            s.starts_with(|c: char| c.is_ascii_digit())
                && ["ns", "µs", "ms", "s"].iter().any(|u| s.ends_with(u))
        };
        for line in lines {
            assert!(line.split("  ").any(is_duration), "no duration in {line:?}");
        }
    }

    #[test]
    fn ok_status_and_session_change_are_shown() {
        let (_provider, tracer, _exporter, buf) = setup();
        let root = tracer
            .span_builder("root")
            .with_attributes([KeyValue::new("session.id", "a")])
            .start(&tracer);
        let cx = Context::current_with_span(root);
        let mut child = tracer
            .span_builder("child")
            .with_kind(SpanKind::Server)
            .with_attributes([KeyValue::new("session.id", "b")])
            .start_with_context(&tracer, &cx);
        child.set_status(Status::Ok);
        child.end();
        cx.span().end();
        let text = buf.text();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("  session a  trace "), "{text}");
        assert!(lines[1].starts_with("└─ child  "), "{text}");
        assert!(lines[1].ends_with("  [server]  ✓  session b"), "{text}");
    }

    #[test]
    fn late_child_prints_on_its_own_line() {
        let (_provider, tracer, exporter, buf) = setup();
        let root = tracer.start("root");
        let cx = Context::current_with_span(root);
        let late = tracer.start_with_context("background", &cx);
        let late_cx = cx.with_span(late);
        let grandchild = tracer.start_with_context("grandchild", &late_cx);
        cx.span().end();
        assert!(buf.text().starts_with("root  "));
        assert_eq!(buf.text().lines().count(), 1);

        // The grandchild's parent is still open: it waits for it.
        drop(grandchild);
        assert_eq!(exporter.buffered_spans(), 1);
        late_cx.span().end();

        let text = buf.text();
        let lines: Vec<&str> = text.lines().collect();
        let prefix = format!("↳ late span of trace {}: background  ", short(&cx));
        assert!(lines[1].starts_with(&prefix), "{text}");
        assert!(lines[2].starts_with("└─ grandchild  "), "{text}");
        assert_eq!(exporter.buffered_spans(), 0);
    }

    #[test]
    fn remote_parent_makes_a_local_root() {
        let (_provider, tracer, _exporter, buf) = setup();
        let remote = SpanContext::new(
            TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736_u128),
            SpanId::from(0x00f0_67aa_0ba9_02b7_u64),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        );
        let cx = Context::new().with_remote_span_context(remote);
        let server = tracer
            .span_builder("handle request")
            .with_kind(SpanKind::Server)
            .start_with_context(&tracer, &cx);
        let server_cx = cx.with_span(server);
        tracer.start_with_context("work", &server_cx).end();
        server_cx.span().end();
        let text = buf.text();
        assert!(
            text.starts_with("handle request  ") && text.contains("[server]  trace 4bf92f35\n"),
            "{text}"
        );
        assert!(text.contains("\n└─ work  "), "{text}");
    }

    #[test]
    fn force_flush_prints_incomplete_trees() {
        let (_provider, tracer, exporter, buf) = setup();
        let root = tracer.start("root");
        let cx = Context::current_with_span(root);
        let tool = tracer.start_with_context("tool", &cx);
        let tool_cx = cx.with_span(tool);
        tracer.start_with_context("chat", &tool_cx).end();
        tool_cx.span().end();
        tracer.start_with_context("other", &cx).end();
        assert_eq!(buf.text(), "");

        exporter.force_flush().unwrap();
        let text = buf.text();
        let lines: Vec<&str> = text.lines().collect();
        let header = format!(
            "┄ incomplete trace {} (root span not ended yet, 3 spans)",
            short(&cx)
        );
        assert_eq!(lines[0], header);
        assert!(lines[1].starts_with("├─ tool  "), "{text}");
        assert!(lines[2].starts_with("│  └─ chat  "), "{text}");
        assert!(lines[3].starts_with("└─ other  "), "{text}");
        assert_eq!(exporter.buffered_spans(), 0);

        // The root still prints when it ends, now without the children shown above.
        cx.span().end();
        assert!(buf.text().lines().nth(4).unwrap().starts_with("root  "));
    }

    #[test]
    fn shutdown_prints_partial_trees_then_refuses_exports() {
        let (provider, tracer, exporter, buf) = setup();
        let root = tracer.start("root");
        let cx = Context::current_with_span(root);
        tracer.start_with_context("child", &cx).end();
        provider.shutdown().unwrap();
        assert!(
            buf.text().starts_with("┄ incomplete trace "),
            "{}",
            buf.text()
        );
        assert!(buf.text().contains("└─ child  "));
        let result = block_on(exporter.export(Vec::new()));
        assert!(matches!(result, Err(OTelSdkError::AlreadyShutdown)));
    }

    #[test]
    fn full_buffer_prints_oldest_trace_flat_and_stays_bounded() {
        let (_provider, tracer, exporter, buf) = setup();
        let exporter = exporter.with_buffer_limits(8, 2);
        let root = tracer.start("long-running");
        let cx = Context::current_with_span(root);
        for _ in 0..50 {
            tracer.start_with_context("step", &cx).end();
            assert!(exporter.buffered_spans() <= 8);
        }
        let text = buf.text();
        assert!(
            text.starts_with("┄ span buffer full: printing 8 spans of trace "),
            "{text}"
        );
        assert!(text.contains("\n  · step  "), "{text}");

        // Many open traces: only two stay buffered.
        let roots: Vec<Context> = (0..10)
            .map(|_| Context::current_with_span(tracer.start("open")))
            .collect();
        for cx in &roots {
            tracer.start_with_context("child", cx).end();
            assert!(exporter.open_traces() <= 2);
        }
        assert_eq!(exporter.open_traces(), 2);
        drop(cx);
    }

    #[test]
    fn memory_stays_bounded_under_default_limits() {
        let (_provider, tracer, exporter, buf) = setup();
        let cx = Context::current_with_span(tracer.start("never-ends"));
        for _ in 0..10_000 {
            tracer.start_with_context("step", &cx).end();
        }
        assert!(exporter.buffered_spans() <= DEFAULT_MAX_SPANS);
        assert!(exporter.remembered_spans() <= PRINTED_MEMORY);
        assert_eq!(
            buf.text().matches("┄ span buffer full").count(),
            10_000 / DEFAULT_MAX_SPANS
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let (_provider, tracer, _exporter, buf) = setup();
        let _trace = agent_trace(&tracer, &buf);
        assert!(!buf.text().contains('\x1b'));

        let buf = SharedBuf::default();
        let exporter = ConsoleSpanExporter::new()
            .with_color(true)
            .with_writer(buf.clone());
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter)
            .build();
        let tracer = provider.tracer("console-test");
        let mut span = tracer.start("boom");
        span.set_status(Status::error("bad"));
        span.end();
        assert!(
            buf.text().contains("\x1b[31mERROR: bad\x1b[0m"),
            "{:?}",
            buf.text()
        );
    }

    #[test]
    fn broken_pipe_does_not_fail_export() {
        let exporter = ConsoleSpanExporter::new().with_writer(BrokenPipe);
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        provider.tracer("t").in_span("root", |_| {});
        assert!(format!("{exporter:?}").contains("write_errors: 1"));
    }

    /// A hand-made span for feeding `export` directly, as a batch processor would.
    fn span(
        trace: u128,
        id: u64,
        parent: u64,
        name: &'static str,
        start_ms: u64,
        end_ms: u64,
    ) -> SpanData {
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(trace),
                SpanId::from(id),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::from(parent),
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: name.into(),
            start_time: at(start_ms * 1_000),
            end_time: at(end_ms * 1_000),
            attributes: Vec::new(),
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::builder("test").build(),
        }
    }

    #[test]
    fn batch_with_root_first_still_builds_the_tree() {
        let buf = SharedBuf::default();
        let exporter = ConsoleSpanExporter::new().with_writer(buf.clone());
        let batch = vec![
            span(7, 1, 0, "root", 0, 100),
            span(7, 3, 1, "later", 50, 90),
            span(7, 2, 1, "earlier", 10, 20),
            span(7, 4, 3, "deep", 60, 70),
        ];
        block_on(exporter.export(batch)).unwrap();
        let expected = "root  100ms  trace 00000000\n\
                        ├─ earlier  10.0ms\n\
                        └─ later  40.0ms\n\
                        \x20  └─ deep  10.0ms\n";
        assert_eq!(buf.text(), expected);
    }

    #[test]
    fn events_are_capped_and_cycles_do_not_hang() {
        let buf = SharedBuf::default();
        let exporter = ConsoleSpanExporter::new().with_writer(buf.clone());
        let mut chatty = span(9, 1, 0, "chatty", 0, 1);
        for _ in 0..5 {
            chatty
                .events
                .events
                .push(opentelemetry::trace::Event::with_name("tick"));
        }
        // Two spans naming each other as parent: never a root, printed on flush.
        let a = span(8, 10, 11, "a", 0, 1);
        let b = span(8, 11, 10, "b", 0, 1);
        block_on(exporter.export(vec![chatty, a, b])).unwrap();
        exporter.force_flush().unwrap();
        let text = buf.text();
        assert_eq!(text.matches("· event tick").count(), 3, "{text}");
        assert!(text.contains("  · … 2 more events\n"), "{text}");
        assert!(text.contains("incomplete trace 00000000 (root span not ended yet, 2 spans)"));
        assert!(text.contains("─ a  ") && text.contains("─ b  "), "{text}");
    }
}
