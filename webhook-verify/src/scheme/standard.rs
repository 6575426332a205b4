//! Standard Webhooks (Svix).
//!
//! ```text
//! webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek
//! webhook-timestamp: 1614265330
//! webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{ts}.{body}")>[ v1,<base64>…]
//! ```
//!
//! The `svix-id`, `svix-timestamp` and `svix-signature` names are accepted
//! too (the `webhook-*` set wins when both are present). The secret is
//! `whsec_<base64 key>`; padded and unpadded base64 are both accepted. Entries
//! of other versions (`v1a,` asymmetric signatures) are ignored.

use base64::Engine as _;
use http::{HeaderMap, HeaderName};

use super::signature::BASE64;
use super::{
    ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts, SigningInput,
    WebhookRequest, ascii_to_string, header_value, optional_header_bytes, parse_timestamp_bytes,
    require_bytes, require_timestamp, split_at,
};
use crate::error::{ConfigError, ConfigErrorKind, Error, ErrorKind};
use crate::headers;
use crate::secret::Secret;

pub(crate) const ID: HeaderName = headers::WEBHOOK_ID;
pub(crate) const TIMESTAMP: HeaderName = headers::WEBHOOK_TIMESTAMP;
pub(crate) const SIGNATURE: HeaderName = headers::WEBHOOK_SIGNATURE;
static SVIX_ID: HeaderName = headers::SVIX_ID;
static SVIX_TIMESTAMP: HeaderName = headers::SVIX_TIMESTAMP;
static SVIX_SIGNATURE: HeaderName = headers::SVIX_SIGNATURE;

#[derive(Debug)]
pub(crate) struct Standard;

impl SignatureScheme for Standard {
    fn name(&self) -> &'static str {
        "standard"
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

    fn decode_secret(&self, secret: &str) -> Result<Secret, ConfigError> {
        let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
        BASE64.decode(encoded).map(Secret::from).map_err(|_| {
            ConfigError::new(ConfigErrorKind::InvalidSecret)
                .with_detail("a Standard Webhooks secret is whsec_ followed by base64")
        })
    }

    fn signs_event_id(&self) -> bool {
        // `{id}.{ts}.{body}`: the id is the first part of the MAC input.
        true
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        parse_entries(request, max_signatures, "v1", 32)
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        write_id_timestamp_body(parts, request, mac);
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        render_entries(parts, signatures, "v1")
    }
}

/// Reads the `webhook-*` (or `svix-*`) headers, keeping the base64
/// signatures of the `wanted` version's entries that decode to exactly `len` bytes;
/// entries of other versions count towards `max_signatures` but are
/// otherwise ignored. Shared with the asymmetric `v1a` scheme.
pub(super) fn parse_entries(
    request: &WebhookRequest<'_>,
    max_signatures: usize,
    wanted: &str,
    len: usize,
) -> Result<ParsedSignature, Error> {
    let headers = request.headers();
    // The webhook-* names win; the svix-* set is read only without them.
    let mut names = [&SIGNATURE, &ID, &TIMESTAMP];
    let mut found = optional_header_bytes(headers, names)?;
    if found[0].is_none() {
        let svix = [&SVIX_SIGNATURE, &SVIX_ID, &SVIX_TIMESTAMP];
        let svix_found = optional_header_bytes(headers, svix)?;
        if svix_found[0].is_some() {
            (names, found) = (svix, svix_found);
        }
    }
    let [signature, id, ts] = found;
    let [sig, id_name, ts_name] = names;
    let signature = require_bytes(signature, sig)?;
    let event_id = ascii_to_string(require_bytes(id, id_name)?);
    let timestamp = parse_timestamp_bytes(require_bytes(ts, ts_name)?, ts_name)?;
    let mut tags = Signatures::new();
    // Entries are separated by spaces or tabs (runs of them count once).
    let entries = split_at(signature, memchr::memchr2_iter(b' ', b'\t', signature))
        .filter(|entry| !entry.is_empty());
    for (count, entry) in entries.enumerate() {
        if count == max_signatures {
            return Err(Error::new(ErrorKind::TooManySignatures)
                .with_header(sig.clone())
                .with_detail(format!("more than {max_signatures} entries")));
        }
        let Some(at) = memchr::memchr(b',', entry) else {
            return Err(Error::new(ErrorKind::MalformedHeader)
                .with_header(sig.clone())
                .with_detail("entry without ','"));
        };
        if &entry[..at] != wanted.as_bytes() {
            continue;
        }
        if let Some(tag) = Signature::from_base64_bytes(&entry[at + 1..], len) {
            tags.push(tag);
        }
    }
    Ok(ParsedSignature::new(Some(timestamp), Some(event_id), tags))
}

/// Feeds `{id}.{ts}.{body}`.
pub(super) fn write_id_timestamp_body(
    parts: &SignedParts<'_>,
    request: &WebhookRequest<'_>,
    mac: &mut SigningInput<'_>,
) {
    let body = request.body();
    mac.update(parts.event_id.unwrap_or_default().as_bytes());
    mac.update(b".");
    mac.update_decimal(parts.timestamp.unwrap_or_default());
    mac.update(b".");
    mac.update(body);
}

/// Renders `webhook-id`, `webhook-timestamp` and a `webhook-signature` of
/// `version,<base64>` entries, one per signature.
pub(super) fn render_entries(
    parts: &SignedParts<'_>,
    signatures: &[Signature],
    version: &str,
) -> Result<HeaderMap, ConfigError> {
    let timestamp = require_timestamp(parts)?;
    let id = parts.event_id.ok_or_else(|| {
        ConfigError::new(ConfigErrorKind::EventIdRequired).with_detail("webhook-id")
    })?;
    let signature = signatures
        .iter()
        .map(|tag| format!("{version},{}", tag.to_base64()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut headers = HeaderMap::new();
    headers.insert(ID, header_value(id)?);
    headers.insert(
        TIMESTAMP,
        header_value(itoa::Buffer::new().format(timestamp))?,
    );
    headers.insert(SIGNATURE, header_value(&signature)?);
    Ok(headers)
}
