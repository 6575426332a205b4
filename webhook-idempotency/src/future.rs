//! [`ResponseFuture`], the response future of [`Idempotency`](crate::Idempotency),
//! and [`Detachable`], the claimed event's work inside it.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Response;
use tokio::sync::oneshot;

use crate::body::ResponseBody;

type BoxedResponse<B, E> =
    Pin<Box<dyn Future<Output = Result<Response<ResponseBody<B>>, E>> + Send>>;

/// Response future of [`Idempotency`](crate::Idempotency).
pub struct ResponseFuture<B, E> {
    inner: BoxedResponse<B, E>,
}

impl<B, E> ResponseFuture<B, E> {
    pub(crate) fn new(inner: BoxedResponse<B, E>) -> Self {
        ResponseFuture { inner }
    }
}

impl<B, E> fmt::Debug for ResponseFuture<B, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<B, E> Future for ResponseFuture<B, E> {
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

/// The work of one claimed event, driven inside the request's future while
/// the request waits for its answer.
///
/// Spawning a task per event costs a scheduler round trip; running the work
/// inline costs nothing, but the request's future is dropped when the client
/// disconnects, and the work must not be: a claim would be left behind, or a
/// handler cancelled halfway. So when this future is dropped before the
/// work ends — or the answer comes first (a handler that outlived its
/// timeout is still awaited, to record its late outcome) — the rest of the
/// work moves to a task of its own. The work is boxed, so moving it does not
/// move the pinned state machine.
pub(crate) struct Detachable<T> {
    work: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    answer: oneshot::Receiver<T>,
}

impl<T> Detachable<T> {
    pub(crate) fn new(
        work: Pin<Box<dyn Future<Output = ()> + Send>>,
        answer: oneshot::Receiver<T>,
    ) -> Self {
        Detachable {
            work: Some(work),
            answer,
        }
    }

    /// Moves unfinished work to its own task.
    fn detach(&mut self) {
        let Some(work) = self.work.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(work)),
            // Dropped outside any runtime (the runtime itself is shutting
            // down): nothing can run the rest; a claim left behind expires
            // with its lease.
            Err(_) => tracing::error!(
                "idempotency work dropped outside a Tokio runtime: \
                 its claim expires with its lease"
            ),
        }
    }
}

impl<T> Future for Detachable<T> {
    /// The answer, or `None` if the work ended without one (a bug of this
    /// crate: the handler's own panics are caught where it runs).
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Both fields are `Unpin` (a box and a receiver).
        let this = self.get_mut();
        if let Some(work) = &mut this.work {
            // A panic here must not take the connection down with it: the
            // work is dropped (as a panicking task would be) and the request
            // gets the answer for a lost reply.
            match catch_unwind(AssertUnwindSafe(|| work.as_mut().poll(cx))) {
                Ok(Poll::Pending) => {}
                Ok(Poll::Ready(())) => this.work = None,
                Err(_) => {
                    tracing::error!("idempotency work panicked");
                    this.work = None;
                }
            }
        }
        match Pin::new(&mut this.answer).poll(cx) {
            Poll::Ready(answer) => {
                this.detach();
                Poll::Ready(answer.ok())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for Detachable<T> {
    fn drop(&mut self) {
        self.detach();
    }
}
