//! The attempt loop: sign, send, and on a retryable answer wait (exponential back-off with jitter,
//! or the receiver's `Retry-After`) and try again, never past the request's deadline. The loop
//! ([`with_retries`]) and the back-off ([`backoff`]) are shared with OTLP/gRPC, which classifies
//! gRPC status codes instead of HTTP answers.
//!
//! The same rules hold for every signal (ADOT retries 429 and honours `Retry-After` on logs only):
//! 408, 429, 5xx, connection failures and missing credentials are retried; other 4xx are final.

use std::time::{Duration, Instant, SystemTime};

use http::header::RETRY_AFTER;
use http::HeaderMap;

use super::{execute, Delivery, IncomingResponse, OutgoingRequest, TransportError};
use crate::sigv4::SignError;

/// The first back-off; each retry doubles it (1 s, 2 s, 4 s, … like ADOT), ±20 % jitter.
const INITIAL_BACKOFF: Duration = Duration::from_secs(1);
/// No single wait is longer than this, whatever `Retry-After` (or gRPC's `RetryInfo`) asks.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Runs the attempts of one request on the I/O thread.
pub(crate) async fn deliver(client: &reqwest::Client, request: OutgoingRequest) -> Delivery {
    let (outcome, attempts) =
        with_retries(request.deadline, || attempt(client, &request), retry_wait).await;
    Delivery { outcome, attempts }
}

/// The attempt loop of every protocol: runs `attempt` until `wait` (given the outcome and the
/// number of attempts so far) says the outcome is final, or until the next wait would end past
/// `deadline`. Returns the last outcome and how many attempts were made.
pub(crate) async fn with_retries<T, F, Fut>(
    deadline: Instant,
    mut attempt: F,
    wait: impl Fn(&T, u32) -> Option<Duration>,
) -> (T, u32)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut attempts = 0;
    loop {
        attempts += 1;
        let outcome = attempt().await;
        let Some(wait) = wait(&outcome, attempts) else {
            return (outcome, attempts);
        };
        // Waiting past the deadline only delays the same failure: give up now.
        if Instant::now() + wait >= deadline {
            return (outcome, attempts);
        }
        tokio::time::sleep(wait).await;
    }
}

/// The wait before attempt `attempts + 1` when the receiver named none: 1 s·2ⁿ⁻¹ (at most 32 s
/// before capping), ±20 % jitter, never over [`MAX_BACKOFF`].
pub(crate) fn backoff(attempts: u32) -> Duration {
    jittered(INITIAL_BACKOFF.saturating_mul(1 << attempts.saturating_sub(1).min(5)))
}

async fn attempt(
    client: &reqwest::Client,
    request: &OutgoingRequest,
) -> Result<IncomingResponse, TransportError> {
    let mut headers = request.headers.clone();
    if let Some(signer) = &request.signer {
        let remaining = request.deadline.saturating_duration_since(Instant::now());
        let signed = tokio::time::timeout(
            remaining,
            signer.sign(&request.url, &mut headers, &request.body),
        )
        .await;
        match signed {
            Err(_) => return Err(TransportError::Timeout),
            Ok(Err(SignError::NoCredentials(error))) => return Err(error.into()),
            Ok(Err(SignError::Invalid(message))) => return Err(TransportError::Signing(message)),
            Ok(Ok(())) => {}
        }
    }
    execute(
        client,
        &request.url,
        headers,
        request.body.clone(),
        request.deadline,
    )
    .await
}

/// How long to wait before the next attempt, or `None` if this outcome is final.
fn retry_wait(
    outcome: &Result<IncomingResponse, TransportError>,
    attempts: u32,
) -> Option<Duration> {
    match outcome {
        Ok(response) if retryable_status(response.status) || throttled(response) => Some(
            retry_after(&response.headers, SystemTime::now())
                .map(|d| d.min(MAX_BACKOFF))
                .unwrap_or_else(|| backoff(attempts)),
        ),
        Ok(_) => None,
        Err(TransportError::Connection(_) | TransportError::NoCredentials(_)) => {
            Some(backoff(attempts))
        }
        Err(_) => None,
    }
}

/// 408 Request Timeout, 429 Too Many Requests and every 5xx.
pub(crate) fn retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

/// AWS JSON APIs (CloudWatch Logs' `PutLogEvents`) report throttling as a 400 whose `__type` is
/// `ThrottlingException`; it is as retryable as a 429.
fn throttled(response: &IncomingResponse) -> bool {
    response.status == 400
        && response.body.len() < 4096
        && String::from_utf8_lossy(&response.body).contains("ThrottlingException")
}

/// `Retry-After` as delay-seconds or as an HTTP-date (RFC 9110 §10.2.3); a date in the past
/// means "now".
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `base` scaled by a random factor in [0.8, 1.2], so many agents do not retry in lockstep.
fn jittered(base: Duration) -> Duration {
    base.mul_f64(rand::random_range(0.8..=1.2)).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(RETRY_AFTER, HeaderValue::from_str(value).expect("value"));
        map
    }

    #[test]
    fn retry_after_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        assert_eq!(
            retry_after(&headers("3"), now),
            Some(Duration::from_secs(3))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(
            retry_after(&headers(&later), now),
            Some(Duration::from_secs(7))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(retry_after(&headers(&earlier), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn which_statuses_are_retried() {
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(retryable_status(status), "{status}");
        }
        for status in [200, 400, 401, 403, 404, 413] {
            assert!(!retryable_status(status), "{status}");
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for attempt in 1..=8 {
            let response = Ok(IncomingResponse {
                status: 503,
                headers: HeaderMap::new(),
                body: bytes::Bytes::new(),
            });
            let wait = retry_wait(&response, attempt).expect("retried");
            let base = INITIAL_BACKOFF.saturating_mul(1 << (attempt - 1).min(5));
            assert!(
                wait >= base.mul_f64(0.8).min(MAX_BACKOFF),
                "{attempt}: {wait:?}"
            );
            assert!(
                wait <= base.mul_f64(1.2).min(MAX_BACKOFF),
                "{attempt}: {wait:?}"
            );
        }
        let final_answer = Ok(IncomingResponse {
            status: 400,
            headers: HeaderMap::new(),
            body: bytes::Bytes::new(),
        });
        assert_eq!(retry_wait(&final_answer, 1), None);
        let throttled = Ok(IncomingResponse {
            status: 400,
            headers: HeaderMap::new(),
            body: bytes::Bytes::from_static(
                br#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            ),
        });
        assert!(retry_wait(&throttled, 1).is_some());
        assert_eq!(retry_wait(&Err(TransportError::Timeout), 1), None);
    }
}
