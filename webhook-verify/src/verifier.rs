//! The pure verification API: headers and body bytes in, [`Verified`] or an
//! [`Error`] out.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{KeyInit, Mac};
use http::HeaderMap;
use subtle::ConstantTimeEq;

use crate::error::{ConfigError, ConfigErrorKind, Error, ErrorKind};
use crate::scheme::{HmacSha256, SignatureScheme, SignedParts, Tag, mac_input};
use crate::secret::Secret;

/// The default timestamp tolerance: five minutes either way.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The default cap on signature entries examined in one header.
pub const DEFAULT_MAX_SIGNATURES: usize = 16;

/// A source of "now" in Unix seconds, so tests and replays can pin time.
///
/// Any `Fn() -> i64 + Send + Sync` is a clock:
///
/// ```
/// use webhook_verify::{Scheme, Verifier};
///
/// let verifier = Verifier::builder(Scheme::Webhook)
///     .secret("s3cret")
///     .clock(|| 1_700_000_000)
///     .build()?;
/// # let _ = verifier;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
        }
    }
}

impl<F> Clock for F
where
    F: Fn() -> i64 + Send + Sync + 'static,
{
    fn now_unix(&self) -> i64 {
        self()
    }
}

/// What a successful verification established.
///
/// The verify layer inserts it into the request extensions; with the `axum`
/// feature it is also an extractor.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The scheme's name (`"webhook"`, `"stripe"`, …).
    pub scheme: &'static str,
    /// The signed timestamp, for schemes that sign one.
    pub timestamp: Option<i64>,
    /// The event id from the headers, for schemes that carry one there
    /// (`X-Webhook-Id`, `webhook-id`, `X-GitHub-Delivery`).
    pub event_id: Option<String>,
    /// Whether the signature covers [`event_id`](Self::event_id): `true`
    /// for Standard Webhooks' `webhook-id`, `false` for the default scheme's
    /// `X-Webhook-Id` and GitHub's `X-GitHub-Delivery`, which anyone holding
    /// one captured request can change without breaking the signature.
    /// Deduplicate on an id only when this is `true` (the idempotency
    /// layer's default does exactly that).
    pub event_id_signed: bool,
    /// Index (in the order they were added) of the secret that matched, so a
    /// rotation can tell when the old secret is no longer used.
    pub secret_index: usize,
}

/// Checks webhook signatures for one scheme against one or more secrets.
///
/// Cheap to clone (shared behind an `Arc`). The HMAC key schedule of every
/// secret is computed once, when the verifier is built.
///
/// ```
/// use webhook_verify::{Scheme, Signer, Verifier};
///
/// let body = br#"{"id":"evt_1","type":"invoice.paid"}"#;
/// let headers = Signer::new(Scheme::Webhook, "s3cret")?.sign(body, 1_700_000_000, Some("evt_1"))?;
///
/// let verifier = Verifier::builder(Scheme::Webhook)
///     .secret("old-secret") // rotation: any secret that verifies passes
///     .secret("s3cret")
///     .clock(|| 1_700_000_060)
///     .build()?;
/// let verified = verifier.verify(&headers, body)?;
/// assert_eq!(verified.secret_index, 1);
/// assert_eq!(verified.event_id.as_deref(), Some("evt_1"));
/// assert!(!verified.event_id_signed, "X-Webhook-Id is not covered by the MAC");
///
/// // One changed byte and it fails, with a reason fit for logs.
/// let err = verifier.verify(&headers, br#"{"id":"evt_1","type":"invoice.paiD"}"#).unwrap_err();
/// assert_eq!(err.status(), 401);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    scheme: Box<dyn SignatureScheme>,
    keys: Vec<HmacSha256>,
    tolerance: Option<u64>,
    clock: Box<dyn Clock>,
    max_signatures: usize,
}

impl Verifier {
    /// A verifier with one secret (as the provider shows it) and the defaults:
    /// 300 s tolerance, system clock, at most 16 signature entries.
    pub fn new(scheme: impl SignatureScheme, secret: impl AsRef<str>) -> Result<Self, ConfigError> {
        Self::builder(scheme).secret(secret).build()
    }

    /// Starts a configurable verifier.
    pub fn builder(scheme: impl SignatureScheme) -> VerifierBuilder {
        VerifierBuilder {
            scheme: Box::new(scheme),
            secrets: Vec::new(),
            tolerance: Some(DEFAULT_TOLERANCE),
            clock: Box::new(SystemClock),
            max_signatures: DEFAULT_MAX_SIGNATURES,
            error: None,
        }
    }

