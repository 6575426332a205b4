//! [`ResponseFuture`], the response future of [`Idempotency`](crate::Idempotency).

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Response;

use crate::body::ResponseBody;
use crate::config::Config;
use crate::rejection::{Rejection, rejection};

type BoxedResponse<B, E> =
    Pin<Box<dyn Future<Output = Result<Response<ResponseBody<B>>, E>> + Send>>;

/// Response future of [`Idempotency`](crate::Idempotency).
///
/// It drives the whole of an event's work — the claim, the handler, the
/// recording — inside the request, with no task of its own: a task per
/// event would cost a scheduler round trip and an allocation. But a
/// request's future is dropped when its client disconnects, and the work
/// must not be (a claim would be left behind, or a handler cancelled
/// halfway). So when this future is dropped before it is done, the rest of
/// the work moves to a task of its own and still records its outcome; its
/// answer goes nowhere. (Dropped before the claim, the rest is reading a
/// body whose connection is gone: it ends at once.) The work is boxed, so
/// moving it does not move the pinned state machine.
pub struct ResponseFuture<B, E> {
    /// `None` once it has answered.
    work: Option<BoxedResponse<B, E>>,
    config: Arc<Config>,
    /// Spawns unfinished work (made where `B` and `E` are known to be
    /// `'static`, which a task needs).
    detach: fn(BoxedResponse<B, E>),
}

impl<B: 'static, E: 'static> ResponseFuture<B, E> {
    pub(crate) fn new(work: BoxedResponse<B, E>, config: Arc<Config>) -> Self {
        ResponseFuture {
            work: Some(work),
            config,
            detach: detach::<B, E>,
        }
    }
}

/// Runs the rest of `work` in a task of its own; its answer has nobody to
/// go to, the work is what matters.
fn detach<B: 'static, E: 'static>(work: BoxedResponse<B, E>) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => drop(runtime.spawn(async move {
            let _ = work.await;
        })),
        // Dropped outside any runtime (the runtime itself is shutting down):
        // nothing can run the rest; a claim left behind expires with its
        // lease.
        Err(_) => tracing::error!(
            "idempotency work dropped outside a Tokio runtime: \
             its claim expires with its lease"
        ),
    }
}

impl<B, E> fmt::Debug for ResponseFuture<B, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("done", &self.work.is_none())
            .finish_non_exhaustive()
    }
}

impl<B, E> Future for ResponseFuture<B, E> {
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(work) = self.work.as_mut() else {
            // A caller bug, as for any future polled after completion.
            panic!("ResponseFuture polled after it answered");
        };
        // A panic of this crate must not take the connection down with it:
        // the work is dropped (as a panicking task would be) and the caller
        // gets a 500. The handler's own panics are caught where it runs.
        let answer = match catch_unwind(AssertUnwindSafe(|| work.as_mut().poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(answer)) => answer,
            Err(_) => {
                tracing::error!("idempotency work panicked");
                Ok(rejection(&self.config, Rejection::HandlerPanicked))
            }
        };
        self.work = None;
        Poll::Ready(answer)
    }
}

impl<B, E> Drop for ResponseFuture<B, E> {
    fn drop(&mut self) {
        if let Some(work) = self.work.take() {
            (self.detach)(work);
        }
    }
}
