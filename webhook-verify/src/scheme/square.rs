//! Square.
//!
//! ```text
//! X-Square-Hmacsha256-Signature: <base64 HMAC-SHA256(signature key, notification URL ‖ body)>
//! ```
//!
//! The signed bytes are the subscription's notification URL exactly as it
//! was registered in the Developer Dashboard (scheme, host, path and query,
//! no separator) followed by the raw body. The URL comes from
//! [`WebhookRequest::url`], so behind a proxy configure the public base URL
//! ([`VerifierBuilder::public_url`](crate::VerifierBuilder::public_url)) so
//! that it rebuilds the registered URL byte for byte.
//!
//! - Key: the subscription's *signature key* (`Ibxx_5AKakO-3qeNVR61Dw`),
//!   used as text: its UTF-8 bytes are the HMAC key (it looks like
//!   base64url but the SDKs never decode it).
//! - One signature per delivery; no rotation list.
//! - No timestamp is signed (Square sends an unsigned
//!   `Square-Initial-Delivery-Timestamp`), so replays are bounded only by an
//!   idempotency layer keyed on the body's `event_id`; there is no id
//!   header.
//! - The legacy `X-Square-Signature` (HMAC-SHA1, base64) of the v1
//!   webhooks is not read.
//!
//! Sources: developer.squareup.com/docs/webhooks/step3validate;
//! square/square-python-sdk `src/square/utils/webhooks_helper.py`
//! (`verify_signature`) and its tests
//! `tests/integration/test_webhooks_helper.py`; square/square-ruby-sdk
//! `lib/square/utilities/webhooks_helper.rb`.

use http::{HeaderMap, HeaderName};

use super::{
    ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts, SigningInput,
    WebhookRequest, header_value, required_header,
};
use crate::error::{ConfigError, Error};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-square-hmacsha256-signature");

#[derive(Debug)]
pub(crate) struct Square;

impl SignatureScheme for Square {
    fn name(&self) -> &'static str {
        "square"
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let signature = required_header(request.headers(), &SIGNATURE)?;
        Ok(ParsedSignature::new(
            None,
            None,
            Signatures::from(Signature::from_base64(signature, 32)),
        ))
    }

    fn write_signed_payload(
        &self,
        _parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        mac.update(request.url().as_bytes());
        mac.update(request.body());
    }

    fn render_headers(
        &self,
        _parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        // Square sends exactly one signature; during a rotation the first key signs.
        let tag = super::first_signature(signatures)?;
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE, header_value(&tag.to_base64())?);
        Ok(headers)
    }
}
