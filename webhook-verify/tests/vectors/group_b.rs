//! Group B providers' vectors (see each constant for its source).

use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{ErrorKind, Scheme};

use super::Vector;

/// One vector per scheme of this group, checked by `every_builtin_scheme_has_a_vector`.
pub(super) const COVERING: &[Vector] = &[
    SQUARE_SDK,
    TWILIO_FORM,
    HUBSPOT_SDK,
    ZOOM_URL_VALIDATION,
    TWITCH_VERIFICATION,
    DROPBOX_NOTIFICATION,
    LINEAR_SDK,
];

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

/// Zoom publishes no fixed signed request. Computed with Node's `crypto`
/// on the documented algorithm and checked with Zoom's official SDK,
/// `@zoom/rivet` 0.4.0 from npm: its `AwsLambdaReceiver` (which runs
/// `CommonHttpRequest.processEvent`: verify `x-zm-signature`, then hash the
/// token) accepted these headers, rejected them with the last hex digit
/// changed, and answered
/// `{"encryptedToken":"7dc1ece6…ae62","plainToken":"qgg8vlvZRS6UYooatFL8Aw"}`:
///
/// ```text
/// const sig = 'v0=' + crypto.createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
/// await new AwsLambdaReceiver({ webhooksSecretToken: secret }).start()(
///     { body, headers: { 'x-zm-signature': sig, 'x-zm-request-timestamp': ts }, isBase64Encoded: false }, {});
/// ```
///
/// The body is the documented `endpoint.url_validation` shape (compact: the
/// SDK verifies `JSON.stringify` of the parsed body).
const ZOOM_URL_VALIDATION: Vector = Vector {
    scheme: Scheme::Zoom,
    secret: "Zw3H0dS2sBpHg9bQk1cR7A",
    timestamp: 1_654_503_849,
    body: br#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#,
    headers: &[
        ("x-zm-request-timestamp", "1654503849"),
        (
            "x-zm-signature",
            "v0=c25abcf5599150da125b414853ca60d453753139eea83522bcf3d4bbb1bcfc15",
        ),
    ],
    ..Vector::DEFAULTS
};

/// An ordinary event, computed and checked the same way (the SDK answered
/// "Zoom event processed successfully.").
const ZOOM_EVENT: Vector = Vector {
    timestamp: 1_700_000_000,
    body: br#"{"event":"meeting.started","payload":{"account_id":"AAAAAA","object":{"id":"123","uuid":"evt_123"}},"event_ts":1700000000123}"#,
    headers: &[
        ("x-zm-request-timestamp", "1700000000"),
        (
            "x-zm-signature",
            "v0=a12924fb0cb15bd6860b5af497b61bbdd3a46ead3f178cf28ed08d29dffdfc6d",
        ),
    ],
    ..ZOOM_URL_VALIDATION
};

#[test]
fn zoom_vectors_and_the_url_validation_reply() {
    for vector in [ZOOM_URL_VALIDATION, ZOOM_EVENT] {
        let verified = vector.check();
        assert_eq!(verified.event_id, None);
    }
    let vector = ZOOM_URL_VALIDATION;
    let headers = vector.header_map();
    let request = WebhookRequest::new(&headers, vector.body);
    let verifier = vector.verifier();
    let verified = verifier
        .verify_request(&request)
        .expect("the vector verifies");
    let reply = verifier
        .handshake(&request, &verified)
        .expect("a url_validation is answered");
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["content-type"], "application/json");
    // The SDK's answer, in Zoom's documented key order.
    assert_eq!(
        reply.body().as_ref(),
        br#"{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"7dc1ece6c7d8b53d13da3a0ac1c756e769ccf3354962f5c5aaf9d68c57bfae62"}"#
    );
    // An ordinary event is no handshake.
    let headers = ZOOM_EVENT.header_map();
    let request = WebhookRequest::new(&headers, ZOOM_EVENT.body);
    let verifier = ZOOM_EVENT.verifier();
    let verified = verifier.verify_request(&request).expect("verifies");
    assert!(verifier.handshake(&request, &verified).is_none());
}

