//! The pure verification API: headers and body bytes in, [`Verified`] or an
//! [`Error`] out.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, Response};

use crate::error::{ConfigError, ConfigErrorKind, Error, ErrorKind};
use crate::keys::VerifyingKeys;
use crate::scheme::{HandshakeKey, SignatureScheme, SignedParts, WebhookRequest};
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
    keys: VerifyingKeys,
    tolerance: Option<u64>,
    clock: Box<dyn Clock>,
    max_signatures: usize,
    public_url: Option<String>,
}

impl Verifier {
    /// A verifier with one secret or public key (as the provider shows it)
    /// and the defaults: the provider's tolerance (300 s for most), system
    /// clock, at most 16 signature entries.
    pub fn new(scheme: impl SignatureScheme, secret: impl AsRef<str>) -> Result<Self, ConfigError> {
        Self::builder(scheme).secret(secret).build()
    }

    /// Starts a configurable verifier.
    pub fn builder(scheme: impl SignatureScheme) -> VerifierBuilder {
        VerifierBuilder {
            scheme: Box::new(scheme),
            secrets: Vec::new(),
            tolerance: Tolerance::SchemeDefault,
            clock: Box::new(SystemClock),
            max_signatures: DEFAULT_MAX_SIGNATURES,
            public_url: None,
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
    ///
    /// The request is taken to be `POST /`; schemes that sign the URL or
    /// the method (Twilio, Square, HubSpot) need
    /// [`verify_request`](Self::verify_request).
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Verified, Error> {
        self.verify_request(&WebhookRequest::new(headers, body))
    }

    /// Verifies as if the time were `now` (Unix seconds).
    pub fn verify_at(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<Verified, Error> {
        self.verify_request_at(&WebhookRequest::new(headers, body), now)
    }

    /// Verifies a request seen whole: method, URI, headers and body. The
    /// verifier's [public URL](VerifierBuilder::public_url) applies unless
    /// the request carries one.
    ///
    /// ```
    /// use http::{HeaderMap, Method, Uri};
    /// use webhook_verify::scheme::WebhookRequest;
    /// use webhook_verify::{Scheme, Signer, Verifier};
    ///
    /// let headers = Signer::new(Scheme::Stripe, "whsec_x")?.sign_now(b"{}", None)?;
    /// let uri: Uri = "/hooks/stripe".parse()?;
    /// let request = WebhookRequest::new(&headers, b"{}").with_method(&Method::POST).with_uri(&uri);
    /// Verifier::new(Scheme::Stripe, "whsec_x")?.verify_request(&request)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_request(&self, request: &WebhookRequest<'_>) -> Result<Verified, Error> {
        self.verify_request_at(request, self.inner.clock.now_unix())
    }

    /// [`verify_request`](Self::verify_request) as if the time were `now`.
    pub fn verify_request_at(
        &self,
        request: &WebhookRequest<'_>,
        now: i64,
    ) -> Result<Verified, Error> {
        let inner = &*self.inner;
        let request = &self.with_public_url(request);
        let parsed = inner.scheme.parse(request, inner.max_signatures)?;
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
        let matched = inner.keys.find(&parsed.signatures, |input| {
            inner.scheme.write_signed_payload(&parts, request, input);
        });
        match matched {
            Some(index) => Ok(Verified {
                scheme: inner.scheme.name(),
                timestamp: parsed.timestamp,
                event_id_signed: parsed.event_id.is_some() && inner.scheme.signs_event_id(),
                event_id: parsed.event_id,
                secret_index: index,
            }),
            None => Err(
                Error::new(ErrorKind::SignatureMismatch).with_detail(format!(
                    "{} candidate(s) checked against {} key(s)",
                    parsed.signatures.len(),
                    inner.keys.len()
                )),
            ),
        }
    }

    /// The reply to the provider's handshake when `request` (which
    /// [`verify_request`](Self::verify_request) accepted as `verified`) is
    /// one: Slack's `url_verification`, Zoom's `endpoint.url_validation`,
    /// Twitch's challenge. `None` for an ordinary event.
    pub fn handshake(
        &self,
        request: &WebhookRequest<'_>,
        verified: &Verified,
    ) -> Option<Response<Bytes>> {
        let key = HandshakeKey::new(&self.inner.keys, verified.secret_index);
        self.inner
            .scheme
            .handshake(&self.with_public_url(request), &key)
    }

    /// The reply to a handshake the provider does not sign (Dropbox's
    /// `GET ?challenge=`), to send before verifying; `None` otherwise.
    pub fn unsigned_handshake(&self, request: &WebhookRequest<'_>) -> Option<Response<Bytes>> {
        self.inner
            .scheme
            .unsigned_handshake(&self.with_public_url(request))
    }

    fn with_public_url<'r>(&'r self, request: &WebhookRequest<'r>) -> WebhookRequest<'r> {
        match (&self.inner.public_url, request.public_url()) {
            (Some(base), None) => request.with_public_url(base),
            _ => *request,
        }
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
            .field("public_url", &self.inner.public_url)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Verifier`]; errors surface from [`build`](Self::build).
#[must_use]
pub struct VerifierBuilder {
    scheme: Box<dyn SignatureScheme>,
    secrets: Vec<Secret>,
    tolerance: Tolerance,
    clock: Box<dyn Clock>,
    max_signatures: usize,
    public_url: Option<String>,
    error: Option<ConfigError>,
}

#[derive(Debug, Clone, Copy)]
enum Tolerance {
    SchemeDefault,
    Set(Duration),
    Disabled,
}

impl VerifierBuilder {
    /// Adds a secret (or, for Ed25519 and ECDSA schemes, a public key) as
    /// the provider shows it; the scheme decodes it (Standard Webhooks
    /// base64-decodes `whsec_…`, Discord hex-decodes its public key, most
    /// use the bytes as they are). Add several to rotate: any one that
    /// verifies passes.
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
    /// (default: the provider's own, see
    /// [`SignatureScheme::default_tolerance`]; 300 s for most). Sub-second
    /// parts are ignored.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = Tolerance::Set(tolerance);
        self
    }

    /// Turns the timestamp check off. Replays are then limited only by an
    /// idempotency layer; say so in your review.
    pub fn disable_timestamp_check(mut self) -> Self {
        self.tolerance = Tolerance::Disabled;
        self
    }

    /// The public base URL the provider sends to (`https://example.com`,
    /// with a path prefix if a proxy strips one), for schemes that sign the
    /// URL (Twilio, Square, HubSpot). The request's path and query are
    /// appended to it. Without it the URL is rebuilt from the request, as
    /// [`WebhookRequest::url`] says — wrong behind most proxies.
    ///
    /// [`build`](Self::build) fails unless it is an absolute `http` or
    /// `https` URL without a query.
    pub fn public_url(mut self, base: impl Into<String>) -> Self {
        self.public_url = Some(base.into());
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
    /// Fails on an undecodable or empty secret, no secret at all, a zero
    /// signature cap, or a public URL that is not absolute.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let keys = VerifyingKeys::new(self.scheme.algorithm(), &self.secrets)?;
        if self.max_signatures == 0 {
            return Err(ConfigError::new(ConfigErrorKind::InvalidConfig)
                .with_detail("max_signatures must be at least 1"));
        }
        if let Some(url) = &self.public_url {
            check_public_url(url)?;
        }
        let tolerance = match self.tolerance {
            Tolerance::SchemeDefault => Some(self.scheme.default_tolerance()),
            Tolerance::Set(tolerance) => Some(tolerance),
            Tolerance::Disabled => None,
        };
        Ok(Verifier {
            inner: Arc::new(Inner {
                scheme: self.scheme,
                keys,
                tolerance: tolerance.map(|t| t.as_secs()),
                clock: self.clock,
                max_signatures: self.max_signatures,
                public_url: self.public_url,
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
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

fn check_public_url(url: &str) -> Result<(), ConfigError> {
    let invalid = || {
        ConfigError::new(ConfigErrorKind::InvalidConfig)
            .with_detail("public_url must be an absolute http(s) URL without a query")
    };
    let uri: http::Uri = url.parse().map_err(|_| invalid())?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    if !scheme_ok || uri.authority().is_none() || uri.query().is_some() {
        return Err(invalid());
    }
    Ok(())
}
