//! [`KeyPair`]: a fresh key pair for an asymmetric scheme, in the
//! provider's own text formats.

use std::fmt;

use p256::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};

use super::{Algorithm, SignatureScheme};
use crate::error::{ConfigError, ConfigErrorKind};

/// The raw halves of a key pair, handed to
/// [`SignatureScheme::format_key_pair`] to be written in the provider's
/// format.
///
/// | algorithm | `public` | `private` |
/// |---|---|---|
/// | [`Ed25519`](Algorithm::Ed25519) | the 32-byte public key | the 32-byte seed |
/// | [`EcdsaP256`](Algorithm::EcdsaP256) | DER `SubjectPublicKeyInfo` | DER PKCS#8 `PrivateKeyInfo` |
pub struct RawKeyPair<'a> {
    /// The public half.
    pub public: &'a [u8],
    /// The private half.
    pub private: &'a [u8],
}

impl fmt::Debug for RawKeyPair<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawKeyPair(redacted)")
    }
}

/// A key pair for an asymmetric scheme (Discord, Standard Webhooks `v1a`,
/// SendGrid), each half in the text format the provider uses: the
/// [`verifying`](Self::verifying) key goes to
/// [`Verifier::new`](crate::Verifier::new), the [`signing`](Self::signing)
/// key to [`Signer::new`](crate::Signer::new). `Debug` hides the signing
/// key.
///
/// ```
/// use webhook_verify::scheme::KeyPair;
/// use webhook_verify::{Scheme, Signer, Verifier};
///
/// // Seed it from a CSPRNG (`rand::random()`, `getrandom`): this one is fixed.
/// let pair = KeyPair::generate(Scheme::Discord, [7; 32])?;
/// assert_eq!(pair.verifying().len(), 64); // Discord shows 64 hex digits
/// let headers = Signer::new(Scheme::Discord, pair.signing())?.sign(b"{}", 1_700_000_000, None)?;
/// Verifier::builder(Scheme::Discord)
///     .secret(pair.verifying())
///     .clock(|| 1_700_000_000)
///     .build()?
///     .verify(&headers, b"{}")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct KeyPair {
    verifying: String,
    signing: String,
}

impl KeyPair {
    /// Builds the pair whose private half comes from `seed` (32 bytes from
    /// a CSPRNG) and writes both halves in the scheme's format.
    ///
    /// Fails with [`ConfigErrorKind::InvalidConfig`] for a scheme with a
    /// shared secret (HMAC, token), and with
    /// [`ConfigErrorKind::InvalidSecret`] for the P-256 seeds (one in
    /// about 2^128) that are not a valid scalar: draw another.
    pub fn generate(scheme: impl SignatureScheme, seed: [u8; 32]) -> Result<Self, ConfigError> {
        let unsupported = || {
            let why = if scheme.algorithm().is_symmetric() {
                "uses a shared secret, not a key pair"
            } else {
                "has no key-pair format (SignatureScheme::format_key_pair)"
            };
            ConfigError::new(ConfigErrorKind::InvalidConfig)
                .with_detail(format!("{} {why}", scheme.name()))
        };
        let pair = match scheme.algorithm() {
            Algorithm::Ed25519 => {
                let key = ed25519_dalek::SigningKey::from_bytes(&seed);
                let public = key.verifying_key().to_bytes();
                scheme.format_key_pair(&RawKeyPair {
                    public: &public,
                    private: &seed,
                })
            }
            Algorithm::EcdsaP256 => {
                let invalid = || {
                    ConfigError::new(ConfigErrorKind::InvalidSecret)
                        .with_detail("the seed is not a valid P-256 scalar: draw another")
                };
                let key = p256::SecretKey::from_slice(&seed).map_err(|_| invalid())?;
                let public = key
                    .public_key()
                    .to_public_key_der()
                    .map_err(|_| invalid())?;
                let private = key.to_pkcs8_der().map_err(|_| invalid())?;
                scheme.format_key_pair(&RawKeyPair {
                    public: public.as_bytes(),
                    private: private.as_bytes(),
                })
            }
            _ => None,
        };
        let (verifying, signing) = pair.ok_or_else(unsupported)?;
        // The scheme must read back what it wrote.
        scheme.decode_secret(&verifying)?;
        scheme.decode_signing_key(&signing)?;
        Ok(Self { verifying, signing })
    }

    /// The public key, as the provider displays it: what a receiver
    /// verifies with.
    pub fn verifying(&self) -> &str {
        &self.verifying
    }

    /// The private key, in the format [`Signer`](crate::Signer) reads for
    /// the scheme: what a sender signs with. Keep it secret.
    pub fn signing(&self) -> &str {
        &self.signing
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("verifying", &self.verifying)
            .field("signing", &"(redacted)")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scheme;

    #[test]
    fn shared_secret_schemes_have_no_key_pair_and_debug_hides_the_private_half() {
        for &scheme in Scheme::ALL {
            let result = KeyPair::generate(scheme, [9; 32]);
            if scheme.algorithm().is_symmetric() {
                let err = result.expect_err("no key pair for a shared secret");
                assert_eq!(err.kind(), ConfigErrorKind::InvalidConfig, "{scheme}");
                continue;
            }
            let pair = result.unwrap_or_else(|e| panic!("{scheme}: {e}"));
            let debug = format!("{pair:?}");
            assert!(!debug.contains(pair.signing()), "{scheme}: {debug}");
            assert!(debug.contains(pair.verifying()), "{scheme}: {debug}");
            // A different seed, a different pair.
            let other = KeyPair::generate(scheme, [10; 32]).expect("valid");
            assert_ne!(other.verifying(), pair.verifying(), "{scheme}");
        }
    }

    #[test]
    fn a_p256_seed_outside_the_scalar_range_is_refused() {
        for seed in [[0; 32], [0xff; 32]] {
            let err = KeyPair::generate(Scheme::SendGrid, seed).expect_err("not a scalar");
            assert_eq!(err.kind(), ConfigErrorKind::InvalidSecret);
        }
    }
}
