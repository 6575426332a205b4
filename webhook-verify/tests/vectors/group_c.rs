//! Group C providers' vectors (see each constant for its source).

use http::{HeaderMap, HeaderValue, StatusCode};
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{ErrorKind, Scheme, Signer, Verifier};

use super::Vector;

/// One vector per scheme of this group, checked by `every_builtin_scheme_has_a_vector`.
pub(super) const COVERING: &[Vector] =
    &[DISCORD_PING, STANDARD_V1A, SENDGRID_COMPUTED, MAILGUN_JSON];

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

/// The Standard Webhooks reference libraries implement only `v1`, and the
/// specification's `v1a` example comes without its key, so this vector is
/// computed with PyNaCl (PyPI `pynacl==1.5.0`) on the specification's
/// example message (standard-webhooks/standard-webhooks
/// `spec/standard-webhooks.md`, "Signature scheme" and "Webhook headers"):
///
/// ```text
/// sk = nacl.signing.SigningKey.generate()
/// "whsk_" + b64encode(sk.encode() + sk.verify_key.encode())   # Svix's 64-byte form
/// "whpk_" + b64encode(sk.verify_key.encode())
/// "v1a," + b64encode(sk.sign(b"msg_2KWPBgLlAfxdpx2AI54pPJ85f4W.1674087231." + BODY).signature)
/// ```
const STANDARD_V1A: Vector = Vector {
    scheme: Scheme::StandardV1a,
    secret: "whpk_GqBrcUPzTcmBYwSZGFtauxR8hz4hMMsp2VPRAgY79jA=",
    signing_key: Some(
        "whsk_VK7t0AjMexISskRebLeQ4BOSEHNV9GtdRLXqbjU7oSMaoGtxQ/NNyYFjBJkYW1q7FHyHPiEwyynZU9ECBjv2MA==",
    ),
    timestamp: 1_674_087_231,
    event_id: Some("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"),
    body: br#"{"type":"contact.created","timestamp":"2022-11-03T20:26:10.344522Z","data":{"id":"1f81eb52-5198-4599-803e-771906343485"}}"#,
    headers: &[
        ("webhook-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"),
        ("webhook-timestamp", "1674087231"),
        (
            "webhook-signature",
            "v1a,d8bcqQM20dHtUsHtRSk0XZ/xwBRE7swK/a3cB5cSwm1NyTET8ZYDJv1EgLkvH6e51B35wxyMZTdVFdcDNA/nDQ==",
        ),
    ],
    ..Vector::DEFAULTS
};

/// The same key's 32-byte seed form (`whsk_` + base64 of `sk.encode()`).
const STANDARD_V1A_SEED: &str = "whsk_VK7t0AjMexISskRebLeQ4BOSEHNV9GtdRLXqbjU7oSM=";

