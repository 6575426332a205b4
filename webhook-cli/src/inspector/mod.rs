//! The live web inspector behind `webhook listen --ui`: a bounded history
//! of the requests the receiver saw, a JSON API and server-sent events over
//! it, replays, and a page (vanilla HTML/CSS/JS embedded in the binary)
//! that shows them.
//!
//! The receiver's observe layer calls [`Inspector::record`] once per
//! finished request with the request head, its exact body bytes, the
//! response it answered and the verdicts (an [`Observed`]). The inspector
//! keeps the newest [`InspectorSettings::history`] requests, each body cut
//! at [`InspectorSettings::body_cap`] (the capture file keeps everything),
//! and tells every open page about each new one.
//!
//! Everything lives under [`PREFIX`] (`/_webhook/`), mounted in front of
//! the receiver (or on a port of its own): the inspector's own requests are
//! never verified, deduped, captured, forwarded or listed.
//!
//! | path | answers |
//! |---|---|
//! | `GET /_webhook/` | the page (`assets/`) |
//! | `GET /_webhook/api/info` | what the page may offer: scheme, re-signing, forward targets |
//! | `GET /_webhook/api/requests?path=&type=&verdict=&status=&q=` | the history, newest first, filtered |
//! | `GET /_webhook/api/requests/{id}` | one request in full (404 once evicted) |
//! | `GET /_webhook/api/requests/{id}/capture` | the request as a capture line |
//! | `GET /_webhook/api/events?…` | server-sent events: each new or changed request (same filters) |
//! | `POST /_webhook/api/requests/{id}/replay` | replays it (see [`ReplayRequest`]) |
//!
//! # Security
//!
//! The inspector shows every request's headers and body and can send
//! requests, so it only serves its own origin (`guard.rs`): a `Host` (and an
//! `Origin`, when sent) that is neither a loopback name nor the address it
//! is bound to is answered 403 — a web page that rebinds its DNS name to
//! 127.0.0.1 is refused. The replay endpoint takes only `POST` with
//! `Content-Type: application/json` (415 otherwise) and the
//! [`INSPECTOR_HEADER`] (403 otherwise): a cross-origin page can only send
//! that after a CORS preflight, which is never answered. Secrets never
//! reach the page, the API, `Debug` output or logs; the verification
//! reason is the [`webhook_verify::Error`] display, which never holds the
//! secret or the expected MAC.
//!
//! ```no_run
//! use std::sync::Arc;
//! use webhook_cli::inspector::{Inspector, InspectorSettings, PREFIX};
//! use webhook_cli::receiver::{Handler, ReceiverConfig, Simulation, router};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! let inspector = Arc::new(Inspector::new(InspectorSettings::new(addr, addr)));
//! let config = ReceiverConfig {
//!     inspector: Some(Arc::clone(&inspector)),
//!     ..ReceiverConfig::default()
//! };
//! let handler: Handler = Arc::new(Simulation::default());
//! let app = axum::Router::new()
//!     .nest(PREFIX, inspector.router())
//!     .fallback_service(router(config, handler));
//! webhook_cli::serve::serve(listener, app, webhook_cli::serve::DEFAULT_HEADER_TIMEOUT, std::future::pending()).await;
//! # Ok(()) }
//! ```
//!
//! | file | holds |
//! |---|---|
//! | `entry.rs` | [`Entry`]: one request as kept, and its JSON views |
//! | `history.rs` | the bounded store and the broadcast of changes |
//! | `filter.rs` | [`Filter`]: the list's query parameters |
//! | `guard.rs` | the `Host`/`Origin` and CSRF checks |
//! | `api.rs` | the routes and their JSON errors |
//! | `replay.rs` | [`ReplayRequest`]: replays, re-signed or verbatim |
//! | `commands.rs` | copy as `curl`, as `webhook send`, as a capture line |
//! | `assets/` | the page |

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Mutex;

use axum::body::Bytes;
use http::{HeaderMap, HeaderName};
use tokio_util::sync::CancellationToken;
use webhook_verify::{Scheme, Signer};

use crate::receiver::{RequestLog, Route};

mod api;
mod commands;
mod entry;
mod filter;
mod guard;
mod history;
mod replay;

pub use entry::Entry;
pub use filter::Filter;
pub use history::Change;
pub use replay::{ReplayMode, ReplayRequest, ReplayTarget};

/// Where the inspector is mounted: the page is `/_webhook/`, the API
/// `/_webhook/api/…`. A receiver `--path` under it is refused.
pub const PREFIX: &str = "/_webhook";

/// The header the replay endpoint requires (value `1`): a cross-origin page
/// cannot send it without a CORS preflight, which the inspector never
/// answers.
pub const INSPECTOR_HEADER: HeaderName = HeaderName::from_static("x-webhook-inspector");

/// Marks the inspector's own replays to the listener, so the observe layer
/// can link them to their original; removed before anything else sees the
/// request.
pub const REPLAY_MARKER_HEADER: HeaderName = HeaderName::from_static("x-webhook-inspector-replay");

/// Requests kept by default.
pub const DEFAULT_HISTORY: usize = 1_000;

/// Body bytes kept per request by default (256 KiB); the rest is cut, with
/// a marker in the page.
pub const DEFAULT_BODY_CAP: usize = 256 * 1024;

