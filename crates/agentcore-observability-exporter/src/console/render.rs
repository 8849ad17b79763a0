//! Turns buffered spans into the text of the console span tree.
//!
//! Kept apart from the buffering logic in `tree.rs` so each can be read (and tested) alone.

use std::collections::{HashMap, HashSet};

use opentelemetry::trace::{Event, SpanId, SpanKind, Status, TraceId};
use opentelemetry::{Array, Value};
use opentelemetry_sdk::trace::SpanData;

use super::format;
use super::output::{Painter, Style};

/// Non-exception events shown per span; the rest are summarised as a count.
const MAX_EVENTS_SHOWN: usize = 3;
/// Exception events shown per span (a retry loop can record dozens).
const MAX_EXCEPTIONS_SHOWN: usize = 3;
/// Longest attribute value shown on a span line.
const MAX_VALUE_CHARS: usize = 80;
/// Longest exception or status message shown.
const MAX_MESSAGE_CHARS: usize = 200;

/// Something ready to print, produced by the span buffer.
#[derive(Debug)]
pub(crate) enum Block {
    /// A local root ended: print it with everything buffered beneath it.
    Complete {
        root: SpanData,
        descendants: Vec<SpanData>,
    },
    /// A span whose parent was printed already: print it (and its buffered children) alone.
    Late {
        span: SpanData,
        descendants: Vec<SpanData>,
    },
    /// Flush or shutdown: the root has not ended, print what there is as a partial tree.
    Incomplete {
        trace_id: TraceId,
        spans: Vec<SpanData>,
    },
    /// The buffer is full: this, the oldest trace, is printed flat to make room.
    Evicted {
        trace_id: TraceId,
        spans: Vec<SpanData>,
    },
}

/// Renders [`Block`]s to text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Renderer {
    pub(crate) painter: Painter,
}

impl Renderer {
    /// Append the text for `block` to `out`.
    pub(crate) fn block(self, block: &Block, out: &mut String) {
        match block {
            Block::Complete { root, descendants } => {
                self.tree(root, descendants, None, out);
            }
            Block::Late { span, descendants } => {
                let note = format!(
                    "↳ late span of trace {}: ",
                    format::short_trace_id(span.span_context.trace_id())
                );
                self.tree(span, descendants, Some(&note), out);
            }
            Block::Incomplete { trace_id, spans } => self.incomplete(*trace_id, spans, out),
            Block::Evicted { trace_id, spans } => self.evicted(*trace_id, spans, out),
        }
    }

    /// A root line followed by its descendants. `note` replaces the trace id on the root line
    /// (used for late spans, whose trace was shown before).
    fn tree(self, root: &SpanData, descendants: &[SpanData], note: Option<&str>, out: &mut String) {
        let forest = Forest::new(std::iter::once(root).chain(descendants));
        let root_id = root.span_context.span_id();
        let has_children = !forest.children_of(root_id).is_empty();
        match note {
            Some(note) => {
                self.painter.push(out, Style::Yellow, note);
                self.line(root, None, None, out);
            }
            None => self.line(root, None, Some(root.span_context.trace_id()), out),
        }
        out.push('\n');
        self.events(root, if has_children { "│ " } else { "  " }, out);

        let mut visited = vec![false; forest.spans.len()];
        visited[0] = true;
        let session = attr_str(root, SESSION_ID);
        let children = forest.children_of(root_id).to_vec();
        self.walk(&forest, &children, session.as_deref(), &mut visited, out);
    }

    /// A trace whose root has not ended: a header, then each orphaned subtree beneath it.
    fn incomplete(self, trace_id: TraceId, spans: &[SpanData], out: &mut String) {
        let header = format!(
            "┄ incomplete trace {} (root span not ended yet, {} span{})",
            format::short_trace_id(trace_id),
            spans.len(),
            plural(spans.len())
        );
        self.painter.push(out, Style::Yellow, &header);
        out.push('\n');
        let forest = Forest::new(spans.iter());
        let mut visited = vec![false; forest.spans.len()];
        let tops = forest.tops.clone();
        self.walk(&forest, &tops, None, &mut visited, out);
        // Spans whose parent links form a cycle have no top; print them rather than lose them.
        let rest: Vec<usize> = (0..visited.len()).filter(|&i| !visited[i]).collect();
        self.walk(&forest, &rest, None, &mut visited, out);
    }

