//! Typeform.
//!
//! ```text
//! Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, body)>
//! ```
//!
//! - **Signed bytes**: the raw body, nothing else; one standard base64 MAC
//!   (padded; unpadded is accepted) behind `sha256=`. Any other prefix is
//!   malformed.
//! - **Key**: the secret you set on the webhook (form → Connect → Webhooks →
//!   Edit → Secret, or `secret` in the Create/Update Webhook API), as text.
//! - **Timestamp**: none is signed: pair this scheme with the idempotency
//!   layer.
//! - **Id**: none in a header; the body's `event_id` is covered by the MAC
//!   (`IdSource::json("/event_id")`).
//!
//! Sources: typeform.com/developers/webhooks/secure-your-webhooks/ ("the
//! signature is `sha256=` followed by the base64-encoded HMAC-SHA256 of the
//! payload using your secret"). Typeform ships no verifying SDK, so the
//! vector is computed with Python's `hmac`.

use http::HeaderName;

use super::Algorithm;
use super::body_mac::{BodyMac, Encoding};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("typeform-signature");

/// The scheme: one MAC of the body (see the module docs).
pub(crate) static TYPEFORM: BodyMac = BodyMac {
    name: "typeform",
    algorithm: Algorithm::HmacSha256,
    signature: SIGNATURE,
    prefix: "sha256=",
    encoding: Encoding::Base64,
    tag_len: 32,
    id: None,
};
