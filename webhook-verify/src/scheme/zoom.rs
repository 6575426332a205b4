//! Zoom.
//!
//! ```text
//! x-zm-request-timestamp: 1654503849
//! x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:{ts}:{body}")>
//! ```
//!
//! - Key: the app's *secret token* (Event Subscriptions), used as text.
//! - One signature; no id header (the body carries `event_ts` and the
//!   object's ids).
//! - Tolerance: Zoom documents none and its SDK (`@zoom/rivet`) checks no
//!   age, so the default 300 s applies.
//! - Handshake, `endpoint.url_validation`: Zoom posts
//!   `{"payload":{"plainToken":"…"},"event_ts":…,"event":"endpoint.url_validation"}`
//!   and expects, within 3 s, a 200 JSON reply
//!   `{"plainToken":"…","encryptedToken":"<hex HMAC-SHA256(secret token, plainToken)>"}`.
//!   The validation request is signed like any event (the SDK's
//!   `CommonHttpRequest.processEvent` verifies it before hashing the token),
//!   so it is answered by [`handshake`](SignatureScheme::handshake), after
//!   verification, with the key that verified it; an unsigned or forged
//!   one is rejected. A validation event without a string `plainToken` is
//!   passed to the handler.
//!
//! Sources: developers.zoom.us/docs/api/webhooks/ ("Verify webhook
//! events", "Validate your webhook endpoint"); the official SDK
//! `@zoom/rivet` 0.4.0 (`meetings/meetings.cjs`: `CommonHttpRequest.isEventVerified`,
//! `hashUrlValidationEvent`, `AwsLambdaReceiver.buildResponse`); the
//! official sample zoom/webhook-sample `index.js`.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, Response};

use super::challenge;
use super::slack::V0;
use super::{
    HandshakeKey, ParsedSignature, Signature, SignatureScheme, SignedParts, SigningInput,
    WebhookRequest,
};
use crate::error::{ConfigError, Error};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-zm-signature");
pub(crate) const TIMESTAMP: HeaderName = HeaderName::from_static("x-zm-request-timestamp");

const URL_VALIDATION: &str = "endpoint.url_validation";

/// Slack's `v0` format under Zoom's header names.
const WIRE: V0 = V0 {
    timestamp: TIMESTAMP,
    signature: SIGNATURE,
};

#[derive(Debug)]
pub(crate) struct Zoom;

impl SignatureScheme for Zoom {
    fn name(&self) -> &'static str {
        "zoom"
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
        WIRE.parse(request)
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        V0::write(parts, request, mac);
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        WIRE.render(parts, signatures)
    }

    fn handshake(
        &self,
        request: &WebhookRequest<'_>,
        key: &HandshakeKey<'_>,
    ) -> Option<Response<Bytes>> {
        let event = challenge::json_with(request.body(), URL_VALIDATION.as_bytes())?;
        if event.get("event")?.as_str()? != URL_VALIDATION {
            return None;
        }
        let plain = event.get("payload")?.get("plainToken")?.as_str()?;
        let encrypted = key.mac(plain.as_bytes())?.to_hex();
        // serde_json escapes the token; the key order is Zoom's documented one.
        let plain_json = serde_json::to_string(plain).ok()?;
        let body = format!(r#"{{"plainToken":{plain_json},"encryptedToken":"{encrypted}"}}"#);
        Some(challenge::reply(challenge::JSON, body))
    }
}
