//! [`BedrockFault`]: scripted failures, and the AWS-style answers they (and bad requests) get.

use std::time::Duration;

use serde_json::{json, Value};

use super::eventstream::{Event, EVENT_STREAM};
use crate::plan::PlannedResponse;

/// A scripted failure for the next call, queued with
/// [`FakeBedrock::fail_next`](crate::FakeBedrock::fail_next).
///
/// Faults are consumed one per call to a known operation (Converse, ConverseStream,
/// InvokeModel, InvokeModelWithResponseStream, InvokeAgentRuntime, InvokeAgent), in queue order;
/// requests to unknown paths do not consume them. Error answers look like the real service's:
/// the status code, an `x-amzn-ErrorType: <Code>:http://internal.amazon.com/coral/com.amazon.bedrock/`
/// header, an `x-amzn-RequestId` and a `{"message": …}` JSON body, so the SDK surfaces them as
/// its typed errors.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BedrockFault {
    /// `429 ThrottlingException` ("Too many requests, please wait before trying again.").
    /// Retried by the SDK's standard retry strategy.
    Throttle,
    /// `500 InternalServerException`. Retried by the SDK's standard retry strategy.
    ServerError,
    /// `503 ServiceUnavailableException`. Retried by the SDK's standard retry strategy.
    ServiceUnavailable,
    /// `400 ValidationException`. Not retried.
    Validation,
    /// A streaming call answers `200`, sends `after_events` events (all of them if there are
    /// fewer) and then a `modelStreamErrorException` exception frame
    /// (`{"message", "originalStatusCode": 500, "originalMessage"}`), ending the stream.
    /// On a non-streaming operation: `424 ModelErrorException`.
    MidStreamError {
        /// How many normal events precede the exception frame.
        after_events: usize,
    },
    /// Like [`MidStreamError`](Self::MidStreamError) with a chosen exception. On a
    /// non-streaming operation: the matching HTTP error ([`StreamException::http_status`]).
    MidStreamException {
        /// How many normal events precede the exception frame.
        after_events: usize,
        /// The exception sent.
        exception: StreamException,
    },
    /// `200` with a body the SDK cannot (Converse) or the instrumentation should not be able to
    /// (InvokeModel, whose body is an opaque blob to the SDK) parse: `{"this is": not json`. On
    /// streams, the first event's frame payload is that garbage, so the SDK reports an
    /// unmarshalling error on the first `recv`. AgentCore: a `200` whose body is that garbage.
    MalformedBody,
    /// InvokeModelWithResponseStream: well-formed frames, but the first `chunk`'s `bytes` decode
    /// to non-JSON garbage, which the SDK hands over as-is (the instrumentation must cope). On
    /// other operations the same as [`MalformedBody`](Self::MalformedBody).
    MalformedChunk,
    /// Waits this long before answering normally (streams: before the response headers).
    Delay(Duration),
    /// Answers exactly with this [`PlannedResponse`] (status, headers, body, delay, or a
    /// connection reset), plus an `x-amzn-RequestId`. A body without a planned `content-type`
    /// is sent as `application/json`.
    Response(PlannedResponse),
}

/// The exception a [`BedrockFault::MidStreamException`] sends inside an event stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StreamException {
    /// `modelStreamErrorException` (SDK: `ModelStreamErrorException`).
    ModelStreamError,
    /// `throttlingException` (SDK: `ThrottlingException`).
    Throttling,
    /// `internalServerException` (SDK: `InternalServerException`).
    InternalServer,
    /// `serviceUnavailableException` (SDK: `ServiceUnavailableException`).
    ServiceUnavailable,
    /// `validationException` (SDK: `ValidationException`).
    Validation,
    /// `modelTimeoutException` (SDK: `ModelTimeoutException` for InvokeModelWithResponseStream;
    /// ConverseStream has no such member and reports an unhandled error).
    ModelTimeout,
    /// `dependencyFailedException` (Bedrock Agent Runtime `InvokeAgent`: SDK
    /// `DependencyFailedException`, e.g. a failing action-group Lambda).
    DependencyFailed,
}

