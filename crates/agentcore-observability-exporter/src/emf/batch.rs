//! Packing EMF events into `PutLogEvents` requests that CloudWatch Logs accepts.
//!
//! The limits (CloudWatch Logs API reference, `PutLogEvents`):
//!
//! - a request holds at most [`MAX_REQUEST_BYTES`], counting each event as its UTF-8 message bytes
//!   plus [`EVENT_OVERHEAD_BYTES`], and at most [`MAX_EVENTS_PER_REQUEST`] events;
//! - one event is at most [`MAX_EVENT_BYTES`] (overhead included). The document builder already
//!   splits groups of metrics to stay under it; a document still larger (a single huge metric, or
//!   huge resource attributes) is dropped and counted rather than truncated (ADOT truncates): a
//!   truncated document is invalid JSON, so CloudWatch would store it without extracting any metric;
//! - the events of a request are in timestamp order and span less than 24 hours;
//! - no event is more than 2 hours in the future or 14 days in the past: such events are dropped
//!   and counted here instead of failing (or being partly rejected by) the whole request.

use super::document::EmfEvent;

/// What CloudWatch Logs adds to each event's message size.
pub(crate) const EVENT_OVERHEAD_BYTES: usize = 26;
/// The largest `PutLogEvents` batch, in counted bytes.
pub(crate) const MAX_REQUEST_BYTES: usize = 1_048_576;
/// The most events in one `PutLogEvents` request.
pub(crate) const MAX_EVENTS_PER_REQUEST: usize = 10_000;
/// The largest single event, in counted bytes (message + overhead).
pub(crate) const MAX_EVENT_BYTES: usize = 262_144;
/// The events of one request must span less than this.
pub(crate) const MAX_SPAN_MS: i64 = 24 * 60 * 60 * 1000;
/// Events older than this (relative to now) are rejected by CloudWatch.
pub(crate) const MAX_AGE_MS: i64 = 14 * 24 * 60 * 60 * 1000;
/// Events further in the future than this are rejected by CloudWatch.
pub(crate) const MAX_FUTURE_MS: i64 = 2 * 60 * 60 * 1000;

/// The events of one `PutLogEvents` request.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Batch {
    /// Sorted by timestamp.
    pub(crate) events: Vec<EmfEvent>,
    /// Data points carried by these events.
    pub(crate) points: u64,
}

/// The requests to send, and the data points left out.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Plan {
    pub(crate) batches: Vec<Batch>,
    /// Data points in events larger than [`MAX_EVENT_BYTES`].
    pub(crate) too_large: u64,
    /// Data points in events outside CloudWatch's time window.
    pub(crate) out_of_range: u64,
}

/// The counted size of one event.
pub(crate) fn event_size(event: &EmfEvent) -> usize {
    event.message.len().saturating_add(EVENT_OVERHEAD_BYTES)
}

