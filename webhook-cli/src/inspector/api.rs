//! The inspector's routes (see the table in the [module docs](super)):
//! the page and its assets, the JSON API, the event stream and the replay
//! endpoint, all behind the `guard.rs` checks. Errors are
//! JSON, `{"error": code, "message": text}`: 404 `not_found` for an id
//! that is unknown or evicted, 400 for a malformed replay, never a 5xx for
//! a client's mistake.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::middleware;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use futures_util::Stream;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use webhook_verify::SignatureScheme as _;

use super::history::Change;
use super::replay::{ReplayRequest, listener_url, replay};
use super::{Filter, Inspector, PREFIX, commands, guard};

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// The largest replay request read (an edited body plus headers, as JSON).
const MAX_REPLAY_REQUEST: usize = 16 << 20;

/// An API error: a status and `{"error": code, "message": text}`.
#[derive(Debug)]
pub(super) struct ApiError {
    pub(super) status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub(super) fn not_found(id: u64) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no request #{id} in the history (never seen, or evicted)"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.code, "message": self.message });
        json_response(self.status, &body)
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// The inspector's router: every route under [`PREFIX`], guarded.
pub(super) fn router(inspector: Arc<Inspector>) -> Router {
    let at = |path: &str| format!("{PREFIX}{path}");
    Router::new()
        .route(&at("/"), get(page))
        .route(&at("/assets/app.js"), get(app_js))
        .route(&at("/assets/app.css"), get(app_css))
        .route(&at("/api/info"), get(info))
        .route(&at("/api/requests"), get(list))
        .route(&at("/api/requests/{id}"), get(detail))
        .route(&at("/api/requests/{id}/capture"), get(capture_line))
        .route(&at("/api/requests/{id}/replay"), post(replay_endpoint))
        .route(&at("/api/events"), get(events))
        .route(
            PREFIX,
            get(|| async { Redirect::permanent(&format!("{PREFIX}/")) }),
        )
        .route(&at("/{*rest}"), any(unknown))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&inspector),
            guard::same_origin_only,
        ))
        .with_state(inspector)
}

/// Headers for the page: no framing, no third-party anything.
fn page_headers(content_type: &'static str) -> [(header::HeaderName, HeaderValue); 5] {
    [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; \
                 base-uri 'none'; form-action 'none'",
            ),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ]
}

async fn page() -> Response {
    (page_headers("text/html; charset=utf-8"), INDEX_HTML).into_response()
}

async fn app_js() -> Response {
    (page_headers("text/javascript; charset=utf-8"), APP_JS).into_response()
}

async fn app_css() -> Response {
    (page_headers("text/css; charset=utf-8"), APP_CSS).into_response()
}

async fn unknown() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such inspector route",
    )
}

async fn info(State(inspector): State<Arc<Inspector>>) -> Response {
    let settings = inspector.settings();
    json_response(
        StatusCode::OK,
        &json!({
            "scheme": settings.scheme.name(),
            "can_resign": settings.signer.is_some(),
            "resign_unavailable": settings.signer.is_none().then_some(&settings.resign_unavailable),
            "forward_to": settings
                .routes
                .iter()
                .map(|route| crate::redact::redact_url(route.to.as_str()))
                .collect::<Vec<_>>(),
            "listener": listener_url(&inspector, ""),
            "history": settings.history.max(1),
            "body_cap": settings.body_cap,
        }),
    )
}

async fn list(State(inspector): State<Arc<Inspector>>, RawQuery(query): RawQuery) -> Response {
    let filter = Filter::from_query(query.as_deref().unwrap_or_default());
    let requests: Vec<Value> = inspector
        .list(&filter)
        .iter()
        .map(|e| e.summary())
        .collect();
    json_response(StatusCode::OK, &json!({ "requests": requests }))
}

/// An id from the path: anything but a number is an id that isn't there.
fn entry_id(id: &str) -> Result<u64, ApiError> {
    id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no request {id:?} in the history (ids are numbers)"),
        )
    })
}

async fn detail(
    State(inspector): State<Arc<Inspector>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = entry_id(&id)?;
    let entry = inspector.get(id).ok_or_else(|| ApiError::not_found(id))?;
    let url = listener_url(&inspector, &entry.path);
    let mut detail = entry.detail();
    let scheme = inspector.settings().scheme;
    let (curl, curl_unavailable) = split(commands::curl(&entry, &url));
    let (send, send_unavailable) = split(commands::send_command(&entry, &url, scheme));
    let capture = commands::capture_line(&entry);
    detail["commands"] = json!({
        "curl": curl,
        "curl_unavailable": curl_unavailable,
        "send": send,
        "send_unavailable": send_unavailable,
        "capture_available": capture.is_ok(),
        "capture_unavailable": capture.err(),
    });
    Ok(json_response(StatusCode::OK, &detail))
}

fn split(result: Result<String, &'static str>) -> (Option<String>, Option<&'static str>) {
    match result {
        Ok(command) => (Some(command), None),
        Err(why) => (None, Some(why)),
    }
}

async fn capture_line(
    State(inspector): State<Arc<Inspector>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = entry_id(&id)?;
    let entry = inspector.get(id).ok_or_else(|| ApiError::not_found(id))?;
    let mut line = commands::capture_line(&entry)
        .map_err(|why| ApiError::new(StatusCode::CONFLICT, "body_truncated", why))?;
    line.push('\n');
    let disposition = format!("attachment; filename=\"request-{id}.ndjson\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-ndjson"),
            ),
            (
                header::CONTENT_DISPOSITION,
                // Built from digits and ASCII: always a valid header value.
                HeaderValue::from_str(&disposition).expect("an ASCII header value"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        line,
    )
        .into_response())
}

async fn replay_endpoint(
    State(inspector): State<Arc<Inspector>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    guard::mutation_allowed(&headers)?;
    let id = entry_id(&id)?;
    let body: Bytes = axum::body::to_bytes(body, MAX_REPLAY_REQUEST)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("a replay request is at most {MAX_REPLAY_REQUEST} bytes"),
            )
        })?;
    let request: ReplayRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("not a replay request: {e}"),
        )
    })?;
    let answer = replay(&inspector, id, request).await?;
    Ok(json_response(StatusCode::OK, &answer))
}

/// Server-sent events: `entry` (a summary, new or changed), `evicted`
/// (`{"id": N}`) and `reset` (the page fell behind: reload the list), for
/// the entries matching the query's filters. Ends when the server shuts
/// down.
async fn events(
    State(inspector): State<Arc<Inspector>>,
    RawQuery(query): RawQuery,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let filter = Filter::from_query(query.as_deref().unwrap_or_default());
    let changes = inspector.subscribe();
    let shutdown = inspector.shutdown.clone();
    let stream = futures_util::stream::unfold(
        (changes, filter, shutdown),
        |(mut changes, filter, shutdown)| async move {
            loop {
                let change = tokio::select! {
                    () = shutdown.cancelled() => return None,
                    change = changes.recv() => change,
                };
                let event = match change {
                    Ok(Change::Upsert(entry)) if filter.matches(&entry) => Event::default()
                        .event("entry")
                        .data(entry.summary().to_string()),
                    Ok(Change::Upsert(_)) => continue,
                    Ok(Change::Evicted(id)) => Event::default()
                        .event("evicted")
                        .data(json!({ "id": id }).to_string()),
                    Err(RecvError::Lagged(_)) => Event::default().event("reset").data("{}"),
                    Err(RecvError::Closed) => return None,
                };
                return Some((Ok(event), (changes, filter, shutdown)));
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}
