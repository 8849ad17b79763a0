//! A fake of the CloudWatch Logs JSON API, enough for the EMF exporter: `PutLogEvents`,
//! `CreateLogGroup` and `CreateLogStream`, each a `POST` with `X-Amz-Target:
//! Logs_20140328.<Action>` and an `application/x-amz-json-1.1` body.
//!
//! Every well-formed call is answered `200 {}`; to simulate a missing log group, queue a planned
//! answer:
//!
//! ```
//! use agentcore_observability_testkit::{OtlpReceiver, PlannedResponse};
//!
//! let receiver = OtlpReceiver::start().unwrap();
//! receiver.respond_with([PlannedResponse::status(400).body(
//!     r#"{"__type":"ResourceNotFoundException","message":"The specified log group does not exist."}"#,
//! )]);
//! // Point the exporter at receiver.endpoint(), export, then look at
//! // receiver.cloudwatch_logs_calls() and receiver.put_log_events().
//! ```

use serde_json::{json, Value};

/// The `X-Amz-Target` prefix of every CloudWatch Logs API operation.
pub(crate) const TARGET_PREFIX: &str = "Logs_20140328.";
/// The content type of CloudWatch Logs API requests and answers.
pub(crate) const JSON_1_1: &str = "application/x-amz-json-1.1";

/// One accepted `PutLogEvents` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedPutLogEvents {
    /// `logGroupName`.
    pub log_group: String,
    /// `logStreamName`.
    pub log_stream: String,
    /// `logEvents` as `(timestamp in ms, message)`, in request order.
    pub events: Vec<(i64, String)>,
}

impl ReceivedPutLogEvents {
    /// The messages parsed as JSON (EMF documents), in order; a message that is not JSON is
    /// returned as a JSON string.
    pub fn json_messages(&self) -> Vec<Value> {
        self.events
            .iter()
            .map(|(_, message)| {
                serde_json::from_str(message).unwrap_or_else(|_| Value::String(message.clone()))
            })
            .collect()
    }
}

/// What a CloudWatch Logs API call decoded to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Call {
    PutLogEvents(ReceivedPutLogEvents),
    CreateLogGroup,
    CreateLogStream,
}

/// The action named by an `X-Amz-Target` header (`Logs_20140328.PutLogEvents` →
/// `PutLogEvents`), if it is a CloudWatch Logs one.
pub(crate) fn action_of(target: Option<&str>) -> Option<&str> {
    target?
        .trim()
        .strip_prefix(TARGET_PREFIX)
        .filter(|action| !action.is_empty())
}

/// The body of an AWS JSON error answer: `{"__type":<code>,"message":<message>}`.
pub(crate) fn error_body(code: &str, message: &str) -> Vec<u8> {
    json!({"__type": code, "message": message})
        .to_string()
        .into_bytes()
}

