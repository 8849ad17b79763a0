//! Counters of what the exporters sent and dropped, shared with the guard so users can read them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Why items (spans, log records, metric data points) were dropped instead of delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// The receiver answered with this non-success HTTP status.
    HttpStatus(u16),
    /// The receiver answered an OTLP/gRPC export with this status code other than `OK`
    /// (e.g. `14`, `UNAVAILABLE`, after the retries were spent). Failures to connect at all are
    /// [`Connection`](Self::Connection).
    GrpcStatus(i32),
    /// The export did not finish before its deadline.
    Timeout,
    /// The connection could not be made or broke.
    Connection,
    /// The request could not be built (e.g. a header value that is not valid HTTP).
    InvalidRequest,
    /// The receiver accepted the request but reported these items as rejected (OTLP partial success).
    RejectedByReceiver,
    /// The exporter was already shut down.
    ShutDown,
    /// No AWS credentials were available to sign with before the deadline (never sent unsigned).
    NoCredentials,
    /// The request could not be signed.
    SigningFailed,
    /// One item alone is over the endpoint's size limit (e.g. a span over 200 KB for X-Ray, an EMF
    /// event over 256 KB).
    TooLarge,
    /// A timestamp outside what CloudWatch accepts (more than 2 h ahead or 14 days back).
    OutOfRange,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::HttpStatus(code) => write!(f, "HTTP {code}"),
            DropReason::GrpcStatus(code) => match grpc_code_name(*code) {
                Some(name) => write!(f, "gRPC status {code} ({name})"),
                None => write!(f, "gRPC status {code}"),
            },
            DropReason::Timeout => f.write_str("deadline exceeded"),
            DropReason::Connection => f.write_str("connection error"),
            DropReason::InvalidRequest => f.write_str("invalid request"),
            DropReason::RejectedByReceiver => f.write_str("rejected by receiver (partial success)"),
            DropReason::ShutDown => f.write_str("exporter shut down"),
            DropReason::NoCredentials => f.write_str("no AWS credentials"),
            DropReason::SigningFailed => f.write_str("request could not be signed"),
            DropReason::TooLarge => f.write_str("item over the size limit"),
            DropReason::OutOfRange => f.write_str("timestamp out of the accepted range"),
        }
    }
}

/// The name of a gRPC status code (`grpc/doc/statuscodes.md`).
fn grpc_code_name(code: i32) -> Option<&'static str> {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
}

/// Counters for one signal. Cheap to update from the export path; read them through
/// [`ExportStats`].
#[derive(Debug, Default)]
pub struct SignalStats {
    exported: AtomicU64,
    requests: AtomicU64,
    failed_requests: AtomicU64,
    skipped_headers: AtomicU64,
    dropped: Mutex<BTreeMap<DropReason, u64>>,
}

impl SignalStats {
    /// Items the receiver accepted.
    pub fn exported(&self) -> u64 {
        self.exported.load(Ordering::Relaxed)
    }

    /// Export requests sent (each attempt counts).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Export requests that did not succeed.
    pub fn failed_requests(&self) -> u64 {
        self.failed_requests.load(Ordering::Relaxed)
    }

    /// Items dropped, all reasons together.
    pub fn dropped(&self) -> u64 {
        self.dropped_by_reason().iter().map(|(_, n)| n).sum()
    }

    /// Items dropped, by reason, in a stable order.
    pub fn dropped_by_reason(&self) -> Vec<(DropReason, u64)> {
        let map = self.dropped.lock().unwrap_or_else(PoisonError::into_inner);
        map.iter().map(|(reason, n)| (*reason, *n)).collect()
    }

    /// Configured headers left out of this signal's requests because they cannot be sent as they
    /// are (over gRPC: names reserved by gRPC or HTTP/2, such as `content-type` or `grpc-*`, and
    /// values that are not ASCII). Counted once per exporter built; each is logged at WARN.
    pub fn skipped_headers(&self) -> u64 {
        self.skipped_headers.load(Ordering::Relaxed)
    }

    #[cfg_attr(not(feature = "grpc"), allow(dead_code))]
    pub(crate) fn record_skipped_headers(&self, headers: u64) {
        self.skipped_headers.fetch_add(headers, Ordering::Relaxed);
    }

    /// Counts `requests` export requests (attempts).
    pub(crate) fn record_requests(&self, requests: u64) {
        self.requests.fetch_add(requests, Ordering::Relaxed);
    }

    pub(crate) fn record_exported(&self, items: u64) {
        self.exported.fetch_add(items, Ordering::Relaxed);
    }

    /// Counts a drop and reports whether this reason is new for this signal, so the caller
    /// logs one line per cause rather than one per failed batch.
    pub(crate) fn record_dropped(
        &self,
        reason: DropReason,
        items: u64,
        failed_request: bool,
    ) -> bool {
        if failed_request {
            self.failed_requests.fetch_add(1, Ordering::Relaxed);
        }
        let mut map = self.dropped.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = map.entry(reason).or_insert(0);
        let first = *entry == 0;
        *entry += items;
        first
    }
}

/// What every exporter of one `init()` sent and dropped, per signal.
///
/// Cloning is cheap (shared counters).
///
/// ```
/// use agentcore_observability_exporter::ExportStats;
///
/// let stats = ExportStats::default();
/// assert_eq!(stats.traces().exported(), 0);
/// assert_eq!(stats.logs().dropped(), 0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ExportStats {
    inner: Arc<[SignalStats; 3]>,
}

impl ExportStats {
    /// Span counters.
    pub fn traces(&self) -> &SignalStats {
        &self.inner[0]
    }

    /// Log record counters.
    pub fn logs(&self) -> &SignalStats {
        &self.inner[1]
    }

    /// Metric data point counters.
    pub fn metrics(&self) -> &SignalStats {
        &self.inner[2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_drop_of_a_reason_is_reported_once() {
        let stats = ExportStats::default();
        assert!(stats
            .traces()
            .record_dropped(DropReason::HttpStatus(503), 10, true));
        assert!(!stats
            .traces()
            .record_dropped(DropReason::HttpStatus(503), 5, true));
        assert!(stats.traces().record_dropped(DropReason::Timeout, 1, true));
        assert_eq!(stats.traces().dropped(), 16);
        assert_eq!(stats.traces().failed_requests(), 3);
        assert_eq!(
            stats.traces().dropped_by_reason(),
            vec![(DropReason::HttpStatus(503), 15), (DropReason::Timeout, 1)]
        );
        assert_eq!(stats.logs().dropped(), 0);
    }

    #[test]
    fn grpc_status_reasons_name_the_code() {
        assert_eq!(
            DropReason::GrpcStatus(14).to_string(),
            "gRPC status 14 (UNAVAILABLE)"
        );
        assert_eq!(
            DropReason::GrpcStatus(8).to_string(),
            "gRPC status 8 (RESOURCE_EXHAUSTED)"
        );
        assert_eq!(DropReason::GrpcStatus(99).to_string(), "gRPC status 99");
        assert_eq!(DropReason::GrpcStatus(-1).to_string(), "gRPC status -1");
    }
}
