//! The five original schemes: Standard Webhooks, GitHub, Slack, Stripe and
//! this toolkit's default.

use http::{HeaderMap, HeaderName, HeaderValue};
use webhook_verify::{ErrorKind, Scheme, Verifier};

use super::Vector;

/// The Standard Webhooks cross-language test vector, as used by every
/// reference library: standard-webhooks/standard-webhooks
/// `libraries/python/tests/test_webhooks.py` (`test_sign_function`), also in
/// the svix/svix-webhooks libraries' tests (`testSignFunctionWorks`).
const STANDARD_SPEC: Vector = Vector {
    scheme: Scheme::Standard,
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    timestamp: 1_614_265_330,
    event_id: Some("msg_p5jXN8AQM9LWM0D4loKWxJek"),
    body: br#"{"test": 2432232314}"#,
    headers: &[
        ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("webhook-timestamp", "1614265330"),
        (
            "webhook-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
    ],
    ..Vector::DEFAULTS
};

/// A second Standard Webhooks vector, from the reference Rust library:
/// standard-webhooks/standard-webhooks `libraries/rust/src/lib.rs`
/// (`tests::test_sign`).
const STANDARD_RUST_LIB: Vector = Vector {
    scheme: Scheme::Standard,
    secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    timestamp: 1_649_367_553,
    event_id: Some("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"),
    body: br#"{"email":"test@example.com","username":"test_user"}"#,
    headers: &[
        ("webhook-id", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"),
        ("webhook-timestamp", "1649367553"),
        (
            "webhook-signature",
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
        ),
    ],
    ..Vector::DEFAULTS
};

/// GitHub's documented example: docs.github.com, "Validating webhook
/// deliveries" → "Testing the webhook payload validation" (github/docs
/// `content/webhooks/using-webhooks/validating-webhook-deliveries.md`).
/// GitHub signs no timestamp; the clock is irrelevant.
const GITHUB_DOCS: Vector = Vector {
    scheme: Scheme::GitHub,
    secret: "It's a Secret to Everybody",
    timestamp: 1_700_000_000,
    event_id: None,
    body: b"Hello, World!",
    headers: &[(
        "x-hub-signature-256",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    )],
    ..Vector::DEFAULTS
};

/// Slack's worked example from "Verifying requests from Slack"
/// (api.slack.com/authentication/verifying-requests-from-slack); the exact
/// slash-command body is the one Slack's own SDK tests use:
/// slackapi/python-slack-sdk `tests/signature/test_signature_verifier.py`.
const SLACK_DOCS: Vector = Vector {
    scheme: Scheme::Slack,
    secret: "8f742231b10e8888abcd99yyyzzz85a5",
    timestamp: 1_531_420_618,
    event_id: None,
    body: b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
    headers: &[
        ("x-slack-request-timestamp", "1531420618"),
        (
            "x-slack-signature",
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        ),
    ],    ..Vector::DEFAULTS
};

/// Stripe publishes no fixed vector. Computed from the documented algorithm
/// (HMAC-SHA256 over `"{t}.{body}"`, key = the `whsec_…` secret's bytes as
/// displayed) with OpenSSL, independently of this crate:
///
/// ```text
/// printf '1492774577.{\n  "id": "evt_test_webhook",\n  "object": "event"\n}' \
///   | openssl dgst -sha256 -hmac 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
/// SHA2-256(stdin)= e8444531d0a5c50cbb0bd24fe49e5406bf0ff0084be7bb457283ee87cabbc341
/// ```
///
/// The secret is deliberately one whose suffix is valid base64, so that a
/// verifier that (wrongly) base64-decoded it would compute a different key;
/// see `stripe_secret_is_used_as_raw_bytes`.
const STRIPE_COMPUTED: Vector = Vector {
    scheme: Scheme::Stripe,
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    timestamp: 1_492_774_577,
    event_id: None,
    body: b"{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}",
    headers: &[(
        "stripe-signature",
        "t=1492774577,v1=e8444531d0a5c50cbb0bd24fe49e5406bf0ff0084be7bb457283ee87cabbc341",
    )],
    ..Vector::DEFAULTS
};

/// The default scheme: HMAC-SHA256 over `"{ts}.{body}"`, hex. Computed with
/// OpenSSL:
///
/// ```text
/// printf '%s' '1700000000.{"id":"evt_1","type":"invoice.paid"}' \
///   | openssl dgst -sha256 -hmac 's3cret'
/// SHA2-256(stdin)= c6646558874b4cae602937f1f7f25fd5ac1bc9202ae2b41e89fb23bb7cb45499
/// ```
const WEBHOOK_COMPUTED: Vector = Vector {
    scheme: Scheme::Webhook,
    secret: "s3cret",
    timestamp: 1_700_000_000,
    event_id: Some("evt_1"),
    body: br#"{"id":"evt_1","type":"invoice.paid"}"#,
    headers: &[
        ("x-webhook-id", "evt_1"),
        ("x-webhook-timestamp", "1700000000"),
        (
            "x-webhook-signature",
            "v1=c6646558874b4cae602937f1f7f25fd5ac1bc9202ae2b41e89fb23bb7cb45499",
        ),
    ],
    ..Vector::DEFAULTS
};

/// The default scheme over a binary, non-UTF-8 body (every byte value once).
/// Computed with Python:
///
/// ```text
/// python3 -c 'import hmac,hashlib; print(hmac.new(b"s3cret", b"1700000000." + bytes(range(256)), hashlib.sha256).hexdigest())'
/// 5e73d37266b076972971d784e83325957c3e97441523d89d81d5114225bfcdfa
/// ```
const WEBHOOK_BINARY: Vector = Vector {
    scheme: Scheme::Webhook,
    secret: "s3cret",
    timestamp: 1_700_000_000,
    event_id: None,
    body: &ALL_BYTES,
    headers: &[
        ("x-webhook-timestamp", "1700000000"),
        (
            "x-webhook-signature",
            "v1=5e73d37266b076972971d784e83325957c3e97441523d89d81d5114225bfcdfa",
        ),
    ],
    ..Vector::DEFAULTS
};

const ALL_BYTES: [u8; 256] = {
    let mut bytes = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        bytes[i] = i as u8;
        i += 1;
    }
    bytes
};

#[test]
fn standard_webhooks_cross_language_vector() {
    let verified = STANDARD_SPEC.check();
    assert_eq!(
        verified.event_id.as_deref(),
        Some("msg_p5jXN8AQM9LWM0D4loKWxJek")
    );
}

#[test]
fn standard_webhooks_reference_rust_library_vector() {
    let verified = STANDARD_RUST_LIB.check();
    assert_eq!(
        verified.event_id.as_deref(),
        Some("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk")
    );
}

#[test]
fn standard_webhooks_vector_with_the_id_changed_is_rejected() {
    // The id is part of the signed content.
    let mut headers = STANDARD_SPEC.header_map();
    headers.insert("webhook-id", HeaderValue::from_static("msg_other"));
    let err = STANDARD_SPEC
        .verifier()
        .verify(&headers, STANDARD_SPEC.body)
        .expect_err("changed id must be rejected");
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
}

#[test]
fn standard_webhooks_vector_with_svix_header_names() {
    let mut headers = HeaderMap::new();
    for (name, value) in STANDARD_SPEC.headers {
        let svix = name.replace("webhook-", "svix-");
        headers.insert(
            HeaderName::try_from(svix).expect("valid header name"),
            HeaderValue::from_static(value),
        );
    }
    let verified = STANDARD_SPEC
        .verifier()
        .verify(&headers, STANDARD_SPEC.body)
        .expect("svix-* names are accepted");
    assert_eq!(
        verified.event_id.as_deref(),
        Some("msg_p5jXN8AQM9LWM0D4loKWxJek")
    );
}

#[test]
fn github_documented_example() {
    let verified = GITHUB_DOCS.check();
    assert_eq!(verified.timestamp, None);
    assert_eq!(verified.event_id, None);
}

#[test]
fn github_documented_example_reports_the_delivery_id() {
    let mut headers = GITHUB_DOCS.header_map();
    headers.insert(
        "x-github-delivery",
        HeaderValue::from_static("72d3162e-cc78-11e3-81ab-4c9367dc0958"),
    );
    let verified = GITHUB_DOCS
        .verifier()
        .verify(&headers, GITHUB_DOCS.body)
        .expect("delivery id is not signed and does not affect the MAC");
    assert_eq!(
        verified.event_id.as_deref(),
        Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    );
}

#[test]
fn github_documented_example_is_accepted_at_any_time() {
    // No signed timestamp: the tolerance can't apply.
    for now in [0, 1_000_000_000, i64::MAX] {
        let verifier = Verifier::builder(Scheme::GitHub)
            .secret(GITHUB_DOCS.secret)
            .clock(move || now)
            .build()
            .expect("valid secret");
        verifier
            .verify(&GITHUB_DOCS.header_map(), GITHUB_DOCS.body)
            .unwrap_or_else(|err| panic!("rejected at {now}: {err}"));
    }
}

#[test]
fn slack_documented_example() {
    let verified = SLACK_DOCS.check();
    assert_eq!(verified.event_id, None);
}

#[test]
fn stripe_computed_vector() {
    let verified = STRIPE_COMPUTED.check();
    assert_eq!(verified.event_id, None);
}

#[test]
fn stripe_secret_is_used_as_raw_bytes() {
    // The same request signed with the base64-decoded suffix of the secret as
    // key (what Standard Webhooks would do with a `whsec_` secret). Python:
    //
    //   python3 -c 'import hmac,hashlib,base64; print(hmac.new(base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), b"1492774577." + b"{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}", hashlib.sha256).hexdigest())'
    //   97adf61f2843aab88994046e26c34d35dc59ad0afd670a50c00e170a32fea7ea
    //
    // A Stripe verifier must reject it: Stripe's key is the secret's text.
    let mut headers = HeaderMap::new();
    headers.insert(
        "stripe-signature",
        HeaderValue::from_static(
            "t=1492774577,v1=97adf61f2843aab88994046e26c34d35dc59ad0afd670a50c00e170a32fea7ea",
        ),
    );
    let err = STRIPE_COMPUTED
        .verifier()
        .verify(&headers, STRIPE_COMPUTED.body)
        .expect_err("a MAC keyed with the decoded secret must not verify");
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);

    // And the raw-bytes one verifies (the vector itself).
    STRIPE_COMPUTED.assert_verifies();
}

