//! Keys and bodies for tests that run over every scheme: one place to say
//! what a scheme's keys look like and what body it is sent. Included with
//! `#[path]` by the test files that need it.

#![allow(dead_code)]

use webhook_verify::Scheme;

/// A scheme's keys as its provider displays them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keys {
    /// What a verifier is built with: the shared secret, or a public key.
    pub(crate) verify: &'static str,
    /// What a signer is built with: the same secret, or the private key.
    pub(crate) sign: &'static str,
    /// A second, unrelated pair, for rotation and wrong-key cases.
    pub(crate) other_verify: &'static str,
    pub(crate) other_sign: &'static str,
}

const fn symmetric(secret: &'static str, other: &'static str) -> Keys {
    Keys {
        verify: secret,
        sign: secret,
        other_verify: other,
        other_sign: other,
    }
}

/// The keys to test `scheme` with.
pub(crate) fn keys(scheme: Scheme) -> Keys {
    match scheme.to_string().as_str() {
        "standard" => symmetric(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_b3RoZXItc2VjcmV0LWtleQ==",
        ),
        // Asymmetric and specially encoded keys, one arm per scheme:
        // group A (merge anchor, keep)
        // group B (merge anchor, keep)
        // group C (merge anchor, keep)
        // RFC 8032 section 7.1 TEST 1 and TEST 2 key pairs: hex public key
        // to verify, hex seed to sign.
        "discord" => Keys {
            verify: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            sign: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            other_verify: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            other_sign: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        },
        // Generated with PyNaCl 1.5.0 (`SigningKey.generate()`); the secret
        // keys in Svix's 64-byte seed-and-public-key form.
        "standard-v1a" => Keys {
            verify: "whpk_GqBrcUPzTcmBYwSZGFtauxR8hz4hMMsp2VPRAgY79jA=",
            sign: "whsk_VK7t0AjMexISskRebLeQ4BOSEHNV9GtdRLXqbjU7oSMaoGtxQ/NNyYFjBJkYW1q7FHyHPiEwyynZU9ECBjv2MA==",
            other_verify: "whpk_2nE3C6h9u5DilQ6SNTCLtBbNfm0WrhDzXf2tC9g/42g=",
            other_sign: "whsk_aTLk9B9RBwqcNvU3zwBGb9dvPi2jI5LGzX+X5+wZztnacTcLqH27kOKVDpI1MIu0Fs1+bRauEPNd/a0L2D/jaA==",
        },
        // Generated with Python `cryptography` 50.0.2
        // (`ec.generate_private_key(ec.SECP256R1())`): base64 DER
        // SubjectPublicKeyInfo to verify, base64 PKCS#8 DER to sign.
        "sendgrid" => Keys {
            verify: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEbKdgXs7tDTXNjaOxAuTdZ8lLd1RLAK90EOhCLIq2bXEBkmga9oWgmqpHSdWcLn/0FjLiQuQCFGYrIB1CsO+qrQ==",
            sign: "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgr8xV9PRZiZlad7ANg7FkAGz8jXrADyrhTnEhNycDf1GhRANCAARsp2Bezu0NNc2No7EC5N1nyUt3VEsAr3QQ6EIsirZtcQGSaBr2haCaqkdJ1Zwuf/QWMuJC5AIUZisgHUKw76qt",
            other_verify: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpZ7kjtgKGppE+dQWaoHanYCHSutVb6TbkEo2La4QGMQuQWnYqP4O2RHo2CswkS9ceXGxa3ZHvd4rvRV5pgZAYw==",
            other_sign: "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgxTK732M23k21vXxWmwJnPvjAkD+ke/4SyOLGSy77P4OhRANCAASlnuSO2AoamkT51BZqgdqdgIdK61VvpNuQSjYtrhAYxC5Badio/g7ZEejYKzCRL1x5cbFrdke93iu9FXmmBkBj",
        },
        _ => symmetric("test-secret", "other-secret"),
    }
}

/// A realistic body for `scheme` (JSON unless the provider sends a form or
/// carries the signature in the body), containing the event id `evt_123`.
// Every group A scheme posts JSON; the match waits for other groups' arms.
#[allow(clippy::match_single_binding)]
pub(crate) fn body(scheme: Scheme) -> Vec<u8> {
    // Providers that post a form or sign inside the body get their own here.
    match scheme.to_string().as_str() {
        // group A (merge anchor, keep)
        // group B (merge anchor, keep)
        "twilio" => b"AccountSid=AC123&Body=evt_123&From=%2B14158675309&MessageSid=SM123".to_vec(),
        "linear" => body_at(scheme, 1_700_000_000),
        // group C (merge anchor, keep)
        // An application command (type 2); a PING (type 1) is a handshake.
        "discord" => br#"{"id":"evt_123","type":2,"data":{"name":"test"}}"#.to_vec(),
        // The event data; the signer adds the `signature` object.
        "mailgun" => br#"{"event-data":{"id":"evt_123","event":"delivered","recipient":"a@example.com"}}"#.to_vec(),
        // A batch of events, each followed by CR LF.
        "sendgrid" => b"[{\"email\":\"a@example.com\",\"event\":\"delivered\",\"sg_event_id\":\"evt_123\",\"timestamp\":1700000000}]\r\n".to_vec(),
        _ => br#"{"id":"evt_123","type":"invoice.paid"}"#.to_vec(),
    }
}

/// [`body`] for a request signed at `timestamp` (Unix seconds): the same
/// for every scheme but Linear, whose signed timestamp is the body's
/// `webhookTimestamp` (milliseconds).
pub(crate) fn body_at(scheme: Scheme, timestamp: i64) -> Vec<u8> {
    match scheme.to_string().as_str() {
        // group B (merge anchor, keep)
        "linear" => format!(
            r#"{{"id":"evt_123","type":"invoice.paid","webhookTimestamp":{}}}"#,
            timestamp.saturating_mul(1000)
        )
        .into_bytes(),
        _ => body(scheme),
    }
}

/// Whether flipping a body byte must break the signature (Mailgun signs
/// only a timestamp and a token; GitLab sends a shared token and signs
/// nothing).
pub(crate) fn body_is_signed(scheme: Scheme) -> bool {
    !matches!(scheme.to_string().as_str(), "mailgun" | "gitlab")
}
