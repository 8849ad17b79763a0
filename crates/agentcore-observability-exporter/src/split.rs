//! Splits one OTLP export request into requests the CloudWatch OTLP endpoints accept.
//!
//! Limits of the CloudWatch OTLP endpoints (Amazon CloudWatch "OTLP endpoints" quotas):
//!
//! | endpoint | limit |
//! |---|---|
//! | traces (`https://xray.<region>.amazonaws.com/v1/traces`) | ≤ 5 MB ([`TRACE_REQUEST_BYTES`] = 5,242,880 bytes) uncompressed per request |
//! | | ≤ 10,000 spans per request ([`MAX_ITEMS`]) |
//! | | one span ≤ 200 KB ([`SPAN_BYTES`] = 204,800 bytes) |
//! | | resource and scope ≤ 16 KB each |
//! | logs (`https://logs.<region>.amazonaws.com/v1/logs`) | ≤ 1,048,576 bytes ([`LOG_REQUEST_BYTES`]) uncompressed per request, counted as event message bytes + 26 bytes per record ([`LOG_RECORD_OVERHEAD`]) |
//! | | ≤ 10,000 log records per request ([`MAX_ITEMS`]) |
//! | | timestamps no more than 2 h ahead ([`LOG_MAX_AHEAD`]) or 14 days back ([`LOG_MAX_BEHIND`]) |
//!
//! Sizes are the real protobuf encoded sizes (`prost::Message::encoded_len`), never an estimate:
//! every request this module returns has `encoded_len() ≤` its endpoint's request limit, counting
//! the resource and scope wrappers that are repeated in each request. For logs the CloudWatch
//! accounting (message bytes + 26 per record) is applied too, taking a record's whole encoded
//! length as its message size (at least the body's size, so it errs on the safe side); a logs
//! request must satisfy both budgets.
//!
//! Items stay under their original `ResourceSpans`/`ScopeSpans` (`ResourceLogs`/`ScopeLogs`), in
//! their original order; one request may carry several resources and scopes, and a resource or
//! scope that is split over several requests is repeated in each. Resources and scopes without
//! any item left are not sent.
//!
//! What cannot be sent is dropped and counted, never truncated (truncating would silently change
//! telemetry; the caller counts the drops in its export statistics instead):
//! - an item that is too large on its own: a span whose encoded length exceeds 200 KB, or any
//!   item that would not fit within the request limits even alone in a request with its
//!   resource and scope (for a log record: encoded length + 26 over 1,048,576, or the one-record
//!   request over 1,048,576 bytes) → [`Split::dropped_too_large`];
//! - a log record whose timestamp (`time_unix_nano`, or `observed_time_unix_nano` when that is 0)
//!   is more than 2 h after `now` or more than 14 days before it → [`Split::dropped_out_of_range`].
//!   A record with neither timestamp set is kept (the endpoint stamps it on arrival).
//!
//! The 16 KB resource/scope limit is not enforced here: an oversized resource or scope is a
//! configuration problem that splitting cannot fix, so it is passed through and the endpoint's
//! answer is counted as usual.

// Wired into the OTLP exporters separately; until then only the tests call it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

/// Largest uncompressed traces request: 5 MB.
pub(crate) const TRACE_REQUEST_BYTES: usize = 5 * 1024 * 1024;
/// Largest encoded span: 200 KB.
pub(crate) const SPAN_BYTES: usize = 200 * 1024;
/// Largest uncompressed logs request, and largest sum of (message bytes + 26) over its records.
pub(crate) const LOG_REQUEST_BYTES: usize = 1_048_576;
/// CloudWatch Logs counts this many bytes per record on top of its message.
pub(crate) const LOG_RECORD_OVERHEAD: usize = 26;
/// Most spans / log records in one request.
pub(crate) const MAX_ITEMS: usize = 10_000;
/// Log timestamps may be at most this far after `now`.
pub(crate) const LOG_MAX_AHEAD: Duration = Duration::from_secs(2 * 60 * 60);
/// Log timestamps may be at most this far before `now`.
pub(crate) const LOG_MAX_BEHIND: Duration = Duration::from_secs(14 * 24 * 60 * 60);

/// The requests to send in place of one, and what had to be left out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Split<R> {
    /// Each request to send and the number of items (spans / log records) in it, in order.
    pub(crate) requests: Vec<(R, u64)>,
    /// Items dropped because they cannot fit in any request on their own.
    pub(crate) dropped_too_large: u64,
    /// Log records dropped because their timestamp is outside the accepted window.
    pub(crate) dropped_out_of_range: u64,
}

/// Splits a traces request into requests of ≤ 5 MB encoded and ≤ 10,000 spans, dropping spans
/// over 200 KB. A request that already fits is returned unchanged.
pub(crate) fn split_traces(request: ExportTraceServiceRequest) -> Split<ExportTraceServiceRequest> {
    split::<Traces>(
        request,
        &Limits {
            request_bytes: TRACE_REQUEST_BYTES,
            items: MAX_ITEMS,
            item_bytes: SPAN_BYTES,
            item_overhead: 0,
            accounted_bytes: usize::MAX,
        },
        |_| true,
    )
}

