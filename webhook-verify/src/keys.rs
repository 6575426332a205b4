//! Key material, parsed once when a verifier or signer is built: the keyed
//! HMAC states, the Ed25519 and P-256 keys, or the token digests.

use ed25519_dalek::Signer as _;
use hmac::digest::Output;
use hmac::{Hmac, KeyInit, Mac};
use p256::ecdsa::signature::hazmat::{PrehashSigner as _, PrehashVerifier as _};
use p256::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use subtle::{Choice, ConstantTimeEq};

use crate::error::{ConfigError, ConfigErrorKind};
use crate::scheme::algorithm::Sink;
use crate::scheme::{Algorithm, Signature, SigningInput};
use crate::secret::Secret;

/// The keys a verifier checks signatures with.
pub(crate) enum VerifyingKeys {
    HmacSha1(Vec<Hmac<Sha1>>),
    HmacSha256(Vec<Hmac<Sha256>>),
    HmacSha512(Vec<Hmac<Sha512>>),
    Ed25519(Vec<ed25519_dalek::VerifyingKey>),
    EcdsaP256(Vec<p256::ecdsa::VerifyingKey>),
    /// SHA-256 of each token, so the comparison doesn't depend on its length.
    Token(Vec<[u8; 32]>),
}

/// The keys a signer signs with.
pub(crate) enum SigningKeys {
    HmacSha1(Vec<Hmac<Sha1>>),
    HmacSha256(Vec<Hmac<Sha256>>),
    HmacSha512(Vec<Hmac<Sha512>>),
    Ed25519(Vec<ed25519_dalek::SigningKey>),
    EcdsaP256(Vec<p256::ecdsa::SigningKey>),
    Token(Vec<Secret>),
}

fn invalid(detail: &'static str) -> ConfigError {
    ConfigError::new(ConfigErrorKind::InvalidSecret).with_detail(detail)
}

fn non_empty(secrets: &[Secret]) -> Result<(), ConfigError> {
    if secrets.is_empty() {
        return Err(ConfigError::new(ConfigErrorKind::InvalidConfig)
            .with_detail("at least one secret is required"));
    }
    if secrets.iter().any(Secret::is_empty) {
        return Err(invalid("empty secret"));
    }
    Ok(())
}

fn each<K>(
    secrets: &[Secret],
    parse: fn(&[u8]) -> Result<K, ConfigError>,
) -> Result<Vec<K>, ConfigError> {
    secrets.iter().map(|s| parse(s.expose_bytes())).collect()
}

fn hmac_keys<M: KeyInit>(secrets: &[Secret]) -> Result<Vec<M>, ConfigError> {
    secrets
        .iter()
        // HMAC takes keys of any length, so this can't fail.
        .map(|s| M::new_from_slice(s.expose_bytes()).map_err(|_| invalid("HMAC key")))
        .collect()
}

fn ed25519_public(bytes: &[u8]) -> Result<ed25519_dalek::VerifyingKey, ConfigError> {
    let bytes: &[u8; 32] = bytes
        .try_into()
        .map_err(|_| invalid("an Ed25519 public key is 32 bytes"))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
        .map_err(|_| invalid("not an Ed25519 public key"))?;
    // A small-order key would accept forged signatures on some messages.
    if key.is_weak() {
        return Err(invalid("a weak (small-order) Ed25519 public key"));
    }
    Ok(key)
}

fn ed25519_private(bytes: &[u8]) -> Result<ed25519_dalek::SigningKey, ConfigError> {
    match bytes.len() {
        32 => {
            let mut seed = [0u8; 32];
            seed.copy_from_slice(bytes);
            Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
        }
        64 => {
            let mut pair = [0u8; 64];
            pair.copy_from_slice(bytes);
            ed25519_dalek::SigningKey::from_keypair_bytes(&pair)
                .map_err(|_| invalid("the Ed25519 key pair's halves don't match"))
        }
        _ => Err(invalid(
            "an Ed25519 private key is a 32-byte seed or 64 bytes of seed and public key",
        )),
    }
}

fn p256_public(bytes: &[u8]) -> Result<p256::ecdsa::VerifyingKey, ConfigError> {
    p256::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
        .or_else(|_| p256::ecdsa::VerifyingKey::from_public_key_der(bytes))
        .map_err(|_| invalid("a P-256 public key is a SEC1 point or a DER SubjectPublicKeyInfo"))
}