/// How the inspector is set up.
#[derive(Clone)]
pub struct InspectorSettings {
    /// How many requests to keep (at least 1).
    pub history: usize,
    /// Body bytes kept per request and response.
    pub body_cap: usize,
    /// Where the receiver listens: replays to "the listener" go here.
    pub listener: SocketAddr,
    /// Where the page is served (the receiver's address, or `--ui-port`'s):
    /// the one address besides loopback names that `Host` may name.
    pub ui: SocketAddr,
    /// `--ui-allow-remote`: when bound to every interface, any IP address
    /// (not a DNS name) may be the `Host`.
    pub allow_remote: bool,
    /// The listener's scheme, for re-signing and the `webhook send` command.
    pub scheme: Scheme,
    /// Signs re-signed replays; `None` when the listener can't sign.
    pub signer: Option<Signer>,
    /// Why re-signing is unavailable (shown in the page) when `signer` is
    /// `None`.
    pub resign_unavailable: String,
    /// The listener's `--public-url`, for schemes that sign the URL.
    pub public_url: Option<String>,
    /// The `--forward-to` routes: a replay "to the forward targets" goes
    /// to every route that matches it, as the listener forwards.
    pub routes: Vec<Route>,
    /// Sends replays.
    pub client: reqwest::Client,
}

impl InspectorSettings {
    /// Defaults for a receiver at `listener` with its page at `ui`: the
    /// default history and body cap, scheme `webhook`, no signer, no
    /// forward target.
    pub fn new(listener: SocketAddr, ui: SocketAddr) -> Self {
        Self {
            history: DEFAULT_HISTORY,
            body_cap: DEFAULT_BODY_CAP,
            listener,
            ui,
            allow_remote: false,
            scheme: Scheme::Webhook,
            signer: None,
            resign_unavailable: "the listener has no --secret to sign with".to_owned(),
            public_url: None,
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

impl fmt::Debug for InspectorSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InspectorSettings")
            .field("history", &self.history)
            .field("body_cap", &self.body_cap)
            .field("listener", &self.listener)
            .field("ui", &self.ui)
            .field("allow_remote", &self.allow_remote)
            .field("scheme", &self.scheme)
            // Signer's own Debug redacts its keys.
            .field("signer", &self.signer)
            .field(
                "routes",
                &self
                    .routes
                    .iter()
                    .map(|route| crate::redact::redact_url(route.to.as_str()))
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// One finished request as the observe layer reports it to
/// [`Inspector::record`].
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// What `listen` prints for it (verdicts, status, latency).
    pub log: &'a RequestLog,
    /// The request headers as received.
    pub headers: &'a HeaderMap,
    /// The exact request body (what arrived, for a refused one).
    pub body: &'a Bytes,
    /// The response head.
    pub response: &'a http::response::Parts,
    /// The response body.
    pub response_body: &'a Bytes,
    /// Set when this is one of the inspector's replays.
    pub replay: Option<&'a ReplayMarker>,
}

/// A replay in flight, found on a request by
/// [`Inspector::take_replay_marker`].
#[derive(Debug, Clone)]
pub struct ReplayMarker {
    token: String,
    of: u64,
}

/// The live inspector: the history, the replay bookkeeping and the
/// settings. Share it as an `Arc`: the receiver records into it, the
/// routes read from it.
pub struct Inspector {
    settings: InspectorSettings,
    history: history::History,
    /// Replays sent to the listener, by marker token: the original's id,
    /// and the new entry's once recorded.
    pending: Mutex<HashMap<String, (u64, Option<u64>)>>,
    shutdown: CancellationToken,
}

impl fmt::Debug for Inspector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inspector")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Inspector {
    /// An inspector with an empty history.
    pub fn new(settings: InspectorSettings) -> Self {
        Self {
            history: history::History::new(settings.history.max(1)),
            settings,
            pending: Mutex::new(HashMap::new()),
            shutdown: CancellationToken::new(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &InspectorSettings {
        &self.settings
    }

    /// Records one finished request; returns its id.
    pub fn record(&self, observed: Observed<'_>) -> u64 {
        let replay_of = observed.replay.map(|m| m.of);
        let entry = Entry::received(observed, self.settings.body_cap, replay_of);
        let id = self.history.push(entry);
        if let Some(marker) = observed.replay {
            let mut pending = self.pending();
            if let Some(slot) = pending.get_mut(&marker.token) {
                slot.1 = Some(id);
            }
        }
        id
    }

    /// Removes the [`REPLAY_MARKER_HEADER`] from `headers` when it names a
    /// replay this inspector sent (a header a client made up stays, and is
    /// treated like any other).
    pub fn take_replay_marker(&self, headers: &mut HeaderMap) -> Option<ReplayMarker> {
        let token = headers
            .get(&REPLAY_MARKER_HEADER)?
            .to_str()
            .ok()?
            .to_owned();
        let of = self.pending().get(&token)?.0;
        headers.remove(&REPLAY_MARKER_HEADER);
        Some(ReplayMarker { token, of })
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, Option<u64>)>> {
        // A poisoned lock only means a panic elsewhere mid-call; each
        // update of the map is a single insert, set or remove.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A snapshot of one entry, `None` once evicted.
    pub fn get(&self, id: u64) -> Option<Entry> {
        self.history.get(id)
    }

    /// The entries matching `filter`, newest first.
    pub fn list(&self, filter: &Filter) -> Vec<Entry> {
        self.history.list(filter)
    }

    /// Receives every change to the history from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Change> {
        self.history.subscribe()
    }

    /// Ends every event stream (call when the server shuts down, so open
    /// pages don't hold the graceful shutdown up).
    pub fn close(&self) {
        self.shutdown.cancel();
    }

    /// The inspector's routes, to mount under [`PREFIX`].
    pub fn router(self: &std::sync::Arc<Self>) -> axum::Router {
        api::router(std::sync::Arc::clone(self))
    }
}
