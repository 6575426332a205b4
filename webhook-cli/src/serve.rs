//! The HTTP/1 accept loop behind `webhook listen` and `webhook roundtrip`:
//! hyper's connection builder with the settings a receiver facing hostile
//! clients needs, which `axum::serve` does not expose.
//!
//! - **Header read timeout** (on a Tokio timer): a connection that has not
//!   delivered a whole request line and header block within
//!   `header_timeout` is closed. The same timer bounds how long an idle
//!   keep-alive connection waits for its next request.
//! - **Half-close**: a client that shuts down its write side once the
//!   request is sent (`nc -N`, some HTTP/1.0 clients) still gets its
//!   response; without it hyper takes the EOF for an aborted request.
//! - **Graceful shutdown**: once `shutdown` resolves, no new connection is
//!   accepted, idle connections are closed and the requests in flight may
//!   finish for up to [`SHUTDOWN_GRACE`].
//!
//! The body limit and body timeout are not the server's business: the
//! receiver's observe layer enforces them per request (see
//! [`receiver`](crate::receiver)).
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use webhook_cli::receiver::{Handler, ReceiverConfig, Simulation, router};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let handler: Handler = Arc::new(Simulation::default());
//! let app = router(ReceiverConfig::default(), handler);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let ctrl_c = async {
//!     let _ = tokio::signal::ctrl_c().await;
//! };
//! webhook_cli::serve::serve(listener, app, Duration::from_secs(10), ctrl_c).await;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// The default header read timeout (as long as the verify layer's default
/// body timeout).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a shutdown waits for the requests in flight before it drops
/// them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` resolves, one HTTP/1
/// connection task per accepted socket (see the module docs for the
/// settings).
///
/// Accept errors (e.g. out of file descriptors) are logged and retried after
/// a short pause; they never end the loop.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .half_close(true);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Back off instead of spinning on a persistent error.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still in flight after {SHUTDOWN_GRACE:?}: dropping their connections"
        );
    }
}
