//! Secrets that never show up in logs.

use std::fmt;

/// The bytes of a webhook signing key.
///
/// `Debug` prints `Secret(redacted)`, so a secret inside a configuration struct
/// cannot leak through `{:?}` or a `tracing` field. There is deliberately no
/// `Display` implementation.
///
/// Most users never build one: [`VerifierBuilder::secret`](crate::VerifierBuilder::secret)
/// and [`Signer::new`](crate::Signer::new) take the secret as the provider shows
/// it (for example `whsec_…`) and let the scheme decode it.
///
/// ```
/// use webhook_verify::Secret;
///
/// let secret = Secret::new("hunter2");
/// assert_eq!(format!("{secret:?}"), "Secret(redacted)");
/// assert_eq!(secret.expose_bytes(), b"hunter2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Box<[u8]>);

impl Secret {
    /// Wraps raw key bytes.
    pub fn new(bytes: impl AsRef<[u8]>) -> Self {
        Self(bytes.as_ref().into())
    }

    /// The raw key bytes. The name is loud on purpose: every call site is a
    /// place where the secret leaves its wrapper.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The key length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the key is empty (an empty key is rejected by the builders).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value.into_bytes().into_boxed_slice())
    }
}

impl From<Vec<u8>> for Secret {
    fn from(value: Vec<u8>) -> Self {
        Self(value.into_boxed_slice())
    }
}

impl From<&[u8]> for Secret {
    fn from(value: &[u8]) -> Self {
        Self::new(value)
    }
}