/// Splits a logs request into requests of ≤ 1,048,576 bytes encoded, ≤ 1,048,576 bytes of
/// CloudWatch accounting (record bytes + 26 each) and ≤ 10,000 records, dropping records that
/// cannot fit alone and records timestamped more than 2 h after or 14 days before `now`. A
/// request that already fits is returned unchanged.
pub(crate) fn split_logs(
    request: ExportLogsServiceRequest,
    now: SystemTime,
) -> Split<ExportLogsServiceRequest> {
    let now = nanos_since_epoch(now);
    let earliest = now.saturating_sub(LOG_MAX_BEHIND.as_nanos());
    let latest = now.saturating_add(LOG_MAX_AHEAD.as_nanos());
    split::<Logs>(
        request,
        &Limits {
            request_bytes: LOG_REQUEST_BYTES,
            items: MAX_ITEMS,
            item_bytes: usize::MAX,
            item_overhead: LOG_RECORD_OVERHEAD,
            accounted_bytes: LOG_REQUEST_BYTES,
        },
        |record: &LogRecord| {
            let at = match record.time_unix_nano {
                0 => record.observed_time_unix_nano,
                t => t,
            };
            at == 0 || (earliest..=latest).contains(&u128::from(at))
        },
    )
}

fn nanos_since_epoch(time: SystemTime) -> u128 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// The limits of one endpoint.
struct Limits {
    /// Largest `encoded_len()` of a request.
    request_bytes: usize,
    /// Most items in a request.
    items: usize,
    /// Largest `encoded_len()` of one item.
    item_bytes: usize,
    /// Bytes the endpoint counts per item on top of the item's own size …
    item_overhead: usize,
    /// … and the most it accepts of that count in one request.
    accounted_bytes: usize,
}

/// How one OTLP request type nests its items: request → resources → scopes → items.
trait Shape {
    type Request: Message;
    type Resource: Message + Clone;
    type Scope: Message + Clone;
    type Item: Message + Default;

    fn resources(request: &mut Self::Request) -> &mut Vec<Self::Resource>;
    fn request(resources: Vec<Self::Resource>) -> Self::Request;
    fn scopes(resource: &mut Self::Resource) -> &mut Vec<Self::Scope>;
    fn items(scope: &mut Self::Scope) -> &mut Vec<Self::Item>;
}

struct Traces;

impl Shape for Traces {
    type Request = ExportTraceServiceRequest;
    type Resource = ResourceSpans;
    type Scope = ScopeSpans;
    type Item = Span;

    fn resources(request: &mut Self::Request) -> &mut Vec<ResourceSpans> {
        &mut request.resource_spans
    }
    fn request(resource_spans: Vec<ResourceSpans>) -> Self::Request {
        ExportTraceServiceRequest { resource_spans }
    }
    fn scopes(resource: &mut ResourceSpans) -> &mut Vec<ScopeSpans> {
        &mut resource.scope_spans
    }
    fn items(scope: &mut ScopeSpans) -> &mut Vec<Span> {
        &mut scope.spans
    }
}

struct Logs;

impl Shape for Logs {
    type Request = ExportLogsServiceRequest;
    type Resource = ResourceLogs;
    type Scope = ScopeLogs;
    type Item = LogRecord;

    fn resources(request: &mut Self::Request) -> &mut Vec<ResourceLogs> {
        &mut request.resource_logs
    }
    fn request(resource_logs: Vec<ResourceLogs>) -> Self::Request {
        ExportLogsServiceRequest { resource_logs }
    }
    fn scopes(resource: &mut ResourceLogs) -> &mut Vec<ScopeLogs> {
        &mut resource.scope_logs
    }
    fn items(scope: &mut ScopeLogs) -> &mut Vec<LogRecord> {
        &mut scope.log_records
    }
}

/// Length of `value` as a protobuf varint.
fn varint_len(value: usize) -> usize {
    let bits = usize::BITS - (value | 1).leading_zeros();
    bits.div_ceil(7) as usize
}

/// Encoded length of an embedded message of `len` bytes in a repeated field: key + length + body.
/// Every repeated field on the way down (request → resource → scope → item) has a field number
/// below 16, so its key is one byte.
fn field_len(len: usize) -> usize {
    1usize.saturating_add(varint_len(len)).saturating_add(len)
}

/// Encoded length of a message without its children (`children` is emptied while measuring).
fn shell_len<M: Message, C>(message: &mut M, children: impl Fn(&mut M) -> &mut Vec<C>) -> usize {
    let taken = std::mem::take(children(message));
    let len = message.encoded_len();
    *children(message) = taken;
    len
}

/// An item in input order, with the scope it belongs to and its encoded length.
struct Entry<I> {
    scope: usize,
    len: usize,
    item: I,
}

/// A resource or scope without its children, its encoded length, and (for scopes) its resource.
struct Shell<M> {
    message: M,
    len: usize,
    parent: usize,
}

