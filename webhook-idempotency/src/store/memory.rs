//! The embedded store: one process, same semantics as Redis, bounded.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{Acquire, BoxFuture, Fingerprint, Outcome, OwnerToken, Store};
use crate::error::{StoreError, StoreErrorKind};

/// Default bound on the number of records a [`MemoryStore`] keeps.
pub const DEFAULT_MAX_ENTRIES: usize = 100_000;

type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// An in-process [`Store`]: for a single receiver process, or tests.
///
/// Same semantics as the Redis store — owner tokens, leases that expire,
/// completed records kept for the retention TTL — behind one mutex. It is
/// bounded: when `max_entries` records exist, a new claim first drops expired
/// records, then the oldest completed one; if every record is a live
/// in-progress claim, acquire fails with [`StoreErrorKind::Full`] (which the
/// layer answers with its outage policy, 503 by default) rather than growing
/// without limit or forgetting a claim.
///
/// Nothing is shared between processes: with several receivers, use
/// `RedisStore`.
///
/// ```
/// use std::time::Duration;
/// use webhook_idempotency::store::{Acquire, Fingerprint, OwnerToken, Store};
/// use webhook_idempotency::MemoryStore;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::new().max_entries(10_000);
/// let (a, b) = (OwnerToken::random(), OwnerToken::random());
/// let fp = Fingerprint::of(b"{}");
/// let lease = Duration::from_secs(60);
/// assert_eq!(store.acquire("k", a, fp, lease).await?, Acquire::Acquired);
/// assert!(matches!(store.acquire("k", b, fp, lease).await?, Acquire::InProgress { .. }));
/// assert!(!store.release("k", b).await?, "b does not own the key");
/// assert!(store.release("k", a).await?);
/// assert_eq!(store.acquire("k", b, fp, lease).await?, Acquire::Acquired);
/// # Ok(())
/// # }
/// ```
#[must_use]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    max_entries: usize,
    clock: Clock,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Completed records by completion order, to evict the oldest first.
    completed: BTreeMap<u64, String>,
    next_seq: u64,
}

struct Entry {
    fingerprint: Fingerprint,
    expires: Instant,
    state: State,
}

enum State {
    InProgress {
        owner: OwnerToken,
    },
    Completed {
        owner: OwnerToken,
        outcome: Outcome,
        seq: u64,
    },
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("len", &self.len())
            .field("max_entries", &self.max_entries)
            .finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// An empty store bounded to [`DEFAULT_MAX_ENTRIES`] records, on the
    /// monotonic system clock.
    pub fn new() -> Self {
        MemoryStore {
            inner: Mutex::new(Inner::default()),
            max_entries: DEFAULT_MAX_ENTRIES,
            clock: Arc::new(Instant::now),
        }
    }

    /// Bounds the number of records (at least 1).
    pub fn max_entries(mut self, max_entries: usize) -> Self {
        self.max_entries = max_entries.max(1);
        self
    }

