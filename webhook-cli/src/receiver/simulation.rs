//! The `listen` handler, [`Simulation`]: a fixed answer, simulated
//! failures, slowness and rate limiting, or forwarding byte-exact to the
//! [`Route`]s that match (see [`forward`](super::forward) for the answer).

use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use rand::Rng as _;

use super::forward::{Forwarded, forward};
use super::{HandleRequest, HandlerFuture, Inbound, Route};

/// The `listen` handler: answers a fixed status, or simulates failures,
/// slowness and rate limiting, or forwards byte-exact to the routes that
/// match the request.
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
    /// Forward accepted requests to every route that matches, concurrently,
    /// and answer with the first non-2xx target's response (502 when it
    /// failed), else the first target's. A request no route matches gets
    /// the normal answer. Empty: no forwarding.
    pub routes: Vec<Route>,
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
            routes: Vec::new(),
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
        let routing = !self.routes.is_empty();
        if routing && let Some(response) = forward(&self.client, &self.routes, request).await {
            return response;
        }
        let mut response = (
            self.respond,
            [(http::header::CONTENT_TYPE, "application/json")],
            "{\"received\":true}\n",
        )
            .into_response();
        if routing {
            response.extensions_mut().insert(Forwarded {
                forwards: Vec::new(),
                no_route_matched: true,
            });
        }
        response
    }
}

impl HandleRequest for Simulation {
    fn handle(self: Arc<Self>, request: Inbound) -> HandlerFuture {
        Box::pin(self.answer(request))
    }
}
