//! [`OtlpReceiver`]: the public face of the in-process OTLP/HTTP receiver.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use crate::cloudwatch_logs::ReceivedPutLogEvents;
use crate::http_server::ServerHandle;
use crate::plan::PlannedResponse;
use crate::received::{ReceivedLog, ReceivedMetric, ReceivedSpan};
use crate::request::ReceivedRequest;
use crate::server;
use crate::store::Store;

/// An OTLP/HTTP receiver listening on a loopback port, recording everything sent to it.
///
/// It runs its own server thread with its own tokio runtime, so it works the same from a
/// plain `#[test]` and from inside any `#[tokio::test]`; all its methods are synchronous and
/// every wait is bounded by a timeout. Dropping it stops the server (waiting a bounded time
/// for the thread to end).
///
/// Requests answered with a 2xx status contribute their telemetry to [`spans`](Self::spans),
/// [`logs`](Self::logs) and [`metrics`](Self::metrics); every request, whatever the answer,
/// shows up in [`requests`](Self::requests).
///
/// ```
/// use std::time::Duration;
/// use agentcore_observability_testkit::OtlpReceiver;
///
/// let receiver = OtlpReceiver::start().unwrap();
/// assert!(receiver.traces_url().ends_with("/v1/traces"));
/// // ... point an exporter at receiver.endpoint() and export something ...
/// let spans = receiver.wait_for_spans(0, Duration::from_millis(10));
/// assert!(spans.is_empty());
/// ```
#[derive(Debug)]
pub struct OtlpReceiver {
    addr: SocketAddr,
    store: Arc<Store>,
    server: ServerHandle,
}

impl OtlpReceiver {
    /// Binds `127.0.0.1` on a free port and starts serving.
    pub fn start() -> std::io::Result<OtlpReceiver> {
        OtlpReceiver::start_on(server::spawn)
    }

    /// Binds `127.0.0.1` on a free port and serves OTLP over gRPC (feature `grpc`): the
    /// `opentelemetry.proto.collector.{trace,logs,metrics}.v1` `Export` services, gzip accepted.
    ///
    /// Every call is recorded as a [`ReceivedRequest`] (the gRPC status answered in
    /// [`grpc_status`](ReceivedRequest::grpc_status), the metadata in `headers`), and the
    /// telemetry of calls answered `OK` shows up in [`spans`](Self::spans), [`logs`](Self::logs)
    /// and [`metrics`](Self::metrics) as from the HTTP receiver; planned responses
    /// ([`respond_with`](Self::respond_with)) answer with their
    /// [`grpc_code`](PlannedResponse::grpc_code). Point an exporter at
    /// [`endpoint`](Self::endpoint) with `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`.
    ///
    /// ```
    /// use agentcore_observability_testkit::{OtlpReceiver, PlannedResponse};
    ///
    /// let receiver = OtlpReceiver::start_grpc().unwrap();
    /// assert!(receiver.endpoint().starts_with("http://127.0.0.1:"));
    /// // UNAVAILABLE for the first call, then OK.
    /// receiver.respond_with([PlannedResponse::grpc(14)]);
    /// ```
    ///
    /// # Errors
    /// If no loopback port can be bound or the server thread cannot start.
    #[cfg(feature = "grpc")]
    pub fn start_grpc() -> std::io::Result<OtlpReceiver> {
        OtlpReceiver::start_on(crate::grpc_server::spawn)
    }

