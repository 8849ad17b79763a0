//! Streams: the response body is wrapped, before the SDK deserializes it, in a [`TapBody`] that
//! hands every byte on unchanged and, on the side, decodes the `application/vnd.amazon.eventstream`
//! frames with aws-smithy-eventstream's [`MessageFrameDecoder`]. The SDK's event receiver reads
//! through the tap, so the events are seen exactly when the application reads them, and the span
//! ends when the stream really ends:
//!
//! - on the final event (`metadata` for ConverseStream; the chunk carrying Bedrock's
//!   `amazon-bedrock-invocationMetrics`, or the family's last event, for
//!   InvokeModelWithResponseStream), or at the end of the body if that comes first;
//! - on an exception or error event (`:message-type` `exception` / `error`), or a transport error;
//! - when the application drops the stream before any of these: `gen_ai.response.stream.cancelled`.
//!
//! Streamed blob bodies (`InvokeAgentRuntime`) are tapped the same way without decoding.
//! `InvokeAgent` (Bedrock Agent Runtime) streams have no final event: their span ends at the end
//! of the body, on an exception event, or on the drop ([`crate::agent_runtime`]).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::event_stream::{HeaderValue, Message};
use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};

use crate::agent_runtime::AgentStream;
use crate::call::{self, Shared, StreamEnd};
use crate::families::{ChunkKind, Family, StreamAccumulator};

/// What the tapped body carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamKind {
    /// ConverseStream events (`messageStart`, `contentBlockDelta`, …, `metadata`).
    Converse,
    /// InvokeModelWithResponseStream `chunk` events of this family.
    Invoke(Family),
    /// A streamed blob body (no frames).
    Blob,
    /// Bedrock Agent Runtime `InvokeAgent` events (`chunk`, `trace`, `returnControl`, …);
    /// `capture`: keep the answer for content capture.
    InvokeAgent { capture: bool },
}

/// Frames larger than this are not buffered for decoding (the bytes still pass through).
const MAX_BUFFERED: usize = 32 << 20;

/// Decodes frames and folds the events into response facts; finishes the call once.
pub(crate) struct StreamObserver {
    call: Shared,
    kind: StreamKind,
    decoder: MessageFrameDecoder,
    buffer: BytesMut,
    accumulator: Option<StreamAccumulator>,
    agent: Option<AgentStream>,
    first_chunk: Option<Instant>,
    /// Decoding gave up (malformed frame): bytes still pass, nothing more is read from them.
    broken: bool,
    done: bool,
}

impl std::fmt::Debug for StreamObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamObserver")
            .field("kind", &self.kind)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl StreamObserver {
    pub(crate) fn new(call: Shared, kind: StreamKind) -> Self {
        let family = match kind {
            StreamKind::Converse => Some(Family::Nova),
            StreamKind::Invoke(family) => Some(family),
            StreamKind::Blob | StreamKind::InvokeAgent { .. } => None,
        };
        let agent = match kind {
            StreamKind::InvokeAgent { capture } => Some(AgentStream::new(capture)),
            _ => None,
        };
        StreamObserver {
            call,
            kind,
            decoder: MessageFrameDecoder::new(),
            buffer: BytesMut::new(),
            accumulator: family.map(StreamAccumulator::new),
            agent,
            first_chunk: None,
            broken: false,
            done: false,
        }
    }

    /// Bytes the SDK just read.
    pub(crate) fn on_data(&mut self, data: &[u8]) {
        if self.done || self.broken || self.kind == StreamKind::Blob || data.is_empty() {
            return;
        }
        if self.buffer.len() + data.len() > MAX_BUFFERED {
            self.broken = true;
            self.buffer = BytesMut::new();
            return;
        }
        self.buffer.extend_from_slice(data);
        while !self.done {
            match self.decoder.decode_frame(&mut self.buffer) {
                Ok(DecodedFrame::Complete(message)) => self.on_message(&message),
                Ok(DecodedFrame::Incomplete) => break,
                Err(_) => {
                    self.broken = true;
                    self.buffer = BytesMut::new();
                    break;
                }
            }
        }
    }

    fn on_message(&mut self, message: &Message) {
        match header_str(message, ":message-type").unwrap_or("event") {
            "event" => self.on_event(message),
            "exception" => {
                let code = header_str(message, ":exception-type")
                    .map(exception_code)
                    .unwrap_or_else(|| "EventStreamException".to_owned());
                let text = payload_message(message.payload());
                self.finish(StreamEnd::Exception {
                    code,
                    message: text,
                });
            }
            "error" => {
                let code = header_str(message, ":error-code")
                    .map(exception_code)
                    .unwrap_or_else(|| "EventStreamError".to_owned());
                let text = header_str(message, ":error-message").map(str::to_owned);
                self.finish(StreamEnd::Exception {
                    code,
                    message: text,
                });
            }
            _ => {}
        }
    }

    fn on_event(&mut self, message: &Message) {
        let Some(event_type) = header_str(message, ":event-type") else {
            return;
        };
        let kind = match (self.kind, self.accumulator.as_mut()) {
            (StreamKind::Converse, Some(acc)) => {
                // ConverseStream puts the event name in a header; the families parser reads the
                // Nova stream shape, where it is the payload's only key.
                if !event_type
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    return;
                }
                let payload = message.payload();
                let mut wrapped = Vec::with_capacity(payload.len() + event_type.len() + 5);
                wrapped.extend_from_slice(b"{\"");
                wrapped.extend_from_slice(event_type.as_bytes());
                wrapped.extend_from_slice(b"\":");
                wrapped.extend_from_slice(if payload.is_empty() { b"{}" } else { payload });
                wrapped.push(b'}');
                acc.push_chunk(&wrapped)
            }
            (StreamKind::Invoke(_), Some(acc)) => {
                if event_type != "chunk" {
                    return;
                }
                match chunk_bytes(message.payload()) {
                    Some(bytes) => acc.push_chunk(&bytes),
                    None => return,
                }
            }
            (StreamKind::InvokeAgent { .. }, _) => match self.agent.as_mut() {
                Some(agent) => agent.push(event_type, message.payload()),
                None => return,
            },
            _ => return,
        };
        let content_seen = self.accumulator.as_ref().is_some_and(|a| a.content_seen())
            || self.agent.as_ref().is_some_and(AgentStream::content_seen);
        if self.first_chunk.is_none() && content_seen {
            let now = Instant::now();
            self.first_chunk = Some(now);
            call::lock(&self.call).first_chunk(now);
        }
        if kind == ChunkKind::Final {
            self.finish(StreamEnd::Completed);
        }
    }

    /// The body ended.
    pub(crate) fn on_end(&mut self) {
        self.finish(StreamEnd::Completed);
    }

    /// Reading the body failed.
    pub(crate) fn on_error(&mut self, error: String) {
        self.finish(StreamEnd::Transport(error));
    }

    /// The body was dropped (normally after the end; before it, the caller cancelled).
    pub(crate) fn on_drop(&mut self) {
        self.finish(StreamEnd::Cancelled);
    }

    fn finish(&mut self, end: StreamEnd) {
        if self.done {
            return;
        }
        self.done = true;
        self.buffer = BytesMut::new();
        let facts = match (self.accumulator.take(), self.agent.take()) {
            (Some(accumulator), _) => accumulator.finish(),
            (None, Some(agent)) => agent.finish(),
            (None, None) => Default::default(),
        };
        let call = Arc::clone(&self.call);
        call::lock(&call).stream_finished(end, facts);
    }
}

