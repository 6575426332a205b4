//! The engine: [`Sender`] takes events from a source and hands each one to
//! a task that delivers it, with at most [`SenderConfig::concurrency`]
//! requests in flight and at most [`SenderConfig::max_pending`] events
//! accepted and not finished.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{Semaphore, mpsc};

use super::delivery::{Shared, deliver_one};
use super::rate_limit::RateLimiter;
use super::stats::Stats;
use super::{Hooks, Outgoing, SenderConfig, SenderError, Summary};
use crate::error_chain::error_chain;
use crate::http_client::{ClientSettings, build_client};

/// The sender. Build once, [`run`](Self::run) as often as needed; every run
/// shares the connection pool.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    config: SenderConfig,
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Sender {
    /// Builds the HTTP client ([`build_client`]: rustls with
    /// [`SenderConfig::tls`], no redirects followed, no proxy,
    /// `TCP_NODELAY`) with a keep-alive pool sized to the concurrency.
    pub fn new(config: SenderConfig) -> Result<Self, SenderError> {
        if config.concurrency == 0 {
            return Err(SenderError::Config("concurrency must be at least 1"));
        }
        if config.max_attempts == 0 {
            return Err(SenderError::Config("max attempts must be at least 1"));
        }
        if matches!(config.rate, Some(rate) if !(rate > 0.0 && rate.is_finite())) {
            return Err(SenderError::Config("rate must be a positive number"));
        }
        let settings = ClientSettings {
            max_idle_per_host: Some(config.concurrency),
            user_agent: Some(concat!("webhook-cli/", env!("CARGO_PKG_VERSION")).to_owned()),
            ..ClientSettings::default()
        };
        let client = build_client(&config.tls, &settings)
            .map_err(|e| SenderError::Client(error_chain(&e)))?;
        Ok(Self { client, config })
    }

    /// Delivers every event of `events` and returns the summary once all are
    /// delivered or dead-lettered.
    ///
    /// The iterator runs on a blocking thread (it may read a file), and is
    /// pulled only as fast as events finish, so memory stays bounded by
    /// `max_pending`. An `Err` from the iterator stops the intake, lets the
    /// accepted events finish, and is returned.
    pub async fn run<I, E>(&self, events: I, hooks: Hooks) -> Result<Summary, SenderError>
    where
        I: IntoIterator<Item = Result<Outgoing, E>>,
        I::IntoIter: Send + 'static,
        E: fmt::Display,
    {
        let config = self.config.clone();
        let max_pending = config.max_pending.max(config.concurrency);
        let stop = hooks.stop.clone().unwrap_or_default();
        // After a stop, requests in flight get the grace period, then are given up.
        let grace = {
            let (stop, grace) = (stop.clone(), config.stop_grace);
            tokio::spawn(async move {
                stop.stopped().await;
                tokio::time::sleep(grace).await;
                stop.abort();
            })
        };
        let shared = Arc::new(Shared {
            client: self.client.clone(),
            inflight: Semaphore::new(config.concurrency),
            limiter: config.rate.map(|rate| RateLimiter::new(rate, config.burst)),
            config,
            gone: AtomicBool::new(false),
            stop: stop.clone(),
            stats: Stats::new(),
            hooks,
            io_error: Mutex::new(None),
        });

        let (tx, mut rx) = mpsc::channel::<Result<Outgoing, String>>(256);
        let iter = events.into_iter();
        let producer = tokio::task::spawn_blocking(move || {
            for item in iter {
                let stop = item.is_err();
                if tx.blocking_send(item.map_err(|e| e.to_string())).is_err() || stop {
                    break;
                }
            }
        });

        let started = Instant::now();
        let pending = Arc::new(Semaphore::new(max_pending));
        let mut source_error = None;
        loop {
            let permit = tokio::select! {
                biased;
                () = stop.stopped() => break,
                // Nothing ever calls `close` on this semaphore, and acquiring
                // fails only when closed.
                permit = Arc::clone(&pending).acquire_owned() => {
                    permit.expect("pending semaphore is never closed")
                }
            };
            let item = tokio::select! {
                biased;
                () = stop.stopped() => break,
                item = rx.recv() => item,
            };
            let Some(item) = item else { break };
            let event = match item {
                Ok(event) => event,
                Err(err) => {
                    source_error = Some(SenderError::Source(err));
                    break;
                }
            };
            shared.stats.sent.fetch_add(1, Ordering::Relaxed);
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                deliver_one(&shared, event).await;
                drop(permit);
            });
        }
        drop(rx);
        // Wait for every accepted event to finish: they each hold a permit.
        let all = u32::try_from(max_pending).unwrap_or(u32::MAX);
        // As above: the semaphore is never closed.
        let _all = pending
            .acquire_many(all)
            .await
            .expect("pending semaphore is never closed");
        grace.abort();
        let interrupted = stop.is_stopped();
        // After a stop the producer may be blocked reading a source that will
        // not end (stdin): leave it; it ends when it next tries to send.
        if !interrupted {
            let _ = producer.await;
        }
        let elapsed = started.elapsed();

        if let Some(results) = &shared.hooks.results {
            results.flush()?;
        }
        if let Some(err) = shared
            .io_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            return Err(err);
        }
        if let Some(err) = source_error {
            return Err(err);
        }
        let mut summary = shared
            .stats
            .summary(elapsed, shared.gone.load(Ordering::Relaxed));
        summary.interrupted = interrupted;
        Ok(summary)
    }
}