fn p256_private(bytes: &[u8]) -> Result<p256::ecdsa::SigningKey, ConfigError> {
    let key = if bytes.len() == 32 {
        p256::ecdsa::SigningKey::from_slice(bytes)
    } else {
        p256::ecdsa::SigningKey::from_pkcs8_der(bytes).map_err(|_| p256::ecdsa::Error::new())
    };
    key.map_err(|_| invalid("a P-256 private key is a 32-byte scalar or PKCS#8 DER"))
}

impl VerifyingKeys {
    pub(crate) fn new(algorithm: Algorithm, secrets: &[Secret]) -> Result<Self, ConfigError> {
        non_empty(secrets)?;
        Ok(match algorithm {
            Algorithm::HmacSha1 => Self::HmacSha1(hmac_keys(secrets)?),
            Algorithm::HmacSha256 => Self::HmacSha256(hmac_keys(secrets)?),
            Algorithm::HmacSha512 => Self::HmacSha512(hmac_keys(secrets)?),
            Algorithm::Ed25519 => Self::Ed25519(each(secrets, ed25519_public)?),
            Algorithm::EcdsaP256 => Self::EcdsaP256(each(secrets, p256_public)?),
            Algorithm::Token => Self::Token(
                secrets
                    .iter()
                    .map(|s| Sha256::digest(s.expose_bytes()).into())
                    .collect(),
            ),
        })
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Self::HmacSha1(keys) => keys.len(),
            Self::HmacSha256(keys) => keys.len(),
            Self::HmacSha512(keys) => keys.len(),
            Self::Ed25519(keys) => keys.len(),
            Self::EcdsaP256(keys) => keys.len(),
            Self::Token(keys) => keys.len(),
        }
    }

    /// The index of the first key under which any candidate verifies.
    /// `write` feeds the signed bytes; it runs once per key (HMAC), once in
    /// all (ECDSA), or once per key and candidate (Ed25519).
    pub(crate) fn find(
        &self,
        candidates: &[Signature],
        write: impl Fn(&mut SigningInput<'_>),
    ) -> Option<usize> {
        match self {
            Self::HmacSha1(keys) => find_mac(keys, candidates, |mac| {
                write(&mut SigningInput::new(Sink::HmacSha1(mac)));
            }),
            Self::HmacSha256(keys) => find_mac(keys, candidates, |mac| {
                write(&mut SigningInput::new(Sink::HmacSha256(mac)));
            }),
            Self::HmacSha512(keys) => find_mac(keys, candidates, |mac| {
                write(&mut SigningInput::new(Sink::HmacSha512(mac)));
            }),
            Self::Ed25519(keys) => keys.iter().position(|key| {
                candidates.iter().any(|candidate| {
                    let Ok(signature) = ed25519_dalek::Signature::from_slice(candidate.as_bytes())
                    else {
                        return false;
                    };
                    let Ok(mut stream) = key.verify_stream(&signature) else {
                        return false;
                    };
                    write(&mut SigningInput::new(Sink::Ed25519(&mut stream)));
                    stream.finalize_and_verify().is_ok()
                })
            }),
            Self::EcdsaP256(keys) => {
                let signatures: Vec<p256::ecdsa::Signature> = candidates
                    .iter()
                    .filter_map(|c| ecdsa_signature(c.as_bytes()))
                    .collect();
                if signatures.is_empty() {
                    return None;
                }
                let mut digest = Sha256::new();
                write(&mut SigningInput::new(Sink::Sha256(&mut digest)));
                let digest = digest.finalize();
                keys.iter().position(|key| {
                    signatures
                        .iter()
                        .any(|sig| key.verify_prehash(&digest, sig).is_ok())
                })
            }
            Self::Token(keys) => {
                let presented: Vec<[u8; 32]> = candidates
                    .iter()
                    .map(|c| Sha256::digest(c.as_bytes()).into())
                    .collect();
                keys.iter().position(|key| {
                    bool::from(any_equal(key, presented.iter().map(|p| p.as_slice())))
                })
            }
        }
    }

    /// The MAC of `message` under key `index`, for handshakes that answer a
    /// challenge with it (Zoom); `None` for the other algorithms.
    pub(crate) fn mac(&self, index: usize, message: &[u8]) -> Option<Signature> {
        fn one<M: Mac + Clone>(keys: &[M], index: usize, message: &[u8]) -> Option<Signature> {
            let mut mac = keys.get(index)?.clone();
            mac.update(message);
            Some(Signature::new(&mac.finalize().into_bytes()))
        }
        match self {
            Self::HmacSha1(keys) => one(keys, index, message),
            Self::HmacSha256(keys) => one(keys, index, message),
            Self::HmacSha512(keys) => one(keys, index, message),
            _ => None,
        }
    }
}

