//! Shopify.
//!
//! ```text
//! X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(client secret, body)>
//! X-Shopify-Webhook-Id: b54557e4-bdd9-4b37-8a5f-bf7d70bcd043   (delivery id, not covered by the MAC)
//! X-Shopify-Triggered-At: 2025-01-01T00:00:00.000Z              (not covered by the MAC: not read)
//! ```
//!
//! - **Signed bytes**: the raw body, nothing else. One signature, standard
//!   base64 with padding (unpadded is accepted).
//! - **Key**: the app's client secret (API secret key) as displayed; its
//!   text bytes are the HMAC key.
//! - **Timestamp**: none is signed. `X-Shopify-Triggered-At` can be
//!   rewritten by anyone replaying a captured delivery, so it is not used
//!   for a replay window: pair this scheme with the idempotency layer.
//! - **Id**: `X-Shopify-Webhook-Id`, optional here and unsigned, so
//!   [`Verified::event_id_signed`](crate::Verified::event_id_signed) is
//!   `false`.
//! - **Not read**: the unprefixed `shopify-hmac-sha256` / `shopify-*` set
//!   that Shopify's newer "events" deliveries use (`@shopify/shopify-api`
//!   `ShopifyEventsHeader`); only the `X-Shopify-*` webhook set is.
//!
//! Sources: shopify.dev, "Deliver webhooks through HTTPS" → "Verify the
//! webhook"; Shopify/shopify-api-js `packages/shopify-api/lib/webhooks/validate.ts`
//! and `lib/utils/hmac-validator.ts` (`validateHmacString` with
//! `HashFormat.Base64` over the raw body), header names in `lib/types.ts`
//! (`ShopifyHeader.Hmac`, `ShopifyHeader.WebhookId`).

use http::HeaderName;

use super::Algorithm;
use super::body_mac::{BodyMac, Encoding};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-shopify-hmac-sha256");
pub(crate) const WEBHOOK_ID: HeaderName = HeaderName::from_static("x-shopify-webhook-id");

/// The scheme: one MAC of the body (see the module docs).
pub(crate) static SHOPIFY: BodyMac = BodyMac {
    name: "shopify",
    algorithm: Algorithm::HmacSha256,
    signature: SIGNATURE,
    prefix: "",
    encoding: Encoding::Base64,
    tag_len: 32,
    id: Some(WEBHOOK_ID),
};