    /// Replaces the clock, so tests can move time forward to expire leases
    /// and retention TTLs without sleeping.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::{Duration, Instant};
    /// use webhook_idempotency::MemoryStore;
    ///
    /// let now = Arc::new(Mutex::new(Instant::now()));
    /// let clock = now.clone();
    /// let store = MemoryStore::new().clock(move || *clock.lock().unwrap());
    /// *now.lock().unwrap() += Duration::from_secs(3600); // an hour later
    /// # let _ = store;
    /// ```
    pub fn clock(mut self, clock: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Number of records held, including expired ones not yet dropped.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // No operation panics while holding the lock (they only move data
        // around), so a poisoned lock still holds consistent data.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn acquire_now(
        &self,
        key: &str,
        token: OwnerToken,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> Result<Acquire, StoreError> {
        let now = (self.clock)();
        let mut inner = self.lock();
        if let Some(entry) = inner.live(key, now) {
            return Ok(match &entry.state {
                State::InProgress { owner } if *owner == token => Acquire::Acquired,
                State::InProgress { .. } => Acquire::InProgress {
                    lease_remaining: entry.expires.saturating_duration_since(now),
                    fingerprint: entry.fingerprint,
                },
                State::Completed { outcome, .. } => Acquire::Completed {
                    outcome: outcome.clone(),
                    fingerprint: entry.fingerprint,
                },
            });
        }
        if inner.entries.len() >= self.max_entries {
            inner.make_room(now, self.max_entries)?;
        }
        inner.entries.insert(
            key.to_owned(),
            Entry {
                fingerprint,
                expires: deadline(now, lease),
                state: State::InProgress { owner: token },
            },
        );
        Ok(Acquire::Acquired)
    }

    fn complete_now(
        &self,
        key: &str,
        token: OwnerToken,
        outcome: &Outcome,
        retention: Duration,
    ) -> bool {
        let now = (self.clock)();
        let mut inner = self.lock();
        let seq = inner.next_seq;
        let Some(entry) = inner.live(key, now) else {
            return false;
        };
        match &entry.state {
            State::InProgress { owner } if *owner == token => {
                entry.state = State::Completed {
                    owner: token,
                    outcome: outcome.clone(),
                    seq,
                };
                entry.expires = deadline(now, retention);
                inner.next_seq += 1;
                inner.completed.insert(seq, key.to_owned());
                true
            }
            State::Completed { owner, .. } => *owner == token,
            State::InProgress { .. } => false,
        }
    }

    fn release_now(&self, key: &str, token: OwnerToken) -> bool {
        let now = (self.clock)();
        let mut inner = self.lock();
        match inner.live(key, now) {
            Some(Entry {
                state: State::InProgress { owner },
                ..
            }) if *owner == token => {
                inner.entries.remove(key);
                true
            }
            _ => false,
        }
    }

    fn extend_now(&self, key: &str, token: OwnerToken, lease: Duration) -> bool {
        let now = (self.clock)();
        let mut inner = self.lock();
        match inner.live(key, now) {
            Some(entry) => match entry.state {
                State::InProgress { owner } if owner == token => {
                    entry.expires = deadline(now, lease);
                    true
                }
                _ => false,
            },
            None => false,
        }
    }
}

/// `now + d`, saturating (an absurd duration must not panic).
fn deadline(now: Instant, d: Duration) -> Instant {
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(u64::from(u32::MAX))))
        .unwrap_or(now)
}

impl Inner {
    /// The record of `key` if it has not expired; drops it if it has.
    fn live(&mut self, key: &str, now: Instant) -> Option<&mut Entry> {
        let expired = self.entries.get(key)?.expires <= now;
        if expired {
            self.remove(key);
            return None;
        }
        self.entries.get_mut(key)
    }

    fn remove(&mut self, key: &str) {
        if let Some(Entry {
            state: State::Completed { seq, .. },
            ..
        }) = self.entries.remove(key)
        {
            self.completed.remove(&seq);
        }
    }

    /// Frees one slot: expired records first, then the oldest completed one.
    fn make_room(&mut self, now: Instant, max: usize) -> Result<(), StoreError> {
        let completed = &mut self.completed;
        self.entries.retain(|_, entry| {
            let keep = entry.expires > now;
            if !keep && let State::Completed { seq, .. } = entry.state {
                completed.remove(&seq);
            }
            keep
        });
        if self.entries.len() < max {
            return Ok(());
        }
        match self.completed.pop_first() {
            Some((_, key)) => {
                self.entries.remove(&key);
                Ok(())
            }
            None => Err(StoreError::new(
                StoreErrorKind::Full,
                Some(format!("{max} in-progress claims").into()),
            )),
        }
    }
}

