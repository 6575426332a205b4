//! Signing, for senders: the mirror of [`Verifier`](crate::Verifier).

use std::fmt;
use std::sync::Arc;

use http::HeaderMap;

use crate::error::{ConfigError, ConfigErrorKind};
use crate::keys::SigningKeys;
use crate::scheme::{Signature, SignatureScheme, SignedParts, WebhookRequest};
use crate::secret::Secret;
use crate::verifier::{Clock as _, SystemClock};

/// Produces the signature headers of a scheme for a body.
///
/// With several secrets (a rotation in progress) every scheme that allows
/// several entries gets one per secret; GitHub and Slack carry one and are
/// signed with the first. Public-key schemes sign with the private key
/// (Standard Webhooks `whsk_…`, an Ed25519 seed, a P-256 PKCS#8 key), as
/// [`SignatureScheme::decode_signing_key`] reads it.
///
/// ```
/// use webhook_verify::{Scheme, Signer};
///
/// let signer = Signer::new(Scheme::Stripe, "whsec_test")?;
/// let headers = signer.sign(b"{}", 1_700_000_000, None)?;
/// let value = headers["stripe-signature"].to_str().unwrap();
/// assert!(value.starts_with("t=1700000000,v1="));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    scheme: Arc<dyn SignatureScheme>,
    keys: Arc<SigningKeys>,
}

impl Signer {
    /// A signer with one secret (or private key) as the provider shows it,
    /// decoded by the scheme.
    pub fn new(scheme: impl SignatureScheme, secret: impl AsRef<str>) -> Result<Self, ConfigError> {
        Self::with_secrets(scheme, [secret])
    }

    /// A signer with several secrets (as the provider shows them).
    pub fn with_secrets<S: AsRef<str>>(
        scheme: impl SignatureScheme,
        secrets: impl IntoIterator<Item = S>,
    ) -> Result<Self, ConfigError> {
        let secrets = secrets
            .into_iter()
            .map(|s| scheme.decode_signing_key(s.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_secrets(scheme, &secrets)
    }

    /// A signer with raw key bytes, bypassing the scheme's decoding.
    pub fn from_secrets(
        scheme: impl SignatureScheme,
        secrets: &[Secret],
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            keys: Arc::new(SigningKeys::new(scheme.algorithm(), secrets)?),
            scheme: Arc::new(scheme),
        })
    }

