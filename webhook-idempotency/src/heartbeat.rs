//! The layer's heartbeat: one task per layer renews the lease of every claim
//! in flight, in one batched store call every `lease / 3`.
//!
//! The claims in flight are spread over shards, each behind a lock of its
//! own, so that requests on different workers seldom touch the same memory;
//! the task is started once and checked with a read of a flag.
//!
//! Renewal does not depend on the handler: a handler that blocks its thread
//! (a synchronous driver, CPU work) or is never polled again keeps its claim
//! as long as the process can run this task — on a multi-thread runtime,
//! another worker does. Only a process that cannot run it at all (every
//! worker blocked, the whole process paused) loses its claims at the end of
//! the lease.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::event_id::EventKey;
use crate::metrics::{Counter, Counters};
use crate::store::{OwnerToken, Store};

/// How many shards the claims in flight are spread over.
const SHARDS: usize = 16;

pub(crate) struct Heartbeat {
    store: Arc<dyn Store>,
    lease: Duration,
    counters: Counters,
    shards: [Shard; SHARDS],
    /// Whether the renewing task is running: set when it is spawned,
    /// cleared when its future is dropped (its runtime shut down, or it
    /// ended). Read on every claim; written only then.
    beating: AtomicBool,
    /// The renewing task, when it was spawned.
    task: Mutex<Option<JoinHandle<()>>>,
}

/// Aligned so that two shards never share a cache line (nor the adjacent
/// line some CPUs fetch with it).
#[repr(align(128))]
#[derive(Default)]
struct Shard(Mutex<ShardState>);

#[derive(Default)]
struct ShardState {
    claims: HashMap<u64, Claim>,
    next_id: u64,
}

impl Shard {
    fn lock(&self) -> MutexGuard<'_, ShardState> {
        // Nothing panics while the lock is held (map updates only).
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

struct Claim {
    event: EventKey,
    token: OwnerToken,
    /// When the last renewal that landed was sent: the lease runs from here.
    renewed_at: Instant,
    /// The store said the claim is no longer ours; not renewed again.
    lost: bool,
}

impl fmt::Debug for Heartbeat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let claims: usize = self.shards.iter().map(|s| s.lock().claims.len()).sum();
        f.debug_struct("Heartbeat")
            .field("lease", &self.lease)
            .field("claims", &claims)
            .finish_non_exhaustive()
    }
}

impl Heartbeat {
    pub(crate) fn new(store: Arc<dyn Store>, lease: Duration, counters: Counters) -> Self {
        Heartbeat {
            store,
            lease,
            counters,
            shards: Default::default(),
            beating: AtomicBool::new(false),
            task: Mutex::new(None),
        }
    }

    /// How often claims are renewed.
    pub(crate) fn period(&self) -> Duration {
        (self.lease / 3).max(Duration::from_millis(1))
    }

    fn task(&self) -> MutexGuard<'_, Option<JoinHandle<()>>> {
        // Nothing panics while the lock is held (a spawn, a take).
        self.task.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts the renewing task unless it runs; whether this call did.
    fn ensure_beating(self: &Arc<Self>) -> bool {
        if self.beating.load(Ordering::Acquire) {
            return false;
        }
        let mut task = self.task();
        // Another claim may have started it meanwhile.
        if self.beating.load(Ordering::Acquire) {
            return false;
        }
        // Outside a runtime nothing can renew claims (nor run the layer).
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        // Set before the spawn: the task clears it when its future is
        // dropped, which cannot come first.
        self.beating.store(true, Ordering::Release);
        let beating = Beating(Arc::downgrade(self));
        *task = Some(runtime.spawn(beat_forever(beating, self.period())));
        true
    }

    /// Starts renewing a claim acquired at `acquired_at` (taken before the
    /// acquire was sent, so the lease is never overestimated), until the
    /// guard is stopped or dropped. Starts the heartbeat task if this
    /// runtime has none yet; must be called within a Tokio runtime.
    pub(crate) fn register(
        self: &Arc<Self>,
        event: &EventKey,
        token: OwnerToken,
        acquired_at: Instant,
    ) -> ClaimGuard {
        // The token is random: it spreads claims evenly over the shards.
        let shard = token.as_u128() as usize % SHARDS;
        let id = {
            let mut state = self.shards[shard].lock();
            let id = state.next_id;
            state.next_id += 1;
            state.claims.insert(
                id,
                Claim {
                    event: event.clone(),
                    token,
                    renewed_at: acquired_at,
                    lost: false,
                },
            );
            id
        };
        // One task per layer; a new one if the runtime that ran the last one
        // has shut down.
        let started_task = self.ensure_beating();
        ClaimGuard {
            heartbeat: self.clone(),
            shard,
            id,
            expires: None,
            started_task,
        }
    }