#[test]
fn standard_v1a_vector() {
    let verified = STANDARD_V1A.check();
    assert_eq!(
        verified.event_id.as_deref(),
        Some("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
    );
    assert!(verified.event_id_signed);
    // The id is signed: another id breaks the signature.
    let mut headers = STANDARD_V1A.header_map();
    headers.insert("webhook-id", HeaderValue::from_static("msg_other"));
    let err = STANDARD_V1A
        .verifier()
        .verify(&headers, STANDARD_V1A.body)
        .expect_err("changed id");
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
}

#[test]
fn standard_v1a_secret_key_forms_and_wrong_prefixes() {
    // The 32-byte seed signs exactly as the 64-byte seed ‖ public key.
    let headers = Signer::new(Scheme::StandardV1a, STANDARD_V1A_SEED)
        .expect("32-byte seed")
        .sign(
            STANDARD_V1A.body,
            STANDARD_V1A.timestamp,
            STANDARD_V1A.event_id,
        )
        .expect("signable");
    assert_eq!(headers, STANDARD_V1A.header_map());
    // Unprefixed and unpadded public keys are the same key.
    let bare = STANDARD_V1A.secret.trim_start_matches("whpk_");
    for key in [bare, bare.trim_end_matches('=')] {
        Verifier::builder(Scheme::StandardV1a)
            .secret(key)
            .clock(|| 1_674_087_231)
            .build()
            .expect("same key")
            .verify(&STANDARD_V1A.header_map(), STANDARD_V1A.body)
            .expect("verifies");
    }
    // A 64-byte secret key whose halves don't match; keys in the wrong place.
    let signing = STANDARD_V1A.signing_key.expect("set");
    let mismatched = format!("{}AAAA", &signing[..signing.len() - 6]);
    for bad in [
        mismatched.as_str(),
        STANDARD_V1A.secret,
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsk_AAAA",
        "whsk_not base64",
    ] {
        assert!(Signer::new(Scheme::StandardV1a, bad).is_err(), "{bad}");
    }
    for bad in [
        signing,
        STANDARD_V1A_SEED,
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whpk_AAAA",
    ] {
        assert!(Verifier::new(Scheme::StandardV1a, bad).is_err(), "{bad}");
    }
}

#[test]
fn standard_v1_and_v1a_entries_in_one_header_each_go_to_their_scheme() {
    // A sender with both kinds of keys sends both entries, as in the
    // specification's example header.
    let v1 = Signer::new(Scheme::Standard, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .expect("valid")
        .sign(
            STANDARD_V1A.body,
            STANDARD_V1A.timestamp,
            STANDARD_V1A.event_id,
        )
        .expect("signable");
    let v1_entry = v1["webhook-signature"].to_str().expect("ASCII");
    let v1a_entry = STANDARD_V1A.headers[2].1;
    for both in [
        format!("{v1_entry} {v1a_entry}"),
        format!("{v1a_entry} {v1_entry}"),
    ] {
        let mut headers = STANDARD_V1A.header_map();
        headers.insert(
            "webhook-signature",
            HeaderValue::from_str(&both).expect("ASCII"),
        );
        STANDARD_V1A
            .verifier()
            .verify(&headers, STANDARD_V1A.body)
            .expect("v1a verifies, v1 ignored");
        Verifier::builder(Scheme::Standard)
            .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .clock(|| 1_674_087_231)
            .build()
            .expect("valid")
            .verify(&headers, STANDARD_V1A.body)
            .expect("v1 verifies, v1a ignored");
    }
    // Each scheme ignores the other's entry: alone, it is no signature.
    let mut only_v1 = STANDARD_V1A.header_map();
    only_v1.insert("webhook-signature", v1["webhook-signature"].clone());
    let err = STANDARD_V1A
        .verifier()
        .verify(&only_v1, STANDARD_V1A.body)
        .expect_err("no v1a entry");
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    // A v1a signature under the v1 label (or the reverse) is not accepted.
    let relabelled = v1a_entry.replacen("v1a,", "v1,", 1);
    let mut headers = STANDARD_V1A.header_map();
    headers.insert(
        "webhook-signature",
        HeaderValue::from_str(&relabelled).expect("ASCII"),
    );
    let err = STANDARD_V1A
        .verifier()
        .verify(&headers, STANDARD_V1A.body)
        .expect_err("v1 label");
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
}

#[test]
fn standard_v1a_svix_header_names_are_accepted() {
    let mut headers = HeaderMap::new();
    for (name, value) in STANDARD_V1A.headers {
        headers.insert(
            http::HeaderName::try_from(name.replace("webhook-", "svix-")).expect("valid"),
            HeaderValue::from_static(value),
        );
    }
    let verified = STANDARD_V1A
        .verifier()
        .verify(&headers, STANDARD_V1A.body)
        .expect("svix-* names");
    assert!(verified.event_id_signed);
}

/// The body of SendGrid's single-event test: `JSON.stringify([...]) +
/// '\r\n'` in sendgrid/sendgrid-nodejs
/// `packages/eventwebhook/src/eventwebhook.spec.js` (`PAYLOAD`), and
/// `json.dumps(..., sort_keys=True, separators=(',', ':')) + '\r\n'` in
/// sendgrid/sendgrid-python `test/unit/test_eventwebhook.py`.
const SENDGRID_SINGLE_BODY: &[u8] = b"[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\",\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\",\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\",\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n";

/// SendGrid's own vector, from both official SDKs' tests:
/// sendgrid/sendgrid-nodejs `packages/eventwebhook/src/eventwebhook.spec.js`
/// ("should verify a valid single event signature") and sendgrid/sendgrid-python
/// `test/unit/test_eventwebhook.py` (`test_verify_valid_signature`).
/// SendGrid's private key is not published, so it only verifies (see
/// `SENDGRID_COMPUTED` for the signer).
const SENDGRID_SDK_SINGLE: Vector = Vector {
    scheme: Scheme::SendGrid,
    secret: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==",
    timestamp: 1_600_112_502,
    body: SENDGRID_SINGLE_BODY,
    headers: &[
        (
            "x-twilio-email-event-webhook-signature",
            "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=",
        ),
        ("x-twilio-email-event-webhook-timestamp", "1600112502"),
    ],
    reproducible: false,
    ..Vector::DEFAULTS
};

/// SendGrid's multi-event vector (a batch of two events, `\r\n` after each):
/// sendgrid/sendgrid-nodejs `packages/eventwebhook/src/eventwebhook.spec.js`
/// ("should verify a valid multi event signature": `PAYLOAD_MULTIPLE_EVENTS`,
/// `SIGNATURE_MULTIPLE`, `PUBLIC_KEY_MULTIPLE`). Verify only, as above.
const SENDGRID_SDK_MULTIPLE: Vector = Vector {
    scheme: Scheme::SendGrid,
    secret: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q==",
    timestamp: 1_619_651_159,
    body: b"[{\"email\":\"invalid@gmail.com\",\"event\":\"processed\",\"send_at\":0,\"sg_event_id\":\"cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA\",\"sg_message_id\":\"qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0\",\"smtp-id\":\"<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>\",\"timestamp\":1619651146},\r\n{\"email\":\"invalid@gmail.com\",\"event\":\"bounce\",\"ip\":\"167.89.101.76\",\"reason\":\"552 5.2.2 The email account that you tried to reach is over quota and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm c17si1130468pgv.34 - gsmtp\",\"sg_event_id\":\"Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w\",\"sg_message_id\":\"qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0\",\"smtp-id\":\"<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>\",\"status\":\"5.2.2\",\"timestamp\":1619651147,\"tls\":1,\"type\":\"blocked\"}]\r\n",
    headers: &[
        (
            "x-twilio-email-event-webhook-signature",
            "MEYCIQC/I4o6vCgqRYrTljjoVWB/GRWNtxeePlLMHr3x9ETeRQIhAIpV+03nREPTTHWSW0wIOA0EoMPdcNgXa70yCaqDJlu5",
        ),
        ("x-twilio-email-event-webhook-timestamp", "1619651159"),
    ],
    reproducible: false,
    ..Vector::DEFAULTS
};

/// The single-event request signed with a key pair whose private half is
/// known, so the full harness (including our signer) runs. Computed with
/// Python `cryptography` 50.0.2 (PyPI), independently of this crate:
///
/// ```text
/// k = ec.generate_private_key(ec.SECP256R1())
/// b64encode(k.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
/// b64encode(k.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))
/// b64encode(k.sign(b"1600112502" + BODY, ec.ECDSA(hashes.SHA256())))
/// ```
///
/// ECDSA as SendGrid and `cryptography` use it is randomized, so our signer
/// can't reproduce the value; its own signature must verify instead.
const SENDGRID_COMPUTED: Vector = Vector {
    scheme: Scheme::SendGrid,
    secret: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEbKdgXs7tDTXNjaOxAuTdZ8lLd1RLAK90EOhCLIq2bXEBkmga9oWgmqpHSdWcLn/0FjLiQuQCFGYrIB1CsO+qrQ==",
    signing_key: Some(
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgr8xV9PRZiZlad7ANg7FkAGz8jXrADyrhTnEhNycDf1GhRANCAARsp2Bezu0NNc2No7EC5N1nyUt3VEsAr3QQ6EIsirZtcQGSaBr2haCaqkdJ1Zwuf/QWMuJC5AIUZisgHUKw76qt",
    ),
    timestamp: 1_600_112_502,
    body: SENDGRID_SINGLE_BODY,
    headers: &[
        (
            "x-twilio-email-event-webhook-signature",
            "MEUCIQCmXPSe99QYDMkyjxoGaw0KzXEK/3HR4KSjDxgbrwXkagIgBHzw2lQKc8AXZHJAB1gi5rEYMgH/4I8b3Du2ug0nchY=",
        ),
        ("x-twilio-email-event-webhook-timestamp", "1600112502"),
    ],
    reproducible: false,
    ..Vector::DEFAULTS
};

#[test]
fn sendgrid_sdk_vectors_verify() {
    for vector in [SENDGRID_SDK_SINGLE, SENDGRID_SDK_MULTIPLE] {
        let verified = vector.assert_verifies();
        assert_eq!(verified.event_id, None);
        vector.assert_tamper_rejected();
    }
}

#[test]
fn sendgrid_computed_vector() {
    let verified = SENDGRID_COMPUTED.check();
    assert_eq!(
        verified.event_id, None,
        "sg_event_id is per event, in the body"
    );
}

#[test]
fn sendgrid_body_without_its_trailing_crlf_is_a_mismatch() {
    let body = SENDGRID_SINGLE_BODY.strip_suffix(b"\r\n").expect("CRLF");
    let err = SENDGRID_SDK_SINGLE
        .verify_body(&SENDGRID_SDK_SINGLE.header_map(), body)
        .expect_err("the CRLF is signed");
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
}

#[test]
fn sendgrid_keys_in_pem_and_other_forms() {
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n{}\n-----END PUBLIC KEY-----\n",
        &SENDGRID_SDK_SINGLE.secret[..64],
        &SENDGRID_SDK_SINGLE.secret[64..]
    );
    Verifier::builder(Scheme::SendGrid)
        .secret(&pem)
        .clock(|| 1_600_112_502)
        .build()
        .expect("PEM public key")
        .verify(&SENDGRID_SDK_SINGLE.header_map(), SENDGRID_SINGLE_BODY)
        .expect("verifies");
    let key = SENDGRID_COMPUTED.signing_key.expect("set");
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{key}\n-----END PRIVATE KEY-----");
    let headers = Signer::new(Scheme::SendGrid, &pem)
        .expect("PEM private key")
        .sign(SENDGRID_SINGLE_BODY, 1_600_112_502, None)
        .expect("signable");
    SENDGRID_COMPUTED
        .verifier()
        .verify(&headers, SENDGRID_SINGLE_BODY)
        .expect("our signature verifies");
    for bad in [
        "",
        "not base64!",
        "AAAA",
        SENDGRID_COMPUTED.signing_key.expect("set"),
    ] {
        assert!(Verifier::new(Scheme::SendGrid, bad).is_err(), "{bad:?}");
    }
    for bad in ["", "AAAA", SENDGRID_COMPUTED.secret] {
        assert!(Signer::new(Scheme::SendGrid, bad).is_err(), "{bad:?}");
    }
}

#[test]
fn sendgrid_malformed_signatures_are_mismatches() {
    let good = SENDGRID_SDK_SINGLE.headers[0].1;
    let raw_bad = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0=";
    let long = "A".repeat(200);
    // SDK test "should reject for bad signature" first; then not base64,
    // not DER, too long, another encoding.
    for value in [
        raw_bad,
        "not base64!",
        "AAAA",
        long.as_str(),
        &good[..good.len() - 4],
        "3045022061d056d1a3f98dcb906f5f2dcc5fdea7c8d7443",
    ] {
        let mut headers = SENDGRID_SDK_SINGLE.header_map();
        headers.insert(
            "x-twilio-email-event-webhook-signature",
            HeaderValue::from_str(value).expect("ASCII"),
        );
        let err = SENDGRID_SDK_SINGLE
            .verify_body(&headers, SENDGRID_SINGLE_BODY)
            .expect_err(value);
        assert_eq!(err.kind(), ErrorKind::SignatureMismatch, "{value}");
    }
    // SDK test "should reject for bad timestamp": a non-numeric timestamp
    // is a malformed header here.
    let mut headers = SENDGRID_SDK_SINGLE.header_map();
    headers.insert(
        "x-twilio-email-event-webhook-timestamp",
        HeaderValue::from_static("timestamp"),
    );
    let err = SENDGRID_SDK_SINGLE
        .verify_body(&headers, SENDGRID_SINGLE_BODY)
        .expect_err("bad timestamp");
    assert_eq!(err.kind(), ErrorKind::MalformedHeader);
}

/// Mailgun publishes no verifiable example (the documentation's signature
/// is a placeholder), and its official SDKs' tests compute theirs at run
/// time. The documentation's token and timestamp, signed with a made-up
/// signing key using Python's `hmac` on the documented algorithm, and
/// accepted by the official SDK (PyPI `mailgun==1.10.0`):
///
/// ```text
/// sig = hmac.new(KEY.encode(), b"1770920772" + TOKEN.encode(), hashlib.sha256).hexdigest()
/// mailgun.security.SecurityGuard.verify_webhook(KEY, TOKEN, "1770920772", sig, max_age_seconds=0)  # True
/// ```
///
/// The body layout (`signature` first, then `event-data`) is the one in
/// Mailgun's "Securing Webhooks" and webhook payload examples.
const MAILGUN_JSON: Vector = Vector {
    scheme: Scheme::Mailgun,
    secret: "1f1bd6a9c3b9e3b5e7d02f6a2f1c8a4b-3d4a9b51-8e2c7f06",
    timestamp: 1_770_920_772,
    event_id: Some("e0b5477167110d68991efc6b9f89f0a11066af27834600e123"),
    body: br#"{"signature":{"timestamp":"1770920772","token":"e0b5477167110d68991efc6b9f89f0a11066af27834600e123","signature":"ec99433be68673a78646001d6a9b288ef750c2353f2e08889f5e4caafc645482"},"event-data":{"id":"CPgfbmQMTCKtHW6uIWtuVe","event":"delivered","timestamp":1770920770.123456,"recipient":"alice@example.com"}}"#,
    unsigned_body: Some(
        br#"{"event-data":{"id":"CPgfbmQMTCKtHW6uIWtuVe","event":"delivered","timestamp":1770920770.123456,"recipient":"alice@example.com"}}"#,
    ),
    headers: &[],
    // The first byte is the `{` of the JSON: flipping it is a malformed body.
    tampered: ErrorKind::MalformedBody,
    ..Vector::DEFAULTS
};

/// The same signature as a legacy form post's fields.
const MAILGUN_FORM: &[u8] = b"timestamp=1770920772&token=e0b5477167110d68991efc6b9f89f0a11066af27834600e123&signature=ec99433be68673a78646001d6a9b288ef750c2353f2e08889f5e4caafc645482&event=delivered&recipient=alice%40example.com";

fn mailgun_verify(body: &[u8]) -> Result<webhook_verify::Verified, webhook_verify::Error> {
    MAILGUN_JSON.verify_body(&HeaderMap::new(), body)
}

#[test]
fn mailgun_vector() {
    let verified = MAILGUN_JSON.check();
    // The token is the signed id; event-data.id is not signed.
    assert_eq!(verified.event_id.as_deref(), MAILGUN_JSON.event_id);
    assert!(verified.event_id_signed);
}

#[test]
fn mailgun_legacy_form_fields_verify() {
    let verified = mailgun_verify(MAILGUN_FORM).expect("form fields");
    assert_eq!(verified.event_id.as_deref(), MAILGUN_JSON.event_id);
    assert_eq!(verified.timestamp, Some(1_770_920_772));
}

#[test]
fn mailgun_does_not_sign_the_event_data() {
    // Loudly: changing the event data does NOT break the signature. This is
    // Mailgun's design, documented in the module; the token dedupe is what
    // stops a captured signature from being reused.
    let body = String::from_utf8(MAILGUN_JSON.body.to_vec()).expect("UTF-8");
    let forged = body.replace(r#""event":"delivered""#, r#""event":"failed""#);
    assert_ne!(forged, body);
    mailgun_verify(forged.as_bytes()).expect("the event data is not signed");
    // ...but the token and the timestamp are.
    for (from, to) in [
        (
            "e0b5477167110d68991efc6b9f89f0a11066af27834600e123",
            "e0b5477167110d68991efc6b9f89f0a11066af27834600e124",
        ),
        (r#""timestamp":"1770920772""#, r#""timestamp":"1770920771""#),
        (
            r#""timestamp":"1770920772""#,
            r#""timestamp":"01770920772""#,
        ),
    ] {
        let changed = body.replace(from, to);
        let err = mailgun_verify(changed.as_bytes()).expect_err(to);
        assert_eq!(err.kind(), ErrorKind::SignatureMismatch, "{to}");
    }
}

#[test]
fn mailgun_parent_signature_and_integer_timestamps() {
    // A subaccount's event: `signature` under the subaccount's key and
    // `parent-signature` under the primary account's (Python hmac, as above,
    // with KEY = "parent-account-signing-key").
    let body = br#"{"signature":{"timestamp":1770920772,"token":"e0b5477167110d68991efc6b9f89f0a11066af27834600e123","signature":"ec99433be68673a78646001d6a9b288ef750c2353f2e08889f5e4caafc645482","parent-signature":"d48f99539e10ec245b57f44b2c756de211369259872f949bba1d783a7a7ebea8"},"event-data":{}}"#;
    for (key, index) in [(MAILGUN_JSON.secret, 0), ("parent-account-signing-key", 0)] {
        let verified = Verifier::builder(Scheme::Mailgun)
            .secret(key)
            .clock(|| 1_770_920_772)
            .build()
            .expect("valid")
            .verify(&HeaderMap::new(), body)
            .unwrap_or_else(|err| panic!("{key}: {err}"));
        assert_eq!(verified.secret_index, index);
    }
    // Our signer writes a second key's signature as parent-signature.
    let (_, signed) = Signer::with_secrets(
        Scheme::Mailgun,
        [MAILGUN_JSON.secret, "parent-account-signing-key"],
    )
    .expect("valid")
    .sign_body(
        br#"{"event-data":{}}"#,
        1_770_920_772,
        MAILGUN_JSON.event_id,
    )
    .expect("signable");
    let expected = String::from_utf8_lossy(body)
        .replace(r#""timestamp":1770920772"#, r#""timestamp":"1770920772""#);
    assert_eq!(String::from_utf8_lossy(&signed), expected);
}

#[test]
fn mailgun_malformed_bodies_are_400() {
    let token = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123";
    let sig = "ec99433be68673a78646001d6a9b288ef750c2353f2e08889f5e4caafc645482";
    let json = |signature: &str| format!(r#"{{"signature":{signature},"event-data":{{}}}}"#);
    let cases: Vec<(String, ErrorKind)> = vec![
        ("not json {".to_owned(), ErrorKind::MalformedBody),
        ("{not json".to_owned(), ErrorKind::MalformedBody),
        (r#"{"event-data":{}}"#.to_owned(), ErrorKind::MalformedBody),
        (json(r#""a string""#), ErrorKind::MalformedBody),
        (
            json(&format!(r#"{{"token":"{token}","signature":"{sig}"}}"#)),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"1770920772","signature":"{sig}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"1770920772","token":"{token}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"1770920772","token":5,"signature":"{sig}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"1770920772","token":"{token}","signature":["{sig}"]}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"1770920772","token":"","signature":"{sig}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"1770920772","token":"a b","signature":"{sig}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"1770920772","token":"{}","signature":"{sig}"}}"#,
                "x".repeat(257)
            )),
            ErrorKind::MalformedBody,
        ),
        // Timestamps: signs, decimals, exponents, overflow, text.
        (
            json(&format!(
                r#"{{"timestamp":"-5","token":"{token}","signature":"{sig}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":-5,"token":"{token}","signature":"{sig}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":1770920772.5,"token":"{token}","signature":"{sig}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":1.7e9,"token":"{token}","signature":"{sig}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"9223372036854775808","token":"{token}","signature":"{sig}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":18446744073709551615,"token":"{token}","signature":"{sig}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":" 1770920772","token":"{token}","signature":"{sig}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        (
            json(&format!(
                r#"{{"timestamp":null,"token":"{token}","signature":"{sig}"}}"#
            )),
            ErrorKind::MalformedBody,
        ),
        // Well-formed but wrong or outside the 900 s tolerance.
        (
            json(&format!(
                r#"{{"timestamp":"1770919871","token":"{token}","signature":"{sig}"}}"#
            )),
            ErrorKind::TimestampTooOld,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"1770921673","token":"{token}","signature":"{sig}"}}"#
            )),
            ErrorKind::TimestampInFuture,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"1770920772","token":"{token}","signature":"{}"}}"#,
                &sig[..63]
            )),
            ErrorKind::SignatureMismatch,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"1770920772","token":"{token}","signature":"{sig}00"}}"#
            )),
            ErrorKind::SignatureMismatch,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"1770920772","token":"{token}","signature":"{}"}}"#,
                "zz".repeat(32)
            )),
            ErrorKind::SignatureMismatch,
        ),
        (
            json(&format!(
                r#"{{"timestamp":"1770920772","token":"{token}","signature":""}}"#
            )),
            ErrorKind::SignatureMismatch,
        ),
        // Forms: missing and repeated fields.
        (
            format!("timestamp=1770920772&token={token}"),
            ErrorKind::MalformedBody,
        ),
        (
            format!("timestamp=1770920772&signature={sig}"),
            ErrorKind::MalformedBody,
        ),
        (
            format!("token={token}&signature={sig}"),
            ErrorKind::MalformedBody,
        ),
        (
            format!("timestamp=1770920772&token={token}&signature={sig}&signature={sig}"),
            ErrorKind::MalformedBody,
        ),
        (String::new(), ErrorKind::MalformedBody),
    ];
    for (body, kind) in cases {
        let err = mailgun_verify(body.as_bytes()).expect_err(&body);
        assert_eq!(err.kind(), kind, "{body}: {err}");
        assert!(
            !err.to_string().contains(sig) && !err.to_string().contains(token),
            "{err}"
        );
    }
    // Upper-case hex is the same MAC; the edges of the tolerance pass.
    let upper = String::from_utf8_lossy(MAILGUN_JSON.body).replace(sig, &sig.to_ascii_uppercase());
    mailgun_verify(upper.as_bytes()).expect("upper-case hex");
    // Multipart bodies are refused, not misread as a form.
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("multipart/form-data; boundary=x"),
    );
    let err = MAILGUN_JSON
        .verify_body(&headers, MAILGUN_FORM)
        .expect_err("multipart");
    assert_eq!(err.kind(), ErrorKind::MalformedBody);
}

