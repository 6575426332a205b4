//! `webhook secret new`: a fresh signing secret in a scheme's own format.

use base64::Engine as _;
use webhook_verify::scheme::KeyPair;
use webhook_verify::{Scheme, SignatureScheme as _};

use crate::cli::{SecretArgs, SecretCommand, SecretNewArgs};
use crate::output::{self, write_secret};
use crate::{Run, RunContext};

/// A new secret for `scheme`, from the thread-local CSPRNG (`rand`'s
/// `ThreadRng`, seeded from the OS):
///
/// | scheme | format |
/// |---|---|
/// | `webhook` | 64 hex digits (32 bytes) |
/// | `stripe` | `whsec_` + 32 alphanumerics, as Stripe's endpoint secrets |
/// | `standard` | `whsec_` + base64 of 32 bytes (the spec allows 24–64) |
/// | `github` | 64 hex digits (32 bytes; GitHub takes any high-entropy text) |
/// | `slack` | 32 hex digits (16 bytes), as Slack's signing secrets |
pub(crate) fn new_secret(scheme: Scheme) -> String {
    match scheme {
        Scheme::Stripe => {
            const ALPHANUMERIC: &[u8] =
                b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
            use rand::Rng as _;
            let mut rng = rand::rng();
            let text: String = (0..32)
                .map(|_| char::from(ALPHANUMERIC[rng.random_range(0..ALPHANUMERIC.len())]))
                .collect();
            format!("whsec_{text}")
        }
        Scheme::Standard => {
            let key: [u8; 32] = rand::random();
            format!(
                "whsec_{}",
                base64::engine::general_purpose::STANDARD.encode(key)
            )
        }
        Scheme::Slack => hex::encode(rand::random::<[u8; 16]>()),
        _ => hex::encode(rand::random::<[u8; 32]>()),
    }
}

/// A fresh key for a scheme: a shared secret, or a key pair for the
/// asymmetric schemes.
pub(crate) enum NewKey {
    /// The secret both sides hold.
    Shared(String),
    /// The receiver's public key and the sender's private key.
    Pair(KeyPair),
}

/// A new key for `scheme` from the thread-local CSPRNG: [`new_secret`] for
/// the shared-secret schemes, a [`KeyPair`] in the provider's formats for
/// the asymmetric ones (discord, standard-v1a, sendgrid).
pub(crate) fn new_key(scheme: Scheme) -> anyhow::Result<NewKey> {
    if scheme.algorithm().is_symmetric() {
        return Ok(NewKey::Shared(new_secret(scheme)));
    }
    // A P-256 seed outside the scalar range (about 2^-128) is drawn again.
    let mut last = None;
    for _ in 0..4 {
        match KeyPair::generate(scheme, rand::random()) {
            Ok(pair) => return Ok(NewKey::Pair(pair)),
            Err(err) => last = Some(err),
        }
    }
    Err(anyhow::anyhow!(
        "cannot make a {scheme} key pair: {}",
        last.map(|e| e.to_string()).unwrap_or_default()
    ))
}

impl Run for SecretArgs {
    async fn run(self, ctx: &RunContext) -> anyhow::Result<()> {
        match self.command {
            SecretCommand::New(args) => args.run(ctx).await,
        }
    }
}

impl Run for SecretNewArgs {
    async fn run(self, _ctx: &RunContext) -> anyhow::Result<()> {
        let scheme: Scheme = self.scheme.into();
        let key = new_key(scheme)?;
        output::print(|out| write_secret(out, self.output.format(), scheme, &key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheme_accepts_its_new_key() {
        for &scheme in Scheme::ALL {
            let (verifying, signing) = match new_key(scheme).unwrap() {
                NewKey::Shared(secret) => (secret.clone(), secret),
                NewKey::Pair(pair) => (pair.verifying().to_owned(), pair.signing().to_owned()),
            };
            // Linear reads its timestamp (ms) from the body; the others
            // ignore the field.
            let body = br#"{"webhookTimestamp":1700000000000}"#;
            let signer = webhook_verify::Signer::new(scheme, &signing).unwrap();
            // Mailgun's signature goes into the body.
            let (headers, body) = signer
                .sign_body(body, 1_700_000_000, Some("evt_1"))
                .unwrap();
            let verifier = webhook_verify::Verifier::builder(scheme)
                .secret(&verifying)
                .clock(|| 1_700_000_000)
                .build()
                .unwrap();
            verifier
                .verify(&headers, &body)
                .unwrap_or_else(|e| panic!("{scheme}: {e}"));
            let again = match new_key(scheme).unwrap() {
                NewKey::Shared(secret) => secret,
                NewKey::Pair(pair) => pair.verifying().to_owned(),
            };
            assert_ne!(again, verifying, "{scheme}: not random");
        }
        assert!(new_secret(Scheme::Standard).starts_with("whsec_"));
        assert_eq!(new_secret(Scheme::Stripe).len(), "whsec_".len() + 32);
        assert_eq!(new_secret(Scheme::Slack).len(), 32);
    }
}