impl StreamException {
    /// The `:exception-type` header value, e.g. `"modelStreamErrorException"`.
    pub fn event_type(self) -> &'static str {
        match self {
            StreamException::ModelStreamError => "modelStreamErrorException",
            StreamException::Throttling => "throttlingException",
            StreamException::InternalServer => "internalServerException",
            StreamException::ServiceUnavailable => "serviceUnavailableException",
            StreamException::Validation => "validationException",
            StreamException::ModelTimeout => "modelTimeoutException",
            StreamException::DependencyFailed => "dependencyFailedException",
        }
    }

    /// The status and error code used when this fault hits a non-streaming operation, e.g.
    /// `(424, "ModelErrorException")` for [`ModelStreamError`](Self::ModelStreamError).
    pub fn http_status(self) -> (u16, &'static str) {
        match self {
            StreamException::ModelStreamError => (424, "ModelErrorException"),
            StreamException::Throttling => (429, "ThrottlingException"),
            StreamException::InternalServer => (500, "InternalServerException"),
            StreamException::ServiceUnavailable => (503, "ServiceUnavailableException"),
            StreamException::Validation => (400, "ValidationException"),
            StreamException::ModelTimeout => (408, "ModelTimeoutException"),
            StreamException::DependencyFailed => (424, "DependencyFailedException"),
        }
    }

    /// The exception frame's JSON payload.
    pub(crate) fn payload(self) -> Value {
        match self {
            StreamException::ModelStreamError => json!({
                "message": "The model stream was interrupted (fake).",
                "originalStatusCode": 500,
                "originalMessage": "fake model failure",
            }),
            StreamException::Throttling => {
                json!({ "message": "Too many tokens, please wait before trying again." })
            }
            StreamException::InternalServer => {
                json!({ "message": "The server encountered an internal error (fake)." })
            }
            StreamException::ServiceUnavailable => {
                json!({ "message": "Bedrock is unable to process your request (fake)." })
            }
            StreamException::Validation => json!({ "message": "Invalid stream state (fake)." }),
            StreamException::ModelTimeout => {
                json!({ "message": "Model has timed out in processing the request (fake)." })
            }
            StreamException::DependencyFailed => json!({
                "message": "The action group Lambda function failed (fake).",
                "resourceName": "fake_actions",
            }),
        }
    }

    pub(crate) fn frame(self) -> Event {
        Event::exception(self.event_type(), &self.payload())
    }
}

/// The garbage [`BedrockFault::MalformedBody`] sends.
pub(crate) const GARBAGE: &[u8] = b"{\"this is\": not json";

/// An answer to one call, before it is sent.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: ReplyBody,
    /// Close the connection without answering.
    pub(crate) reset: bool,
    /// Wait before answering.
    pub(crate) delay: Duration,
}

/// The body of a [`Reply`].
#[derive(Debug)]
pub(crate) enum ReplyBody {
    /// One buffer, sent with a `content-length`.
    Bytes(Vec<u8>),
    /// Pieces sent one per body frame (chunked transfer), optionally paced: encoded
    /// event-stream frames, or server-sent events.
    Chunks(Vec<Vec<u8>>),
}

impl Reply {
    /// `status` with a JSON body.
    pub(crate) fn json(status: u16, body: &Value) -> Reply {
        Reply::bytes(status, "application/json", body.to_string().into_bytes())
    }

