//! Secrets from `--secret`, `--secret-file` or `WEBHOOK_SECRET`, never printed.

use std::fmt;
use std::str::FromStr;

use std::time::Duration;

use webhook_verify::{ConfigError, ConfigErrorKind, Scheme, Signer, Verifier};

use crate::cli::SigningArgs;
use crate::errors::UsageError;

/// A secret given on the command line. `Debug` prints `(redacted)`; there is
/// no `Display`.
#[derive(Clone)]
pub(crate) struct SecretArg(String);

impl SecretArg {
    /// The secret text, for handing to the signer or verifier only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl FromStr for SecretArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err("the secret is empty".to_owned());
        }
        Ok(Self(s.to_owned()))
    }
}

impl SigningArgs {
    pub(crate) fn scheme(&self) -> Scheme {
        self.scheme.into()
    }

    /// Every secret: `--secret` values (or `WEBHOOK_SECRET`) first, then
    /// the lines of `--secret-file`. None at all is a usage error.
    pub(crate) fn secrets(&self) -> anyhow::Result<Vec<SecretArg>> {
        let mut secrets = self.secrets.clone();
        if let Some(path) = &self.secret_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                UsageError(format!("cannot read --secret-file {}: {e}", path.display()))
            })?;
            secrets.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(|line| SecretArg(line.to_owned())),
            );
        }
        if secrets.is_empty() {
            return Err(UsageError(
                "no secret: pass --secret, --secret-file or set WEBHOOK_SECRET".to_owned(),
            )
            .into());
        }
        Ok(secrets)
    }

    pub(crate) fn signer(&self) -> anyhow::Result<Signer> {
        let secrets = self.secrets()?;
        Signer::with_secrets(self.scheme(), secrets.iter().map(SecretArg::expose))
            .map_err(|e| self.bad_secret(e))
    }

    /// A verifier for the scheme and secrets: the provider's own tolerance
    /// unless `tolerance` overrides it, and the public URL the provider
    /// signs, for schemes that sign the URL.
    pub(crate) fn verifier(
        &self,
        tolerance: Option<Duration>,
        public_url: Option<&str>,
    ) -> anyhow::Result<Verifier> {
        let mut builder = Verifier::builder(self.scheme());
        if let Some(tolerance) = tolerance {
            builder = builder.tolerance(tolerance);
        }
        if let Some(url) = public_url {
            builder = builder.public_url(url);
        }
        for secret in self.secrets()? {
            builder = builder.secret(secret.expose());
        }
        builder.build().map_err(|e| self.bad_config(e))
    }

    /// A secret the scheme cannot use is a bad argument (exit 2). The
    /// message names the scheme's format (the library's detail says it),
    /// never the secret.
    fn bad_secret(&self, err: ConfigError) -> anyhow::Error {
        UsageError(format!("unusable --secret for {}: {err}", self.scheme())).into()
    }

    /// Like [`bad_secret`](Self::bad_secret), but the verifier's other
    /// settings (the public URL) can be what is wrong.
    fn bad_config(&self, err: ConfigError) -> anyhow::Error {
        match err.kind() {
            ConfigErrorKind::InvalidSecret => self.bad_secret(err),
            _ => UsageError(format!("cannot verify {}: {err}", self.scheme())).into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let secret: SecretArg = "hunter2".parse().unwrap();
        assert_eq!(format!("{secret:?}"), "(redacted)");
        assert!(!format!("{:?}", vec![secret]).contains("hunter2"));
    }
}
