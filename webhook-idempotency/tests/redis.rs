//! The behavioural suite against `RedisStore` on a real `redis-server`, plus
//! what only Redis can show: several service stacks sharing one store,
//! outages and recovery, Redis Cluster.
#![cfg(feature = "redis")]

mod common;

use std::time::Duration;

use http::StatusCode;
use tower::Layer;
use webhook_idempotency::{IdempotencyLayer, IdempotencyLayerBuilder, OnStoreError, RedisStore};
use webhook_test_support::{RedisCluster, RedisServer, eventually, poll_until};

use common::{Calls, builder, delivery, handler, reply, send};

common::suite!(redis_fixture);

/// The suite's fixture: a `RedisStore` on a fresh `redis-server`.
async fn redis_fixture() -> common::Fixture {
    let server = RedisServer::start_async().await;
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test redis-server: {e}"));
    common::Fixture {
        store: std::sync::Arc::new(store),
        _redis: Some(server),
    }
}

/// A layer keyed on `x-event-id` over its own connection to `server`, each
/// Redis operation bounded by `timeout`.
async fn layer_on(server: &RedisServer, timeout: Duration) -> IdempotencyLayerBuilder {
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test redis-server: {e}"))
        .timeout(timeout);
    IdempotencyLayer::builder(store).event_id(webhook_idempotency::IdSource::header("x-event-id"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_service_stacks_sharing_one_redis_run_the_handler_once() {
    let server = RedisServer::start_async().await;
    let calls = Calls::default();
    let mut stacks = Vec::new();
    for _ in 0..2 {
        // Built separately, each with its own connection: like two receiver
        // processes.
        let store = RedisStore::connect(&server.url()).await.unwrap();
        let layer = IdempotencyLayer::builder(store)
            .event_id(webhook_idempotency::IdSource::header("x-event-id"))
            .build()
            .unwrap();
        stacks.push(layer.layer(handler(calls.clone(), |_| async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            reply(200, "ok")
        })));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let svc = stacks[i % 2].clone();
        tasks.spawn(async move { send(&svc, delivery("evt-shared", "{}")).await });
    }
    let mut fresh = 0;
    while let Some(reply) = tasks.join_next().await {
        let reply = reply.unwrap();
        match reply.status {
            StatusCode::OK if !reply.replayed() => fresh += 1,
            StatusCode::OK | StatusCode::CONFLICT => {}
            other => panic!("unexpected status {other}: {reply:?}"),
        }
    }
    assert_eq!(fresh, 1);
    assert_eq!(
        calls.get(),
        1,
        "the handler ran more than once across stacks"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_fails_closed_then_recovers_on_restart() {
    let mut server = RedisServer::start_async().await;
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .timeout(Duration::from_millis(500));
    let fx = common::Fixture {
        store: std::sync::Arc::new(store),
        _redis: None,
    };
    let calls = Calls::default();
    let layer = builder(&fx).build().unwrap();
    let svc = layer.layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
    assert_eq!(
        send(&svc, delivery("evt-a", "{}")).await.status,
        StatusCode::OK
    );

    server.kill();
    let down = send(&svc, delivery("evt-b", "{}")).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE, "{down:?}");
    assert_eq!(down.body, r#"{"error":"store_unavailable"}"#);
    assert_eq!(down.retry_after(), Some(5));
    // Not even a replay of evt-a can be answered without the store.
    assert_eq!(
        send(&svc, delivery("evt-a", "{}")).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(calls.get(), 1, "fail-closed never calls the handler");
    assert!(layer.metrics().store_errors >= 2);

    // Back on the same port (empty: persistence is off). The same service,
    // never rebuilt, recovers through the connection manager.
    tokio::task::spawn_blocking(move || {
        server.restart();
        server
    })
    .await
    .map(|server| {
        let svc = svc.clone();
        async move {
            eventually("requests succeed again after the restart", || async {
                send(&svc, delivery("evt-b", "{}")).await.status == StatusCode::OK
            })
            .await;
            drop(server);
        }
    })
    .unwrap()
    .await;
    assert_eq!(calls.get(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_fail_open_runs_the_handler_without_dedupe() {
    let mut server = RedisServer::start_async().await;
    let calls = Calls::default();
    let layer = layer_on(&server, Duration::from_millis(500))
        .await
        .on_store_error(OnStoreError::FailOpen)
        .build()
        .unwrap();
    let svc = layer.layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
    server.kill();
    assert_eq!(
        send(&svc, delivery("evt-open", "{}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&svc, delivery("evt-open", "{}")).await.status,
        StatusCode::OK
    );
    assert_eq!(calls.get(), 2, "fail-open runs the handler, without dedupe");
    let m = layer.metrics();
    assert!(m.store_errors >= 2);
    assert_eq!(m.processed, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lazily_opened_store_serves_once_redis_is_up() {
    let mut server = RedisServer::start_async().await;
    let url = server.url();
    server.kill();
    let store = RedisStore::open(&url)
        .unwrap()
        .timeout(Duration::from_millis(500));
    let calls = Calls::default();
    let svc = IdempotencyLayer::builder(store)
        .event_id(webhook_idempotency::IdSource::header("x-event-id"))
        .build()
        .unwrap()
        .layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
    assert_eq!(
        send(&svc, delivery("evt-lazy", "{}")).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let server = tokio::task::spawn_blocking(move || {
        server.restart();
        server
    })
    .await
    .unwrap();
    eventually("the lazy store connects", || async {
        send(&svc, delivery("evt-lazy", "{}")).await.status == StatusCode::OK
    })
    .await;
    assert_eq!(calls.get(), 1);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cluster_runs_each_event_once() {
    let cluster = tokio::task::spawn_blocking(|| RedisCluster::start(3))
        .await
        .expect("starting the Redis Cluster panicked");
    let store = RedisStore::cluster(cluster.urls())
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test cluster: {e}"));
    let calls = Calls::default();
    let layer = IdempotencyLayer::builder(store)
        .event_id(webhook_idempotency::IdSource::header("x-event-id"))
        .build()
        .unwrap();
    let svc = layer.layer(handler(calls.clone(), |_| async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        reply(200, "ok")
    }));
    // 200 deliveries of one id, plus 5 deliveries each of 20 ids spread
    // over the cluster's slots.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..300 {
        let svc = svc.clone();
        let id = if i < 200 {
            "evt-cluster".to_owned()
        } else {
            format!("evt-cluster-{}", i % 20)
        };
        tasks.spawn(async move { send(&svc, delivery(&id, "{}")).await });
    }
    while let Some(reply) = tasks.join_next().await {
        let reply = reply.unwrap();
        assert!(
            matches!(reply.status, StatusCode::OK | StatusCode::CONFLICT),
            "{reply:?}"
        );
    }
    assert_eq!(calls.get(), 21, "each of the 21 events ran exactly once");
    assert_eq!(layer.metrics().processed, 21);
    // Every one of them is now replayed.
    for id in ["evt-cluster", "evt-cluster-0", "evt-cluster-19"] {
        assert!(send(&svc, delivery(id, "{}")).await.replayed());
    }
    assert_eq!(calls.get(), 21);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hung_redis_is_bounded_by_the_operation_timeout() {
    let mut server = RedisServer::start_async().await;
    let calls = Calls::default();
    let layer = layer_on(&server, Duration::from_millis(300))
        .await
        .lease(Duration::from_secs(1))
        .build()
        .unwrap();
    let svc = layer.layer(handler(calls.clone(), |_| async { reply(200, "ok") }));

    server.pause(); // accepts nothing, answers nothing
    // Without the per-operation timeout this would hang; the outer bound
    // only turns a hang into a clear failure.
    let hung = tokio::time::timeout(
        Duration::from_secs(30),
        send(&svc, delivery("evt-hung", "{}")),
    )
    .await
    .expect("a hung Redis hung the request");
    assert_eq!(hung.status, StatusCode::SERVICE_UNAVAILABLE, "{hung:?}");
    assert_eq!(calls.get(), 0);

    server.resume();
    // The timed-out acquire may still land once Redis wakes up: its claim
    // then blocks the event for one lease (409), never forever.
    eventually("requests succeed after Redis resumes", || async {
        let r = send(&svc, delivery("evt-hung", "{}")).await;
        assert!(
            matches!(
                r.status,
                StatusCode::OK | StatusCode::CONFLICT | StatusCode::SERVICE_UNAVAILABLE
            ),
            "{r:?}"
        );
        r.status == StatusCode::OK
    })
    .await;
    assert_eq!(calls.get(), 1);
}

/// Item 8: Redis goes away between the handler's success and the recording
/// of its outcome, and comes back within the lease (a restart, with AOF).
/// The layer keeps retrying, and renewing the claim, until the outcome is
/// recorded: the event is not run again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_blip_while_recording_does_not_run_the_event_again() {
    let server =
        RedisServer::start_with_args_async(["--appendonly", "yes", "--appendfsync", "always"])
            .await;
    let calls = Calls::default();
    let layer = layer_on(&server, Duration::from_millis(200))
        .await
        .lease(Duration::from_secs(4))
        .build()
        .unwrap();
    let (started_tx, mut started_rx) = tokio::sync::mpsc::unbounded_channel();
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    let g = gate.clone();
    let svc = layer.layer(handler(calls.clone(), move |_| {
        let (started, gate) = (started_tx.clone(), g.clone());
        async move {
            started.send(()).unwrap();
            gate.notified().await;
            reply(200, "done")
        }
    }));
    let first = tokio::spawn({
        let svc = svc.clone();
        async move { send(&svc, delivery("evt-blip", "{}")).await }
    });
    started_rx.recv().await.expect("the handler starts");
    // The handler has done its work; Redis dies before the outcome lands.
    let mut server = tokio::task::spawn_blocking(move || {
        let mut server = server;
        server.kill();
        server
    })
    .await
    .unwrap();
    gate.notify_one();
    // Down for most of a second: longer than a reconnection attempt (which
    // an immediate retry would ride out), well within the 4 s lease.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(layer.metrics().store_errors > 0, "recording was attempted");
    let server = tokio::task::spawn_blocking(move || {
        server.restart();
        server
    })
    .await
    .unwrap();
    let first = first.await.unwrap();
    assert_eq!(
        (first.status, first.body.as_str()),
        (StatusCode::OK, "done")
    );
    let dup = send(&svc, delivery("evt-blip", "{}")).await;
    assert!(dup.replayed(), "the outcome was not recorded: {dup:?}");
    assert_eq!(dup.body, "done");
    assert_eq!(calls.get(), 1);
    drop(server);
}

/// Item 10: both acquire attempts time out (Redis paused), but the claim
/// lands when Redis wakes up. It is released in the background, so the
/// event is not blocked for a lease (60 s here) with nobody running it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acquire_that_lands_after_its_timeout_is_released() {
    let mut server = RedisServer::start_async().await;
    let calls = Calls::default();
    let layer = layer_on(&server, Duration::from_millis(200))
        .await
        .lease(Duration::from_secs(60))
        .build()
        .unwrap();
    let svc = layer.layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
    // A receiver that has been serving: the scripts are loaded, so an
    // acquire queued while Redis is paused really lands when it resumes.
    assert_eq!(
        send(&svc, delivery("evt-warm", "{}")).await.status,
        StatusCode::OK
    );
    server.pause();
    let refused = send(&svc, delivery("evt-late-claim", "{}")).await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{refused:?}"
    );
    server.resume(); // the queued acquires land now
    let served = poll_until(
        "the late claim is released",
        || send(&svc, delivery("evt-late-claim", "{}")),
        |r| r.status != StatusCode::CONFLICT && r.status != StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;
    assert_eq!(served.status, StatusCode::OK, "{served:?}");
    assert!(!served.replayed());
    assert_eq!(calls.get(), 2);
}

/// The store's operation timeout is the only bound on an operation: it can
/// be longer than the 2 s default (the connection has no timeout of its own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operation_timeout_can_exceed_the_default() {
    use webhook_idempotency::Store as _;
    use webhook_idempotency::store::{Acquire, Fingerprint};
    let mut server = RedisServer::start_async().await;
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .timeout(Duration::from_secs(6));
    server.pause();
    let acquire = tokio::spawn(async move {
        let token = webhook_idempotency::OwnerToken::random();
        store
            .acquire(
                "k:slow",
                token,
                Fingerprint::of(b""),
                Duration::from_secs(10),
            )
            .await
    });
    // Longer than the connection's former 2 s response timeout.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    server.resume();
    assert_eq!(
        acquire
            .await
            .unwrap()
            .expect("answered within the store's 6 s timeout"),
        Acquire::Acquired
    );
}

/// Commands of concurrent operations share pipelines: one command's server
/// error (a key holding a value of the wrong type) is that operation's
/// alone, and scripts flushed from Redis (as a restart does) are loaded
/// again, inside a pipeline as well.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_operations_keep_their_own_replies() {
    use webhook_idempotency::store::{Acquire, Fingerprint, OwnerToken, Store};
    let server = RedisServer::start_async().await;
    let client = redis::Client::open(server.url()).unwrap();
    let mut admin = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("HSET")
        .arg("k:hash")
        .arg("f")
        .arg("v")
        .query_async(&mut admin)
        .await
        .unwrap();
    let store = RedisStore::connect(&server.url()).await.unwrap();
    let lease = Duration::from_secs(60);
    let fp = Fingerprint::of(b"{}");
    for round in 0..3 {
        if round > 0 {
            let _: () = redis::cmd("SCRIPT")
                .arg("FLUSH")
                .query_async(&mut admin)
                .await
                .unwrap();
        }
        let tokens: Vec<OwnerToken> = (0..200).map(|_| OwnerToken::random()).collect();
        let acquires = tokens.iter().enumerate().map(|(i, token)| {
            let store = &store;
            async move {
                if i == 100 {
                    store.acquire("k:hash", *token, fp, lease).await
                } else {
                    store
                        .acquire(&format!("k:{round}:{i}"), *token, fp, lease)
                        .await
                }
            }
        });
        let results = futures_util::future::join_all(acquires).await;
        for (i, result) in results.iter().enumerate() {
            if i == 100 {
                assert!(result.is_err(), "WRONGTYPE must fail: {result:?}");
            } else {
                assert_eq!(result.as_ref().unwrap(), &Acquire::Acquired, "{i}");
            }
        }
        // Half renewed, half released, concurrently: scripts, reloaded.
        let scripts = tokens
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 100)
            .map(|(i, token)| {
                let (store, key) = (&store, format!("k:{round}:{i}"));
                async move {
                    if i % 2 == 0 {
                        store.extend(&key, *token, lease).await
                    } else {
                        store.release(&key, *token).await
                    }
                }
            });
        for result in futures_util::future::join_all(scripts).await {
            assert!(result.unwrap(), "round {round}");
        }
        // Wrong owners are refused, in the same pipelines.
        let stranger = OwnerToken::random();
        let refused = (0..200).filter(|i| *i != 100).map(|i| {
            let (store, key) = (&store, format!("k:{round}:{i}"));
            async move { store.extend(&key, stranger, lease).await }
        });
        for result in futures_util::future::join_all(refused).await {
            assert!(!result.unwrap());
        }
    }
}

/// The event's work runs inside the request until the request goes away.
/// A client that disconnects while the claim is still on its way to Redis
/// (paused here) must not strand it: the rest of the work moves to a task,
/// the claim lands when Redis is back, the handler runs once and its
/// outcome is recorded for the sender's retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_dropped_during_the_claim_still_processes_the_event() {
    let mut server = RedisServer::start_async().await;
    let calls = Calls::default();
    let layer = layer_on(&server, Duration::from_secs(20))
        .await
        .build()
        .unwrap();
    let svc = layer.layer(handler(calls.clone(), |_| async { reply(200, "done") }));
    server.pause();
    let pending = tokio::spawn({
        let svc = svc.clone();
        async move { send(&svc, delivery("evt-gone", "{}")).await }
    });
    // Long enough for the request to reach the store and wait on it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !pending.is_finished(),
        "Redis is paused: nothing can answer"
    );
    pending.abort(); // the client goes away
    assert!(pending.await.unwrap_err().is_cancelled());
    server.resume();
    eventually("the detached work runs the handler", || async {
        calls.get() == 1
    })
    .await;
    let retry = poll_until(
        "the outcome is recorded",
        || send(&svc, delivery("evt-gone", "{}")),
        |r| r.status != StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(
        (retry.status, retry.body.as_str()),
        (StatusCode::OK, "done")
    );
    assert!(retry.replayed(), "{retry:?}");
    assert_eq!(calls.get(), 1);
}

/// A duplicate that finds the first delivery in progress gets a 409 whose
/// `Retry-After` is the lease left, never the retention: the record and its
/// TTL are read together, though the first delivery may complete (and the
/// key get the retention TTL) between the claim attempt and that read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_of_a_conflict_is_the_lease_even_when_the_event_completes_meanwhile() {
    const LEASE: Duration = Duration::from_secs(5);
    let server = RedisServer::start_async().await;
    let calls = Calls::default();
    let layer = layer_on(&server, Duration::from_secs(10))
        .await
        .lease(LEASE)
        .retention(Duration::from_secs(3600))
        .build()
        .unwrap();
    let svc = layer.layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
    let mut deliveries = tokio::task::JoinSet::new();
    for n in 0..200 {
        for _ in 0..4 {
            let svc = svc.clone();
            deliveries
                .spawn(async move { send(&svc, delivery(&format!("evt-race-{n}"), "{}")).await });
        }
    }
    let mut conflicts = 0;
    while let Some(reply) = deliveries.join_next().await {
        let reply = reply.unwrap();
        match reply.status {
            StatusCode::OK => {}
            StatusCode::CONFLICT => {
                conflicts += 1;
                let retry_after = reply.retry_after().expect("a 409 says when to retry");
                assert!(retry_after <= LEASE.as_secs(), "{reply:?}");
            }
            _ => panic!("unexpected answer {reply:?}"),
        }
    }
    assert_eq!(calls.get(), 200, "each event ran once");
    // Not asserted (it depends on timing), but shown when the test fails.
    eprintln!("{conflicts} conflicts");
}