    /// The scheme's name.
    pub fn scheme_name(&self) -> &'static str {
        self.scheme.name()
    }

    /// The raw signatures for `body`, one per key.
    pub fn signatures(
        &self,
        body: &[u8],
        timestamp: i64,
        event_id: Option<&str>,
    ) -> Vec<Signature> {
        let headers = HeaderMap::new();
        self.signatures_for(&WebhookRequest::new(&headers, body), timestamp, event_id)
    }

    /// The raw signatures for a whole request, one per key; for schemes
    /// that sign the method or URL.
    pub fn signatures_for(
        &self,
        request: &WebhookRequest<'_>,
        timestamp: i64,
        event_id: Option<&str>,
    ) -> Vec<Signature> {
        let parts = SignedParts::new(Some(timestamp), event_id);
        self.keys.sign(|input| {
            self.scheme.write_signed_payload(&parts, request, input);
        })
    }

    /// The headers to send with `body`, signed at `timestamp` (Unix seconds;
    /// ignored by GitHub), with `event_id` where the scheme carries one
    /// (required by Standard Webhooks).
    pub fn sign(
        &self,
        body: &[u8],
        timestamp: i64,
        event_id: Option<&str>,
    ) -> Result<HeaderMap, ConfigError> {
        let headers = HeaderMap::new();
        self.sign_request(&WebhookRequest::new(&headers, body), timestamp, event_id)
    }

    /// [`sign`](Self::sign) for a whole request: the method, URL (give the
    /// full URL as the public URL, or the URI) and body, for schemes that
    /// sign them (Twilio, Square, HubSpot).
    ///
    /// ```
    /// use http::{HeaderMap, Uri};
    /// use webhook_verify::scheme::WebhookRequest;
    /// use webhook_verify::{Scheme, Signer};
    ///
    /// let none = HeaderMap::new();
    /// let uri: Uri = "/hooks".parse()?;
    /// let request = WebhookRequest::new(&none, b"{}").with_uri(&uri).with_public_url("https://example.com");
    /// let headers = Signer::new(Scheme::Webhook, "s3cret")?.sign_request(&request, 1_700_000_000, None)?;
    /// assert!(headers.contains_key("x-webhook-signature"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Fails for a scheme that carries its signature in the body (Mailgun):
    /// use [`sign_body`](Self::sign_body) for those.
    pub fn sign_request(
        &self,
        request: &WebhookRequest<'_>,
        timestamp: i64,
        event_id: Option<&str>,
    ) -> Result<HeaderMap, ConfigError> {
        let (headers, body) = self.sign_request_body(request, timestamp, event_id)?;
        if body.is_some() {
            return Err(ConfigError::new(ConfigErrorKind::InvalidInput).with_detail(
                "this scheme carries its signature in the body: use Signer::sign_body",
            ));
        }
        Ok(headers)
    }

    /// The headers and the body to send, for every scheme: the body is
    /// `body` itself unless the scheme carries its signature in the body
    /// (Mailgun), in which case it is `body` with the signature embedded.
    /// A Mailgun body that already carries a `signature` object (a captured
    /// event, re-signed for a replay) has it replaced; its other members
    /// are then written back in sorted order, which Mailgun's signature
    /// does not cover.
    ///
    /// ```
    /// use webhook_verify::{Scheme, Signer, Verifier};
    ///
    /// // Mailgun signs a timestamp and a token (the event id here), and
    /// // puts the signature in the JSON body, next to the event data.
    /// let signer = Signer::new(Scheme::Mailgun, "signing-key")?;
    /// let event = br#"{"event-data":{"event":"delivered"}}"#;
    /// let (headers, body) = signer.sign_body(event, 1_700_000_000, Some("a-random-token"))?;
    /// assert!(headers.is_empty());
    /// assert!(body.starts_with(br#"{"signature":{"timestamp":"1700000000","token":"a-random-token","signature":""#));
    /// let verified = Verifier::builder(Scheme::Mailgun)
    ///     .secret("signing-key")
    ///     .clock(|| 1_700_000_000)
    ///     .build()?
    ///     .verify(&headers, &body)?;
    /// assert_eq!(verified.event_id.as_deref(), Some("a-random-token"));
    ///
    /// // Other schemes send the body unchanged.
    /// let (headers, body) = Signer::new(Scheme::Stripe, "whsec_x")?.sign_body(b"{}", 1_700_000_000, None)?;
    /// assert_eq!(body, b"{}");
    /// assert!(headers.contains_key("stripe-signature"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_body(
        &self,
        body: &[u8],
        timestamp: i64,
        event_id: Option<&str>,
    ) -> Result<(HeaderMap, Vec<u8>), ConfigError> {
        let headers = HeaderMap::new();
        let request = WebhookRequest::new(&headers, body);
        let (headers, signed) = self.sign_request_body(&request, timestamp, event_id)?;
        Ok((headers, signed.unwrap_or_else(|| body.to_vec())))
    }

    /// [`sign_body`](Self::sign_body) for a whole request (method, URL and
    /// body, for schemes that sign them): the headers, and the body to send
    /// when it is not the request's own (`None` for every scheme but those
    /// that carry the signature in the body).
    pub fn sign_request_body(
        &self,
        request: &WebhookRequest<'_>,
        timestamp: i64,
        event_id: Option<&str>,
    ) -> Result<(HeaderMap, Option<Vec<u8>>), ConfigError> {
        let signatures = self.signatures_for(request, timestamp, event_id);
        let parts = SignedParts::new(Some(timestamp), event_id);
        let headers = self.scheme.render_headers(&parts, &signatures)?;
        let body = self
            .scheme
            .render_body(&parts, &signatures, request.body())?;
        Ok((headers, body))
    }
}

impl Signer {
    /// [`sign`](Self::sign) at the current time of the system clock (the
    /// same clock [`Verifier`](crate::Verifier) checks against by default).
    ///
    /// ```
    /// use webhook_verify::{Scheme, Signer, Verifier};
    ///
    /// let signer = Signer::new(Scheme::Stripe, "whsec_test")?;
    /// let headers = signer.sign_now(br#"{"id":"evt_1"}"#, None)?;
    /// Verifier::new(Scheme::Stripe, "whsec_test")?.verify(&headers, br#"{"id":"evt_1"}"#)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_now(&self, body: &[u8], event_id: Option<&str>) -> Result<HeaderMap, ConfigError> {
        self.sign(body, SystemClock.now_unix(), event_id)
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("scheme", &self.scheme.name())
            .field("secrets", &format_args!("{} (redacted)", self.keys.len()))
            .finish()
    }
}
