//! Twitch EventSub (webhook transport).
//!
//! ```text
//! Twitch-Eventsub-Message-Id: e76c6bd4-55c9-4987-8304-da1588d8988b
//! Twitch-Eventsub-Message-Timestamp: 2019-11-16T10:11:12.634234626Z        (RFC 3339)
//! Twitch-Eventsub-Message-Signature: sha256=<hex HMAC-SHA256(secret, id ‖ timestamp ‖ body)>
//! Twitch-Eventsub-Message-Type: notification | webhook_callback_verification | revocation
//! ```
//!
//! - Signed bytes: the message id header, the timestamp header's text
//!   exactly as received, and the raw body, with no separators. The id is
//!   signed ([`signs_event_id`](SignatureScheme::signs_event_id) is true),
//!   so it is a safe deduplication key (Twitch resends a message with the
//!   same id).
//! - Timestamp: RFC 3339 text, verified as received and reported in Unix
//!   seconds (fraction dropped); a signer writes `YYYY-MM-DDTHH:MM:SSZ`
//!   (it cannot write times past 9999-12-31). Tolerance: 10 minutes, as
//!   Twitch's guide recommends ("older than 10 minutes").
//! - Key: the `secret` given when subscribing (10–100 ASCII characters,
//!   not enforced here), used as text. One signature per message.
//! - Handshake: a message of type `webhook_callback_verification` carries
//!   `{"challenge":"…","subscription":{…}}`; the reply is a 200 with
//!   `Content-Type: text/plain` and the raw challenge as the body. The
//!   verification message is signed like any other, so it is answered by
//!   [`handshake`](SignatureScheme::handshake), after verification. A
//!   verification message without a string `challenge` is passed to the
//!   handler; so is `revocation`.
//!
//! Sources: dev.twitch.tv/docs/eventsub/handling-webhook-events/
//! ("Verifying the event message", "Responding to a challenge request",
//! the JavaScript example there). Twitch ships no server SDK; the vector
//! is computed independently (see `tests/vectors/group_b.rs`).

use bytes::Bytes;
use http::{HeaderMap, HeaderName, Response};

use super::{
    HandshakeKey, ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts,
    SigningInput, WebhookRequest, challenge, header_value, hex_tag, optional_header,
    optional_headers, require, require_timestamp, rfc3339,
};
use crate::error::{ConfigError, ConfigErrorKind, Error, ErrorKind};

pub(crate) const ID: HeaderName = HeaderName::from_static("twitch-eventsub-message-id");
pub(crate) const TIMESTAMP: HeaderName =
    HeaderName::from_static("twitch-eventsub-message-timestamp");
pub(crate) const SIGNATURE: HeaderName =
    HeaderName::from_static("twitch-eventsub-message-signature");
pub(crate) const MESSAGE_TYPE: HeaderName = HeaderName::from_static("twitch-eventsub-message-type");

const VERIFICATION: &str = "webhook_callback_verification";

#[derive(Debug)]
pub(crate) struct Twitch;

impl SignatureScheme for Twitch {
    fn name(&self) -> &'static str {
        "twitch"
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn timestamp_header(&self) -> Option<HeaderName> {
        Some(TIMESTAMP)
    }

    fn id_header(&self) -> Option<HeaderName> {
        Some(ID)
    }

    fn signs_timestamp(&self) -> bool {
        true
    }

    fn signs_event_id(&self) -> bool {
        // id ‖ timestamp ‖ body: the id is the first part of the MAC input.
        true
    }

    fn default_tolerance(&self) -> std::time::Duration {
        std::time::Duration::from_secs(600)
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let [id, timestamp, signature] =
            optional_headers(request.headers(), [&ID, &TIMESTAMP, &SIGNATURE])?;
        let id = require(id, &ID)?;
        let timestamp = rfc3339::parse(require(timestamp, &TIMESTAMP)?).ok_or_else(|| {
            Error::new(ErrorKind::MalformedHeader)
                .with_header(TIMESTAMP)
                .with_detail("not an RFC 3339 timestamp")
        })?;
        let signature = require(signature, &SIGNATURE)?;
        let Some(hex) = signature.strip_prefix("sha256=") else {
            return Err(Error::new(ErrorKind::MalformedHeader)
                .with_header(SIGNATURE)
                .with_detail("expected sha256=<hex>"));
        };
        Ok(ParsedSignature::new(
            Some(timestamp),
            Some(id.to_owned()),
            Signatures::from(hex_tag(hex)),
        ))
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        mac.update(parts.event_id.unwrap_or_default().as_bytes());
        let seconds = parts.timestamp.unwrap_or_default();
        // Verifying: the header's text as received (it parsed to `seconds`).
        // Signing: the text `render_headers` writes.
        match received_text(request.headers(), seconds) {
            Some(text) => mac.update(text.as_bytes()),
            None => mac.update(rfc3339::format(seconds).unwrap_or_default().as_bytes()),
        }
        mac.update(request.body());
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        let timestamp = rfc3339::format(require_timestamp(parts)?).ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::InvalidInput)
                .with_detail("an RFC 3339 timestamp ends at 9999-12-31T23:59:59Z")
        })?;
        let id = parts.event_id.ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::EventIdRequired)
                .with_detail("Twitch-Eventsub-Message-Id")
        })?;
        // Twitch sends exactly one signature; during a rotation the first secret signs.
        let tag = super::first_signature(signatures)?;
        let mut headers = HeaderMap::new();
        headers.insert(ID, header_value(id)?);
        headers.insert(TIMESTAMP, header_value(&timestamp)?);
        headers.insert(
            SIGNATURE,
            header_value(&format!("sha256={}", tag.to_hex()))?,
        );
        Ok(headers)
    }

    fn handshake(
        &self,
        request: &WebhookRequest<'_>,
        _key: &HandshakeKey<'_>,
    ) -> Option<Response<Bytes>> {
        if optional_header(request.headers(), &MESSAGE_TYPE).ok()?? != VERIFICATION {
            return None;
        }
        let message = challenge::json_with(request.body(), b"challenge")?;
        let challenge_text = message.get("challenge")?.as_str()?;
        Some(challenge::reply(challenge::TEXT, challenge_text.to_owned()))
    }
}

/// The timestamp header's text when the request carries exactly one that
/// reads as `seconds`.
fn received_text(headers: &HeaderMap, seconds: i64) -> Option<&str> {
    let text = optional_header(headers, &TIMESTAMP).ok()??;
    (rfc3339::parse(text)? == seconds).then_some(text)
}
