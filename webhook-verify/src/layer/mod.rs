//! The tower middleware: buffer, verify, pass the same bytes on.
//!
//! For each request [`Verify`] does, in order:
//!
//! 1. **413** when `Content-Length` (or the body's size hint) exceeds the
//!    limit, before reading anything; otherwise reads the body through
//!    [`http_body_util::Limited`], so a chunked body that grows past the limit
//!    is also answered **413** — memory use is bounded by the limit.
//! 2. **408** when the whole body has not arrived within the body timeout.
//! 3. Verifies with the [`Verifier`](crate::Verifier): missing, repeated or
//!    malformed signature headers → **400**; no matching signature, or a
//!    timestamp outside the tolerance → **401**.
//! 4. On success, inserts [`Verified`](crate::Verified) into the request
//!    extensions and calls the inner service with a [`VerifiedBody`] holding
//!    exactly the received bytes, so the handler parses what was signed.
//!
//! Rejections are ordinary responses (the service never errors because of the
//! request) with a small JSON body such as `{"error":"invalid_signature"}`;
//! the typed [`Error`](crate::Error) is in the response extensions, the
//! detailed reason goes to `tracing` (warn for signature and timestamp
//! failures, debug for the rest), and [`VerifyLayer::on_rejection`] shapes
//! the response. Neither the secret nor the body is ever logged.
//!
//! ```
//! use bytes::Bytes;
//! use http::{Request, Response, StatusCode};
//! use http_body_util::{BodyExt, Full};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//! use webhook_verify::layer::VerifiedBody;
//! use webhook_verify::{Error, ErrorKind, Scheme, Signer, Verified, Verifier, VerifyLayer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let handler = service_fn(|req: Request<VerifiedBody>| async move {
//!     let id = req.extensions().get::<Verified>().and_then(|v| v.event_id.clone());
//!     let body = req.into_body().into_bytes(); // the exact bytes that were verified
//!     Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from(format!(
//!         "{} bytes, id {}",
//!         body.len(),
//!         id.unwrap_or_default()
//!     )))))
//! });
//! let service = ServiceBuilder::new()
//!     .layer(VerifyLayer::new(Verifier::new(Scheme::Webhook, "s3cret")?).body_limit(64 * 1024))
//!     .service(handler);
//!
//! // A signed request reaches the handler.
//! let body = r#"{"id":"evt_1"}"#;
//! let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
//! let mut req = Request::post("/webhooks").body(Full::new(Bytes::from(body)))?;
//! req.headers_mut().extend(Signer::new(Scheme::Webhook, "s3cret")?.sign(body.as_bytes(), now, Some("evt_1"))?);
//! let res = service.clone().oneshot(req).await?;
//! assert_eq!(res.status(), StatusCode::OK);
//! assert_eq!(res.into_body().collect().await?.to_bytes(), "14 bytes, id evt_1");
//!
//! // An unsigned one doesn't.
//! let res = service.oneshot(Request::post("/webhooks").body(Full::new(Bytes::from(body)))?).await?;
//! assert_eq!(res.status(), StatusCode::BAD_REQUEST);
//! assert_eq!(res.extensions().get::<Error>().map(Error::kind), Some(ErrorKind::MissingHeader));
//! assert_eq!(res.into_body().collect().await?.to_bytes(), r#"{"error":"malformed_signature"}"#);
//! # Ok(())
//! # }
//! ```
//!
//! With axum, `Router::new().route("/webhooks", post(handler)).layer(VerifyLayer::new(verifier))`
//! protects the routes added before it.

mod body;
mod future;
mod service;
mod verify_layer;

pub use body::{BufferedBody, ResponseBody, VerifiedBody};
pub use future::ResponseFuture;
pub use service::Verify;
pub use verify_layer::{
    DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT, JsonErrorResponse, RejectionResponse, VerifyLayer,
};

#[cfg(feature = "axum")]
pub(crate) use verify_layer::json_error_response;
