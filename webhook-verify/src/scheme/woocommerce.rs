//! WooCommerce.
//!
//! ```text
//! X-WC-Webhook-Signature: <base64 HMAC-SHA256(secret, body)>
//! X-WC-Webhook-Delivery-ID: 5a8b...   (delivery id, not covered by the MAC)
//! X-WC-Webhook-ID: 12                 (the webhook's id, same for every delivery: not read)
//! X-WC-Webhook-Topic: order.created   (not read)
//! ```
//!
//! - **Signed bytes**: the raw body, nothing else (`generate_signature` runs
//!   over the body after JSON encoding); one standard base64 MAC.
//! - **Key**: the webhook's secret (WooCommerce → Settings → Advanced →
//!   Webhooks → Secret), as text. WooCommerce keys the MAC with
//!   `wp_specialchars_decode($secret, ENT_QUOTES)`: a secret containing
//!   `&amp;`, `&lt;`, `&gt;`, `&quot;` or `&#039;` must be given here with
//!   those entities decoded. The generated secrets never contain them.
//! - **Timestamp**: none is signed: pair this scheme with the idempotency
//!   layer.
//! - **Id**: `X-WC-Webhook-Delivery-ID`, a hash of the webhook id and the
//!   time, optional here and unsigned, so
//!   [`Verified::event_id_signed`](crate::Verified::event_id_signed) is
//!   `false`.
//! - **The creation ping**: when a webhook is created or its URL changed,
//!   WooCommerce POSTs `webhook_id=<id>` (a form body) **without any
//!   signature header**, and refuses to save the webhook unless the answer is
//!   exactly `200`. It cannot be verified, so it is never passed to the
//!   handler. Decision: it is an unsigned handshake. With
//!   [`VerifyLayer::answer_handshakes(true)`](crate::VerifyLayer::answer_handshakes)
//!   the layer answers a `POST` with no `X-WC-Webhook-Signature` whose body is
//!   exactly `webhook_id=` and 1 to 20 digits with an empty `200`, before any
//!   verification; everything else, including such a body *with* a signature
//!   header, is verified as usual. Without handshakes enabled the ping is
//!   rejected with 400 and the webhook cannot be saved: enable them, or answer
//!   the ping in a route of your own before the layer
//!   ([`Verifier::unsigned_handshake`](crate::Verifier::unsigned_handshake)
//!   says whether a request is one). Answering it reveals nothing and runs no
//!   handler.
//!
//! Sources: woocommerce/woocommerce
//! `plugins/woocommerce/includes/class-wc-webhook.php` (`deliver`: the
//! `X-WC-Webhook-*` headers; `generate_signature`:
//! `base64_encode(hash_hmac('sha256', $payload, wp_specialchars_decode($secret, ENT_QUOTES), true))`;
//! `deliver_ping`: body `'webhook_id=' . $this->get_id()`, success only on
//! response code `200`); woocommerce.com/document/webhooks/. WooCommerce has
//! no verifying SDK, so the vector is computed with Python's `hmac`.

use bytes::Bytes;
use http::{HeaderMap, HeaderName};
use http::{Method, Response, StatusCode};

use super::Algorithm;
use super::body_mac::{BodyMac, Encoding};
use super::{
    ParsedSignature, Signature, SignatureScheme, SignedParts, SigningInput, WebhookRequest,
};
use crate::error::{ConfigError, Error};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-wc-webhook-signature");
pub(crate) const DELIVERY_ID: HeaderName = HeaderName::from_static("x-wc-webhook-delivery-id");

const WIRE: BodyMac = BodyMac {
    name: "woocommerce",
    algorithm: Algorithm::HmacSha256,
    signature: SIGNATURE,
    prefix: "",
    encoding: Encoding::Base64,
    tag_len: 32,
    id: Some(DELIVERY_ID),
};

#[derive(Debug)]
pub(crate) struct WooCommerce;

impl SignatureScheme for WooCommerce {
    fn name(&self) -> &'static str {
        "woocommerce"
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn id_header(&self) -> Option<HeaderName> {
        Some(DELIVERY_ID)
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

    /// WooCommerce's creation ping (see the module docs): `200` with an
    /// empty body, answered before verification because it is unsigned.
    fn unsigned_handshake(&self, request: &WebhookRequest<'_>) -> Option<Response<Bytes>> {
        is_ping(request).then(|| {
            let mut response = Response::new(Bytes::new());
            *response.status_mut() = StatusCode::OK;
            response
        })
    }
}

/// Whether `request` is WooCommerce's unsigned creation ping: a `POST`
/// without a signature header whose body is `webhook_id=` and 1 to 20
/// digits.
fn is_ping(request: &WebhookRequest<'_>) -> bool {
    let Some(digits) = request.body().strip_prefix(b"webhook_id=") else {
        return false;
    };
    request.method() == Method::POST
        && !request.headers().contains_key(SIGNATURE)
        && (1..=20).contains(&digits.len())
        && digits.iter().all(u8::is_ascii_digit)
}