const TWITCH_BODY: &[u8] = br#"{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"webhook_callback_verification_pending","type":"channel.follow","version":"1","cost":1,"condition":{"broadcaster_user_id":"12826"},"transport":{"method":"webhook","callback":"https://example.com/webhooks/callback"},"created_at":"2019-11-16T10:11:12.634234626Z"}}"#;

/// Twitch publishes no signed example and ships no server SDK. The body,
/// id and timestamp are the `webhook_callback_verification` example of
/// dev.twitch.tv/docs/eventsub/handling-webhook-events/; the MAC was
/// computed with Python's `hmac` on the documented algorithm (id ‖
/// timestamp text ‖ body), independently of this crate:
///
/// ```text
/// hmac.new(b"this-is-a-twitch-secret",
///          b"e76c6bd4-55c9-4987-8304-da1588d8988b" + b"2019-11-16T10:11:12.634234626Z" + body,
///          hashlib.sha256).hexdigest()
/// f1254074ecd960a4310ac1e7eb5d87e80fdc1debe0769663784a01fa557a8b9c
/// ```
///
/// The timestamp has nanoseconds, which our signer does not write, so the
/// signer is only required to produce headers that verify.
const TWITCH_VERIFICATION: Vector = Vector {
    scheme: Scheme::Twitch,
    secret: "this-is-a-twitch-secret",
    timestamp: 1_573_899_072,
    event_id: Some("e76c6bd4-55c9-4987-8304-da1588d8988b"),
    body: TWITCH_BODY,
    headers: &[
        (
            "twitch-eventsub-message-id",
            "e76c6bd4-55c9-4987-8304-da1588d8988b",
        ),
        (
            "twitch-eventsub-message-timestamp",
            "2019-11-16T10:11:12.634234626Z",
        ),
        (
            "twitch-eventsub-message-signature",
            "sha256=f1254074ecd960a4310ac1e7eb5d87e80fdc1debe0769663784a01fa557a8b9c",
        ),
        (
            "twitch-eventsub-message-type",
            "webhook_callback_verification",
        ),
    ],
    reproducible: false,
    ..Vector::DEFAULTS
};

/// The same message at a whole second, as our signer writes it; computed
/// the same way (`b"2019-11-16T10:11:12Z"` for the timestamp):
/// `2fcea3ea54ba65a9a2d5494d4df02eadb97a7309fa7bba9f768e39034eb8b6db`.
const TWITCH_WHOLE_SECOND: Vector = Vector {
    headers: &[
        (
            "twitch-eventsub-message-id",
            "e76c6bd4-55c9-4987-8304-da1588d8988b",
        ),
        ("twitch-eventsub-message-timestamp", "2019-11-16T10:11:12Z"),
        (
            "twitch-eventsub-message-signature",
            "sha256=2fcea3ea54ba65a9a2d5494d4df02eadb97a7309fa7bba9f768e39034eb8b6db",
        ),
        (
            "twitch-eventsub-message-type",
            "webhook_callback_verification",
        ),
    ],
    reproducible: true,
    ..TWITCH_VERIFICATION
};

#[test]
fn twitch_vectors_report_the_signed_message_id() {
    for vector in [TWITCH_VERIFICATION, TWITCH_WHOLE_SECOND] {
        let verified = vector.check();
        assert_eq!(
            verified.event_id.as_deref(),
            Some("e76c6bd4-55c9-4987-8304-da1588d8988b")
        );
        assert!(verified.event_id_signed, "the id is part of the MAC input");
        assert_eq!(verified.timestamp, Some(1_573_899_072));
    }
}