#[test]
fn webhook_computed_vector() {
    let verified = WEBHOOK_COMPUTED.check();
    assert_eq!(verified.event_id.as_deref(), Some("evt_1"));
}

#[test]
fn webhook_binary_body_vector() {
    assert!(std::str::from_utf8(WEBHOOK_BINARY.body).is_err());
    let verified = WEBHOOK_BINARY.check();
    assert_eq!(verified.event_id, None);
}

#[test]
fn webhook_empty_body_vector() {
    // python3 -c 'import hmac,hashlib; print(hmac.new(b"s3cret", b"1700000000.", hashlib.sha256).hexdigest())'
    // 21948100f1d7a89f3338f6b1106fc4f7a702fbe1493b833a3382f80193bde3fe
    let vector = Vector {
        scheme: Scheme::Webhook,
        secret: "s3cret",
        timestamp: 1_700_000_000,
        event_id: None,
        body: b"",
        headers: &[
            ("x-webhook-timestamp", "1700000000"),
            (
                "x-webhook-signature",
                "v1=21948100f1d7a89f3338f6b1106fc4f7a702fbe1493b833a3382f80193bde3fe",
            ),
        ],
        ..Vector::DEFAULTS
    };
    vector.assert_verifies();
    vector.assert_signer_reproduces();
    let err = vector
        .verifier()
        .verify(&vector.header_map(), b" ")
        .expect_err("one added byte must be rejected");
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
}

/// The vectors that cover a scheme each, for the coverage test.
pub(super) const COVERING: &[Vector] = &[
    STANDARD_SPEC,
    GITHUB_DOCS,
    SLACK_DOCS,
    STRIPE_COMPUTED,
    WEBHOOK_COMPUTED,
];
