//! The embedded store: one process, same semantics as Redis, bounded.

mod expiries;

use expiries::Expiries;

use std::collections::{HashMap, hash_map};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};

use super::{Acquire, BoxFuture, Fingerprint, Outcome, OwnerToken, Store, check_ttl};
use crate::error::{StoreError, StoreErrorKind};

/// Default bound on the number of records a [`MemoryStore`] keeps.
pub const DEFAULT_MAX_ENTRIES: usize = 100_000;

/// How many expired records an operation drops on its way, at most, so no
/// single request pays for a mass expiry (a full store drops them all).
const PURGE_BATCH: usize = 64;

/// A store gets one shard per this many records of its bound…
const RECORDS_PER_SHARD: usize = 4096;
/// …up to this many shards (a power of two).
const MAX_SHARDS: usize = 64;

type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// What a full [`MemoryStore`] does with a new event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenFull {
    /// Refuse it with [`StoreErrorKind::Full`] (the default): the layer
    /// answers 503 with `Retry-After` (the sender retries later), counts it
    /// in [`MetricsSnapshot::store_full`](crate::MetricsSnapshot::store_full)
    /// and logs a warning. No record the guarantees depend on is forgotten.
    #[default]
    Refuse,
    /// Forget the completed record closest to its expiry to make room (in
    /// the new record's shard, see [`MemoryStore`]).
    ///
    /// This weakens the guarantee: a duplicate of the forgotten event that
    /// arrives within its retention runs the handler again. In-progress
    /// claims are never evicted; a store full of them still refuses.
    EvictCompleted,
}

/// An in-process [`Store`]: for a single receiver process, or tests.
///
/// Same semantics as the Redis store — owner tokens, leases that expire,
/// completed records kept for the retention TTL. Records are spread over
/// shards, each behind a mutex of its own, so requests on different workers
/// seldom wait for each other or pass the same memory back and forth: one
/// shard per 4,096 records of `max_entries`, up to 64 (a store of fewer
/// than 8,192 records has one).
///
/// It is bounded by `max_entries` records, split evenly over the shards: a
/// shard whose share is full acts as a full store, so with more than one
/// shard the store can be full a little before `max_entries` records in
/// all (with the layer's evenly spread keys, about 2 % before at 100,000
/// records, under 1 % at 10 million). Expired records are dropped as
/// operations pass them (in expiry order, from an index: never a scan of
/// every record). When every record is live, a new event is refused
/// ([`WhenFull::Refuse`], the default) rather than forgetting a completed
/// event within its retention — size it for your peak rate × the retention
/// (100,000 records hold 0.38 events/s for 72 h), or opt into
/// [`WhenFull::EvictCompleted`]. A completed record without cached headers
/// costs about 200–270 bytes of memory, the map's spare room included
/// (`scripts/bench.sh memory-store`).
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
    shards: Box<[Shard]>,
    max_entries: usize,
    when_full: WhenFull,
    clock: Clock,
}

/// A record's identity: the first 128 bits of the SHA-256 of its key. Keys
/// are long (`{prefix}:{scope}:{64 hex digits}`); a fixed-size digest saves
/// an allocation and a string hash per operation, and collisions are out of
/// reach (finding one means breaking SHA-256's collision resistance at 128
/// bits).
type RecordId = u128;

fn record_id(key: &str) -> RecordId {
    let digest = Sha256::digest(key.as_bytes());
    let mut low = [0u8; 16];
    low.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(low)
}

/// Hashes a [`RecordId`] by taking its low 64 bits: it is a digest already,
/// uniformly distributed, so hashing it again would only cost time.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u128` is used (RecordId); fold anything else anyway.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }

    fn write_u128(&mut self, value: u128) {
        // Truncation is the point: the low 64 bits of a digest.
        self.0 = value as u64;
    }
}

/// One shard: the records whose id falls to it, and its share of the bound.
/// Aligned so that two shards never share a cache line (nor the adjacent
/// line some CPUs fetch with it).
#[repr(align(128))]
struct Shard {
    inner: Mutex<Inner>,
    max_entries: usize,
}