#[test]
fn mailgun_signing_needs_the_body_call_a_token_and_a_json_object() {
    let signer = Signer::new(Scheme::Mailgun, MAILGUN_JSON.secret).expect("valid");
    let unsigned = MAILGUN_JSON.unsigned_body.expect("set");
    let err = signer
        .sign(unsigned, 1_770_920_772, MAILGUN_JSON.event_id)
        .expect_err("headers can't carry it");
    assert_eq!(err.kind(), webhook_verify::ConfigErrorKind::InvalidInput);
    assert!(err.to_string().contains("sign_body"), "{err}");
    let err = signer
        .sign_body(unsigned, 1_770_920_772, None)
        .expect_err("no token");
    assert_eq!(err.kind(), webhook_verify::ConfigErrorKind::EventIdRequired);
    for body in [&b"[]"[..], b"token=x", b""] {
        let err = signer
            .sign_body(body, 1_770_920_772, MAILGUN_JSON.event_id)
            .expect_err("not a JSON object");
        assert_eq!(err.kind(), webhook_verify::ConfigErrorKind::InvalidInput);
    }
    // Re-signing a signed event (a replay) replaces its signature object
    // and keeps the rest.
    let (_, resigned) = signer
        .sign_body(MAILGUN_JSON.body, 1_770_920_772, Some("a-new-token"))
        .expect("a signed body re-signs");
    let verified = mailgun_verify(&resigned).expect("the new signature verifies");
    assert_eq!(verified.event_id.as_deref(), Some("a-new-token"));
    let before: serde_json::Value = serde_json::from_slice(MAILGUN_JSON.body).unwrap();
    let after: serde_json::Value = serde_json::from_slice(&resigned).unwrap();
    assert_eq!(after["event-data"], before["event-data"]);
    assert_eq!(after["signature"]["token"], "a-new-token");
    assert_eq!(
        after.as_object().unwrap().len(),
        before.as_object().unwrap().len()
    );
    // An empty object, and blanks around it, keep their bytes.
    let (_, signed) = signer
        .sign_body(b" { } ", 1_770_920_772, MAILGUN_JSON.event_id)
        .expect("signable");
    assert!(signed.starts_with(br#" {"signature":{"#), "{signed:?}");
    assert!(signed.ends_with(b"} } "), "{signed:?}");
    mailgun_verify(&signed).expect("verifies");
}
