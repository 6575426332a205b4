//! The receiver's router: the route with the verify and dedupe layers,
//! the 404 fallback, the lost-acknowledgement fault and the observe layer
//! around everything (see the module docs of [`receiver`](super) for the
//! order).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use http::{HeaderValue, StatusCode};
use rand::Rng as _;
use webhook_verify::{Verified, Verifier, VerifyLayer};

use super::metrics::{METRICS_PATH, serve_metrics};
use super::observe::{EventType, Observer, Unrouted, observe};
use super::{Handler, Inbound, ReceiverConfig};
use crate::capture::event_id;
use crate::event_type::event_type;

/// Builds the receiver's router (see the module docs for the layer order).
pub fn router(config: ReceiverConfig, handler: Handler) -> Router {
    let observer = Arc::new(Observer {
        verifying: config.verifier.as_ref().map(Verifier::scheme_name),
        deduping: config.dedupe.is_some(),
        capture: config.capture.clone(),
        body_limit: config.body_limit,
        body_timeout: config.body_timeout,
        on_request: config.on_request.clone(),
        metrics: config.metrics.clone(),
        inspector: config.inspector.clone(),
    });
    let mut route = Router::new().route(&config.path, any(handle));
    if let Some(dedupe) = config.dedupe {
        route = route.route_layer(dedupe);
    }
    if let Some(verifier) = config.verifier {
        route = route
            .route_layer(middleware::from_fn(report_verified))
            .route_layer(
                VerifyLayer::new(verifier)
                    // A local receiver stands in for the app: it answers the
                    // provider's URL handshakes so the provider enables it.
                    .answer_handshakes(true)
                    .body_limit(config.body_limit)
                    .body_timeout(config.body_timeout),
            )
            .route_layer(middleware::from_fn(absolute_http_uri));
    }
    let mut app = route.fallback(not_found).with_state(handler);
    if config.lost_ack_rate > 0.0 {
        let state = (config.lost_ack_rate, Arc::clone(&config.lost_acks));
        app = app.layer(middleware::from_fn_with_state(state, lose_acks));
    }
    let app = app.layer(middleware::from_fn_with_state(observer, observe));
    // Added after the observe layer, so outside it: a scrape is not a
    // webhook. GET and HEAD; other methods get 405.
    match config.metrics {
        Some(metrics) if config.path != METRICS_PATH => {
            app.route(METRICS_PATH, get(serve_metrics).with_state(metrics))
        }
        _ => app,
    }
}

/// Gives the verify layer the URL the request was sent to: this receiver
/// speaks plain HTTP, so an origin-form URI (`/hooks`) becomes
/// `http://{Host}/hooks`. Schemes that sign the URL (Square, Twilio,
/// HubSpot) then verify what a sender on this machine signed; the verifier
/// would otherwise assume `https://` (a public URL configured with
/// `--public-url` still wins).
async fn absolute_http_uri(mut request: Request, next: Next) -> Response {
    // Only a Host that is an authority (`host[:port]`) is used: anything
    // else leaves the URI alone (and a URL-signed request fails to verify).
    if request.uri().scheme().is_none()
        && let Some(host) = request
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.parse::<http::uri::Authority>().ok())
            .filter(|a| !a.as_str().contains('@'))
        && let Ok(uri) = http::Uri::builder()
            .scheme("http")
            .authority(host)
            .path_and_query(request.uri().path_and_query().map_or("/", |pq| pq.as_str()))
            .build()
    {
        // The verify layer reads axum's OriginalUri first (for nested
        // routers), so that is the one to rebuild as well.
        request
            .extensions_mut()
            .insert(axum::extract::OriginalUri(uri.clone()));
        *request.uri_mut() = uri;
    }
    next.run(request).await
}

async fn not_found() -> Response {
    let mut response = StatusCode::NOT_FOUND.into_response();
    response.extensions_mut().insert(Unrouted);
    response
}

/// Copies what the verify layer established onto the response (it sits
/// right inside the verify layer), so the observe layer can tell an event id
/// the signature covers from a claimed one — also for answers the dedupe
/// layer replays without running the handler.
async fn report_verified(request: Request, next: Next) -> Response {
    let verified = request.extensions().get::<Verified>().cloned();
    let mut response = next.run(request).await;
    if let Some(verified) = verified {
        response.extensions_mut().insert(verified);
    }
    response
}

async fn handle(State(handler): State<Handler>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // The body was read whole by the observe layer already: this can't exceed it.
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let verified = parts.extensions.get::<Verified>().cloned();
    let event_id = verified
        .as_ref()
        .and_then(|v| v.event_id.clone())
        .or_else(|| event_id(&parts.headers, &body));
    // Read by the observe layer; read here only if a layer in between
    // dropped the request extensions.
    let event_type = match parts.extensions.get::<EventType>() {
        Some(EventType(event_type)) => event_type.clone(),
        None => event_type(&parts.headers, &body),
    };
    handler
        .handle(Inbound {
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body,
            verified,
            event_id,
            event_type,
        })
        .await
}

async fn lose_acks(
    State((rate, lost)): State<(f64, Arc<AtomicU64>)>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    if response.status().is_success() && rand::rng().random_bool(rate.clamp(0.0, 1.0)) {
        lost.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("fault injection: dropping a 2xx acknowledgement");
        let mut lost = StatusCode::SERVICE_UNAVAILABLE.into_response();
        // Keep what the inner layers reported (verification, routing).
        *lost.extensions_mut() = response.into_parts().0.extensions;
        lost.headers_mut()
            .insert("x-fault", HeaderValue::from_static("lost-ack"));
        return lost;
    }
    response
}
