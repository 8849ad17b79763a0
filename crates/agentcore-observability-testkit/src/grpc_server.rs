//! The gRPC side (feature `grpc`): a tonic server with opentelemetry-proto's generated Trace, Logs
//! and Metrics services, on its own thread and current-thread runtime, recording every `Export`
//! call into the same [`Store`] as the HTTP receiver and answering as planned.

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdTcpListener};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::codec::CompressionEncoding;
use tonic::codegen::{http, BoxFuture, Service};
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};
use tonic::server::NamedService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;
use tonic::{Code, Request, Response, Status};

use crate::decode::{Payload, MAX_BODY_BYTES};
use crate::http_server::ServerHandle;
use crate::plan::PlannedResponse;
use crate::request::{ReceivedRequest, Signal};
use crate::store::Store;

/// How long in-flight calls may take to finish once the server is told to stop.
const GRACEFUL_SHUTDOWN: Duration = Duration::from_secs(1);

/// Serves OTLP/gRPC on `listener` on a new thread, recording into `store`.
pub(crate) fn spawn(listener: StdTcpListener, store: Arc<Store>) -> io::Result<ServerHandle> {
    ServerHandle::spawn_with(listener, "otlp-grpc-receiver", move |listener, shutdown| {
        serve(listener, store, shutdown)
    })
}

async fn serve(listener: TcpListener, store: Arc<Store>, shutdown: oneshot::Receiver<()>) {
    let recorder = Recorder { store };
    let services = OtlpServices {
        traces: TraceServiceServer::new(recorder.clone())
            .accept_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(MAX_BODY_BYTES),
        logs: LogsServiceServer::new(recorder.clone())
            .accept_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(MAX_BODY_BYTES),
        metrics: MetricsServiceServer::new(recorder)
            .accept_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(MAX_BODY_BYTES),
    };
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let (graceful_tx, graceful_rx) = oneshot::channel::<()>();
    let server = Server::builder().serve_with_incoming_shutdown(services, incoming, async {
        let _ = graceful_rx.await;
    });
    tokio::pin!(server);
    tokio::select! {
        // Serving ended by itself (it does not, short of an accept error).
        _ = &mut server => return,
        _ = shutdown => {}
    }
    // Ask open connections to finish, but do not wait for clients that keep theirs open.
    let _ = graceful_tx.send(());
    let _ = tokio::time::timeout(GRACEFUL_SHUTDOWN, server).await;
}

/// The three OTLP services behind one tower service, routed by gRPC service name.
#[derive(Clone)]
struct OtlpServices {
    traces: TraceServiceServer<Recorder>,
    logs: LogsServiceServer<Recorder>,
    metrics: MetricsServiceServer<Recorder>,
}

impl Service<http::Request<tonic::body::Body>> for OtlpServices {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let service = request
            .uri()
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        if service == <TraceServiceServer<Recorder> as NamedService>::NAME {
            self.traces.call(request)
        } else if service == <LogsServiceServer<Recorder> as NamedService>::NAME {
            self.logs.call(request)
        } else if service == <MetricsServiceServer<Recorder> as NamedService>::NAME {
            self.metrics.call(request)
        } else {
            let status = Status::unimplemented(format!("no gRPC service {service:?}"));
            Box::pin(async move { Ok(status.into_http()) })
        }
    }
}

/// Records each call into the store and answers as planned.
#[derive(Debug, Clone)]
struct Recorder {
    store: Arc<Store>,
}

impl Recorder {
    async fn record<Req, Resp>(
        &self,
        signal: Signal,
        path: &str,
        request: Request<Req>,
        payload: impl FnOnce(Req) -> Payload,
    ) -> Result<Response<Resp>, Status>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let received_at = Instant::now();
        let remote_addr = request
            .remote_addr()
            .unwrap_or_else(|| SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)));
        let (metadata, _, message) = request.into_parts();
        let body = Bytes::from(message.encode_to_vec());
        let received = ReceivedRequest {
            signal,
            method: "POST".to_owned(),
            path: path.to_owned(),
            headers: metadata.into_headers(),
            decoded_body_len: Some(body.len()),
            body,
            decode_error: None,
            received_at,
            remote_addr,
            status: 200,
            grpc_status: None,
        };
        let Some(plan) = self.store.record_grpc(received, payload(message)) else {
            return Ok(Response::new(Resp::default()));
        };
        if !plan.delay.is_zero() {
            tokio::time::sleep(plan.delay).await;
        }
        answer(plan)
    }
}