    /// Binds `127.0.0.1` on a free port and starts `spawn`'s server on it, recording into a
    /// new store.
    fn start_on(
        spawn: fn(TcpListener, Arc<Store>) -> std::io::Result<ServerHandle>,
    ) -> std::io::Result<OtlpReceiver> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let store = Arc::new(Store::default());
        let server = spawn(listener, Arc::clone(&store))?;
        Ok(OtlpReceiver {
            addr,
            store,
            server,
        })
    }

    /// The socket address the receiver listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash, no path): what
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` expects (over HTTP or, for `start_grpc`,
    /// gRPC).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `{endpoint}/v1/traces`.
    pub fn traces_url(&self) -> String {
        format!("{}/v1/traces", self.endpoint())
    }

    /// `{endpoint}/v1/logs`.
    pub fn logs_url(&self) -> String {
        format!("{}/v1/logs", self.endpoint())
    }

    /// `{endpoint}/v1/metrics`.
    pub fn metrics_url(&self) -> String {
        format!("{}/v1/metrics", self.endpoint())
    }

    /// Every request received so far, in arrival order, including undecodable ones and
    /// ones answered with an error.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.store.lock().requests.clone()
    }

    /// Every span accepted so far (from requests answered 2xx), in arrival order.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.store.lock().spans.clone()
    }

    /// Every log record accepted so far (from requests answered 2xx), in arrival order.
    pub fn logs(&self) -> Vec<ReceivedLog> {
        self.store.lock().logs.clone()
    }

    /// Every metric accepted so far (from requests answered 2xx), in arrival order. Each
    /// export carries its own copy of a metric, so the same name can appear many times.
    pub fn metrics(&self) -> Vec<ReceivedMetric> {
        self.store.lock().metrics.clone()
    }

    /// Every CloudWatch Logs `PutLogEvents` call accepted so far (answered 2xx), in arrival
    /// order: log group, log stream and events (for the EMF exporter, one EMF JSON document per
    /// event; see [`ReceivedPutLogEvents::json_messages`]).
    pub fn put_log_events(&self) -> Vec<ReceivedPutLogEvents> {
        self.store.lock().put_log_events.clone()
    }

    /// The action of every CloudWatch Logs API call received so far (the part of
    /// `X-Amz-Target` after `Logs_20140328.`, e.g. `"PutLogEvents"`, `"CreateLogGroup"`), in
    /// arrival order and whatever the answer. The receiver answers every well-formed call with
    /// `200 {}`; script errors such as `ResourceNotFoundException` with
    /// [`respond_with`](Self::respond_with).
    pub fn cloudwatch_logs_calls(&self) -> Vec<String> {
        self.store.lock().cloudwatch_logs_calls.clone()
    }

    /// Waits until at least `at_least` `PutLogEvents` calls were accepted or `timeout` passes,
    /// and returns all accepted by then.
    pub fn wait_for_put_log_events(
        &self,
        at_least: usize,
        timeout: Duration,
    ) -> Vec<ReceivedPutLogEvents> {
        self.store.wait_until(
            timeout,
            |s| s.put_log_events.len() >= at_least,
            |s| s.put_log_events.clone(),
        )
    }

    /// Waits until at least `at_least` spans were accepted or `timeout` passes, and returns
    /// all spans accepted by then (check the length: it may be short after a timeout).
    pub fn wait_for_spans(&self, at_least: usize, timeout: Duration) -> Vec<ReceivedSpan> {
        self.wait_for_spans_matching(|spans| spans.len() >= at_least, timeout)
    }

    /// Waits until `pred` holds for the accepted spans or `timeout` passes, and returns all
    /// spans accepted by then.
    pub fn wait_for_spans_matching(
        &self,
        pred: impl Fn(&[ReceivedSpan]) -> bool,
        timeout: Duration,
    ) -> Vec<ReceivedSpan> {
        self.store
            .wait_until(timeout, |s| pred(&s.spans), |s| s.spans.clone())
    }

    /// Waits until at least `at_least` log records were accepted or `timeout` passes, and
    /// returns all log records accepted by then.
    pub fn wait_for_logs(&self, at_least: usize, timeout: Duration) -> Vec<ReceivedLog> {
        self.wait_for_logs_matching(|logs| logs.len() >= at_least, timeout)
    }

    /// Waits until `pred` holds for the accepted log records or `timeout` passes, and
    /// returns all log records accepted by then.
    pub fn wait_for_logs_matching(
        &self,
        pred: impl Fn(&[ReceivedLog]) -> bool,
        timeout: Duration,
    ) -> Vec<ReceivedLog> {
        self.store
            .wait_until(timeout, |s| pred(&s.logs), |s| s.logs.clone())
    }

    /// Waits until `pred` holds for the accepted metrics or `timeout` passes, and returns all
    /// metrics accepted by then.
    pub fn wait_for_metrics(
        &self,
        pred: impl Fn(&[ReceivedMetric]) -> bool,
        timeout: Duration,
    ) -> Vec<ReceivedMetric> {
        self.store
            .wait_until(timeout, |s| pred(&s.metrics), |s| s.metrics.clone())
    }

    /// Waits until at least `at_least` requests (of any kind) arrived or `timeout` passes,
    /// and returns all requests received by then.
    pub fn wait_for_requests(&self, at_least: usize, timeout: Duration) -> Vec<ReceivedRequest> {
        self.store.wait_until(
            timeout,
            |s| s.requests.len() >= at_least,
            |s| s.requests.clone(),
        )
    }

    /// Forgets every request, span, log record, metric and CloudWatch Logs call received so far. Planned responses
    /// still queued are kept (see [`clear_planned_responses`](Self::clear_planned_responses)).
    pub fn clear(&self) {
        self.store.clear();
    }

    /// Queues scripted answers, consumed one per incoming request (any path) in order,
    /// before the receiver goes back to its normal answers. Adds to any already queued.
    pub fn respond_with(&self, plan: impl IntoIterator<Item = PlannedResponse>) {
        self.store.lock().plan.extend(plan);
    }

    /// How many planned responses are still queued.
    pub fn pending_planned_responses(&self) -> usize {
        self.store.lock().plan.len()
    }

    /// Drops every planned response still queued.
    pub fn clear_planned_responses(&self) {
        self.store.lock().plan.clear();
    }

    /// Stops the server now (as dropping the receiver does); what was recorded stays
    /// readable. Further requests are refused.
    pub fn shutdown(&mut self) {
        self.server.stop();
    }
}
