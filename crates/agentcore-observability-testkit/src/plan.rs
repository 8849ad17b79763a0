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
///
/// The gRPC receiver (`OtlpReceiver::start_grpc`, feature `grpc`) consumes the same plans:
/// [`grpc`](Self::grpc) sets a gRPC status code, and an HTTP status is answered with its gRPC
/// equivalent (see [`grpc_code`](Self::grpc_code)).
///
/// ```
/// use std::time::Duration;
/// use agentcore_observability_testkit::PlannedResponse;
///
/// // UNAVAILABLE, then RESOURCE_EXHAUSTED asking to retry in 1 s.
/// let plan = [
///     PlannedResponse::grpc(14),
///     PlannedResponse::grpc(8).retry_info(Duration::from_secs(1)),
/// ];
/// assert_eq!(plan[0].grpc_code(), 14);
/// assert_eq!(PlannedResponse::status(503).grpc_code(), 14);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) delay: Duration,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) reset: bool,
    pub(crate) grpc_code: Option<i32>,
    pub(crate) grpc_message: Option<String>,
    pub(crate) retry_info: Option<Duration>,
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
            grpc_code: None,
            grpc_message: None,
            retry_info: None,
        }
    }

    /// A gRPC answer with this status code: `0` OK, `1` CANCELLED, `4` DEADLINE_EXCEEDED,
    /// `8` RESOURCE_EXHAUSTED, `10` ABORTED, `13` INTERNAL, `14` UNAVAILABLE, `16`
    /// UNAUTHENTICATED, … (`grpc/doc/statuscodes.md`). An `OK` answer carries the usual empty
    /// export response unless [`body`](Self::body) holds an encoded `Export*ServiceResponse`
    /// (e.g. a partial success). Queued on the HTTP receiver, it answers the matching HTTP
    /// status (200, 503 for UNAVAILABLE, 429 for RESOURCE_EXHAUSTED, 504 for DEADLINE_EXCEEDED,
    /// else 500).
    pub fn grpc(code: i32) -> Self {
        let status = match code {
            0 => 200,
            3 => 400,
            4 => 504,
            5 | 12 => 404,
            7 => 403,
            8 => 429,
            14 => 503,
            16 => 401,
            _ => 500,
        };
        PlannedResponse {
            grpc_code: Some(code),
            ..Self::status(status)
        }
    }

    /// The gRPC status message (`grpc-message`) of a gRPC error answer.
    pub fn grpc_message(mut self, message: impl Into<String>) -> Self {
        self.grpc_message = Some(message.into());
        self
    }

    /// Adds a `google.rpc.RetryInfo` with this `retry_delay` to the details of a gRPC error
    /// answer (`grpc-status-details-bin`), as servers do to say when to retry.
    pub fn retry_info(mut self, retry_delay: Duration) -> Self {
        self.retry_info = Some(retry_delay);
        self
    }

    /// The gRPC status code the gRPC receiver answers with: the one given to
    /// [`grpc`](Self::grpc), else the gRPC equivalent of the HTTP status (2xx OK; 400 INTERNAL,
    /// 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 UNIMPLEMENTED, 429/502/503/504
    /// UNAVAILABLE, others UNKNOWN, as in gRPC's HTTP-to-gRPC status mapping), and UNAVAILABLE
    /// for a [`reset`](Self::reset) (which the gRPC receiver answers rather than closing the
    /// connection).
    pub fn grpc_code(&self) -> i32 {
        if let Some(code) = self.grpc_code {
            return code;
        }
        if self.reset {
            return 14;
        }
        match self.status {
            200..=299 => 0,
            400 => 13,
            401 => 16,
            403 => 7,
            404 => 12,
            429 | 502 | 503 | 504 => 14,
            _ => 2,
        }
    }

    /// The `RetryInfo` delay set with [`retry_info`](Self::retry_info), if any.
    pub fn retry_info_delay(&self) -> Option<Duration> {
        self.retry_info
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

    /// Adds a response header (response metadata over gRPC). Names or values that are not valid
    /// HTTP (or ASCII gRPC metadata) are skipped when the response is sent. A `content-type`
    /// given here replaces the HTTP receiver's own.
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