#[test]
fn twitch_signs_the_timestamp_text_and_the_id() {
    // The same instant written otherwise is another text, so a mismatch.
    for (name, value) in [
        (
            "twitch-eventsub-message-timestamp",
            "2019-11-16T10:11:12.634234626z",
        ),
        (
            "twitch-eventsub-message-timestamp",
            "2019-11-16T11:11:12.634234626+01:00",
        ),
        (
            "twitch-eventsub-message-id",
            "e76c6bd4-55c9-4987-8304-da1588d8988c",
        ),
    ] {
        let mut headers = TWITCH_VERIFICATION.header_map();
        headers.insert(name, http::HeaderValue::from_static(value));
        let err = TWITCH_VERIFICATION
            .verify_body(&headers, TWITCH_BODY)
            .expect_err(value);
        assert_eq!(err.kind(), ErrorKind::SignatureMismatch, "{value}");
    }
    // Text that is not RFC 3339 is malformed, and a default tolerance of 10 minutes.
    for bad in ["1573899072", "2019-11-16 10:11:12Z", "2019-02-29T10:11:12Z"] {
        let mut headers = TWITCH_VERIFICATION.header_map();
        headers.insert(
            "twitch-eventsub-message-timestamp",
            http::HeaderValue::from_static(bad),
        );
        let err = TWITCH_VERIFICATION
            .verify_body(&headers, TWITCH_BODY)
            .expect_err(bad);
        assert_eq!(err.kind(), ErrorKind::MalformedHeader, "{bad}");
    }
    assert_eq!(
        TWITCH_VERIFICATION.verifier().tolerance(),
        Some(std::time::Duration::from_secs(600))
    );
}

#[test]
fn twitch_challenge_is_answered_as_plain_text() {
    let vector = TWITCH_VERIFICATION;
    let headers = vector.header_map();
    let request = WebhookRequest::new(&headers, vector.body);
    let verifier = vector.verifier();
    let verified = verifier.verify_request(&request).expect("verifies");
    let reply = verifier.handshake(&request, &verified).expect("answered");
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["content-type"], "text/plain");
    assert_eq!(reply.body().as_ref(), b"pogchamp-kappa-360noscope-vohiyo");
    // The same message as a notification is no handshake.
    let mut headers = vector.header_map();
    headers.insert(
        "twitch-eventsub-message-type",
        http::HeaderValue::from_static("notification"),
    );
    let request = WebhookRequest::new(&headers, vector.body);
    assert!(verifier.handshake(&request, &verified).is_none());
}

/// Dropbox publishes no signed example and its SDKs do not verify webhooks.
/// The body is the notification of dropbox.com/developers/reference/webhooks
/// (one account); the MAC was computed with Python's `hmac` as the docs'
/// own Python example does (`hmac.new(APP_SECRET, request.data, sha256).hexdigest()`),
/// independently of this crate:
///
/// ```text
/// hmac.new(b"dropbox-app-secret", body, hashlib.sha256).hexdigest()
/// 934a71150dbcd4e1e320daa0ce811d8dfa3e5e97c9c9006034bc05752d5e16dc
/// ```
const DROPBOX_NOTIFICATION: Vector = Vector {
    scheme: Scheme::Dropbox,
    secret: "dropbox-app-secret",
    timestamp: 1_700_000_000,
    body: br#"{"list_folder": {"accounts": ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]}, "delta": {"users": [12345678, 23456789]}}"#,
    headers: &[(
        "x-dropbox-signature",
        "934a71150dbcd4e1e320daa0ce811d8dfa3e5e97c9c9006034bc05752d5e16dc",
    )],
    ..Vector::DEFAULTS
};

#[test]
fn dropbox_vector() {
    let verified = DROPBOX_NOTIFICATION.check();
    assert_eq!(verified.timestamp, None);
    assert_eq!(verified.event_id, None);
}

const LINEAR_BODY: &[u8] = br#"{"action":"create","type":"Issue","createdAt":"2023-02-10T19:22:20.508Z","data":{"id":"2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9","title":"Test issue","teamId":"72b2a2dc-6f4f-4423-9d34-24b5bd10634a"},"url":"https://linear.app/issue/LIN-1778/test-issue","organizationId":"8ee5ec8d-0d4f-4b1a-bc6f-5fd1e7a1a0ad","webhookTimestamp":1676056940508,"webhookId":"000042e3-d123-4980-b49f-8e140eef9329"}"#;

