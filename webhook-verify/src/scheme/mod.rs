//! Signature schemes: where a provider puts the signature, what it signs and
//! how it encodes the MAC.
//!
//! Every built-in scheme uses HMAC-SHA256; they differ in header names, in the
//! bytes signed before the body, and in how the MAC is written (hex or base64,
//! one entry or several). [`Scheme`] selects a built-in one by value; implement
//! [`SignatureScheme`] to add your own provider without forking this crate
//! (see the trait's example).

use std::fmt;
use std::str::FromStr;

use http::{HeaderMap, HeaderName};
use sha2::Sha256;

use crate::error::{ConfigError, Error};
use crate::secret::Secret;

mod github;
mod header_values;
mod slack;
mod standard;
mod stripe;
mod webhook;

pub(crate) use header_values::{for_each_entry, hex_tags, require_timestamp};
pub use header_values::{
    header_value, hex_tag, optional_header, optional_headers, parse_timestamp, require,
    required_header,
};

/// A decoded HMAC-SHA256 tag.
pub type Tag = [u8; 32];

pub(crate) type HmacSha256 = hmac::Hmac<Sha256>;

/// What a scheme read from the request headers, before any MAC is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParsedSignature {
    /// The signed timestamp in Unix seconds, for schemes that carry one.
    pub timestamp: Option<i64>,
    /// The event (delivery) id, for schemes that carry one in a header.
    pub event_id: Option<String>,
    /// The candidate tags, decoded. Entries that did not decode to 32 bytes
    /// are left out: they can't match, so they count as a mismatch.
    pub signatures: Vec<Tag>,
}

impl ParsedSignature {
    /// Builds the parsed form; for custom schemes.
    pub fn new(timestamp: Option<i64>, event_id: Option<String>, signatures: Vec<Tag>) -> Self {
        Self {
            timestamp,
            event_id,
            signatures,
        }
    }
}

/// The signed values that precede (or surround) the body in the MAC input.
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

/// The MAC being computed. Schemes feed it the exact bytes that were signed,
/// piece by piece, so the body is never copied.
pub struct MacInput<'m>(&'m mut HmacSha256);

impl MacInput<'_> {
    /// Feeds bytes into the MAC.
    pub fn update(&mut self, bytes: &[u8]) {
        hmac::Mac::update(self.0, bytes);
    }

    /// Feeds the decimal text of `value` (as a sender writes a timestamp).
    pub fn update_decimal(&mut self, value: i64) {
        let mut buf = itoa::Buffer::new();
        self.update(buf.format(value).as_bytes());
    }
}

impl fmt::Debug for MacInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MacInput")
    }
}

pub(crate) fn mac_input(mac: &mut HmacSha256) -> MacInput<'_> {
    MacInput(mac)
}

/// A provider's signature format over HMAC-SHA256.
///
/// Verification calls [`parse`](Self::parse), checks the timestamp, then for
/// every secret feeds [`write_signed_payload`](Self::write_signed_payload) into
/// a MAC and compares the result with every candidate in constant time.
/// Signing computes the same MAC and hands the tags to
/// [`render_headers`](Self::render_headers). One implementation serves
/// both directions, so a sender and a receiver can't disagree.
///
/// # Example: a provider that signs `"{id}:{body}"` into `X-Acme-Signature`
///
/// ```
/// use http::{HeaderMap, HeaderName, HeaderValue};
/// use webhook_verify::scheme::{self, MacInput, ParsedSignature, SignatureScheme, SignedParts, Tag};
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
///     // The id is part of the MAC input below.
///     fn signs_event_id(&self) -> bool { true }
///
///     fn parse(&self, headers: &HeaderMap, max_signatures: usize) -> Result<ParsedSignature, Error> {
///         let id = scheme::required_header(headers, &ID)?;
///         let sig = scheme::required_header(headers, &SIG)?;
///         let tags = scheme::hex_tag(sig).into_iter().collect();
///         # let _ = max_signatures;
///         Ok(ParsedSignature::new(None, Some(id.to_owned()), tags))
///     }
///
///     fn write_signed_payload(&self, parts: &SignedParts<'_>, body: &[u8], mac: &mut MacInput<'_>) {
///         mac.update(parts.event_id.unwrap_or_default().as_bytes());
///         mac.update(b":");
///         mac.update(body);
///     }
///
///     fn render_headers(&self, parts: &SignedParts<'_>, tags: &[Tag]) -> Result<HeaderMap, ConfigError> {
///         let mut headers = HeaderMap::new();
///         let id = parts.event_id.ok_or(ConfigError::new(ConfigErrorKind::EventIdRequired))?;
///         headers.insert(ID, scheme::header_value(id)?);
///         headers.insert(SIG, scheme::header_value(&hex::encode(tags[0]))?);
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

    /// Turns a secret as the provider displays it into key bytes.
    ///
    /// The default uses the text's bytes as they are (Stripe, GitHub, Slack,
    /// the default scheme). Standard Webhooks overrides it to base64-decode
    /// `whsec_…`.
    fn decode_secret(&self, secret: &str) -> Result<Secret, ConfigError> {
        Ok(Secret::new(secret))
    }

    /// Reads the timestamp, event id and candidate signatures from the headers.
    ///
    /// Must fail with [`ErrorKind::TooManySignatures`](crate::ErrorKind::TooManySignatures) rather than decode more
    /// than `max_signatures` entries.
    fn parse(&self, headers: &HeaderMap, max_signatures: usize) -> Result<ParsedSignature, Error>;

    /// Whether [`write_signed_payload`](Self::write_signed_payload) feeds the
    /// event id of [`ParsedSignature`] into the MAC, so the id cannot be
    /// changed without breaking the signature. Reported as
    /// [`Verified::event_id_signed`](crate::Verified::event_id_signed).
    ///
    /// The default is `false`: an id the scheme does not declare signed is
    /// never trusted as a deduplication key. Standard Webhooks overrides it.
    fn signs_event_id(&self) -> bool {
        false
    }

    /// Feeds the exact signed bytes (including `body`) into `mac`.
    fn write_signed_payload(&self, parts: &SignedParts<'_>, body: &[u8], mac: &mut MacInput<'_>);

    /// Renders the headers a sender attaches, with one signature entry per tag
    /// (several during a secret rotation, where the scheme allows it).
    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        tags: &[Tag],
    ) -> Result<HeaderMap, ConfigError>;
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
}

