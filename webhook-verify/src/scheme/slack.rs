//! Slack request signing.
//!
//! ```text
//! X-Slack-Request-Timestamp: 1531420618
//! X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:{ts}:{body}")>
//! ```
//!
//! Handshake, `url_verification`: when an Events API request URL is saved,
//! Slack posts `{"token":"…","challenge":"…","type":"url_verification"}`,
//! signed like every request, and expects a 200 echoing the challenge. Of
//! the three replies Slack's docs allow (the bare text, a form
//! `challenge=…`, or JSON), this answers with the JSON of the docs'
//! example: `Content-Type: application/json`, `{"challenge":"…"}`. It is
//! answered by [`handshake`](SignatureScheme::handshake), after
//! verification; a `url_verification` without a string `challenge` is
//! passed to the handler. Source: api.slack.com/events/url_verification;
//! slackapi/bolt-js `src/receivers/ExpressReceiver.ts` (verifies the
//! signature, then answers `{ challenge }`).

use bytes::Bytes;
use http::{HeaderMap, HeaderName, Response};

use super::challenge;
use super::{
    HandshakeKey, ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts,
    SigningInput, WebhookRequest, header_value, hex_tag, optional_headers, parse_timestamp,
    require, require_timestamp,
};
use crate::error::{ConfigError, Error, ErrorKind};
use crate::headers;

pub(crate) const TIMESTAMP: HeaderName = headers::X_SLACK_REQUEST_TIMESTAMP;
pub(crate) const SIGNATURE: HeaderName = headers::X_SLACK_SIGNATURE;

#[derive(Debug)]
pub(crate) struct Slack;

impl SignatureScheme for Slack {
    fn name(&self) -> &'static str {
        "slack"
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn timestamp_header(&self) -> Option<HeaderName> {
        Some(TIMESTAMP)
    }

    fn id_header(&self) -> Option<HeaderName> {
        None
    }

    fn signs_timestamp(&self) -> bool {
        true
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        V0_SLACK.parse(request)
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        V0::write(parts, request, mac);
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        V0_SLACK.render(parts, signatures)
    }

    fn handshake(
        &self,
        request: &WebhookRequest<'_>,
        _key: &HandshakeKey<'_>,
    ) -> Option<Response<Bytes>> {
        let event = challenge::json_with(request.body(), b"url_verification")?;
        if event.get("type")?.as_str()? != "url_verification" {
            return None;
        }
        let challenge_text = event.get("challenge")?.as_str()?;
        let body = serde_json::json!({ "challenge": challenge_text }).to_string();
        Some(challenge::reply(challenge::JSON, body))
    }
}

/// The `v0` format Slack and Zoom share, with their own header names:
///
/// ```text
/// <timestamp header>: <unix s>
/// <signature header>: v0=<hex HMAC-SHA256(secret, "v0:{ts}:{body}")>
/// ```
pub(crate) struct V0 {
    pub(crate) timestamp: HeaderName,
    pub(crate) signature: HeaderName,
}

const V0_SLACK: V0 = V0 {
    timestamp: TIMESTAMP,
    signature: SIGNATURE,
};

impl V0 {
    /// Reads the timestamp and the one `v0=` signature.
    pub(crate) fn parse(&self, request: &WebhookRequest<'_>) -> Result<ParsedSignature, Error> {
        let [timestamp, signature] =
            optional_headers(request.headers(), [&self.timestamp, &self.signature])?;
        let timestamp = parse_timestamp(require(timestamp, &self.timestamp)?, &self.timestamp)?;
        let signature = require(signature, &self.signature)?;
        let Some(hex) = signature.strip_prefix("v0=") else {
            return Err(Error::new(ErrorKind::MalformedHeader)
                .with_header(self.signature.clone())
                .with_detail("expected v0=<hex>"));
        };
        Ok(ParsedSignature::new(
            Some(timestamp),
            None,
            Signatures::from(hex_tag(hex)),
        ))
    }

    /// Feeds `v0:{ts}:{body}`.
    pub(crate) fn write(
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        mac.update(b"v0:");
        mac.update_decimal(parts.timestamp.unwrap_or_default());
        mac.update(b":");
        mac.update(request.body());
    }

    /// The two headers; one signature is sent, so during a rotation the
    /// first secret signs.
    pub(crate) fn render(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        let timestamp = require_timestamp(parts)?;
        let tag = super::first_signature(signatures)?;
        let mut headers = HeaderMap::new();
        headers.insert(
            self.timestamp.clone(),
            header_value(itoa::Buffer::new().format(timestamp))?,
        );
        headers.insert(
            self.signature.clone(),
            header_value(&format!("v0={}", tag.to_hex()))?,
        );
        Ok(headers)
    }
}
