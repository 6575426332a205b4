//! Group B providers' vectors (see each constant for its source).

use webhook_verify::Scheme;

use super::Vector;

/// One vector per scheme of this group, checked by `every_builtin_scheme_has_a_vector`.
pub(super) const COVERING: &[Vector] = &[SQUARE_SDK];

/// Square's SDK test vector: square/square-python-sdk
/// `tests/integration/test_webhooks_helper.py` (`test_signature_validation_pass`:
/// `REQUEST_BODY`, `SIGNATURE_HEADER`, `SIGNATURE_KEY`, `NOTIFICATION_URL`).
/// Square signs no timestamp; the clock is irrelevant.
const SQUARE_SDK: Vector = Vector {
    scheme: Scheme::Square,
    secret: "Ibxx_5AKakO-3qeNVR61Dw",
    timestamp: 1_657_744_259,
    url: Some("https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9"),
    body: br#"{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}"#,
    headers: &[(
        "x-square-hmacsha256-signature",
        "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=",
    )],
    ..Vector::DEFAULTS
};

/// The SDK's second case, `test_signature_validation_escaped_pass` in the
/// same file: a body with `>` and `<`, which the signed bytes carry as they are.
const SQUARE_SDK_ESCAPED: Vector = Vector {
    scheme: Scheme::Square,
    secret: "signature-key",
    timestamp: 1_657_744_259,
    url: Some("https://webhook.site/webhooks"),
    body: br#"{"data":{"type":"webhooks","id":">id<"}}"#,
    headers: &[(
        "x-square-hmacsha256-signature",
        "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U=",
    )],
    ..Vector::DEFAULTS
};

#[test]
fn square_sdk_vectors() {
    for vector in [SQUARE_SDK, SQUARE_SDK_ESCAPED] {
        let verified = vector.check();
        assert_eq!(verified.timestamp, None, "Square signs no timestamp");
        assert_eq!(verified.event_id, None, "Square's event id is in the body");
        assert!(!verified.event_id_signed);
    }
}

#[test]
fn square_signs_the_url() {
    // The same request at another URL (the SDK's `test_signature_validation_url_mismatch`).
    let moved = Vector {
        url: Some("https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9"),
        ..SQUARE_SDK
    };
    let err = moved
        .verify_body(&moved.header_map(), moved.body)
        .expect_err("another URL");
    assert_eq!(err.kind(), webhook_verify::ErrorKind::SignatureMismatch);
}
