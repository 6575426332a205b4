//! Sentry (integration platform webhooks).
//!
//! ```text
//! Sentry-Hook-Signature: <hex HMAC-SHA256(client secret, body)>
//! Request-ID: 7ad2c5b8-...              (delivery id, not covered by the MAC)
//! Sentry-Hook-Resource: issue           (the resource: not read)
//! Sentry-Hook-Timestamp: 1700000000     (not covered by the MAC: not read)
//! ```
//!
//! - **Signed bytes**: the raw body, nothing else; one lowercase hex MAC.
//!   Sentry's documented Python check is
//!   `hmac.new(client_secret, body, sha256).hexdigest()`. A Node example
//!   that MACs `JSON.stringify(request.body)` matches only while the
//!   re-serialised JSON equals the bytes Sentry sent: the raw bytes are
//!   verified here.
//! - **Key**: the integration's client secret, as text.
//! - **Timestamp**: `Sentry-Hook-Timestamp` is sent but not signed, so a
//!   replay can rewrite it: it is not used for a replay window. Pair this
//!   scheme with the idempotency layer.
//! - **Id**: `Request-ID`, optional here and unsigned, so
//!   [`Verified::event_id_signed`](crate::Verified::event_id_signed) is
//!   `false`.
//!
//! Sources: docs.sentry.io/integrations/integration-platform/webhooks/
//! ("Headers", "Sentry-Hook-Signature", "Verifying the signature"). Sentry
//! ships no verifying SDK, so the vector is computed with Python's `hmac`.

use http::HeaderName;

use super::Algorithm;
use super::body_mac::{BodyMac, Encoding};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("sentry-hook-signature");
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");

/// The scheme: one MAC of the body (see the module docs).
pub(crate) static SENTRY: BodyMac = BodyMac {
    name: "sentry",
    algorithm: Algorithm::HmacSha256,
    signature: SIGNATURE,
    prefix: "",
    encoding: Encoding::Hex,
    tag_len: 32,
    id: Some(REQUEST_ID),
};
