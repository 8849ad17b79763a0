//! The HTTP side: a hyper HTTP/1.1 server on its own thread and current-thread tokio runtime,
//! and the request handler that records into the [`Store`].

use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use crate::http_server::{ConnectionReset, ServerHandle};
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;

use crate::cloudwatch_logs;
use crate::decode::{self, Payload, MAX_BODY_BYTES};
use crate::plan::PlannedResponse;
use crate::request::{ReceivedRequest, Signal};
use crate::store::Store;

/// Serves `listener` on a new thread, recording into `store`.
pub(crate) fn spawn(listener: StdTcpListener, store: Arc<Store>) -> io::Result<ServerHandle> {
    ServerHandle::spawn(listener, "otlp-receiver", move |peer, request| {
        let store = Arc::clone(&store);
        async move { handle(&store, peer, request).await }
    })
}

/// The answer the receiver gives when no response is planned.
struct DefaultAnswer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl DefaultAnswer {
    fn error(status: u16, message: impl Into<String>) -> Self {
        DefaultAnswer {
            status,
            content_type: "text/plain; charset=utf-8",
            body: message.into().into_bytes(),
        }
    }
}

/// Reads, decodes and records one request, then answers it.
async fn handle(
    store: &Store,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, ConnectionReset> {
    let received_at = Instant::now();
    let (parts, body) = request.into_parts();
    let signal = Signal::from_parts(parts.method.as_str(), parts.uri.path(), &parts.headers);
    let mut received = ReceivedRequest {
        signal,
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        headers: parts.headers,
        body: Bytes::new(),
        decoded_body_len: None,
        decode_error: None,
        received_at,
        remote_addr: peer,
        status: 0,
        grpc_status: None,
    };

    let collected = Limited::new(body, MAX_BODY_BYTES).collect().await;
    let (answer, payload, encoding) = match collected {
        Ok(collected) => {
            received.body = collected.to_bytes();
            process(&mut received)
        }
        Err(e) => {
            let (status, message) = if e.downcast_ref::<LengthLimitError>().is_some() {
                (413, format!("body larger than {MAX_BODY_BYTES} bytes"))
            } else {
                (400, format!("could not read body: {e}"))
            };
            received.decode_error = Some(message.clone());
            (DefaultAnswer::error(status, message), None, None)
        }
    };

    let planned = store.record(received, payload, answer.status);
    Ok(match planned {
        None => build_response(answer.status, Some(answer.content_type), answer.body, &[]),
        Some(plan) => {
            if !plan.delay.is_zero() {
                tokio::time::sleep(plan.delay).await;
            }
            if plan.reset {
                // An error from the service makes hyper drop the connection unanswered.
                return Err(ConnectionReset);
            }
            planned_response(plan, signal, encoding)
        }
    })
}

/// What [`process`] found: the default answer, the decoded telemetry and the body encoding.
type Processed = (DefaultAnswer, Option<Payload>, Option<decode::Encoding>);

/// Decompresses and decodes `received.body`, filling in `decoded_body_len`/`decode_error`.
fn process(received: &mut ReceivedRequest) -> Processed {
    if received.signal == Signal::CloudWatchLogsApi {
        return process_cloudwatch_logs(received);
    }
    if received.signal == Signal::Unknown {
        let message = format!("no OTLP endpoint at {} {}", received.method, received.path);
        return (DefaultAnswer::error(404, message), None, None);
    }
    let encoding = match decode::encoding_of(received.content_type()) {
        Ok(encoding) => encoding,
        Err(message) => {
            received.decode_error = Some(message.clone());
            return (DefaultAnswer::error(400, message), None, None);
        }
    };
    let decoded = match decode::decompress(received.content_encoding(), &received.body) {
        Ok(plain) => {
            received.decoded_body_len = Some(plain.len());
            decode::decode_payload(received.signal, encoding, &plain)
        }
        Err(message) => Err(message),
    };
    match decoded {
        Ok(payload) => {
            let answer = DefaultAnswer {
                status: 200,
                content_type: encoding.content_type(),
                body: decode::success_body(received.signal, encoding),
            };
            (answer, Some(payload), Some(encoding))
        }
        Err(message) => {
            received.decode_error = Some(message.clone());
            (DefaultAnswer::error(400, message), None, Some(encoding))
        }
    }
}

/// Decodes a CloudWatch Logs API call; well-formed calls are answered `200 {}`.
fn process_cloudwatch_logs(received: &mut ReceivedRequest) -> Processed {
    received.decoded_body_len = Some(received.body.len());
    let decoded = cloudwatch_logs::decode(
        received.header("x-amz-target"),
        received.content_type(),
        &received.body,
    );
    let (status, body, payload) = match decoded {
        Ok(call) => (200, b"{}".to_vec(), Some(Payload::CloudWatchLogs(call))),
        Err((status, body)) => {
            received.decode_error = Some(String::from_utf8_lossy(&body).into_owned());
            (status, body, None)
        }
    };
    let answer = DefaultAnswer {
        status,
        content_type: cloudwatch_logs::JSON_1_1,
        body,
    };
    (answer, payload, None)
}

/// The response for a planned answer: its status, headers and body, where a 2xx without a
/// body of its own to a decodable OTLP request gets the usual empty export response.
fn planned_response(
    plan: PlannedResponse,
    signal: Signal,
    encoding: Option<decode::Encoding>,
) -> Response<Full<Bytes>> {
    let success = (200..300).contains(&plan.status);
    if signal == Signal::CloudWatchLogsApi {
        // AWS JSON answers: `{}` on success unless a body was planned.
        let body = match plan.body {
            Some(body) => body,
            None if success => b"{}".to_vec(),
            None => Vec::new(),
        };
        return build_response(
            plan.status,
            Some(cloudwatch_logs::JSON_1_1),
            body,
            &plan.headers,
        );
    }
    let (content_type, body) = match (plan.body, encoding) {
        (Some(body), _) => (None, body),
        (None, Some(encoding)) if success && signal != Signal::Unknown => (
            Some(encoding.content_type()),
            decode::success_body(signal, encoding),
        ),
        (None, _) => (None, Vec::new()),
    };
    build_response(plan.status, content_type, body, &plan.headers)
}

/// Assembles a response; invalid planned headers are skipped, an invalid status becomes 500.
fn build_response(
    status: u16,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    extra_headers: &[(String, String)],
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if let Some(content_type) = content_type {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    let mut replaced_content_type = false;
    for (name, value) in extra_headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            continue;
        };
        if name == CONTENT_TYPE && !replaced_content_type {
            headers.remove(CONTENT_TYPE);
            replaced_content_type = true;
        }
        headers.append(name, value);
    }
    response
}