fn header_str<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    message
        .headers()
        .iter()
        .find(|h| h.name().as_str() == name)
        .and_then(|h| match h.value() {
            HeaderValue::String(s) => Some(s.as_str()),
            _ => None,
        })
}

/// Event-stream exception names are the modeled member names (`throttlingException`); the
/// `error.type` is the error code the same failure has as an HTTP error (`ThrottlingException`),
/// so both group together.
fn exception_code(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn payload_message(payload: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(payload).ok()?;
    ["message", "Message"]
        .iter()
        .find_map(|k| value.get(*k).and_then(serde_json::Value::as_str))
        .map(str::to_owned)
}

/// The decoded `bytes` of an InvokeModelWithResponseStream `chunk` payload (`{"bytes":"<base64>"}`).
fn chunk_bytes(payload: &[u8]) -> Option<Vec<u8>> {
    let value: serde_json::Value = serde_json::from_slice(payload).ok()?;
    let encoded = value.get("bytes")?.as_str()?;
    aws_smithy_types::base64::decode(encoded).ok()
}

/// The response body as the SDK reads it, observed on the way.
pub(crate) struct TapBody {
    inner: SdkBody,
    observer: StreamObserver,
}

impl TapBody {
    /// Wraps `body`; every frame is returned as it came.
    pub(crate) fn wrap(body: SdkBody, observer: StreamObserver) -> SdkBody {
        SdkBody::from_body_1_x(TapBody {
            inner: body,
            observer,
        })
    }
}

impl Body for TapBody {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        let observer = &mut this.observer;
        call::guard(|| match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    observer.on_data(data);
                }
            }
            Poll::Ready(Some(Err(error))) => observer.on_error(error.to_string()),
            Poll::Ready(None) => observer.on_end(),
            Poll::Pending => {}
        });
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for TapBody {
    fn drop(&mut self) {
        let observer = &mut self.observer;
        call::guard(|| observer.on_drop());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_codes_are_capitalised() {
        assert_eq!(exception_code("throttlingException"), "ThrottlingException");
        assert_eq!(
            exception_code("ModelStreamErrorException"),
            "ModelStreamErrorException"
        );
        assert_eq!(exception_code(""), "");
    }

    #[test]
    fn chunk_payloads() {
        assert_eq!(
            chunk_bytes(br#"{"bytes":"eyJhIjoxfQ=="}"#).as_deref(),
            Some(&br#"{"a":1}"#[..])
        );
        assert_eq!(chunk_bytes(br#"{"bytes":"!!"}"#), None);
        assert_eq!(chunk_bytes(b"nope"), None);
        assert_eq!(
            payload_message(br#"{"message":"slow down"}"#).as_deref(),
            Some("slow down")
        );
    }
}