/// Linear publishes no signed example. Computed with Node's `crypto` on the
/// documented algorithm and checked with Linear's official SDK,
/// `@linear/sdk` 98.0.0 from npm, with `Date.now` pinned to 1676056941000:
///
/// ```text
/// const sig = crypto.createHmac('sha256', secret).update(body).digest('hex');
/// new LinearWebhookClient(secret).verify(body, sig)   // true
/// ```
///
/// The SDK rejected the signature with its last digit changed ("Invalid
/// webhook signature") and the request 60,001 ms after `webhookTimestamp`
/// ("Invalid webhook timestamp"). The body is an issue-created payload of
/// Linear's documented shape; the delivery id is illustrative (it is not
/// signed). Flipping the first body byte breaks the JSON, so the harness's
/// tamper case is a malformed body; `linear_signs_the_body` checks a changed
/// value.
const LINEAR_SDK: Vector = Vector {
    scheme: Scheme::Linear,
    secret: "lin_wh_3QkV6nS0pZsT8y2mW4cR7eLx",
    timestamp: 1_676_056_940,
    event_id: Some("234d1a4e-b617-4388-90fe-adc3633d6b72"),
    body: LINEAR_BODY,
    headers: &[
        ("linear-delivery", "234d1a4e-b617-4388-90fe-adc3633d6b72"),
        (
            "linear-signature",
            "478420031cb80b581f0fc4ca45e10349db976f73cc3ab2ad04cd179f816f4b42",
        ),
        ("linear-event", "Issue"),
    ],
    tampered: ErrorKind::MalformedBody,
    ..Vector::DEFAULTS
};

#[test]
fn linear_sdk_vector_reports_the_unsigned_delivery_id() {
    let verified = LINEAR_SDK.check();
    assert_eq!(
        verified.timestamp,
        Some(1_676_056_940),
        "webhookTimestamp in seconds"
    );
    assert_eq!(
        verified.event_id.as_deref(),
        Some("234d1a4e-b617-4388-90fe-adc3633d6b72")
    );
    assert!(
        !verified.event_id_signed,
        "Linear-Delivery is outside the MAC"
    );
}

#[test]
fn linear_signs_the_body_and_reads_its_timestamp() {
    let verify = |body: &[u8], now: i64| {
        let verifier = webhook_verify::Verifier::builder(Scheme::Linear)
            .secret(LINEAR_SDK.secret)
            .clock(move || now)
            .build()
            .expect("valid");
        verifier.verify(&LINEAR_SDK.header_map(), body)
    };
    // A changed value, and a changed timestamp within the tolerance.
    let changed = String::from_utf8(LINEAR_BODY.to_vec())
        .expect("UTF-8")
        .replace("Test issue", "Test issuE");
    assert_eq!(
        verify(changed.as_bytes(), 1_676_056_940)
            .unwrap_err()
            .kind(),
        ErrorKind::SignatureMismatch
    );
    let moved = String::from_utf8(LINEAR_BODY.to_vec())
        .expect("UTF-8")
        .replace("1676056940508", "1676056950508");
    assert_eq!(
        verify(moved.as_bytes(), 1_676_056_940).unwrap_err().kind(),
        ErrorKind::SignatureMismatch
    );
    // 60 s either way (the SDK's check), in whole seconds.
    assert!(verify(LINEAR_BODY, 1_676_056_940 + 60).is_ok());
    assert!(verify(LINEAR_BODY, 1_676_056_940 - 60).is_ok());
    assert_eq!(
        verify(LINEAR_BODY, 1_676_056_940 + 61).unwrap_err().kind(),
        ErrorKind::TimestampTooOld
    );
    assert_eq!(
        verify(LINEAR_BODY, 1_676_056_940 - 61).unwrap_err().kind(),
        ErrorKind::TimestampInFuture
    );
    // The timestamp must be there, and a non-negative integer.
    for bad in [
        &br#"{"action":"create"}"#[..],
        br#"{"webhookTimestamp":"1676056940508"}"#,
        br#"{"webhookTimestamp":1676056940508.0}"#,
        br#"{"webhookTimestamp":-1676056940508}"#,
        b"webhookTimestamp=1676056940508",
        b"",
    ] {
        assert_eq!(
            verify(bad, 1_676_056_940).unwrap_err().kind(),
            ErrorKind::MalformedBody,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}
