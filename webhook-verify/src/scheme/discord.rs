//! Discord interactions (and Discord Webhook Events, which are signed the
//! same way).
//!
//! ```text
//! X-Signature-Ed25519: <hex Ed25519 signature (64 bytes, 128 digits)>
//! X-Signature-Timestamp: 1700000000
//!
//! signed bytes = "{X-Signature-Timestamp, the header text as received}{body}"
//! ```
//!
//! - **Algorithm**: Ed25519 ([`Algorithm::Ed25519`]). Nothing separates the
//!   timestamp from the body; the timestamp is signed as the header text,
//!   which verification feeds exactly as received (a signer writes the
//!   decimal Unix seconds).
//! - **Verifying key**: the application's public key as the Developer Portal
//!   shows it ("General Information" → "Public Key"): 64 hex digits (32
//!   bytes), either case.
//! - **Signing key** (for tests and senders; Discord never hands one out):
//!   hex of the 32-byte Ed25519 seed (PyNaCl's `SigningKey.encode()`), or of
//!   the 64-byte seed ‖ public key that tweetnacl and libsodium call the
//!   secret key (its public half must match the seed).
//! - **Tolerance**: Discord documents none, and its own libraries
//!   (discord-interactions-js `verifyKey`, discord-interactions-python
//!   `verify_key`) check no timestamp at all. We keep the usual 300 s:
//!   Discord gives an app 3 seconds to answer an interaction, so any genuine
//!   interaction is seconds old, and a wider window only widens replays.
//!   Webhook Events are retried "for up to 10 minutes"; Discord does not say
//!   whether a retry is re-signed with a new timestamp, so a Webhook Events
//!   receiver that sees retries rejected as too old should raise the
//!   tolerance (`VerifierBuilder::tolerance`) to 600 s.
//! - **Event id**: none in a header. The interaction's `id` is inside the
//!   (signed) JSON body; take it from there (for example the idempotency
//!   layer's `IdSource::json("/id")`).
//! - **Handshake** (answered when the layer's `answer_handshakes` is on, after
//!   verification — Discord signs its pings and also sends deliberately
//!   bad signatures, which must get a 401):
//!   - an interaction `PING` (`{"type":1,…}` without an `event` member) is
//!     answered `200`, `Content-Type: application/json`, `{"type":1}` (PONG);
//!   - a Webhook Events `PING` (`{"type":0,…}`) is answered `204` with an
//!     empty body, as discord-interactions-js does. A Webhook Event proper
//!     (`"type":1` with an `event` member) is not a handshake and reaches
//!     the handler.
//!
//! Sources: Discord developer documentation, "Interactions → Overview →
//! Setting Up an Endpoint" (discord/discord-api-docs
//! `developers/interactions/overview.mdx`: "Acknowledging PING requests",
//! "Validating Security Request Headers") and "Webhook Events"
//! (`developers/events/webhook-events.mdx`); the official libraries
//! discord/discord-interactions-js `src/index.ts` (`verifyKey`,
//! `verifyKeyMiddleware`, `verifyWebhookEventMiddleware`) and
//! discord/discord-interactions-python `discord_interactions/__init__.py`
//! (`verify_key`: `message = timestamp.encode() + raw_body`).

use bytes::Bytes;
use http::{HeaderMap, HeaderName, Response, StatusCode, header};

use super::{
    Algorithm, HandshakeKey, ParsedSignature, RawKeyPair, Signature, SignatureScheme, Signatures,
    SignedParts, SigningInput, WebhookRequest, header_value, optional_headers, parse_timestamp,
    require, require_timestamp,
};
use crate::error::{ConfigError, ConfigErrorKind, Error};
use crate::secret::Secret;

/// `X-Signature-Ed25519`: Discord's hex Ed25519 signature.
pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-signature-ed25519");
/// `X-Signature-Timestamp`: Discord's signed Unix timestamp.
pub(crate) const TIMESTAMP: HeaderName = HeaderName::from_static("x-signature-timestamp");

/// An Ed25519 signature's length in bytes.
const SIGNATURE_LEN: usize = 64;

#[derive(Debug)]
pub(crate) struct Discord;

impl SignatureScheme for Discord {
    fn name(&self) -> &'static str {
        "discord"
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::Ed25519
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

    fn decode_secret(&self, secret: &str) -> Result<Secret, ConfigError> {
        decode_hex_key(secret, &[32]).ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::InvalidSecret)
                .with_detail("a Discord public key is 64 hex digits")
        })
    }

    fn decode_signing_key(&self, key: &str) -> Result<Secret, ConfigError> {
        decode_hex_key(key, &[32, 64]).ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::InvalidSecret).with_detail(
                "a Discord signing key is the hex Ed25519 seed (64 digits) or seed and public key (128 digits)",
            )
        })
    }

    /// Both halves in hex: the public key as the Developer Portal shows
    /// it, the 32-byte seed to sign with.
    fn format_key_pair(&self, raw: &RawKeyPair<'_>) -> Option<(String, String)> {
        Some((
            const_hex::encode(raw.public),
            const_hex::encode(raw.private),
        ))
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let [signature, timestamp] = optional_headers(request.headers(), [&SIGNATURE, &TIMESTAMP])?;
        let signature = require(signature, &SIGNATURE)?;
        let timestamp = parse_timestamp(require(timestamp, &TIMESTAMP)?, &TIMESTAMP)?;
        // One signature per request; a wrong length or a non-hex digit is a
        // mismatch, not a parse error.
        let candidates = Signature::from_hex(signature, SIGNATURE_LEN);
        Ok(ParsedSignature::new(
            Some(timestamp),
            None,
            Signatures::from(candidates),
        ))
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        input: &mut SigningInput<'_>,
    ) {
        write_timestamp_text(request.headers(), &TIMESTAMP, parts, input);
        input.update(request.body());
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        let timestamp = require_timestamp(parts)?;
        let signature = super::first_signature(signatures)?;
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE, header_value(&signature.to_hex())?);
        headers.insert(
            TIMESTAMP,
            header_value(itoa::Buffer::new().format(timestamp))?,
        );
        Ok(headers)
    }

    fn handshake(
        &self,
        request: &WebhookRequest<'_>,
        _key: &HandshakeKey<'_>,
    ) -> Option<Response<Bytes>> {
        let body: serde_json::Value = serde_json::from_slice(request.body()).ok()?;
        let body = body.as_object()?;
        let reply = match body.get("type")?.as_u64()? {
            // An interaction PING; a Webhook Event (also type 1) has `event`.
            1 if !body.contains_key("event") => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Bytes::from_static(br#"{"type":1}"#)),
            // A Webhook Events PING.
            0 => Response::builder()
                .status(StatusCode::NO_CONTENT)
                .body(Bytes::new()),
            _ => return None,
        };
        // A constant status, a valid static header: the builder can't fail.
        reply.ok()
    }
}

/// Decodes a hex key (either case) of one of the `lengths` (in bytes).
fn decode_hex_key(text: &str, lengths: &[usize]) -> Option<Secret> {
    let bytes = const_hex::decode(text).ok()?;
    lengths.contains(&bytes.len()).then(|| Secret::new(bytes))
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
