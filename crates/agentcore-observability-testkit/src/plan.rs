//! Scripted answers: [`PlannedResponse`] lets a test make the receiver fail, slow down or
//! answer with particular headers for the next few requests.

use std::time::Duration;

/// One scripted answer, queued with [`OtlpReceiver::respond_with`](crate::OtlpReceiver::respond_with).
///
/// Planned responses are consumed one per incoming request (whatever its path), in the order
/// they were queued; once the queue is empty the receiver goes back to its normal answers.
///
/// ```
/// use std::time::Duration;
/// use agentcore_observability_testkit::PlannedResponse;
///
/// let throttled = PlannedResponse::status(429)
///     .header("retry-after", "1")
///     .delay(Duration::from_millis(50));
/// assert_eq!(throttled.status_code(), 429);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) delay: Duration,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) reset: bool,
}

impl PlannedResponse {
    /// A response with the given HTTP status code, no extra headers and no delay.
    ///
    /// Unless [`body`](Self::body) is set, a 2xx answer to a well-formed OTLP request carries
    /// the same empty `Export*ServiceResponse` the receiver would send by default, and any
    /// other answer has an empty body. A code outside `100..=999` is answered as 500.
    pub fn status(status: u16) -> Self {
        PlannedResponse {
            status,
            headers: Vec::new(),
            delay: Duration::ZERO,
            body: None,
            reset: false,
        }
    }

    /// No answer at all: after the request is read (and the optional [`delay`](Self::delay)), the
    /// connection is closed, as by a crashed server or a reset. Recorded with status `0`.
    pub fn reset() -> Self {
        PlannedResponse {
            reset: true,
            ..Self::status(0)
        }
    }

    /// Whether this plan closes the connection instead of answering.
    pub fn is_reset(&self) -> bool {
        self.reset
    }

    /// Shorthand for `PlannedResponse::status(200)`.
    pub fn ok() -> Self {
        Self::status(200)
    }

    /// Adds a response header. Names or values that are not valid HTTP are skipped when the
    /// response is sent. A `content-type` given here replaces the receiver's own.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Waits this long (after the request has been read and recorded) before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Sends these bytes as the response body instead of the default one.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// The HTTP status code this response will carry.
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// The extra headers, in the order they were added.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// How long the receiver waits before answering.
    pub fn delay_duration(&self) -> Duration {
        self.delay
    }

    /// The body set with [`body`](Self::body), if any.
    pub fn body_bytes(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }
}
