//! The bodies the layer hands on: the verified request bytes inward, and the
//! inner response or a rejection outward.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::Full;
use pin_project_lite::pin_project;

/// A request body already in memory: the bytes a layer buffered, handed on
/// in one frame.
///
/// It is an ordinary [`http_body::Body`] (so axum extractors such as `Bytes`,
/// `String` or `Json` work on it), and [`into_bytes`](Self::into_bytes) gets
/// the bytes without polling. `Debug` prints the length, never the bytes.
/// The idempotency layer hands on the same type.
#[derive(Default, Clone)]
pub struct BufferedBody {
    bytes: Option<Bytes>,
}

/// The request body the verify layer's inner service receives: a
/// [`BufferedBody`] holding exactly the bytes that were verified.
pub type VerifiedBody = BufferedBody;

impl BufferedBody {
    /// A body of `bytes`.
    pub fn new(bytes: Bytes) -> Self {
        Self { bytes: Some(bytes) }
    }

    /// The bytes not yet read as a frame (all of them unless the body was
    /// polled).
    pub fn into_bytes(self) -> Bytes {
        self.bytes.unwrap_or_default()
    }
}

impl fmt::Debug for BufferedBody {
    // Never print the body: it may hold personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferedBody")
            .field("len", &self.bytes.as_ref().map_or(0, Bytes::len))
            .finish()
    }
}

impl Body for BufferedBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let bytes = self.get_mut().bytes.take().filter(|b| !b.is_empty());
        Poll::Ready(bytes.map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.bytes.as_ref().is_none_or(Bytes::is_empty)
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.bytes.as_ref().map_or(0, |b| b.len() as u64))
    }
}

pin_project! {
    /// The layer's response body: the inner service's body, or the small
    /// body of a rejection.
    #[derive(Debug)]
    pub struct ResponseBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    #[derive(Debug)]
    enum Kind<B> {
        Inner { #[pin] body: B },
        Layer { body: Full<Bytes> },
    }
}

impl<B> ResponseBody<B> {
    pub(crate) fn inner(body: B) -> Self {
        Self {
            kind: Kind::Inner { body },
        }
    }

    /// A response the layer itself answers with: a rejection or a handshake reply.
    pub(crate) fn layer(bytes: Bytes) -> Self {
        Self {
            kind: Kind::Layer {
                body: Full::new(bytes),
            },
        }
    }
}

impl<B> Body for ResponseBody<B>
where
    B: Body<Data = Bytes>,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.project().kind.project() {
            KindProj::Inner { body } => body.poll_frame(cx),
            KindProj::Layer { body } => Pin::new(body)
                .poll_frame(cx)
                .map_err(|never| match never {}),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Inner { body } => body.is_end_stream(),
            Kind::Layer { body } => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Inner { body } => body.size_hint(),
            Kind::Layer { body } => body.size_hint(),
        }
    }
}
