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
    HandshakeKey, ParsedSignature, Signature, SignatureScheme, SignedParts, SigningInput,
    WebhookRequest, header_value, hex_tag, optional_headers, parse_timestamp, require,
    require_timestamp,
};
use crate::error::{ConfigError, ConfigErrorKind, Error, ErrorKind};
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
        let headers = request.headers();
        let [timestamp, signature] = optional_headers(headers, [&TIMESTAMP, &SIGNATURE])?;
        let timestamp = parse_timestamp(require(timestamp, &TIMESTAMP)?, &TIMESTAMP)?;
        let signature = require(signature, &SIGNATURE)?;
        let Some(hex) = signature.strip_prefix("v0=") else {
            return Err(Error::new(ErrorKind::MalformedHeader)
                .with_header(SIGNATURE)
                .with_detail("expected v0=<hex>"));
        };
        Ok(ParsedSignature::new(
            Some(timestamp),
            None,
            hex_tag(hex).into_iter().collect(),
        ))
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        let body = request.body();
        mac.update(b"v0:");
        mac.update_decimal(parts.timestamp.unwrap_or_default());
        mac.update(b":");
        mac.update(body);
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        let timestamp = require_timestamp(parts)?;
        // Slack sends exactly one signature; during a rotation the first secret signs.
        let tag = signatures.first().ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::InvalidConfig).with_detail("no secret")
        })?;
        let mut headers = HeaderMap::new();
        headers.insert(
            TIMESTAMP,
            header_value(itoa::Buffer::new().format(timestamp))?,
        );
        headers.insert(SIGNATURE, header_value(&format!("v0={}", tag.to_hex()))?);
        Ok(headers)
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
