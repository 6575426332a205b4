//! Signature schemes: where a provider puts the signature, what it signs and
//! how it encodes the MAC.
//!
//! A scheme owns its [`Algorithm`] (HMAC-SHA1/256/512, Ed25519, ECDSA
//! P-256, or a shared token) and its key format, reads what it needs from
//! the whole [`WebhookRequest`] (headers, body, method, URL), and may answer
//! the provider's handshakes. [`Scheme`] selects a built-in one by value;
//! implement [`SignatureScheme`] to add your own provider without forking
//! this crate (see the trait's example).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, Response};

use crate::error::{ConfigError, Error};
use crate::keys::VerifyingKeys;
use crate::secret::Secret;
use crate::verifier::DEFAULT_TOLERANCE;

pub(crate) mod algorithm;
mod github;
mod header_values;
mod key_pair;
mod request;
mod signature;
mod slack;
mod standard;
mod stripe;
mod webhook;
// Provider modules: group A (merge anchor, keep)
mod body_mac;
mod coinbase;
mod gitlab;
mod intercom;
mod lemonsqueezy;
mod paddle;
mod razorpay;
mod sentry;
mod shopify;
mod typeform;
mod woocommerce;
mod zendesk;
// Provider modules: group B (merge anchor, keep)
mod challenge;
mod dropbox;
mod hubspot;
mod linear;
mod rfc3339;
mod square;
mod twilio;
mod twitch;
mod zoom;
// Provider modules: group C (merge anchor, keep)
mod discord;
mod mailgun;
mod sendgrid;
mod standard_v1a;

pub use algorithm::{Algorithm, SigningInput};
pub(crate) use header_values::{
    ascii_to_string, first_signature, for_each_entry, hex_tags, optional_header_bytes,
    parse_timestamp_bytes, require_bytes, require_timestamp, split_at,
};
pub use header_values::{
    header_value, hex_tag, optional_header, optional_headers, parse_timestamp, require,
    required_header,
};
pub use key_pair::{KeyPair, RawKeyPair};
pub use request::WebhookRequest;
pub use signature::{Signature, Signatures};

/// What a scheme read from the request, before any signature is checked.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ParsedSignature {
    /// The signed timestamp in Unix seconds, for schemes that carry one.
    pub timestamp: Option<i64>,
    /// The event (delivery) id, for schemes that carry one.
    pub event_id: Option<String>,
    /// The candidate signatures, decoded. Entries that did not decode to the
    /// algorithm's length are left out: they can't match, so they count as a
    /// mismatch.
    pub signatures: Signatures,
}

impl ParsedSignature {
    /// Builds the parsed form; for custom schemes.
    pub fn new(timestamp: Option<i64>, event_id: Option<String>, signatures: Signatures) -> Self {
        Self {
            timestamp,
            event_id,
            signatures,
        }
    }
}

/// The signed values that precede (or surround) the body in the signed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedParts<'a> {
    /// The timestamp, Unix seconds.
    pub timestamp: Option<i64>,
    /// The event id.
    pub event_id: Option<&'a str>,
}

impl<'a> SignedParts<'a> {
    /// Builds the signed parts; for custom schemes and signers.
    pub fn new(timestamp: Option<i64>, event_id: Option<&'a str>) -> Self {
        Self {
            timestamp,
            event_id,
        }
    }
}

/// The key that verified a request, lent to a scheme answering a signed
/// handshake (Zoom's `endpoint.url_validation` answers with a MAC of its
/// challenge).
pub struct HandshakeKey<'k> {
    keys: &'k VerifyingKeys,
    index: usize,
}

impl<'k> HandshakeKey<'k> {
    pub(crate) fn new(keys: &'k VerifyingKeys, index: usize) -> Self {
        Self { keys, index }
    }

    /// The MAC of `message` under the key that verified the request; `None`
    /// for public-key and token schemes.
    pub fn mac(&self, message: &[u8]) -> Option<Signature> {
        self.keys.mac(self.index, message)
    }
}

