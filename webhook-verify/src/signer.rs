//! Signing, for senders: the mirror of [`Verifier`](crate::Verifier).

use std::fmt;
use std::sync::Arc;

use hmac::Mac;
use http::HeaderMap;

use crate::error::ConfigError;
use crate::scheme::{HmacSha256, SignatureScheme, SignedParts, Tag, mac_input};
use crate::secret::Secret;
use crate::verifier::{Clock as _, SystemClock, hmac_keys};

/// Produces the signature headers of a scheme for a body.
///
/// With several secrets (a rotation in progress) every scheme that allows
/// several entries gets one per secret; GitHub and Slack carry one and are
/// signed with the first.
///
/// ```
/// use webhook_verify::{Scheme, Signer};
///
/// let signer = Signer::new(Scheme::Stripe, "whsec_test")?;
/// let headers = signer.sign(b"{}", 1_700_000_000, None)?;
/// let value = headers["stripe-signature"].to_str().unwrap();
/// assert!(value.starts_with("t=1700000000,v1="));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    scheme: Arc<dyn SignatureScheme>,
    keys: Arc<[HmacSha256]>,
}

impl Signer {
    /// A signer with one secret as the provider shows it (decoded by the scheme).
    pub fn new(scheme: impl SignatureScheme, secret: impl AsRef<str>) -> Result<Self, ConfigError> {
        Self::with_secrets(scheme, [secret])
    }

    /// A signer with several secrets (as the provider shows them).
    pub fn with_secrets<S: AsRef<str>>(
        scheme: impl SignatureScheme,
        secrets: impl IntoIterator<Item = S>,
    ) -> Result<Self, ConfigError> {
        let secrets = secrets
            .into_iter()
            .map(|s| scheme.decode_secret(s.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_secrets(scheme, &secrets)
    }

    /// A signer with raw key bytes, bypassing the scheme's decoding.
    pub fn from_secrets(
        scheme: impl SignatureScheme,
        secrets: &[Secret],
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            keys: hmac_keys(secrets)?.into(),
            scheme: Arc::new(scheme),
        })
    }

    /// The scheme's name.
    pub fn scheme_name(&self) -> &'static str {
        self.scheme.name()
    }

    /// The raw tags for `body`, one per secret.
    pub fn tags(&self, body: &[u8], timestamp: i64, event_id: Option<&str>) -> Vec<Tag> {
        let parts = SignedParts::new(Some(timestamp), event_id);
        self.keys
            .iter()
            .map(|key| {
                let mut mac = key.clone();
                self.scheme
                    .write_signed_payload(&parts, body, &mut mac_input(&mut mac));
                mac.finalize().into_bytes().into()
            })
            .collect()
    }

    /// The headers to send with `body`, signed at `timestamp` (Unix seconds;
    /// ignored by GitHub), with `event_id` where the scheme carries one
    /// (required by Standard Webhooks).
    pub fn sign(
        &self,
        body: &[u8],
        timestamp: i64,
        event_id: Option<&str>,
    ) -> Result<HeaderMap, ConfigError> {
        let tags = self.tags(body, timestamp, event_id);
        self.scheme
            .render_headers(&SignedParts::new(Some(timestamp), event_id), &tags)
    }
}

impl Signer {
    /// [`sign`](Self::sign) at the current time of the system clock (the
    /// same clock [`Verifier`](crate::Verifier) checks against by default).
    ///
    /// ```
    /// use webhook_verify::{Scheme, Signer, Verifier};
    ///
    /// let signer = Signer::new(Scheme::Stripe, "whsec_test")?;
    /// let headers = signer.sign_now(br#"{"id":"evt_1"}"#, None)?;
    /// Verifier::new(Scheme::Stripe, "whsec_test")?.verify(&headers, br#"{"id":"evt_1"}"#)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_now(&self, body: &[u8], event_id: Option<&str>) -> Result<HeaderMap, ConfigError> {
        self.sign(body, SystemClock.now_unix(), event_id)
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("scheme", &self.scheme.name())
            .field("secrets", &format_args!("{} (redacted)", self.keys.len()))
            .finish()
    }
}