fn split<S: Shape>(
    mut request: S::Request,
    limits: &Limits,
    in_range: impl Fn(&S::Item) -> bool,
) -> Split<S::Request> {
    let mut out = Split {
        requests: Vec::new(),
        dropped_too_large: 0,
        dropped_out_of_range: 0,
    };

    let measured = measure::<S>(&mut request, limits, &in_range);
    if measured.count == 0 {
        return out;
    }
    if measured.fits(limits) {
        out.requests.push((request, measured.count as u64));
        return out;
    }

    // Take the request apart: resource and scope shells, and the items worth sending.
    let mut resources = Vec::new();
    let mut scopes = Vec::new();
    let mut entries = Vec::with_capacity(measured.count);
    for mut resource in std::mem::take(S::resources(&mut request)) {
        let resource_scopes = std::mem::take(S::scopes(&mut resource));
        let resource_index = resources.len();
        let resource_len = resource.encoded_len();
        resources.push(Shell {
            message: resource,
            len: resource_len,
            parent: 0,
        });
        for mut scope in resource_scopes {
            let items = std::mem::take(S::items(&mut scope));
            let scope_index = scopes.len();
            let scope_len = scope.encoded_len();
            scopes.push(Shell {
                message: scope,
                len: scope_len,
                parent: resource_index,
            });
            for item in items {
                let len = item.encoded_len();
                if !in_range(&item) {
                    out.dropped_out_of_range += 1;
                } else if too_large(limits, len, resource_len, scope_len) {
                    out.dropped_too_large += 1;
                } else {
                    entries.push(Entry {
                        scope: scope_index,
                        len,
                        item,
                    });
                }
            }
        }
    }

    let mut start = 0;
    while start < entries.len() {
        let mut end = greedy_end(limits, &resources, &scopes, &entries, start);
        // The arithmetic above is exact; checking the built request keeps the guarantee even if
        // it ever were not: the last item moves on to the next request until the request fits.
        loop {
            let built = build::<S>(&resources, &scopes, &mut entries[start..end]);
            if built.encoded_len() <= limits.request_bytes {
                out.requests.push((built, (end - start) as u64));
                break;
            }
            unbuild::<S>(built, &mut entries[start..end]);
            if end - start == 1 {
                out.dropped_too_large += 1;
                break;
            }
            end -= 1;
        }
        start = end;
    }
    out
}

/// What one measuring pass over a request found.
struct Measured {
    /// The request's exact encoded length.
    total: usize,
    /// Items in it.
    count: usize,
    /// Sum over its items of encoded length + the per-item overhead.
    accounted: usize,
    /// Whether any item has to be dropped.
    any_dropped: bool,
}

impl Measured {
    /// Whether the request can be sent as it is.
    fn fits(&self, limits: &Limits) -> bool {
        !self.any_dropped
            && self.total <= limits.request_bytes
            && self.count <= limits.items
            && self.accounted <= limits.accounted_bytes
    }
}

/// Measures `request` in one pass, the same work as one `encoded_len()` of it (its children are
/// moved out and back while a resource or scope is measured on its own).
fn measure<S: Shape>(
    request: &mut S::Request,
    limits: &Limits,
    in_range: impl Fn(&S::Item) -> bool,
) -> Measured {
    let mut measured = Measured {
        total: 0,
        count: 0,
        accounted: 0,
        any_dropped: false,
    };
    for resource in S::resources(request).iter_mut() {
        let resource_shell = shell_len(resource, S::scopes);
        let mut resource_len = resource_shell;
        for scope in S::scopes(resource).iter_mut() {
            let scope_shell = shell_len(scope, S::items);
            let mut scope_len = scope_shell;
            for item in S::items(scope).iter() {
                let len = item.encoded_len();
                measured.count += 1;
                measured.accounted = measured
                    .accounted
                    .saturating_add(len.saturating_add(limits.item_overhead));
                scope_len = scope_len.saturating_add(field_len(len));
                measured.any_dropped = measured.any_dropped
                    || !in_range(item)
                    || too_large(limits, len, resource_shell, scope_shell);
            }
            resource_len = resource_len.saturating_add(field_len(scope_len));
        }
        measured.total = measured.total.saturating_add(field_len(resource_len));
    }
    measured
}

/// Whether an item of encoded length `len` cannot be sent even alone in a request with its
/// resource and scope.
fn too_large(limits: &Limits, len: usize, resource_shell: usize, scope_shell: usize) -> bool {
    let alone = field_len(
        resource_shell.saturating_add(field_len(scope_shell.saturating_add(field_len(len)))),
    );
    len > limits.item_bytes
        || alone > limits.request_bytes
        || len.saturating_add(limits.item_overhead) > limits.accounted_bytes
}