impl fmt::Debug for HandshakeKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HandshakeKey(redacted)")
    }
}

/// A provider's signature format: where it puts the signature, what it
/// signs, with which algorithm, and how it writes the result.
///
/// Verification calls [`parse`](Self::parse), checks the timestamp, then for
/// every key feeds [`write_signed_payload`](Self::write_signed_payload) to
/// the scheme's [`algorithm`](Self::algorithm) and checks every candidate
/// (MACs in constant time). Signing feeds the same bytes and hands the
/// signatures to [`render_headers`](Self::render_headers). One
/// implementation serves both directions, so a sender and a receiver can't
/// disagree.
///
/// # Example: a provider that signs `"{id}:{body}"` into `X-Acme-Signature`
///
/// ```
/// use http::{HeaderMap, HeaderName};
/// use webhook_verify::scheme::{self, ParsedSignature, Signature, SignatureScheme, SignedParts, SigningInput, WebhookRequest};
/// use webhook_verify::{ConfigError, ConfigErrorKind, Error, Signer, Verifier};
///
/// #[derive(Debug)]
/// struct Acme;
///
/// const SIG: HeaderName = HeaderName::from_static("x-acme-signature");
/// const ID: HeaderName = HeaderName::from_static("x-acme-id");
///
/// impl SignatureScheme for Acme {
///     fn name(&self) -> &'static str { "acme" }
///
///     // The id is part of the signed bytes below.
///     fn signs_event_id(&self) -> bool { true }
///
///     fn parse(&self, request: &WebhookRequest<'_>, _max: usize) -> Result<ParsedSignature, Error> {
///         let id = scheme::required_header(request.headers(), &ID)?;
///         let sig = scheme::required_header(request.headers(), &SIG)?;
///         let candidates = Signature::from_hex(sig, 32).into_iter().collect();
///         Ok(ParsedSignature::new(None, Some(id.to_owned()), candidates))
///     }
///
///     fn write_signed_payload(&self, parts: &SignedParts<'_>, request: &WebhookRequest<'_>, input: &mut SigningInput<'_>) {
///         input.update(parts.event_id.unwrap_or_default().as_bytes());
///         input.update(b":");
///         input.update(request.body());
///     }
///
///     fn render_headers(&self, parts: &SignedParts<'_>, signatures: &[Signature]) -> Result<HeaderMap, ConfigError> {
///         let mut headers = HeaderMap::new();
///         let id = parts.event_id.ok_or(ConfigError::new(ConfigErrorKind::EventIdRequired))?;
///         headers.insert(ID, scheme::header_value(id)?);
///         headers.insert(SIG, scheme::header_value(&signatures[0].to_hex())?);
///         Ok(headers)
///     }
/// }
///
/// let signer = Signer::new(Acme, "s3cret")?;
/// let headers = signer.sign(b"{}", 0, Some("evt_1"))?;
/// let verified = Verifier::new(Acme, "s3cret")?.verify(&headers, b"{}")?;
/// assert_eq!(verified.event_id.as_deref(), Some("evt_1"));
/// assert!(verified.event_id_signed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SignatureScheme: fmt::Debug + Send + Sync + 'static {
    /// A short lowercase name (`"stripe"`), reported in [`Verified`](crate::Verified).
    fn name(&self) -> &'static str;

    /// The signature algorithm; HMAC-SHA256 unless overridden.
    fn algorithm(&self) -> Algorithm {
        Algorithm::HmacSha256
    }

    /// Turns the verifying key as the provider displays it (a secret, or a
    /// public key for [`Ed25519`](Algorithm::Ed25519) and
    /// [`EcdsaP256`](Algorithm::EcdsaP256)) into the bytes the
    /// [`Algorithm`] table describes.
    ///
    /// The default uses the text's bytes as they are (Stripe, GitHub, Slack,
    /// the default scheme). Standard Webhooks overrides it to base64-decode
    /// `whsec_…`.
    fn decode_secret(&self, secret: &str) -> Result<Secret, ConfigError> {
        Ok(Secret::new(secret))
    }

    /// Turns the signing key as the provider displays it into key bytes; the
    /// same as [`decode_secret`](Self::decode_secret) unless the algorithm
    /// has key pairs (Standard Webhooks `whsk_…`).
    fn decode_signing_key(&self, key: &str) -> Result<Secret, ConfigError> {
        self.decode_secret(key)
    }

    /// Writes a freshly generated key pair in the provider's formats:
    /// `(verifying key, signing key)`, each readable by
    /// [`decode_secret`](Self::decode_secret) and
    /// [`decode_signing_key`](Self::decode_signing_key). `None` (the
    /// default) for schemes with a shared secret. See [`KeyPair::generate`].
    fn format_key_pair(&self, raw: &RawKeyPair<'_>) -> Option<(String, String)> {
        let _ = raw;
        None
    }

    /// How far a signed timestamp may be from now by default (the
    /// provider's own tolerance; 300 s unless overridden).
    fn default_tolerance(&self) -> Duration {
        DEFAULT_TOLERANCE
    }

    /// Reads the timestamp, event id and candidate signatures from the
    /// request (usually its headers).
    ///
    /// Must fail with [`ErrorKind::TooManySignatures`](crate::ErrorKind::TooManySignatures) rather than decode more
    /// than `max_signatures` entries.
    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        max_signatures: usize,
    ) -> Result<ParsedSignature, Error>;

    /// Whether [`write_signed_payload`](Self::write_signed_payload) feeds the
    /// event id of [`ParsedSignature`] into the signed bytes, so the id
    /// cannot be changed without breaking the signature. Reported as
    /// [`Verified::event_id_signed`](crate::Verified::event_id_signed).
    ///
    /// The default is `false`: an id the scheme does not declare signed is
    /// never trusted as a deduplication key. Standard Webhooks overrides it.
    fn signs_event_id(&self) -> bool {
        false
    }

    /// Feeds the exact signed bytes (usually including the body) into `input`.
    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        input: &mut SigningInput<'_>,
    );

    /// Renders the headers a sender attaches, with one entry per signature
    /// (several during a key rotation, where the scheme allows it).
    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError>;

    /// For schemes that carry the signature in the body (Mailgun): the body
    /// a sender sends, built from the body it was given with the signatures
    /// embedded. `None` (the default) means the body is sent as given.
    ///
    /// [`Signer::sign_body`](crate::Signer::sign_body) sends what it returns
    /// with the headers of [`render_headers`](Self::render_headers); for a
    /// scheme that returns `Some`, [`Signer::sign`](crate::Signer::sign)
    /// fails rather than send the body unsigned.
    fn render_body(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
        body: &[u8],
    ) -> Result<Option<Vec<u8>>, ConfigError> {
        let _ = (parts, signatures, body);
        Ok(None)
    }

    /// The reply to a provider's handshake, for a request that passed
    /// verification (Slack's `url_verification`, Zoom's
    /// `endpoint.url_validation`, Twitch's challenge); `None` for an
    /// ordinary event. The verify layer sends it instead of calling the
    /// handler when handshakes are enabled.
    fn handshake(
        &self,
        request: &WebhookRequest<'_>,
        key: &HandshakeKey<'_>,
    ) -> Option<Response<Bytes>> {
        let _ = (request, key);
        None
    }

    /// The reply to a handshake the provider does not sign (Dropbox's
    /// `GET ?challenge=`, WooCommerce's `webhook_id=` creation ping),
    /// answered before any verification; `None` for everything else.
    ///
    /// The verify layer asks twice: before reading the body, with an empty
    /// body (so a `GET` handshake costs no body read), and, when that gave
    /// `None` and the body is not empty, once more with the body.
    fn unsigned_handshake(&self, request: &WebhookRequest<'_>) -> Option<Response<Bytes>> {
        let _ = request;
        None
    }

    /// The header that carries the signature, for schemes that send it in
    /// a header (Mailgun's is in the body).
    fn signature_header(&self) -> Option<HeaderName> {
        None
    }

    /// The header that carries the timestamp, for schemes that send it in a
    /// header of its own.
    fn timestamp_header(&self) -> Option<HeaderName> {
        None
    }

    /// The header that carries the event (delivery) id, for schemes that
    /// send one.
    fn id_header(&self) -> Option<HeaderName> {
        None
    }

    /// Whether the scheme signs a timestamp (and so limits replays).
    fn signs_timestamp(&self) -> bool {
        false
    }
}

