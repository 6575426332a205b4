//! Group B providers' vectors (see each constant for its source).

use webhook_verify::{ErrorKind, Scheme};

use super::Vector;

/// One vector per scheme of this group, checked by `every_builtin_scheme_has_a_vector`.
pub(super) const COVERING: &[Vector] = &[SQUARE_SDK, TWILIO_FORM, HUBSPOT_SDK];

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
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
}

/// Twilio's SDK test vector for a form post: twilio/twilio-python
/// `tests/unit/test_request_validator.py` (`setUp` → `self.uri`,
/// `self.params`, `self.expected`; `test_compute_signature`,
/// `test_validation`), auth token `12345`. The params dict is sent as the
/// form body it stands for (`+` percent-encoded, in the dict's order; the
/// MAC sorts them). Twilio signs no timestamp.
const TWILIO_FORM: Vector = Vector {
    scheme: Scheme::Twilio,
    secret: "12345",
    timestamp: 1_700_000_000,
    url: Some("https://mycompany.com/myapp.php?foo=1&bar=2"),
    body: b"CallSid=CA1234567890ABCDE&Digits=1234&From=%2B14158675309&To=%2B18005551212&Caller=%2B14158675309",
    headers: &[("x-twilio-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")],
    ..Vector::DEFAULTS
};

/// The same file's duplicate-parameter case
/// (`test_compute_signature_duplicate_query_dict`: the body
/// `Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234`): a name's values
/// are sorted, and `Sid` sorts before `SidAccount`.
const TWILIO_DUPLICATE_PARAMS: Vector = Vector {
    body: b"Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234",
    headers: &[("x-twilio-signature", "IK+Dwps556ElfBT0I3Rgjkr1wJU=")],
    ..TWILIO_FORM
};

/// The same file's JSON case (`test_validation_of_body_succeeds`): the body
/// `self.body`, the URL `self.uriWithBody` (with `bodySHA256=<hex SHA-256
/// of the body>`, `self.bodyHash`), the MAC over the URL alone. A changed
/// body byte fails the body hash, a signature mismatch.
const TWILIO_JSON: Vector = Vector {
    url: Some(
        "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
    ),
    body: br#"{"property": "value", "boolean": true}"#,
    headers: &[("x-twilio-signature", "a9nBmqA0ju/hNViExpshrM61xv4=")],
    ..TWILIO_FORM
};

/// The same file's `test_validation_adds_port_on_https`: the MAC Twilio
/// computes over the URL with an explicit `:443` ("hash of uri with port
/// 443"). This scheme signs the URL as configured, so it verifies with a
/// public URL that has the port, and not without (see the module docs).
const TWILIO_PORT_443: Vector = Vector {
    url: Some("https://mycompany.com:443/myapp.php?foo=1&bar=2"),
    headers: &[("x-twilio-signature", "kvajT1Ptam85bY51eRf/AJRuM3w=")],
    ..TWILIO_FORM
};

#[test]
fn twilio_sdk_vectors() {
    for vector in [
        TWILIO_FORM,
        TWILIO_DUPLICATE_PARAMS,
        TWILIO_JSON,
        TWILIO_PORT_443,
    ] {
        let verified = vector.check();
        assert_eq!(verified.timestamp, None, "Twilio signs no timestamp");
        assert_eq!(
            verified.event_id, None,
            "no I-Twilio-Idempotency-Token sent"
        );
        assert!(!verified.event_id_signed);
    }
}

#[test]
fn twilio_tries_no_port_variants() {
    // The SDK accepts the :443 MAC for the port-less URL; this scheme does not.
    let without_port = Vector {
        url: TWILIO_FORM.url,
        ..TWILIO_PORT_443
    };
    let err = without_port
        .verify_body(&without_port.header_map(), without_port.body)
        .expect_err("the MAC of another URL");
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
}

#[test]
fn twilio_signs_the_parsed_form_and_checks_the_json_hash() {
    // Re-ordered and re-encoded, the same parameters verify (Twilio's design).
    let reordered = Vector {
        body: b"Caller=%2b14158675309&To=%2B18005551212&&From=%2B14158675309&Digits=1234&CallSid=CA1234567890ABCDE",
        ..TWILIO_FORM
    };
    reordered.assert_verifies();
    // A parameter that does not decode to UTF-8 is a malformed body.
    let err = TWILIO_FORM
        .verify_body(&TWILIO_FORM.header_map(), b"CallSid=%ff")
        .expect_err("not UTF-8");
    assert_eq!(err.kind(), ErrorKind::MalformedBody);
    // A changed value is a mismatch.
    let err = TWILIO_FORM
        .verify_body(
            &TWILIO_FORM.header_map(),
            b"CallSid=CA1234567890ABCDE&Digits=1235&From=%2B14158675309&To=%2B18005551212&Caller=%2B14158675309",
        )
        .expect_err("changed digits");
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    // JSON mode: the hash parameter is checked, and only one is allowed.
    let twice = Vector {
        url: Some(
            "https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620&bodySHA256=00",
        ),
        ..TWILIO_JSON
    };
    let err = twice
        .verify_body(&twice.header_map(), twice.body)
        .expect_err("two hashes");
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
}

/// HubSpot's SDK test vector for signature v3: HubSpot/hubspot-api-python
/// `tests/spec/utils/test_signature.py` (`TEST_DATA`, `test_get_signature__v3`):
/// client secret `yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy`, `POST`
/// `https://www.example.com/webhook_uri`, body
/// `{'example_field':'example_value'}`, timestamp `15000000` (ms, so
/// 15,000 s).
const HUBSPOT_SDK: Vector = Vector {
    scheme: Scheme::HubSpot,
    secret: "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
    timestamp: 15_000,
    url: Some("https://www.example.com/webhook_uri"),
    body: b"{'example_field':'example_value'}",
    headers: &[
        ("x-hubspot-request-timestamp", "15000000"),
        (
            "x-hubspot-signature-v3",
            "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=",
        ),
    ],
    ..Vector::DEFAULTS
};

#[test]
fn hubspot_sdk_vector() {
    let verified = HUBSPOT_SDK.check();
    assert_eq!(verified.timestamp, Some(15_000), "reported in seconds");
    assert_eq!(verified.event_id, None);
}

#[test]
fn hubspot_signs_the_method_the_uri_and_the_millisecond_text() {
    // Another method, another URL: mismatches.
    for vector in [
        Vector {
            method: "PUT",
            ..HUBSPOT_SDK
        },
        Vector {
            url: Some("https://www.example.com/webhook_uri2"),
            ..HUBSPOT_SDK
        },
        // 15000001 ms is still 15,000 s: the text, not the seconds, is signed.
        Vector {
            headers: &[
                ("x-hubspot-request-timestamp", "15000001"),
                (
                    "x-hubspot-signature-v3",
                    "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=",
                ),
            ],
            ..HUBSPOT_SDK
        },
    ] {
        let err = vector
            .verify_body(&vector.header_map(), vector.body)
            .expect_err("a changed signed part");
        assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    }
    // The listed escapes are decoded before signing: `%3A` is signed as `:`.
    let escaped = Vector {
        url: Some("https://www.example.com/webhook%5Furi"),
        ..HUBSPOT_SDK
    };
    let err = escaped
        .verify_body(&escaped.header_map(), escaped.body)
        .expect_err("%5F is not in HubSpot's table, so it stays encoded");
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
}
