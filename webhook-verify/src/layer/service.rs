use std::fmt;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, header};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tower_service::Service;

use super::body::{ResponseBody, VerifiedBody};
use super::future::ResponseFuture;
use super::verify_layer::VerifyLayer;
use crate::error::{Error, ErrorKind};
use crate::scheme::WebhookRequest;
use crate::verifier::Verifier;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The verify middleware; build it with [`VerifyLayer`] or [`Verify::layer`].
#[derive(Clone)]
pub struct Verify<S> {
    inner: S,
    layer: VerifyLayer,
}

impl<S> Verify<S> {
    /// Wraps `inner` with the default settings of [`VerifyLayer::new`].
    pub fn new(inner: S, verifier: Verifier) -> Self {
        Self::from_layer(inner, VerifyLayer::new(verifier))
    }

    /// A [`VerifyLayer`] for `verifier`, to configure and apply.
    pub fn layer(verifier: Verifier) -> VerifyLayer {
        VerifyLayer::new(verifier)
    }

    pub(crate) fn from_layer(inner: S, layer: VerifyLayer) -> Self {
        Self { inner, layer }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: fmt::Debug> fmt::Debug for Verify<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verify")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Verify<S>
where
    S: Service<Request<VerifiedBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Body + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        // The service that was polled ready goes into the future; a fresh
        // clone stays behind for the next call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        ResponseFuture::new(async move {
            let (mut parts, body) = req.into_parts();
            let verifier = &layer.verifier;
            if layer.config.handshakes
                && let Some(reply) = verifier.unsigned_handshake(&request(&parts, b""))
            {
                tracing::debug!(path = parts.uri.path(), "unsigned handshake answered");
                return Ok(reply.map(ResponseBody::layer));
            }
            let outcome = match read_body(&parts, body, &layer).await {
                Ok(bytes) => {
                    // A handshake told apart by its body (WooCommerce's
                    // creation ping) shows only once the body is read.
                    if layer.config.handshakes
                        && !bytes.is_empty()
                        && let Some(reply) = verifier.unsigned_handshake(&request(&parts, &bytes))
                    {
                        tracing::debug!(path = parts.uri.path(), "unsigned handshake answered");
                        return Ok(reply.map(ResponseBody::layer));
                    }
                    verifier
                        .verify_request(&request(&parts, &bytes))
                        .map(|verified| (verified, bytes))
                }
                Err(err) => Err(err),
            };
            match outcome {
                Ok((verified, bytes)) => {
                    if layer.config.handshakes
                        && let Some(reply) = verifier.handshake(&request(&parts, &bytes), &verified)
                    {
                        tracing::debug!(scheme = verified.scheme, "handshake answered");
                        return Ok(reply.map(ResponseBody::layer));
                    }
                    tracing::debug!(
                        scheme = verified.scheme,
                        event_id = verified.event_id.as_deref(),
                        secret_index = verified.secret_index,
                        "webhook verified"
                    );
                    parts.extensions.insert(verified);
                    let req = Request::from_parts(parts, VerifiedBody::new(bytes));
                    inner
                        .call(req)
                        .await
                        .map(|res| res.map(ResponseBody::inner))
                }
                Err(err) => {
                    log_rejection(&parts, &err);
                    let mut res = layer.config.rejection.response(&err);
                    res.extensions_mut().insert(err);
                    Ok(res.map(ResponseBody::layer))
                }
            }
        })
    }
}

/// What the scheme sees of the request. Under axum's `Router::nest` the
/// URI has lost its prefix; the URL a provider signed (Square, Twilio,
/// HubSpot) has it, so axum's `OriginalUri` wins when it is there.
fn request<'a>(parts: &'a http::request::Parts, body: &'a [u8]) -> WebhookRequest<'a> {
    #[cfg(feature = "axum")]
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    #[cfg(not(feature = "axum"))]
    let uri = &parts.uri;
    WebhookRequest::new(&parts.headers, body)
        .with_method(&parts.method)
        .with_uri(uri)
}

/// Collects the body under the size limit and the read timeout.
async fn read_body<B>(
    parts: &http::request::Parts,
    body: B,
    layer: &VerifyLayer,
) -> Result<Bytes, Error>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let limit = layer.config.body_limit;
    let too_large =
        || Error::new(ErrorKind::PayloadTooLarge).with_detail(format!("limit is {limit} bytes"));
    // Refuse early when the request says up front that it is too large.
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if declared.is_some_and(|len| len > limit_u64) || body.size_hint().lower() > limit_u64 {
        return Err(too_large());
    }
    let collect = Limited::new(body, limit).collect();
    match tokio::time::timeout(layer.config.body_timeout, collect).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(err)) if err.is::<LengthLimitError>() => Err(too_large()),
        Ok(Err(err)) => {
            tracing::debug!(error = %err, "webhook body could not be read");
            Err(Error::new(ErrorKind::BodyRead))
        }
        Err(_elapsed) => Err(Error::new(ErrorKind::BodyTimeout).with_detail(format!(
            "body not received within {:?}",
            layer.config.body_timeout
        ))),
    }
}

fn log_rejection(parts: &http::request::Parts, err: &Error) {
    let path = parts.uri.path();
    match err.kind() {
        ErrorKind::SignatureMismatch
        | ErrorKind::TimestampTooOld
        | ErrorKind::TimestampInFuture => {
            tracing::warn!(%path, status = err.status().as_u16(), error = %err, "webhook rejected");
        }
        _ => {
            tracing::debug!(%path, status = err.status().as_u16(), error = %err, "webhook rejected");
        }
    }
}