    /// Renews every claim in flight, once.
    async fn beat(&self) {
        let mut batch: Vec<(usize, u64, EventKey, OwnerToken)> = Vec::new();
        for (index, shard) in self.shards.iter().enumerate() {
            batch.extend(
                shard
                    .lock()
                    .claims
                    .iter()
                    .filter(|(_, claim)| !claim.lost)
                    .map(|(id, claim)| (index, *id, claim.event.clone(), claim.token)),
            );
        }
        if batch.is_empty() {
            return;
        }
        let sent_at = Instant::now();
        let claims: Vec<(&str, OwnerToken)> = batch
            .iter()
            .map(|(_, _, event, token)| (event.key(), *token))
            .collect();
        let results = self.store.extend_many(&claims, self.lease).await;
        let mut failed = None;
        let mut lost = Vec::new();
        {
            let mut held = None;
            for ((shard, id, event, _), result) in batch.iter().zip(results) {
                // The batch is in shard order: one lock per shard.
                let state = match &mut held {
                    Some((locked, state)) if *locked == *shard => state,
                    _ => &mut held.insert((*shard, self.shards[*shard].lock())).1,
                };
                let Some(claim) = state.claims.get_mut(id) else {
                    continue; // settled meanwhile
                };
                match result {
                    Ok(true) => claim.renewed_at = claim.renewed_at.max(sent_at),
                    Ok(false) => {
                        claim.lost = true;
                        lost.push(event);
                    }
                    Err(e) => {
                        self.counters.incr(Counter::StoreError);
                        failed.get_or_insert(e);
                    }
                }
            }
        }
        for event in lost {
            tracing::warn!(
                event_id = %event.logged(),
                "claim lost while the handler runs (its lease expired): \
                 another delivery may run the handler concurrently"
            );
        }
        if let Some(e) = failed {
            tracing::warn!(
                error = %e,
                claims = batch.len(),
                "could not renew the leases of the claims in flight; retrying in {:?}",
                self.period()
            );
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        if let Some(task) = self.task().take() {
            task.abort();
        }
    }
}

/// Clears `beating` when the renewing task's future is dropped: when it
/// ends, or when its runtime shuts down (the next claim starts a new one).
///
/// Made before the spawn and moved into the future, not made in its body:
/// a runtime that shuts down before any worker polled the task drops the
/// future unpolled, and only what it captured is dropped then.
struct Beating(Weak<Heartbeat>);

impl Drop for Beating {
    fn drop(&mut self) {
        if let Some(heartbeat) = self.0.upgrade() {
            heartbeat.beating.store(false, Ordering::Release);
        }
    }
}

async fn beat_forever(beating: Beating, period: Duration) {
    let heartbeat = &beating.0;
    let mut ticker = tokio::time::interval_at(Instant::now() + period, period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let Some(heartbeat) = heartbeat.upgrade() else {
            return; // the layer is gone
        };
        heartbeat.beat().await;
    }
}

/// A claim the heartbeat renews until [`stop`](Self::stop) or drop.
pub(crate) struct ClaimGuard {
    heartbeat: Arc<Heartbeat>,
    shard: usize,
    id: u64,
    /// Set by `stop`: when the lease runs out without further renewal.
    expires: Option<Instant>,
    /// Whether registering it started the heartbeat task.
    started_task: bool,
}

impl ClaimGuard {
    /// Whether registering this claim started the heartbeat task. Tokio
    /// runs a task spawned from a worker next on that same worker, and no
    /// other worker can take it from there: if the caller then blocks the
    /// thread (a handler that does), the heartbeat would not run until it
    /// is done. The caller yields once first.
    pub(crate) fn started_task(&self) -> bool {
        self.started_task
    }

    /// Stops renewing the claim; returns when its lease runs out.
    pub(crate) fn stop(&mut self) -> Instant {
        *self.expires.get_or_insert_with(|| {
            let claim = self.heartbeat.shards[self.shard]
                .lock()
                .claims
                .remove(&self.id);
            let renewed_at = claim.map_or_else(Instant::now, |c| c.renewed_at);
            renewed_at + self.heartbeat.lease
        })
    }

    /// Stops renewing the claim; returns how long its lease has left.
    pub(crate) fn stop_with_lease_left(&mut self) -> Duration {
        self.stop().saturating_duration_since(Instant::now())
    }

    /// Until when it is worth trying to record the outcome: a lease from now
    /// while the claim is renewed, its expiry once it is not.
    pub(crate) fn recording_deadline(&self) -> Instant {
        self.expires
            .unwrap_or_else(|| Instant::now() + self.heartbeat.lease)
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if self.expires.is_none() {
            self.heartbeat.shards[self.shard]
                .lock()
                .claims
                .remove(&self.id);
        }
    }
}
