//! `webhook secret new`: a fresh signing secret in a scheme's own format.

use base64::Engine as _;
use webhook_verify::Scheme;

use crate::cli::{SecretArgs, SecretCommand};
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

impl Run for SecretArgs {
    async fn run(self, _ctx: &RunContext) -> anyhow::Result<()> {
        match self.command {
            SecretCommand::New(args) => {
                let scheme: Scheme = args.scheme.into();
                let secret = new_secret(scheme);
                output::print(|out| write_secret(out, args.output.format(), scheme, &secret))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheme_accepts_its_new_secret() {
        for &scheme in Scheme::ALL {
            let secret = new_secret(scheme);
            let signer = webhook_verify::Signer::new(scheme, &secret).unwrap();
            let headers = signer.sign(b"{}", 1_700_000_000, Some("evt_1")).unwrap();
            let verifier = webhook_verify::Verifier::builder(scheme)
                .secret(&secret)
                .clock(|| 1_700_000_000)
                .build()
                .unwrap();
            verifier.verify(&headers, b"{}").unwrap();
            assert_ne!(secret, new_secret(scheme), "{scheme}: not random");
        }
        assert!(new_secret(Scheme::Standard).starts_with("whsec_"));
        assert_eq!(new_secret(Scheme::Stripe).len(), "whsec_".len() + 32);
        assert_eq!(new_secret(Scheme::Slack).len(), 32);
    }
}