/// Drops the events CloudWatch would refuse, sorts the rest by timestamp and packs them into as few
/// requests as the limits allow. `now_ms` is the current time in milliseconds since the epoch.
pub(crate) fn plan(events: Vec<EmfEvent>, now_ms: i64) -> Plan {
    let mut out = Plan::default();
    let oldest = now_ms.saturating_sub(MAX_AGE_MS);
    let newest = now_ms.saturating_add(MAX_FUTURE_MS);
    let mut kept: Vec<EmfEvent> = Vec::with_capacity(events.len());
    for event in events {
        if event_size(&event) > MAX_EVENT_BYTES {
            out.too_large += event.points;
        } else if event.timestamp_ms < oldest || event.timestamp_ms > newest {
            out.out_of_range += event.points;
        } else {
            kept.push(event);
        }
    }
    // Stable: events of equal timestamp keep their order.
    kept.sort_by_key(|event| event.timestamp_ms);

    let mut current = Batch::default();
    let mut bytes = 0usize;
    for event in kept {
        let size = event_size(&event);
        let full = current.events.len() >= MAX_EVENTS_PER_REQUEST
            || bytes.saturating_add(size) > MAX_REQUEST_BYTES
            || current.events.first().is_some_and(|first| {
                event.timestamp_ms.saturating_sub(first.timestamp_ms) >= MAX_SPAN_MS
            });
        if full && !current.events.is_empty() {
            out.batches.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes = bytes.saturating_add(size);
        current.points += event.points;
        current.events.push(event);
    }
    if !current.events.is_empty() {
        out.batches.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn event(ts: i64, len: usize) -> EmfEvent {
        EmfEvent {
            timestamp_ms: ts,
            message: "x".repeat(len),
            points: 1,
        }
    }

    fn total_bytes(batch: &Batch) -> usize {
        batch.events.iter().map(event_size).sum()
    }

    #[test]
    fn small_sets_fit_one_sorted_request() {
        let plan = plan(
            vec![event(NOW, 10), event(NOW - 5, 10), event(NOW - 1, 10)],
            NOW,
        );
        assert_eq!(plan.batches.len(), 1);
        let times: Vec<i64> = plan.batches[0]
            .events
            .iter()
            .map(|e| e.timestamp_ms)
            .collect();
        assert_eq!(times, vec![NOW - 5, NOW - 1, NOW]);
        assert_eq!(plan.batches[0].points, 3);
        assert_eq!((plan.too_large, plan.out_of_range), (0, 0));
    }

    #[test]
    fn requests_stay_under_one_megabyte() {
        // 11 events of 100,000 bytes (+26 each) = 1,100,286 counted bytes: two requests.
        let events = (0..11).map(|i| event(NOW - i, 100_000)).collect();
        let plan = plan(events, NOW);
        assert_eq!(plan.batches.len(), 2);
        assert_eq!(plan.batches[0].events.len(), 10);
        assert_eq!(plan.batches[1].events.len(), 1);
        assert!(plan
            .batches
            .iter()
            .all(|b| total_bytes(b) <= MAX_REQUEST_BYTES));
        // Exactly at the limit still fits one request.
        let exact = MAX_REQUEST_BYTES / 4 - EVENT_OVERHEAD_BYTES;
        let plan = super::plan((0..4).map(|_| event(NOW, exact)).collect(), NOW);
        assert_eq!(plan.batches.len(), 1);
        assert_eq!(total_bytes(&plan.batches[0]), MAX_REQUEST_BYTES);
    }

    #[test]
    fn requests_hold_at_most_10000_events() {
        let events = (0..20_001).map(|_| event(NOW, 1)).collect();
        let plan = plan(events, NOW);
        let sizes: Vec<usize> = plan.batches.iter().map(|b| b.events.len()).collect();
        assert_eq!(sizes, vec![10_000, 10_000, 1]);
    }

    #[test]
    fn oversize_events_are_dropped_not_truncated() {
        let limit = MAX_EVENT_BYTES - EVENT_OVERHEAD_BYTES;
        let plan = plan(vec![event(NOW, limit), event(NOW, limit + 1)], NOW);
        assert_eq!(plan.too_large, 1);
        assert_eq!(plan.batches.len(), 1);
        assert_eq!(plan.batches[0].events[0].message.len(), limit);
    }

    #[test]
    fn events_outside_the_time_window_are_dropped() {
        let events = vec![
            event(NOW - MAX_AGE_MS - 1, 1),
            event(NOW - MAX_AGE_MS, 1),
            event(NOW + MAX_FUTURE_MS, 1),
            event(NOW + MAX_FUTURE_MS + 1, 1),
            event(i64::MIN, 1),
            event(i64::MAX, 1),
        ];
        let plan = plan(events, NOW);
        assert_eq!(plan.out_of_range, 4);
        let kept: usize = plan.batches.iter().map(|b| b.events.len()).sum();
        assert_eq!(kept, 2);
    }

    #[test]
    fn a_request_spans_less_than_24_hours() {
        let day = MAX_SPAN_MS;
        let events = vec![
            event(NOW - 3 * day, 1),
            event(NOW - 3 * day + 1, 1),
            event(NOW - 2 * day, 1),
            event(NOW - day - 1, 1),
            event(NOW, 1),
        ];
        let plan = plan(events, NOW);
        let sizes: Vec<usize> = plan.batches.iter().map(|b| b.events.len()).collect();
        assert_eq!(sizes, vec![2, 2, 1]);
        for batch in &plan.batches {
            let first = batch.events.first().unwrap().timestamp_ms;
            let last = batch.events.last().unwrap().timestamp_ms;
            assert!(last - first < day);
        }
    }

    #[test]
    fn points_are_counted_per_event() {
        let mut big = event(NOW, MAX_EVENT_BYTES);
        big.points = 7;
        let mut old = event(0, 1);
        old.points = 3;
        let mut fine = event(NOW, 1);
        fine.points = 5;
        let plan = plan(vec![big, old, fine], NOW);
        assert_eq!((plan.too_large, plan.out_of_range), (7, 3));
        assert_eq!(plan.batches[0].points, 5);
        assert!(super::plan(Vec::new(), NOW).batches.is_empty());
    }
}
