//! `webhook listen`: a local receiver built from the verify and idempotency
//! layers, with capture and failure simulation.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use http::StatusCode;
use webhook_cli::capture::CaptureWriter;
use webhook_cli::http_client::{ClientSettings, build_client};
use webhook_cli::receiver::{
    self, Handler, METRICS_PATH, ReceiverConfig, ReceiverMetrics, RequestLog, Simulation,
};
use webhook_cli::serve::serve;

use crate::cli::ListenArgs;
use crate::dedupe::dedupe_layer;
use crate::errors::UsageError;
use crate::listen_ui;
use crate::output::{self, write_inspector_url, write_listening, write_request_log};
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
        if self.path == METRICS_PATH {
            return Err(UsageError(format!(
                "--path {METRICS_PATH} is taken: the listener serves its Prometheus metrics there"
            ))
            .into());
        }
        listen_ui::check_path(&self.path)?;
        let routes = crate::routes::routes(&self.forward_to, self.routes.as_deref())?;
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
        // A target that never answers must not hold the sender's request
        // (and the connection) forever: 30 s, a sender's usual patience,
        // then 502.
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
            routes: routes.clone(),
            client: client.clone(),
        };
        let format = self.output.format();
        let bodies = ctx.verbose > 0;
        let on_request = Arc::new(move |log: &RequestLog| {
            let mut out = std::io::stdout().lock();
            if let Err(err) =
                write_request_log(&mut out, format, log, bodies).and_then(|()| out.flush())
            {
                tracing::warn!(%err, "writing to stdout failed");
            }
        });
        let metrics = ReceiverMetrics::new(dedupe.clone());
        tokio::spawn(upkeep(metrics.clone()));

        // Before the readiness line: a script may send SIGTERM as soon as it
        // has read it, and that must stop the listener cleanly, not kill it.
        let interrupted = crate::signals::interrupt();
        let listener = bind(&self.host, self.port).await?;
        let bound = listener.local_addr().context("reading the bound address")?;
        let ui = if self.ui.ui {
            listen_ui::check_exposure(&self, bound, ctx)?;
            let ui_listener = match self.ui.ui_port {
                Some(port) => Some(bind(&self.host, port).await?),
                None => None,
            };
            let ui_bound = match &ui_listener {
                Some(ui) => ui.local_addr().context("reading the bound address")?,
                None => bound,
            };
            let inspector = listen_ui::inspector(&self, bound, ui_bound, routes, client);
            Some((inspector, ui_listener, ui_bound))
        } else {
            None
        };
        let inspector = ui.as_ref().map(|(inspector, _, _)| Arc::clone(inspector));
        let config = ReceiverConfig {
            path: self.path.clone(),
            verifier,
            dedupe,
            metrics: Some(metrics),
            capture,
            body_limit: self.body_limit,
            body_timeout: self.body_timeout,
            // --quiet: only the readiness line (for load tests).
            on_request: (!ctx.quiet).then_some(on_request as receiver::OnRequest),
            inspector: inspector.clone(),
            ..ReceiverConfig::default()
        };
        let handler: Handler = Arc::new(simulation);
        let app = receiver::router(config, handler);

        // The readiness line: scripts wait for it, then parse the address.
        output::print(|out| write_listening(out, format, bound))?;
        let Some((inspector, ui_listener, ui_bound)) = ui else {
            serve(listener, app, self.header_timeout, interrupted).await;
            return Ok(());
        };
        output::print(|out| write_inspector_url(out, format, ui_bound))?;
        let stop = tokio_util::sync::CancellationToken::new();
        let shutdown = {
            let (stop, inspector) = (stop.clone(), Arc::clone(&inspector));
            async move {
                interrupted.await;
                // Open pages hold event streams: end them, or the graceful
                // shutdown would wait for them.
                inspector.close();
                stop.cancel();
            }
        };
        match ui_listener {
            // The inspector's routes go in front of the receiver, outside
            // its observe layer: never verified, captured or listed.
            None => {
                let app = inspector.router().fallback_service(app);
                serve(listener, app, self.header_timeout, shutdown).await;
            }
            Some(ui_listener) => {
                let receiver = serve(listener, app, self.header_timeout, shutdown);
                let ui = serve(
                    ui_listener,
                    inspector.router(),
                    self.header_timeout,
                    stop.cancelled_owned(),
                );
                tokio::join!(receiver, ui);
            }
        }
        Ok(())
    }
}

/// Moves histogram samples into their buckets now and then, so that a
/// listener nobody scrapes does not keep every sample (a scrape does it too).
async fn upkeep(metrics: ReceiverMetrics) {
    let mut every = tokio::time::interval(Duration::from_secs(10));
    loop {
        every.tick().await;
        metrics.run_upkeep();
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