/// Decodes one call; on failure returns the status and AWS JSON error body CloudWatch would send.
pub(crate) fn decode(
    target: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Call, (u16, Vec<u8>)> {
    let invalid = |message: String| (400, error_body("InvalidParameterException", &message));
    let mime = content_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if mime != JSON_1_1 {
        return Err((
            400,
            error_body(
                "SerializationException",
                &format!("expected content-type {JSON_1_1}, got {content_type:?}"),
            ),
        ));
    }
    let json: Value = serde_json::from_slice(body).map_err(|e| {
        (
            400,
            error_body("SerializationException", &format!("invalid JSON body: {e}")),
        )
    })?;
    let string = |name: &str| -> Result<String, (u16, Vec<u8>)> {
        json.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| invalid(format!("missing or empty {name}")))
    };
    match action_of(target) {
        Some("PutLogEvents") => {
            let log_group = string("logGroupName")?;
            let log_stream = string("logStreamName")?;
            let raw = json
                .get("logEvents")
                .and_then(Value::as_array)
                .ok_or_else(|| invalid("missing logEvents".to_owned()))?;
            let mut events = Vec::with_capacity(raw.len());
            for (i, event) in raw.iter().enumerate() {
                let timestamp = event.get("timestamp").and_then(Value::as_i64);
                let message = event.get("message").and_then(Value::as_str);
                match (timestamp, message) {
                    (Some(timestamp), Some(message)) => {
                        events.push((timestamp, message.to_owned()))
                    }
                    _ => {
                        return Err(invalid(format!(
                            "logEvents[{i}] needs an integer timestamp and a string message"
                        )))
                    }
                }
            }
            Ok(Call::PutLogEvents(ReceivedPutLogEvents {
                log_group,
                log_stream,
                events,
            }))
        }
        Some("CreateLogGroup") => string("logGroupName").map(|_| Call::CreateLogGroup),
        Some("CreateLogStream") => {
            string("logGroupName")?;
            string("logStreamName").map(|_| Call::CreateLogStream)
        }
        _ => Err((
            400,
            error_body(
                "UnknownOperationException",
                &format!("unsupported X-Amz-Target {target:?}"),
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUT: Option<&str> = Some("Logs_20140328.PutLogEvents");
    const CT: Option<&str> = Some("application/x-amz-json-1.1");

    fn code(error: (u16, Vec<u8>)) -> String {
        let json: Value = serde_json::from_slice(&error.1).unwrap();
        assert_eq!(error.0, 400);
        json["__type"].as_str().unwrap().to_owned()
    }

    #[test]
    fn actions() {
        assert_eq!(action_of(PUT), Some("PutLogEvents"));
        assert_eq!(action_of(Some("Logs_20140328.")), None);
        assert_eq!(action_of(Some("Kinesis_20131202.PutRecord")), None);
        assert_eq!(action_of(None), None);
    }

    #[test]
    fn decodes_put_log_events() {
        let body = br#"{"logGroupName":"/g","logStreamName":"s",
            "logEvents":[{"timestamp":5,"message":"{\"a\":1}"},{"timestamp":6,"message":"x"}]}"#;
        let Ok(Call::PutLogEvents(put)) = decode(PUT, CT, body) else {
            panic!("decoded")
        };
        assert_eq!(put.log_group, "/g");
        assert_eq!(put.log_stream, "s");
        assert_eq!(
            put.events,
            vec![(5, "{\"a\":1}".to_owned()), (6, "x".to_owned())]
        );
        assert_eq!(put.json_messages(), vec![json!({"a": 1}), json!("x")]);
    }

    #[test]
    fn decodes_create_calls() {
        let group = Some("Logs_20140328.CreateLogGroup");
        let stream = Some("Logs_20140328.CreateLogStream");
        assert_eq!(
            decode(group, CT, br#"{"logGroupName":"/g"}"#),
            Ok(Call::CreateLogGroup)
        );
        assert_eq!(
            decode(stream, CT, br#"{"logGroupName":"/g","logStreamName":"s"}"#),
            Ok(Call::CreateLogStream)
        );
        assert_eq!(
            code(decode(stream, CT, br#"{"logGroupName":"/g"}"#).unwrap_err()),
            "InvalidParameterException"
        );
    }

    #[test]
    fn refuses_malformed_calls() {
        let ok = br#"{"logGroupName":"/g","logStreamName":"s","logEvents":[]}"#;
        assert!(decode(PUT, Some("application/x-amz-json-1.1; charset=utf-8"), ok).is_ok());
        assert_eq!(
            code(decode(PUT, Some("application/json"), ok).unwrap_err()),
            "SerializationException"
        );
        assert_eq!(
            code(decode(PUT, CT, b"{").unwrap_err()),
            "SerializationException"
        );
        assert_eq!(
            code(decode(PUT, CT, br#"{"logGroupName":"/g","logStreamName":"s"}"#).unwrap_err()),
            "InvalidParameterException"
        );
        let bad_event =
            br#"{"logGroupName":"/g","logStreamName":"s","logEvents":[{"timestamp":"x","message":"m"}]}"#;
        assert_eq!(
            code(decode(PUT, CT, bad_event).unwrap_err()),
            "InvalidParameterException"
        );
        assert_eq!(
            code(decode(Some("Logs_20140328.DeleteLogGroup"), CT, ok).unwrap_err()),
            "UnknownOperationException"
        );
    }
}
