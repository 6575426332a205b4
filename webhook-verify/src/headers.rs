//! The header names of the built-in schemes, written once: use these
//! rather than string literals (as with `http::header`).
//!
//! [`Scheme::signature_header`](crate::Scheme::signature_header),
//! [`timestamp_header`](crate::Scheme::timestamp_header) and
//! [`id_header`](crate::Scheme::id_header) pick the right one for a scheme.
//!
//! ```
//! use webhook_verify::{Scheme, headers};
//!
//! assert_eq!(Scheme::Stripe.signature_header(), Some(headers::STRIPE_SIGNATURE));
//! assert_eq!(headers::X_WEBHOOK_SIGNATURE, "x-webhook-signature");
//! ```

use http::HeaderName;

/// `X-Webhook-Signature`: the default scheme's `v1=<hex>` entries.
pub const X_WEBHOOK_SIGNATURE: HeaderName = HeaderName::from_static("x-webhook-signature");
/// `X-Webhook-Timestamp`: the default scheme's signed Unix timestamp.
pub const X_WEBHOOK_TIMESTAMP: HeaderName = HeaderName::from_static("x-webhook-timestamp");
/// `X-Webhook-Id`: the default scheme's event id (not signed).
pub const X_WEBHOOK_ID: HeaderName = HeaderName::from_static("x-webhook-id");

/// `Stripe-Signature`: `t=<ts>,v1=<hex>…`.
pub const STRIPE_SIGNATURE: HeaderName = HeaderName::from_static("stripe-signature");

/// `webhook-signature`: Standard Webhooks' `v1,<base64>` entries.
pub const WEBHOOK_SIGNATURE: HeaderName = HeaderName::from_static("webhook-signature");
/// `webhook-timestamp`: Standard Webhooks' signed Unix timestamp.
pub const WEBHOOK_TIMESTAMP: HeaderName = HeaderName::from_static("webhook-timestamp");
/// `webhook-id`: Standard Webhooks' message id (signed).
pub const WEBHOOK_ID: HeaderName = HeaderName::from_static("webhook-id");
/// `svix-signature`: Svix's name for [`WEBHOOK_SIGNATURE`], also accepted.
pub const SVIX_SIGNATURE: HeaderName = HeaderName::from_static("svix-signature");
/// `svix-timestamp`: Svix's name for [`WEBHOOK_TIMESTAMP`], also accepted.
pub const SVIX_TIMESTAMP: HeaderName = HeaderName::from_static("svix-timestamp");
/// `svix-id`: Svix's name for [`WEBHOOK_ID`], also accepted.
pub const SVIX_ID: HeaderName = HeaderName::from_static("svix-id");

/// `X-Hub-Signature-256`: GitHub's `sha256=<hex>`.
pub const X_HUB_SIGNATURE_256: HeaderName = HeaderName::from_static("x-hub-signature-256");
/// `X-Hub-Signature`: GitHub's legacy `sha1=<hex>`, which is not verified
/// (named so that tools can strip it with the others).
pub const X_HUB_SIGNATURE: HeaderName = HeaderName::from_static("x-hub-signature");
/// `X-GitHub-Delivery`: GitHub's delivery id (not signed).
pub const X_GITHUB_DELIVERY: HeaderName = HeaderName::from_static("x-github-delivery");

/// `X-Slack-Signature`: Slack's `v0=<hex>`.
pub const X_SLACK_SIGNATURE: HeaderName = HeaderName::from_static("x-slack-signature");
/// `X-Slack-Request-Timestamp`: Slack's signed Unix timestamp.
pub const X_SLACK_REQUEST_TIMESTAMP: HeaderName =
    HeaderName::from_static("x-slack-request-timestamp");
