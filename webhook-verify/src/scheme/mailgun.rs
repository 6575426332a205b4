//! Mailgun webhooks: the signature is in the body, and **the body is not
//! signed**.
//!
//! ```text
//! POST /hook
//! Content-Type: application/json
//!
//! {"signature":{"timestamp":"1770920772",
//!               "token":"e0b5477167110d68991efc6b9f89f0a11066af27834600e123",
//!               "signature":"<hex HMAC-SHA256(webhook signing key, "{timestamp}{token}")>"
//!               [,"parent-signature":"<hex, the parent account's key>"]},
//!  "event-data":{…}}
//!
//! legacy webhooks and routes (application/x-www-form-urlencoded):
//! timestamp=1770920772&token=e0b5…&signature=<hex>&…
//! ```
//!
//! # What a verified Mailgun request proves — and what it doesn't
//!
//! Mailgun signs only the timestamp and the token. **The event data is not
//! covered by the signature**: whoever obtains one genuine `signature` object
//! (from a log, a proxy, a leaked request) can attach it to any event data of
//! their choosing and it verifies, for as long as the timestamp is within
//! the tolerance. Treat the event data as a claim to be checked against
//! Mailgun's Events API when it matters, and always deduplicate on the token
//! (below), which makes each signature usable once.
//!
//! - **Algorithm**: HMAC-SHA256, hex (either case), over the timestamp text
//!   exactly as received followed directly by the token. A subaccount's
//!   event also carries `parent-signature`, the same MAC under the primary
//!   account's key; both are candidates, so a verifier holding either key
//!   accepts it. A signer with two keys writes the second as
//!   `parent-signature`; further keys are not written.
//! - **Key**: the "HTTP webhook signing key" (Mailgun dashboard → Sending →
//!   Webhooks), used as text.
//! - **Timestamp**: Unix seconds, a JSON string of digits (as Mailgun sends
//!   it) or a JSON integer. Tolerance 900 s, the default of Mailgun's official
//!   Python SDK (`max_age_seconds: int = 900`); Mailgun's documentation only
//!   warns that "there can be delays in webhook processing … so you don't
//!   want to be too aggressive with this check".
//! - **Event id**: the token, which **is** signed
//!   ([`signs_event_id`](super::SignatureScheme::signs_event_id) is `true`).
//!   Mailgun documents it as a random 50-character string and recommends
//!   caching it and refusing any later request with the same token: exactly
//!   what the idempotency layer does with a signed id. `event-data.id`
//!   identifies the event (it may be the same across retries, which the
//!   token is not documented to be), but it is unsigned like the rest of the
//!   body, so it is not reported. Tokens must be 1 to 256 visible ASCII
//!   characters.
//! - **Body formats**: a body whose first non-blank byte is `{` is read as
//!   JSON (the `signature` object); anything else as a URL-encoded form with
//!   one `timestamp`, `token` and `signature` field each (legacy webhooks,
//!   route forwarding). `multipart/form-data` bodies are not read (they are
//!   a malformed body here). Problems are
//!   [`ErrorKind::MalformedBody`](crate::ErrorKind::MalformedBody).
//! - **Signing** (for tests and senders): [`Signer::sign_body`](crate::Signer::sign_body)
//!   with the token as the event id, on a JSON object body without a
//!   `signature` member; it returns the body with `"signature":{…}` inserted
//!   as the first member and the rest of the bytes unchanged.
//!   [`Signer::sign`](crate::Signer::sign) fails for Mailgun, since headers
//!   alone can't carry the signature.
//!
//! Sources: Mailgun documentation, "Securing Webhooks"
//! (documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks:
//! the `signature` object, "Concatenate timestamp and token values together
//! with no separator", `parent-signature`); the official Python SDK
//! mailgun/mailgun-python `mailgun/security.py`
//! (`SecurityGuard.verify_webhook`: `msg = f"{raw_timestamp}{token}"`,
//! "Hash the exact raw string representation", `max_age_seconds: int = 900`).
//! Mailgun's Node.js SDK (mailgun/mailgun.js) has no verification helper.

use std::borrow::Cow;
use std::time::Duration;

