//! What the receiver calls with an accepted request: the [`HandleRequest`]
//! trait, the [`Inbound`] request it gets and the shared [`Handler`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Bytes;
use axum::response::Response;
use http::{HeaderMap, Method, Uri};
use webhook_verify::Verified;

/// A request as the handler sees it (after verification and dedupe).
#[derive(Debug, Clone)]
pub struct Inbound {
    /// The method.
    pub method: Method,
    /// The URI (path and query).
    pub uri: Uri,
    /// The headers.
    pub headers: HeaderMap,
    /// The exact body.
    pub body: Bytes,
    /// What the verify layer established, when it ran.
    pub verified: Option<Verified>,
    /// The event id: the verified one, else the headers', else the body's `"id"`.
    pub event_id: Option<String>,
    /// The event type the request announces
    /// ([`event_type`](crate::event_type::event_type)): unsigned, fit for
    /// routing only.
    pub event_type: Option<String>,
}

/// A boxed response future.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// The innermost handler: what the receiver does with an accepted request.
pub trait HandleRequest: Send + Sync + 'static {
    /// Answers one request. The handler comes shared, so the answer's
    /// future can keep it without copying it per request.
    fn handle(self: Arc<Self>, request: Inbound) -> HandlerFuture;
}

/// A shared handler.
pub type Handler = Arc<dyn HandleRequest>;