/// The built-in schemes, selectable by value (and by name with [`FromStr`]).
///
/// | value | name | signature header | signed bytes | encoding |
/// |---|---|---|---|---|
/// | [`Webhook`](Self::Webhook) | `webhook` | `X-Webhook-Signature: v1=<hex>[,v1=<hex>…]` + `X-Webhook-Timestamp` (+ optional `X-Webhook-Id`) | `{ts}.{body}` | hex |
/// | [`Stripe`](Self::Stripe) | `stripe` | `Stripe-Signature: t=<ts>,v1=<hex>[,v1=…][,v0=…]` | `{t}.{body}` | hex |
/// | [`Standard`](Self::Standard) | `standard` | `webhook-signature: v1,<b64>[ v1,<b64>…]` + `webhook-id` + `webhook-timestamp` (or `svix-*`) | `{id}.{ts}.{body}` | base64 |
/// | [`GitHub`](Self::GitHub) | `github` | `X-Hub-Signature-256: sha256=<hex>` (+ `X-GitHub-Delivery` id) | `{body}` | hex |
/// | [`Slack`](Self::Slack) | `slack` | `X-Slack-Signature: v0=<hex>` + `X-Slack-Request-Timestamp` | `v0:{ts}:{body}` | hex |
// Table rows: group A (merge anchor, keep)
/// | [`Shopify`](Self::Shopify) | `shopify` | `X-Shopify-Hmac-Sha256: <b64>` (+ `X-Shopify-Webhook-Id` id) | `{body}` | base64 |
/// | [`Razorpay`](Self::Razorpay) | `razorpay` | `X-Razorpay-Signature: <hex>` (+ `X-Razorpay-Event-Id` id) | `{body}` | hex |
/// | [`Intercom`](Self::Intercom) | `intercom` | `X-Hub-Signature: sha1=<hex>` (HMAC-SHA1) | `{body}` | hex |
/// | [`WooCommerce`](Self::WooCommerce) | `woocommerce` | `X-WC-Webhook-Signature: <b64>` (+ `X-WC-Webhook-Delivery-ID` id) | `{body}` | base64 |
/// | [`Typeform`](Self::Typeform) | `typeform` | `Typeform-Signature: sha256=<b64>` | `{body}` | base64 |
/// | [`LemonSqueezy`](Self::LemonSqueezy) | `lemonsqueezy` | `X-Signature: <hex>` | `{body}` | hex |
/// | [`Sentry`](Self::Sentry) | `sentry` | `Sentry-Hook-Signature: <hex>` (+ `Request-ID` id) | `{body}` | hex |
/// | [`Coinbase`](Self::Coinbase) | `coinbase` | `X-CC-Webhook-Signature: <hex>` | `{body}` | hex |
/// | [`Paddle`](Self::Paddle) | `paddle` | `Paddle-Signature: ts=<ts>;h1=<hex>[;h1=…]` | `{ts}:{body}` | hex |
/// | [`Zendesk`](Self::Zendesk) | `zendesk` | `X-Zendesk-Webhook-Signature: <b64>` + `X-Zendesk-Webhook-Signature-Timestamp: <ISO 8601>` (+ `X-Zendesk-Webhook-Invocation-Id` id) | `{ts}{body}` | base64 |
/// | [`GitLab`](Self::GitLab) | `gitlab` | `X-Gitlab-Token: <token>` (+ `Idempotency-Key` id) | nothing: the token itself | as configured |
/// | [`Standard`](Self::Standard) | `clerk`, `resend` (aliases of `standard`) | `svix-signature: v1,<b64>` + `svix-id` + `svix-timestamp`, `whsec_` secret | `{id}.{ts}.{body}` | base64 |
// Table rows: group B (merge anchor, keep)
/// | [`Square`](Self::Square) | `square` | `X-Square-Hmacsha256-Signature: <b64>` | `{notification URL}{body}` | base64 |
/// | [`Twilio`](Self::Twilio) | `twilio` | `X-Twilio-Signature: <b64>` (+ `I-Twilio-Idempotency-Token` id) | `{URL}{k}{v}…` sorted form params, or `{URL with bodySHA256}` | base64 (HMAC-SHA1) |
/// | [`HubSpot`](Self::HubSpot) | `hubspot` | `X-HubSpot-Signature-v3: <b64>` + `X-HubSpot-Request-Timestamp` (ms) | `{method}{URI}{body}{ts ms}` | base64 |
/// | [`Zoom`](Self::Zoom) | `zoom` | `x-zm-signature: v0=<hex>` + `x-zm-request-timestamp` (answers `endpoint.url_validation`) | `v0:{ts}:{body}` | hex |
/// | [`Twitch`](Self::Twitch) | `twitch` | `Twitch-Eventsub-Message-Signature: sha256=<hex>` + `-Message-Id` + `-Message-Timestamp` (RFC 3339; answers `webhook_callback_verification`) | `{id}{ts text}{body}` | hex |
/// | [`Dropbox`](Self::Dropbox) | `dropbox` | `X-Dropbox-Signature: <hex>` (answers the unsigned `GET ?challenge=`) | `{body}` | hex |
/// | [`Linear`](Self::Linear) | `linear` | `Linear-Signature: <hex>` (+ `Linear-Delivery` id); timestamp = body `webhookTimestamp` (ms) | `{body}` | hex |
// Table rows: group C (merge anchor, keep)
/// | [`Discord`](Self::Discord) | `discord` | `X-Signature-Ed25519: <hex Ed25519>` + `X-Signature-Timestamp` | `{ts}{body}` (timestamp text as received) | hex |
/// | [`StandardV1a`](Self::StandardV1a) | `standard-v1a` | `webhook-signature: v1a,<b64 Ed25519>[ v1a,<b64>…]` + `webhook-id` + `webhook-timestamp` (or `svix-*`) | `{id}.{ts}.{body}` | base64 |
/// | [`SendGrid`](Self::SendGrid) | `sendgrid` | `X-Twilio-Email-Event-Webhook-Signature: <b64 DER ECDSA P-256>` + `X-Twilio-Email-Event-Webhook-Timestamp` | `{ts}{body}` (timestamp text as received) | base64 |
/// | [`Mailgun`](Self::Mailgun) | `mailgun` | none: `{"signature":{"timestamp","token","signature"},…}` in the body (or form fields); **the body is not signed** | `{timestamp}{token}` | hex |
///
/// ```
/// use webhook_verify::Scheme;
///
/// let scheme: Scheme = "stripe".parse()?;
/// assert_eq!(scheme, Scheme::Stripe);
/// assert_eq!(scheme.to_string(), "stripe");
/// # Ok::<(), webhook_verify::scheme::UnknownScheme>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scheme {
    /// This toolkit's default format.
    #[default]
    Webhook,
    /// Stripe.
    Stripe,
    /// Standard Webhooks (Svix).
    Standard,
    /// GitHub (`X-Hub-Signature-256`).
    GitHub,
    /// Slack request signing.
    Slack,
    // variants: group A (merge anchor, keep)
    /// Shopify (`X-Shopify-Hmac-Sha256`).
    Shopify,
    /// Razorpay (`X-Razorpay-Signature`).
    Razorpay,
    /// Intercom (`X-Hub-Signature: sha1=`).
    Intercom,
    /// WooCommerce (`X-WC-Webhook-Signature`).
    WooCommerce,
    /// Typeform (`Typeform-Signature: sha256=`).
    Typeform,
    /// Lemon Squeezy (`X-Signature`).
    LemonSqueezy,
    /// Sentry integration platform (`Sentry-Hook-Signature`).
    Sentry,
    /// Coinbase Commerce (`X-CC-Webhook-Signature`).
    Coinbase,
    /// Paddle Billing (`Paddle-Signature: ts=…;h1=…`).
    Paddle,
    /// Zendesk (`X-Zendesk-Webhook-Signature`, ISO 8601 timestamp).
    Zendesk,
    /// GitLab (`X-Gitlab-Token`, a shared token: nothing signed).
    GitLab,
    // variants: group B (merge anchor, keep)
    /// Square (`X-Square-Hmacsha256-Signature`, signs the notification URL).
    Square,
    /// Twilio (`X-Twilio-Signature`, HMAC-SHA1 over the URL and the form parameters).
    Twilio,
    /// HubSpot signature v3 (`X-HubSpot-Signature-v3`, signs method, URI, body and a millisecond timestamp).
    HubSpot,
    /// Zoom (`x-zm-signature`), answering the signed `endpoint.url_validation` handshake.
    Zoom,
    /// Twitch EventSub (`Twitch-Eventsub-Message-Signature`), answering the signed `webhook_callback_verification` challenge.
    Twitch,
    /// Dropbox (`X-Dropbox-Signature`), answering the unsigned `GET ?challenge=` verification.
    Dropbox,
    /// Linear (`Linear-Signature`; the signed timestamp is the body's `webhookTimestamp`).
    Linear,
    // variants: group C (merge anchor, keep)
    /// Discord interactions and Webhook Events (Ed25519).
    Discord,
    /// Standard Webhooks asymmetric signatures (`v1a`, Ed25519; `whpk_`/`whsk_` keys).
    StandardV1a,
    /// Twilio SendGrid's Signed Event Webhook (ECDSA P-256).
    SendGrid,
    /// Mailgun (signature in the body; the event data is not signed).
    Mailgun,
}

