//! SigV4 export end to end: requests signed for `xray` / `logs`, checked by an independent SigV4
//! verifier (the testkit's, not the `aws-sigv4` crate the exporter signs with); retries and
//! `Retry-After` on every signal; CloudWatch Logs request splitting.

mod common;

use std::time::{Duration, Instant, SystemTime};

use agentcore_observability::opentelemetry::logs::{
    LogRecord as _, Logger as _, LoggerProvider as _, Severity,
};
use agentcore_observability::opentelemetry::trace::Tracer as _;
use agentcore_observability::{Config, DropReason, ObservabilityGuard};
use agentcore_observability_testkit::{
    verify_sigv4, OtlpReceiver, PlannedResponse, ReceivedRequest,
};

const WAIT: Duration = Duration::from_secs(15);
const ACCESS_KEY: &str = "AKIDAGENTCORETEST";
const SECRET: &str = "agentcore/secret/key+for/tests";
const LOG_HEADERS: &str =
    "x-aws-log-group=/aws/bedrock-agentcore/runtimes/peer-agent,x-aws-log-stream=runtime-logs";

/// Traces signed for `xray` and logs for `logs`, sent to the loopback receiver standing in for the
/// CloudWatch endpoints (as a VPC endpoint or proxy would be configured), with test credentials.
fn signed_config(receiver: &OtlpReceiver, extra: &[(&str, &str)]) -> Config {
    let mut vars: Vec<(String, String)> = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint().as_str()),
        ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", LOG_HEADERS),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
        ("OTEL_BLRP_SCHEDULE_DELAY", "50"),
        ("OTEL_SERVICE_NAME", "peer-agent"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_SESSION_TOKEN", "session-token-for-tests"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::builder()
        .vars(vars)
        .no_dotenv()
        .traces_sigv4_service("xray")
        .logs_sigv4_service("logs")
        .finish()
        .expect("config")
}

fn verdict_for(request: &ReceivedRequest) -> agentcore_observability_testkit::SigV4Verdict {
    verify_sigv4(request, SECRET, SystemTime::now(), Duration::from_secs(300))
}

fn emit_log(guard: &ObservabilityGuard, body: String) {
    let logger = guard
        .logger_provider()
        .expect("logs on")
        .logger("peer_agent");
    let mut record = logger.create_log_record();
    record.set_body(body.into());
    record.set_severity_number(Severity::Info);
    logger.emit(record);
}

#[test]
fn every_signal_is_signed_over_the_bytes_sent() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let guard = agentcore_observability::init_with(signed_config(&receiver, &[])).expect("init");
    agentcore_observability::tracer("peer_agent").in_span("invoke_agent peer-agent", |_| {});
    emit_log(&guard, "agent invocation started".into());
    guard.shutdown().expect("shutdown");

    let requests = receiver.wait_for_requests(2, WAIT);
    let traces = requests
        .iter()
        .find(|r| r.path == "/v1/traces")
        .expect("traces request");
    let logs = requests
        .iter()
        .find(|r| r.path == "/v1/logs")
        .expect("logs request");

    for (request, service) in [(traces, "xray"), (logs, "logs")] {
        let verdict = verdict_for(request);
        assert!(verdict.valid, "{service}: {:?}", verdict.reason);
        assert_eq!(verdict.service.as_deref(), Some(service));
        assert_eq!(verdict.region.as_deref(), Some("us-east-1"));
        assert_eq!(verdict.access_key_id.as_deref(), Some(ACCESS_KEY));
        for header in ["host", "x-amz-date", "content-type", "x-amz-security-token"] {
            assert!(
                verdict.signed_headers.iter().any(|h| h == header),
                "{service} signs {header}: {:?}",
                verdict.signed_headers
            );
        }
        assert_eq!(
            request.header("x-amz-security-token"),
            Some("session-token-for-tests")
        );
        assert!(request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("agentcore-observability-rust/")));
    }
    // Logs: gzip always, the destination headers present and covered by the signature.
    assert_eq!(logs.content_encoding(), Some("gzip"));
    assert_eq!(
        logs.header("x-aws-log-group"),
        Some("/aws/bedrock-agentcore/runtimes/peer-agent")
    );
    assert_eq!(logs.header("x-aws-log-stream"), Some("runtime-logs"));
    let log_verdict = verdict_for(logs);
    assert!(log_verdict
        .signed_headers
        .iter()
        .any(|h| h == "x-aws-log-group"));
    assert!(log_verdict
        .signed_headers
        .iter()
        .any(|h| h == "content-encoding"));

    // The check is real: a flipped body byte or a shifted date is rejected.
    let mut tampered = traces.clone();
    let mut body = tampered.body.to_vec();
    let middle = body.len() / 2;
    body[middle] ^= 0x01;
    tampered.body = body.into();
    assert!(!verdict_for(&tampered).valid, "tampered body must fail");
    let mut redated = traces.clone();
    let date = redated.header("x-amz-date").expect("date").to_string();
    let shifted = shift_amz_date(&date);
    redated
        .headers
        .insert("x-amz-date", shifted.parse().expect("header"));
    assert!(!verdict_for(&redated).valid, "shifted date must fail");
    let wrong_secret = verify_sigv4(
        traces,
        "not-the-secret",
        SystemTime::now(),
        Duration::from_secs(300),
    );
    assert!(!wrong_secret.valid);

    assert_eq!(receiver.spans().len(), 1);
    assert_eq!(receiver.logs().len(), 1);
}

