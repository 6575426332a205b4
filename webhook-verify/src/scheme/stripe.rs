//! Stripe.
//!
//! ```text
//! Stripe-Signature: t=1700000000,v1=<hex HMAC-SHA256(secret, "{t}.{body}")>[,v1=…][,v0=…]
//! ```
//!
//! The `whsec_…` endpoint secret is used as-is (its bytes are the key; it is
//! not base64-decoded). Every `v1` entry is tried; `v0` (test-mode SHA-1
//! legacy) and unknown entries are ignored. The event id lives in the body
//! (`/id`), not in a header.

use http::{HeaderMap, HeaderName};

use super::{
    ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts, SigningInput,
    WebhookRequest, for_each_entry, header_value, optional_header_bytes, parse_timestamp_bytes,
    require_bytes, require_timestamp,
};
use crate::error::{ConfigError, Error, ErrorKind};
use crate::headers;

pub(crate) const SIGNATURE: HeaderName = headers::STRIPE_SIGNATURE;

#[derive(Debug)]
pub(crate) struct Stripe;

impl SignatureScheme for Stripe {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn timestamp_header(&self) -> Option<HeaderName> {
        None
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
        max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let headers = request.headers();
        let [signature] = optional_header_bytes(headers, [&SIGNATURE])?;
        let signature = require_bytes(signature, &SIGNATURE)?;
        let malformed = |detail| {
            Error::new(ErrorKind::MalformedHeader)
                .with_header(SIGNATURE)
                .with_detail(detail)
        };
        let mut timestamp = None;
        let mut tags = Signatures::new();
        // `t=` plus the signature entries share the cap.
        for_each_entry(
            signature,
            &SIGNATURE,
            max_signatures.saturating_add(1),
            |key, value| {
                match key {
                    b"t" if timestamp.is_some() => {
                        return Err(malformed("more than one t= timestamp"));
                    }
                    b"t" => timestamp = Some(parse_timestamp_bytes(value, &SIGNATURE)?),
                    b"v1" => tags.extend(Signature::from_hex_bytes(value, 32)),
                    _ => {}
                }
                Ok(())
            },
        )?;
        let timestamp = timestamp.ok_or_else(|| malformed("no t= timestamp"))?;
        Ok(ParsedSignature::new(Some(timestamp), None, tags))
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
        let mut value = format!("t={timestamp}");
        for tag in signatures {
            value.push_str(",v1=");
            value.push_str(&tag.to_hex());
        }
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE, header_value(&value)?);
        Ok(headers)
    }
}