impl Scheme {
    /// Every built-in scheme.
    pub const ALL: [Scheme; 5] = [
        Scheme::Webhook,
        Scheme::Stripe,
        Scheme::Standard,
        Scheme::GitHub,
        Scheme::Slack,
    ];

    fn imp(self) -> &'static dyn SignatureScheme {
        match self {
            Self::Webhook => &webhook::Webhook,
            Self::Stripe => &stripe::Stripe,
            Self::Standard => &standard::Standard,
            Self::GitHub => &github::GitHub,
            Self::Slack => &slack::Slack,
        }
    }

    /// Whether the scheme signs a timestamp (GitHub doesn't).
    pub fn has_timestamp(self) -> bool {
        !matches!(self, Self::GitHub)
    }

    /// The header that carries the signature, as a sender writes it.
    ///
    /// ```
    /// use webhook_verify::Scheme;
    ///
    /// assert_eq!(Scheme::Stripe.signature_header(), "stripe-signature");
    /// assert_eq!(Scheme::GitHub.signature_header(), "x-hub-signature-256");
    /// ```
    pub fn signature_header(self) -> HeaderName {
        match self {
            Self::Webhook => webhook::SIGNATURE,
            Self::Stripe => stripe::SIGNATURE,
            Self::Standard => standard::SIGNATURE,
            Self::GitHub => github::SIGNATURE,
            Self::Slack => slack::SIGNATURE,
        }
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
        match self {
            Self::Webhook => Some(webhook::TIMESTAMP),
            Self::Standard => Some(standard::TIMESTAMP),
            Self::Slack => Some(slack::TIMESTAMP),
            Self::Stripe | Self::GitHub => None,
        }
    }

    /// The header that carries the event (or delivery) id, for schemes that
    /// send one. Only Standard Webhooks signs it; see
    /// [`Verified::event_id_signed`](crate::Verified::event_id_signed).
    ///
    /// ```
    /// use webhook_verify::Scheme;
    ///
    /// assert_eq!(Scheme::Standard.id_header().unwrap(), "webhook-id");
    /// assert_eq!(Scheme::Slack.id_header(), None);
    /// ```
    pub fn id_header(self) -> Option<HeaderName> {
        match self {
            Self::Webhook => Some(webhook::ID),
            Self::Standard => Some(standard::ID),
            Self::GitHub => Some(github::DELIVERY),
            Self::Stripe | Self::Slack => None,
        }
    }
}

impl SignatureScheme for Scheme {
    fn name(&self) -> &'static str {
        self.imp().name()
    }

    fn decode_secret(&self, secret: &str) -> Result<Secret, ConfigError> {
        self.imp().decode_secret(secret)
    }

    fn parse(&self, headers: &HeaderMap, max_signatures: usize) -> Result<ParsedSignature, Error> {
        self.imp().parse(headers, max_signatures)
    }

    fn signs_event_id(&self) -> bool {
        self.imp().signs_event_id()
    }

    fn write_signed_payload(&self, parts: &SignedParts<'_>, body: &[u8], mac: &mut MacInput<'_>) {
        self.imp().write_signed_payload(parts, body, mac);
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        tags: &[Tag],
    ) -> Result<HeaderMap, ConfigError> {
        self.imp().render_headers(parts, tags)
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A scheme name that [`Scheme::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scheme {0:?}: expected one of webhook, stripe, standard, github, slack")]
pub struct UnknownScheme(String);

impl FromStr for Scheme {
    type Err = UnknownScheme;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "webhook" | "default" => Ok(Self::Webhook),
            "stripe" => Ok(Self::Stripe),
            "standard" | "standard-webhooks" | "svix" => Ok(Self::Standard),
            "github" => Ok(Self::GitHub),
            "slack" => Ok(Self::Slack),
            _ => Err(UnknownScheme(s.to_owned())),
        }
    }
}

// ---- helpers shared by the schemes (public so custom schemes can use them) ----
