//! [`Signature`]: the decoded bytes of one signature entry, whatever the
//! algorithm — a MAC tag, an Ed25519 or ECDSA signature, or a shared token.

use std::fmt;

use base64::Engine as _;
use base64::alphabet::{STANDARD, URL_SAFE};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Inline capacity: an HMAC-SHA512 tag or an Ed25519 signature is 64 bytes,
/// a DER-encoded P-256 ECDSA signature at most 72.
const INLINE: usize = 72;

/// Standard base64 that decodes with or without padding.
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// URL-safe base64 that decodes with or without padding.
pub(crate) const BASE64_URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The decoded bytes of one signature entry: a MAC tag (20, 32 or 64 bytes),
/// an Ed25519 signature (64), a P-256 ECDSA signature (64 raw or DER), or a
/// shared token (any length).
///
/// Verifiers compare it in constant time; it has no `PartialEq` so that a
/// plain `==` on a MAC can't creep in. `Debug` prints only the length.
///
/// ```
/// use webhook_verify::scheme::Signature;
///
/// let sig = Signature::from_hex("00ff", 2).unwrap();
/// assert_eq!(sig.as_bytes(), [0x00, 0xff]);
/// assert!(Signature::from_hex("00ff", 32).is_none(), "wrong length");
/// assert!(Signature::from_hex("zz", 1).is_none(), "not hex");
/// assert_eq!(format!("{sig:?}"), "Signature(2 bytes)");
/// ```
#[derive(Clone)]
pub struct Signature(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Signature {
    /// Copies `bytes` (any length).
    pub fn new(bytes: &[u8]) -> Self {
        match u8::try_from(bytes.len()) {
            Ok(len) if bytes.len() <= INLINE => {
                let mut inline = [0u8; INLINE];
                inline[..bytes.len()].copy_from_slice(bytes);
                Self(Repr::Inline { len, bytes: inline })
            }
            _ => Self(Repr::Heap(bytes.into())),
        }
    }

    /// Decodes hex (either case) that must come to exactly `len` bytes;
    /// anything else is `None`, which a scheme treats as a mismatch.
    pub fn from_hex(text: &str, len: usize) -> Option<Self> {
        Self::from_hex_bytes(text.as_bytes(), len)
    }

    /// [`from_hex`](Self::from_hex) over bytes.
    pub(crate) fn from_hex_bytes(text: &[u8], len: usize) -> Option<Self> {
        if len > INLINE || text.len() != len * 2 {
            return None;
        }
        let mut bytes = [0u8; INLINE];
        const_hex::decode_to_slice(text, &mut bytes[..len]).ok()?;
        Some(Self::inline(bytes, len))
    }

    /// Decodes standard base64 (padded or not) that must come to exactly
    /// `len` bytes; anything else is `None`.
    pub fn from_base64(text: &str, len: usize) -> Option<Self> {
        Self::decode_base64(&BASE64, text.as_bytes(), len)
    }

    /// [`from_base64`](Self::from_base64) over bytes.
    pub(crate) fn from_base64_bytes(text: &[u8], len: usize) -> Option<Self> {
        Self::decode_base64(&BASE64, text, len)
    }

    /// Decodes URL-safe base64 (padded or not) that must come to exactly
    /// `len` bytes; anything else is `None`.
    pub fn from_base64_url(text: &str, len: usize) -> Option<Self> {
        Self::decode_base64(&BASE64_URL, text.as_bytes(), len)
    }

    /// Decodes standard base64 (padded or not) of at most `max_len` bytes,
    /// for variable-length signatures such as DER-encoded ECDSA.
    pub fn from_base64_max(text: &str, max_len: usize) -> Option<Self> {
        // Four characters carry three bytes; don't decode what can't fit.
        if max_len > INLINE || text.len() > max_len.div_ceil(3) * 4 {
            return None;
        }
        let mut bytes = [0u8; INLINE + 3];
        let len = BASE64.decode_slice(text, &mut bytes).ok()?;
        let mut inline = [0u8; INLINE];
        inline.copy_from_slice(&bytes[..INLINE]);
        (len <= max_len).then(|| Self::inline(inline, len))
    }

    fn decode_base64(engine: &GeneralPurpose, text: &[u8], len: usize) -> Option<Self> {
        // `len` bytes are ceil(len / 3) * 4 characters padded, fewer unpadded.
        let padded = len.div_ceil(3) * 4;
        let unpadded = (len * 4).div_ceil(3);
        if len > INLINE || !(unpadded..=padded).contains(&text.len()) {
            return None;
        }
        // Room for the partial group a wrong-length input would decode to.
        let mut bytes = [0u8; INLINE + 3];
        let decoded = engine.decode_slice(text, &mut bytes).ok()?;
        let mut inline = [0u8; INLINE];
        inline.copy_from_slice(&bytes[..INLINE]);
        (decoded == len).then(|| Self::inline(inline, len))
    }

    fn inline(bytes: [u8; INLINE], len: usize) -> Self {
        // Callers pass len <= INLINE (72), which fits a u8.
        let len = u8::try_from(len).unwrap_or(u8::MAX);
        Self(Repr::Inline { len, bytes })
    }

    /// The decoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Repr::Heap(bytes) => bytes,
        }
    }

    /// Lowercase hex, as most providers send a MAC.
    pub fn to_hex(&self) -> String {
        const_hex::encode(self.as_bytes())
    }

    /// Standard base64 with padding.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.as_bytes())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({} bytes)", self.as_bytes().len())
    }
}