    /// The scheme's name.
    pub fn scheme_name(&self) -> &'static str {
        self.inner.scheme.name()
    }

    /// The timestamp tolerance, `None` when the check is disabled.
    pub fn tolerance(&self) -> Option<Duration> {
        self.inner.tolerance.map(Duration::from_secs)
    }

    /// Verifies `body` against the signature `headers` at the clock's "now".
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Verified, Error> {
        self.verify_at(headers, body, self.inner.clock.now_unix())
    }

    /// Verifies as if the time were `now` (Unix seconds).
    pub fn verify_at(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<Verified, Error> {
        let inner = &*self.inner;
        let parsed = inner.scheme.parse(headers, inner.max_signatures)?;
        if let (Some(tolerance), Some(timestamp)) = (inner.tolerance, parsed.timestamp) {
            // abs_diff can't overflow, whatever the two values are.
            let skew = now.abs_diff(timestamp);
            if skew > tolerance {
                let kind = if timestamp < now {
                    ErrorKind::TimestampTooOld
                } else {
                    ErrorKind::TimestampInFuture
                };
                return Err(Error::new(kind)
                    .with_detail(format!("off by {skew} s, tolerance {tolerance} s")));
            }
        }
        let parts = SignedParts::new(parsed.timestamp, parsed.event_id.as_deref());
        for (index, key) in inner.keys.iter().enumerate() {
            let mut mac = key.clone();
            inner
                .scheme
                .write_signed_payload(&parts, body, &mut mac_input(&mut mac));
            let tag: Tag = mac.finalize().into_bytes().into();
            // Every candidate is compared in constant time, and all of them are
            // compared, so timing does not reveal which one matched.
            let matched = parsed
                .signatures
                .iter()
                .fold(subtle::Choice::from(0), |acc, candidate| {
                    acc | tags_equal(&tag, candidate)
                });
            if bool::from(matched) {
                return Ok(Verified {
                    scheme: inner.scheme.name(),
                    timestamp: parsed.timestamp,
                    event_id_signed: parsed.event_id.is_some() && inner.scheme.signs_event_id(),
                    event_id: parsed.event_id,
                    secret_index: index,
                });
            }
        }
        Err(
            Error::new(ErrorKind::SignatureMismatch).with_detail(format!(
                "{} candidate(s) checked against {} secret(s)",
                parsed.signatures.len(),
                inner.keys.len()
            )),
        )
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("scheme", &self.inner.scheme.name())
            .field(
                "secrets",
                &format_args!("{} (redacted)", self.inner.keys.len()),
            )
            .field("tolerance", &self.inner.tolerance)
            .field("max_signatures", &self.inner.max_signatures)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Verifier`]; errors surface from [`build`](Self::build).
#[must_use]
pub struct VerifierBuilder {
    scheme: Box<dyn SignatureScheme>,
    secrets: Vec<Secret>,
    tolerance: Option<Duration>,
    clock: Box<dyn Clock>,
    max_signatures: usize,
    error: Option<ConfigError>,
}

impl VerifierBuilder {
    /// Adds a secret as the provider shows it; the scheme decodes it
    /// (Standard Webhooks base64-decodes `whsec_…`, the others use the bytes
    /// as they are). Add several to rotate: any one that verifies passes.
    pub fn secret(mut self, secret: impl AsRef<str>) -> Self {
        match self.scheme.decode_secret(secret.as_ref()) {
            Ok(secret) => self.secrets.push(secret),
            Err(err) => {
                self.error.get_or_insert(err);
            }
        }
        self
    }

    /// Adds raw key bytes, bypassing the scheme's decoding.
    pub fn secret_bytes(mut self, secret: impl Into<Secret>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// How far the signed timestamp may be from now, in either direction
    /// (default 300 s). Sub-second parts are ignored.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// Turns the timestamp check off. Replays are then limited only by an
    /// idempotency layer; say so in your review.
    pub fn disable_timestamp_check(mut self) -> Self {
        self.tolerance = None;
        self
    }

    /// Replaces the system clock.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Caps the signature entries examined in one header (default 16); a
    /// header with more is rejected as [`ErrorKind::TooManySignatures`].
    pub fn max_signatures(mut self, max: usize) -> Self {
        self.max_signatures = max;
        self
    }

    /// Builds the verifier.
    ///
    /// Fails on an undecodable or empty secret, no secret at all, or a zero
    /// signature cap.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let keys = hmac_keys(&self.secrets)?;
        if self.max_signatures == 0 {
            return Err(ConfigError::new(ConfigErrorKind::InvalidConfig)
                .with_detail("max_signatures must be at least 1"));
        }
        Ok(Verifier {
            inner: Arc::new(Inner {
                scheme: self.scheme,
                keys,
                tolerance: self.tolerance.map(|t| t.as_secs()),
                clock: self.clock,
                max_signatures: self.max_signatures,
            }),
        })
    }
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("scheme", &self.scheme.name())
            .field("secrets", &self.secrets)
            .field("tolerance", &self.tolerance)
            .field("max_signatures", &self.max_signatures)
            .finish_non_exhaustive()
    }
}

/// Compares two tags in constant time, as four 64-bit words (`subtle` makes
/// each word comparison branch-free; fewer, wider words cost less).
fn tags_equal(a: &Tag, b: &Tag) -> subtle::Choice {
    let words = |tag: &Tag| -> [u64; 4] {
        std::array::from_fn(|i| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&tag[i * 8..i * 8 + 8]);
            u64::from_ne_bytes(word)
        })
    };
    words(a).ct_eq(&words(b))
}

/// Keys the HMAC once per secret, so each request only clones the state.
pub(crate) fn hmac_keys(secrets: &[Secret]) -> Result<Vec<HmacSha256>, ConfigError> {
    if secrets.is_empty() {
        return Err(ConfigError::new(ConfigErrorKind::InvalidConfig)
            .with_detail("at least one secret is required"));
    }
    secrets
        .iter()
        .map(|secret| {
            if secret.is_empty() {
                return Err(
                    ConfigError::new(ConfigErrorKind::InvalidSecret).with_detail("empty secret")
                );
            }
            // HMAC accepts keys of any length, so this can't fail for a non-empty key.
            HmacSha256::new_from_slice(secret.expose_bytes())
                .map_err(|_| ConfigError::new(ConfigErrorKind::InvalidSecret))
        })
        .collect()
}