    /// The oldest trace pushed out of a full buffer: its spans one per line, in start order.
    fn evicted(self, trace_id: TraceId, spans: &[SpanData], out: &mut String) {
        let header = format!(
            "┄ span buffer full: printing {} span{} of trace {} before its root ended",
            spans.len(),
            plural(spans.len()),
            format::short_trace_id(trace_id)
        );
        self.painter.push(out, Style::Yellow, &header);
        out.push('\n');
        let mut ordered: Vec<&SpanData> = spans.iter().collect();
        ordered.sort_by_key(|s| (s.start_time, s.end_time));
        for span in ordered {
            self.painter.push(out, Style::Dim, "  · ");
            self.line(span, None, None, out);
            out.push('\n');
            self.events(span, "      ", out);
        }
    }

    /// Depth-first walk printing `tops` and everything below them with box-drawing guides.
    ///
    /// Iterative rather than recursive so a pathologically deep trace cannot overflow the
    /// stack; `visited` guards against malformed parent links forming a cycle.
    fn walk(
        self,
        forest: &Forest<'_>,
        tops: &[usize],
        session: Option<&str>,
        visited: &mut [bool],
        out: &mut String,
    ) {
        let mut stack: Vec<Frame> = tops
            .iter()
            .enumerate()
            .rev()
            .map(|(pos, &idx)| Frame {
                idx,
                guide: String::new(),
                last: pos + 1 == tops.len(),
                parent_session: session.map(str::to_owned),
            })
            .collect();
        while let Some(frame) = stack.pop() {
            if std::mem::replace(&mut visited[frame.idx], true) {
                continue;
            }
            let span = forest.spans[frame.idx];
            let children = forest.children_of(span.span_context.span_id());
            self.node(span, &frame, !children.is_empty(), out);

            let child_guide = format!("{}{}", frame.guide, if frame.last { "   " } else { "│  " });
            let session = attr_str(span, SESSION_ID).or(frame.parent_session);
            for (pos, &idx) in children.iter().enumerate().rev() {
                stack.push(Frame {
                    idx,
                    guide: child_guide.clone(),
                    last: pos + 1 == children.len(),
                    parent_session: session.clone(),
                });
            }
        }
    }

    /// One span below the root: guide, connector, summary, then its events.
    fn node(self, span: &SpanData, frame: &Frame, has_children: bool, out: &mut String) {
        let connector = if frame.last { "└─ " } else { "├─ " };
        self.painter
            .push(out, Style::Dim, &format!("{}{connector}", frame.guide));
        self.line(span, frame.parent_session.as_deref(), None, out);
        out.push('\n');
        let event_guide = format!(
            "{}{}{}",
            frame.guide,
            if frame.last { "   " } else { "│  " },
            if has_children { "│ " } else { "  " }
        );
        self.events(span, &event_guide, out);
    }

    /// The summary of one span: name, duration, kind, status and the attributes that matter
    /// when watching an agent run. `trace_id` is set only on a tree's root line.
    fn line(
        self,
        span: &SpanData,
        parent_session: Option<&str>,
        trace_id: Option<TraceId>,
        out: &mut String,
    ) {
        let p = self.painter;
        p.push(out, Style::Bold, &format::one_line(&span.name));
        out.push_str("  ");
        out.push_str(&format::duration(format::elapsed(
            span.start_time,
            span.end_time,
        )));
        if let Some(kind) = kind_label(&span.span_kind) {
            out.push_str("  ");
            p.push(out, Style::Cyan, kind);
        }
        self.status(&span.status, out);
        let highlights = Highlights::from_span(span);
        highlights.push(p, out);
        if let Some(session) = highlights.session {
            let session = format::value(session, MAX_VALUE_CHARS);
            if parent_session != Some(session.as_str()) {
                labelled(p, out, "session", &session, Style::Magenta);
            }
        }
        if let Some(trace_id) = trace_id {
            labelled(
                p,
                out,
                "trace",
                &format::short_trace_id(trace_id),
                Style::Dim,
            );
        }
    }

