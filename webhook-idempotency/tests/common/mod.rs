//! The behavioural suite, written once and run against every store
//! (`suite!(fixture)` in `tests/memory.rs` and `tests/redis.rs`).
//!
//! A case is an `async fn(Fixture)` in [`cases`], listed once in
//! [`suite!`], which makes one `#[tokio::test]` of it per store. A case
//! that is not listed would never run: `cases` denies `dead_code`, so an
//! unlisted case fails the build of both test targets instead.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full};
use tower::{Layer, Service, ServiceExt, service_fn};
use webhook_idempotency::{
    BufferedBody, IdSource, IdempotencyLayer, IdempotencyLayerBuilder, Store,
};
use webhook_test_support::{RedisServer, eventually, poll_until};

/// A store under test, and whatever keeps it alive.
pub(crate) struct Fixture {
    pub(crate) store: Arc<dyn Store>,
    /// The server behind a Redis store, held (never read) so that it lives
    /// as long as the store.
    pub(crate) _redis: Option<RedisServer>,
}

/// Handler invocations, counted.
#[derive(Clone, Default)]
pub(crate) struct Calls(Arc<AtomicUsize>);

impl Calls {
    pub(crate) fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
    fn next(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// A handler service that counts its calls and answers `f(call number)`.
pub(crate) fn handler<F, Fut>(
    calls: Calls,
    f: F,
) -> impl Service<
    Request<BufferedBody>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future: Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static
where
    F: Fn(usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    service_fn(move |_req: Request<BufferedBody>| {
        let fut = f(calls.next());
        async move { Ok::<_, Infallible>(fut.await) }
    })
}

/// For [`handler`]: waits for `gate`, then answers 200 `body`.
pub(crate) fn after_gate(
    gate: &Arc<tokio::sync::Notify>,
    body: &'static str,
) -> impl Fn(usize) -> futures_util::future::BoxFuture<'static, Response<Full<Bytes>>>
+ Clone
+ Send
+ Sync
+ 'static {
    let gate = gate.clone();
    move |_| {
        let gate = gate.clone();
        Box::pin(async move {
            gate.notified().await;
            reply(200, body)
        })
    }
}

pub(crate) fn reply(status: u16, body: &'static str) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *res.status_mut() = StatusCode::from_u16(status).expect("valid status");
    res
}

/// The layer most tests use: id from `x-event-id`, short lease.
pub(crate) fn builder(fx: &Fixture) -> IdempotencyLayerBuilder {
    IdempotencyLayer::builder_shared(fx.store.clone())
        .event_id(IdSource::header("x-event-id"))
        .lease(Duration::from_secs(2))
        .handler_timeout(Duration::from_secs(20))
}

pub(crate) fn delivery(id: &str, body: &str) -> Request<Full<Bytes>> {
    Request::post("/webhooks")
        .header("x-event-id", id)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_owned())))
        .expect("valid request")
}

#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn replayed(&self) -> bool {
        self.headers
            .get("idempotent-replayed")
            .is_some_and(|v| v == "true")
    }
    pub(crate) fn retry_after(&self) -> Option<u64> {
        self.headers.get("retry-after")?.to_str().ok()?.parse().ok()
    }
}

pub(crate) async fn send<S, B, R>(svc: &S, req: Request<R>) -> Reply
where
    S: Service<Request<R>, Response = Response<B>> + Clone,
    S::Error: std::fmt::Debug,
    B: Body,
    B::Error: std::fmt::Debug,
{
    let res = svc.clone().oneshot(req).await.expect("the service failed");
    let (parts, body) = res.into_parts();
    let body = body.collect().await.expect("response body").to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// Generates one `#[tokio::test]` per case, each with a fresh fixture.
macro_rules! suite {
    ($fixture:path) => {
        common::suite_cases!($fixture;
            first_delivery_runs_and_duplicate_replays,
            concurrent_deliveries_run_the_handler_once,
            server_error_releases_and_retry_runs,
            panic_releases_and_retry_runs,
            inner_error_releases,
            dropped_request_future_still_records_success,
            dropped_request_future_releases_on_failure,
            handler_timeout_keeps_the_claim_until_its_lease_ends,
            handler_finishing_after_its_timeout_still_records_its_outcome,
            handler_blocking_its_thread_keeps_its_claim,
            handler_runs_in_the_callers_task,
            handler_blocking_past_its_timeout_is_answered_when_it_returns,
            slow_response_body_completes_instead_of_releasing,
            unsigned_id_header_cannot_replay_a_signed_request,
            numeric_ids_key_on_their_exact_text,
            long_ids_deduplicate,
            durations_too_long_for_the_store_change_nothing,
            panicking_final_statuses_still_settles_the_claim,
            panicking_on_rejection_falls_back_to_the_default_answer,
            prefix_and_scope_never_share_keys,
            client_error_released_unless_final,
            lease_expiry_fences_out_the_stale_worker,
            acquire_is_idempotent_for_the_same_token,
            slow_handler_keeps_its_claim_by_extension,
            different_body_is_a_duplicate_by_default,
            different_body_is_422_in_strict_mode,
            retention_expiry_makes_the_id_processable_again,
            missing_id_is_400_or_passed_through,
            oversized_body_is_413,
            json_pointer_id,
            client_disconnect_over_a_real_server_records_the_outcome,
            real_verify_layer_in_front,
            rejections_can_be_shaped,
        );
    };
}

macro_rules! suite_cases {
    ($fixture:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                common::cases::$case($fixture().await).await;
            }
        )*
    };
}
pub(crate) use {suite, suite_cases};

/// The cases of the suite, each an `async fn(Fixture)`.
///
/// `deny(dead_code)`: every case must be listed in [`suite!`], which is
/// what calls it; one that is not is an error ("function … is never
/// used"), not a case that silently never runs.
#[deny(dead_code)]
pub(crate) mod cases {
    use super::*;
    use axum::Router;
    use axum::routing::post;
    use tokio::io::AsyncWriteExt;
    use tokio::sync::{Notify, mpsc};
    use webhook_idempotency::store::{Acquire, Fingerprint, Outcome, OwnerToken};
    use webhook_idempotency::{MissingId, OnMismatch};