/// The end of the longest run of entries from `start` that fits in one request (at least one).
///
/// Tracks the request's exact encoded length while appending: the closed resources, the open
/// resource's shell and closed scopes, and the open scope's shell and items.
fn greedy_end<R, C, I>(
    limits: &Limits,
    resources: &[Shell<R>],
    scopes: &[Shell<C>],
    entries: &[Entry<I>],
    start: usize,
) -> usize {
    let mut closed = 0usize; // resources before the open one
    let mut resource_body = 0usize; // open resource: shell + closed scopes
    let mut scope_body = 0usize; // open scope: shell + items
    let mut open_scope = usize::MAX;
    let mut accounted = 0usize;
    let mut end = start;
    for entry in &entries[start..] {
        let (mut c, mut r, mut s) = (closed, resource_body, scope_body);
        let scope = &scopes[entry.scope];
        if end == start {
            r = resources[scope.parent].len;
            s = scope.len;
        } else if entry.scope != open_scope {
            let open_resource = scopes[open_scope].parent;
            if scope.parent == open_resource {
                r = r.saturating_add(field_len(s));
            } else {
                c = c.saturating_add(field_len(r.saturating_add(field_len(s))));
                r = resources[scope.parent].len;
            }
            s = scope.len;
        }
        s = s.saturating_add(field_len(entry.len));
        let size = c.saturating_add(field_len(r.saturating_add(field_len(s))));
        let acc = accounted.saturating_add(entry.len.saturating_add(limits.item_overhead));
        let items = end - start + 1;
        if end > start
            && (size > limits.request_bytes || items > limits.items || acc > limits.accounted_bytes)
        {
            break;
        }
        (closed, resource_body, scope_body, open_scope, accounted) = (c, r, s, entry.scope, acc);
        end += 1;
    }
    end
}

/// Builds a request from `entries` (moving their items out), repeating resource and scope shells.
fn build<S: Shape>(
    resources: &[Shell<S::Resource>],
    scopes: &[Shell<S::Scope>],
    entries: &mut [Entry<S::Item>],
) -> S::Request {
    let mut out: Vec<S::Resource> = Vec::new();
    let mut open_scope = usize::MAX;
    let mut open_resource = usize::MAX;
    for entry in entries {
        if entry.scope != open_scope {
            let scope = &scopes[entry.scope];
            if scope.parent != open_resource || out.is_empty() {
                out.push(resources[scope.parent].message.clone());
                open_resource = scope.parent;
            }
            if let Some(resource) = out.last_mut() {
                S::scopes(resource).push(scope.message.clone());
            }
            open_scope = entry.scope;
        }
        let item = std::mem::take(&mut entry.item);
        if let Some(scope) = out.last_mut().and_then(|r| S::scopes(r).last_mut()) {
            S::items(scope).push(item);
        }
    }
    S::request(out)
}

