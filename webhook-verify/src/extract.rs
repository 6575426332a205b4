//! axum extractors for verified webhooks (feature `axum`).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::StatusCode;
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::layer::json_error_response;
use crate::verifier::Verified;

/// Extracts the [`Verified`] metadata that [`VerifyLayer`](crate::VerifyLayer)
/// inserted.
///
/// - Rejects with **500** [`MissingVerification`] when the request did not go
///   through the verify layer — a wiring mistake (for instance a route added
///   after `.layer(…)`), never a client error.
///
/// ```
/// use axum::{Router, routing::post};
/// use webhook_verify::{Scheme, Verified, Verifier, VerifyLayer};
///
/// async fn handler(verified: Verified) -> String {
///     format!("{} event {:?}", verified.scheme, verified.event_id)
/// }
///
/// let app: Router = Router::new()
///     .route("/webhooks", post(handler))
///     .layer(VerifyLayer::new(Verifier::new(Scheme::GitHub, "s3cret")?));
/// # let _: Router = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<S: Send + Sync> FromRequestParts<S> for Verified {
    type Rejection = MissingVerification;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Verified>()
            .cloned()
            .ok_or(MissingVerification)
    }
}

/// The verify layer did not run for this request (see [`Verified`]'s
/// extractor); answered with 500.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the webhook verify layer did not run for this route")]
pub struct MissingVerification;

impl IntoResponse for MissingVerification {
    fn into_response(self) -> Response {
        tracing::error!("{self}: add VerifyLayer with Router::layer after the webhook routes");
        json_error_response(StatusCode::INTERNAL_SERVER_ERROR, "verification_missing")
    }
}

/// The verified metadata and the verified body parsed as JSON into `T`.
///
/// Unlike `axum::Json` it does not insist on a `Content-Type` (providers
/// differ) and parses exactly the bytes that were verified.
///
/// - Rejects with **500** when the verify layer did not run (see [`Verified`]).
/// - Rejects with **400** `{"error":"invalid_json"}` when the body is not
///   JSON of type `T`.
/// - Consumes the body, so it must be the last extractor.
///
/// ```
/// use axum::{Router, routing::post};
/// use serde::Deserialize;
/// use webhook_verify::extract::VerifiedEvent;
/// use webhook_verify::{Scheme, Verifier, VerifyLayer};
///
/// #[derive(Deserialize)]
/// struct Event {
///     id: String,
///     #[serde(rename = "type")]
///     kind: String,
/// }
///
/// async fn handler(VerifiedEvent { meta, event }: VerifiedEvent<Event>) -> String {
///     format!("{} {} via {}", event.id, event.kind, meta.scheme)
/// }
///
/// let app: Router = Router::new()
///     .route("/stripe", post(handler))
///     .layer(VerifyLayer::new(Verifier::new(Scheme::Stripe, "whsec_x")?));
/// # let _: Router = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedEvent<T> {
    /// What verification established.
    pub meta: Verified,
    /// The parsed body.
    pub event: T,
}

/// Why [`VerifiedEvent`] could not be extracted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifiedEventRejection {
    /// The verify layer did not run for this route (500).
    #[error(transparent)]
    MissingVerification(#[from] MissingVerification),
    /// The body could not be read (400).
    #[error("the webhook body could not be read")]
    Body,
    /// The body is not JSON of the expected type (400).
    #[error("the webhook body is not the expected JSON: {0}")]
    InvalidJson(#[source] serde_json::Error),
}

impl IntoResponse for VerifiedEventRejection {
    fn into_response(self) -> Response {
        match self {
            Self::MissingVerification(missing) => missing.into_response(),
            Self::Body => json_error_response(StatusCode::BAD_REQUEST, "body_read_error"),
            Self::InvalidJson(err) => {
                // serde_json's message names the position and expected type, never the payload.
                tracing::debug!(error = %err, "verified webhook body is not the expected JSON");
                json_error_response(StatusCode::BAD_REQUEST, "invalid_json")
            }
        }
    }
}

impl<T, S> FromRequest<S> for VerifiedEvent<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = VerifiedEventRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let meta = req
            .extensions()
            .get::<Verified>()
            .cloned()
            .ok_or(MissingVerification)?;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| VerifiedEventRejection::Body)?;
        let event = serde_json::from_slice(&bytes).map_err(VerifiedEventRejection::InvalidJson)?;
        Ok(Self { meta, event })
    }
}
