//! Test helpers: the binary under test and a recording HTTP server.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The `webhook` binary.
pub fn webhook() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_webhook"));
    cmd.env_remove("WEBHOOK_SECRET").env_remove("RUST_LOG");
    cmd
}

/// Runs a command off the async runtime (the server under test keeps running).
pub async fn run(mut cmd: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("the webhook binary runs"))
        .await
        .expect("the command thread doesn't panic")
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
    /// The event id (headers, else the body's "id").
    pub id: Option<String>,
    /// 1 for the first request with this id, 2 for the second, …
    pub attempt: usize,
}

type Behaviour = dyn Fn(&Recorded) -> Response + Send + Sync;

#[derive(Clone)]
struct AppState {
    requests: Arc<Mutex<Vec<Recorded>>>,
    behaviour: Arc<Behaviour>,
    delay: Duration,
}

/// An HTTP server on 127.0.0.1:0 that records every request (headers and
/// exact body bytes) and answers with `behaviour`.
pub struct RecordingServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl RecordingServer {
    pub async fn start(behaviour: impl Fn(&Recorded) -> Response + Send + Sync + 'static) -> Self {
        Self::start_slow(Duration::ZERO, behaviour).await
    }

    /// Like [`start`](Self::start), answering each request after `delay`
    /// (recorded on arrival).
    pub async fn start_slow(
        delay: Duration,
        behaviour: impl Fn(&Recorded) -> Response + Send + Sync + 'static,
    ) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let state = AppState {
            requests: Arc::clone(&requests),
            behaviour: Arc::new(behaviour),
            delay,
        };
        let app = axum::Router::new().fallback(record).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the test server runs");
        });
        Self { addr, requests }
    }

    /// Answers every request 200.
    pub async fn ok() -> Self {
        Self::start(|_| StatusCode::OK.into_response()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

async fn record(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let id = webhook_cli::capture::event_id(&parts.headers, &body);
    let recorded = {
        let mut requests = state.requests.lock().unwrap();
        let attempt = 1 + requests
            .iter()
            .filter(|r| id.is_some() && r.id == id)
            .count();
        let recorded = Recorded {
            method: parts.method.to_string(),
            path_and_query: parts
                .uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            headers: parts.headers,
            body,
            at: Instant::now(),
            id,
            attempt,
        };
        requests.push(recorded.clone());
        recorded
    };
    tokio::time::sleep(state.delay).await;
    (state.behaviour)(&recorded)
}

/// A response with a status and headers.
pub fn respond(status: u16, headers: &[(&'static str, &str)]) -> Response {
    let mut response = StatusCode::from_u16(status).unwrap().into_response();
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(*name, HeaderValue::from_str(value).unwrap());
    }
    response
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
