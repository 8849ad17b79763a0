//! The CloudWatch Logs JSON API calls the EMF exporter makes: `PutLogEvents`, `CreateLogGroup` and
//! `CreateLogStream`, each a `POST /` with `X-Amz-Target: Logs_20140328.<action>` and an
//! `application/x-amz-json-1.1` body (the AWS JSON 1.1 protocol, as botocore sends it).

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value as Json};

use super::document::EmfEvent;

/// The content type of every request.
pub(crate) const JSON_1_1: &str = "application/x-amz-json-1.1";
/// The target header.
pub(crate) const X_AMZ_TARGET: HeaderName = HeaderName::from_static("x-amz-target");

/// One CloudWatch Logs API operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    PutLogEvents,
    CreateLogGroup,
    CreateLogStream,
}

impl Action {
    /// The `X-Amz-Target` value.
    pub(crate) fn target(self) -> &'static str {
        match self {
            Action::PutLogEvents => "Logs_20140328.PutLogEvents",
            Action::CreateLogGroup => "Logs_20140328.CreateLogGroup",
            Action::CreateLogStream => "Logs_20140328.CreateLogStream",
        }
    }

    /// The operation name, for logs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Action::PutLogEvents => "PutLogEvents",
            Action::CreateLogGroup => "CreateLogGroup",
            Action::CreateLogStream => "CreateLogStream",
        }
    }

    /// The headers of a request for this operation (the signer adds its own).
    pub(crate) fn headers(self) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(2);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_1_1));
        headers.insert(X_AMZ_TARGET, HeaderValue::from_static(self.target()));
        headers
    }
}

/// `{"logGroupName":…,"logStreamName":…,"logEvents":[{"timestamp":…,"message":…},…]}`.
pub(crate) fn put_log_events_body(group: &str, stream: &str, events: &[EmfEvent]) -> Bytes {
    let events: Vec<Json> = events
        .iter()
        .map(|e| json!({"timestamp": e.timestamp_ms, "message": e.message}))
        .collect();
    body(json!({"logGroupName": group, "logStreamName": stream, "logEvents": events}))
}

/// `{"logGroupName":…}`.
pub(crate) fn create_log_group_body(group: &str) -> Bytes {
    body(json!({ "logGroupName": group }))
}

/// `{"logGroupName":…,"logStreamName":…}`.
pub(crate) fn create_log_stream_body(group: &str, stream: &str) -> Bytes {
    body(json!({"logGroupName": group, "logStreamName": stream}))
}

fn body(value: Json) -> Bytes {
    Bytes::from(value.to_string())
}

/// The short error code of an AWS JSON error answer (`ResourceNotFoundException`), read from the
/// `x-amzn-errortype` header or the body's `__type` (`com.amazonaws.logs#ResourceNotFoundException`
/// or the bare name), without namespace or trailing `:…` detail.
pub(crate) fn error_code(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let from_header = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let from_body = || {
        serde_json::from_slice::<Json>(body)
            .ok()?
            .get("__type")?
            .as_str()
            .map(str::to_owned)
    };
    let raw = from_header.or_else(from_body)?;
    let name = raw.rsplit('#').next().unwrap_or(&raw);
    let name = name.split(':').next().unwrap_or(name).trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// The error message of an AWS JSON error answer, shortened for a log line.
pub(crate) fn error_message(body: &[u8]) -> String {
    let message = serde_json::from_slice::<Json>(body).ok().and_then(|json| {
        json.get("message")
            .or_else(|| json.get("Message"))
            .and_then(Json::as_str)
            .map(str::to_owned)
    });
    let text = message.unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    text.chars().take(200).collect()
}

/// Which events of a successful `PutLogEvents` CloudWatch still refused, from the answer's
/// `rejectedLogEventsInfo`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rejected {
    /// Events from this index on were too new.
    too_new_from: Option<usize>,
    /// Events up to and including this index were too old.
    too_old_through: Option<usize>,
    /// Events up to and including this index were older than the group's retention.
    expired_through: Option<usize>,
}

impl Rejected {
    /// Reads `rejectedLogEventsInfo` from a `PutLogEvents` answer; an absent or unreadable one
    /// means nothing was rejected.
    pub(crate) fn from_answer(body: &[u8]) -> Rejected {
        let Ok(json) = serde_json::from_slice::<Json>(body) else {
            return Rejected::default();
        };
        let Some(info) = json.get("rejectedLogEventsInfo") else {
            return Rejected::default();
        };
        let index = |name: &str| {
            info.get(name)
                .and_then(Json::as_u64)
                .and_then(|i| usize::try_from(i).ok())
        };
        Rejected {
            too_new_from: index("tooNewLogEventStartIndex"),
            too_old_through: index("tooOldLogEventEndIndex"),
            expired_through: index("expiredLogEventEndIndex"),
        }
    }

