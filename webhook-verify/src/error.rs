//! The typed errors: [`Error`] (a request failed verification) and
//! [`ConfigError`] (a verifier or signer was set up, or asked to sign,
//! wrongly).

use std::borrow::Cow;
use std::fmt;

use http::{HeaderName, StatusCode};

/// What went wrong, coarse enough to match on.
///
/// New kinds may be added, so matches need a wildcard arm.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A header the scheme needs is absent. HTTP 400.
    MissingHeader,
    /// A header the scheme reads appears more than once. HTTP 400.
    DuplicateHeader,
    /// A header is present but not in the scheme's format (not ASCII, a
    /// timestamp that is not a plain non-negative integer, an entry without
    /// `=`, …). HTTP 400.
    MalformedHeader,
    /// The signature header carries more entries than the configured cap.
    /// HTTP 400.
    TooManySignatures,
    /// No signature entry matched any of the secrets. HTTP 401.
    SignatureMismatch,
    /// The timestamp is older than the tolerance allows. HTTP 401.
    TimestampTooOld,
    /// The timestamp lies further in the future than the tolerance allows.
    /// HTTP 401.
    TimestampInFuture,
    /// The scheme reads something from the body (a signature, a signed
    /// timestamp, a handshake) and the body is not in its format. HTTP 400.
    MalformedBody,
    /// The body exceeds the layer's limit. HTTP 413.
    PayloadTooLarge,
    /// The body did not arrive within the layer's read timeout. HTTP 408.
    BodyTimeout,
    /// Reading the body failed (the client went away, a framing error). HTTP 400.
    BodyRead,
}

impl ErrorKind {
    /// The HTTP status the verify layer answers with for this kind.
    pub fn status(self) -> StatusCode {
        match self {
            Self::MissingHeader
            | Self::DuplicateHeader
            | Self::MalformedHeader
            | Self::TooManySignatures
            | Self::MalformedBody
            | Self::BodyRead => StatusCode::BAD_REQUEST,
            Self::SignatureMismatch | Self::TimestampTooOld | Self::TimestampInFuture => {
                StatusCode::UNAUTHORIZED
            }
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
        }
    }

    /// A short machine-readable code for response bodies. It names the class
    /// of failure only: never which secret, header value or MAC was expected.
    pub fn code(self) -> &'static str {
        match self {
            Self::MissingHeader
            | Self::DuplicateHeader
            | Self::MalformedHeader
            | Self::TooManySignatures
            | Self::MalformedBody => "malformed_signature",
            Self::SignatureMismatch | Self::TimestampTooOld | Self::TimestampInFuture => {
                "invalid_signature"
            }
            Self::PayloadTooLarge => "payload_too_large",
            Self::BodyTimeout => "request_timeout",
            Self::BodyRead => "body_read_error",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::MissingHeader => "missing header",
            Self::DuplicateHeader => "duplicate header",
            Self::MalformedHeader => "malformed header",
            Self::TooManySignatures => "too many signature entries",
            Self::SignatureMismatch => "no signature matched",
            Self::TimestampTooOld => "timestamp too old",
            Self::TimestampInFuture => "timestamp in the future",
            Self::PayloadTooLarge => "payload too large",
            Self::BodyTimeout => "body read timed out",
            Self::BodyRead => "body read failed",
            Self::MalformedBody => "body not in the scheme's format",
        }
    }
}

/// Why a webhook was rejected.
///
/// The message names the header and the reason; it never contains a secret,
/// an expected MAC or the body, so it is safe to log.
///
/// ```
/// use http::HeaderMap;
/// use webhook_verify::{ErrorKind, Scheme, Verifier};
///
/// let verifier = Verifier::new(Scheme::Webhook, "secret")?;
/// let err = verifier.verify(&HeaderMap::new(), b"{}").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::MissingHeader);
/// assert_eq!(err.status(), 400);
/// assert_eq!(err.to_string(), "missing header x-webhook-timestamp");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    header: Option<HeaderName>,
    detail: Option<Cow<'static, str>>,
}

impl Error {
    /// An error of `kind` with no further detail.
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            header: None,
            detail: None,
        }
    }

    /// Names the header the error is about.
    #[must_use]
    pub fn with_header(mut self, header: HeaderName) -> Self {
        self.header = Some(header);
        self
    }

    /// Adds a human-readable detail. Never put a secret, a MAC or body bytes here.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<Cow<'static, str>>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The header the error is about, when there is one.
    pub fn header(&self) -> Option<&HeaderName> {
        self.header.as_ref()
    }

    /// The HTTP status the verify layer answers with (see [`ErrorKind::status`]).
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())?;
        if let Some(header) = &self.header {
            write!(f, " {header}")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("header", &self.header)
            .field("detail", &self.detail)
            .finish()
    }
}

impl std::error::Error for Error {}

/// What kind of [`ConfigError`] happened.
///
/// New kinds may be added, so matches need a wildcard arm.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigErrorKind {
    /// A secret could not be decoded (for example a `whsec_` secret that is
    /// not base64), or is empty.
    InvalidSecret,
    /// The builder was given an unusable configuration (no secret, a zero
    /// cap).
    InvalidConfig,
    /// The scheme signs an event id (Standard Webhooks) and
    /// [`Signer::sign`](crate::Signer::sign) was given none.
    EventIdRequired,
    /// [`Signer::sign`](crate::Signer::sign) was given what the scheme cannot
    /// put on the wire: a negative timestamp, an event id with characters
    /// not allowed in a header.
    InvalidInput,
}

impl ConfigErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::InvalidSecret => "invalid secret",
            Self::InvalidConfig => "invalid configuration",
            Self::EventIdRequired => "this scheme signs an event id and none was given",
            Self::InvalidInput => "cannot sign this input",
        }
    }
}

/// Why a [`Verifier`](crate::Verifier) or [`Signer`](crate::Signer) could
/// not be built, or a signer could not sign what it was given: a mistake in
/// the caller's setup, never something a request can cause (those are
/// [`Error`]s).
///
/// The message never contains a secret.
///
/// ```
/// use webhook_verify::{ConfigErrorKind, Scheme, Signer, Verifier};
///
/// let err = Verifier::new(Scheme::Standard, "whsec_not base64!").unwrap_err();
/// assert_eq!(err.kind(), ConfigErrorKind::InvalidSecret);
///
/// let signer = Signer::new(Scheme::Standard, "whsec_c2VjcmV0")?;
/// let err = signer.sign(b"{}", 1_700_000_000, None).unwrap_err();
/// assert_eq!(err.kind(), ConfigErrorKind::EventIdRequired);
/// # Ok::<(), webhook_verify::ConfigError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigError {
    kind: ConfigErrorKind,
    detail: Option<Cow<'static, str>>,
}

impl ConfigError {
    /// An error of `kind` with no further detail.
    pub fn new(kind: ConfigErrorKind) -> Self {
        Self { kind, detail: None }
    }

    /// Adds a human-readable detail. Never put a secret here.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<Cow<'static, str>>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The kind of error.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigError")
            .field("kind", &self.kind)
            .field("detail", &self.detail)
            .finish()
    }
}

impl std::error::Error for ConfigError {}
