//! Linear.
//!
//! ```text
//! Linear-Signature: <hex HMAC-SHA256(signing secret, body)>
//! Linear-Delivery: 234d1a4e-b617-4388-90fe-adc3633d6b72   (delivery id, not covered by the MAC)
//! body: {"action":"create","type":"Issue",…,"webhookTimestamp":1676056940508,"webhookId":"…"}
//! ```
//!
//! - The timestamp is the body's `webhookTimestamp`, Unix milliseconds,
//!   which the MAC covers with the rest of the body: [`parse`](SignatureScheme::parse)
//!   reads it from the JSON body, so a body that is not a JSON object with
//!   a non-negative integer `webhookTimestamp` is
//!   [`ErrorKind::MalformedBody`] (checked before the signature, unlike the
//!   SDK, which checks the MAC first). It is reported in seconds, rounded
//!   down. A signer cannot set it: the caller's body carries it, and the
//!   signer's timestamp argument is not used.
//! - Tolerance: 60 s either way, the official SDK's check
//!   (`Math.abs(Date.now() - timestamp) > 1000 * 60`), here compared in
//!   whole seconds.
//! - Id: `Linear-Delivery` is reported as the event id, but it is a header
//!   outside the signed bytes, so [`signs_event_id`](SignatureScheme::signs_event_id)
//!   is false. The body has no delivery id (its `webhookId` names the
//!   webhook, not the delivery), so nothing signed can replace it.
//! - Key: the webhook's signing secret (`lin_wh_…`), used as text. One
//!   signature (lowercase hex; either case is accepted). The SDK also
//!   knows a `Linear-Timestamp` header, which it ignores whenever the body
//!   has `webhookTimestamp`; it is not read here.
//!
//! Sources: linear.app/developers/webhooks ("Securing webhooks");
//! the official SDK `@linear/sdk` 98.0.0 from npm,
//! `dist/webhooks-*.mjs` (`LinearWebhookClient.verify`, `parseVerifiedPayload`).

use std::time::Duration;

use http::{HeaderMap, HeaderName};

use super::{
    ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts, SigningInput,
    WebhookRequest, header_value, hex_tag, optional_headers, require,
};
use crate::error::{ConfigError, Error, ErrorKind};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("linear-signature");
pub(crate) const DELIVERY: HeaderName = HeaderName::from_static("linear-delivery");

#[derive(Debug)]
pub(crate) struct Linear;

impl SignatureScheme for Linear {
    fn name(&self) -> &'static str {
        "linear"
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn id_header(&self) -> Option<HeaderName> {
        Some(DELIVERY)
    }

    fn signs_timestamp(&self) -> bool {
        // It is inside the signed body.
        true
    }

    fn default_tolerance(&self) -> Duration {
        Duration::from_secs(60)
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let [signature, delivery] = optional_headers(request.headers(), [&SIGNATURE, &DELIVERY])?;
        let signature = require(signature, &SIGNATURE)?;
        let millis = webhook_timestamp(request.body())?;
        Ok(ParsedSignature::new(
            Some(millis / 1000),
            delivery.map(str::to_owned),
            Signatures::from(hex_tag(signature)),
        ))
    }

    fn write_signed_payload(
        &self,
        _parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        mac.update(request.body());
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        // Linear sends exactly one signature; during a rotation the first secret signs.
        let tag = super::first_signature(signatures)?;
        let mut headers = HeaderMap::new();
        if let Some(id) = parts.event_id {
            headers.insert(DELIVERY, header_value(id)?);
        }
        headers.insert(SIGNATURE, header_value(&tag.to_hex())?);
        Ok(headers)
    }
}

/// The body's `webhookTimestamp` in milliseconds.
///
/// Read through a one-field struct: serde skips every other member without
/// building it, and a repeated `webhookTimestamp` is an error rather than
/// "the last one wins".
fn webhook_timestamp(body: &[u8]) -> Result<i64, Error> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(rename = "webhookTimestamp")]
        timestamp: Option<serde_json::Value>,
    }
    let malformed = |detail: &'static str| Error::new(ErrorKind::MalformedBody).with_detail(detail);
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(malformed("not a JSON object"));
    }
    let envelope: Envelope = serde_json::from_slice(body).map_err(|_| malformed("not JSON"))?;
    envelope
        .timestamp
        .ok_or_else(|| malformed("no webhookTimestamp"))?
        .as_u64()
        .and_then(|ms| i64::try_from(ms).ok())
        .ok_or_else(|| malformed("webhookTimestamp is not a non-negative integer of milliseconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timestamp_is_a_non_negative_integer_field() {
        assert_eq!(
            webhook_timestamp(br#"{"webhookTimestamp":1676056940508}"#).unwrap(),
            1_676_056_940_508
        );
        for bad in [
            &b""[..],
            b"[]",
            b"{}",
            b"\xff",
            br#"{"webhookTimestamp":"1676056940508"}"#,
            br#"{"webhookTimestamp":1676056940508.5}"#,
            br#"{"webhookTimestamp":1.676e12}"#,
            br#"{"webhookTimestamp":-1}"#,
            br#"{"webhookTimestamp":null}"#,
            br#"{"webhookTimestamp":9223372036854775808}"#,
            br#"{"data":{"webhookTimestamp":1}}"#,
        ] {
            assert_eq!(
                webhook_timestamp(bad).unwrap_err().kind(),
                ErrorKind::MalformedBody,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
