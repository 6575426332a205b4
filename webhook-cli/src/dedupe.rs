//! The dedupe layer of `listen` and `roundtrip`: where it finds the event
//! id, its store (memory or Redis) and the check of a `--redis` URL.

use std::time::Duration;

use anyhow::Context as _;
use webhook_cli::redact::redact_url;
use webhook_idempotency::{IdSource, IdempotencyLayer, MemoryStore, RedisStore};
use webhook_verify::headers;

use crate::errors::UsageError;

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
