//! Where claims and outcomes live: the [`Store`] trait, its two
//! implementations ([`MemoryStore`], `RedisStore`) and the values they
//! exchange with the layer.
//!
//! Every event id has one record (in Redis, one string under one key) in one of
//! two states:
//!
//! - **in progress** — owned by a random 128-bit [`OwnerToken`], with the body
//!   [`Fingerprint`] and a lease: the record expires when the lease runs out,
//!   so a crashed worker's claim frees itself;
//! - **completed** — the recorded [`Outcome`] (status, allow-listed headers,
//!   body up to a cap), and the fingerprint in strict mode only, kept for the
//!   retention TTL. Nothing else: completed records are most of a store's
//!   memory (see the crate docs on sizing).
//!
//! All four operations are atomic. Release and extend are conditional on the
//! owner token, so a worker whose lease ran out (and whose key may now
//! belong to someone else) can neither give the event back nor keep it: it
//! is *fenced out*. Complete is not: it records a fact (the handler ran to
//! a final answer), whoever holds the key by then.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::error::StoreError;

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use memory::{DEFAULT_MAX_ENTRIES, MemoryStore, WhenFull};
#[cfg(feature = "redis")]
pub use redis::{DEFAULT_OPERATION_TIMEOUT, RedisStore};

/// A boxed, `Send` future, as returned by [`Store`] methods (this keeps the
/// trait object-safe: the layer holds an `Arc<dyn Store>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The longest lease or retention a store accepts (100 years), and the
/// longest duration the layer's builder accepts.
///
/// Redis refuses an expiry whose absolute time overflows a 64-bit count of
/// milliseconds, and a record that never expires would turn a crashed
/// worker's claim into a 409 forever. Both stores refuse longer durations
/// with [`StoreErrorKind::InvalidArgument`] before they change anything;
/// [`build`](crate::IdempotencyLayerBuilder::build) refuses them up front.
///
/// [`StoreErrorKind::InvalidArgument`]: crate::StoreErrorKind::InvalidArgument
pub const MAX_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Refuses a lease or retention the stores cannot hold: under 1 ms or over
/// [`MAX_TTL`].
pub(crate) fn check_ttl(what: &str, d: Duration) -> Result<(), StoreError> {
    if d < Duration::from_millis(1) || d > MAX_TTL {
        return Err(StoreError::new(
            crate::StoreErrorKind::InvalidArgument,
            Some(format!("{what} {d:?} is outside 1 ms ..= {MAX_TTL:?}").into()),
        ));
    }
    Ok(())
}

/// The atomic state machine behind the layer.
///
/// Implementations must make each operation atomic with respect to the
/// others on the same key, must leave a record as it was when an operation
/// fails, must refuse (with [`StoreErrorKind::InvalidArgument`]) a lease or
/// retention outside 1 ms ..= [`MAX_TTL`], and should bound each operation's
/// duration (the layer waits for them while a request is pending).
///
/// [`StoreErrorKind::InvalidArgument`]: crate::StoreErrorKind::InvalidArgument
pub trait Store: fmt::Debug + Send + Sync + 'static {
    /// Claims `key` for `token` with a lease, or reports its current state.
    ///
    /// - no record (or an expired one) → creates an in-progress record owned
    ///   by `token` that expires after `lease`, returns [`Acquire::Acquired`];
    /// - in progress and owned by `token` already → [`Acquire::Acquired`]
    ///   (acquire is safe to repeat after an error whose claim did land);
    /// - in progress, owned by someone else → [`Acquire::InProgress`];
    /// - completed → [`Acquire::Completed`].
    fn acquire<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Acquire, StoreError>>;

    /// Records `outcome` as the event's, kept for `retention`, whatever
    /// `key` holds. `fingerprint` is kept with it when given (the layer
    /// gives it in strict mode, [`OnMismatch::Reject`]); a completed record
    /// holds nothing else, not even its owner.
    ///
    /// The handler ran to a final answer: that is a fact even when this
    /// claim's lease ran out meanwhile, so the outcome is recorded then too
    /// — over another worker's claim, or in place of a record that expired
    /// — and the event is not run once more by the next retry. The last
    /// completion's outcome is the one kept.
    ///
    /// Returns whether `token` still owned the claim (or the event was
    /// completed already, e.g. by a repeated call whose answer was lost).
    /// `false` means the lease ran out first: another delivery may have
    /// run the handler too, which the layer logs.
    ///
    /// [`OnMismatch::Reject`]: crate::OnMismatch::Reject
    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        outcome: &'a Outcome,
        fingerprint: Option<Fingerprint>,
        retention: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Deletes the in-progress record of `key` if `token` owns it, so the
    /// sender's retry processes the event. Returns whether it did.
    fn release<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Resets the lease of `key` to `lease` from now if `token` still owns
    /// the in-progress record. Returns whether it did.
    fn extend<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// [`extend`](Self::extend) for many claims at once: the layer's
    /// heartbeat renews every claim in flight in one call every `lease / 3`.
    /// One result per claim, in order.
    ///
    /// The default issues every `extend` concurrently, which a multiplexed
    /// connection (as `RedisStore`'s) sends as one pipeline: one round trip.
    fn extend_many<'a>(
        &'a self,
        claims: &'a [(&'a str, OwnerToken)],
        lease: Duration,
    ) -> BoxFuture<'a, Vec<Result<bool, StoreError>>> {
        Box::pin(futures_util::future::join_all(
            claims
                .iter()
                .map(|(key, token)| self.extend(key, *token, lease)),
        ))
    }
}

