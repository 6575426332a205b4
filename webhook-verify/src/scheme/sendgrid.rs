//! Twilio SendGrid's Signed Event Webhook.
//!
//! ```text
//! X-Twilio-Email-Event-Webhook-Signature: <base64 DER ECDSA P-256/SHA-256 signature>
//! X-Twilio-Email-Event-Webhook-Timestamp: 1600112502
//!
//! signed bytes = "{X-Twilio-Email-Event-Webhook-Timestamp, the header text as received}{body}"
//! ```
//!
//! - **Algorithm**: ECDSA over P-256 with SHA-256 ([`Algorithm::EcdsaP256`]),
//!   the signature DER-encoded, then base64. SendGrid's signatures are
//!   randomized: the same request signed twice gives two different (both
//!   valid) values. Nothing separates the timestamp from the body; the body
//!   is the raw bytes, which for SendGrid end in `\r\n` (one after each event
//!   of a batch) — a receiver that re-serializes the JSON breaks the
//!   signature.
//! - **Verifying key**: the "Verification Key" SendGrid shows under Mail
//!   Settings → Event Webhooks: base64 of a DER `SubjectPublicKeyInfo`
//!   (`MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…`). PEM (`-----BEGIN PUBLIC
//!   KEY-----` armor, line breaks) and a base64 SEC1 point are accepted too.
//! - **Signing key** (for tests and senders; SendGrid keeps its own): base64
//!   of a PKCS#8 DER private key (`openssl pkcs8 -topk8 -nocrypt -outform
//!   DER | base64`), PEM `-----BEGIN PRIVATE KEY-----`, or base64 of the raw
//!   32-byte scalar. Our signatures are deterministic (RFC 6979); SendGrid
//!   accepts any valid signature, and so does every verifier.
//! - **Tolerance**: SendGrid documents none, and its SDKs
//!   (sendgrid-nodejs, sendgrid-python `EventWebhook.verify_signature`)
//!   check no timestamp. We keep the usual 300 s: the timestamp is the time
//!   of the POST (10 s after the last event in SendGrid's test vector), and
//!   a retry is a new POST. SendGrid retries failed posts for up to 24
//!   hours; if retries turn out to carry their first timestamp, raise the
//!   tolerance (`VerifierBuilder::tolerance`).
//! - **Event id**: none in a header. A POST carries a batch (a JSON array)
//!   of events, each with its own `sg_event_id` in the signed body.
//!
//! Sources: Twilio SendGrid, "Getting Started with the Event Webhook
//! Security Features" (twilio.com/docs/sendgrid/for-developers/
//! tracking-events/getting-started-event-webhook-security-features); the
//! official SDKs sendgrid/sendgrid-nodejs
//! `packages/eventwebhook/src/eventwebhook.js` (`verifySignature`:
//! `timestamp + payload`, `Signature.fromBase64`, header names in
//! `EventWebhookHeader`) and sendgrid/sendgrid-python
//! `sendgrid/helpers/eventwebhook/__init__.py` (the public key wrapped in PEM
//! armor, `ec.ECDSA(hashes.SHA256())`).

use base64::Engine as _;
use http::{HeaderMap, HeaderName};

use super::discord::write_timestamp_text;
use super::signature::BASE64;
use super::{
    Algorithm, ParsedSignature, RawKeyPair, Signature, SignatureScheme, Signatures, SignedParts,
    SigningInput, WebhookRequest, header_value, optional_headers, parse_timestamp, require,
    require_timestamp,
};
use crate::error::{ConfigError, ConfigErrorKind, Error};
use crate::secret::Secret;

/// `X-Twilio-Email-Event-Webhook-Signature`: base64 DER ECDSA signature.
pub(crate) const SIGNATURE: HeaderName =
    HeaderName::from_static("x-twilio-email-event-webhook-signature");
/// `X-Twilio-Email-Event-Webhook-Timestamp`: the signed Unix timestamp.
pub(crate) const TIMESTAMP: HeaderName =
    HeaderName::from_static("x-twilio-email-event-webhook-timestamp");

/// The longest DER encoding of a P-256 ECDSA signature.
const MAX_DER_LEN: usize = 72;

#[derive(Debug)]
pub(crate) struct SendGrid;

impl SignatureScheme for SendGrid {
    fn name(&self) -> &'static str {
        "sendgrid"
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::EcdsaP256
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
        decode_base64_der(secret, "PUBLIC KEY").ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::InvalidSecret).with_detail(
                "a SendGrid verification key is a base64 DER public key (MFkw…) or PEM",
            )
        })
    }

    fn decode_signing_key(&self, key: &str) -> Result<Secret, ConfigError> {
        decode_base64_der(key, "PRIVATE KEY").ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::InvalidSecret)
                .with_detail("a SendGrid signing key is a base64 PKCS#8 DER private key or PEM")
        })
    }

    /// Both halves as base64 DER, the form SendGrid shows the public key
    /// in (`MFkw…`); the private half is PKCS#8.
    fn format_key_pair(&self, raw: &RawKeyPair<'_>) -> Option<(String, String)> {
        Some((BASE64.encode(raw.public), BASE64.encode(raw.private)))
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let [signature, timestamp] = optional_headers(request.headers(), [&SIGNATURE, &TIMESTAMP])?;
        let signature = require(signature, &SIGNATURE)?;
        let timestamp = parse_timestamp(require(timestamp, &TIMESTAMP)?, &TIMESTAMP)?;
        // One signature per request; what doesn't decode to a plausible DER
        // length is a mismatch (the DER itself is checked when verifying).
        let candidates = Signature::from_base64_max(signature, MAX_DER_LEN);
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
        headers.insert(SIGNATURE, header_value(&signature.to_base64())?);
        headers.insert(
            TIMESTAMP,
            header_value(itoa::Buffer::new().format(timestamp))?,
        );
        Ok(headers)
    }
}

/// Decodes base64 key material, with or without PEM armor labelled `label`
/// and line breaks; the key parser checks what the bytes are.
fn decode_base64_der(text: &str, label: &str) -> Option<Secret> {
    let text = text.trim();
    let text = match text.strip_prefix(&format!("-----BEGIN {label}-----")) {
        Some(rest) => rest
            .trim_end()
            .strip_suffix(&format!("-----END {label}-----"))?,
        None => text,
    };
    let compact: String = text.split_ascii_whitespace().collect();
    let bytes = BASE64.decode(compact).ok()?;
    (!bytes.is_empty()).then(|| Secret::new(bytes))
}
