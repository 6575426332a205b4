//! GitLab.
//!
//! ```text
//! X-Gitlab-Token: <the secret token, as configured>
//! Idempotency-Key: 908a6d9e-45fd-46c8-97e6-c4f350f219dd   (event id, same on every retry; not covered)
//! X-Gitlab-Event: Push Hook                               (not read)
//! X-Gitlab-Event-UUID: …, X-Gitlab-Webhook-UUID: …         (not read)
//! ```
//!
//! - **Nothing is signed.** GitLab sends the webhook's secret token as it
//!   is ([`Algorithm::Token`]); it is compared in constant time (both
//!   sides' SHA-256 digests). Anyone who sees one delivery (a proxy log, a
//!   TLS-terminating load balancer) can forge any body, and a captured
//!   delivery can be replayed forever: use HTTPS end to end, keep the token
//!   out of logs, and pair this scheme with the idempotency layer keyed on
//!   `Idempotency-Key`.
//! - **Key**: the secret token set on the webhook. It travels in a header,
//!   so it must be visible ASCII (spaces allowed inside) without leading or
//!   trailing whitespace; anything else is a configuration error
//!   ([`ConfigErrorKind::InvalidSecret`]), since no delivery could carry it.
//! - **Timestamp**: none.
//! - **Id**: `Idempotency-Key` (GitLab 17.4+), which stays the same across
//!   retries of one event, unlike `X-Gitlab-Event-UUID` (recursion
//!   detection) and `X-Gitlab-Webhook-UUID` (one per request); optional here
//!   and unsigned, so [`Verified::event_id_signed`](crate::Verified::event_id_signed)
//!   is `false`.
//! - **Vectors**: a token scheme has no computed value to check; the vector
//!   is GitLab's documented header set for a push event with a token of our
//!   choosing.
//!
//! Sources: docs.gitlab.com/user/project/integrations/webhooks/ ("Secret
//! token": "the token is sent with the hook request in the `X-Gitlab-Token`
//! HTTP header"; "Delivery headers": `Idempotency-Key`,
//! `X-Gitlab-Event-UUID`, `X-Gitlab-Webhook-UUID`); gitlab-org/gitlab
//! `app/services/web_hook_service.rb` (`build_headers`), MR !160952
//! ("Implement Idempotency-keys for webhooks").

use http::{HeaderMap, HeaderName, HeaderValue};

use super::{
    Algorithm, ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts, SigningInput,
    WebhookRequest, header_value, optional_headers, require,
};
use crate::error::{ConfigError, ConfigErrorKind, Error};
use crate::secret::Secret;

pub(crate) const TOKEN: HeaderName = HeaderName::from_static("x-gitlab-token");
pub(crate) const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

#[derive(Debug)]
pub(crate) struct GitLab;

impl SignatureScheme for GitLab {
    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::Token
    }

    fn decode_secret(&self, secret: &str) -> Result<Secret, ConfigError> {
        let sendable = HeaderValue::from_str(secret).is_ok_and(|v| v.to_str().is_ok())
            && secret.trim_matches([' ', '\t']) == secret;
        if !sendable {
            return Err(ConfigError::new(ConfigErrorKind::InvalidSecret).with_detail(
                "a GitLab secret token travels in a header: visible ASCII, no surrounding spaces",
            ));
        }
        Ok(Secret::new(secret))
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(TOKEN)
    }

    fn id_header(&self) -> Option<HeaderName> {
        Some(IDEMPOTENCY_KEY)
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let [token, id] = optional_headers(request.headers(), [&TOKEN, &IDEMPOTENCY_KEY])?;
        let token = require(token, &TOKEN)?;
        Ok(ParsedSignature::new(
            None,
            id.map(str::to_owned),
            Signatures::from(Signature::new(token.as_bytes())),
        ))
    }

    fn write_signed_payload(
        &self,
        _parts: &SignedParts<'_>,
        _request: &WebhookRequest<'_>,
        _input: &mut SigningInput<'_>,
    ) {
        // Nothing is signed: the token is compared as it is.
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        // GitLab sends one token; during a rotation the first one is sent.
        let token = super::first_signature(signatures)?;
        let token = HeaderValue::from_bytes(token.as_bytes())
            .ok()
            .filter(|v| v.to_str().is_ok())
            .ok_or_else(|| {
                ConfigError::new(ConfigErrorKind::InvalidInput)
                    .with_detail("the token is not visible ASCII")
            })?;
        let mut headers = HeaderMap::new();
        if let Some(id) = parts.event_id {
            headers.insert(IDEMPOTENCY_KEY, header_value(id)?);
        }
        headers.insert(TOKEN, token);
        Ok(headers)
    }
}
