//! [`Algorithm`]: how a scheme's signatures are made, and [`SigningInput`],
//! the sink a scheme writes the signed bytes into.

use std::fmt;

use ed25519_dalek::StreamVerifier;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

/// The signature algorithm a scheme uses; it decides what the key material
/// is and how a signature is checked.
///
/// | algorithm | key to verify | key to sign | signature |
/// |---|---|---|---|
/// | [`HmacSha1`](Self::HmacSha1), [`HmacSha256`](Self::HmacSha256), [`HmacSha512`](Self::HmacSha512) | the shared secret | the same | 20, 32 or 64-byte tag, compared in constant time |
/// | [`Ed25519`](Self::Ed25519) | 32-byte public key | 32-byte seed (or 64-byte seed ‖ public key) | 64 bytes |
/// | [`EcdsaP256`](Self::EcdsaP256) | SEC1 point or DER `SubjectPublicKeyInfo` | 32-byte scalar or PKCS#8 DER | DER (or 64-byte `r ‖ s`) over SHA-256 |
/// | [`Token`](Self::Token) | the shared token | the same | the token itself, compared in constant time via SHA-256 |
///
/// A scheme's [`decode_secret`](super::SignatureScheme::decode_secret)
/// turns the provider's key format (`whsec_…`, `whpk_…`, hex, PEM) into
/// these bytes; the verifier parses them once, when it is built.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// HMAC-SHA1 (Twilio, Intercom).
    HmacSha1,
    /// HMAC-SHA256 (most providers).
    HmacSha256,
    /// HMAC-SHA512.
    HmacSha512,
    /// Ed25519 (Discord, Standard Webhooks `v1a`).
    Ed25519,
    /// ECDSA over P-256 with SHA-256 (SendGrid).
    EcdsaP256,
    /// A shared token sent as-is (GitLab).
    Token,
}

impl Algorithm {
    /// Whether the verifying key is a secret shared with the sender (HMAC,
    /// token) rather than a public key.
    pub fn is_symmetric(self) -> bool {
        !matches!(self, Self::Ed25519 | Self::EcdsaP256)
    }

    /// The length of a MAC tag, for the HMAC algorithms.
    pub fn tag_len(self) -> Option<usize> {
        match self {
            Self::HmacSha1 => Some(20),
            Self::HmacSha256 => Some(32),
            Self::HmacSha512 => Some(64),
            _ => None,
        }
    }
}

/// The bytes being signed, fed piece by piece so the body is never copied:
/// a scheme's [`write_signed_payload`](super::SignatureScheme::write_signed_payload)
/// writes into it, whatever the algorithm behind it.
pub struct SigningInput<'m>(Sink<'m>);

pub(crate) enum Sink<'m> {
    HmacSha1(&'m mut Hmac<Sha1>),
    HmacSha256(&'m mut Hmac<Sha256>),
    HmacSha512(&'m mut Hmac<Sha512>),
    Sha256(&'m mut Sha256),
    Ed25519(&'m mut StreamVerifier),
    Buffer(&'m mut Vec<u8>),
}

impl<'m> SigningInput<'m> {
    pub(crate) fn new(sink: Sink<'m>) -> Self {
        Self(sink)
    }

    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.0 {
            Sink::HmacSha1(mac) => mac.update(bytes),
            Sink::HmacSha256(mac) => mac.update(bytes),
            Sink::HmacSha512(mac) => mac.update(bytes),
            Sink::Sha256(digest) => Digest::update(*digest, bytes),
            Sink::Ed25519(stream) => stream.update(bytes),
            Sink::Buffer(buffer) => buffer.extend_from_slice(bytes),
        }
    }

    /// Feeds the decimal text of `value` (as a sender writes a timestamp).
    pub fn update_decimal(&mut self, value: i64) {
        let mut buf = itoa::Buffer::new();
        self.update(buf.format(value).as_bytes());
    }
}

impl fmt::Debug for SigningInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningInput")
    }
}
