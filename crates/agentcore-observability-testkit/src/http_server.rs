//! The HTTP server both fakes run: hyper HTTP/1.1 on its own thread and current-thread tokio
//! runtime, so tests and examples can use it with or without a runtime of their own. Each fake
//! passes its request handler; this module only accepts connections and shuts down. The gRPC
//! receiver brings its own server ([`ServerHandle::spawn_with`]) and reuses the thread handling.

use std::error::Error;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use http::{Request, Response};
use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How long `start` waits for the server thread to come up.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long dropping the receiver waits for the server thread to finish.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the runtime waits for its tasks to wind down once the accept loop stops.
const RUNTIME_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(1);

/// Returned by a request handler to close the connection without answering (a planned reset:
/// [`PlannedResponse::reset`](crate::PlannedResponse::reset), a Bedrock connection fault).
#[derive(Debug)]
pub(crate) struct ConnectionReset;

impl std::fmt::Display for ConnectionReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("planned connection reset")
    }
}

impl std::error::Error for ConnectionReset {}

/// The running server thread; dropping it stops the thread (waiting a bounded time).
#[derive(Debug)]
pub(crate) struct ServerHandle {
    shutdown: Option<oneshot::Sender<()>>,
    finished: mpsc::Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// Serves `listener` on a new thread named `name`, answering each request with `handler`.
    pub(crate) fn spawn<H, F, B, E>(
        listener: StdTcpListener,
        name: &str,
        handler: H,
    ) -> io::Result<ServerHandle>
    where
        H: Fn(SocketAddr, Request<Incoming>) -> F + Clone + Send + 'static,
        F: Future<Output = Result<Response<B>, E>> + Send + 'static,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn Error + Send + Sync>>,
        E: Into<Box<dyn Error + Send + Sync>>,
    {
        Self::spawn_with(listener, name, move |listener, shutdown| {
            accept_loop(listener, handler, shutdown)
        })
    }

    /// Runs `serve` on a new thread named `name`, with its own current-thread runtime, given
    /// `listener` (as a tokio listener) and a receiver that fires when the server must stop.
    pub(crate) fn spawn_with<S, F>(
        listener: StdTcpListener,
        name: &str,
        serve: S,
    ) -> io::Result<ServerHandle>
    where
        S: FnOnce(TcpListener, oneshot::Receiver<()>) -> F + Send + 'static,
        F: Future<Output = ()>,
    {
        listener.set_nonblocking(true)?;
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let (ready_tx, ready_rx) = mpsc::sync_channel::<io::Result<()>>(1);
        // Never sent on: the server thread drops it when it ends.
        let (finished_tx, finished_rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let _finished = finished_tx;
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let listener = {
                    let _guard = runtime.enter();
                    TcpListener::from_std(listener)
                };
                match listener {
                    Ok(listener) => {
                        let _ = ready_tx.send(Ok(()));
                        runtime.block_on(serve(listener, shutdown_rx));
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
                runtime.shutdown_timeout(RUNTIME_SHUTDOWN_TIMEOUT);
            })?;
        let mut handle = ServerHandle {
            shutdown: Some(shutdown_tx),
            finished: finished_rx,
            thread: Some(thread),
        };
        match ready_rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(Ok(())) => Ok(handle),
            Ok(Err(e)) => Err(e),
            Err(_) => {
                handle.stop();
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{name} thread did not start"),
                ))
            }
        }
    }

    /// Signals the server to stop and joins its thread, giving up (and detaching the thread)
    /// after [`SHUTDOWN_TIMEOUT`].
    pub(crate) fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            match self.finished.recv_timeout(SHUTDOWN_TIMEOUT) {
                Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = thread.join();
                }
                Err(mpsc::RecvTimeoutError::Timeout) => drop(thread),
            }
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Accepts connections until told to stop (or until the handle is gone).
async fn accept_loop<H, F, B, E>(
    listener: TcpListener,
    handler: H,
    mut shutdown: oneshot::Receiver<()>,
) where
    H: Fn(SocketAddr, Request<Incoming>) -> F + Clone + Send + 'static,
    F: Future<Output = Result<Response<B>, E>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn Error + Send + Sync>>,
    E: Into<Box<dyn Error + Send + Sync>>,
{
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let handler = handler.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |request| handler(peer, request));
                        // Connection errors (client hung up, bad HTTP) only end this connection.
                        let _ = http1::Builder::new()
                            .keep_alive(true)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                // E.g. out of file descriptors: back off briefly instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}
