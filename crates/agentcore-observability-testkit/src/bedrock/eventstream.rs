//! `application/vnd.amazon.eventstream` frames, encoded with `aws-smithy-eventstream`.

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use serde_json::{json, Value};

/// The content type of an event-stream HTTP response.
pub(crate) const EVENT_STREAM: &str = "application/vnd.amazon.eventstream";

/// One event before encoding: its `:event-type` (or `:exception-type`) and JSON payload bytes.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) kind: EventKind,
    pub(crate) name: String,
    pub(crate) payload: Vec<u8>,
}

/// `:message-type` of an [`Event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    Event,
    Exception,
}

impl Event {
    /// An `:message-type event` frame with a JSON payload.
    pub(crate) fn new(name: &str, payload: &Value) -> Event {
        Event {
            kind: EventKind::Event,
            name: name.to_owned(),
            payload: payload.to_string().into_bytes(),
        }
    }

    /// An `InvokeModelWithResponseStream` `chunk` event: `{"bytes": base64(chunk JSON)}`.
    pub(crate) fn chunk(chunk: &Value) -> Event {
        Event::chunk_bytes(chunk.to_string().as_bytes())
    }

    /// A `chunk` event carrying arbitrary bytes.
    pub(crate) fn chunk_bytes(bytes: &[u8]) -> Event {
        let payload = json!({ "bytes": aws_smithy_types::base64::encode(bytes) });
        Event::new("chunk", &payload)
    }

    /// An `:message-type exception` frame with a JSON payload.
    pub(crate) fn exception(name: &str, payload: &Value) -> Event {
        Event {
            kind: EventKind::Exception,
            name: name.to_owned(),
            payload: payload.to_string().into_bytes(),
        }
    }

    /// Encodes the frame (prelude, headers, payload, CRCs).
    pub(crate) fn encode(&self) -> Vec<u8> {
        let (message_type, type_header) = match self.kind {
            EventKind::Event => ("event", ":event-type"),
            EventKind::Exception => ("exception", ":exception-type"),
        };
        let message = Message::new(self.payload.clone())
            .add_header(Header::new(
                type_header,
                HeaderValue::String(self.name.clone().into()),
            ))
            .add_header(Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ))
            .add_header(Header::new(
                ":message-type",
                HeaderValue::String(message_type.into()),
            ));
        let mut out = Vec::with_capacity(self.payload.len() + 128);
        // Only fails for oversized headers/payloads (> 16 MiB), which the fake never builds.
        if write_message_to(&message, &mut out).is_err() {
            out.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_eventstream::frame::read_message_from;

    #[test]
    fn frames_round_trip() {
        let frame = Event::chunk(&json!({"a": 1})).encode();
        let message = read_message_from(&frame[..]).unwrap();
        let names: Vec<&str> = message
            .headers()
            .iter()
            .map(|h| h.name().as_str())
            .collect();
        assert_eq!(names, [":event-type", ":content-type", ":message-type"]);
        let payload: Value = serde_json::from_slice(message.payload()).unwrap();
        let bytes = aws_smithy_types::base64::decode(payload["bytes"].as_str().unwrap()).unwrap();
        assert_eq!(bytes, br#"{"a":1}"#);

        let frame = Event::exception("throttlingException", &json!({"message": "slow"})).encode();
        let message = read_message_from(&frame[..]).unwrap();
        assert_eq!(
            message.headers()[0].value().as_string().unwrap().as_str(),
            "throttlingException"
        );
    }
}
