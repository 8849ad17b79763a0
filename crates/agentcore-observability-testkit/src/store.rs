//! The shared record of everything received, plus the queue of planned responses.
//! Plain `std::sync` primitives, so callers never need an async runtime.

use std::collections::VecDeque;
use std::sync::MutexGuard;
use std::time::Duration;

use crate::watched::Watched;

use crate::cloudwatch_logs::{self, Call, ReceivedPutLogEvents};
use crate::decode::Payload;
use crate::plan::PlannedResponse;
use crate::received::{
    flatten_logs, flatten_metrics, flatten_spans, ReceivedLog, ReceivedMetric, ReceivedSpan,
};
use crate::request::{ReceivedRequest, Signal};

/// Everything recorded so far.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) requests: Vec<ReceivedRequest>,
    pub(crate) spans: Vec<ReceivedSpan>,
    pub(crate) logs: Vec<ReceivedLog>,
    pub(crate) metrics: Vec<ReceivedMetric>,
    /// Accepted (2xx) CloudWatch Logs `PutLogEvents` calls.
    pub(crate) put_log_events: Vec<ReceivedPutLogEvents>,
    /// The action of every CloudWatch Logs API call, whatever the answer.
    pub(crate) cloudwatch_logs_calls: Vec<String>,
    pub(crate) plan: VecDeque<PlannedResponse>,
}

/// [`State`] behind a mutex, with a condition variable notified on every change.
#[derive(Debug, Default)]
pub(crate) struct Store {
    watched: Watched<State>,
}

impl Store {
    /// Locks the state; a panic elsewhere while holding the lock does not poison it for us.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.watched.lock()
    }

    /// Records one request: takes the next planned response (if any), sets the request's
    /// status to the planned one or `default_status`, keeps the decoded telemetry when that
    /// status is 2xx, and wakes every waiter. Returns the planned response to send.
    pub(crate) fn record(
        &self,
        request: ReceivedRequest,
        payload: Option<Payload>,
        default_status: u16,
    ) -> Option<PlannedResponse> {
        self.record_answered(request, payload, |request, planned| {
            request.status = planned.map_or(default_status, |p| p.status);
        })
    }

    /// Records one gRPC call like [`record`](Self::record): HTTP status 200, and the gRPC status
    /// of the planned response (see [`PlannedResponse::grpc_code`]) or `OK`.
    #[cfg(feature = "grpc")]
    pub(crate) fn record_grpc(
        &self,
        request: ReceivedRequest,
        payload: Payload,
    ) -> Option<PlannedResponse> {
        self.record_answered(request, Some(payload), |request, planned| {
            request.status = 200;
            request.grpc_status = Some(planned.map_or(0, PlannedResponse::grpc_code));
        })
    }

    /// Takes the next planned response, lets `answer` set the request's status from it, keeps
    /// the decoded telemetry when that is a success, and wakes every waiter.
    fn record_answered(
        &self,
        mut request: ReceivedRequest,
        payload: Option<Payload>,
        answer: impl FnOnce(&mut ReceivedRequest, Option<&PlannedResponse>),
    ) -> Option<PlannedResponse> {
        let mut state = self.lock();
        let planned = state.plan.pop_front();
        answer(&mut request, planned.as_ref());
        if request.signal == Signal::CloudWatchLogsApi {
            let action = cloudwatch_logs::action_of(request.header("x-amz-target"));
            state
                .cloudwatch_logs_calls
                .push(action.unwrap_or_default().to_owned());
        }
        if request.is_success() {
            match payload {
                Some(Payload::Traces(r)) => state.spans.extend(flatten_spans(r)),
                Some(Payload::Logs(r)) => state.logs.extend(flatten_logs(r)),
                Some(Payload::Metrics(r)) => state.metrics.extend(flatten_metrics(r)),
                Some(Payload::CloudWatchLogs(Call::PutLogEvents(put))) => {
                    state.put_log_events.push(put);
                }
                Some(Payload::CloudWatchLogs(_)) => {}
                None => {}
            }
        }
        state.requests.push(request);
        drop(state);
        self.watched.notify();
        planned
    }

    /// Waits until `ready` holds or `timeout` passes, then returns `take` of the state.
    pub(crate) fn wait_until<T>(
        &self,
        timeout: Duration,
        ready: impl Fn(&State) -> bool,
        take: impl FnOnce(&State) -> T,
    ) -> T {
        self.watched.wait_until(timeout, ready, take)
    }

    /// Forgets everything recorded (the planned-response queue is kept).
    pub(crate) fn clear(&self) {
        let mut state = self.lock();
        state.requests.clear();
        state.spans.clear();
        state.logs.clear();
        state.metrics.clear();
        state.put_log_events.clear();
        state.cloudwatch_logs_calls.clear();
        drop(state);
        self.watched.notify();
    }
}
