//! GitHub.
//!
//! ```text
//! X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>
//! X-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958   (event id, not covered by the MAC)
//! ```
//!
//! GitHub signs no timestamp, so a captured delivery can be replayed forever:
//! pair this scheme with the idempotency layer keyed on `X-GitHub-Delivery`.

use http::{HeaderMap, HeaderName};

use super::{
    ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts, SigningInput,
    WebhookRequest, header_value, hex_tag, optional_headers, require,
};
use crate::error::{ConfigError, Error, ErrorKind};
use crate::headers;

pub(crate) const SIGNATURE: HeaderName = headers::X_HUB_SIGNATURE_256;
pub(crate) const DELIVERY: HeaderName = headers::X_GITHUB_DELIVERY;

#[derive(Debug)]
pub(crate) struct GitHub;

impl SignatureScheme for GitHub {
    fn name(&self) -> &'static str {
        "github"
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn timestamp_header(&self) -> Option<HeaderName> {
        None
    }

    fn id_header(&self) -> Option<HeaderName> {
        Some(DELIVERY)
    }

    fn signs_timestamp(&self) -> bool {
        false
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let headers = request.headers();
        let [signature, delivery] = optional_headers(headers, [&SIGNATURE, &DELIVERY])?;
        let signature = require(signature, &SIGNATURE)?;
        let Some(hex) = signature.strip_prefix("sha256=") else {
            return Err(Error::new(ErrorKind::MalformedHeader)
                .with_header(SIGNATURE)
                .with_detail("expected sha256=<hex>"));
        };
        let event_id = delivery.map(str::to_owned);
        Ok(ParsedSignature::new(
            None,
            event_id,
            Signatures::from(hex_tag(hex)),
        ))
    }

    fn write_signed_payload(
        &self,
        _parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        let body = request.body();
        mac.update(body);
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        // GitHub sends exactly one signature; during a rotation the first secret signs.
        let tag = super::first_signature(signatures)?;
        let mut headers = HeaderMap::new();
        if let Some(id) = parts.event_id {
            headers.insert(DELIVERY, header_value(id)?);
        }
        headers.insert(
            SIGNATURE,
            header_value(&format!("sha256={}", tag.to_hex()))?,
        );
        Ok(headers)
    }
}
