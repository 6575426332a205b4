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
        _ => symmetric("test-secret", "other-secret"),
    }
}

/// A realistic body for `scheme` (JSON unless the provider sends a form or
/// carries the signature in the body), containing the event id `evt_123`.
pub(crate) fn body(scheme: Scheme) -> Vec<u8> {
    // Providers that post a form or sign inside the body get their own here.
    match scheme.to_string().as_str() {
        // group A (merge anchor, keep)
        // group B (merge anchor, keep)
        "twilio" => b"AccountSid=AC123&Body=evt_123&From=%2B14158675309&MessageSid=SM123".to_vec(),
        "linear" => body_at(scheme, 1_700_000_000),
        // group C (merge anchor, keep)
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
/// only a timestamp and a token).
pub(crate) fn body_is_signed(scheme: Scheme) -> bool {
    !matches!(scheme.to_string().as_str(), "mailgun")
}