    /// `✓` for OK, `ERROR: message` for errors, nothing for UNSET (the common case).
    fn status(self, status: &Status, out: &mut String) {
        match status {
            Status::Unset => {}
            Status::Ok => {
                out.push_str("  ");
                self.painter.push(out, Style::Green, "✓");
            }
            Status::Error { description } => {
                out.push_str("  ");
                let text = if description.is_empty() {
                    "ERROR".to_owned()
                } else {
                    format!(
                        "ERROR: {}",
                        format::truncate(&format::one_line(description), MAX_MESSAGE_CHARS)
                    )
                };
                self.painter.push(out, Style::Red, &text);
            }
        }
    }

    /// Exception events as `! exception: type: message`, other events as `· event name`,
    /// each on its own line under the span, capped so a chatty span stays readable.
    fn events(self, span: &SpanData, guide: &str, out: &mut String) {
        let (mut exceptions, mut others, mut hidden) = (0, 0, span.events.dropped_count as usize);
        for event in span.events.iter() {
            let is_exception = event.name == "exception";
            let (shown, cap) = if is_exception {
                (&mut exceptions, MAX_EXCEPTIONS_SHOWN)
            } else {
                (&mut others, MAX_EVENTS_SHOWN)
            };
            if *shown == cap {
                hidden += 1;
                continue;
            }
            *shown += 1;
            self.painter.push(out, Style::Dim, guide);
            if is_exception {
                self.painter.push(out, Style::Red, &exception_text(event));
            } else {
                self.painter.push(
                    out,
                    Style::Dim,
                    &format!("· event {}", format::one_line(&event.name)),
                );
            }
            out.push('\n');
        }
        if hidden > 0 {
            self.painter.push(out, Style::Dim, guide);
            let more = format!("· … {hidden} more event{}", plural(hidden));
            self.painter.push(out, Style::Dim, &more);
            out.push('\n');
        }
    }
}

/// Where the walk is: which span, the guide drawn to its left, whether it is its parent's
/// last child, and the session id in effect above it.
struct Frame {
    idx: usize,
    guide: String,
    last: bool,
    parent_session: Option<String>,
}

/// The spans of one block, indexed parent → children with children in start order.
struct Forest<'a> {
    spans: Vec<&'a SpanData>,
    children: HashMap<SpanId, Vec<usize>>,
    /// Spans whose parent is not in the block, in start order.
    tops: Vec<usize>,
}

impl<'a> Forest<'a> {
    fn new(spans: impl Iterator<Item = &'a SpanData>) -> Self {
        let spans: Vec<&SpanData> = spans.collect();
        let ids: HashSet<SpanId> = spans.iter().map(|s| s.span_context.span_id()).collect();
        let mut children: HashMap<SpanId, Vec<usize>> = HashMap::new();
        let mut tops = Vec::new();
        for (idx, span) in spans.iter().enumerate() {
            let parent = span.parent_span_id;
            let own = span.span_context.span_id();
            if parent != SpanId::INVALID && parent != own && ids.contains(&parent) {
                children.entry(parent).or_default().push(idx);
            } else {
                tops.push(idx);
            }
        }
        let by_start = |&i: &usize| (spans[i].start_time, spans[i].end_time);
        for list in children.values_mut() {
            list.sort_by_key(by_start);
        }
        tops.sort_by_key(by_start);
        Forest {
            spans,
            children,
            tops,
        }
    }

    fn children_of(&self, id: SpanId) -> &[usize] {
        self.children.get(&id).map_or(&[], Vec::as_slice)
    }
}

const SESSION_ID: &str = "session.id";

/// The handful of attributes worth a place on a span line, found in one pass.
#[derive(Default)]
struct Highlights<'a> {
    agent: Option<&'a Value>,
    tool: Option<&'a Value>,
    model: Option<&'a Value>,
    input_tokens: Option<&'a Value>,
    output_tokens: Option<&'a Value>,
    cache_read: Option<&'a Value>,
    cache_write: Option<&'a Value>,
    finish_reasons: Option<&'a Value>,
    error_type: Option<&'a Value>,
    session: Option<&'a Value>,
}