impl<S: Store + ?Sized> Store for Arc<S> {
    fn acquire<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        fingerprint: Fingerprint,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Acquire, StoreError>> {
        (**self).acquire(key, token, fingerprint, lease)
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        outcome: &'a Outcome,
        fingerprint: Option<Fingerprint>,
        retention: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).complete(key, token, outcome, fingerprint, retention)
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).release(key, token)
    }

    fn extend<'a>(
        &'a self,
        key: &'a str,
        token: OwnerToken,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).extend(key, token, lease)
    }

    fn extend_many<'a>(
        &'a self,
        claims: &'a [(&'a str, OwnerToken)],
        lease: Duration,
    ) -> BoxFuture<'a, Vec<Result<bool, StoreError>>> {
        (**self).extend_many(claims, lease)
    }
}

/// The state of a key, as returned by [`Store::acquire`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acquire {
    /// The caller's token owns the key now: run the handler.
    Acquired,
    /// Another worker is processing this event.
    InProgress {
        /// Time left on the other worker's lease.
        lease_remaining: Duration,
        /// Fingerprint of the body the other worker is processing.
        fingerprint: Fingerprint,
    },
    /// The event was processed; this is the recorded outcome.
    Completed {
        /// What the handler answered (status, allow-listed headers, body up
        /// to the cap).
        outcome: Outcome,
        /// Fingerprint of the body that was processed, if it was kept (see
        /// [`Store::complete`]).
        fingerprint: Option<Fingerprint>,
    },
}

/// The recorded answer of a completed event, replayed to duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The handler's status.
    pub status: StatusCode,
    /// The allow-listed response headers.
    pub headers: HeaderMap,
    /// The response body, or empty when it was larger than the cap.
    pub body: Bytes,
}

impl Outcome {
    /// An outcome with `status`, no headers and an empty body.
    pub fn new(status: StatusCode) -> Self {
        Outcome {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }
}

/// A random 128-bit token that identifies one claim of one event.
///
/// The layer puts it in the handler's request extensions: a handler that
/// needs strict fencing (e.g. a worker that may pause past its lease) can
/// store it with its write and refuse a write whose token is not the
/// current one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OwnerToken(u128);

impl OwnerToken {
    /// A new token from the thread-local CSPRNG.
    pub fn random() -> Self {
        OwnerToken(rand::random())
    }

    /// A token with a given value (for tests and custom stores).
    pub const fn from_u128(value: u128) -> Self {
        OwnerToken(value)
    }

    /// The token's value.
    pub const fn as_u128(self) -> u128 {
        self.0
    }

    /// 32 lowercase hex digits.
    pub fn to_hex(self) -> String {
        format!("{:032x}", self.0)
    }
}

impl fmt::Debug for OwnerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OwnerToken({:032x})", self.0)
    }
}

impl fmt::Display for OwnerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// A 128-bit fingerprint of a request body (XXH3-128), stored with the
/// claim to detect a different body under the same event id.
///
/// Not a cryptographic digest, on purpose: the bodies it compares are
/// signed, so nobody can craft a colliding one without the signing secret,
/// and a collision would only make a changed retry count as the duplicate it
/// already is. Event ids derived from bodies ([`IdSource::BodyDigest`]) use
/// SHA-256.
///
/// [`IdSource::BodyDigest`]: crate::IdSource::BodyDigest
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 16]);

impl Fingerprint {
    /// The fingerprint of `body`.
    ///
    /// ```
    /// use webhook_idempotency::store::Fingerprint;
    /// assert_eq!(Fingerprint::of(b"a"), Fingerprint::of(b"a"));
    /// assert_ne!(Fingerprint::of(b"a"), Fingerprint::of(b"b"));
    /// ```
    pub fn of(body: &[u8]) -> Self {
        Fingerprint(xxhash_rust::xxh3::xxh3_128(body).to_le_bytes())
    }

    /// A fingerprint from its raw bytes (for custom stores).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Fingerprint(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// 32 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        const_hex::encode(self.0)
    }

    /// Parses [`to_hex`](Self::to_hex)'s output.
    pub fn from_hex(hex: &[u8]) -> Option<Self> {
        let mut out = [0u8; 16];
        const_hex::decode_to_slice(hex, &mut out).ok()?;
        Some(Fingerprint(out))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_hex_round_trip() {
        let fp = Fingerprint::of(b"body");
        assert_eq!(Fingerprint::from_hex(fp.to_hex().as_bytes()), Some(fp));
        assert_eq!(Fingerprint::from_hex(b"zz"), None);
    }
}
