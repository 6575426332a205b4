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

use http::{HeaderMap, HeaderName, HeaderValue};
use sha2::Sha256;

use crate::error::{ConfigError, ConfigErrorKind, Error, ErrorKind};
use crate::secret::Secret;

mod github;
mod slack;
mod standard;
mod stripe;
mod webhook;

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
    /// Must fail with [`ErrorKind::TooManySignatures`] rather than decode more
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

/// The value of a header that must appear at most once, as text.
///
/// `Ok(None)` when absent; [`ErrorKind::DuplicateHeader`] when repeated;
/// [`ErrorKind::MalformedHeader`] when empty or not visible ASCII.
pub fn optional_header<'h>(
    headers: &'h HeaderMap,
    name: &HeaderName,
) -> Result<Option<&'h str>, Error> {
    let [value] = optional_headers(headers, [name])?;
    Ok(value)
}

/// [`optional_header`] for several names at once, in one pass over the map:
/// for the handful of headers a request carries that is cheaper than one
/// hashed lookup per name.
pub fn optional_headers<'h, const N: usize>(
    headers: &'h HeaderMap,
    names: [&HeaderName; N],
) -> Result<[Option<&'h str>; N], Error> {
    let mut found = [None::<&'h http::HeaderValue>; N];
    for (name, value) in headers {
        if let Some(i) = names.iter().position(|wanted| *wanted == name)
            && found[i].replace(value).is_some()
        {
            return Err(Error::new(ErrorKind::DuplicateHeader).with_header(name.clone()));
        }
    }
    let mut texts = [None; N];
    for (i, value) in found.into_iter().enumerate() {
        let Some(value) = value else { continue };
        let malformed = |detail| {
            Error::new(ErrorKind::MalformedHeader)
                .with_header(names[i].clone())
                .with_detail(detail)
        };
        let text = value.to_str().map_err(|_| malformed("not visible ASCII"))?;
        if text.is_empty() {
            return Err(malformed("empty"));
        }
        texts[i] = Some(text);
    }
    Ok(texts)
}

/// A header found by [`optional_headers`] that the scheme requires: absence
/// is [`ErrorKind::MissingHeader`].
pub fn require<'h>(value: Option<&'h str>, name: &HeaderName) -> Result<&'h str, Error> {
    value.ok_or_else(|| Error::new(ErrorKind::MissingHeader).with_header(name.clone()))
}

/// Like [`optional_header`], but absence is [`ErrorKind::MissingHeader`].
pub fn required_header<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Result<&'h str, Error> {
    optional_header(headers, name)?
        .ok_or_else(|| Error::new(ErrorKind::MissingHeader).with_header(name.clone()))
}

/// Parses a Unix timestamp strictly: 1 to 19 ASCII digits that fit an `i64`.
///
/// Signs, decimals, whitespace, exponents and overflow are all
/// [`ErrorKind::MalformedHeader`]; `header` names the header in the error.
///
/// ```
/// use http::HeaderName;
/// use webhook_verify::scheme::parse_timestamp;
///
/// let h = HeaderName::from_static("x-webhook-timestamp");
/// assert_eq!(parse_timestamp("1700000000", &h)?, 1_700_000_000);
/// for bad in ["", "+5", "-5", " 5", "5.0", "1e9", "99999999999999999999999999999"] {
///     assert!(parse_timestamp(bad, &h).is_err(), "{bad:?}");
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_timestamp(text: &str, header: &HeaderName) -> Result<i64, Error> {
    let malformed = || {
        Error::new(ErrorKind::MalformedHeader)
            .with_header(header.clone())
            .with_detail("timestamp is not a non-negative integer of Unix seconds")
    };
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    // All digits and at most 19 of them: only the i64 range can fail here.
    text.parse::<i64>().map_err(|_| malformed())
}

/// Decodes 64 hex digits into a tag; anything else is `None` (a mismatch).
pub fn hex_tag(text: &str) -> Option<Tag> {
    let mut tag = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    const_hex::decode_to_slice(text, &mut tag).ok()?;
    Some(tag)
}

/// Builds a header value from text that should be valid (hex, base64,
/// digits, or a caller-supplied id).
pub fn header_value(text: &str) -> Result<HeaderValue, ConfigError> {
    HeaderValue::from_str(text).map_err(|_| {
        ConfigError::new(ConfigErrorKind::InvalidInput)
            .with_detail("value contains characters not allowed in a header")
    })
}

/// Walks a `k=v,k=v` list (whitespace around commas tolerated), calling
/// `entry(key, value)` for each, without allocating. Fails with
/// [`ErrorKind::TooManySignatures`] past `max` entries and with
/// [`ErrorKind::MalformedHeader`] on an entry without `=`.
pub(crate) fn for_each_entry<'a>(
    text: &'a str,
    header: &HeaderName,
    max: usize,
    mut entry: impl FnMut(&'a str, &'a str) -> Result<(), Error>,
) -> Result<(), Error> {
    for (count, raw) in text.split(',').enumerate() {
        if count == max {
            return Err(Error::new(ErrorKind::TooManySignatures)
                .with_header(header.clone())
                .with_detail(format!("more than {max} entries")));
        }
        let Some((key, value)) = raw.trim_matches([' ', '\t']).split_once('=') else {
            return Err(Error::new(ErrorKind::MalformedHeader)
                .with_header(header.clone())
                .with_detail("entry without '='"));
        };
        entry(key, value)?;
    }
    Ok(())
}

/// The hex-decoded tags of the `version=` entries of a `k=v,k=v` list; other
/// versions are ignored (see [`for_each_entry`] for the errors).
pub(crate) fn hex_tags(
    text: &str,
    header: &HeaderName,
    max: usize,
    version: &str,
) -> Result<Vec<Tag>, Error> {
    let mut tags = Vec::new();
    for_each_entry(text, header, max, |key, value| {
        if key == version {
            tags.extend(hex_tag(value));
        }
        Ok(())
    })?;
    Ok(tags)
}

/// The timestamp a signer must have for a scheme that signs one.
pub(crate) fn require_timestamp(parts: &SignedParts<'_>) -> Result<i64, ConfigError> {
    parts.timestamp.filter(|ts| *ts >= 0).ok_or_else(|| {
        ConfigError::new(ConfigErrorKind::InvalidInput)
            .with_detail("a non-negative timestamp is required")
    })
}
