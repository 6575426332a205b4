//! Coinbase Commerce.
//!
//! ```text
//! X-CC-Webhook-Signature: <hex HMAC-SHA256(shared secret, body)>
//! ```
//!
//! - **Signed bytes**: the raw body, nothing else; one lowercase hex MAC.
//! - **Key**: the webhook shared secret (Settings → Webhook subscriptions →
//!   Show shared secret), as text.
//! - **Timestamp**: none is signed (the body's `scheduled_for` is not
//!   checked): pair this scheme with the idempotency layer.
//! - **Id**: none in a header; the body carries the delivery `id` and the
//!   `event.id`, both covered by the MAC (`IdSource::json("/event/id")`).
//!
//! Sources: commerce.coinbase.com/docs/api/#webhooks ("Securing webhooks");
//! coinbase/coinbase-commerce-node `lib/Webhook.js` (`computeSignature`:
//! `createHmac('sha256', secret).update(payload, 'utf8').digest('hex')`) and
//! its test `test/testWebhook.spec.js` ("should successfully verify signature
//! and return event"), whose vector is in `tests/vectors/group_a.rs`.

use http::{HeaderMap, HeaderName};

use super::body_mac::{BodyMac, Encoding};
use super::{
    ParsedSignature, Signature, SignatureScheme, SignedParts, SigningInput, WebhookRequest,
};
use crate::error::{ConfigError, Error};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-cc-webhook-signature");

const WIRE: BodyMac = BodyMac {
    signature: SIGNATURE,
    prefix: "",
    encoding: Encoding::Hex,
    tag_len: 32,
    id: None,
};

#[derive(Debug)]
pub(crate) struct Coinbase;

impl SignatureScheme for Coinbase {
    fn name(&self) -> &'static str {
        "coinbase"
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
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
        WIRE.render(parts.event_id, signatures)
    }
}