/// `20261124T050607Z` one second later.
fn shift_amz_date(date: &str) -> String {
    let (head, seconds) = date.split_at(13);
    let seconds: u32 = seconds.trim_end_matches('Z').parse().unwrap_or(0);
    format!("{head}{:02}Z", (seconds + 1) % 60)
}

/// Sends one span through a guard whose traces answer with `plan`, and returns what happened.
fn one_span_against(
    plan: Vec<PlannedResponse>,
    timeout: &str,
) -> (OtlpReceiver, agentcore_observability::ExportStats, Duration) {
    let receiver = OtlpReceiver::start().expect("receiver");
    receiver.respond_with(plan);
    let config = signed_config(
        &receiver,
        &[
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", timeout),
        ],
    );
    let guard = agentcore_observability::init_with(config).expect("init");
    agentcore_observability::tracer("faults").in_span("retried span", |_| {});
    let started = Instant::now();
    let _ = guard.flush();
    let elapsed = started.elapsed();
    let stats = guard.stats().clone();
    drop(guard);
    (receiver, stats, elapsed)
}

fn gaps(requests: &[ReceivedRequest]) -> Vec<Duration> {
    requests
        .windows(2)
        .map(|w| w[1].received_at.duration_since(w[0].received_at))
        .collect()
}

#[test]
fn server_errors_are_retried_with_backoff_and_arrive_once() {
    let _lock = common::exclusive();
    let (receiver, stats, _) = one_span_against(
        vec![PlannedResponse::status(503), PlannedResponse::status(503)],
        "10s",
    );
    let requests = receiver.wait_for_requests(3, WAIT);
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![503, 503, 200]
    );
    // Back-off of 1 s then 2 s, each ±20 %.
    let gaps = gaps(&requests);
    assert!(gaps[0] >= Duration::from_millis(800), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(1600), "{gaps:?}");
    // Every attempt is freshly signed and valid.
    assert!(requests.iter().all(|r| verdict_for(r).valid));
    assert_eq!(receiver.spans().len(), 1, "delivered exactly once");
    assert_eq!(stats.traces().exported(), 1);
    assert_eq!(stats.traces().requests(), 3);
    assert_eq!(stats.traces().dropped(), 0);
}

#[test]
fn throttling_is_retried_after_the_retry_after_seconds() {
    let _lock = common::exclusive();
    let (receiver, stats, _) = one_span_against(
        vec![PlannedResponse::status(429).header("retry-after", "1")],
        "10s",
    );
    let requests = receiver.wait_for_requests(2, WAIT);
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![429, 200]
    );
    let gap = gaps(&requests)[0];
    assert!(
        gap >= Duration::from_millis(950) && gap < Duration::from_secs(3),
        "{gap:?}"
    );
    assert_eq!(stats.traces().exported(), 1);
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let _lock = common::exclusive();
    let when = httpdate_in(Duration::from_secs(2));
    let (receiver, stats, _) = one_span_against(
        vec![PlannedResponse::status(503).header("retry-after", when)],
        "10s",
    );
    let requests = receiver.wait_for_requests(2, WAIT);
    assert_eq!(requests.len(), 2);
    // An HTTP-date has one-second resolution: the wait is between 1 and 2 s.
    let gap = gaps(&requests)[0];
    assert!(gap >= Duration::from_millis(900), "{gap:?}");
    assert_eq!(stats.traces().exported(), 1);
}

