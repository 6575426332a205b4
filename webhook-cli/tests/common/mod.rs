//! Test helpers: the binary under test, a recording HTTP(S) server and a
//! throwaway certificate authority for it.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tempfile::TempDir;

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
    delay: Duration,
}

/// An HTTP server on 127.0.0.1:0 that records every request (headers and
/// exact body bytes) and answers with `behaviour`; or the same over HTTPS.
///
/// A test that starts one expects it to be sent something: dropping a
/// server that received no request fails the test (unless the test is
/// failing already). A test that expects no request says so with
/// [`assert_no_requests`](Self::assert_no_requests), which also makes the
/// drop check that none came later.
pub struct RecordingServer {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT`.
    origin: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Set by `assert_no_requests`: the drop check expects none instead.
    expects_none: AtomicBool,
}

impl RecordingServer {
    pub async fn start(behaviour: impl Fn(&Recorded) -> Response + Send + Sync + 'static) -> Self {
        Self::serve(Duration::ZERO, behaviour, None).await
    }

    /// Like [`start`](Self::start), answering each request after `delay`
    /// (recorded on arrival).
    pub async fn start_slow(
        delay: Duration,
        behaviour: impl Fn(&Recorded) -> Response + Send + Sync + 'static,
    ) -> Self {
        Self::serve(delay, behaviour, None).await
    }

    /// The same server over HTTPS, with the server certificate of `ca`
    /// (valid for localhost and 127.0.0.1); `url` names it `localhost`.
    pub async fn start_tls(
        ca: &TestCa,
        behaviour: impl Fn(&Recorded) -> Response + Send + Sync + 'static,
    ) -> Self {
        Self::serve(Duration::ZERO, behaviour, Some(ca.server_config())).await
    }

    async fn serve(
        delay: Duration,
        behaviour: impl Fn(&Recorded) -> Response + Send + Sync + 'static,
        tls: Option<Arc<rustls::ServerConfig>>,
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
        let origin = match tls {
            None => {
                tokio::spawn(async move {
                    axum::serve(listener, app)
                        .await
                        .expect("the test server runs");
                });
                format!("http://{addr}")
            }
            Some(config) => {
                tokio::spawn(serve_tls(listener, config, app));
                format!("https://localhost:{}", addr.port())
            }
        };
        Self {
            addr,
            origin,
            requests,
            expects_none: AtomicBool::new(false),
        }
    }

    /// Answers every request 200.
    pub async fn ok() -> Self {
        Self::start(|_| StatusCode::OK.into_response()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Asserts that the server has received no request, and makes the drop
    /// check assert that none came later either (instead of failing because
    /// none came): for tests in which nothing may be sent.
    #[track_caller]
    pub fn assert_no_requests(&self) {
        self.expects_none.store(true, Ordering::SeqCst);
        let requests = self.requests();
        assert!(
            requests.is_empty(),
            "the server at {} expected no request and received {}: {requests:#?}",
            self.origin,
            requests.len()
        );
    }

    /// Waits until the server has received at least `n` requests (bounded:
    /// it panics after [`webhook_test_support::PATIENCE`]); returns them.
    pub async fn wait_for_requests(&self, n: usize) -> Vec<Recorded> {
        webhook_test_support::poll_until(
            &format!("the server has received {n} requests"),
            || std::future::ready(self.requests()),
            |requests| requests.len() >= n,
        )
        .await
    }
}

impl Drop for RecordingServer {
    fn drop(&mut self) {
        // A test that is already failing says why; a second panic would abort.
        if std::thread::panicking() {
            return;
        }
        let received = self.requests.lock().map_or(0, |r| r.len());
        if self.expects_none.load(Ordering::SeqCst) {
            assert_eq!(
                received, 0,
                "the server at {} expected no request (assert_no_requests) but received {received}",
                self.origin
            );
        } else {
            assert!(
                received > 0,
                "the server at {} received no request; a test that expects none calls \
                 RecordingServer::assert_no_requests",
                self.origin
            );
        }
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

/// Accepts TLS connections and serves `app` on each (HTTP/1.1). A client
/// that refuses the certificate aborts its handshake: that connection is
/// dropped, the server goes on.
async fn serve_tls(
    listener: tokio::net::TcpListener,
    config: Arc<rustls::ServerConfig>,
    app: axum::Router,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(
                    hyper_util::rt::TokioIo::new(tls),
                    hyper_util::service::TowerToHyperService::new(app),
                )
                .await;
        });
    }
}

/// A certificate authority made for one test, a server certificate it
/// signed for `localhost` and `127.0.0.1`, and a directory for PEM files.
pub struct TestCa {
    dir: TempDir,
    /// The CA certificate as a PEM file: what `--cacert` takes.
    pub ca_file: PathBuf,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
}

impl TestCa {
    pub fn new() -> Self {
        let ca = ca("webhook-cli test CA");
        let server_key = KeyPair::generate().unwrap();
        let server_cert =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .unwrap()
                .signed_by(&server_key, &ca)
                .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        Self {
            dir,
            ca_file,
            server_chain: vec![server_cert.der().clone()],
            server_key: server_key.serialize_der(),
        }
    }

    /// The CA certificate, PEM.
    pub fn ca_pem(&self) -> String {
        std::fs::read_to_string(&self.ca_file).unwrap()
    }

    /// Writes `contents` to `name` in the CA's directory.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(self.server_chain.clone(), key)
        .unwrap();
        Arc::new(config)
    }
}

/// Another CA's certificate (PEM), trusted by nobody's server here.
pub fn unrelated_ca_pem() -> String {
    ca("an unrelated CA").pem()
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// The stderr line of the command's error (`error: …`); asserts there is
/// exactly one, and no log line besides.
pub fn error_line(output: &std::process::Output) -> String {
    let text = stderr(output);
    let errors: Vec<_> = text.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(!text.contains("ERROR"), "{text}");
    errors[0].to_owned()
}

/// Asserts a usage error: exit code 2 and `mentions` in the message.
pub fn assert_usage_error(output: &std::process::Output, args: &[&str], mentions: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.contains(mentions),
        "{args:?}: expected {mentions:?} in {err:?}"
    );
}
