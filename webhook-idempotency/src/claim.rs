//! The life of one event: acquire a claim, run the handler,
//! record the outcome (complete) or give the event back (release).
//!
//! ```text
//! acquire ──completed──▶ replay the record
//!    │ ────in progress─▶ 409, Retry-After = lease left
//!    │ ────store error─▶ 503 (fail-closed) / handler without dedupe (fail-open)
//!    ▼ acquired: the heartbeat renews the claim from now on
//! handler (inline)   ──panic / error / non-final status──▶ release
//!    │ ──timeout──▶ 503; the handler goes on in a task of its own, renewal
//!    │              stops; a late outcome is still recorded
//!    ▼ final status (2xx, or marked final)
//! read the body to record it (bounded in bytes and time), then complete,
//! retrying with backoff for up to a lease while the claim is renewed
//! ```

use std::any::Any;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::FutureExt;
use futures_util::future::CatchUnwind;
use futures_util::future::Either;
use http::request::Parts;
use http::{HeaderMap, Request, Response};
use http_body::Body;
use http_body_util::BodyExt;
use tokio::time::Instant;
use tower_service::Service;

use crate::body::{BufferedBody, ResponseBody};
use crate::config::{Config, OnMismatch, OnStoreError};
use crate::error::{BoxError, StoreError, StoreErrorKind};
use crate::event_id::EventKey;
use crate::heartbeat::ClaimGuard;
use crate::metrics::Counter;
use crate::rejection::{Rejection, rejection, rejection_retry_after, replay};
use crate::store::{Acquire, Fingerprint, Outcome, OwnerToken};

type Answer<B, E> = Result<Response<ResponseBody<B>>, E>;

/// The first pause between two attempts to record an outcome.
const FIRST_BACKOFF: Duration = Duration::from_millis(10);

/// Claims `event`, runs the handler if the claim is ours, and answers.
pub(crate) async fn process<S, ResBody>(
    config: Arc<Config>,
    inner: S,
    parts: Box<Parts>,
    bytes: Bytes,
    event: EventKey,
    fingerprint: Fingerprint,
) -> Answer<ResBody, S::Error>
where
    S: Service<Request<BufferedBody>, Response = Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    let token = OwnerToken::random();
    // Before the acquire is sent: the lease can only be longer than we think.
    let acquired_at = Instant::now();
    // A completed record keeps its fingerprint in strict mode only.
    let mismatch = |stored: Option<Fingerprint>| {
        if stored.is_none_or(|stored| stored == fingerprint) {
            return false;
        }
        config.counters.incr(Counter::FingerprintMismatch);
        tracing::warn!(
            event_id = %event.logged(),
            "duplicate event with a different body"
        );
        config.on_mismatch == OnMismatch::Reject
    };
    match acquire(&config, &event, token, fingerprint).await {
        Ok(Acquire::Acquired) => {
            // Completed records keep the fingerprint only in strict mode.
            let kept = (config.on_mismatch == OnMismatch::Reject).then_some(fingerprint);
            // Boxed: its state (handler, timeout, body reading, recording)
            // is large, and the request's future is boxed for every event
            // (it may move to a task); only claimed events pay for that
            // state.
            let work = Box::pin(run_claimed(
                config,
                inner,
                parts,
                bytes,
                Claimed {
                    event,
                    token,
                    fingerprint: kept,
                },
                acquired_at,
            ));
            // Awaited in a statement of its own: a temporary of the
            // statement that awaits would keep room for the unboxed future
            // in this one's state, for every event.
            work.await
        }
        Ok(Acquire::Completed {
            outcome,
            fingerprint: stored,
        }) => {
            if mismatch(stored) {
                Ok(rejection(&config, Rejection::FingerprintMismatch))
            } else {
                config.counters.incr(Counter::Duplicate);
                tracing::info!(
                    event_id = %event.logged(),
                    status = outcome.status.as_u16(),
                    "duplicate of a processed event: replaying its outcome"
                );
                Ok(replay(outcome))
            }
        }
        Ok(Acquire::InProgress {
            lease_remaining,
            fingerprint: stored,
        }) => {
            if mismatch(Some(stored)) {
                Ok(rejection(&config, Rejection::FingerprintMismatch))
            } else {
                config.counters.incr(Counter::InFlightConflict);
                tracing::info!(
                    event_id = %event.logged(),
                    lease_remaining = ?lease_remaining,
                    "event in progress elsewhere: 409"
                );
                Ok(rejection_retry_after(
                    &config,
                    Rejection::InProgress,
                    lease_remaining,
                ))
            }
        }
        Err(e) => match config.on_store_error {
            OnStoreError::FailClosed => {
                if e.kind() == StoreErrorKind::Full {
                    tracing::warn!(
                        event_id = %event.logged(),
                        error = %e,
                        "idempotency store is full: 503, handler not called \
                         (size the store for peak rate × retention)"
                    );
                } else {
                    tracing::error!(
                        event_id = %event.logged(),
                        error = %e,
                        "idempotency store unavailable: 503, handler not called"
                    );
                }
                Ok(rejection_retry_after(
                    &config,
                    Rejection::StoreUnavailable,
                    config.store_retry_after,
                ))
            }
            OnStoreError::FailOpen => {
                tracing::warn!(
                    event_id = %event.logged(),
                    error = %e,
                    "idempotency store unavailable: running the handler WITHOUT deduplication (fail-open)"
                );
                // Boxed, in a statement of its own: the handler's future
                // would otherwise make every event's state larger.
                let plain = Box::pin(call_plain(inner, parts, bytes));
                let answer = plain.await;
                if let Ok(res) = &answer
                    && config.is_final(res.status())
                {
                    config.counters.incr(Counter::Processed);
                }
                answer
            }
        },
    }
}

