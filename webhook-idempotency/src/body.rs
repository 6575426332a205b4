//! The request body the inner service receives and the response body it
//! answers with.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use crate::error::BoxError;

/// The request body handed to the inner service: the bytes the layer
/// buffered (and fingerprinted), in one frame. The same type the verify
/// layer hands on.
pub use webhook_verify::layer::BufferedBody;

pin_project! {
    /// The response body of the layer: the inner service's body passed
    /// through (after the frames the layer read to record it, if any), or
    /// bytes (a replayed outcome or one of the layer's own answers).
    pub struct ResponseBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Full { bytes: Option<Bytes> },
        Inner { #[pin] body: B },
        Prefixed {
            read: VecDeque<Frame<Bytes>>,
            rest: Option<Pin<Box<B>>>,
            error: Option<BoxError>,
        },
    }
}

impl<B> ResponseBody<B> {
    pub(crate) fn full(bytes: impl Into<Bytes>) -> Self {
        ResponseBody {
            kind: Kind::Full {
                bytes: Some(bytes.into()),
            },
        }
    }

    pub(crate) fn inner(body: B) -> Self {
        ResponseBody {
            kind: Kind::Inner { body },
        }
    }

    /// The frames already read from a body, then `rest` (the unread part,
    /// `None` when it ended), then `error` if reading it failed.
    pub(crate) fn prefixed(
        read: VecDeque<Frame<Bytes>>,
        rest: Option<Pin<Box<B>>>,
        error: Option<BoxError>,
    ) -> Self {
        ResponseBody {
            kind: Kind::Prefixed { read, rest, error },
        }
    }
}

impl<B> fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Full { bytes } => f
                .debug_struct("ResponseBody::Full")
                .field("len", &bytes.as_ref().map_or(0, Bytes::len))
                .finish(),
            Kind::Inner { .. } | Kind::Prefixed { .. } => f.write_str("ResponseBody::Inner(..)"),
        }
    }
}

impl<B> Body for ResponseBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.project().kind.project() {
            KindProj::Full { bytes } => Poll::Ready(
                bytes
                    .take()
                    .filter(|b| !b.is_empty())
                    .map(|b| Ok(Frame::data(b))),
            ),
            KindProj::Inner { body } => body.poll_frame(cx).map_err(Into::into),
            KindProj::Prefixed { read, rest, error } => {
                if let Some(frame) = read.pop_front() {
                    return Poll::Ready(Some(Ok(frame)));
                }
                if let Some(body) = rest {
                    match body.as_mut().poll_frame(cx) {
                        Poll::Ready(None) => *rest = None,
                        other => return other.map_err(Into::into),
                    }
                }
                Poll::Ready(error.take().map(Err))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full { bytes } => bytes.as_ref().is_none_or(Bytes::is_empty),
            Kind::Inner { body } => body.is_end_stream(),
            Kind::Prefixed { read, rest, error } => {
                read.is_empty()
                    && error.is_none()
                    && rest.as_ref().is_none_or(|b| b.is_end_stream())
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full { bytes } => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Kind::Inner { body } => body.size_hint(),
            Kind::Prefixed { read, rest, .. } => {
                let read: u64 = read
                    .iter()
                    .filter_map(|f| f.data_ref().map(|d| d.len() as u64))
                    .sum();
                let rest = rest
                    .as_ref()
                    .map_or(SizeHint::with_exact(0), |b| b.size_hint());
                let mut hint = SizeHint::new();
                hint.set_lower(read.saturating_add(rest.lower()));
                if let Some(upper) = rest.upper() {
                    hint.set_upper(read.saturating_add(upper));
                }
                hint
            }
        }
    }
}
