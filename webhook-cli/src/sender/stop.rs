//! Stopping a run early: [`StopSignal`].

use tokio_util::sync::CancellationToken;

/// Stops a [`Sender::run`](super::Sender::run) early, e.g. on Ctrl-C.
///
/// [`stop`](Self::stop): no more events are taken from the source, events
/// waiting for a retry (or for their first attempt) are given up, and
/// requests in flight get [`SenderConfig::stop_grace`](super::SenderConfig::stop_grace) to finish;
/// [`abort`](Self::abort) gives those up at once too. Given-up events are
/// dead-lettered (reason `interrupted`) and reported; the run returns its
/// summary with [`Summary::interrupted`](super::Summary::interrupted) set.
#[derive(Debug, Clone, Default)]
pub struct StopSignal {
    stop: CancellationToken,
    abort: CancellationToken,
}

impl StopSignal {
    /// A signal that has not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stop taking events; let requests in flight finish within the grace.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Give up requests in flight now as well.
    pub fn abort(&self) {
        self.stop.cancel();
        self.abort.cancel();
    }

    /// Whether [`stop`](Self::stop) (or [`abort`](Self::abort)) was called.
    pub fn is_stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Completes once [`stop`](Self::stop) (or [`abort`](Self::abort)) is
    /// called.
    pub(super) async fn stopped(&self) {
        self.stop.cancelled().await;
    }

    /// Completes once [`abort`](Self::abort) is called.
    pub(super) async fn aborted(&self) {
        self.abort.cancelled().await;
    }
}
