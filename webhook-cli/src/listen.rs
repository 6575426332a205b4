//! `webhook listen`: a local receiver built from the verify and idempotency
//! layers, with capture and failure simulation.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use http::StatusCode;
use webhook_cli::capture::CaptureWriter;
use webhook_cli::receiver::{self, Handler, ReceiverConfig, RequestLog, Simulation};
use webhook_cli::serve::serve;
use webhook_idempotency::{IdSource, IdempotencyLayer, MemoryStore, RedisStore};

use crate::cli::ListenArgs;
use crate::output::{UsageError, println_flush};
use crate::{Context, Run};

/// Where dedupe finds the event id. A verified request is keyed on signed
/// bytes only (the layer's default: the signed id, else the body's `"id"`,
/// else the body's SHA-256), so a replay under a new unsigned id header is
/// still a duplicate. Without `--verify` nothing is signed and the id
/// headers are as good as anything: `X-Webhook-Id`, `webhook-id`, else the
/// body's `"id"`.
pub(crate) fn id_source() -> IdSource {
    IdSource::Verified
        .or(IdSource::header("x-webhook-id"))
        .or(IdSource::header("webhook-id"))
        .or(IdSource::json("/id"))
}

/// The dedupe layer of `listen` and `roundtrip`. `lease` overrides the
/// layer's default claim lease (and with it how long a 409's `Retry-After`
/// can ask a sender to wait); `body_limit` is the receiver's, so dedupe
/// never refuses a body the receiver accepted.
pub(crate) async fn dedupe_layer(
    redis: Option<&str>,
    prefix: &str,
    lease: Option<Duration>,
    body_limit: usize,
) -> anyhow::Result<IdempotencyLayer> {
    let builder = match redis {
        Some(url) => IdempotencyLayer::builder(
            RedisStore::connect(url)
                .await
                .with_context(|| format!("connecting to Redis at {url}"))?,
        ),
        None => IdempotencyLayer::builder(MemoryStore::new()),
    };
    let builder = match lease {
        // The handler timeout must stay below the lease (see the layer's docs).
        Some(lease) => builder.lease(lease).handler_timeout(lease / 2),
        None => builder,
    };
    builder
        .event_id(id_source())
        .prefix(prefix)
        .body_limit(body_limit)
        .build()
        .context("configuring dedupe")
}

fn status(code: u16, flag: &str) -> anyhow::Result<StatusCode> {
    StatusCode::from_u16(code)
        .map_err(|_| UsageError(format!("{flag} {code} is not an HTTP status")).into())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

impl Run for ListenArgs {
    async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        if !self.path.starts_with('/') {
            return Err(UsageError(format!("--path {:?} must start with /", self.path)).into());
        }
        let verifier = if self.verify {
            Some(self.signing.verifier(self.tolerance)?)
        } else {
            None
        };
        let dedupe = if self.dedupe {
            Some(
                dedupe_layer(
                    self.redis.as_deref(),
                    "webhook:listen",
                    None,
                    self.body_limit,
                )
                .await?,
            )
        } else {
            None
        };
        let capture = match &self.capture {
            Some(path) => Some(Arc::new(
                CaptureWriter::append(path).context("opening the capture file")?,
            )),
            None => None,
        };
        let forward_to = match &self.forward_to {
            Some(url) => Some(
                url.parse::<reqwest::Url>()
                    .map_err(|e| UsageError(format!("invalid --forward-to URL {url:?}: {e}")))?,
            ),
            None => None,
        };
        let simulation = Simulation {
            respond: status(self.respond, "--respond")?,
            fail_rate: self.fail_rate,
            fail_status: status(self.fail_status, "--fail-status")?,
            retry_after: self.retry_after,
            delay: self.delay,
            forward_to,
            client: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .context("building the HTTP client")?,
        };
        let json = self.json;
        let on_request = Arc::new(move |log: &RequestLog| {
            let line = if json { log.to_json() } else { log.to_string() };
            if let Err(err) = println_flush(&line) {
                tracing::warn!(%err, "writing to stdout failed");
            }
        });
        let config = ReceiverConfig {
            path: self.path.clone(),
            verifier,
            dedupe,
            capture,
            body_limit: self.body_limit,
            body_timeout: self.body_timeout,
            // --quiet: only the readiness line (for load tests).
            on_request: (!ctx.quiet).then_some(on_request as receiver::OnRequest),
            ..ReceiverConfig::default()
        };
        let handler: Handler = Arc::new(simulation);
        let app = receiver::router(config, handler);

        let addr = SocketAddr::new(self.host, self.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let bound = listener.local_addr().context("reading the bound address")?;
        // The readiness line: scripts wait for it, then parse the address.
        let ready = if json {
            serde_json::json!({ "listening": format!("http://{bound}") }).to_string()
        } else {
            format!("listening on http://{bound}")
        };
        println_flush(&ready).context("writing to stdout")?;
        serve(listener, app, self.header_timeout, shutdown_signal()).await;
        Ok(())
    }
}