/// Whether a claim may exist in the store although the acquire failed (its
/// answer was lost, or it landed after the timeout).
fn may_have_landed(e: &StoreError) -> bool {
    matches!(
        e.kind(),
        StoreErrorKind::Timeout | StoreErrorKind::Unavailable | StoreErrorKind::Protocol
    )
}

/// Acquire, tried twice when the first attempt may simply have lost its
/// answer (acquire is idempotent for one token). When both fail, a claim
/// that lands late would block the event for a whole lease with nobody
/// running it: it is released in the background.
async fn acquire(
    config: &Arc<Config>,
    event: &EventKey,
    token: OwnerToken,
    fingerprint: Fingerprint,
) -> Result<Acquire, StoreError> {
    let store = &config.store;
    let mut acquired = store
        .acquire(event.key(), token, fingerprint, config.lease)
        .await;
    if let Err(e) = &acquired
        && may_have_landed(e)
    {
        tracing::debug!(event_id = %event.logged(), error = %e, "acquire failed, retrying once");
        config.counters.incr(Counter::StoreError);
        acquired = store
            .acquire(event.key(), token, fingerprint, config.lease)
            .await;
    }
    if let Err(e) = &acquired {
        if e.kind() == StoreErrorKind::Full {
            config.counters.incr(Counter::StoreFull);
        } else {
            config.counters.incr(Counter::StoreError);
        }
        if may_have_landed(e) {
            release_in_background(config.clone(), event.clone(), token);
        }
    }
    acquired
}

/// At most this many failed acquires are released in the background at once
/// (a long outage fails every request); beyond it, a claim that landed late
/// expires with its lease.
const MAX_BACKGROUND_RELEASES: usize = 1024;

/// Deletes the claim of a failed acquire if it landed: retried with backoff
/// until the store answers, for at most a lease (after that it expired).
fn release_in_background(config: Arc<Config>, event: EventKey, token: OwnerToken) {
    let pending = &config.background_releases;
    if pending.fetch_add(1, Ordering::Relaxed) >= MAX_BACKGROUND_RELEASES {
        pending.fetch_sub(1, Ordering::Relaxed);
        tracing::debug!(
            event_id = %event.logged(),
            "too many background releases pending: a late claim of this event expires with its lease"
        );
        return;
    }
    // Counted down when the task's future is dropped, whether it finished
    // or its runtime shut down first (polled or not).
    let slot = BackgroundRelease(config);
    tokio::spawn(async move {
        release_late_claim(&slot.0, &event, token).await;
    });
}

/// One of the [`MAX_BACKGROUND_RELEASES`] slots, given back on drop.
struct BackgroundRelease(Arc<Config>);

