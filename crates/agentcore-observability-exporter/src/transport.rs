//! The HTTP I/O thread shared by every OTLP exporter of one `init()`.
//!
//! The SDK's batch processors run exporters on their own threads and drive the export future with a
//! plain executor, where an async HTTP client finds no tokio reactor ("no reactor running"). A
//! blocking client would instead stall a tokio worker when an application drives an exporter from its
//! runtime. So requests go over a channel to one dedicated thread that owns a current-thread tokio
//! runtime and an async `reqwest` client; the caller awaits a oneshot reply, which works under any
//! executor or none. The thread and the client are created on the first request, which keeps
//! `init()` cheap.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use tokio::sync::{mpsc, oneshot};

use crate::credentials::NoCredentials;
use crate::sigv4::Signer;

pub(crate) mod retry;

/// One request to send.
#[derive(Debug)]
pub(crate) struct OutgoingRequest {
    pub(crate) url: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The whole exchange, retries and back-off included, must end before this instant.
    pub(crate) deadline: Instant,
    /// Signs each attempt on the I/O thread (fresh date, fresh credentials); `None` = unsigned.
    pub(crate) signer: Option<Arc<Signer>>,
}

/// The answer of the receiver.
#[derive(Debug)]
pub(crate) struct IncomingResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// Why no answer was received.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TransportError {
    #[error("deadline exceeded")]
    Timeout,
    #[error("connection failed: {0}")]
    Connection(String),
    #[error("request failed: {0}")]
    Request(String),
    #[error("the export client could not be created: {0}")]
    Client(String),
    #[error("the export I/O thread is not running")]
    ShutDown,
    #[error(transparent)]
    NoCredentials(#[from] NoCredentials),
    #[error("{0}")]
    Signing(String),
}

impl TransportError {
    /// The reason the items of a request that ended with this error are counted as dropped.
    pub(crate) fn drop_reason(&self) -> crate::DropReason {
        use crate::DropReason;
        match self {
            TransportError::Timeout => DropReason::Timeout,
            TransportError::ShutDown => DropReason::ShutDown,
            TransportError::NoCredentials(_) => DropReason::NoCredentials,
            TransportError::Signing(_) => DropReason::SigningFailed,
            TransportError::Connection(_)
            | TransportError::Request(_)
            | TransportError::Client(_) => DropReason::Connection,
        }
    }

    /// The error handed back to the SDK processor (which logs it and never passes it on).
    pub(crate) fn into_sdk_error(
        self,
        timeout: Duration,
    ) -> opentelemetry_sdk::error::OTelSdkError {
        use opentelemetry_sdk::error::OTelSdkError;
        match self {
            TransportError::Timeout => OTelSdkError::Timeout(timeout),
            other => OTelSdkError::InternalFailure(other.to_string()),
        }
    }
}

/// What one [`Transport::send`] came to: the last outcome and how many attempts it took.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) outcome: Result<IncomingResponse, TransportError>,
    pub(crate) attempts: u32,
}

type Reply = oneshot::Sender<Delivery>;

/// A unit of work for the I/O thread.
enum Work {
    /// An HTTP request, sent (and retried) with the thread's HTTP client.
    Http(OutgoingRequest, Reply),
    /// Any other future that needs the thread's runtime (OTLP/gRPC exports); it reports its
    /// outcome through a channel of its own.
    #[cfg(feature = "grpc")]
    Task(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>),
}

/// Handle to the I/O thread. Dropping the last handle lets the thread finish its in-flight requests
/// (each bounded by its deadline) and exit.
#[derive(Debug, Default)]
pub(crate) struct Transport {
    sender: OnceLock<Option<mpsc::UnboundedSender<Work>>>,
}

impl Transport {
    /// Sends `request` (signing each attempt, and retrying 408, 429, 5xx, connection errors and
    /// missing credentials until its deadline) and waits for the final answer,
    /// without needing any particular async runtime; also tells how many attempts were made.
    pub(crate) async fn deliver(&self, request: OutgoingRequest) -> Delivery {
        let shut_down = || Delivery {
            outcome: Err(TransportError::ShutDown),
            attempts: 0,
        };
        let Some(sender) = self.sender.get_or_init(spawn_io_thread).as_ref() else {
            return shut_down();
        };
        let (reply, answer) = oneshot::channel();
        if sender.send(Work::Http(request, reply)).is_err() {
            return shut_down();
        }
        // A dropped reply (the thread died) ends the wait too, so this can never hang.
        answer.await.unwrap_or_else(|_| shut_down())
    }

