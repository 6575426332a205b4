//! Group C providers' vectors (see each constant for its source).

use http::{HeaderMap, HeaderValue, StatusCode};
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{ErrorKind, Scheme, Signer, Verifier};

use super::Vector;

/// One vector per scheme of this group, checked by `every_builtin_scheme_has_a_vector`.
pub(super) const COVERING: &[Vector] = &[DISCORD_PING];

/// Discord's libraries publish no fixed vector (their tests sign with a
/// fresh key pair each run), so this one is computed with PyNaCl, the
/// library Discord's own Python example and discord-interactions-python
/// use, and checked with the official `discord-interactions` package
/// (PyPI `pynacl==1.5.0`, `discord-interactions==0.4.0`):
///
/// ```text
/// from nacl.signing import SigningKey
/// import discord_interactions
/// sk = SigningKey(bytes.fromhex(SEED))          # RFC 8032 §7.1 TEST 1 key pair
/// sig = sk.sign(b"1700000000" + BODY).signature.hex()
/// discord_interactions.verify_key(BODY, sig, "1700000000", sk.verify_key.encode().hex())  # True
/// ```
///
/// The body is the PING of discord-interactions-js
/// `src/__tests__/utils/SharedTestUtils.ts` (`pingRequestBody`).
const DISCORD_PING: Vector = Vector {
    scheme: Scheme::Discord,
    secret: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    signing_key: Some("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
    timestamp: 1_700_000_000,
    body: br#"{"id":"787053080478613555","token":"ThisIsATokenFromDiscordThatIsVeryLong","type":1,"version":1}"#,
    headers: &[
        (
            "x-signature-ed25519",
            "f0bd878adcef1f6d475c9644421905bd02b5de38e0d3ecfc6f58a711962c69ccc8dd7c9db312f9bdf08b1e1b8182e27a844da728c5e0dbb5507bf9931c1ed80b",
        ),
        ("x-signature-timestamp", "1700000000"),
    ],
    ..Vector::DEFAULTS
};

#[test]
fn discord_ping_vector() {
    let verified = DISCORD_PING.check();
    // The interaction id is in the body; Discord sends no id header.
    assert_eq!(verified.event_id, None);
    assert!(!verified.event_id_signed);
}

#[test]
fn discord_keys_are_hex_and_the_64_byte_secret_key_form_signs_too() {
    // tweetnacl's / libsodium's secret key: seed ‖ public key.
    let pair = format!(
        "{}{}",
        DISCORD_PING.signing_key.expect("set"),
        DISCORD_PING.secret
    );
    let headers = Signer::new(Scheme::Discord, &pair)
        .expect("seed and matching public key")
        .sign(DISCORD_PING.body, DISCORD_PING.timestamp, None)
        .expect("signable");
    assert_eq!(headers, DISCORD_PING.header_map());
    // Upper-case hex is the same key.
    Verifier::builder(Scheme::Discord)
        .secret(DISCORD_PING.secret.to_ascii_uppercase())
        .clock(|| 1_700_000_000)
        .build()
        .expect("upper-case hex")
        .verify(&DISCORD_PING.header_map(), DISCORD_PING.body)
        .expect("verifies");
    // A mismatched public half, a short key, not hex: configuration errors.
    let mismatched = format!(
        "{}{}",
        DISCORD_PING.signing_key.expect("set"),
        "00".repeat(32)
    );
    for bad in [
        mismatched.as_str(),
        "abcd",
        "zz",
        DISCORD_PING.secret.trim_end_matches('a'),
    ] {
        assert!(Signer::new(Scheme::Discord, bad).is_err(), "{bad}");
    }
    for bad in [pair.as_str(), "abcd", "0x00", "not hex at all"] {
        assert!(Verifier::new(Scheme::Discord, bad).is_err(), "{bad}");
    }
}

#[test]
fn discord_signs_the_timestamp_text_as_received() {
    // "01700000000" is the same second but other bytes: the signature over
    // "1700000000" must not verify with it.
    let mut headers = DISCORD_PING.header_map();
    headers.insert(
        "x-signature-timestamp",
        HeaderValue::from_static("01700000000"),
    );
    let err = DISCORD_PING
        .verifier()
        .verify(&headers, DISCORD_PING.body)
        .expect_err("other timestamp text");
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
}

#[test]
fn discord_pings_are_answered_and_events_are_not() {
    let verifier = DISCORD_PING.verifier();
    let headers = DISCORD_PING.header_map();
    let request = WebhookRequest::new(&headers, DISCORD_PING.body);
    let verified = verifier.verify_request(&request).expect("valid ping");
    let reply = verifier
        .handshake(&request, &verified)
        .expect("a PING is a handshake");
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.headers()["content-type"], "application/json");
    assert_eq!(reply.body().as_ref(), br#"{"type":1}"#);

    let signer =
        Signer::new(Scheme::Discord, DISCORD_PING.signing_key.expect("set")).expect("valid seed");
    let reply_to = |body: &[u8]| {
        let headers = signer
            .sign(body, DISCORD_PING.timestamp, None)
            .expect("signable");
        let request = WebhookRequest::new(&headers, body);
        let verified = verifier.verify_request(&request).expect("signed");
        verifier.handshake(&request, &verified)
    };
    // Webhook Events: a PING gets 204, an event proper reaches the handler.
    let ping = reply_to(br#"{"version":1,"application_id":"1","type":0}"#).expect("PING");
    assert_eq!(ping.status(), StatusCode::NO_CONTENT);
    assert!(ping.body().is_empty());
    let events: [&[u8]; 4] = [
        br#"{"version":1,"application_id":"1","type":1,"event":{"type":"APPLICATION_AUTHORIZED"}}"#,
        br#"{"id":"2","type":2,"data":{"name":"test"}}"#,
        br#"{"type":"1"}"#,
        b"not json",
    ];
    for body in events {
        assert!(
            reply_to(body).is_none(),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn discord_malformed_signatures_are_mismatches_or_bad_requests() {
    let verifier = DISCORD_PING.verifier();
    let good = DISCORD_PING.headers[0].1;
    let cases: [(String, ErrorKind); 6] = [
        (good[..126].to_owned(), ErrorKind::SignatureMismatch),
        (format!("{good}00"), ErrorKind::SignatureMismatch),
        (format!("g{}", &good[1..]), ErrorKind::SignatureMismatch),
        ("00".repeat(64), ErrorKind::SignatureMismatch),
        (format!("sha256={good}"), ErrorKind::SignatureMismatch),
        (String::new(), ErrorKind::MalformedHeader),
    ];
    for (value, kind) in cases {
        let mut headers: HeaderMap = DISCORD_PING.header_map();
        headers.insert(
            "x-signature-ed25519",
            HeaderValue::from_str(&value).expect("ASCII"),
        );
        let err = verifier
            .verify(&headers, DISCORD_PING.body)
            .expect_err(&value);
        assert_eq!(err.kind(), kind, "{value:?}");
    }
}
