//! The `listen` handler, [`Simulation`]: a fixed answer, simulated
//! failures, slowness and rate limiting, or forwarding byte-exact.

use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use rand::Rng as _;

use super::{HandleRequest, HandlerFuture, Inbound};

/// The `listen` handler: answers a fixed status, or simulates failures,
/// slowness and rate limiting, or forwards byte-exact to another URL.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The status of a normal answer.
    pub respond: StatusCode,
    /// Fraction of requests failed on purpose.
    pub fail_rate: f64,
    /// The status of a simulated failure (when `retry_after` is `None`).
    pub fail_status: StatusCode,
    /// Simulated failures are `429` with this `Retry-After` (seconds).
    pub retry_after: Option<u64>,
    /// Delay before every answer.
    pub delay: Option<Duration>,
    /// Forward accepted requests here and answer with its response.
    pub forward_to: Option<reqwest::Url>,
    /// The client used to forward (build it with
    /// [`build_client`](crate::http_client::build_client) for `https://`).
    pub client: reqwest::Client,
}

impl Default for Simulation {
    fn default() -> Self {
        Self {
            respond: StatusCode::OK,
            fail_rate: 0.0,
            fail_status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after: None,
            delay: None,
            forward_to: None,
            // With default options the only fallible step, loading the
            // platform's roots, falls back to trusting none (see
            // `build_client`), and ring supports every TLS version asked for.
            client: crate::http_client::build_client(
                &crate::http_client::TlsOptions::default(),
                &crate::http_client::ClientSettings::default(),
            )
            .expect("a client with default options always builds"),
        }
    }
}

impl Simulation {
    async fn answer(self: Arc<Self>, request: Inbound) -> Response {
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        if self.fail_rate > 0.0 && rand::rng().random_bool(self.fail_rate.clamp(0.0, 1.0)) {
            return match self.retry_after {
                Some(seconds) => {
                    let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
                    response
                        .headers_mut()
                        .insert(http::header::RETRY_AFTER, HeaderValue::from(seconds));
                    response
                }
                None => self.fail_status.into_response(),
            };
        }
        if let Some(target) = &self.forward_to {
            return self.forward(target, request).await;
        }
        (
            self.respond,
            [(http::header::CONTENT_TYPE, "application/json")],
            "{\"received\":true}\n",
        )
            .into_response()
    }

    async fn forward(&self, target: &reqwest::Url, request: Inbound) -> Response {
        let mut headers = request.headers;
        for name in crate::capture::HOP_BY_HOP_HEADERS {
            headers.remove(name);
        }
        let mut url = target.clone();
        if url.query().is_none() {
            url.set_query(request.uri.query());
        }
        let result = async {
            let response = self
                .client
                .request(request.method, url)
                .headers(headers)
                .body(request.body)
                .send()
                .await?;
            let status = response.status();
            let content_type = response.headers().get(http::header::CONTENT_TYPE).cloned();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, content_type, body))
        }
        .await;
        match result {
            Ok((status, content_type, body)) => {
                let mut response = (status, body).into_response();
                if let Some(content_type) = content_type {
                    response
                        .headers_mut()
                        .insert(http::header::CONTENT_TYPE, content_type);
                }
                response
            }
            Err(err) => {
                // reqwest's message carries the URL, credentials and all.
                tracing::warn!(
                    target = %crate::redact::redact_url(target.as_str()),
                    error = %crate::error_chain::error_chain(&err.without_url()),
                    "forwarding failed"
                );
                StatusCode::BAD_GATEWAY.into_response()
            }
        }
    }
}

impl HandleRequest for Simulation {
    fn handle(self: Arc<Self>, request: Inbound) -> HandlerFuture {
        Box::pin(self.answer(request))
    }
}
