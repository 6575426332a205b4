//! Intercom (signed webhook notifications).
//!
//! ```text
//! X-Hub-Signature: sha1=<hex HMAC-SHA1(client secret, body)>
//! ```
//!
//! - **Signed bytes**: the raw body, nothing else; one lowercase hex
//!   HMAC-SHA1 (20 bytes) behind `sha1=`. Any other prefix is malformed.
//! - **Key**: the app's client secret (Developer Hub → Basic information),
//!   as text.
//! - **Timestamp**: none is signed (the body's `created_at` is not checked):
//!   pair this scheme with the idempotency layer.
//! - **Id**: none in a header; the notification id is the body's `id`
//!   (`notif_…`), which the MAC covers (use `IdSource::json("/id")`).
//! - The header name is the one GitHub used for its legacy SHA-1 signature
//!   ([`headers::X_HUB_SIGNATURE`]), so a
//!   GitHub delivery posted here fails as a mismatch, not as a parse error.
//!
//! Sources: developers.intercom.com, "Webhooks" → "Signed notifications"
//! ("the value of the X-Hub-Signature header is computed with HMAC-SHA1 of
//! the body using your client_secret, prefixed with `sha1=`"). Intercom's
//! SDKs ship no verifier, so the vector is computed with Python's `hmac`.

use http::HeaderName;

use super::Algorithm;
use super::body_mac::{BodyMac, Encoding};
use crate::headers;

pub(crate) const SIGNATURE: HeaderName = headers::X_HUB_SIGNATURE;

/// The scheme: one MAC of the body (see the module docs).
pub(crate) static INTERCOM: BodyMac = BodyMac {
    name: "intercom",
    algorithm: Algorithm::HmacSha1,
    signature: SIGNATURE,
    prefix: "sha1=",
    encoding: Encoding::Hex,
    tag_len: 20,
    id: None,
};