impl Drop for BackgroundRelease {
    fn drop(&mut self) {
        self.0.background_releases.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn release_late_claim(config: &Config, event: &EventKey, token: OwnerToken) {
    let deadline = Instant::now() + config.lease;
    let mut delay = Duration::from_millis(50);
    loop {
        match config.store.release(event.key(), token).await {
            Ok(true) => {
                tracing::info!(
                    event_id = %event.logged(),
                    "a claim whose acquire had failed landed late: released"
                );
                return;
            }
            Ok(false) => return,
            Err(_) if Instant::now() + delay >= deadline => return,
            Err(_) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// Calls the inner service without deduplication.
pub(crate) async fn call_plain<S, ResBody>(
    mut inner: S,
    parts: Box<Parts>,
    bytes: Bytes,
) -> Answer<ResBody, S::Error>
where
    S: Service<Request<BufferedBody>, Response = Response<ResBody>>,
{
    let res = inner
        .call(Request::from_parts(*parts, BufferedBody::new(bytes)))
        .await?;
    Ok(res.map(ResponseBody::inner))
}

/// An event this worker claimed.
struct Claimed {
    event: EventKey,
    token: OwnerToken,
    /// What the completed record keeps of the fingerprint.
    fingerprint: Option<Fingerprint>,
}

async fn run_claimed<S, ResBody>(
    config: Arc<Config>,
    mut inner: S,
    mut parts: Box<Parts>,
    bytes: Bytes,
    claimed: Claimed,
    acquired_at: Instant,
) -> Answer<ResBody, S::Error>
where
    S: Service<Request<BufferedBody>, Response = Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    let (event, token) = (&claimed.event, claimed.token);
    let mut claim = config.heartbeat.register(event, token, acquired_at);
    if claim.started_task() {
        // Lets the new heartbeat task start before the handler may block
        // this thread (see `started_task`); once per layer.
        tokio::task::yield_now().await;
    }
    tracing::debug!(event_id = %event.logged(), "claimed event: running the handler");
    parts.extensions.insert(token);
    parts.extensions.insert(event.clone());
    let req = Request::from_parts(*parts, BufferedBody::new(bytes));
    // The handler runs inside the request, as under any tower middleware:
    // in the caller's task, with its tracing span and task-locals, and
    // without a task per event. Boxed, so that if it outlives its timeout it
    // can move to a task of its own (below), still running. Its panics are
    // caught here, to give the event back.
    let started = Instant::now();
    let mut handler: Handler<S::Future> =
        Box::pin(AssertUnwindSafe(inner.call(req)).catch_unwind());
    // Most handlers answer on their first poll: no timer for them.
    let joined = match std::future::poll_fn(|cx| Poll::Ready(handler.as_mut().poll(cx))).await {
        Poll::Ready(joined) => joined,
        Poll::Pending => {
            let left = config.handler_timeout.saturating_sub(started.elapsed());
            match tokio::time::timeout(left, &mut handler).await {
                Ok(joined) => joined,
                Err(_elapsed) => {
                    // Releasing now could run the event again next to what
                    // the handler left running; let the lease run out
                    // instead.
                    let remaining = claim.stop_with_lease_left();
                    config.counters.incr(Counter::HandlerTimeout);
                    tracing::warn!(
                        event_id = %event.logged(),
                        timeout = ?config.handler_timeout,
                        lease_remaining = ?remaining,
                        "handler timed out: 503; its claim is kept until its lease expires"
                    );
                    // The handler goes on in a task of its own, and a late
                    // outcome is still recorded: the caller gets its answer
                    // now.
                    tokio::spawn(settle_late(
                        config.clone(),
                        claimed,
                        claim,
                        handler,
                        remaining,
                    ));
                    return Ok(rejection_retry_after(
                        &config,
                        Rejection::HandlerTimeout,
                        remaining,
                    ));
                }
            }
        }
    };
    drop(handler);
    // Boxed, in a statement of its own: recording is most of this future's
    // state, and both boxes then stay small enough for the allocator's
    // per-thread cache (large blocks cost far more).
    let settled = Box::pin(settle(
        &config,
        &claimed,
        &mut claim,
        Ended::of(&config, joined),
    ));
    settled.await
}

/// The handler's future, its panics caught.
type Handler<F> = Pin<Box<CatchUnwind<AssertUnwindSafe<F>>>>;

/// Settles a handler that outlived its timeout if it ends within the
/// `remaining` lease; cancels it (drops its future) otherwise.
async fn settle_late<F, ResBody, E>(
    config: Arc<Config>,
    claimed: Claimed,
    mut claim: ClaimGuard,
    handler: Handler<F>,
    remaining: Duration,
) where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    match tokio::time::timeout(remaining, handler).await {
        Ok(joined) => {
            let ended = Ended::of(&config, joined);
            let _late = settle(&config, &claimed, &mut claim, ended).await;
        }
        Err(_) => {
            tracing::warn!(
                event_id = %claimed.event.logged(),
                "handler still running when its lease expired: cancelled; \
                 a retry may now process the event"
            );
        }
    }
}

/// Records what the handler did and builds the caller's answer.
///
/// Not an `async fn`: its two ways hold different state, and an `async fn`
/// would keep room for its argument, its copy and both ways' locals at once.
fn settle<'a, ResBody, E>(
    config: &'a Config,
    claimed: &'a Claimed,
    claim: &'a mut ClaimGuard,
    ended: Ended<ResBody, E>,
) -> impl Future<Output = Answer<ResBody, E>> + 'a
where
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
    E: 'a,
{
    match ended {
        // One release for every way of not finishing: each call site would
        // add its own state to this future.
        Ended::GiveBack { answer, reason } => Either::Left(async move {
            claim.stop();
            release(config, claimed, &reason).await;
            answer
        }),
        Ended::Final(res) => {
            // Final: the handler's work is done, whatever its body does from
            // here.
            let status = res.status();
            let (parts, body) = res.into_parts();
            Either::Right(async move {
                let (recorded_body, body) = read_to_record(config, &claimed.event, body).await;
                let outcome = Outcome {
                    status,
                    headers: cached_headers(&parts.headers, config),
                    body: recorded_body,
                };
                complete(config, claimed, &outcome, claim).await;
                claim.stop();
                config.counters.incr(Counter::Processed);
                Ok(Response::from_parts(parts, body))
            })
        }
    }
}

/// How the handler ended: a final response to record, or the event goes
/// back to the sender (a panic, an inner-service error, a non-final status)
/// with this answer.
enum Ended<B, E> {
    Final(Response<B>),
    GiveBack {
        answer: Answer<B, E>,
        reason: Cow<'static, str>,
    },
}

impl<B, E> Ended<B, E> {
    /// `joined` is the handler's answer, or its panic.
    fn of(config: &Config, joined: Result<Result<Response<B>, E>, Box<dyn Any + Send>>) -> Self {
        match joined {
            Err(_panic) => Ended::GiveBack {
                answer: Ok(rejection(config, Rejection::HandlerPanicked)),
                reason: "handler panicked".into(),
            },
            Ok(Err(e)) => Ended::GiveBack {
                answer: Err(e),
                reason: "inner service error".into(),
            },
            Ok(Ok(res)) if !config.is_final(res.status()) => Ended::GiveBack {
                reason: format!("handler answered {}", res.status().as_u16()).into(),
                answer: Ok(res.map(ResponseBody::inner)),
            },
            Ok(Ok(res)) => Ended::Final(res),
        }
    }
}

/// Reads the start of a final response's body: all of it when it fits the
/// cache cap and arrives within the cache timeout (→ recorded), else no more
/// than that (→ recorded without a body). The caller's body is what was read
/// followed by the rest, unchanged.
async fn read_to_record<B>(config: &Config, event: &EventKey, body: B) -> (Bytes, ResponseBody<B>)
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let cap = config.body_cache_cap as u64;
    if cap == 0 || body.size_hint().lower() > cap {
        return (Bytes::new(), ResponseBody::inner(body));
    }
    let mut body = Box::pin(body);
    let mut read = VecDeque::new();
    let mut len = 0u64;
    // Taken when a frame first keeps us waiting: most bodies have every
    // frame ready, and need no clock read nor timer.
    let mut deadline = None;
    let (complete, rest, error) = loop {
        // Errors as `BoxError` (`Send`): a ready frame's result is held
        // while this waits, in the branch that does.
        let frame = body
            .frame()
            .map(|f| f.map(|r| r.map_err(Into::<BoxError>::into)));
        let mut next = AssertUnwindSafe(frame).catch_unwind();
        let polled = match (&mut next).now_or_never() {
            Some(frame) => Ok(frame),
            None => {
                let deadline =
                    *deadline.get_or_insert_with(|| Instant::now() + config.body_cache_timeout);
                tokio::time::timeout_at(deadline, next).await
            }
        };
        match polled {
            Ok(Ok(None)) => break (true, None, None),
            Ok(Ok(Some(Ok(frame)))) => {
                len += frame.data_ref().map_or(0, |d| d.len() as u64);
                read.push_back(frame);
                if len > cap {
                    break (false, Some(body), None);
                }
            }
            Ok(Ok(Some(Err(e)))) => {
                tracing::warn!(
                    event_id = %event.logged(),
                    error = %e,
                    "reading the handler's response body failed: its outcome is recorded without a body"
                );
                break (false, None, Some(e));
            }
            Ok(Err(_panic)) => {
                tracing::error!(
                    event_id = %event.logged(),
                    "the handler's response body panicked: its outcome is recorded without a body"
                );
                break (false, None, Some("the response body panicked".into()));
            }
            Err(_elapsed) => {
                tracing::debug!(
                    event_id = %event.logged(),
                    "the handler's response body is slower than the cache timeout: \
                     its outcome is recorded without a body"
                );
                break (false, Some(body), None);
            }
        }
    };
    let recorded = if !complete {
        Bytes::new()
    } else {
        let mut data = read.iter().filter_map(|frame| frame.data_ref());
        match (data.next(), data.next()) {
            (None, _) => Bytes::new(),
            // One data frame (the common case): shared, not copied.
            (Some(only), None) => only.clone(),
            (Some(_), Some(_)) => {
                let mut whole = BytesMut::with_capacity(len as usize);
                for frame in &read {
                    if let Some(data) = frame.data_ref() {
                        whole.extend_from_slice(data);
                    }
                }
                whole.freeze()
            }
        }
    };
    (recorded, ResponseBody::prefixed(read, rest, error))
}

fn cached_headers(headers: &HeaderMap, config: &Config) -> HeaderMap {
    let mut out = HeaderMap::new();
    for name in &config.cached_headers {
        for value in headers.get_all(name) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// Records the outcome, retrying with backoff until the claim's recording
/// deadline (taken at the first failure): a store that blinks (a restart)
/// must not leave a processed event in progress, to be run again after its
/// lease. The caller keeps the claim renewed.
async fn complete(
    config: &Config,
    Claimed {
        event,
        token,
        fingerprint,
    }: &Claimed,
    outcome: &Outcome,
    claim: &ClaimGuard,
) {
    let mut deadline = None;
    let max_backoff = (config.lease / 4).clamp(FIRST_BACKOFF, Duration::from_secs(1));
    let mut delay = FIRST_BACKOFF;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let error = match config
            .store
            .complete(event.key(), *token, outcome, *fingerprint, config.retention)
            .await
        {
            Ok(true) => {
                tracing::debug!(
                    event_id = %event.logged(),
                    status = outcome.status.as_u16(),
                    attempt,
                    "event completed"
                );
                return;
            }
            Ok(false) => {
                tracing::warn!(
                    event_id = %event.logged(),
                    "claim lost before completion (its lease expired): another delivery \
                     may have run the handler too; this outcome is recorded"
                );
                return;
            }
            Err(e) => e,
        };
        config.counters.incr(Counter::StoreError);
        let deadline = *deadline.get_or_insert_with(|| claim.recording_deadline());
        if error.kind() == StoreErrorKind::InvalidArgument || Instant::now() + delay >= deadline {
            tracing::error!(
                event_id = %event.logged(),
                attempt,
                error = %error,
                "outcome not recorded: the claim expires with its lease, then a retry may run the handler again"
            );
            return;
        }
        tracing::warn!(
            event_id = %event.logged(),
            attempt,
            error = %error,
            "could not record the outcome yet; retrying in {delay:?}"
        );
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(max_backoff);
    }
}

/// Gives the event back so the sender's retry processes it. A failure only
/// delays that retry (the claim expires with its lease, no longer renewed),
/// so a few quick attempts suffice.
async fn release(config: &Config, Claimed { event, token, .. }: &Claimed, reason: &str) {
    for attempt in 1..=3u32 {
        match config.store.release(event.key(), *token).await {
            Ok(true) => {
                config.counters.incr(Counter::Released);
                tracing::info!(event_id = %event.logged(), reason, "claim released: a retry will process the event");
                return;
            }
            Ok(false) => {
                tracing::warn!(event_id = %event.logged(), reason, "claim already lost (its lease expired): nothing to release");
                return;
            }
            Err(e) => {
                config.counters.incr(Counter::StoreError);
                tracing::warn!(event_id = %event.logged(), attempt, error = %e, "could not release the claim");
                tokio::time::sleep(FIRST_BACKOFF * 2 * attempt).await;
            }
        }
    }
    tracing::error!(
        event_id = %event.logged(),
        reason,
        "claim not released: the event stays blocked until its lease expires"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_id::EventId;
    use crate::layer::IdempotencyLayerBuilder;
    use crate::store::MemoryStore;

    /// A background release whose runtime shuts down before the task ever
    /// runs still gives its slot back: lost slots would, after
    /// `MAX_BACKGROUND_RELEASES` of them, stop every later release.
    #[test]
    fn a_background_release_dropped_unpolled_gives_its_slot_back() {
        let config = Arc::new(IdempotencyLayerBuilder::new(Arc::new(MemoryStore::new())).config());
        let idle = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        {
            let _context = idle.enter();
            for n in 0..3 {
                let event = EventKey::new("p", "s", EventId::text(format!("evt-{n}")));
                release_in_background(config.clone(), event, OwnerToken::random());
            }
            assert_eq!(config.background_releases.load(Ordering::Relaxed), 3);
        }
        drop(idle); // drops the three tasks, never polled
        assert_eq!(config.background_releases.load(Ordering::Relaxed), 0);
    }
}