/// The index of the first HMAC key whose tag equals a candidate. Every
/// candidate is compared in constant time, and all of them are compared, so
/// timing does not reveal which one matched.
fn find_mac<M: Mac + Clone>(
    keys: &[M],
    candidates: &[Signature],
    write: impl Fn(&mut M),
) -> Option<usize> {
    keys.iter().position(|key| {
        let mut mac = key.clone();
        write(&mut mac);
        let tag: Output<M> = mac.finalize().into_bytes();
        bool::from(any_equal(&tag, candidates.iter().map(Signature::as_bytes)))
    })
}

fn any_equal<'c>(expected: &[u8], candidates: impl Iterator<Item = &'c [u8]>) -> Choice {
    candidates.fold(Choice::from(0), |acc, c| acc | ct_equal(expected, c))
}

/// Compares two byte strings in constant time for a given length (lengths
/// are public: a signature's length is fixed by its algorithm), eight bytes
/// at a time, which costs less than `subtle`'s byte-wise slice comparison.
pub(crate) fn ct_equal(a: &[u8], b: &[u8]) -> Choice {
    if a.len() != b.len() {
        return Choice::from(0);
    }
    let (a_words, a_rest) = a.split_at(a.len() - a.len() % 8);
    let (b_words, b_rest) = b.split_at(a_words.len());
    let word = |chunk: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        u64::from_ne_bytes(w)
    };
    a_words
        .chunks_exact(8)
        .zip(b_words.chunks_exact(8))
        .fold(a_rest.ct_eq(b_rest), |acc, (x, y)| {
            acc & word(x).ct_eq(&word(y))
        })
}

fn ecdsa_signature(bytes: &[u8]) -> Option<p256::ecdsa::Signature> {
    if bytes.len() == 64 {
        p256::ecdsa::Signature::from_slice(bytes).ok()
    } else {
        p256::ecdsa::Signature::from_der(bytes).ok()
    }
}