impl From<&[u8]> for Signature {
    fn from(bytes: &[u8]) -> Self {
        Self::new(bytes)
    }
}

/// The candidate signatures one request carries, in the order it lists
/// them.
///
/// Almost every request carries exactly one, which is held without
/// allocating; more spill to a `Vec`. Reads as a slice.
///
/// ```
/// use webhook_verify::scheme::{Signature, Signatures};
///
/// let mut candidates = Signatures::from(Signature::new(&[1; 32]));
/// candidates.push(Signature::new(&[2; 32]));
/// assert_eq!(candidates.len(), 2);
/// assert_eq!(candidates[1].as_bytes(), [2; 32]);
/// assert!(Signatures::from(None).is_empty());
/// ```
#[derive(Clone, Default)]
pub struct Signatures(Candidates);

#[derive(Clone, Default)]
enum Candidates {
    #[default]
    None,
    One(Signature),
    Many(Vec<Signature>),
}

impl Signatures {
    /// No candidates.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a candidate.
    pub fn push(&mut self, signature: Signature) {
        self.0 = match std::mem::take(&mut self.0) {
            Candidates::None => Candidates::One(signature),
            Candidates::One(first) => Candidates::Many(vec![first, signature]),
            Candidates::Many(mut all) => {
                all.push(signature);
                Candidates::Many(all)
            }
        };
    }

    /// The candidates, in order.
    pub fn as_slice(&self) -> &[Signature] {
        match &self.0 {
            Candidates::None => &[],
            Candidates::One(one) => std::slice::from_ref(one),
            Candidates::Many(all) => all,
        }
    }
}

impl std::ops::Deref for Signatures {
    type Target = [Signature];

    fn deref(&self) -> &[Signature] {
        self.as_slice()
    }
}

impl fmt::Debug for Signatures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl From<Signature> for Signatures {
    fn from(signature: Signature) -> Self {
        Self(Candidates::One(signature))
    }
}

impl From<Option<Signature>> for Signatures {
    fn from(signature: Option<Signature>) -> Self {
        signature.map_or_else(Self::new, Self::from)
    }
}

impl From<Vec<Signature>> for Signatures {
    fn from(all: Vec<Signature>) -> Self {
        Self(Candidates::Many(all))
    }
}

impl Extend<Signature> for Signatures {
    fn extend<I: IntoIterator<Item = Signature>>(&mut self, iter: I) {
        for signature in iter {
            self.push(signature);
        }
    }
}

impl FromIterator<Signature> for Signatures {
    fn from_iter<I: IntoIterator<Item = Signature>>(iter: I) -> Self {
        let mut all = Self::new();
        all.extend(iter);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_lengths_are_exact() {
        let tag = [7u8; 32];
        let padded = base64::engine::general_purpose::STANDARD.encode(tag);
        let unpadded = padded.trim_end_matches('=');
        for text in [padded.as_str(), unpadded] {
            assert_eq!(Signature::from_base64(text, 32).unwrap().as_bytes(), tag);
            assert!(Signature::from_base64(text, 31).is_none());
            assert!(Signature::from_base64(text, 33).is_none());
        }
        // 33 bytes of input must not pass as 32.
        let longer = base64::engine::general_purpose::STANDARD.encode([7u8; 33]);
        assert!(Signature::from_base64(&longer, 32).is_none());
        assert!(Signature::from_base64("", 0).is_some_and(|s| s.as_bytes().is_empty()));
    }

    #[test]
    fn variable_length_base64_has_a_cap() {
        let der = [1u8; 71];
        let text = base64::engine::general_purpose::STANDARD.encode(der);
        assert_eq!(
            Signature::from_base64_max(&text, 72).unwrap().as_bytes(),
            der
        );
        assert!(Signature::from_base64_max(&text, 70).is_none());
        let too_long = base64::engine::general_purpose::STANDARD.encode([1u8; 200]);
        assert!(Signature::from_base64_max(&too_long, 72).is_none());
    }

    #[test]
    fn signatures_keep_their_order_however_many() {
        let sig = |b: u8| Signature::new(&[b]);
        for n in 0..5u8 {
            let collected: Signatures = (0..n).map(sig).collect();
            let from_vec = Signatures::from((0..n).map(sig).collect::<Vec<_>>());
            for all in [collected, from_vec] {
                let bytes: Vec<u8> = all.iter().map(|s| s.as_bytes()[0]).collect();
                assert_eq!(bytes, (0..n).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn long_values_go_to_the_heap() {
        let token = vec![b'x'; 500];
        assert_eq!(Signature::new(&token).as_bytes(), token.as_slice());
        assert_eq!(Signature::new(&[1, 2]).as_bytes(), [1, 2]);
        assert!(Signature::from_hex(&"ab".repeat(73), 73).is_none());
    }
}