/// The planned answer: `OK` with the planned body (if it decodes as the response) or the empty
/// response, or the planned error status with its message, `RetryInfo` and metadata.
fn answer<Resp: Message + Default>(plan: PlannedResponse) -> Result<Response<Resp>, Status> {
    let metadata = response_metadata(&plan.headers);
    let code = plan.grpc_code();
    if code == 0 {
        let message = plan
            .body
            .as_deref()
            .and_then(|body| Resp::decode(body).ok())
            .unwrap_or_default();
        let mut response = Response::new(message);
        *response.metadata_mut() = metadata;
        return Ok(response);
    }
    let message = match (&plan.grpc_message, plan.reset) {
        (Some(message), _) => message.clone(),
        (None, true) => "planned connection reset".to_owned(),
        (None, false) => format!("planned gRPC status {code}"),
    };
    let details = plan
        .retry_info
        .map(|delay| rpc::status_with_retry_info(code, &message, delay))
        .unwrap_or_default();
    Err(Status::with_details_and_metadata(
        Code::from(code),
        message,
        Bytes::from(details),
        metadata,
    ))
}

/// Planned headers as ASCII metadata; invalid names or values are skipped.
fn response_metadata(headers: &[(String, String)]) -> MetadataMap {
    let mut map = MetadataMap::new();
    for (name, value) in headers {
        if let (Ok(key), Ok(value)) = (
            AsciiMetadataKey::from_bytes(name.to_ascii_lowercase().as_bytes()),
            AsciiMetadataValue::try_from(value.as_str()),
        ) {
            map.append(key, value);
        }
    }
    map
}

#[tonic::async_trait]
impl TraceService for Recorder {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        self.record(
            Signal::Traces,
            "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            request,
            Payload::Traces,
        )
        .await
    }
}

#[tonic::async_trait]
impl LogsService for Recorder {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        self.record(
            Signal::Logs,
            "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
            request,
            Payload::Logs,
        )
        .await
    }
}

#[tonic::async_trait]
impl MetricsService for Recorder {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        self.record(
            Signal::Metrics,
            "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
            request,
            Payload::Metrics,
        )
        .await
    }
}

/// The `google.rpc` messages a `RetryInfo` travels in (`grpc-status-details-bin`).
mod rpc {
    use std::time::Duration;

    use prost::Message;

    #[derive(Clone, PartialEq, prost::Message)]
    struct Status {
        #[prost(int32, tag = "1")]
        code: i32,
        #[prost(string, tag = "2")]
        message: String,
        #[prost(message, repeated, tag = "3")]
        details: Vec<Any>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct Any {
        #[prost(string, tag = "1")]
        type_url: String,
        #[prost(bytes = "vec", tag = "2")]
        value: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct RetryInfo {
        #[prost(message, optional, tag = "1")]
        retry_delay: Option<ProtoDuration>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct ProtoDuration {
        #[prost(int64, tag = "1")]
        seconds: i64,
        #[prost(int32, tag = "2")]
        nanos: i32,
    }

    /// A `google.rpc.Status` carrying one `google.rpc.RetryInfo` with `delay`.
    pub(super) fn status_with_retry_info(code: i32, message: &str, delay: Duration) -> Vec<u8> {
        let retry_info = RetryInfo {
            retry_delay: Some(ProtoDuration {
                seconds: i64::try_from(delay.as_secs()).unwrap_or(i64::MAX),
                nanos: i32::try_from(delay.subsec_nanos()).unwrap_or(0),
            }),
        };
        Status {
            code,
            message: message.to_owned(),
            details: vec![Any {
                type_url: "type.googleapis.com/google.rpc.RetryInfo".to_owned(),
                value: retry_info.encode_to_vec(),
            }],
        }
        .encode_to_vec()
    }
}
