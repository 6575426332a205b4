//! Test helpers: the binary under test and a recording HTTP server.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex, mpsc};
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

/// A `webhook listen` process (stdout read line by line, stderr kept in a
/// temporary file for failure messages); killed on drop.
pub struct Listener {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: tempfile::NamedTempFile,
    /// `http://ADDR`, from the readiness line.
    pub url: String,
}

impl Listener {
    /// Starts `webhook listen ARGS` and waits for its readiness line (text,
    /// or JSON with `--json`).
    pub fn start(args: &[&str]) -> Self {
        let stderr = tempfile::NamedTempFile::new().expect("a temporary file for stderr");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_webhook"))
            .arg("listen")
            .args(args)
            .env_remove("WEBHOOK_SECRET")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(stderr.reopen().expect("reopening the stderr file"))
            .spawn()
            .expect("starting webhook listen");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = Vec::new();
            // Bytes, not `lines()`: a line that is not UTF-8 must reach the
            // assertions rather than end the stream.
            while matches!(stdout.read_until(b'\n', &mut line), Ok(n) if n > 0) {
                if line.ends_with(b"\n") {
                    line.pop();
                }
                let text = String::from_utf8_lossy(&line).into_owned();
                if tx.send(text).is_err() {
                    break;
                }
                line.clear();
            }
        });
        let mut listener = Self {
            child,
            lines,
            stderr,
            url: String::new(),
        };
        let ready = listener.next_line();
        listener.url = match ready.strip_prefix("listening on ") {
            Some(url) => url.to_owned(),
            None => serde_json::from_str::<serde_json::Value>(&ready)
                .ok()
                .and_then(|v| v["listening"].as_str().map(str::to_owned))
                .unwrap_or_else(|| panic!("expected the readiness line, got {ready:?}")),
        };
        listener
    }

    /// The address from the readiness line.
    pub fn addr(&self) -> SocketAddr {
        self.url
            .strip_prefix("http://")
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("not an http://IP:PORT URL: {}", self.url))
    }

    /// The next stdout line. The timeout only keeps a broken build from
    /// hanging the suite; nothing is asserted about speed.
    pub fn next_line(&mut self) -> String {
        self.next_line_within(Duration::from_secs(30))
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// The next stdout line, or why none came within `wait`.
    pub fn next_line_within(&mut self, wait: Duration) -> Result<String, String> {
        self.lines.recv_timeout(wait).map_err(|err| {
            let status = self.child.try_wait();
            format!(
                "no line from webhook listen ({err}); process status {status:?}; stderr:\n{}",
                self.stderr()
            )
        })
    }

    /// Sends SIGTERM and waits for the process to exit (the bound only
    /// keeps a broken shutdown from hanging the suite).
    #[cfg(unix)]
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -TERM failed: {status}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("polling the child") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "webhook listen still running 30 s after SIGTERM; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.stderr.path()).unwrap_or_default()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
}

/// An HTTP server on 127.0.0.1:0 that records every request (headers and
/// exact body bytes) and answers with `behaviour`.
pub struct RecordingServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl RecordingServer {
    pub async fn start(behaviour: impl Fn(&Recorded) -> Response + Send + Sync + 'static) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let state = AppState {
            requests: Arc::clone(&requests),
            behaviour: Arc::new(behaviour),
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
