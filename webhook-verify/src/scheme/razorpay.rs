//! Razorpay.
//!
//! ```text
//! X-Razorpay-Signature: <hex HMAC-SHA256(webhook secret, body)>
//! X-Razorpay-Event-Id: Ho5VAwnnYk0fsM   (event id, not covered by the MAC)
//! ```
//!
//! - **Signed bytes**: the raw body, nothing else; one lowercase hex MAC.
//! - **Key**: the webhook secret entered when the webhook was set up in the
//!   Dashboard, as text (not the API key secret).
//! - **Timestamp**: none is signed (the body's `created_at` is not checked):
//!   pair this scheme with the idempotency layer.
//! - **Id**: `X-Razorpay-Event-Id`, which Razorpay documents for spotting
//!   duplicate deliveries; optional here and unsigned, so
//!   [`Verified::event_id_signed`](crate::Verified::event_id_signed) is
//!   `false`.
//!
//! Sources: razorpay.com/docs/webhooks/validate-test ("Validate webhooks",
//! "Idempotency"); razorpay/razorpay-python `razorpay/utility/utility.py`
//! (`verify_webhook_signature`: `hmac.new(secret, body, sha256).hexdigest()`),
//! its test `tests/test_client_utility.py::test_verify_webhook_signature`.

use http::HeaderName;

use super::Algorithm;
use super::body_mac::{BodyMac, Encoding};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-razorpay-signature");
pub(crate) const EVENT_ID: HeaderName = HeaderName::from_static("x-razorpay-event-id");

/// The scheme: one MAC of the body (see the module docs).
pub(crate) static RAZORPAY: BodyMac = BodyMac {
    name: "razorpay",
    algorithm: Algorithm::HmacSha256,
    signature: SIGNATURE,
    prefix: "",
    encoding: Encoding::Hex,
    tag_len: 32,
    id: Some(EVENT_ID),
};