    /// `status` with `body` of the given content type.
    pub(crate) fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body: ReplyBody::Bytes(body),
            reset: false,
            delay: Duration::ZERO,
        }
    }

    /// `200` event stream of these events, one frame per body chunk.
    pub(crate) fn events(events: Vec<Event>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".to_owned(), EVENT_STREAM.to_owned())],
            body: ReplyBody::Chunks(events.iter().map(Event::encode).collect()),
            reset: false,
            delay: Duration::ZERO,
        }
    }

    /// An AWS restJson1 error: `x-amzn-ErrorType` and `{"message": …, extra…}`.
    pub(crate) fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::error_with(status, code, json!({ "message": message }))
    }

    /// An AWS restJson1 error with a body of its own (an object with at least `message`).
    pub(crate) fn error_with(status: u16, code: &str, body: Value) -> Reply {
        Reply::json(status, &body).header(
            "x-amzn-ErrorType",
            format!("{code}:http://internal.amazon.com/coral/com.amazon.bedrock/"),
        )
    }

    /// `400 ValidationException`.
    pub(crate) fn validation(message: &str) -> Reply {
        Reply::error(400, "ValidationException", message)
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The answer a status-type fault gets (throttle, 5xx, validation, a stream fault on a
    /// non-streaming operation); `None` for faults that shape a normal answer instead.
    pub(crate) fn for_status_fault(fault: &BedrockFault, streaming: bool) -> Option<Reply> {
        Some(match fault {
            BedrockFault::Throttle => Reply::error(
                429,
                "ThrottlingException",
                "Too many requests, please wait before trying again.",
            ),
            BedrockFault::ServerError => Reply::error(
                500,
                "InternalServerException",
                "The server encountered an internal error (fake).",
            ),
            BedrockFault::ServiceUnavailable => Reply::error(
                503,
                "ServiceUnavailableException",
                "Bedrock is unable to process your request (fake).",
            ),
            BedrockFault::Validation => {
                Reply::validation("The provided request is not valid (fake).")
            }
            BedrockFault::MidStreamError { .. } if !streaming => {
                model_error(StreamException::ModelStreamError)
            }
            BedrockFault::MidStreamException { exception, .. } if !streaming => {
                model_error(*exception)
            }
            BedrockFault::Response(plan) => {
                let mut headers = plan.headers.clone();
                let body = plan.body.clone().unwrap_or_default();
                if !body.is_empty()
                    && !headers
                        .iter()
                        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                {
                    headers.push(("content-type".to_owned(), "application/json".to_owned()));
                }
                Reply {
                    status: plan.status,
                    headers,
                    body: ReplyBody::Bytes(body),
                    reset: plan.reset,
                    delay: plan.delay,
                }
            }
            _ => return None,
        })
    }
}

/// The HTTP error equivalent of a stream exception.
fn model_error(exception: StreamException) -> Reply {
    let (status, code) = exception.http_status();
    let mut body = exception.payload();
    if exception == StreamException::ModelStreamError {
        body = json!({
            "message": "The model returned an error (fake).",
            "originalStatusCode": 500,
            "resourceName": "fake-model",
        });
    }
    Reply::error_with(status, code, body)
}

/// Applies a stream-shaping fault to a list of events: truncation + exception frame, garbage
/// first payload, or garbage first chunk. Returns the events and the exception type sent.
pub(crate) fn shape_stream(
    mut events: Vec<Event>,
    fault: Option<&BedrockFault>,
    chunked: bool,
) -> (Vec<Event>, Option<String>) {
    match fault {
        Some(BedrockFault::MidStreamError { after_events }) => {
            events.truncate(*after_events);
            let exception = StreamException::ModelStreamError;
            events.push(exception.frame());
            (events, Some(exception.event_type().to_owned()))
        }
        Some(BedrockFault::MidStreamException {
            after_events,
            exception,
        }) => {
            events.truncate(*after_events);
            events.push(exception.frame());
            (events, Some(exception.event_type().to_owned()))
        }
        Some(BedrockFault::MalformedChunk) if chunked => {
            if let Some(first) = events.first_mut() {
                *first = Event::chunk_bytes(b"this chunk is not JSON");
            }
            (events, None)
        }
        Some(BedrockFault::MalformedBody | BedrockFault::MalformedChunk) => {
            if let Some(first) = events.first_mut() {
                first.payload = GARBAGE.to_vec();
            }
            (events, None)
        }
        _ => (events, None),
    }
}
