//! Standard Webhooks, asymmetric signatures (`v1a`, Ed25519).
//!
//! ```text
//! webhook-id: msg_2KWPBgLlAfxdpx2AI54pPJ85f4W
//! webhook-timestamp: 1674087231
//! webhook-signature: v1a,<base64 Ed25519(secret key, "{id}.{ts}.{body}")>[ v1a,<base64>…]
//! ```
//!
//! The same headers, signed bytes and entry list as the symmetric
//! [`standard`](super::standard) scheme (the `svix-*` names are accepted too,
//! the `webhook-*` set wins), but each entry is `v1a,` and a base64 64-byte
//! Ed25519 signature. Entries of other versions (`v1,` HMAC tags, which a
//! sender may put in the same header) are ignored here, as the symmetric
//! scheme ignores `v1a,` entries; both count towards the entry cap.
//!
//! - **Verifying key**: `whpk_<base64 32-byte public key>` (the prefix may be
//!   left out; padded or unpadded base64).
//! - **Signing key**: `whsk_<base64>` of either the 32-byte seed or the
//!   64-byte seed ‖ public key (the form Svix and libsodium use); for the
//!   64-byte form the public half must match the seed, or building the
//!   signer fails.
//! - **Tolerance**: 300 s, as the symmetric scheme (the reference libraries'
//!   `TOLERANCE_IN_SECONDS = 5 * 60`).
//! - **Event id**: `webhook-id`, signed (it is the first part of the signed
//!   bytes), so it is a safe deduplication key.
//!
//! Sources: the Standard Webhooks specification
//! (standard-webhooks/standard-webhooks `spec/standard-webhooks.md`,
//! "Signature scheme" table: `ed25519`, `whsk_`/`whpk_` serialization,
//! signature identifier `v1a`; "Webhook headers": the example
//! `webhook-signature: v1,K5oZ… v1a,hnO3…`). The reference libraries in that
//! repository implement only `v1`, so the vector in
//! `tests/vectors/group_c.rs` is computed with PyNaCl.

use base64::Engine as _;
use http::{HeaderMap, HeaderName};

use super::signature::BASE64;
use super::standard::{self, ID, SIGNATURE, TIMESTAMP};
use super::{
    Algorithm, ParsedSignature, RawKeyPair, Signature, SignatureScheme, SignedParts, SigningInput,
    WebhookRequest,
};
use crate::error::{ConfigError, ConfigErrorKind, Error};
use crate::secret::Secret;

/// The signature identifier of asymmetric entries.
const VERSION: &str = "v1a";
/// An Ed25519 signature's length in bytes.
const SIGNATURE_LEN: usize = 64;

#[derive(Debug)]
pub(crate) struct StandardV1a;

impl SignatureScheme for StandardV1a {
    fn name(&self) -> &'static str {
        "standard-v1a"
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::Ed25519
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn timestamp_header(&self) -> Option<HeaderName> {
        Some(TIMESTAMP)
    }

    fn id_header(&self) -> Option<HeaderName> {
        Some(ID)
    }

    fn signs_timestamp(&self) -> bool {
        true
    }

    fn signs_event_id(&self) -> bool {
        // `{id}.{ts}.{body}`: the id is the first part of the signed bytes.
        true
    }

    fn decode_secret(&self, secret: &str) -> Result<Secret, ConfigError> {
        if secret.starts_with("whsk_") || secret.starts_with("whsec_") {
            return Err(
                ConfigError::new(ConfigErrorKind::InvalidSecret).with_detail(
                    "a Standard Webhooks v1a receiver is given the whpk_ public key, not a secret",
                ),
            );
        }
        decode_key(secret, "whpk_", &[32]).ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::InvalidSecret).with_detail(
                "a Standard Webhooks public key is whpk_ followed by 32 bytes in base64",
            )
        })
    }

    fn decode_signing_key(&self, key: &str) -> Result<Secret, ConfigError> {
        if key.starts_with("whpk_") || key.starts_with("whsec_") {
            return Err(ConfigError::new(ConfigErrorKind::InvalidSecret)
                .with_detail("a Standard Webhooks v1a sender signs with the whsk_ secret key"));
        }
        decode_key(key, "whsk_", &[32, 64]).ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::InvalidSecret).with_detail(
                "a Standard Webhooks secret key is whsk_ followed by 32 or 64 bytes in base64",
            )
        })
    }

    /// `whpk_` + base64 of the public key, `whsk_` + base64 of the seed ‖
    /// public key (Svix's 64-byte form).
    fn format_key_pair(&self, raw: &RawKeyPair<'_>) -> Option<(String, String)> {
        let secret = [raw.private, raw.public].concat();
        Some((
            format!("whpk_{}", BASE64.encode(raw.public)),
            format!("whsk_{}", BASE64.encode(secret)),
        ))
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        standard::parse_entries(request, max_signatures, VERSION, SIGNATURE_LEN)
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        input: &mut SigningInput<'_>,
    ) {
        standard::write_id_timestamp_body(parts, request, input);
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        standard::render_entries(parts, signatures, VERSION)
    }
}

/// Decodes `prefix` + base64 (the prefix optional) of one of `lengths` bytes.
fn decode_key(text: &str, prefix: &str, lengths: &[usize]) -> Option<Secret> {
    let encoded = text.strip_prefix(prefix).unwrap_or(text);
    let bytes = BASE64.decode(encoded).ok()?;
    lengths.contains(&bytes.len()).then(|| Secret::new(bytes))
}