    pub(crate) async fn first_delivery_runs_and_duplicate_replays(fx: Fixture) {
        let calls = Calls::default();
        let layer = builder(&fx)
            .cache_header(http::header::CONTENT_TYPE)
            .build()
            .unwrap();
        let svc = layer.layer(handler(calls.clone(), |_| async {
            let mut res = reply(201, r#"{"created":true}"#);
            res.headers_mut()
                .insert("content-type", "application/json".parse().unwrap());
            res.headers_mut()
                .insert("set-cookie", "session=1".parse().unwrap());
            res
        }));

        let first = send(&svc, delivery("evt-1", "{}")).await;
        assert_eq!(first.status, StatusCode::CREATED);
        assert!(!first.replayed());
        assert_eq!(first.body, r#"{"created":true}"#);
        assert_eq!(
            first.headers["set-cookie"], "session=1",
            "the caller gets the full response"
        );

        let dup = send(&svc, delivery("evt-1", "{}")).await;
        assert_eq!(dup.status, StatusCode::CREATED);
        assert!(dup.replayed());
        assert_eq!(dup.body, r#"{"created":true}"#);
        assert_eq!(dup.headers["content-type"], "application/json");
        assert!(dup.headers.get("set-cookie").is_none(), "not allow-listed");
        assert_eq!(calls.get(), 1);

        // Another id is another event.
        assert!(!send(&svc, delivery("evt-2", "{}")).await.replayed());
        assert_eq!(calls.get(), 2);
        let m = layer.metrics();
        assert_eq!((m.processed, m.duplicates, m.released), (2, 1, 0));
    }

    pub(crate) async fn concurrent_deliveries_run_the_handler_once(fx: Fixture) {
        let calls = Calls::default();
        let layer = builder(&fx).build().unwrap();
        let svc = layer.layer(handler(calls.clone(), |_| async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            reply(200, "ok")
        }));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..200 {
            let svc = svc.clone();
            tasks.spawn(async move { send(&svc, delivery("evt-concurrent", "{}")).await });
        }
        let (mut fresh, mut replays, mut conflicts) = (0, 0, 0);
        while let Some(reply) = tasks.join_next().await {
            let reply = reply.expect("delivery task panicked");
            match reply.status {
                StatusCode::OK if reply.replayed() => replays += 1,
                StatusCode::OK => fresh += 1,
                StatusCode::CONFLICT => {
                    conflicts += 1;
                    assert!(reply.retry_after().is_some_and(|s| s >= 1), "{reply:?}");
                    assert_eq!(reply.body, r#"{"error":"in_progress"}"#);
                }
                other => panic!("unexpected status {other}: {reply:?}"),
            }
        }
        assert_eq!(calls.get(), 1, "the handler ran more than once");
        assert_eq!(fresh, 1);
        assert_eq!(fresh + replays + conflicts, 200);
        let m = layer.metrics();
        assert_eq!(m.in_flight_conflicts, conflicts as u64);
        assert_eq!(m.duplicates, replays as u64);
    }

    pub(crate) async fn server_error_releases_and_retry_runs(fx: Fixture) {
        let calls = Calls::default();
        let layer = builder(&fx).build().unwrap();
        let svc = layer.layer(handler(calls.clone(), |n| async move {
            if n == 1 {
                reply(500, "boom")
            } else {
                reply(200, "ok")
            }
        }));
        let first = send(&svc, delivery("evt-500", "{}")).await;
        assert_eq!(first.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(first.body, "boom");
        let retry = send(&svc, delivery("evt-500", "{}")).await;
        assert_eq!(retry.status, StatusCode::OK);
        assert!(!retry.replayed());
        assert_eq!(calls.get(), 2);
        assert_eq!(layer.metrics().released, 1);
        assert!(send(&svc, delivery("evt-500", "{}")).await.replayed());
        assert_eq!(calls.get(), 2);
    }

    pub(crate) async fn panic_releases_and_retry_runs(fx: Fixture) {
        let calls = Calls::default();
        let layer = builder(&fx).build().unwrap();
        let svc = layer.layer(handler(calls.clone(), |n| async move {
            assert!(
                n != 1,
                "handler panics on its first call (expected in this test)"
            );
            reply(200, "ok")
        }));
        let first = send(&svc, delivery("evt-panic", "{}")).await;
        assert_eq!(first.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(first.body, r#"{"error":"handler_panicked"}"#);
        let retry = send(&svc, delivery("evt-panic", "{}")).await;
        assert_eq!(retry.status, StatusCode::OK);
        assert_eq!(calls.get(), 2);
        assert_eq!(layer.metrics().released, 1);
    }

    pub(crate) async fn inner_error_releases(fx: Fixture) {
        let calls = Calls::default();
        let layer = builder(&fx).build().unwrap();
        let counted = calls.clone();
        let svc = layer.layer(service_fn(move |_req: Request<BufferedBody>| {
            let n = counted.next();
            async move {
                if n == 1 {
                    Err("inner service failed")
                } else {
                    Ok(reply(200, "ok"))
                }
            }
        }));
        let err = svc
            .clone()
            .oneshot(delivery("evt-err", "{}"))
            .await
            .unwrap_err();
        assert_eq!(err, "inner service failed");
        let retry = send(&svc, delivery("evt-err", "{}")).await;
        assert_eq!(retry.status, StatusCode::OK);
        assert_eq!(calls.get(), 2);
    }

    /// A handler that reports it started, then waits for `gate`.
    async fn gated_drop(
        fx: &Fixture,
        status: u16,
    ) -> (
        Calls,
        impl Fn() -> futures_util::future::BoxFuture<'static, Reply>,
    ) {
        let calls = Calls::default();
        let (started_tx, mut started_rx) = mpsc::unbounded_channel();
        let gate = Arc::new(Notify::new());
        let layer = builder(fx).build().unwrap();
        let g = gate.clone();
        let svc = layer.layer(handler(calls.clone(), move |n| {
            let started = started_tx.clone();
            let gate = g.clone();
            async move {
                if n == 1 {
                    started.send(()).unwrap();
                    gate.notified().await;
                    reply(status, "first")
                } else {
                    reply(200, "second")
                }
            }
        }));
        let pending = tokio::spawn({
            let svc = svc.clone();
            async move { send(&svc, delivery("evt-drop", "{}")).await }
        });
        started_rx.recv().await.expect("handler started");
        // The client goes away: its request future is dropped.
        pending.abort();
        assert!(pending.await.unwrap_err().is_cancelled());
        // The claim is still held while the handler runs.
        assert_eq!(
            send(&svc, delivery("evt-drop", "{}")).await.status,
            StatusCode::CONFLICT
        );
        gate.notify_one();
        let again = move || {
            let svc = svc.clone();
            Box::pin(async move { send(&svc, delivery("evt-drop", "{}")).await })
                as futures_util::future::BoxFuture<'static, Reply>
        };
        (calls, again)
    }

    pub(crate) async fn dropped_request_future_still_records_success(fx: Fixture) {
        let (calls, again) = gated_drop(&fx, 200).await;
        // Without a client the outcome is still recorded: a retry is replayed
        // (well before the 2 s lease could have expired and freed the key).
        let last = poll_until("the dropped delivery's outcome is recorded", again, |r| {
            r.status != StatusCode::CONFLICT
        })
        .await;
        assert!(last.replayed(), "{last:?}");
        assert_eq!(last.body, "first");
        assert_eq!(calls.get(), 1);
    }

    pub(crate) async fn dropped_request_future_releases_on_failure(fx: Fixture) {
        let (calls, again) = gated_drop(&fx, 503).await;
        eventually("the failed dropped delivery is released", || {
            let fut = again();
            async move { fut.await.status == StatusCode::OK }
        })
        .await;
        assert_eq!(calls.get(), 2);
    }

    /// Item 4: at the handler timeout the claim is kept (not renewed) until
    /// its lease ends, because what the handler started may still run.
    pub(crate) async fn handler_timeout_keeps_the_claim_until_its_lease_ends(fx: Fixture) {
        let calls = Calls::default();
        let side_effects = Arc::new(AtomicUsize::new(0));
        let layer = builder(&fx)
            .lease(Duration::from_millis(900))
            .handler_timeout(Duration::from_millis(150))
            .build()
            .unwrap();
        let effects = side_effects.clone();
        let svc = layer.layer(handler(calls.clone(), move |n| {
            let effects = effects.clone();
            async move {
                if n == 1 {
                    // Delegated work that outlives the timeout, then a hang.
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        effects.fetch_add(1, Ordering::SeqCst);
                    });
                    std::future::pending::<()>().await;
                }
                reply(200, "ok")
            }
        }));
        let first = send(&svc, delivery("evt-slow", "{}")).await;
        assert_eq!(first.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(first.body, r#"{"error":"handler_timeout"}"#);
        assert_eq!(first.retry_after(), Some(1), "the lease left, rounded up");
        // Not released: the sender's immediate retry must not run the event
        // while the delegated work may still be running.
        let retry = send(&svc, delivery("evt-slow", "{}")).await;
        assert_eq!(retry.status, StatusCode::CONFLICT, "{retry:?}");
        assert_eq!(calls.get(), 1);
        assert_eq!(layer.metrics().released, 0);
        assert_eq!(layer.metrics().handler_timeouts, 1);
        // After the lease the event is processable again (the hung handler
        // was aborted), and the delegated work had finished by then.
        let last = poll_until(
            "the timed-out claim expires",
            || send(&svc, delivery("evt-slow", "{}")),
            |r| r.status != StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(last.status, StatusCode::OK, "{last:?}");
        assert!(!last.replayed());
        assert_eq!(calls.get(), 2);
        assert_eq!(side_effects.load(Ordering::SeqCst), 1);
    }

    /// Item 4, the other way out: a handler that returns after its timeout
    /// but within its lease gets its outcome recorded.
    pub(crate) async fn handler_finishing_after_its_timeout_still_records_its_outcome(fx: Fixture) {
        let calls = Calls::default();
        let layer = builder(&fx)
            .lease(Duration::from_secs(5))
            .handler_timeout(Duration::from_millis(100))
            .build()
            .unwrap();
        let svc = layer.layer(handler(calls.clone(), |_| async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            reply(201, "late")
        }));
        let first = send(&svc, delivery("evt-late", "{}")).await;
        assert_eq!(first.status, StatusCode::SERVICE_UNAVAILABLE);
        let last = poll_until(
            "the late outcome is recorded",
            || send(&svc, delivery("evt-late", "{}")),
            |r| r.status != StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(
            (last.status, last.body.as_str()),
            (StatusCode::CREATED, "late")
        );
        assert!(last.replayed(), "{last:?}");
        assert_eq!(calls.get(), 1);
    }

    /// Item 2: renewal does not depend on the handler being polled. A
    /// handler that blocks its worker thread for twice the lease keeps its
    /// claim: duplicates meanwhile get 409, and it runs once.
    pub(crate) async fn handler_blocking_its_thread_keeps_its_claim(fx: Fixture) {
        const LEASE: Duration = Duration::from_millis(600);
        const BLOCK: Duration = Duration::from_millis(1300);
        let calls = Calls::default();
        let layer = builder(&fx)
            .lease(LEASE)
            .handler_timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let svc = layer.layer(handler(calls.clone(), |_| async {
            std::thread::sleep(BLOCK); // a synchronous driver, CPU work
            reply(200, "blocked")
        }));
        let first = tokio::spawn({
            let svc = svc.clone();
            async move { send(&svc, delivery("evt-block", "{}")).await }
        });
        eventually("the handler starts", || async { calls.get() == 1 }).await;
        let started = tokio::time::Instant::now();
        let mut conflicts = 0;
        while !first.is_finished() {
            let dup = send(&svc, delivery("evt-block", "{}")).await;
            if first.is_finished() && dup.replayed() {
                break; // it finished between the check and the send
            }
            assert_eq!(dup.status, StatusCode::CONFLICT, "{dup:?}");
            conflicts += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            started.elapsed() > LEASE,
            "the duplicates covered more than one lease"
        );
        assert!(conflicts > 0);
        let first = first.await.unwrap();
        assert_eq!(
            (first.status, first.body.as_str()),
            (StatusCode::OK, "blocked")
        );
        assert!(send(&svc, delivery("evt-block", "{}")).await.replayed());
        assert_eq!(calls.get(), 1, "the handler ran twice");
    }

    /// The timeout fires while the handler waits, not while it blocks its
    /// thread (the README says so): a handler that blocks past its timeout
    /// is answered with what it returned when it returns, and that outcome
    /// is recorded as any other.
    pub(crate) async fn handler_blocking_past_its_timeout_is_answered_when_it_returns(fx: Fixture) {
        let calls = Calls::default();
        let layer = builder(&fx)
            .handler_timeout(Duration::from_millis(50))
            .build()
            .unwrap();
        let svc = layer.layer(handler(calls.clone(), |_| async {
            std::thread::sleep(Duration::from_millis(300));
            reply(201, "blocked past its timeout")
        }));
        let first = send(&svc, delivery("evt-block-timeout", "{}")).await;
        assert_eq!(
            (first.status, first.body.as_str()),
            (StatusCode::CREATED, "blocked past its timeout")
        );
        let again = send(&svc, delivery("evt-block-timeout", "{}")).await;
        assert!(again.replayed(), "{again:?}");
        assert_eq!(again.status, StatusCode::CREATED);
        assert_eq!(calls.get(), 1);
        assert_eq!(layer.metrics().handler_timeouts, 0);
    }

    tokio::task_local! {
        static CALLER: u32;
    }

    /// The handler runs in the caller's task, as under any tower
    /// middleware: it sees the caller's task-locals (and so its tracing
    /// span), whether the event is processed or passed through.
    pub(crate) async fn handler_runs_in_the_callers_task(fx: Fixture) {
        let calls = Calls::default();
        let layer = builder(&fx)
            .on_missing_id(MissingId::PassThrough)
            .build()
            .unwrap();
        let svc = layer.layer(handler(calls.clone(), |_| async {
            match CALLER.try_with(|caller| *caller) {
                Ok(7) => reply(200, "caller's task"),
                _ => reply(200, "another task"),
            }
        }));
        let first = CALLER
            .scope(7, send(&svc, delivery("evt-local", "{}")))
            .await;
        assert_eq!(first.body, "caller's task", "{first:?}");
        let unkeyed = Request::post("/")
            .body(Full::new(Bytes::from_static(b"{}")))
            .unwrap();
        let passed = CALLER.scope(7, send(&svc, unkeyed)).await;
        assert_eq!(passed.body, "caller's task", "{passed:?}");
        assert_eq!(calls.get(), 2);
    }

    /// A body that sends `first`, then `rest` after `pause`.
    fn trickle(
        first: &'static str,
        pause: Duration,
        rest: &'static str,
    ) -> http_body_util::StreamBody<
        futures_util::stream::BoxStream<'static, Result<http_body::Frame<Bytes>, Infallible>>,
    > {
        use futures_util::StreamExt as _;
        let chunks = futures_util::stream::unfold(0u8, move |step| async move {
            match step {
                0 => Some((Bytes::from_static(first.as_bytes()), 1)),
                1 => {
                    tokio::time::sleep(pause).await;
                    Some((Bytes::from_static(rest.as_bytes()), 2))
                }
                _ => None,
            }
        });
        http_body_util::StreamBody::new(chunks.map(|b| Ok(http_body::Frame::data(b))).boxed())
    }

    /// Item 3: the status decides complete-or-release; a body too slow (or
    /// too big) to record is recorded without a body, never released, and
    /// the caller still gets all of it.
    pub(crate) async fn slow_response_body_completes_instead_of_releasing(fx: Fixture) {
        let calls = Calls::default();
        let layer = builder(&fx)
            .handler_timeout(Duration::from_millis(200))
            .body_cache_timeout(Duration::from_millis(100))
            .body_cache_cap(8)
            .build()
            .unwrap();
        let counted = calls.clone();
        let svc = layer.layer(service_fn(move |req: Request<BufferedBody>| {
            counted.next();
            let big = req.headers().contains_key("x-big");
            async move {
                let body = if big {
                    trickle("0123456789abcdef", Duration::ZERO, "!")
                } else {
                    trickle(
                        "side effects done, ",
                        Duration::from_millis(700),
                        "body trickles",
                    )
                };
                Ok::<_, Infallible>(Response::new(body))
            }
        }));
        let first = send(&svc, delivery("evt-trickle", "{}")).await;
        assert_eq!(first.status, StatusCode::OK, "{first:?}");
        assert_eq!(first.body, "side effects done, body trickles");
        let dup = send(&svc, delivery("evt-trickle", "{}")).await;
        assert_eq!(dup.status, StatusCode::OK);
        assert!(dup.replayed(), "{dup:?}");
        assert_eq!(
            dup.body, "",
            "recorded without the body it could not wait for"
        );

        let mut big = delivery("evt-big-body", "{}");
        big.headers_mut().insert("x-big", "1".parse().unwrap());
        let first = send(&svc, big).await;
        assert_eq!(
            first.body, "0123456789abcdef!",
            "the caller gets every byte"
        );
        let dup = send(&svc, delivery("evt-big-body", "{}")).await;
        assert!(dup.replayed());
        assert_eq!(dup.body, "", "over the cache cap");
        assert_eq!(calls.get(), 2);
        assert_eq!(layer.metrics().released, 0);
    }

    /// Item 1: the default id never comes from bytes the signature does not
    /// cover. A captured signed request resent with another unsigned id
    /// header is the same event.
    pub(crate) async fn unsigned_id_header_cannot_replay_a_signed_request(fx: Fixture) {
        use webhook_verify::{Scheme, Signer, Verifier, VerifyLayer};
        for (scheme, id_header, body) in [
            (
                Scheme::Webhook,
                "x-webhook-id",
                r#"{"id":"evt_signed","type":"a"}"#,
            ),
            // GitHub bodies carry no top-level id: the body's digest is the key.
            (
                Scheme::GitHub,
                "x-github-delivery",
                r#"{"action":"opened","number":7}"#,
            ),
        ] {
            let calls = Calls::default();
            let layer = IdempotencyLayer::builder_shared(fx.store.clone())
                .scope(scheme.to_string())
                .build()
                .unwrap(); // the default id source
            let verifier = Verifier::builder(scheme)
                .secret("replay-secret")
                .disable_timestamp_check()
                .build()
                .unwrap();
            let svc = tower::ServiceBuilder::new()
                .layer(VerifyLayer::new(verifier))
                .layer(layer.clone())
                .service(handler(calls.clone(), |_| async { reply(200, "ok") }));
            let signed = Signer::new(scheme, "replay-secret")
                .unwrap()
                .sign(body.as_bytes(), 1_700_000_000, Some("delivery-1"))
                .unwrap();
            let request = |id: &str| {
                let mut req = Request::post("/webhooks")
                    .body(Full::new(Bytes::from_static(body.as_bytes())))
                    .unwrap();
                *req.headers_mut() = signed.clone();
                req.headers_mut().insert(id_header, id.parse().unwrap());
                req
            };
            assert!(!send(&svc, request("delivery-1")).await.replayed());
            for forged in ["delivery-2", "attacker-3"] {
                let replay = send(&svc, request(forged)).await;
                assert_eq!(replay.status, StatusCode::OK, "{scheme}: {replay:?}");
                assert!(
                    replay.replayed(),
                    "{scheme}: a new unsigned id ran it again"
                );
            }
            assert_eq!(calls.get(), 1, "{scheme}");
            // Another signed body is another event.
            let other = body.replace('7', "8").replace("evt_signed", "evt_other");
            let mut req = Request::post("/webhooks")
                .body(Full::new(Bytes::from(other.clone())))
                .unwrap();
            *req.headers_mut() = Signer::new(scheme, "replay-secret")
                .unwrap()
                .sign(other.as_bytes(), 1_700_000_000, Some("delivery-1"))
                .unwrap();
            assert!(!send(&svc, req).await.replayed(), "{scheme}");
            assert_eq!(calls.get(), 2, "{scheme}");
        }
    }

    /// Item 6: numbers beyond u64 keep their exact text, and a string never
    /// shares a key with a number.
    pub(crate) async fn numeric_ids_key_on_their_exact_text(fx: Fixture) {
        let calls = Calls::default();
        let svc = builder(&fx)
            .event_id(IdSource::json("/id"))
            .build()
            .unwrap()
            .layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
        let req = |body: &'static str| {
            Request::post("/")
                .body(Full::new(Bytes::from_static(body.as_bytes())))
                .unwrap()
        };
        let bodies = [
            r#"{"id":18446744073709551615}"#, // u64::MAX
            r#"{"id":18446744073709551616}"#, // u64::MAX + 1
            r#"{"id":18446744073709551617}"#, // u64::MAX + 2
            r#"{"id":100000000000000000001}"#,
            r#"{"id":100000000000000000002}"#,
            r#"{"id":1}"#,
            r#"{"id":"1"}"#,
        ];
        for body in bodies {
            let first = send(&svc, req(body)).await;
            assert_eq!(first.status, StatusCode::OK);
            assert!(!first.replayed(), "{body} was taken for an earlier event");
        }
        for body in bodies {
            assert!(send(&svc, req(body)).await.replayed(), "{body}");
        }
        assert_eq!(calls.get(), bodies.len());
    }

    /// Item 9: the key is a hash, so a 10 KB id deduplicates like any other.
    pub(crate) async fn long_ids_deduplicate(fx: Fixture) {
        let calls = Calls::default();
        let long = "x".repeat(10 * 1024);
        let svc = builder(&fx)
            .event_id(IdSource::header("x-event-id").or(IdSource::json("/id")))
            .on_missing_id(webhook_idempotency::MissingId::PassThrough)
            .build()
            .unwrap()
            .layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
        let by_header = || delivery(&long, "{}");
        assert!(!send(&svc, by_header()).await.replayed());
        assert!(send(&svc, by_header()).await.replayed());
        let body = format!(r#"{{"id":"{long}y"}}"#);
        let by_body = || {
            Request::post("/")
                .body(Full::new(Bytes::from(body.clone())))
                .unwrap()
        };
        assert!(!send(&svc, by_body()).await.replayed());
        assert!(send(&svc, by_body()).await.replayed());
        assert_eq!(calls.get(), 2);
    }

    /// Item 5: a lease or retention too long for the store is refused
    /// before anything changes: no claim without an expiry, no completed
    /// record that keeps its lease TTL.
    pub(crate) async fn durations_too_long_for_the_store_change_nothing(fx: Fixture) {
        let store = &fx.store;
        let (a, b, c) = (
            OwnerToken::random(),
            OwnerToken::random(),
            OwnerToken::random(),
        );
        let fp = Fingerprint::of(b"{}");
        let lease = Duration::from_secs(30);
        let ok = Outcome::new(StatusCode::OK);
        let huge = [
            Duration::MAX,
            Duration::from_secs(u64::MAX),
            webhook_idempotency::MAX_TTL + Duration::from_millis(1),
        ];
        for d in huge {
            assert!(store.acquire("k:huge", a, fp, d).await.is_err(), "{d:?}");
        }
        // Nothing was written: another worker claims the event normally.
        assert_eq!(
            store.acquire("k:huge", b, fp, lease).await.unwrap(),
            Acquire::Acquired
        );
        for d in huge {
            assert!(
                store.complete("k:huge", b, &ok, None, d).await.is_err(),
                "{d:?}"
            );
            assert!(store.extend("k:huge", b, d).await.is_err(), "{d:?}");
        }
        // Still b's claim, with its lease (an expiry, not "forever").
        match store.acquire("k:huge", c, fp, lease).await.unwrap() {
            Acquire::InProgress {
                lease_remaining, ..
            } => assert!(
                lease_remaining > Duration::ZERO && lease_remaining <= lease,
                "{lease_remaining:?}"
            ),
            other => panic!("expected b's claim, found {other:?}"),
        }
        assert!(
            store
                .complete("k:huge", b, &ok, None, webhook_idempotency::MAX_TTL)
                .await
                .unwrap()
        );
    }

    /// A `final_statuses` closure that panics must not leave the claim
    /// neither completed nor released: 2xx complete, the rest release.
    pub(crate) async fn panicking_final_statuses_still_settles_the_claim(fx: Fixture) {
        let calls = Calls::default();
        let svc = builder(&fx)
            .final_statuses(|status| {
                panic!("final_statuses({status}) panics (expected in this test)")
            })
            .build()
            .unwrap()
            .layer(handler(calls.clone(), |n| async move {
                if n == 1 {
                    reply(503, "try again")
                } else {
                    reply(200, "ok")
                }
            }));
        let first = send(&svc, delivery("evt-final-panic", "{}")).await;
        assert_eq!(first.status, StatusCode::SERVICE_UNAVAILABLE);
        let retry = send(&svc, delivery("evt-final-panic", "{}")).await;
        assert_eq!(
            retry.status,
            StatusCode::OK,
            "released, not stuck in progress: {retry:?}"
        );
        assert!(!retry.replayed());
        assert!(
            send(&svc, delivery("evt-final-panic", "{}"))
                .await
                .replayed()
        );
        assert_eq!(calls.get(), 2);
    }

    /// An `on_rejection` closure that panics gets the default answer instead.
    pub(crate) async fn panicking_on_rejection_falls_back_to_the_default_answer(fx: Fixture) {
        let calls = Calls::default();
        let gate = Arc::new(Notify::new());
        let g = gate.clone();
        let svc = builder(&fx)
            .on_rejection(|r: &webhook_idempotency::Rejection| {
                panic!("on_rejection({}) panics (expected in this test)", r.code())
            })
            .build()
            .unwrap()
            .layer(handler(calls.clone(), move |n| {
                let gate = g.clone();
                async move {
                    if n == 1 {
                        gate.notified().await;
                    }
                    reply(200, "ok")
                }
            }));
        let first = tokio::spawn({
            let svc = svc.clone();
            async move { send(&svc, delivery("evt-shape-panic", "{}")).await }
        });
        eventually("the handler starts", || async { calls.get() == 1 }).await;
        let dup = send(&svc, delivery("evt-shape-panic", "{}")).await;
        assert_eq!(dup.status, StatusCode::CONFLICT);
        assert_eq!(dup.body, r#"{"error":"in_progress"}"#);
        assert!(dup.retry_after().is_some());
        let missing = send(
            &svc,
            Request::post("/").body(Full::new(Bytes::new())).unwrap(),
        )
        .await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        gate.notify_one();
        assert_eq!(first.await.unwrap().status, StatusCode::OK);
        assert_eq!(calls.get(), 1);
    }

    /// Two configurations whose prefix and scope concatenate to the same
    /// text keep separate records.
    pub(crate) async fn prefix_and_scope_never_share_keys(fx: Fixture) {
        let calls = Calls::default();
        let svc = |prefix: &str, scope: &str| {
            builder(&fx)
                .prefix(prefix)
                .scope(scope)
                .build()
                .unwrap()
                .layer(handler(calls.clone(), |_| async { reply(200, "ok") }))
        };
        let (one, two) = (svc("tenant:a", "b"), svc("tenant", "a:b"));
        assert!(!send(&one, delivery("evt-shared-id", "{}")).await.replayed());
        assert!(
            !send(&two, delivery("evt-shared-id", "{}")).await.replayed(),
            "another configuration's record answered"
        );
        assert!(send(&one, delivery("evt-shared-id", "{}")).await.replayed());
        assert_eq!(calls.get(), 2);
    }

    pub(crate) async fn client_error_released_unless_final(fx: Fixture) {
        let calls = Calls::default();
        let svc = builder(&fx)
            .build()
            .unwrap()
            .layer(handler(calls.clone(), |_| async { reply(404, "nope") }));
        assert_eq!(
            send(&svc, delivery("evt-404", "{}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            send(&svc, delivery("evt-404", "{}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(calls.get(), 2, "4xx is not final by default");

        let calls = Calls::default();
        let svc = builder(&fx)
            .scope("final-4xx")
            .final_statuses(|s| s.is_client_error())
            .build()
            .unwrap()
            .layer(handler(calls.clone(), |_| async {
                reply(422, "bad event")
            }));
        assert_eq!(
            send(&svc, delivery("evt-404", "{}")).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let dup = send(&svc, delivery("evt-404", "{}")).await;
        assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(dup.replayed());
        assert_eq!(dup.body, "bad event");
        assert_eq!(calls.get(), 1);
    }

    pub(crate) async fn lease_expiry_fences_out_the_stale_worker(fx: Fixture) {
        let store = &fx.store;
        let (stale, fresh, other) = (
            OwnerToken::random(),
            OwnerToken::random(),
            OwnerToken::random(),
        );
        let fp = Fingerprint::of(b"{}");
        let short = Duration::from_millis(300);
        let long = Duration::from_secs(60);
        assert_eq!(
            store.acquire("k:lease", stale, fp, short).await.unwrap(),
            Acquire::Acquired
        );
        // The stale worker stalls; once its lease is over another one claims.
        eventually("the lease expires", || async {
            store.acquire("k:lease", fresh, fp, long).await.unwrap() == Acquire::Acquired
        })
        .await;
        let ok = Outcome::new(StatusCode::OK);
        assert!(!store.release("k:lease", stale).await.unwrap());
        assert!(!store.extend("k:lease", stale, long).await.unwrap());
        // The new owner's claim is intact.
        assert!(matches!(
            store.acquire("k:lease", other, fp, long).await.unwrap(),
            Acquire::InProgress { lease_remaining, .. } if lease_remaining > Duration::from_secs(50)
        ));
        assert!(store.extend("k:lease", fresh, long).await.unwrap());
        // The stale worker's handler finished all the same: its outcome is
        // recorded (the next retry must not run the event a third time),
        // and it hears that its lease had run out.
        let late = Outcome::new(StatusCode::ACCEPTED);
        assert!(
            !store
                .complete("k:lease", stale, &late, None, long)
                .await
                .unwrap()
        );
        assert!(matches!(
            store.acquire("k:lease", other, fp, long).await.unwrap(),
            Acquire::Completed { outcome, fingerprint: None } if outcome == late
        ));
        assert!(
            !store.extend("k:lease", fresh, long).await.unwrap(),
            "the fresh claim was completed: nothing to renew"
        );
        assert!(
            !store.release("k:lease", fresh).await.unwrap(),
            "completed records are not released"
        );
        // The fresh worker completes too: completed already; the last
        // outcome is kept.
        assert!(
            store
                .complete("k:lease", fresh, &ok, None, long)
                .await
                .unwrap()
        );
        assert!(matches!(
            store.acquire("k:lease", other, fp, long).await.unwrap(),
            Acquire::Completed { outcome, fingerprint: None } if outcome == ok
        ));
        // A completion whose record expired altogether is recorded too.
        assert!(
            !store
                .complete("k:gone", stale, &ok, Some(fp), long)
                .await
                .unwrap()
        );
        assert_eq!(
            store.acquire("k:gone", other, fp, long).await.unwrap(),
            Acquire::Completed {
                outcome: ok,
                fingerprint: Some(fp)
            }
        );
    }

    pub(crate) async fn acquire_is_idempotent_for_the_same_token(fx: Fixture) {
        let store = &fx.store;
        let (me, you) = (OwnerToken::random(), OwnerToken::random());
        let fp = Fingerprint::of(b"a");
        let lease = Duration::from_secs(60);
        assert_eq!(
            store.acquire("k:idem", me, fp, lease).await.unwrap(),
            Acquire::Acquired
        );
        // The answer was "lost"; acquiring again with the same token is fine.
        assert_eq!(
            store.acquire("k:idem", me, fp, lease).await.unwrap(),
            Acquire::Acquired
        );
        assert!(matches!(
            store.acquire("k:idem", you, Fingerprint::of(b"b"), lease).await.unwrap(),
            Acquire::InProgress { fingerprint, .. } if fingerprint == fp
        ));
        let mut outcome = Outcome::new(StatusCode::ACCEPTED);
        outcome.headers.insert("x-a", "1".parse().unwrap());
        outcome.body = Bytes::from_static(b"\x00binary\xff");
        assert!(
            store
                .complete("k:idem", me, &outcome, Some(fp), lease)
                .await
                .unwrap()
        );
        assert!(
            store
                .complete("k:idem", me, &outcome, Some(fp), lease)
                .await
                .unwrap(),
            "complete is idempotent too"
        );
        assert_eq!(
            store.acquire("k:idem", you, fp, lease).await.unwrap(),
            Acquire::Completed {
                outcome,
                fingerprint: Some(fp)
            }
        );
    }

    pub(crate) async fn slow_handler_keeps_its_claim_by_extension(fx: Fixture) {
        let calls = Calls::default();
        let gate = Arc::new(Notify::new());
        let layer = builder(&fx)
            .lease(Duration::from_millis(1500))
            .handler_timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let svc = layer.layer(handler(calls.clone(), after_gate(&gate, "slow")));
        let first = tokio::spawn({
            let svc = svc.clone();
            async move { send(&svc, delivery("evt-ext", "{}")).await }
        });
        eventually("the handler starts", || async { calls.get() == 1 }).await;
        // Keep delivering duplicates for several leases: every one must be
        // a conflict, never a second run.
        let mut conflicts = 0;
        while conflicts < 40 {
            let dup = send(&svc, delivery("evt-ext", "{}")).await;
            assert_eq!(dup.status, StatusCode::CONFLICT, "{dup:?}");
            conflicts += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(calls.get(), 1);
        gate.notify_one();
        let first = first.await.unwrap();
        assert_eq!(
            (first.status, first.body.as_str()),
            (StatusCode::OK, "slow")
        );
        assert!(send(&svc, delivery("evt-ext", "{}")).await.replayed());
        assert_eq!(calls.get(), 1);
    }

    /// By default a different body under the same id is a duplicate. It is
    /// noticed (a warning, a count) while the first delivery is in
    /// progress; a completed record keeps no fingerprint (that is strict
    /// mode's), so after completion it is a plain duplicate.
    pub(crate) async fn different_body_is_a_duplicate_by_default(fx: Fixture) {
        let calls = Calls::default();
        let gate = Arc::new(Notify::new());
        let layer = builder(&fx).build().unwrap();
        let svc = layer.layer(handler(calls.clone(), after_gate(&gate, "ok")));
        let first = tokio::spawn({
            let svc = svc.clone();
            async move { send(&svc, delivery("evt-fp", r#"{"attempts":1}"#)).await }
        });
        eventually("the handler starts", || async { calls.get() == 1 }).await;
        let during = send(&svc, delivery("evt-fp", r#"{"attempts":2}"#)).await;
        assert_eq!(during.status, StatusCode::CONFLICT, "{during:?}");
        assert_eq!(layer.metrics().fingerprint_mismatches, 1);
        gate.notify_one();
        assert_eq!(first.await.unwrap().status, StatusCode::OK);
        let after = send(&svc, delivery("evt-fp", r#"{"attempts":3}"#)).await;
        assert_eq!(after.status, StatusCode::OK);
        assert!(after.replayed());
        assert_eq!(calls.get(), 1);
        assert_eq!(layer.metrics().fingerprint_mismatches, 1);
    }

    pub(crate) async fn different_body_is_422_in_strict_mode(fx: Fixture) {
        let calls = Calls::default();
        let layer = builder(&fx)
            .on_fingerprint_mismatch(OnMismatch::Reject)
            .build()
            .unwrap();
        let svc = layer.layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
        assert_eq!(
            send(&svc, delivery("evt-fp", "a")).await.status,
            StatusCode::OK
        );
        let other = send(&svc, delivery("evt-fp", "b")).await;
        assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(other.body, r#"{"error":"fingerprint_mismatch"}"#);
        // The same body is still a plain duplicate.
        assert!(send(&svc, delivery("evt-fp", "a")).await.replayed());
        assert_eq!(calls.get(), 1);
    }

    pub(crate) async fn retention_expiry_makes_the_id_processable_again(fx: Fixture) {
        let calls = Calls::default();
        let layer = builder(&fx)
            .retention(Duration::from_millis(500))
            .signature_tolerance(None)
            .build()
            .unwrap();
        let svc = layer.layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
        assert_eq!(
            send(&svc, delivery("evt-ttl", "{}")).await.status,
            StatusCode::OK
        );
        eventually("the completed record expires", || async {
            !send(&svc, delivery("evt-ttl", "{}")).await.replayed()
        })
        .await;
        assert_eq!(calls.get(), 2);
    }

    pub(crate) async fn missing_id_is_400_or_passed_through(fx: Fixture) {
        let calls = Calls::default();
        let svc = builder(&fx)
            .build()
            .unwrap()
            .layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
        let bare = || {
            Request::post("/")
                .body(Full::new(Bytes::from_static(b"{}")))
                .unwrap()
        };
        let res = send(&svc, bare()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(res.body, r#"{"error":"missing_event_id"}"#);
        assert_eq!(calls.get(), 0);

        let svc = builder(&fx)
            .on_missing_id(MissingId::PassThrough)
            .build()
            .unwrap()
            .layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
        assert_eq!(send(&svc, bare()).await.status, StatusCode::OK);
        assert_eq!(send(&svc, bare()).await.status, StatusCode::OK);
        assert_eq!(calls.get(), 2, "no id, no dedupe");
    }

    pub(crate) async fn oversized_body_is_413(fx: Fixture) {
        let calls = Calls::default();
        let svc = builder(&fx)
            .body_limit(16)
            .build()
            .unwrap()
            .layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
        let res = send(&svc, delivery("evt-big", &"x".repeat(17))).await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(calls.get(), 0);
        assert_eq!(
            send(&svc, delivery("evt-big", &"x".repeat(16)))
                .await
                .status,
            StatusCode::OK
        );
    }

    pub(crate) async fn json_pointer_id(fx: Fixture) {
        let calls = Calls::default();
        let svc = builder(&fx)
            .event_id(IdSource::json("/id"))
            .build()
            .unwrap()
            .layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
        let req = |body: &'static str| {
            Request::post("/")
                .body(Full::new(Bytes::from_static(body.as_bytes())))
                .unwrap()
        };
        assert!(!send(&svc, req(r#"{"id":"evt_9","n":1}"#)).await.replayed());
        assert!(send(&svc, req(r#"{"id":"evt_9","n":1}"#)).await.replayed());
        assert_eq!(
            send(&svc, req("not json")).await.status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(calls.get(), 1);
    }

    pub(crate) async fn client_disconnect_over_a_real_server_records_the_outcome(fx: Fixture) {
        let calls = Calls::default();
        let gate = Arc::new(Notify::new());
        let layer = builder(&fx).build().unwrap();
        let (counted, g) = (calls.clone(), gate.clone());
        let app = Router::new()
            .route(
                "/webhooks",
                post(move || {
                    let (calls, gate) = (counted.clone(), g.clone());
                    async move {
                        calls.next();
                        gate.notified().await;
                        (StatusCode::ACCEPTED, "processed")
                    }
                }),
            )
            .layer(layer.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(axum::serve(listener, app.clone()).into_future());

        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"POST /webhooks HTTP/1.1\r\nhost: test\r\nx-event-id: evt-disconnect\r\ncontent-length: 2\r\n\r\n{}")
            .await
            .unwrap();
        eventually("the handler starts", || async { calls.get() == 1 }).await;
        drop(client); // the client disconnects mid-handler
        gate.notify_one();

        let req = || {
            Request::post("/webhooks")
                .header("x-event-id", "evt-disconnect")
                .body(axum::body::Body::from("{}"))
                .unwrap()
        };
        let last = poll_until(
            "the outcome is recorded",
            || send(&app, req()),
            |r| r.status != StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(last.status, StatusCode::ACCEPTED);
        assert!(last.replayed());
        assert_eq!(calls.get(), 1);
        server.abort();
    }

    pub(crate) async fn real_verify_layer_in_front(fx: Fixture) {
        use webhook_verify::{Scheme, Signer, Verifier, VerifyLayer};
        let calls = Calls::default();
        let layer = IdempotencyLayer::builder_shared(fx.store.clone())
            .build()
            .unwrap(); // the default id source: the verify layer's event id
        let verifier =
            Verifier::new(Scheme::Standard, "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM=").unwrap();
        let signer = Signer::new(Scheme::Standard, "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM=").unwrap();
        let svc = tower::ServiceBuilder::new()
            .layer(VerifyLayer::new(verifier))
            .layer(layer.clone())
            .service(handler(calls.clone(), |_| async { reply(200, "ok") }));
        let now = webhook_verify::Clock::now_unix(&webhook_verify::SystemClock);
        let signed = |id: &str| {
            let body = r#"{"type":"invoice.paid"}"#;
            let mut req = Request::post("/webhooks")
                .body(Full::new(Bytes::from_static(body.as_bytes())))
                .unwrap();
            req.headers_mut()
                .extend(signer.sign(body.as_bytes(), now, Some(id)).unwrap());
            req
        };
        assert!(!send(&svc, signed("msg_1")).await.replayed());
        let dup = send(&svc, signed("msg_1")).await;
        assert_eq!(dup.status, StatusCode::OK);
        assert!(dup.replayed());
        assert!(!send(&svc, signed("msg_2")).await.replayed());
        assert_eq!(calls.get(), 2);
        // Unsigned: rejected by the verify layer, the store is never asked.
        let unsigned = Request::post("/webhooks")
            .header("webhook-id", "msg_3")
            .body(Full::new(Bytes::from_static(b"{}")))
            .unwrap();
        assert_eq!(send(&svc, unsigned).await.status, StatusCode::BAD_REQUEST);
        assert!(
            !send(&svc, signed("msg_3")).await.replayed(),
            "msg_3 was never claimed"
        );
        assert_eq!(calls.get(), 3);
    }

    pub(crate) async fn rejections_can_be_shaped(fx: Fixture) {
        use webhook_idempotency::Rejection;
        let calls = Calls::default();
        let svc = builder(&fx)
            .on_rejection(|r: &Rejection| {
                let mut res = Response::new(Bytes::from(format!("nope: {}", r.code())));
                *res.status_mut() = r.status();
                res
            })
            .build()
            .unwrap()
            .layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
        let res = svc
            .clone()
            .oneshot(Request::post("/").body(Full::new(Bytes::new())).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            res.extensions().get::<Rejection>(),
            Some(&Rejection::MissingEventId)
        );
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, "nope: missing_event_id");
        assert_eq!(calls.get(), 0);
    }
}
