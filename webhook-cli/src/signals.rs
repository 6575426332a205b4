//! Ctrl-C and SIGTERM, for the commands that stop cleanly on them.

use std::io::Write as _;

use tokio::task::JoinHandle;
use webhook_cli::sender::StopSignal;

/// Ctrl-C and SIGTERM, listened to from the moment this is created: a
/// signal that arrives before the first wait, or between two waits, is not
/// lost (and does not kill the process with the default action).
pub(crate) struct Interrupts {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Interrupts {
    /// Registers the handlers now. `None` when the platform refuses (then
    /// the signals keep their default action).
    pub(crate) fn listen() -> Option<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Some(Self {
                interrupt: signal(SignalKind::interrupt()).ok()?,
                terminate: signal(SignalKind::terminate()).ok()?,
            })
        }
        #[cfg(not(unix))]
        {
            Some(Self {})
        }
    }

    /// Resolves on the next Ctrl-C or SIGTERM.
    pub(crate) async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Resolves on the next Ctrl-C or SIGTERM (never, if they cannot be
/// listened to). The handlers are registered when this is called, not when
/// the future is first polled: a signal in between is not lost.
pub(crate) fn interrupt() -> impl std::future::Future<Output = ()> {
    let interrupts = Interrupts::listen();
    async move {
        match interrupts {
            Some(mut interrupts) => interrupts.next().await,
            None => std::future::pending().await,
        }
    }
}

/// The first Ctrl-C stops a delivery run (requests in flight get their
/// grace period), the second gives those up too. The handlers are
/// registered before this returns, so call it before the run starts; abort
/// the handle when the run is over.
pub(crate) fn stop_on_interrupt(stop: StopSignal) -> JoinHandle<()> {
    let interrupts = Interrupts::listen();
    tokio::spawn(async move {
        let Some(mut interrupts) = interrupts else {
            return;
        };
        interrupts.next().await;
        stop.stop();
        say(
            "stopping: no new events; waiting briefly for requests in flight (Ctrl-C again to give up now)",
        );
        interrupts.next().await;
        stop.abort();
        say("giving up the requests in flight");
    })
}

/// A diagnostic line; a closed stderr is no reason to fail.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
