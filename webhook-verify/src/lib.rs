//! Verify (and sign) webhooks from Stripe, Standard Webhooks/Svix, GitHub,
//! Slack, this toolkit's default format, or your own provider.
//!
//! Two ways in:
//!
//! - the pure API — [`Verifier::verify`] takes the headers and the raw body
//!   bytes and returns [`Verified`] metadata or a typed [`Error`]; the clock is
//!   injectable. [`Signer`] is its mirror for senders.
//! - the tower layer — [`VerifyLayer`] buffers the body under a size limit and
//!   a read timeout, verifies it, and hands the inner service the same bytes
//!   with [`Verified`] in the request extensions.
//!
//! ```
//! use webhook_verify::{Scheme, Signer, Verifier};
//!
//! let body = br#"{"id":"evt_1"}"#;
//! let headers = Signer::new(Scheme::Webhook, "s3cret")?.sign(body, 1_700_000_000, Some("evt_1"))?;
//! let verified = Verifier::builder(Scheme::Webhook)
//!     .secret("s3cret")
//!     .clock(|| 1_700_000_000)
//!     .build()?
//!     .verify(&headers, body)?;
//! assert_eq!(verified.scheme, "webhook");
//! assert_eq!(verified.timestamp, Some(1_700_000_000));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Guarantees
//!
//! - MACs are decoded to bytes and compared in constant time (`subtle`); the
//!   MAC is fed incrementally, so the body is never copied or required to be
//!   UTF-8.
//! - Timestamps are parsed strictly (digits only) and checked in both
//!   directions with overflow-free arithmetic.
//! - Several secrets may be active at once (rotation); any that verifies passes.
//! - Secrets print as `(redacted)` in `Debug`; errors never contain a secret,
//!   an expected MAC or the body.

#![cfg_attr(docsrs, feature(doc_cfg))]

// The crate README's examples run as doctests.
#[cfg(all(doctest, feature = "axum"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod error;
pub mod headers;
mod keys;
pub mod layer;
pub mod scheme;
mod secret;
mod signer;
mod verifier;

#[cfg(feature = "axum")]
pub mod extract;

pub use error::{ConfigError, ConfigErrorKind, Error, ErrorKind};
pub use layer::{JsonErrorResponse, RejectionResponse, Verify, VerifyLayer};
pub use scheme::{Scheme, SignatureScheme};
pub use secret::Secret;
pub use signer::Signer;
pub use verifier::{
    Clock, DEFAULT_MAX_SIGNATURES, DEFAULT_TOLERANCE, SystemClock, Verified, Verifier,
    VerifierBuilder,
};
