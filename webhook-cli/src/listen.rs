//! `webhook listen`: a local receiver built from the verify and idempotency
//! layers, with capture and failure simulation.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use http::StatusCode;
use webhook_cli::capture::CaptureWriter;
use webhook_cli::http_client::{ClientSettings, build_client};
use webhook_cli::receiver::{self, Handler, ReceiverConfig, RequestLog, Simulation};
use webhook_cli::serve::serve;

use crate::cli::ListenArgs;
use crate::dedupe::dedupe_layer;
use crate::errors::UsageError;
use crate::listen_ui;
use crate::output::{self, write_inspector_url, write_listening, write_request_log};
use crate::target_url::parse_target_url;
use crate::{Run, RunContext};

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
        listen_ui::check_path(&self.path)?;
        let verifier = if self.verify {
            Some(
                self.signing
                    .verifier(self.tolerance, self.public_url.as_deref())?,
            )
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
        let client = build_client(
            &self.tls.options(ctx)?,
            &ClientSettings {
                timeout: Some(FORWARD_TIMEOUT),
                ..ClientSettings::default()
            },
        )
        .context("building the HTTP client")?;
        let simulation = Simulation {
            respond: status(self.respond, "--respond")?,
            fail_rate: self.fail_rate,
            fail_status: status(self.fail_status, "--fail-status")?,
            // Retry-After carries whole seconds: round up, so it never asks for less.
            retry_after: self
                .retry_after
                .map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0)),
            delay: self.delay,
            forward_to: forward_to.clone(),
            // A target that never answers must not hold the sender's
            // request (and the connection) forever: 30 s, a sender's usual
            // patience, then 502.
            client: client.clone(),
        };
        let format = self.output.format();
        let on_request = Arc::new(move |log: &RequestLog| {
            let mut out = std::io::stdout().lock();
            if let Err(err) = write_request_log(&mut out, format, log).and_then(|()| out.flush()) {
                tracing::warn!(%err, "writing to stdout failed");
            }
        });
        let listener = bind(&self.host, self.port).await?;
        let bound = listener.local_addr().context("reading the bound address")?;
        let mut ui_listener = None;
        let inspector = if self.ui.ui {
            listen_ui::check_exposure(&self, bound, ctx)?;
            let ui_bound = match self.ui.ui_port {
                Some(port) => {
                    let ui = bind(&self.host, port).await?;
                    let ui_bound = ui.local_addr().context("reading the bound address")?;
                    ui_listener = Some(ui);
                    ui_bound
                }
                None => bound,
            };
            Some(listen_ui::inspector(
                &self, bound, ui_bound, forward_to, client,
            ))
        } else {
            None
        };
        let config = ReceiverConfig {
            path: self.path.clone(),
            verifier,
            dedupe,
            capture,
            body_limit: self.body_limit,
            body_timeout: self.body_timeout,
            // --quiet: only the readiness line (for load tests).
            on_request: (!ctx.quiet).then_some(on_request as receiver::OnRequest),
            inspector: inspector.clone(),
            ..ReceiverConfig::default()
        };
        let handler: Handler = Arc::new(simulation);
        let mut app = receiver::router(config, handler);
        // The inspector's routes go in front of the receiver, outside its
        // observe layer: never verified, captured or listed.
        if let Some(inspector) = inspector.as_ref().filter(|_| ui_listener.is_none()) {
            app = inspector.router().fallback_service(app);
        }

        // The readiness line: scripts wait for it, then parse the address.
        output::print(|out| write_listening(out, format, bound))?;
        let stop = tokio_util::sync::CancellationToken::new();
        let shutdown = {
            let stop = stop.clone();
            let inspector = inspector.clone();
            async move {
                crate::signals::interrupt().await;
                // Open pages hold event streams: end them, or the graceful
                // shutdown would wait for them.
                if let Some(inspector) = inspector {
                    inspector.close();
                }
                stop.cancel();
            }
        };
        let receiver = serve(listener, app, self.header_timeout, shutdown);
        match (&inspector, ui_listener) {
            (Some(inspector), Some(ui_listener)) => {
                let ui_bound = ui_listener
                    .local_addr()
                    .context("reading the bound address")?;
                output::print(|out| write_inspector_url(out, format, ui_bound))?;
                let ui = serve(
                    ui_listener,
                    inspector.router(),
                    self.header_timeout,
                    stop.cancelled_owned(),
                );
                tokio::join!(receiver, ui);
            }
            (Some(_), None) => {
                output::print(|out| write_inspector_url(out, format, bound))?;
                receiver.await;
            }
            (None, _) => receiver.await,
        }
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
