//! Error types: [`StoreError`] (a store operation failed) and [`ConfigError`]
//! (the layer's configuration is invalid).

use std::fmt;

/// A boxed error, as used by `tower` and `http-body`.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A store operation failed: the store could not be reached, did not answer
/// in time, answered something unexpected, or (for [`MemoryStore`]) is full.
///
/// The layer answers a store error with its outage policy
/// ([`OnStoreError`]); it never treats an error as "not a duplicate".
///
/// [`MemoryStore`]: crate::MemoryStore
/// [`OnStoreError`]: crate::OnStoreError
#[derive(Debug)]
pub struct StoreError {
    kind: StoreErrorKind,
    source: Option<BoxError>,
}

/// What kind of [`StoreError`] happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The operation did not finish within the store's per-operation timeout.
    Timeout,
    /// The store could not be reached or returned an error.
    Unavailable,
    /// The store answered something this crate does not understand.
    Protocol,
    /// The store is full: taking a new claim would mean forgetting a record
    /// the guarantees depend on ([`MemoryStore`](crate::MemoryStore) only).
    Full,
    /// The store refused an argument before changing anything: a lease or
    /// retention outside 1 ms ..= [`MAX_TTL`](crate::store::MAX_TTL).
    InvalidArgument,
}

impl StoreError {
    /// A new error of `kind`, with an optional underlying cause.
    pub fn new(kind: StoreErrorKind, source: Option<BoxError>) -> Self {
        StoreError { kind, source }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            StoreErrorKind::Timeout => "store operation timed out",
            StoreErrorKind::Unavailable => "store unavailable",
            StoreErrorKind::Protocol => "unexpected answer from the store",
            StoreErrorKind::Full => "store is full",
            StoreErrorKind::InvalidArgument => "store refused an argument",
        };
        match &self.source {
            Some(source) => write!(f, "{what}: {source}"),
            None => f.write_str(what),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| &**e as &(dyn std::error::Error + 'static))
    }
}

/// The layer's configuration is invalid (returned by
/// [`IdempotencyLayerBuilder::build`](crate::IdempotencyLayerBuilder::build)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    kind: ConfigErrorKind,
    detail: String,
}

/// What is wrong with the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// A duration that must be at least one millisecond is shorter.
    ZeroDuration,
    /// A header that must never be replayed (`Set-Cookie`, `Date`, framing
    /// headers) is in the cached-header allow-list.
    ForbiddenHeader,
    /// The key prefix or scope is empty.
    EmptyKeyPart,
    /// A duration is longer than [`MAX_TTL`](crate::store::MAX_TTL).
    DurationTooLong,
}

impl ConfigError {
    pub(crate) fn new(kind: ConfigErrorKind, detail: impl Into<String>) -> Self {
        ConfigError {
            kind,
            detail: detail.into(),
        }
    }

    /// What is wrong.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid idempotency configuration: {}", self.detail)
    }
}

impl std::error::Error for ConfigError {}