impl<'a> Highlights<'a> {
    fn from_span(span: &'a SpanData) -> Self {
        let mut h = Highlights::default();
        for kv in &span.attributes {
            let slot = match kv.key.as_str() {
                "gen_ai.agent.name" => &mut h.agent,
                "gen_ai.tool.name" => &mut h.tool,
                "gen_ai.request.model" => &mut h.model,
                // Older semantic-convention names are still emitted by some frameworks.
                "gen_ai.usage.input_tokens" | "gen_ai.usage.prompt_tokens" => &mut h.input_tokens,
                "gen_ai.usage.output_tokens" | "gen_ai.usage.completion_tokens" => {
                    &mut h.output_tokens
                }
                "gen_ai.usage.cache_read.input_tokens" | "gen_ai.usage.cache_read_input_tokens" => {
                    &mut h.cache_read
                }
                "gen_ai.usage.cache_creation.input_tokens"
                | "gen_ai.usage.cache_creation_input_tokens"
                | "gen_ai.usage.cache_write_input_tokens" => &mut h.cache_write,
                "gen_ai.response.finish_reasons" => &mut h.finish_reasons,
                "error.type" => &mut h.error_type,
                SESSION_ID => &mut h.session,
                _ => continue,
            };
            slot.get_or_insert(&kv.value);
        }
        h
    }

    /// Append everything but the session (which depends on the parent line).
    fn push(&self, p: Painter, out: &mut String) {
        let show = |v: &Value| format::value(v, MAX_VALUE_CHARS);
        if let Some(v) = self.agent {
            labelled(p, out, "agent", &show(v), Style::Magenta);
        }
        if let Some(v) = self.tool {
            labelled(p, out, "tool", &show(v), Style::Magenta);
        }
        if let Some(v) = self.model {
            labelled(p, out, "model", &show(v), Style::Cyan);
        }
        if self.input_tokens.is_some() || self.output_tokens.is_some() {
            let count = |v: Option<&Value>| v.map_or_else(|| "?".to_owned(), show);
            let tokens = format!("{}→{}", count(self.input_tokens), count(self.output_tokens));
            labelled(p, out, "tokens", &tokens, Style::Yellow);
        }
        // A cache that was not used (0 tokens either way) is noise in a tree read by eye.
        let used = |v: Option<&'a Value>| v.filter(|v| !matches!(v, Value::I64(0)));
        let (cache_read, cache_write) = (used(self.cache_read), used(self.cache_write));
        if cache_read.is_some() || cache_write.is_some() {
            let mut parts = Vec::new();
            if let Some(v) = cache_read {
                parts.push(format!("read {}", show(v)));
            }
            if let Some(v) = cache_write {
                parts.push(format!("write {}", show(v)));
            }
            labelled(p, out, "cache", &parts.join(" "), Style::Yellow);
        }
        if let Some(v) = self.finish_reasons {
            labelled(p, out, "finish", &finish_reasons(v), Style::Green);
        }
        if let Some(v) = self.error_type {
            labelled(p, out, "error.type", &show(v), Style::Red);
        }
    }
}

/// `label value`, two spaces from what came before; the label is dimmed.
fn labelled(p: Painter, out: &mut String, label: &str, value: &str, style: Style) {
    out.push_str("  ");
    p.push(out, Style::Dim, label);
    out.push(' ');
    p.push(out, style, value);
}

/// Finish reasons without JSON brackets: `stop` or `tool_use,stop`.
fn finish_reasons(v: &Value) -> String {
    match v {
        Value::Array(Array::String(items)) => {
            let joined: Vec<&str> = items.iter().map(|s| s.as_str()).collect();
            format::truncate(&format::one_line(&joined.join(",")), MAX_VALUE_CHARS)
        }
        other => format::value(other, MAX_VALUE_CHARS),
    }
}

/// `! exception: Type: message` from an exception event's attributes.
fn exception_text(event: &Event) -> String {
    let find = |key: &str| {
        event
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| format::value(&kv.value, MAX_MESSAGE_CHARS))
    };
    match (find("exception.type"), find("exception.message")) {
        (Some(ty), Some(msg)) => format!("! exception: {ty}: {msg}"),
        (Some(only), None) | (None, Some(only)) => format!("! exception: {only}"),
        (None, None) => "! exception".to_owned(),
    }
}

/// The session id a span carries, as shown.
fn attr_str(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| format::value(&kv.value, MAX_VALUE_CHARS))
}

/// INTERNAL is the default and says nothing; every other kind is worth a tag.
fn kind_label(kind: &SpanKind) -> Option<&'static str> {
    match kind {
        SpanKind::Internal => None,
        SpanKind::Client => Some("[client]"),
        SpanKind::Server => Some("[server]"),
        SpanKind::Producer => Some("[producer]"),
        SpanKind::Consumer => Some("[consumer]"),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