    /// Whether the event at `index` was refused.
    pub(crate) fn contains(&self, index: usize) -> bool {
        self.too_new_from.is_some_and(|from| index >= from)
            || self.too_old_through.is_some_and(|through| index <= through)
            || self.expired_through.is_some_and(|through| index <= through)
    }

    /// The data points in the refused events.
    pub(crate) fn points(&self, events: &[EmfEvent]) -> u64 {
        events
            .iter()
            .enumerate()
            .filter(|(i, _)| self.contains(*i))
            .map(|(_, e)| e.points)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(ts: i64, message: &str) -> EmfEvent {
        EmfEvent {
            timestamp_ms: ts,
            message: message.to_owned(),
            points: 2,
        }
    }

    #[test]
    fn headers_name_the_operation() {
        let headers = Action::PutLogEvents.headers();
        assert_eq!(headers["content-type"], "application/x-amz-json-1.1");
        assert_eq!(headers["x-amz-target"], "Logs_20140328.PutLogEvents");
        assert_eq!(
            Action::CreateLogGroup.headers()["x-amz-target"],
            "Logs_20140328.CreateLogGroup"
        );
        assert_eq!(
            Action::CreateLogStream.headers()["x-amz-target"],
            "Logs_20140328.CreateLogStream"
        );
    }

    #[test]
    fn bodies() {
        let events = [event(5, "{\"a\":1}"), event(6, "ü\"")];
        let body: Json = serde_json::from_slice(&put_log_events_body("/g", "s", &events)).unwrap();
        assert_eq!(
            body,
            json!({"logGroupName": "/g", "logStreamName": "s", "logEvents": [
                {"timestamp": 5, "message": "{\"a\":1}"},
                {"timestamp": 6, "message": "ü\""},
            ]})
        );
        assert_eq!(
            &create_log_group_body("/g")[..],
            br#"{"logGroupName":"/g"}"#
        );
        let stream: Json = serde_json::from_slice(&create_log_stream_body("/g", "s")).unwrap();
        assert_eq!(stream, json!({"logGroupName": "/g", "logStreamName": "s"}));
    }

    #[test]
    fn error_codes() {
        let none = HeaderMap::new();
        let body = br#"{"__type":"ResourceNotFoundException","message":"The specified log group does not exist."}"#;
        assert_eq!(
            error_code(&none, body).as_deref(),
            Some("ResourceNotFoundException")
        );
        assert_eq!(
            error_message(body),
            "The specified log group does not exist."
        );
        let namespaced = br#"{"__type":"com.amazonaws.logs#ResourceAlreadyExistsException"}"#;
        assert_eq!(
            error_code(&none, namespaced).as_deref(),
            Some("ResourceAlreadyExistsException")
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amzn-errortype",
            HeaderValue::from_static("ThrottlingException:http://internal.amazon.com/"),
        );
        assert_eq!(
            error_code(&headers, b"").as_deref(),
            Some("ThrottlingException")
        );
        assert_eq!(error_code(&none, b"not json"), None);
        assert_eq!(error_code(&none, br#"{"__type":""}"#), None);
        assert_eq!(error_message(b"plain text"), "plain text");
    }

    #[test]
    fn rejected_events() {
        let events: Vec<EmfEvent> = (0..5).map(|i| event(i, "m")).collect();
        let rejected = Rejected::from_answer(
            br#"{"rejectedLogEventsInfo":{"tooOldLogEventEndIndex":0,"tooNewLogEventStartIndex":4}}"#,
        );
        assert!(rejected.contains(0) && rejected.contains(4));
        assert!(!rejected.contains(1) && !rejected.contains(3));
        assert_eq!(rejected.points(&events), 4);
        let expired =
            Rejected::from_answer(br#"{"rejectedLogEventsInfo":{"expiredLogEventEndIndex":1}}"#);
        assert_eq!(expired.points(&events), 4);
        assert_eq!(Rejected::from_answer(b"{}").points(&events), 0);
        assert_eq!(Rejected::from_answer(b"").points(&events), 0);
    }
}
