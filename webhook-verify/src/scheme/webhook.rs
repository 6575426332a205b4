//! The default scheme.
//!
//! ```text
//! X-Webhook-Timestamp: 1700000000
//! X-Webhook-Signature: v1=<hex HMAC-SHA256(secret, "{ts}.{body}")>[,v1=<hex>…]
//! X-Webhook-Id: evt_123            (optional, not covered by the MAC)
//! ```

use http::{HeaderMap, HeaderName};

use super::{
    ParsedSignature, Signature, SignatureScheme, SignedParts, SigningInput, WebhookRequest,
    ascii_to_string, header_value, hex_tags, optional_header_bytes, parse_timestamp_bytes,
    require_bytes, require_timestamp,
};
use crate::error::{ConfigError, Error};
use crate::headers;

pub(crate) const TIMESTAMP: HeaderName = headers::X_WEBHOOK_TIMESTAMP;
pub(crate) const SIGNATURE: HeaderName = headers::X_WEBHOOK_SIGNATURE;
pub(crate) const ID: HeaderName = headers::X_WEBHOOK_ID;

#[derive(Debug)]
pub(crate) struct Webhook;

impl SignatureScheme for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
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

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let headers = request.headers();
        let [timestamp, signature, event_id] =
            optional_header_bytes(headers, [&TIMESTAMP, &SIGNATURE, &ID])?;
        let timestamp = parse_timestamp_bytes(require_bytes(timestamp, &TIMESTAMP)?, &TIMESTAMP)?;
        let signature = require_bytes(signature, &SIGNATURE)?;
        let event_id = event_id.map(ascii_to_string);
        let tags = hex_tags(signature, &SIGNATURE, max_signatures, b"v1")?;
        Ok(ParsedSignature::new(Some(timestamp), event_id, tags))
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        let body = request.body();
        mac.update_decimal(parts.timestamp.unwrap_or_default());
        mac.update(b".");
        mac.update(body);
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        let timestamp = require_timestamp(parts)?;
        let signature = signatures
            .iter()
            .map(|tag| format!("v1={}", tag.to_hex()))
            .collect::<Vec<_>>()
            .join(",");
        let mut headers = HeaderMap::new();
        if let Some(id) = parts.event_id {
            headers.insert(ID, header_value(id)?);
        }
        headers.insert(
            TIMESTAMP,
            header_value(itoa::Buffer::new().format(timestamp))?,
        );
        headers.insert(SIGNATURE, header_value(&signature)?);
        Ok(headers)
    }
}