    /// Runs `task` on the I/O thread's runtime (started on first use) and waits for its output,
    /// without needing any particular async runtime on the caller's side. `None` if the thread is
    /// not running or ended before the task did (so this can never hang either).
    #[cfg(feature = "grpc")]
    pub(crate) async fn run<T, F>(&self, task: F) -> Option<T>
    where
        T: Send + 'static,
        F: std::future::Future<Output = T> + Send + 'static,
    {
        let sender = self.sender.get_or_init(spawn_io_thread).as_ref()?;
        let (reply, answer) = oneshot::channel();
        let work = Work::Task(Box::pin(async move {
            let _ = reply.send(task.await);
        }));
        sender.send(work).ok()?;
        answer.await.ok()
    }
}

fn spawn_io_thread() -> Option<mpsc::UnboundedSender<Work>> {
    let (sender, receiver) = mpsc::unbounded_channel();
    let spawned = std::thread::Builder::new()
        .name("agentcore-otlp-io".into())
        .spawn(move || run_io_thread(receiver));
    match spawned {
        Ok(_) => Some(sender),
        Err(error) => {
            tracing::error!(
                target: "agentcore_observability",
                %error,
                "could not start the export I/O thread; telemetry will be dropped"
            );
            None
        }
    }
}

fn run_io_thread(mut receiver: mpsc::UnboundedReceiver<Work>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            // Every queued and future request gets this error instead of hanging.
            let message = error.to_string();
            while let Some(work) = receiver.blocking_recv() {
                match work {
                    Work::Http(_, reply) => {
                        let _ = reply.send(Delivery {
                            outcome: Err(TransportError::Client(message.clone())),
                            attempts: 0,
                        });
                    }
                    // Dropping the task drops its reply: its caller sees the thread as gone.
                    #[cfg(feature = "grpc")]
                    Work::Task(_) => {}
                }
            }
            return;
        }
    };
    runtime.block_on(async move {
        // Built on the first HTTP request: a gRPC-only setup never needs it.
        let mut client: Option<Result<reqwest::Client, String>> = None;
        while let Some(work) = receiver.recv().await {
            match work {
                Work::Http(request, reply) => {
                    let client = client.get_or_insert_with(build_client).clone();
                    tokio::spawn(async move {
                        let delivery = match client {
                            Ok(client) => retry::deliver(&client, request).await,
                            Err(message) => Delivery {
                                outcome: Err(TransportError::Client(message)),
                                attempts: 0,
                            },
                        };
                        let _ = reply.send(delivery);
                    });
                }
                #[cfg(feature = "grpc")]
                Work::Task(task) => {
                    tokio::spawn(task);
                }
            }
        }
    });
    // Leaving `block_on` drops the runtime, which cancels whatever is still in flight; their
    // callers see `ShutDown` through the dropped reply.
}

fn build_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(user_agent())
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .map_err(|error| error.to_string())
}

/// The User-Agent of every export request: this distro and its version, like ADOT's
/// `ADOT-OTLP-Exporter-Python/<version>`.
pub(crate) fn user_agent() -> &'static str {
    concat!("agentcore-observability-rust/", env!("CARGO_PKG_VERSION"))
}

/// One HTTP attempt, ending by `deadline` at the latest.
pub(crate) async fn execute(
    client: &reqwest::Client,
    url: &str,
    headers: HeaderMap,
    body: Bytes,
    deadline: Instant,
) -> Result<IncomingResponse, TransportError> {
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(TransportError::Timeout);
    }
    let exchange = async {
        let response = client
            .post(url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(classify)?;
        Ok(IncomingResponse {
            status,
            headers,
            body,
        })
    };
    tokio::time::timeout(remaining, exchange)
        .await
        .unwrap_or(Err(TransportError::Timeout))
}

fn classify(error: reqwest::Error) -> TransportError {
    if error.is_timeout() {
        TransportError::Timeout
    } else if error.is_connect() || error.is_request() {
        TransportError::Connection(error.to_string())
    } else {
        TransportError::Request(error.to_string())
    }
}

/// Builds a header map, rejecting names or values that are not valid HTTP.
pub(crate) fn header_map(pairs: &[(String, String)]) -> Result<HeaderMap, (String, String)> {
    let mut map = HeaderMap::with_capacity(pairs.len());
    for (name, value) in pairs {
        let parsed = HeaderName::try_from(name.as_str())
            .ok()
            .zip(HeaderValue::try_from(value.as_str()).ok());
        match parsed {
            Some((name, value)) => {
                map.append(name, value);
            }
            None => return Err((name.clone(), value.clone())),
        }
    }
    Ok(map)
}
