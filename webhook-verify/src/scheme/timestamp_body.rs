//! The wire shape Discord and SendGrid share:
//!
//! ```text
//! <timestamp header>: <unix s>
//! <signature header>: <one signature of "{timestamp}{body}">
//! ```
//!
//! The timestamp is signed as the text its header carries. Only the
//! signature's encoding differs (hex for Discord's Ed25519, base64 DER for
//! SendGrid's ECDSA), so a [`TimestampBody`] holds the header names and the
//! two encoding functions.

use http::{HeaderMap, HeaderName};

use super::{
    ParsedSignature, Signature, Signatures, SignedParts, SigningInput, WebhookRequest,
    first_signature, header_value, optional_headers, parse_timestamp, require, require_timestamp,
};
use crate::error::{ConfigError, Error};

/// One provider's headers and signature encoding (see the module docs).
pub(crate) struct TimestampBody {
    /// The header holding the signature.
    pub(crate) signature: HeaderName,
    /// The header holding the Unix seconds.
    pub(crate) timestamp: HeaderName,
    /// Decodes the signature header; `None` (a mismatch, not a parse
    /// error) when it can't be one of the provider's signatures.
    pub(crate) decode: fn(&str) -> Option<Signature>,
    /// Encodes a signature for the header.
    pub(crate) encode: fn(&Signature) -> String,
}

impl TimestampBody {
    /// Reads both headers: one signature per request, a strict timestamp.
    pub(crate) fn parse(&self, request: &WebhookRequest<'_>) -> Result<ParsedSignature, Error> {
        let [signature, timestamp] =
            optional_headers(request.headers(), [&self.signature, &self.timestamp])?;
        let signature = require(signature, &self.signature)?;
        let timestamp = parse_timestamp(require(timestamp, &self.timestamp)?, &self.timestamp)?;
        Ok(ParsedSignature::new(
            Some(timestamp),
            None,
            Signatures::from((self.decode)(signature)),
        ))
    }

    /// Feeds `{timestamp}{body}`.
    pub(crate) fn write(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        input: &mut SigningInput<'_>,
    ) {
        write_timestamp_text(request.headers(), &self.timestamp, parts, input);
        input.update(request.body());
    }

    /// The two headers a sender sends (the first key signs during a
    /// rotation).
    pub(crate) fn render(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        let timestamp = require_timestamp(parts)?;
        let signature = first_signature(signatures)?;
        let mut headers = HeaderMap::new();
        headers.insert(
            self.signature.clone(),
            header_value(&(self.encode)(signature))?,
        );
        headers.insert(
            self.timestamp.clone(),
            header_value(itoa::Buffer::new().format(timestamp))?,
        );
        Ok(headers)
    }
}

/// Feeds a signed timestamp as text: the header exactly as received when
/// verifying (it is the text the provider signed, and the one `parts` was
/// parsed from), else the decimal Unix seconds a signer writes.
pub(super) fn write_timestamp_text(
    headers: &HeaderMap,
    name: &HeaderName,
    parts: &SignedParts<'_>,
    input: &mut SigningInput<'_>,
) {
    let received = parts.timestamp.and_then(|timestamp| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .filter(|text| parse_timestamp(text, name).ok() == Some(timestamp))
    });
    match received {
        Some(text) => input.update(text.as_bytes()),
        None => input.update_decimal(parts.timestamp.unwrap_or_default()),
    }
}