impl Scheme {
    /// Every built-in scheme.
    pub const ALL: &'static [Scheme] = &[
        Scheme::Webhook,
        Scheme::Stripe,
        Scheme::Standard,
        Scheme::GitHub,
        Scheme::Slack,
        // ALL: group A (merge anchor, keep)
        Scheme::Shopify,
        Scheme::Razorpay,
        Scheme::Intercom,
        Scheme::WooCommerce,
        Scheme::Typeform,
        Scheme::LemonSqueezy,
        Scheme::Sentry,
        Scheme::Coinbase,
        Scheme::Paddle,
        Scheme::Zendesk,
        Scheme::GitLab,
        // ALL: group B (merge anchor, keep)
        Scheme::Square,
        Scheme::Twilio,
        Scheme::HubSpot,
        Scheme::Zoom,
        Scheme::Twitch,
        Scheme::Dropbox,
        Scheme::Linear,
        // ALL: group C (merge anchor, keep)
        Scheme::Discord,
        Scheme::StandardV1a,
        Scheme::SendGrid,
        Scheme::Mailgun,
    ];

    fn imp(self) -> &'static dyn SignatureScheme {
        match self {
            Self::Webhook => &webhook::Webhook,
            Self::Stripe => &stripe::Stripe,
            Self::Standard => &standard::Standard,
            Self::GitHub => &github::GitHub,
            Self::Slack => &slack::Slack,
            // imp: group A (merge anchor, keep)
            Self::Shopify => &shopify::SHOPIFY,
            Self::Razorpay => &razorpay::RAZORPAY,
            Self::Intercom => &intercom::INTERCOM,
            Self::WooCommerce => &woocommerce::WooCommerce,
            Self::Typeform => &typeform::TYPEFORM,
            Self::LemonSqueezy => &lemonsqueezy::LEMONSQUEEZY,
            Self::Sentry => &sentry::SENTRY,
            Self::Coinbase => &coinbase::COINBASE,
            Self::Paddle => &paddle::Paddle,
            Self::Zendesk => &zendesk::Zendesk,
            Self::GitLab => &gitlab::GitLab,
            // imp: group B (merge anchor, keep)
            Self::Square => &square::Square,
            Self::Twilio => &twilio::Twilio,
            Self::HubSpot => &hubspot::HubSpot,
            Self::Zoom => &zoom::Zoom,
            Self::Twitch => &twitch::Twitch,
            Self::Dropbox => &dropbox::Dropbox,
            Self::Linear => &linear::Linear,
            // imp: group C (merge anchor, keep)
            Self::Discord => &discord::Discord,
            Self::StandardV1a => &standard_v1a::StandardV1a,
            Self::SendGrid => &sendgrid::SendGrid,
            Self::Mailgun => &mailgun::Mailgun,
        }
    }

    /// Whether the scheme signs a timestamp (GitHub doesn't).
    pub fn has_timestamp(self) -> bool {
        self.imp().signs_timestamp()
    }

    /// The header that carries the signature, as a sender writes it.
    ///
    /// ```
    /// use webhook_verify::Scheme;
    ///
    /// assert_eq!(Scheme::Stripe.signature_header().unwrap(), "stripe-signature");
    /// assert_eq!(Scheme::GitHub.signature_header().unwrap(), "x-hub-signature-256");
    /// ```
    pub fn signature_header(self) -> Option<HeaderName> {
        self.imp().signature_header()
    }

    /// The header that carries the timestamp, for schemes that send it in a
    /// header of its own (Stripe's is inside its signature header; GitHub
    /// signs none).
    ///
    /// ```
    /// use webhook_verify::Scheme;
    ///
    /// assert_eq!(Scheme::Webhook.timestamp_header().unwrap(), "x-webhook-timestamp");
    /// assert_eq!(Scheme::Stripe.timestamp_header(), None);
    /// ```
    pub fn timestamp_header(self) -> Option<HeaderName> {
        self.imp().timestamp_header()
    }

    /// The header that carries the event (or delivery) id, for schemes that
    /// send one. Whether the signature covers it is
    /// [`SignatureScheme::signs_event_id`]; see
    /// [`Verified::event_id_signed`](crate::Verified::event_id_signed).
    ///
    /// ```
    /// use webhook_verify::Scheme;
    ///
    /// assert_eq!(Scheme::Standard.id_header().unwrap(), "webhook-id");
    /// assert_eq!(Scheme::Slack.id_header(), None);
    /// ```
    pub fn id_header(self) -> Option<HeaderName> {
        self.imp().id_header()
    }
}

