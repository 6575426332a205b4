//! The shape most group A providers share: one MAC of the raw body, alone in
//! one header, optionally behind a fixed prefix, hex or base64; and an
//! optional delivery id header that the MAC does not cover.
//!
//! ```text
//! <signature header>: [<prefix>]<hex or base64 MAC(secret, body)>
//! <id header>: <delivery id>                  (optional, not signed)
//! ```
//!
//! Each provider keeps its own module, its own struct and its research;
//! this file only holds the parsing and rendering they have in common, so
//! that a strictness rule is written once.

use http::{HeaderMap, HeaderName};

use super::{
    Algorithm, ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts, SigningInput,
    ascii_to_string, header_value, optional_header_bytes, require_bytes,
};
use crate::error::{ConfigError, Error, ErrorKind};
use crate::scheme::WebhookRequest;

/// How the MAC is written in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// Lowercase hex on the wire; either case accepted.
    Hex,
    /// Standard base64 with padding on the wire; unpadded accepted.
    Base64,
}

/// One provider's name, algorithm, header names, prefix, encoding and tag
/// length; a provider that needs nothing more is this value, as a
/// [`SignatureScheme`] (Shopify, Razorpay, Intercom, …).
#[derive(Debug, Clone)]
pub(crate) struct BodyMac {
    /// The scheme's name.
    pub(crate) name: &'static str,
    /// HMAC-SHA256, or HMAC-SHA1 (Intercom).
    pub(crate) algorithm: Algorithm,
    pub(crate) signature: HeaderName,
    /// Written before the MAC (`sha1=`); `""` for none.
    pub(crate) prefix: &'static str,
    pub(crate) encoding: Encoding,
    /// The MAC length in bytes (20 for SHA-1, 32 for SHA-256).
    pub(crate) tag_len: usize,
    /// The delivery id header, if the provider sends one.
    pub(crate) id: Option<HeaderName>,
}

impl BodyMac {
    /// Reads the one signature and the optional id. A value without the
    /// prefix is [`ErrorKind::MalformedHeader`]; a MAC that does not decode
    /// to exactly `tag_len` bytes is dropped (a mismatch).
    pub(crate) fn parse(&self, request: &WebhookRequest<'_>) -> Result<ParsedSignature, Error> {
        let headers = request.headers();
        let (signature, id) = match &self.id {
            Some(id_name) => {
                let [signature, id] = optional_header_bytes(headers, [&self.signature, id_name])?;
                (signature, id)
            }
            None => {
                let [signature] = optional_header_bytes(headers, [&self.signature])?;
                (signature, None)
            }
        };
        let signature = require_bytes(signature, &self.signature)?;
        let Some(encoded) = signature.strip_prefix(self.prefix.as_bytes()) else {
            return Err(Error::new(ErrorKind::MalformedHeader)
                .with_header(self.signature.clone())
                .with_detail(format!("expected {}<MAC>", self.prefix)));
        };
        Ok(ParsedSignature::new(
            None,
            id.map(ascii_to_string),
            Signatures::from(self.decode(encoded)),
        ))
    }

    /// Decodes one encoded MAC to exactly the tag length, or `None`.
    pub(crate) fn decode(&self, encoded: &[u8]) -> Option<Signature> {
        match self.encoding {
            Encoding::Hex => Signature::from_hex_bytes(encoded, self.tag_len),
            Encoding::Base64 => Signature::from_base64_bytes(encoded, self.tag_len),
        }
    }

    /// Writes one MAC as the provider does.
    pub(crate) fn encode(&self, tag: &Signature) -> String {
        let encoded = match self.encoding {
            Encoding::Hex => tag.to_hex(),
            Encoding::Base64 => tag.to_base64(),
        };
        format!("{}{encoded}", self.prefix)
    }

    /// The signature header (the first secret's MAC: these providers send
    /// one) and the id header when an id is given.
    pub(crate) fn render(
        &self,
        event_id: Option<&str>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        let tag = super::first_signature(signatures)?;
        let mut headers = HeaderMap::new();
        if let (Some(name), Some(id)) = (&self.id, event_id) {
            headers.insert(name.clone(), header_value(id)?);
        }
        headers.insert(self.signature.clone(), header_value(&self.encode(tag))?);
        Ok(headers)
    }
}

/// A provider that signs the body alone, one MAC in one header: its
/// signing and verification are all in [`BodyMac`]'s fields.
impl SignatureScheme for BodyMac {
    fn name(&self) -> &'static str {
        self.name
    }

    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(self.signature.clone())
    }

    fn id_header(&self) -> Option<HeaderName> {
        self.id.clone()
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        BodyMac::parse(self, request)
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
        self.render(parts.event_id, signatures)
    }
}
