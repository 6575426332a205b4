//! Group A providers' vectors (see each constant for its source).

use http::HeaderValue;
use webhook_verify::Scheme;

use super::Vector;

/// One vector per scheme of this group, checked by `every_builtin_scheme_has_a_vector`.
pub(super) const COVERING: &[Vector] = &[SHOPIFY_SDK, RAZORPAY_SDK_TEST];

/// Shopify publishes no fixed vector and its SDK tests compute theirs at run
/// time. Computed and validated with Shopify's official SDK,
/// `@shopify/shopify-api` 13.1.0 (npm), Node 20:
///
/// ```text
/// createSHA256HMAC('hush', body)            // runtime/crypto/utils, HashFormat.Base64
/// K+G30TvLvgp6QScTWmJdgO8Y6tmVfmPIQV7aUPa+T7A=
/// shopify.webhooks.validate({rawBody: body, rawRequest: {headers, …}})
/// {"valid":true,"webhookType":"webhooks",…,"webhookId":"b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"}
/// ```
const SHOPIFY_SDK: Vector = Vector {
    scheme: Scheme::Shopify,
    secret: "hush",
    timestamp: 1_700_000_000,
    event_id: Some("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
    body: br#"{"id":820982911946154508,"email":"jon@doe.ca","closed_at":null}"#,
    headers: &[
        (
            "x-shopify-hmac-sha256",
            "K+G30TvLvgp6QScTWmJdgO8Y6tmVfmPIQV7aUPa+T7A=",
        ),
        ("x-shopify-topic", "orders/create"),
        ("x-shopify-shop-domain", "shop1.myshopify.com"),
        ("x-shopify-api-version", "2025-01"),
        (
            "x-shopify-webhook-id",
            "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        ),
    ],
    ..Vector::DEFAULTS
};

#[test]
fn shopify_sdk_vector() {
    let verified = SHOPIFY_SDK.check();
    assert_eq!(
        verified.event_id.as_deref(),
        Some("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    );
    assert!(
        !verified.event_id_signed,
        "X-Shopify-Webhook-Id is not signed"
    );
    assert_eq!(verified.timestamp, None, "Shopify signs no timestamp");
    // The unsigned id can be changed without breaking the signature.
    let mut headers = SHOPIFY_SDK.header_map();
    headers.insert("x-shopify-webhook-id", HeaderValue::from_static("forged"));
    let forged = SHOPIFY_SDK
        .verify_body(&headers, SHOPIFY_SDK.body)
        .expect("the id is not signed");
    assert_eq!(forged.event_id.as_deref(), Some("forged"));
}

/// Razorpay's SDK test: razorpay/razorpay-python
/// `tests/test_client_utility.py::test_verify_webhook_signature` (commit
/// b56ac018), the secret `key_secret` (the test client's `auth[1]`), the
/// body `tests/mocks/fake_payment_authorized_webhook.json` byte for byte
/// (971 bytes, ending in a newline) and its expected signature.
const RAZORPAY_SDK_TEST: Vector = Vector {
    scheme: Scheme::Razorpay,
    secret: "key_secret",
    timestamp: 1_700_000_000,
    event_id: None,
    body: RAZORPAY_BODY,
    headers: &[(
        "x-razorpay-signature",
        "d60e67fd884556c045e9be7dad57903e33efc7172c17c6e3ef77db42d2b366e9",
    )],
    ..Vector::DEFAULTS
};

const RAZORPAY_BODY: &[u8] = br#"{
  "event": "payment.authorized",
  "entity": "event",
  "contains": [
    "payment"
  ],
  "payload": {
    "payment": {
      "entity": {
        "id": "pay_6koWN7bvxujzxM",
        "entity": "payment",
        "amount": 1000000,
        "currency": "INR",
        "status": "captured",
        "order_id": "order_100000000order",
        "international": false,
        "method": "card",
        "amount_refunded": 0,
        "refund_status": null,
        "captured": true,
        "description": "random description",
        "card_id": "card_6koWNAT6LASUqy",
        "bank": null,
        "wallet": null,
        "vpa": null,
        "email": "a@b.com",
        "contact": "+919999999999",
        "notes": {
          "merchant_order_id": "random order id"
        },
        "fee": 23000,
        "service_tax": 3000,
        "error_code": null,
        "error_description": null,
        "created_at": 1479978483
      }
    }
  },
  "created_at": 1400826760
}
"#;

#[test]
fn razorpay_sdk_test_vector() {
    assert_eq!(RAZORPAY_BODY.len(), 971);
    let verified = RAZORPAY_SDK_TEST.check();
    assert_eq!(verified.event_id, None);
    assert_eq!(verified.timestamp, None, "Razorpay signs no timestamp");
    // With the (unsigned) event id header, the id is reported, not trusted.
    let mut headers = RAZORPAY_SDK_TEST.header_map();
    headers.insert(
        "x-razorpay-event-id",
        HeaderValue::from_static("Ho5VAwnnYk0fsM"),
    );
    let verified = RAZORPAY_SDK_TEST
        .verify_body(&headers, RAZORPAY_BODY)
        .expect("the id is not signed");
    assert_eq!(verified.event_id.as_deref(), Some("Ho5VAwnnYk0fsM"));
    assert!(!verified.event_id_signed);
}