fn httpdate_in(delay: Duration) -> String {
    // Formatting by hand keeps the test free of a date crate: IMF-fixdate in GMT.
    let secs = (SystemTime::now() + delay)
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let days = secs / 86_400;
    let (h, m, s) = ((secs % 86_400) / 3600, (secs % 3600) / 60, secs % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let (year, month, day) = civil_from_days(days as i64);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!("{weekday}, {day:02} {month} {year} {h:02}:{m:02}:{s:02} GMT")
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[test]
fn client_errors_are_final_and_counted() {
    let _lock = common::exclusive();
    for status in [400_u16, 413] {
        let (receiver, stats, _) = one_span_against(vec![PlannedResponse::status(status)], "10s");
        let requests = receiver.wait_for_requests(1, WAIT);
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(receiver.requests().len(), 1, "{status} is not retried");
        assert_eq!(requests[0].status, status);
        assert_eq!(
            stats.traces().dropped_by_reason(),
            vec![(DropReason::HttpStatus(status), 1)]
        );
        assert_eq!(stats.traces().exported(), 0);
    }
}

#[test]
fn a_hang_past_the_deadline_is_dropped_as_a_timeout() {
    let _lock = common::exclusive();
    let (receiver, stats, elapsed) = one_span_against(
        vec![PlannedResponse::ok().delay(Duration::from_secs(4))],
        "1s",
    );
    assert!(elapsed < Duration::from_secs(3), "flush waited {elapsed:?}");
    assert_eq!(receiver.requests().len(), 1, "no retry after the deadline");
    assert_eq!(
        stats.traces().dropped_by_reason(),
        vec![(DropReason::Timeout, 1)]
    );
}

#[test]
fn three_megabytes_of_logs_arrive_split_under_the_cloudwatch_limits() {
    let _lock = common::exclusive();
    let receiver = OtlpReceiver::start().expect("receiver");
    let config = signed_config(
        &receiver,
        &[
            ("OTEL_TRACES_EXPORTER", "none"),
            ("OTEL_BLRP_MAX_QUEUE_SIZE", "4096"),
            ("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "4096"),
            ("OTEL_BLRP_SCHEDULE_DELAY", "60000"),
        ],
    );
    let guard = agentcore_observability::init_with(config).expect("init");
    let count = 3_000;
    for i in 0..count {
        emit_log(&guard, format!("{i:05} {}", "x".repeat(1_000)));
    }
    let stats = guard.stats().clone();
    guard.shutdown().expect("shutdown");

    let logs = receiver.wait_for_logs(count, WAIT);
    assert_eq!(logs.len(), count, "nothing lost");
    let requests: Vec<_> = receiver
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/logs")
        .collect();
    assert!(
        requests.len() >= 3,
        "3 MB needs at least 3 requests, got {}",
        requests.len()
    );
    for request in &requests {
        let size = request.decoded_body_len.expect("decoded");
        assert!(size <= 1_048_576, "request of {size} bytes");
        assert!(verdict_for(request).valid);
    }
    // Every record exactly once, in order.
    let mut seen: Vec<usize> = logs
        .iter()
        .map(|l| {
            l.body_str()
                .and_then(|b| b[..5].parse().ok())
                .expect("numbered body")
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), count);
    assert_eq!(stats.logs().exported(), count as u64);
    assert_eq!(stats.logs().dropped(), 0);
}

#[test]
fn a_reset_connection_is_retried_and_the_span_arrives_once() {
    let _lock = common::exclusive();
    let (receiver, stats, _) = one_span_against(vec![PlannedResponse::reset()], "10s");
    let requests = receiver.wait_for_requests(2, WAIT);
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![0, 200]
    );
    assert_eq!(receiver.spans().len(), 1, "delivered exactly once");
    assert_eq!(stats.traces().exported(), 1);
    assert_eq!(stats.traces().requests(), 2);
    assert_eq!(stats.traces().dropped(), 0);
}