use http::{HeaderMap, header};

use super::{
    ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts, SigningInput,
    WebhookRequest, require_timestamp,
};
use crate::error::{ConfigError, ConfigErrorKind, Error, ErrorKind};

/// Mailgun's official Python SDK's `max_age_seconds` default.
const TOLERANCE: Duration = Duration::from_secs(900);

/// The longest token accepted: Mailgun's are 50 characters.
const MAX_TOKEN_LEN: usize = 256;

#[derive(Debug)]
pub(crate) struct Mailgun;

impl SignatureScheme for Mailgun {
    fn name(&self) -> &'static str {
        "mailgun"
    }

    fn default_tolerance(&self) -> Duration {
        TOLERANCE
    }

    fn signs_timestamp(&self) -> bool {
        true
    }

    fn signs_event_id(&self) -> bool {
        // "{timestamp}{token}": the token is half of the MAC input.
        true
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let fields = Fields::read(request)?;
        let timestamp = parse_timestamp(&fields.timestamp)?;
        check_token(&fields.token)?;
        if fields.signatures.len() > max_signatures {
            return Err(malformed_count(max_signatures));
        }
        let candidates: Signatures = fields
            .signatures
            .iter()
            .filter_map(|text| Signature::from_hex(text, 32))
            .collect();
        Ok(ParsedSignature::new(
            Some(timestamp),
            Some(fields.token.into_owned()),
            candidates,
        ))
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        input: &mut SigningInput<'_>,
    ) {
        // Verifying: the timestamp text as received (the body is read again;
        // it parsed a moment ago). Signing: the decimal seconds.
        let received = parts.timestamp.and_then(|timestamp| {
            Fields::read(request)
                .ok()
                .map(|fields| fields.timestamp)
                .filter(|text| parse_timestamp(text).ok() == Some(timestamp))
        });
        match received {
            Some(text) => input.update(text.as_bytes()),
            None => input.update_decimal(parts.timestamp.unwrap_or_default()),
        }
        input.update(parts.event_id.unwrap_or_default().as_bytes());
    }

    fn render_headers(
        &self,
        _parts: &SignedParts<'_>,
        _signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        // Everything is in the body; see `render_body`.
        Ok(HeaderMap::new())
    }

    fn render_body(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
        body: &[u8],
    ) -> Result<Option<Vec<u8>>, ConfigError> {
        let invalid = |detail: &'static str| {
            ConfigError::new(ConfigErrorKind::InvalidInput).with_detail(detail)
        };
        let timestamp = require_timestamp(parts)?;
        let token = parts.event_id.ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::EventIdRequired)
                .with_detail("Mailgun signs a token: pass a random one as the event id")
        })?;
        if check_token(token).is_err() {
            return Err(invalid(
                "a Mailgun token is 1 to 256 visible ASCII characters",
            ));
        }
        let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice(body) else {
            return Err(invalid("a Mailgun body to sign is a JSON object"));
        };
        // Re-signing a captured event: its old signature object goes. The
        // rest is written back by serde_json (members in sorted order,
        // whitespace dropped); Mailgun signs the timestamp and token, not
        // the body, so nothing a receiver checks changes.
        let rewritten;
        let body = if object.remove("signature").is_some() {
            rewritten = serde_json::to_vec(&object)
                .map_err(|_| invalid("a Mailgun body to sign is a JSON object"))?;
            rewritten.as_slice()
        } else {
            body
        };
        let Some(first) = signatures.first() else {
            return Err(
                ConfigError::new(ConfigErrorKind::InvalidConfig).with_detail("no signing key")
            );
        };
        // The token is visible ASCII; serde_json escapes `"` and `\`.
        let token = serde_json::Value::from(token).to_string();
        let mut member = format!(
            r#""signature":{{"timestamp":"{timestamp}","token":{token},"signature":"{}""#,
            first.to_hex()
        );
        if let Some(parent) = signatures.get(1) {
            member.push_str(&format!(r#","parent-signature":"{}""#, parent.to_hex()));
        }
        member.push('}');
        // A JSON object starts with `{` after optional blanks.
        let open = body
            .iter()
            .position(|b| *b == b'{')
            .ok_or_else(|| invalid("a Mailgun body to sign is a JSON object"))?;
        let rest = &body[open + 1..];
        let empty = rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');
        let mut signed = Vec::with_capacity(body.len() + member.len() + 1);
        signed.extend_from_slice(&body[..=open]);
        signed.extend_from_slice(member.as_bytes());
        if !empty {
            signed.push(b',');
        }
        signed.extend_from_slice(rest);
        Ok(Some(signed))
    }
}

