//! Lemon Squeezy.
//!
//! ```text
//! X-Signature: <hex HMAC-SHA256(signing secret, body)>
//! X-Event-Name: order_created        (the event type: not read, not an id)
//! ```
//!
//! - **Signed bytes**: the raw body, nothing else; one lowercase hex MAC.
//! - **Key**: the signing secret you typed when creating the webhook (6 to
//!   40 characters), as text.
//! - **Timestamp**: none is signed: pair this scheme with the idempotency
//!   layer.
//! - **Id**: none in a header (`X-Event-Name` is the event type, shared by
//!   every event of that type); the body's `meta` and `data.id` are covered
//!   by the MAC.
//!
//! Sources: docs.lemonsqueezy.com/help/webhooks/signing-requests (Node
//! example: `crypto.createHmac('sha256', secret)`, `hmac.update(rawBody)`,
//! `digest('hex')` compared with `X-Signature`). The official JS SDK
//! (`@lemonsqueezy/lemonsqueezy.js`) has no verifier, so the vector is
//! computed with Python's `hmac`.

use http::HeaderName;

use super::Algorithm;
use super::body_mac::{BodyMac, Encoding};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-signature");

/// The scheme: one MAC of the body (see the module docs).
pub(crate) static LEMONSQUEEZY: BodyMac = BodyMac {
    name: "lemonsqueezy",
    algorithm: Algorithm::HmacSha256,
    signature: SIGNATURE,
    prefix: "",
    encoding: Encoding::Hex,
    tag_len: 32,
    id: None,
};