impl SigningKeys {
    pub(crate) fn new(algorithm: Algorithm, secrets: &[Secret]) -> Result<Self, ConfigError> {
        non_empty(secrets)?;
        Ok(match algorithm {
            Algorithm::HmacSha1 => Self::HmacSha1(hmac_keys(secrets)?),
            Algorithm::HmacSha256 => Self::HmacSha256(hmac_keys(secrets)?),
            Algorithm::HmacSha512 => Self::HmacSha512(hmac_keys(secrets)?),
            Algorithm::Ed25519 => Self::Ed25519(each(secrets, ed25519_private)?),
            Algorithm::EcdsaP256 => Self::EcdsaP256(each(secrets, p256_private)?),
            Algorithm::Token => Self::Token(secrets.to_vec()),
        })
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Self::HmacSha1(keys) => keys.len(),
            Self::HmacSha256(keys) => keys.len(),
            Self::HmacSha512(keys) => keys.len(),
            Self::Ed25519(keys) => keys.len(),
            Self::EcdsaP256(keys) => keys.len(),
            Self::Token(keys) => keys.len(),
        }
    }

    /// One signature per key over what `write` feeds. ECDSA signatures are
    /// DER-encoded and deterministic (RFC 6979).
    pub(crate) fn sign(&self, write: impl Fn(&mut SigningInput<'_>)) -> Vec<Signature> {
        fn macs<M: Mac + Clone>(keys: &[M], write: impl Fn(&mut M)) -> Vec<Signature> {
            keys.iter()
                .map(|key| {
                    let mut mac = key.clone();
                    write(&mut mac);
                    Signature::new(&mac.finalize().into_bytes())
                })
                .collect()
        }
        match self {
            Self::HmacSha1(keys) => macs(keys, |mac| {
                write(&mut SigningInput::new(Sink::HmacSha1(mac)));
            }),
            Self::HmacSha256(keys) => macs(keys, |mac| {
                write(&mut SigningInput::new(Sink::HmacSha256(mac)));
            }),
            Self::HmacSha512(keys) => macs(keys, |mac| {
                write(&mut SigningInput::new(Sink::HmacSha512(mac)));
            }),
            Self::Ed25519(keys) => {
                // Ed25519 hashes the message twice, so it needs it whole.
                let mut message = Vec::new();
                write(&mut SigningInput::new(Sink::Buffer(&mut message)));
                keys.iter()
                    .map(|key| Signature::new(&key.sign(&message).to_bytes()))
                    .collect()
            }
            Self::EcdsaP256(keys) => {
                let mut digest = Sha256::new();
                write(&mut SigningInput::new(Sink::Sha256(&mut digest)));
                let digest = digest.finalize();
                keys.iter()
                    .filter_map(|key| {
                        // A 32-byte prehash is what P-256 signs; this can't fail.
                        let sig: p256::ecdsa::Signature = key.sign_prehash(&digest).ok()?;
                        Some(Signature::new(sig.to_der().as_bytes()))
                    })
                    .collect()
            }
            Self::Token(keys) => keys
                .iter()
                .map(|key| Signature::new(key.expose_bytes()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ct_equal_compares_every_byte() {
        for len in [0, 1, 7, 8, 20, 32, 64, 71] {
            let a: Vec<u8> = (0..len).map(|i| i as u8).collect();
            assert!(bool::from(ct_equal(&a, &a)), "{len}");
            for i in 0..len {
                let mut b = a.clone();
                b[i] ^= 1;
                assert!(!bool::from(ct_equal(&a, &b)), "{len} at {i}");
            }
            assert!(!bool::from(ct_equal(&a, &[a.as_slice(), &[0]].concat())));
        }
    }

    #[test]
    fn every_algorithm_verifies_what_it_signs() {
        let secret = |b: &[u8]| vec![Secret::new(b)];
        let ed_seed = [9u8; 32];
        let ed_public = ed25519_dalek::SigningKey::from_bytes(&ed_seed)
            .verifying_key()
            .to_bytes();
        let p256_scalar = [3u8; 32];
        let p256_public = p256::ecdsa::SigningKey::from_slice(&p256_scalar)
            .unwrap()
            .verifying_key()
            .to_sec1_point(false);
        let cases: [(Algorithm, Vec<Secret>, Vec<Secret>); 6] = [
            (Algorithm::HmacSha1, secret(b"k"), secret(b"k")),
            (Algorithm::HmacSha256, secret(b"k"), secret(b"k")),
            (Algorithm::HmacSha512, secret(b"k"), secret(b"k")),
            (Algorithm::Token, secret(b"tok"), secret(b"tok")),
            (Algorithm::Ed25519, secret(&ed_seed), secret(&ed_public)),
            (
                Algorithm::EcdsaP256,
                secret(&p256_scalar),
                secret(p256_public.as_bytes()),
            ),
        ];
        for (algorithm, signing, verifying) in cases {
            let write = |input: &mut SigningInput<'_>| {
                input.update(b"12.");
                input.update(b"body");
            };
            let signatures = SigningKeys::new(algorithm, &signing).unwrap().sign(write);
            let keys = VerifyingKeys::new(algorithm, &verifying).unwrap();
            assert_eq!(keys.find(&signatures, write), Some(0), "{algorithm:?}");
            let other = |input: &mut SigningInput<'_>| input.update(b"12.bodY");
            if algorithm != Algorithm::Token {
                assert_eq!(keys.find(&signatures, other), None, "{algorithm:?}");
            }
            if let Some(len) = algorithm.tag_len() {
                assert_eq!(signatures[0].as_bytes().len(), len);
            }
        }
    }

    #[test]
    fn bad_key_material_is_a_config_error() {
        let one = |b: &[u8]| vec![Secret::new(b)];
        assert!(VerifyingKeys::new(Algorithm::Ed25519, &one(&[1; 31])).is_err());
        // The identity point has small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(VerifyingKeys::new(Algorithm::Ed25519, &one(&identity)).is_err());
        assert!(VerifyingKeys::new(Algorithm::EcdsaP256, &one(&[4; 65])).is_err());
        assert!(SigningKeys::new(Algorithm::EcdsaP256, &one(&[0; 32])).is_err());
        assert!(SigningKeys::new(Algorithm::Ed25519, &one(&[1; 64])).is_err());
        assert!(VerifyingKeys::new(Algorithm::HmacSha256, &[]).is_err());
        assert!(VerifyingKeys::new(Algorithm::Token, &one(b"")).is_err());
    }
}
