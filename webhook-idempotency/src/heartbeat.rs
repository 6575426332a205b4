//! The layer's heartbeat: one task per layer renews the lease of every claim
//! in flight, in one batched store call every `lease / 3`.
//!
//! Renewal does not depend on the handler: a handler that blocks its thread
//! (a synchronous driver, CPU work) or is never polled again keeps its claim
//! as long as the process can run this task — on a multi-thread runtime,
//! another worker does. Only a process that cannot run it at all (every
//! worker blocked, the whole process paused) loses its claims at the end of
//! the lease.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::event_id::EventKey;
use crate::metrics::{Counter, Counters};
use crate::store::{OwnerToken, Store};

pub(crate) struct Heartbeat {
    store: Arc<dyn Store>,
    lease: Duration,
    counters: Counters,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    claims: HashMap<u64, Claim>,
    next_id: u64,
    task: Option<JoinHandle<()>>,
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
        f.debug_struct("Heartbeat")
            .field("lease", &self.lease)
            .field("claims", &self.lock().claims.len())
            .finish_non_exhaustive()
    }
}

impl Heartbeat {
    pub(crate) fn new(store: Arc<dyn Store>, lease: Duration, counters: Counters) -> Self {
        Heartbeat {
            store,
            lease,
            counters,
            state: Mutex::new(State::default()),
        }
    }

    /// How often claims are renewed.
    pub(crate) fn period(&self) -> Duration {
        (self.lease / 3).max(Duration::from_millis(1))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while the lock is held (map updates only).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
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
        let mut state = self.lock();
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
        // One task per layer; a new one if the runtime that ran the last one
        // has shut down.
        let started_task = state.task.as_ref().is_none_or(JoinHandle::is_finished);
        if started_task {
            state.task = Some(tokio::spawn(beat_forever(
                Arc::downgrade(self),
                self.period(),
            )));
        }
        ClaimGuard {
            heartbeat: self.clone(),
            id,
            expires: None,
            started_task,
        }
    }

    /// Renews every claim in flight, once.
    async fn beat(&self) {
        let batch: Vec<(u64, EventKey, OwnerToken)> = self
            .lock()
            .claims
            .iter()
            .filter(|(_, claim)| !claim.lost)
            .map(|(id, claim)| (*id, claim.event.clone(), claim.token))
            .collect();
        if batch.is_empty() {
            return;
        }
        let sent_at = Instant::now();
        let claims: Vec<(&str, OwnerToken)> = batch
            .iter()
            .map(|(_, event, token)| (event.key(), *token))
            .collect();
        let results = self.store.extend_many(&claims, self.lease).await;
        let mut failed = None;
        let mut lost = Vec::new();
        {
            let mut state = self.lock();
            for ((id, event, _), result) in batch.iter().zip(results) {
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
        if let Some(task) = self.lock().task.take() {
            task.abort();
        }
    }
}

async fn beat_forever(heartbeat: Weak<Heartbeat>, period: Duration) {
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

    /// Stops renewing the claim; returns how long its lease has left.
    pub(crate) fn stop(&mut self) -> Duration {
        let expires = *self.expires.get_or_insert_with(|| {
            let claim = self.heartbeat.lock().claims.remove(&self.id);
            let renewed_at = claim.map_or_else(Instant::now, |c| c.renewed_at);
            renewed_at + self.heartbeat.lease
        });
        expires.saturating_duration_since(Instant::now())
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
            self.heartbeat.lock().claims.remove(&self.id);
        }
    }
}
