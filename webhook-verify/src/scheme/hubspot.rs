//! HubSpot, signature v3.
//!
//! ```text
//! X-HubSpot-Request-Timestamp: 1700000000000                       (Unix milliseconds)
//! X-HubSpot-Signature-v3: <base64 HMAC-SHA256(client secret, method ‖ URI ‖ body ‖ timestamp)>
//! ```
//!
//! - Signed bytes: the method (`POST`), the full request URI with scheme and
//!   host (`https://www.example.com/webhook_uri?x=1`), the raw body (empty
//!   for a GET) and the timestamp header's text, with no separators.
//! - URI: [`WebhookRequest::url`], in which the URL-encoded characters of
//!   HubSpot's table are decoded before signing, as HubSpot's v3
//!   instructions say: `%3A :`, `%2F /`, `%3F ?`, `%40 @`, `%21 !`, `%24 $`,
//!   `%27 '`, `%28 (`, `%29 )`, `%2A *`, `%2C ,`, `%3B ;` (either case of
//!   hex digit). Nothing else is decoded. HubSpot's Python SDK
//!   (`Signature.get_signature`) decodes nothing and leaves it to the
//!   caller; the docs' table is followed here because it is what HubSpot
//!   signs.
//! - Timestamp: milliseconds, signed as the header's text (verification
//!   feeds the text as received; a signer renders `seconds × 1000`). It is
//!   reported in seconds, rounded down. Tolerance: 5 minutes, HubSpot's
//!   documented limit (`MAX_ALLOWED_TIMESTAMP = 300` in the SDK), applied
//!   both ways here (the SDK checks only age).
//! - Key: the app's client secret, used as text. One signature, no id
//!   header (the events in the body carry `eventId`). The older
//!   `X-HubSpot-Signature` (v1/v2, an unkeyed SHA-256 over secret ‖ …) is
//!   not read.
//!
//! Sources: developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
//! ("Validate the v3 request signature"); HubSpot/hubspot-api-python
//! `hubspot/utils/signature.py` and `tests/spec/utils/test_signature.py`
//! (`test_get_signature__v3`).

use std::borrow::Cow;

use http::{HeaderMap, HeaderName};

use super::{
    ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts, SigningInput,
    WebhookRequest, header_value, optional_headers, parse_timestamp, require, require_timestamp,
};
use crate::error::{ConfigError, ConfigErrorKind, Error};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-hubspot-signature-v3");
pub(crate) const TIMESTAMP: HeaderName = HeaderName::from_static("x-hubspot-request-timestamp");

#[derive(Debug)]
pub(crate) struct HubSpot;

impl SignatureScheme for HubSpot {
    fn name(&self) -> &'static str {
        "hubspot"
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn timestamp_header(&self) -> Option<HeaderName> {
        Some(TIMESTAMP)
    }

    fn signs_timestamp(&self) -> bool {
        true
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let [signature, timestamp] = optional_headers(request.headers(), [&SIGNATURE, &TIMESTAMP])?;
        let millis = parse_timestamp(require(timestamp, &TIMESTAMP)?, &TIMESTAMP)?;
        let signature = require(signature, &SIGNATURE)?;
        Ok(ParsedSignature::new(
            Some(millis / 1000),
            None,
            Signatures::from(Signature::from_base64(signature, 32)),
        ))
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        mac.update(request.method().as_str().as_bytes());
        mac.update(decode_uri(&request.url()).as_bytes());
        mac.update(request.body());
        let seconds = parts.timestamp.unwrap_or_default();
        // Verifying: the header's text as received (it parsed to `seconds`).
        // Signing: seconds × 1000, as `render_headers` writes it.
        match received_text(request.headers(), seconds) {
            Some(text) => mac.update(text.as_bytes()),
            None => mac.update_decimal(seconds.saturating_mul(1000)),
        }
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        let millis = require_timestamp(parts)?.checked_mul(1000).ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::InvalidInput)
                .with_detail("the timestamp in milliseconds does not fit an i64")
        })?;
        // HubSpot sends exactly one signature; during a rotation the first secret signs.
        let tag = super::first_signature(signatures)?;
        let mut headers = HeaderMap::new();
        headers.insert(TIMESTAMP, header_value(itoa::Buffer::new().format(millis))?);
        headers.insert(SIGNATURE, header_value(&tag.to_base64())?);
        Ok(headers)
    }
}

/// The timestamp header's text when the request carries exactly one that
/// reads as `seconds` (in milliseconds).
fn received_text(headers: &HeaderMap, seconds: i64) -> Option<&str> {
    let [text] = optional_headers(headers, [&TIMESTAMP]).ok()?;
    let text = text?;
    let millis = parse_timestamp(text, &TIMESTAMP).ok()?;
    (millis / 1000 == seconds).then_some(text)
}

/// Decodes the `%XX` escapes of HubSpot's table, and only those.
fn decode_uri(uri: &str) -> Cow<'_, str> {
    if !uri.contains('%') {
        return Cow::Borrowed(uri);
    }
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3);
        match escape.and_then(decoded) {
            Some(c) => {
                out.push(c);
                rest = &rest[at + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn decoded(escape: &str) -> Option<char> {
    Some(match escape.to_ascii_uppercase().as_str() {
        "%3A" => ':',
        "%2F" => '/',
        "%3F" => '?',
        "%40" => '@',
        "%21" => '!',
        "%24" => '$',
        "%27" => '\'',
        "%28" => '(',
        "%29" => ')',
        "%2A" => '*',
        "%2C" => ',',
        "%3B" => ';',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_escapes_are_decoded() {
        assert_eq!(
            decode_uri("https://a.test/p%3ax?u=%2f%2F%40%20%25%3B%"),
            "https://a.test/p:x?u=//@%20%25;%"
        );
        assert_eq!(
            decode_uri("https://a.test/%e2%82%ac"),
            "https://a.test/%e2%82%ac"
        );
        assert!(matches!(decode_uri("https://a.test/"), Cow::Borrowed(_)));
    }
}