impl Store for MemoryStore {
    fn acquire<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Acquire, StoreError>> {
        Box::pin(std::future::ready(self.acquire_now(
            key,
            token,
            fingerprint,
            lease,
        )))
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        outcome: &'a Outcome,
        retention: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(Ok(
            self.complete_now(key, token, outcome, retention)
        )))
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(Ok(self.release_now(key, token))))
    }

    fn extend<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(Ok(self.extend_now(key, token, lease))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    struct ManualClock(Arc<Mutex<Instant>>);

    impl ManualClock {
        fn new() -> Self {
            ManualClock(Arc::new(Mutex::new(Instant::now())))
        }
        fn advance(&self, by: Duration) {
            *self.0.lock().unwrap() += by;
        }
        fn store(&self) -> MemoryStore {
            let now = self.0.clone();
            MemoryStore::new().clock(move || *now.lock().unwrap())
        }
    }

    const LEASE: Duration = Duration::from_secs(60);
    const TTL: Duration = Duration::from_secs(3600);

    fn fp() -> Fingerprint {
        Fingerprint::of(b"x")
    }

    #[test]
    fn lease_and_retention_expire_with_the_clock() {
        let clock = ManualClock::new();
        let store = clock.store();
        let (a, b) = (OwnerToken::from_u128(1), OwnerToken::from_u128(2));
        assert_eq!(
            store.acquire_now("k", a, fp(), LEASE).unwrap(),
            Acquire::Acquired
        );
        clock.advance(Duration::from_secs(59));
        assert_eq!(
            store.acquire_now("k", b, fp(), LEASE).unwrap(),
            Acquire::InProgress {
                lease_remaining: Duration::from_secs(1),
                fingerprint: fp()
            }
        );
        clock.advance(Duration::from_secs(1));
        // a's lease ran out: b takes over, and a is fenced out.
        assert_eq!(
            store.acquire_now("k", b, fp(), LEASE).unwrap(),
            Acquire::Acquired
        );
        assert!(!store.complete_now("k", a, &Outcome::new(StatusCode::OK), TTL));
        assert!(!store.release_now("k", a));
        assert!(!store.extend_now("k", a, LEASE));
        assert!(store.extend_now("k", b, LEASE));
        assert!(store.complete_now("k", b, &Outcome::new(StatusCode::ACCEPTED), TTL));
        assert!(store.complete_now("k", b, &Outcome::new(StatusCode::ACCEPTED), TTL));
        clock.advance(TTL - Duration::from_secs(1));
        assert!(matches!(
            store.acquire_now("k", a, fp(), LEASE).unwrap(),
            Acquire::Completed { outcome, .. } if outcome.status == StatusCode::ACCEPTED
        ));
        clock.advance(Duration::from_secs(1));
        assert_eq!(
            store.acquire_now("k", a, fp(), LEASE).unwrap(),
            Acquire::Acquired
        );
    }

    #[test]
    fn bounded_evicts_expired_then_oldest_completed_then_refuses() {
        let clock = ManualClock::new();
        let store = clock.store().max_entries(3);
        let t = OwnerToken::from_u128(7);
        let ok = Outcome::new(StatusCode::OK);
        store.acquire_now("done-1", t, fp(), LEASE).unwrap();
        assert!(store.complete_now("done-1", t, &ok, TTL));
        store.acquire_now("done-2", t, fp(), LEASE).unwrap();
        assert!(store.complete_now("done-2", t, &ok, TTL));
        store
            .acquire_now("short", t, fp(), Duration::from_secs(1))
            .unwrap();
        clock.advance(Duration::from_secs(2));

        // Full: the expired claim goes first.
        store.acquire_now("live-1", t, fp(), LEASE).unwrap();
        assert_eq!(store.len(), 3);
        // Full again: the oldest completed record goes, the newer one stays.
        store.acquire_now("live-2", t, fp(), LEASE).unwrap();
        let other = OwnerToken::from_u128(8);
        assert!(matches!(
            store.acquire_now("done-2", other, fp(), LEASE).unwrap(),
            Acquire::Completed { .. }
        ));
        store.acquire_now("live-3", t, fp(), LEASE).unwrap();
        // Only live claims left: refuse rather than forget one.
        let err = store.acquire_now("live-4", t, fp(), LEASE).unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Full);
        for key in ["live-1", "live-2", "live-3"] {
            assert!(matches!(
                store.acquire_now(key, other, fp(), LEASE).unwrap(),
                Acquire::InProgress { .. }
            ));
        }
        assert_eq!(store.len(), 3);
    }
}
