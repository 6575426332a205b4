//! `webhook listen`: a local receiver built from the verify and idempotency
//! layers, with capture and failure simulation.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use http::StatusCode;
use webhook_cli::capture::CaptureWriter;
use webhook_cli::http_client::{ClientSettings, build_client};
use webhook_cli::receiver::{self, Handler, ReceiverConfig, RequestLog, Simulation};
use webhook_cli::redact::redact_url;
use webhook_cli::serve::serve;
use webhook_idempotency::{IdSource, IdempotencyLayer, MemoryStore, RedisStore};
use webhook_verify::headers;

use crate::cli::ListenArgs;
use crate::errors::UsageError;
use crate::output::println_flush;
use crate::target_url::parse_target_url;
use crate::{Run, RunContext};

/// Where dedupe finds the event id. A verified request is keyed on signed
/// bytes only (the layer's default: the signed id, else the body's `"id"`,
/// else the body's SHA-256), so a replay under a new unsigned id header is
/// still a duplicate. Without `--verify` nothing is signed and the id
/// headers are as good as anything: `X-Webhook-Id`, `webhook-id`, else the
/// body's `"id"`.
pub(crate) fn id_source() -> IdSource {
    IdSource::Verified
        .or(IdSource::Header(headers::X_WEBHOOK_ID))
        .or(IdSource::Header(headers::WEBHOOK_ID))
        .or(IdSource::json("/id"))
}

/// The dedupe layer of `listen` and `roundtrip`. `lease` overrides the
/// layer's default claim lease (and with it how long a 409's `Retry-After`
/// can ask a sender to wait); `retention` how long completed events are
/// remembered; `body_limit` is the receiver's, so dedupe never refuses a
/// body the receiver accepted.
pub(crate) async fn dedupe_layer(
    redis: Option<&str>,
    prefix: &str,
    lease: Option<Duration>,
    retention: Option<Duration>,
    body_limit: usize,
) -> anyhow::Result<IdempotencyLayer> {
    let builder = match redis {
        Some(url) => {
            let shown = redis_url(url)?;
            IdempotencyLayer::builder(
                RedisStore::connect(url)
                    .await
                    .with_context(|| format!("connecting to Redis at {shown}"))?,
            )
        }
        None => IdempotencyLayer::builder(MemoryStore::new()),
    };
    let builder = match lease {
        Some(lease) => builder.lease(lease),
        None => builder,
    };
    let builder = match retention {
        Some(retention) => builder.retention(retention),
        None => builder,
    };
    builder
        .event_id(id_source())
        .prefix(prefix)
        .body_limit(body_limit)
        .build()
        .context("configuring dedupe")
}

/// Checks a `--redis` URL (a malformed one is a bad argument, exit 2) and
/// returns it fit for printing: without its credentials.
pub(crate) fn redis_url(url: &str) -> anyhow::Result<String> {
    let shown = redact_url(url);
    let scheme_ok = reqwest::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "redis" | "rediss" | "redis+unix" | "unix"));
    if !scheme_ok {
        return Err(UsageError(format!(
            "--redis {shown:?} is not a Redis URL (redis://[:password@]host[:port][/db])"
        ))
        .into());
    }
    Ok(shown)
}

fn status(code: u16, flag: &str) -> anyhow::Result<StatusCode> {
    StatusCode::from_u16(code)
        .map_err(|_| UsageError(format!("{flag} {code} is not an HTTP status")).into())
}

/// How long a `--forward-to` target may take to answer (then 502).
const FORWARD_TIMEOUT: Duration = Duration::from_secs(30);

impl Run for ListenArgs {
    async fn run(self, ctx: &RunContext) -> anyhow::Result<()> {
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
            Some(url) => Some(parse_target_url(url, "--forward-to")?),
            None => None,
        };
        let simulation = Simulation {
            respond: status(self.respond, "--respond")?,
            fail_rate: self.fail_rate,
            fail_status: status(self.fail_status, "--fail-status")?,
            // Retry-After carries whole seconds: round up, so it never asks for less.
            retry_after: self
                .retry_after
                .map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0)),
            delay: self.delay,
            forward_to,
            // A target that never answers must not hold the sender's
            // request (and the connection) forever: 30 s, a sender's usual
            // patience, then 502.
            client: build_client(
                &self.tls.options(ctx)?,
                &ClientSettings {
                    timeout: Some(FORWARD_TIMEOUT),
                    ..ClientSettings::default()
                },
            )
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

        let listener = bind(&self.host, self.port).await?;
        let bound = listener.local_addr().context("reading the bound address")?;
        // The readiness line: scripts wait for it, then parse the address.
        let ready = if json {
            serde_json::json!({ "listening": format!("http://{bound}") }).to_string()
        } else {
            format!("listening on http://{bound}")
        };
        println_flush(&ready).context("writing to stdout")?;
        serve(
            listener,
            app,
            self.header_timeout,
            crate::signals::interrupt(),
        )
        .await;
        Ok(())
    }
}

/// Binds `--host` (an address, `[v6]`, or a name: the first of its
/// addresses that can be bound) and `--port`. A name that does not resolve
/// is a usage error.
async fn bind(host: &str, port: u16) -> anyhow::Result<tokio::net::TcpListener> {
    let name = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let addrs: Vec<_> = tokio::net::lookup_host((name, port))
        .await
        .map_err(|e| UsageError(format!("--host {host}: {e}")))?
        .collect();
    let mut last_error = None;
    for addr in &addrs {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(err) => {
                last_error = Some(anyhow::Error::new(err).context(format!("binding {addr}")))
            }
        }
    }
    Err(last_error.unwrap_or_else(|| UsageError(format!("--host {host}: no address")).into()))
}