impl Shard {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // No operation panics while holding the lock (they only move data
        // around), so a poisoned lock still holds consistent data.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `max_entries` split over a power-of-two number of shards.
fn shards(max_entries: usize) -> Box<[Shard]> {
    let count = 1
        << (max_entries / RECORDS_PER_SHARD)
            .clamp(1, MAX_SHARDS)
            .ilog2();
    (0..count)
        .map(|i| Shard {
            inner: Mutex::new(Inner::default()),
            max_entries: max_entries / count + usize::from(i < max_entries % count),
        })
        .collect()
}

#[derive(Default)]
struct Inner {
    entries: HashMap<RecordId, Entry, BuildHasherDefault<DigestHasher>>,
    /// (expiry, record), added whenever a record gets a new expiry. Those
    /// whose record has another expiry by now (extended, completed,
    /// removed) are stale and skipped when they surface, so an update is
    /// one push, never a search.
    expiries: Expiries,
}

struct Entry {
    expires: Instant,
    state: State,
}

enum State {
    InProgress {
        owner: OwnerToken,
        fingerprint: Fingerprint,
    },
    /// As in Redis, a completed record keeps neither its owner nor (unless
    /// the layer is strict) the fingerprint. Headers, which most outcomes
    /// lack, are boxed: a slot of the map stays small (the map's growth
    /// moves every slot it has), and an outcome without headers costs no
    /// allocation of its own.
    Completed {
        status: StatusCode,
        body: Bytes,
        headers: Option<Box<HeaderMap>>,
        fingerprint: Option<Fingerprint>,
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
            .field("when_full", &self.when_full)
            .finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// An empty store bounded to [`DEFAULT_MAX_ENTRIES`] records, refusing
    /// new events when full, on the monotonic system clock.
    pub fn new() -> Self {
        MemoryStore {
            shards: shards(DEFAULT_MAX_ENTRIES),
            max_entries: DEFAULT_MAX_ENTRIES,
            when_full: WhenFull::Refuse,
            clock: Arc::new(Instant::now),
        }
    }

    /// Bounds the number of records (at least 1); see the type's docs for
    /// how the bound is shared among shards. Records already held are
    /// dropped: call it while building the store.
    pub fn max_entries(mut self, max_entries: usize) -> Self {
        self.max_entries = max_entries.max(1);
        self.shards = shards(self.max_entries);
        self
    }

    /// What to do when full (default [`WhenFull::Refuse`]).
    pub fn when_full(mut self, policy: WhenFull) -> Self {
        self.when_full = policy;
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
        self.shards.iter().map(|s| s.lock().entries.len()).sum()
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The shard of record `id`: by its high bits (the map hashes the low
    /// ones). The shard count is a power of two.
    fn shard(&self, id: RecordId) -> &Shard {
        &self.shards[(id >> 64) as usize & (self.shards.len() - 1)]
    }

    fn acquire_now(
        &self,
        key: &str,
        token: OwnerToken,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> Result<Acquire, StoreError> {
        check_ttl("lease", lease)?;
        let now = (self.clock)();
        let expires = deadline(now, lease)?;
        let id = record_id(key);
        let shard = self.shard(id);
        let mut inner = shard.lock();
        inner.purge(now, PURGE_BATCH);
        if let Some(entry) = inner.live(id, now) {
            return Ok(match &entry.state {
                State::InProgress { owner, .. } if *owner == token => Acquire::Acquired,
                State::InProgress { fingerprint, .. } => Acquire::InProgress {
                    lease_remaining: entry.expires.saturating_duration_since(now),
                    fingerprint: *fingerprint,
                },
                State::Completed {
                    status,
                    body,
                    headers,
                    fingerprint,
                } => Acquire::Completed {
                    outcome: Outcome {
                        status: *status,
                        headers: headers.as_deref().cloned().unwrap_or_default(),
                        body: body.clone(),
                    },
                    fingerprint: *fingerprint,
                },
            });
        }
        if inner.entries.len() >= shard.max_entries {
            inner.make_room(now, shard.max_entries, self.when_full)?;
        }
        inner.insert(
            id,
            lease,
            expires,
            State::InProgress {
                owner: token,
                fingerprint,
            },
        );
        Ok(Acquire::Acquired)
    }

    fn complete_now(
        &self,
        key: &str,
        token: OwnerToken,
        outcome: &Outcome,
        fingerprint: Option<Fingerprint>,
        retention: Duration,
    ) -> Result<bool, StoreError> {
        check_ttl("retention", retention)?;
        let now = (self.clock)();
        let expires = deadline(now, retention)?;
        let id = record_id(key);
        let shard = self.shard(id);
        let mut inner = shard.lock();
        let completed = State::Completed {
            status: outcome.status,
            body: outcome.body.clone(),
            headers: (!outcome.headers.is_empty()).then(|| Box::new(outcome.headers.clone())),
            fingerprint,
        };
        let Some(entry) = inner.live(id, now) else {
            // The claim expired: the outcome is recorded anyway, if there
            // is room for it.
            if inner.entries.len() >= shard.max_entries {
                inner.make_room(now, shard.max_entries, self.when_full)?;
            }
            inner.insert(id, retention, expires, completed);
            return Ok(false);
        };
        let ours = match &entry.state {
            State::InProgress { owner, .. } => *owner == token,
            State::Completed { .. } => true,
        };
        entry.state = completed;
        inner.set_expiry(id, retention, expires);
        Ok(ours)
    }

    fn release_now(&self, key: &str, token: OwnerToken) -> bool {
        let now = (self.clock)();
        let id = record_id(key);
        let shard = self.shard(id);
        let mut inner = shard.lock();
        match inner.live(id, now) {
            Some(Entry {
                state: State::InProgress { owner, .. },
                ..
            }) if *owner == token => {
                inner.entries.remove(&id);
                true
            }
            _ => false,
        }
    }

    fn extend_now(
        &self,
        key: &str,
        token: OwnerToken,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        check_ttl("lease", lease)?;
        let now = (self.clock)();
        let expires = deadline(now, lease)?;
        let id = record_id(key);
        let shard = self.shard(id);
        let mut inner = shard.lock();
        match inner.live(id, now) {
            Some(Entry {
                state: State::InProgress { owner, .. },
                ..
            }) if *owner == token => {
                inner.set_expiry(id, lease, expires);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// `now + d`; `d` is at most `MAX_TTL`, which every platform's clock holds,
/// but a clock that cannot is an error rather than a panic.
fn deadline(now: Instant, d: Duration) -> Result<Instant, StoreError> {
    now.checked_add(d).ok_or_else(|| {
        StoreError::new(
            StoreErrorKind::InvalidArgument,
            Some(format!("{d:?} from now overflows the clock").into()),
        )
    })
}

impl Inner {
    /// The record `id` if it has not expired; drops it if it has.
    fn live(&mut self, id: RecordId, now: Instant) -> Option<&mut Entry> {
        match self.entries.entry(id) {
            hash_map::Entry::Occupied(entry) if entry.get().expires <= now => {
                entry.remove();
                None
            }
            hash_map::Entry::Occupied(entry) => Some(entry.into_mut()),
            hash_map::Entry::Vacant(_) => None,
        }
    }

    /// Adds record `id`, expiring `ttl` after now, at `expires`.
    fn insert(&mut self, id: RecordId, ttl: Duration, expires: Instant, state: State) {
        self.expiries.push(ttl, expires, id);
        self.entries.insert(id, Entry { expires, state });
    }

    /// Gives the record `id` (which exists) a new expiry, `ttl` after now.
    fn set_expiry(&mut self, id: RecordId, ttl: Duration, expires: Instant) {
        if let Some(entry) = self.entries.get_mut(&id) {
            entry.expires = expires;
            self.expiries.push(ttl, expires, id);
        }
    }

    /// Drops up to `max` expired records, earliest expiry first (stale heap
    /// entries on the way are discarded and not counted).
    fn purge(&mut self, now: Instant, max: usize) {
        let mut dropped = 0;
        while dropped < max {
            match self.expiries.peek() {
                Some((expires, _, _)) if expires <= now => {}
                _ => return,
            }
            let Some((expires, id)) = self.expiries.pop() else {
                return;
            };
            // One probe: the record is cold by now, each probe a cache miss.
            if let hash_map::Entry::Occupied(entry) = self.entries.entry(id)
                && entry.get().expires == expires
            {
                entry.remove();
                dropped += 1;
            }
        }
    }

    /// Frees one slot: every expired record first, then (if the policy
    /// allows) the completed record closest to expiry.
    fn make_room(&mut self, now: Instant, max: usize, policy: WhenFull) -> Result<(), StoreError> {
        self.purge(now, usize::MAX);
        if self.entries.len() < max {
            return Ok(());
        }
        let full = |what: &str| {
            StoreError::new(
                StoreErrorKind::Full,
                Some(format!("{max} live records, {what}").into()),
            )
        };
        if policy == WhenFull::Refuse {
            return Err(full("none expired (WhenFull::Refuse)"));
        }
        // In-progress claims sit among the completed records in expiry
        // order; there are only as many as requests in flight. They go back.
        let mut claims = Vec::new();
        let mut evicted = false;
        while let Some((expires, id)) = self.expiries.pop() {
            match self.entries.get(&id) {
                Some(entry) if entry.expires == expires => {
                    if matches!(entry.state, State::Completed { .. }) {
                        self.entries.remove(&id);
                        evicted = true;
                        break;
                    }
                    claims.push((expires, id));
                }
                _ => {} // stale
            }
        }
        for (expires, id) in claims {
            self.expiries.push_earlier(expires, id);
        }
        if evicted {
            Ok(())
        } else {
            Err(full("all of them in-progress claims"))
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
        fingerprint: Option<Fingerprint>,
        retention: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(self.complete_now(
            key,
            token,
            outcome,
            fingerprint,
            retention,
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
        Box::pin(std::future::ready(self.extend_now(key, token, lease)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MAX_TTL;
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

    fn ok() -> Outcome {
        Outcome::new(StatusCode::OK)
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
        // a's lease ran out: b takes over; a can neither give the event
        // back nor keep it.
        assert_eq!(
            store.acquire_now("k", b, fp(), LEASE).unwrap(),
            Acquire::Acquired
        );
        assert!(!store.release_now("k", a));
        assert!(!store.extend_now("k", a, LEASE).unwrap());
        assert!(store.extend_now("k", b, LEASE).unwrap());
        // a's handler finished all the same: its outcome is recorded over
        // b's claim, and a hears that its lease had run out.
        assert!(!store.complete_now("k", a, &ok(), None, TTL).unwrap());
        assert!(matches!(
            store.acquire_now("k", OwnerToken::from_u128(3), fp(), LEASE).unwrap(),
            Acquire::Completed { outcome, .. } if outcome.status == StatusCode::OK
        ));
        assert!(
            !store.extend_now("k", b, LEASE).unwrap(),
            "b's claim is gone"
        );
        // b finishes too: the event is completed already; the last outcome
        // is kept, for the full retention.
        let accepted = Outcome::new(StatusCode::ACCEPTED);
        assert!(store.complete_now("k", b, &accepted, None, TTL).unwrap());
        assert!(store.complete_now("k", b, &accepted, None, TTL).unwrap());
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

    /// Fills a store of 3 with two completed records and a short claim.
    fn filled(clock: &ManualClock, policy: WhenFull) -> MemoryStore {
        let store = clock.store().max_entries(3).when_full(policy);
        let t = OwnerToken::from_u128(7);
        store.acquire_now("done-1", t, fp(), LEASE).unwrap();
        assert!(store.complete_now("done-1", t, &ok(), None, TTL).unwrap());
        clock.advance(Duration::from_secs(1));
        store.acquire_now("done-2", t, fp(), LEASE).unwrap();
        assert!(store.complete_now("done-2", t, &ok(), None, TTL).unwrap());
        store
            .acquire_now("short", t, fp(), Duration::from_secs(1))
            .unwrap();
        clock.advance(Duration::from_secs(2));
        store
    }

    /// What the store holds for `key` at its clock's now, changing nothing.
    fn state(store: &MemoryStore, key: &str) -> &'static str {
        let now = (store.clock)();
        let id = record_id(key);
        match store.shard(id).lock().entries.get(&id) {
            Some(entry) if entry.expires > now => match entry.state {
                State::Completed { .. } => "completed",
                State::InProgress { .. } => "in progress",
            },
            _ => "absent",
        }
    }

    #[test]
    fn full_store_drops_expired_records_then_refuses_by_default() {
        let clock = ManualClock::new();
        let store = filled(&clock, WhenFull::Refuse);
        let t = OwnerToken::from_u128(7);
        // Full: the expired claim goes first.
        store.acquire_now("live-1", t, fp(), LEASE).unwrap();
        assert_eq!(store.len(), 3);
        // Full of live records: refuse, forget nothing.
        let err = store.acquire_now("live-2", t, fp(), LEASE).unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Full);
        assert_eq!(state(&store, "done-1"), "completed");
        assert_eq!(state(&store, "done-2"), "completed");
        assert_eq!(state(&store, "live-1"), "in progress");
        // Room comes back as records expire, without a scan.
        clock.advance(TTL);
        store.acquire_now("live-2", t, fp(), LEASE).unwrap();
        assert_eq!(store.len(), 1, "the expired records were dropped");
    }

    /// A completion whose claim expired is recorded anyway — when there is
    /// room. A store full of live records refuses it like a new claim, and
    /// forgets nothing for it.
    #[test]
    fn late_completion_needs_room_like_a_claim() {
        let clock = ManualClock::new();
        let store = clock.store().max_entries(2);
        let (late, t) = (OwnerToken::from_u128(1), OwnerToken::from_u128(2));
        store
            .acquire_now("late", late, fp(), Duration::from_secs(1))
            .unwrap();
        clock.advance(Duration::from_secs(2));
        store.acquire_now("a", t, fp(), LEASE).unwrap();
        store.acquire_now("b", t, fp(), LEASE).unwrap();
        let err = store
            .complete_now("late", late, &ok(), None, TTL)
            .unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Full);
        assert_eq!(state(&store, "a"), "in progress");
        assert_eq!(state(&store, "b"), "in progress");
        assert!(store.release_now("b", t));
        assert!(!store.complete_now("late", late, &ok(), None, TTL).unwrap());
        assert_eq!(state(&store, "late"), "completed");
    }

    #[test]
    fn evict_completed_forgets_the_one_closest_to_expiry_never_a_claim() {
        let clock = ManualClock::new();
        let store = filled(&clock, WhenFull::EvictCompleted);
        let t = OwnerToken::from_u128(7);
        store.acquire_now("live-1", t, fp(), LEASE).unwrap(); // takes the expired slot
        store.acquire_now("live-2", t, fp(), LEASE).unwrap(); // evicts done-1
        assert_eq!(state(&store, "done-1"), "absent");
        assert_eq!(state(&store, "done-2"), "completed");
        store.acquire_now("live-3", t, fp(), LEASE).unwrap(); // evicts done-2
        let err = store.acquire_now("live-4", t, fp(), LEASE).unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Full, "claims are never evicted");
        for key in ["live-1", "live-2", "live-3"] {
            assert_eq!(state(&store, key), "in progress");
        }
    }

    #[test]
    fn extension_moves_a_claim_in_the_expiry_order() {
        let clock = ManualClock::new();
        let store = clock.store().max_entries(2);
        let t = OwnerToken::from_u128(1);
        store
            .acquire_now("a", t, fp(), Duration::from_secs(10))
            .unwrap();
        store
            .acquire_now("b", t, fp(), Duration::from_secs(20))
            .unwrap();
        clock.advance(Duration::from_secs(9));
        assert!(store.extend_now("a", t, Duration::from_secs(60)).unwrap());
        clock.advance(Duration::from_secs(15));
        // b expired, a (extended) did not: the new claim takes b's slot.
        store.acquire_now("c", t, fp(), LEASE).unwrap();
        assert_eq!(state(&store, "a"), "in progress");
        assert_eq!(state(&store, "b"), "absent");
    }

    /// The expiry index serves durations beyond its queues and expiries
    /// that arrive out of order (a clock set back) from its heap: a full
    /// purge at any time drops exactly the records that have expired.
    #[test]
    fn expiry_index_drops_exactly_the_expired_records() {
        let clock = ManualClock::new();
        let store = clock.store();
        let t = OwnerToken::from_u128(1);
        let start = (store.clock)();
        let mut expiries = Vec::new();
        for round in 0..3u64 {
            // Seven durations, more than there are queues, in two orders.
            for n in 0..7u64 {
                let secs = if round == 1 {
                    70 - 10 * n
                } else {
                    10 * (n + 1)
                };
                let key = format!("r{round}-{n}");
                let lease = Duration::from_secs(secs);
                store.acquire_now(&key, t, fp(), lease).unwrap();
                expiries.push(((store.clock)() + lease, key));
                clock.advance(Duration::from_millis(500));
            }
            // Then the clock goes back: later records expire earlier.
            *clock.0.lock().unwrap() -= Duration::from_secs(5);
        }
        let mut held: Vec<_> = expiries.clone();
        for step in 0..90 {
            let now = start + Duration::from_secs(step);
            *clock.0.lock().unwrap() = now;
            for shard in store.shards.iter() {
                shard.lock().purge(now, usize::MAX);
            }
            held.retain(|(expires, _)| *expires > now);
            assert_eq!(store.len(), held.len(), "after {step} s");
            for (_, key) in &held {
                assert_eq!(state(&store, key), "in progress", "{key} after {step} s");
            }
        }
        assert!(held.is_empty() && store.is_empty());
    }

    /// A store of 32,768 records has 8 shards, each with its share of the
    /// bound: it holds no more than `max_entries` in all, refuses once a
    /// shard is full (here at 98.3 % of the bound: 32,226 records, the keys being fixed),
    /// finds every record again, and expiry frees room in every shard.
    #[test]
    fn a_sharded_store_is_bounded_in_all() {
        let clock = ManualClock::new();
        let max = 8 * RECORDS_PER_SHARD;
        let store = clock.store().max_entries(max);
        assert_eq!(store.shards.len(), 8);
        assert_eq!(
            store.shards.iter().map(|s| s.max_entries).sum::<usize>(),
            max
        );
        assert_eq!(MemoryStore::new().max_entries(8191).shards.len(), 1);
        assert_eq!(
            MemoryStore::new().max_entries(usize::MAX).shards.len(),
            MAX_SHARDS
        );
        let t = OwnerToken::from_u128(1);
        let mut held = 0;
        let refused = loop {
            match store.acquire_now(&format!("evt-{held}"), t, fp(), LEASE) {
                Ok(Acquire::Acquired) => held += 1,
                Err(e) => break e,
                Ok(other) => panic!("a new key found {other:?}"),
            }
        };
        assert_eq!(refused.kind(), StoreErrorKind::Full);
        assert_eq!(store.len(), held);
        assert!(
            held <= max && held >= max * 95 / 100,
            "full at {held} of {max} records"
        );
        let other = OwnerToken::from_u128(2);
        for n in 0..held {
            assert!(matches!(
                store
                    .acquire_now(&format!("evt-{n}"), other, fp(), LEASE)
                    .unwrap(),
                Acquire::InProgress { .. }
            ));
        }
        clock.advance(LEASE);
        for n in 0..held {
            let key = format!("new-{n}");
            assert_eq!(
                store.acquire_now(&key, t, fp(), LEASE).unwrap(),
                Acquire::Acquired
            );
        }
        assert_eq!(store.len(), held, "every expired record made room");
    }

    #[test]
    fn durations_outside_the_range_are_refused_before_any_change() {
        let store = MemoryStore::new();
        let t = OwnerToken::from_u128(1);
        for bad in [
            Duration::MAX,
            MAX_TTL + Duration::from_millis(1),
            Duration::ZERO,
        ] {
            let err = store.acquire_now("k", t, fp(), bad).unwrap_err();
            assert_eq!(err.kind(), StoreErrorKind::InvalidArgument);
            assert!(store.is_empty());
        }
        store.acquire_now("k", t, fp(), LEASE).unwrap();
        let err = store
            .complete_now("k", t, &ok(), None, Duration::MAX)
            .unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::InvalidArgument);
        assert!(store.extend_now("k", t, Duration::MAX).is_err());
        assert_eq!(state(&store, "k"), "in progress");
        assert!(store.complete_now("k", t, &ok(), None, MAX_TTL).unwrap());
    }
}