/// Puts the items of a request made by [`build`] back into the `entries` it was built from.
fn unbuild<S: Shape>(mut request: S::Request, entries: &mut [Entry<S::Item>]) {
    let mut slots = entries.iter_mut();
    for resource in S::resources(&mut request).iter_mut() {
        for scope in S::scopes(resource).iter_mut() {
            for item in S::items(scope).drain(..) {
                if let Some(entry) = slots.next() {
                    entry.item = item;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{
        any_value, AnyValue, InstrumentationScope, KeyValue,
    };
    use opentelemetry_proto::tonic::resource::v1::Resource;

    const SEC: u64 = 1_000_000_000;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_767_225_600) // 2026-01-01T00:00:00Z
    }

    fn now_nanos() -> u64 {
        1_767_225_600 * SEC
    }

    fn resource(name: &str) -> Option<Resource> {
        Some(Resource {
            attributes: vec![KeyValue {
                key: "service.name".into(),
                value: Some(AnyValue {
                    value: Some(any_value::Value::StringValue(name.into())),
                }),
                ..Default::default()
            }],
            ..Default::default()
        })
    }

    fn scope(name: &str) -> Option<InstrumentationScope> {
        Some(InstrumentationScope {
            name: name.into(),
            version: "1.0".into(),
            ..Default::default()
        })
    }

    fn record(i: usize, body_bytes: usize) -> LogRecord {
        let mut body = format!("record {i:06} ");
        body.extend(std::iter::repeat_n(
            'x',
            body_bytes.saturating_sub(body.len()),
        ));
        LogRecord {
            time_unix_nano: now_nanos(),
            severity_text: "INFO".into(),
            body: Some(AnyValue {
                value: Some(any_value::Value::StringValue(body)),
            }),
            ..Default::default()
        }
    }

    fn span(i: usize, name_bytes: usize) -> Span {
        let mut name = format!("span {i:06} ");
        name.extend(std::iter::repeat_n(
            's',
            name_bytes.saturating_sub(name.len()),
        ));
        Span {
            trace_id: vec![1; 16],
            span_id: (i as u64 + 1).to_be_bytes().to_vec(),
            name,
            start_time_unix_nano: now_nanos(),
            end_time_unix_nano: now_nanos() + SEC,
            ..Default::default()
        }
    }

    /// Logs request: `per_scope[r][s]` records for scope `s` of resource `r`, numbered in order.
    fn logs(per_scope: &[&[Vec<LogRecord>]]) -> ExportLogsServiceRequest {
        ExportLogsServiceRequest {
            resource_logs: per_scope
                .iter()
                .enumerate()
                .map(|(r, scopes)| ResourceLogs {
                    resource: resource(&format!("svc-{r}")),
                    scope_logs: scopes
                        .iter()
                        .enumerate()
                        .map(|(s, records)| ScopeLogs {
                            scope: scope(&format!("scope-{r}-{s}")),
                            log_records: records.clone(),
                            schema_url: String::new(),
                        })
                        .collect(),
                    schema_url: "https://opentelemetry.io/schemas/1.30.0".into(),
                })
                .collect(),
        }
    }

    fn traces(per_scope: &[&[Vec<Span>]]) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: per_scope
                .iter()
                .enumerate()
                .map(|(r, scopes)| ResourceSpans {
                    resource: resource(&format!("svc-{r}")),
                    scope_spans: scopes
                        .iter()
                        .enumerate()
                        .map(|(s, spans)| ScopeSpans {
                            scope: scope(&format!("scope-{r}-{s}")),
                            spans: spans.clone(),
                            schema_url: String::new(),
                        })
                        .collect(),
                    schema_url: String::new(),
                })
                .collect(),
        }
    }

    /// Every (resource, scope, record) in order, for comparing inputs and outputs.
    fn flat_logs(
        requests: &[&ExportLogsServiceRequest],
    ) -> Vec<(Option<Resource>, Option<InstrumentationScope>, LogRecord)> {
        let mut out = Vec::new();
        for request in requests {
            for rl in &request.resource_logs {
                for sl in &rl.scope_logs {
                    for lr in &sl.log_records {
                        out.push((rl.resource.clone(), sl.scope.clone(), lr.clone()));
                    }
                }
            }
        }
        out
    }

    fn flat_spans(requests: &[&ExportTraceServiceRequest]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for request in requests {
            for rs in &request.resource_spans {
                for ss in &rs.scope_spans {
                    for span in &ss.spans {
                        let scope = ss.scope.as_ref().map(|s| s.name.clone());
                        out.push((scope.unwrap_or_default(), span.name.clone()));
                    }
                }
            }
        }
        out
    }

    fn count_records(request: &ExportLogsServiceRequest) -> usize {
        flat_logs(&[request]).len()
    }

    fn count_spans(request: &ExportTraceServiceRequest) -> usize {
        flat_spans(&[request]).len()
    }

    fn accounted(request: &ExportLogsServiceRequest) -> usize {
        flat_logs(&[request])
            .iter()
            .map(|(_, _, r)| r.encoded_len() + LOG_RECORD_OVERHEAD)
            .sum()
    }

    #[test]
    fn varint_and_field_lengths_match_prost() {
        for len in [
            0usize,
            1,
            127,
            128,
            16_383,
            16_384,
            2_097_151,
            2_097_152,
            1 << 40,
        ] {
            let mut buf = Vec::new();
            prost::encoding::encode_varint(len as u64, &mut buf);
            assert_eq!(varint_len(len), buf.len(), "varint of {len}");
        }
        // The measuring pass agrees with prost on requests of many shapes.
        let limits = Limits {
            request_bytes: 0,
            items: 0,
            item_bytes: 0,
            item_overhead: 0,
            accounted_bytes: 0,
        };
        for body in [0, 1, 100, 126, 127, 128, 16_000, 16_384, 70_000, 2_100_000] {
            for n in [1, 2, 3] {
                let records: Vec<_> = (0..n).map(|i| record(i, body)).collect();
                let mut request = logs(&[&[records.clone(), Vec::new()], &[], &[records]]);
                let expected = request.clone();
                let measured = measure::<Logs>(&mut request, &limits, |_| true);
                assert_eq!(request, expected, "measuring leaves the request as it was");
                assert_eq!(measured.total, request.encoded_len(), "body {body} × {n}");
                assert_eq!(measured.count, 2 * n);
            }
        }
    }

    #[test]
    fn small_request_is_returned_unchanged() {
        let request = logs(&[&[vec![record(0, 10), record(1, 20)], vec![record(2, 5)]]]);
        let split = split_logs(request.clone(), now());
        assert_eq!(split.dropped_too_large, 0);
        assert_eq!(split.dropped_out_of_range, 0);
        assert_eq!(split.requests, vec![(request, 3)]);

        let request = traces(&[&[vec![span(0, 10), span(1, 10)]], &[vec![span(2, 10)]]]);
        let split = split_traces(request.clone());
        assert_eq!(split.requests, vec![(request, 3)]);
        assert_eq!(split.dropped_too_large, 0);
    }

    #[test]
    fn empty_input_gives_no_requests() {
        let split = split_logs(ExportLogsServiceRequest::default(), now());
        assert!(split.requests.is_empty());
        let split = split_traces(traces(&[&[Vec::new(), Vec::new()], &[]]));
        assert!(split.requests.is_empty());
        assert_eq!(
            (split.dropped_too_large, split.dropped_out_of_range),
            (0, 0)
        );
    }

    #[test]
    fn three_megabytes_of_logs_split_by_encoded_size_without_loss() {
        let first: Vec<_> = (0..1_500).map(|i| record(i, 1_024)).collect();
        let second: Vec<_> = (1_500..3_000).map(|i| record(i, 1_024)).collect();
        let request = logs(&[&[first, second]]);
        assert!(request.encoded_len() > 3_000_000);

        let split = split_logs(request.clone(), now());
        assert_eq!(
            (split.dropped_too_large, split.dropped_out_of_range),
            (0, 0)
        );
        assert!(
            split.requests.len() >= 3,
            "{} requests",
            split.requests.len()
        );
        for (i, (part, items)) in split.requests.iter().enumerate() {
            assert!(part.encoded_len() <= LOG_REQUEST_BYTES);
            assert!(accounted(part) <= LOG_REQUEST_BYTES);
            assert_eq!(count_records(part), *items as usize);
            assert!(*items as usize <= MAX_ITEMS);
            if i + 1 < split.requests.len() {
                // Greedy: every request but the last is full up to one record.
                assert!(accounted(part) + 1_100 + LOG_RECORD_OVERHEAD > LOG_REQUEST_BYTES);
            }
        }
        let parts: Vec<_> = split.requests.iter().map(|(r, _)| r).collect();
        assert_eq!(flat_logs(&parts), flat_logs(&[&request]));
        // The request carrying the scope change holds both scopes under one resource.
        let both = parts
            .iter()
            .find(|r| r.resource_logs[0].scope_logs.len() == 2)
            .expect("a request spans both scopes");
        assert_eq!(both.resource_logs.len(), 1);
        assert_eq!(
            both.resource_logs[0].schema_url,
            request.resource_logs[0].schema_url
        );
    }

    #[test]
    fn tiny_spans_are_capped_at_ten_thousand_per_request() {
        let spans: Vec<_> = (0..25_000).map(|i| span(i, 0)).collect();
        let request = traces(&[&[spans[..12_000].to_vec()], &[spans[12_000..].to_vec()]]);
        assert!(request.encoded_len() < TRACE_REQUEST_BYTES);
        let split = split_traces(request.clone());
        let counts: Vec<_> = split.requests.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, vec![10_000, 10_000, 5_000]);
        for (part, n) in &split.requests {
            assert_eq!(count_spans(part), *n as usize);
        }
        // The second request holds the end of resource 0 and the start of resource 1.
        assert_eq!(split.requests[1].0.resource_spans.len(), 2);
        let parts: Vec<_> = split.requests.iter().map(|(r, _)| r).collect();
        assert_eq!(flat_spans(&parts), flat_spans(&[&request]));
    }

    #[test]
    fn large_traces_split_under_five_megabytes() {
        let spans: Vec<_> = (0..120).map(|i| span(i, 100_000)).collect();
        let request = traces(&[&[spans]]);
        let split = split_traces(request.clone());
        assert_eq!(split.requests.len(), 3);
        for (part, _) in &split.requests {
            assert!(part.encoded_len() <= TRACE_REQUEST_BYTES);
        }
        let parts: Vec<_> = split.requests.iter().map(|(r, _)| r).collect();
        assert_eq!(flat_spans(&parts), flat_spans(&[&request]));
    }

    #[test]
    fn oversized_span_is_dropped_and_its_neighbours_kept() {
        let request = traces(&[&[vec![span(0, 50), span(1, 300 * 1024), span(2, 50)]]]);
        let split = split_traces(request);
        assert_eq!(split.dropped_too_large, 1);
        assert_eq!(split.requests.len(), 1);
        let names: Vec<_> = flat_spans(&[&split.requests[0].0])
            .into_iter()
            .map(|(_, name)| name[..11].to_owned())
            .collect();
        assert_eq!(names, vec!["span 000000", "span 000002"]);
        assert_eq!(split.requests[0].1, 2);

        // Exactly 200 KB is allowed.
        let mut exact = span(3, SPAN_BYTES);
        while exact.encoded_len() > SPAN_BYTES {
            exact.name.pop();
        }
        assert_eq!(exact.encoded_len(), SPAN_BYTES);
        let split = split_traces(traces(&[&[vec![exact]]]));
        assert_eq!((split.requests.len(), split.dropped_too_large), (1, 0));
    }

    #[test]
    fn oversized_log_record_is_dropped() {
        let request = logs(&[&[vec![
            record(0, 10),
            record(1, LOG_REQUEST_BYTES),
            record(2, 10),
        ]]]);
        let split = split_logs(request, now());
        assert_eq!(split.dropped_too_large, 1);
        assert_eq!(split.requests.len(), 1);
        assert_eq!(split.requests[0].1, 2);
    }

    #[test]
    fn out_of_range_timestamps_are_dropped() {
        let at = |i: usize, time: u64, observed: u64| LogRecord {
            time_unix_nano: time,
            observed_time_unix_nano: observed,
            ..record(i, 10)
        };
        let two_hours = 2 * 3600 * SEC;
        let fourteen_days = 14 * 24 * 3600 * SEC;
        let t = now_nanos();
        let request = logs(&[&[vec![
            at(0, t, 0),
            at(1, t + two_hours + 1, 0),             // too far ahead
            at(2, t + two_hours, 0),                 // just allowed
            at(3, t - fourteen_days - 1, 0),         // too old
            at(4, t - fourteen_days, 0),             // just allowed
            at(5, 0, t - fourteen_days - SEC),       // observed time used: too old
            at(6, 0, t + SEC),                       // observed time used: fine
            at(7, 0, 0),                             // no timestamp: kept
            at(8, t + SEC, t - fourteen_days - SEC), // time wins over observed
        ]]]);
        let split = split_logs(request, now());
        assert_eq!(split.dropped_out_of_range, 3);
        assert_eq!(split.dropped_too_large, 0);
        assert_eq!(split.requests.len(), 1);
        let kept: Vec<_> = flat_logs(&[&split.requests[0].0])
            .into_iter()
            .map(|(_, _, r)| match r.body.and_then(|b| b.value) {
                Some(any_value::Value::StringValue(s)) => s[7..13].parse::<usize>().unwrap(),
                _ => usize::MAX,
            })
            .collect();
        assert_eq!(kept, vec![0, 2, 4, 6, 7, 8]);
        assert_eq!(split.requests[0].1, 6);

        // Everything out of range: nothing to send.
        let split = split_logs(logs(&[&[vec![at(0, 1, 0)]]]), now());
        assert!(split.requests.is_empty());
        assert_eq!(split.dropped_out_of_range, 1);
    }

    /// Grows the last span's name until the request's encoded length is exactly `target`.
    fn grow_traces_to(request: &mut ExportTraceServiceRequest, target: usize) {
        loop {
            let len = request.encoded_len();
            if len >= target {
                assert_eq!(len, target, "cannot hit the target exactly");
                return;
            }
            let name = &mut request.resource_spans[0].scope_spans[0]
                .spans
                .last_mut()
                .unwrap()
                .name;
            // Varint lengths may grow by a byte when the body grows; step carefully near the end.
            let step = (target - len).saturating_sub(8).max(1);
            name.extend(std::iter::repeat_n('p', step));
        }
    }

    #[test]
    fn traces_request_exactly_at_the_limit_stays_whole() {
        let spans: Vec<_> = (0..30).map(|i| span(i, 174_000)).collect();
        let mut request = traces(&[&[spans]]);
        grow_traces_to(&mut request, TRACE_REQUEST_BYTES);
        let split = split_traces(request.clone());
        assert_eq!(split.requests, vec![(request.clone(), 30)]);

        // One byte more and the last span moves to a second request.
        request.resource_spans[0].scope_spans[0].spans[29]
            .name
            .push('p');
        assert_eq!(request.encoded_len(), TRACE_REQUEST_BYTES + 1);
        let split = split_traces(request);
        let counts: Vec<_> = split.requests.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, vec![29, 1]);
        assert!(split
            .requests
            .iter()
            .all(|(r, _)| r.encoded_len() <= TRACE_REQUEST_BYTES));
    }

    #[test]
    fn logs_exactly_at_the_accounting_limit_stay_whole() {
        // Eight records whose (encoded length + 26) add up to exactly 1,048,576.
        let mut records: Vec<_> = (0..8).map(|i| record(i, 120_000)).collect();
        let sum = |records: &[LogRecord]| -> usize {
            records
                .iter()
                .map(|r| r.encoded_len() + LOG_RECORD_OVERHEAD)
                .sum()
        };
        while sum(&records) < LOG_REQUEST_BYTES {
            let missing = LOG_REQUEST_BYTES - sum(&records);
            let Some(any_value::Value::StringValue(body)) =
                records[7].body.as_mut().and_then(|b| b.value.as_mut())
            else {
                unreachable!()
            };
            body.extend(std::iter::repeat_n('y', missing.saturating_sub(4).max(1)));
        }
        assert_eq!(sum(&records), LOG_REQUEST_BYTES);
        let request = logs(&[&[records.clone()]]);
        assert!(request.encoded_len() <= LOG_REQUEST_BYTES);
        let split = split_logs(request.clone(), now());
        assert_eq!(split.requests, vec![(request, 8)]);

        // One byte more: the last record moves on.
        let Some(any_value::Value::StringValue(body)) =
            records[7].body.as_mut().and_then(|b| b.value.as_mut())
        else {
            unreachable!()
        };
        body.push('y');
        let split = split_logs(logs(&[&[records]]), now());
        let counts: Vec<_> = split.requests.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, vec![7, 1]);
    }

    fn body_mut(record: &mut LogRecord) -> &mut String {
        match record.body.as_mut().and_then(|b| b.value.as_mut()) {
            Some(any_value::Value::StringValue(body)) => body,
            _ => unreachable!("test records have string bodies"),
        }
    }

    #[test]
    fn logs_request_exactly_at_the_byte_limit_stays_whole() {
        // A large resource makes the encoded length, not the per-record accounting, the bound;
        // splitting repeats that resource in every request.
        let mut request = logs(&[&[vec![record(0, 100_000), record(1, 100_000)]]]);
        if let Some(resource) = request.resource_logs[0].resource.as_mut() {
            resource.attributes.push(KeyValue {
                key: "big".into(),
                value: Some(AnyValue {
                    value: Some(any_value::Value::StringValue("r".repeat(600_000))),
                }),
                ..Default::default()
            });
        }
        fn last(r: &mut ExportLogsServiceRequest) -> &mut String {
            body_mut(&mut r.resource_logs[0].scope_logs[0].log_records[1])
        }
        while request.encoded_len() < LOG_REQUEST_BYTES {
            let missing = LOG_REQUEST_BYTES - request.encoded_len();
            last(&mut request).extend(std::iter::repeat_n('y', missing.saturating_sub(8).max(1)));
        }
        assert_eq!(request.encoded_len(), LOG_REQUEST_BYTES);
        assert!(accounted(&request) < LOG_REQUEST_BYTES);
        let split = split_logs(request.clone(), now());
        assert_eq!(split.requests, vec![(request.clone(), 2)]);

        last(&mut request).push('y');
        let split = split_logs(request.clone(), now());
        let counts: Vec<_> = split.requests.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, vec![1, 1]);
        for (part, _) in &split.requests {
            assert!(part.encoded_len() <= LOG_REQUEST_BYTES);
            assert_eq!(
                part.resource_logs[0].resource,
                request.resource_logs[0].resource
            );
        }
        let parts: Vec<_> = split.requests.iter().map(|(r, _)| r).collect();
        assert_eq!(flat_logs(&parts), flat_logs(&[&request]));
    }

    #[test]
    fn log_records_are_capped_at_ten_thousand_per_request() {
        let records: Vec<_> = (0..10_001).map(|i| record(i, 0)).collect();
        let request = logs(&[&[records]]);
        assert!(request.encoded_len() + 26 * 10_001 < LOG_REQUEST_BYTES);
        let split = split_logs(request, now());
        let counts: Vec<_> = split.requests.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, vec![10_000, 1]);
    }

    #[test]
    fn many_resources_and_scopes_keep_their_grouping() {
        let mut next = 0;
        let mut make = |n: usize| -> Vec<LogRecord> {
            let out = (next..next + n).map(|i| record(i, 30_000)).collect();
            next += n;
            out
        };
        let request = logs(&[
            &[make(10), make(0), make(25)],
            &[make(1)],
            &[make(40), make(3)],
        ]);
        let split = split_logs(request.clone(), now());
        assert!(split.requests.len() >= 3);
        for (part, n) in &split.requests {
            assert!(part.encoded_len() <= LOG_REQUEST_BYTES);
            assert!(accounted(part) <= LOG_REQUEST_BYTES);
            assert_eq!(count_records(part), *n as usize);
            for rl in &part.resource_logs {
                assert!(!rl.scope_logs.is_empty());
                assert!(rl.scope_logs.iter().all(|s| !s.log_records.is_empty()));
            }
        }
        let parts: Vec<_> = split.requests.iter().map(|(r, _)| r).collect();
        assert_eq!(flat_logs(&parts), flat_logs(&[&request]));
    }

    #[test]
    fn huge_resource_drops_items_instead_of_sending_oversized_requests() {
        let mut request = logs(&[&[vec![record(0, 10)]]]);
        if let Some(resource) = request.resource_logs[0].resource.as_mut() {
            resource.attributes.push(KeyValue {
                key: "huge".into(),
                value: Some(AnyValue {
                    value: Some(any_value::Value::StringValue("z".repeat(LOG_REQUEST_BYTES))),
                }),
                ..Default::default()
            });
        }
        let split = split_logs(request, now());
        assert!(split.requests.is_empty());
        assert_eq!(split.dropped_too_large, 1);
    }

    #[test]
    fn unbuild_restores_entries() {
        let request = traces(&[&[vec![span(0, 1), span(1, 1)], vec![span(2, 1)]]]);
        let mut r = request.clone();
        let mut resources = Vec::new();
        let mut scopes = Vec::new();
        let mut entries = Vec::new();
        for mut rs in std::mem::take(&mut r.resource_spans) {
            let ss_all = std::mem::take(&mut rs.scope_spans);
            resources.push(Shell {
                len: rs.encoded_len(),
                message: rs,
                parent: 0,
            });
            for mut ss in ss_all {
                let spans = std::mem::take(&mut ss.spans);
                let index = scopes.len();
                scopes.push(Shell {
                    len: ss.encoded_len(),
                    message: ss,
                    parent: 0,
                });
                for item in spans {
                    entries.push(Entry {
                        scope: index,
                        len: item.encoded_len(),
                        item,
                    });
                }
            }
        }
        let built = build::<Traces>(&resources, &scopes, &mut entries);
        assert_eq!(built, request);
        assert!(entries.iter().all(|e| e.item == Span::default()));
        unbuild::<Traces>(built, &mut entries);
        let rebuilt = build::<Traces>(&resources, &scopes, &mut entries);
        assert_eq!(rebuilt, request);
    }
}