impl SignatureScheme for Scheme {
    fn name(&self) -> &'static str {
        self.imp().name()
    }

    fn algorithm(&self) -> Algorithm {
        self.imp().algorithm()
    }

    fn decode_secret(&self, secret: &str) -> Result<Secret, ConfigError> {
        self.imp().decode_secret(secret)
    }

    fn decode_signing_key(&self, key: &str) -> Result<Secret, ConfigError> {
        self.imp().decode_signing_key(key)
    }

    fn default_tolerance(&self) -> Duration {
        self.imp().default_tolerance()
    }

    fn format_key_pair(&self, raw: &RawKeyPair<'_>) -> Option<(String, String)> {
        self.imp().format_key_pair(raw)
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        self.imp().parse(request, max_signatures)
    }

    fn signs_event_id(&self) -> bool {
        self.imp().signs_event_id()
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        input: &mut SigningInput<'_>,
    ) {
        self.imp().write_signed_payload(parts, request, input);
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        self.imp().render_headers(parts, signatures)
    }

    fn render_body(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
        body: &[u8],
    ) -> Result<Option<Vec<u8>>, ConfigError> {
        self.imp().render_body(parts, signatures, body)
    }

    fn handshake(
        &self,
        request: &WebhookRequest<'_>,
        key: &HandshakeKey<'_>,
    ) -> Option<Response<Bytes>> {
        self.imp().handshake(request, key)
    }

    fn unsigned_handshake(&self, request: &WebhookRequest<'_>) -> Option<Response<Bytes>> {
        self.imp().unsigned_handshake(request)
    }

    fn signature_header(&self) -> Option<HeaderName> {
        self.imp().signature_header()
    }

    fn timestamp_header(&self) -> Option<HeaderName> {
        self.imp().timestamp_header()
    }

    fn id_header(&self) -> Option<HeaderName> {
        self.imp().id_header()
    }

    fn signs_timestamp(&self) -> bool {
        self.imp().signs_timestamp()
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Scheme {
    /// The provider's name as people write it (`"Standard Webhooks"`).
    ///
    /// ```
    /// use webhook_verify::Scheme;
    ///
    /// assert_eq!(Scheme::GitHub.title(), "GitHub");
    /// ```
    pub fn title(self) -> &'static str {
        match self {
            Self::Webhook => "this toolkit's default format",
            Self::Stripe => "Stripe",
            Self::Standard => "Standard Webhooks / Svix",
            Self::GitHub => "GitHub",
            Self::Slack => "Slack",
            // title: group A (merge anchor, keep)
            Self::Shopify => "Shopify",
            Self::Razorpay => "Razorpay",
            Self::Intercom => "Intercom",
            Self::WooCommerce => "WooCommerce",
            Self::Typeform => "Typeform",
            Self::LemonSqueezy => "Lemon Squeezy",
            Self::Sentry => "Sentry",
            Self::Coinbase => "Coinbase Commerce",
            Self::Paddle => "Paddle Billing",
            Self::Zendesk => "Zendesk",
            Self::GitLab => "GitLab",
            // title: group B (merge anchor, keep)
            Self::Square => "Square",
            Self::Twilio => "Twilio",
            Self::HubSpot => "HubSpot",
            Self::Zoom => "Zoom",
            Self::Twitch => "Twitch EventSub",
            Self::Dropbox => "Dropbox",
            Self::Linear => "Linear",
            // title: group C (merge anchor, keep)
            Self::Discord => "Discord",
            Self::StandardV1a => "Standard Webhooks / Svix, asymmetric (v1a)",
            Self::SendGrid => "Twilio SendGrid Event Webhook",
            Self::Mailgun => "Mailgun",
        }
    }

    /// Other names [`FromStr`] accepts for the scheme (`svix` for
    /// `standard`, …).
    ///
    /// ```
    /// use webhook_verify::Scheme;
    ///
    /// assert!(Scheme::Standard.aliases().contains(&"svix"));
    /// assert_eq!("svix".parse::<Scheme>()?, Scheme::Standard);
    /// # Ok::<(), webhook_verify::scheme::UnknownScheme>(())
    /// ```
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::Webhook => &["default"],
            // Clerk and Resend (group A) send Standard Webhooks as Svix
            // does; a second `Standard` arm below the anchor would never be
            // reached, so they join this one.
            Self::Standard => &["standard-webhooks", "svix", "clerk", "resend"],
            // aliases: group A (merge anchor, keep)
            Self::LemonSqueezy => &["lemon-squeezy"],
            Self::Coinbase => &["coinbase-commerce"],
            Self::Paddle => &["paddle-billing"],
            // aliases: group B (merge anchor, keep)
            Self::Twitch => &["twitch-eventsub", "eventsub"],
            // aliases: group C (merge anchor, keep)
            Self::Discord => &["discord-interactions"],
            Self::StandardV1a => &["standard-webhooks-v1a", "svix-v1a"],
            Self::SendGrid => &["twilio-sendgrid"],
            _ => &[],
        }
    }
}

/// A scheme name that [`Scheme::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scheme {0:?}: expected one of {names}", names = Scheme::ALL.iter().map(|s| s.name()).collect::<Vec<_>>().join(", "))]
pub struct UnknownScheme(String);

impl FromStr for Scheme {
    type Err = UnknownScheme;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.to_ascii_lowercase();
        Scheme::ALL
            .iter()
            .copied()
            .find(|scheme| scheme.name() == wanted || scheme.aliases().contains(&wanted.as_str()))
            .ok_or_else(|| UnknownScheme(s.to_owned()))
    }
}