/// The signed fields, as text, from a JSON or URL-encoded body.
struct Fields<'a> {
    timestamp: Cow<'a, str>,
    token: Cow<'a, str>,
    signatures: Vec<Cow<'a, str>>,
}

impl<'a> Fields<'a> {
    fn read(request: &WebhookRequest<'a>) -> Result<Self, Error> {
        let body = request.body();
        match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Self::from_json(body),
            _ if is_multipart(request.headers()) => Err(malformed(
                "multipart/form-data bodies are not read: configure a JSON webhook",
            )),
            _ => Self::from_form(body),
        }
    }

    fn from_json(body: &[u8]) -> Result<Self, Error> {
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| malformed("not JSON"))?;
        let signature = value
            .get("signature")
            .and_then(serde_json::Value::as_object)
            .ok_or_else(|| malformed("no signature object"))?;
        let text = |name: &'static str| match signature.get(name) {
            Some(serde_json::Value::String(text)) => Ok(Some(text.clone())),
            None => Ok(None),
            Some(_) => Err(malformed(
                "a member of the signature object is not a string",
            )),
        };
        let timestamp = match signature.get("timestamp") {
            Some(serde_json::Value::String(text)) => text.clone(),
            // A JSON integer has one spelling: its decimal digits.
            Some(serde_json::Value::Number(number)) if number.is_u64() => number.to_string(),
            Some(_) => return Err(malformed("signature.timestamp is not Unix seconds")),
            None => return Err(malformed("no signature.timestamp")),
        };
        let token = text("token")?.ok_or_else(|| malformed("no signature.token"))?;
        let mut signatures =
            vec![text("signature")?.ok_or_else(|| malformed("no signature.signature"))?];
        signatures.extend(text("parent-signature")?);
        Ok(Self {
            timestamp: Cow::Owned(timestamp),
            token: Cow::Owned(token),
            signatures: signatures.into_iter().map(Cow::Owned).collect(),
        })
    }

    fn from_form(body: &'a [u8]) -> Result<Self, Error> {
        let (mut timestamp, mut token, mut signature) = (None, None, None);
        for (key, value) in form_urlencoded::parse(body) {
            let slot = match key.as_ref() {
                "timestamp" => &mut timestamp,
                "token" => &mut token,
                "signature" => &mut signature,
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(malformed("a signature field appears twice in the form"));
            }
        }
        Ok(Self {
            timestamp: timestamp.ok_or_else(|| malformed("no timestamp field"))?,
            token: token.ok_or_else(|| malformed("no token field"))?,
            signatures: vec![signature.ok_or_else(|| malformed("no signature field"))?],
        })
    }
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        })
}

fn malformed(detail: &'static str) -> Error {
    Error::new(ErrorKind::MalformedBody).with_detail(detail)
}

fn malformed_count(max: usize) -> Error {
    Error::new(ErrorKind::TooManySignatures).with_detail(format!("more than {max} signatures"))
}

/// 1 to 19 ASCII digits that fit an `i64`, as the header timestamps.
fn parse_timestamp(text: &str) -> Result<i64, Error> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("signature.timestamp is not Unix seconds"));
    }
    text.parse()
        .map_err(|_| malformed("signature.timestamp is not Unix seconds"))
}

fn check_token(token: &str) -> Result<(), Error> {
    let visible = token.bytes().all(|b| b.is_ascii_graphic());
    if token.is_empty() || token.len() > MAX_TOKEN_LEN || !visible {
        return Err(malformed(
            "signature.token is not 1 to 256 visible ASCII characters",
        ));
    }
    Ok(())
}
