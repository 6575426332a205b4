//! Ctrl-C and SIGTERM, for the commands that stop cleanly on them.

use std::io::Write as _;

use tokio::task::JoinHandle;
use webhook_cli::sender::StopSignal;

/// Resolves on the next Ctrl-C or SIGTERM.
pub(crate) async fn interrupt() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// The first Ctrl-C stops a delivery run (requests in flight get their
/// grace period), the second gives those up too. Abort the handle when the
/// run is over.
pub(crate) fn stop_on_interrupt(stop: StopSignal) -> JoinHandle<()> {
    tokio::spawn(async move {
        interrupt().await;
        stop.stop();
        say(
            "stopping: no new events; waiting briefly for requests in flight (Ctrl-C again to give up now)",
        );
        interrupt().await;
        stop.abort();
        say("giving up the requests in flight");
    })
}

/// A diagnostic line; a closed stderr is no reason to fail.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
