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

use http::HeaderName;

use super::Algorithm;
use super::body_mac::{BodyMac, Encoding};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-cc-webhook-signature");

/// The scheme: one MAC of the body (see the module docs).
pub(crate) static COINBASE: BodyMac = BodyMac {
    name: "coinbase",
    algorithm: Algorithm::HmacSha256,
    signature: SIGNATURE,
    prefix: "",
    encoding: Encoding::Hex,
    tag_len: 32,
    id: None,
};
