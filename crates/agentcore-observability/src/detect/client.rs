//! The detectors' HTTP requests: `reqwest` on the detection thread's runtime, never through a
//! proxy (metadata services are link-local or in-cluster), every request bounded by the detection
//! timeout, bodies capped, errors turned into short readable reasons.

use std::error::Error as _;
use std::time::Duration;

/// The largest metadata document read (the real ones are a few KiB).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A client for plain-HTTP metadata services (IMDS, ECS): no proxy, no redirects, HTTP/1 only.
pub(super) fn builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .http1_only()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!(
            "agentcore-observability-rust/",
            env!("CARGO_PKG_VERSION"),
            " resource-detection"
        ))
}

/// Builds a client, the error as a reason.
pub(super) fn build(builder: reqwest::ClientBuilder) -> Result<reqwest::Client, String> {
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", describe(&e)))
}

/// A 2xx answer's body as text; any other status, or a transport error, as a reason naming the
/// URL.
pub(super) async fn text(request: reqwest::RequestBuilder) -> Result<String, Failure> {
    let mut response = request
        .send()
        .await
        .map_err(|e| Failure::from_reqwest(&e))?;
    let status = response.status();
    let url = response.url().to_string();
    if !status.is_success() {
        return Err(Failure::Status {
            url,
            status: status.as_u16(),
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Failure::from_reqwest(&e))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Failure::Other(format!(
                "{url} answered more than {MAX_BODY_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|_| Failure::Other(format!("{url} answered non-UTF-8 text")))
}

/// A 2xx answer's body as a JSON object.
pub(super) async fn json(
    request: reqwest::RequestBuilder,
    what: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
    let body = text(request).await?;
    match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(object)) => Ok(object),
        Ok(_) => Err(Failure::Other(format!("the {what} is not a JSON object"))),
        Err(e) => Err(Failure::Other(format!("the {what} is not JSON: {e}"))),
    }
}

/// Why a request did not produce a usable answer.
#[derive(Debug)]
pub(super) enum Failure {
    /// The server answered with a non-2xx status.
    Status {
        /// The URL requested.
        url: String,
        /// The status answered.
        status: u16,
    },
    /// The request timed out (the detection deadline, or the client's timeout).
    TimedOut,
    /// Anything else, as a reason.
    Other(String),
}

impl Failure {
    fn from_reqwest(error: &reqwest::Error) -> Self {
        if error.is_timeout() {
            Failure::TimedOut
        } else {
            Failure::Other(describe(error))
        }
    }

    /// The reason, for reports and logs.
    pub(super) fn reason(&self) -> String {
        match self {
            Failure::Status { url, status } => format!("{url} answered HTTP {status}"),
            Failure::TimedOut => "timed out".to_string(),
            Failure::Other(reason) => reason.clone(),
        }
    }
}

/// `error` and its sources on one line (reqwest's own message omits the cause, e.g. "connection
/// refused").
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
