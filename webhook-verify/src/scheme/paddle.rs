//! Paddle Billing.
//!
//! ```text
//! Paddle-Signature: ts=1671552777;h1=<hex HMAC-SHA256(secret, "{ts}:{body}")>[;h1=<hex>…]
//! ```
//!
//! - **Signed bytes**: the decimal timestamp, `:`, the raw body. Both SDKs
//!   parse `ts` as an integer and sign it re-rendered (`f"{timestamp}:{raw_body}"`,
//!   `` `${headers.ts}:${requestBody}` ``); `ts` is parsed strictly here (1
//!   to 19 ASCII digits), so the two agree for anything Paddle sends.
//! - **Entries**: `;`-separated `key=value`, no whitespace. `ts` must appear
//!   exactly once. Every `h1` is tried (several during a secret rotation).
//!   The SDKs disagree here: paddle-python-sdk tries every `h1` but raises
//!   on any other key; paddle-node-sdk keeps only the **last** `h1` and
//!   ignores other keys. Decision: every `h1` is tried (the Python SDK, and
//!   rotation needs it) and unknown keys such as `h2` are ignored (the Node
//!   SDK, and its "multiple hashes" test sends an `h2`). An entry without
//!   `=` is malformed; `ts` and all entries together count against the
//!   signature cap (`max_signatures` + 1, as for Stripe).
//! - **Tolerance**: 5 s, the default of both official SDKs
//!   (`MAX_VALID_TIME_DIFFERENCE = 5`, `Verifier(maximum_variance=5)`).
//!   The SDKs reject only timestamps older than that; this crate's window
//!   is symmetric, so a receiver whose clock runs more than 5 s behind
//!   Paddle's rejects fresh deliveries as from the future. Keep the clock
//!   synchronised or widen the window with
//!   [`VerifierBuilder::tolerance`](crate::VerifierBuilder::tolerance).
//! - **Key**: the notification destination's secret key as displayed
//!   (`pdl_ntfset_…`, older ones `pdl_ntf_…`), used as text: its UTF-8
//!   bytes are the HMAC key, nothing is decoded.
//! - **Id**: none in a header; the body's `event_id` (`evt_…`) is covered
//!   by the MAC (`IdSource::json("/event_id")`).
//!
//! Sources: developer.paddle.com/webhooks/signature-verification
//! ("Build signed payload": `{ts}:{body}`; "Compare signatures");
//! PaddleHQ/paddle-python-sdk `paddle_billing/Notifications/PaddleSignature.py`
//! and `Verifier.py`, test `tests/Unit/Notification/test_Verifier.py`;
//! PaddleHQ/paddle-node-sdk `src/notifications/helpers/webhooks-validator.ts`,
//! test `src/__tests__/notifications/webhooks-validator.node.test.ts`.

use std::time::Duration;

use http::{HeaderMap, HeaderName};

use super::{
    ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts, SigningInput,
    WebhookRequest, header_value, hex_tag, parse_timestamp, require_timestamp, required_header,
};
use crate::error::{ConfigError, Error, ErrorKind};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("paddle-signature");

/// Both official SDKs' default window.
const TOLERANCE: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub(crate) struct Paddle;

impl SignatureScheme for Paddle {
    fn name(&self) -> &'static str {
        "paddle"
    }

    fn default_tolerance(&self) -> Duration {
        TOLERANCE
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn signs_timestamp(&self) -> bool {
        true
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let value = required_header(request.headers(), &SIGNATURE)?;
        let malformed = |detail| {
            Error::new(ErrorKind::MalformedHeader)
                .with_header(SIGNATURE)
                .with_detail(detail)
        };
        let mut timestamp = None;
        let mut tags = Signatures::new();
        // `ts=` plus the signature entries share the cap.
        let max = max_signatures.saturating_add(1);
        for (count, entry) in value.split(';').enumerate() {
            if count == max {
                return Err(Error::new(ErrorKind::TooManySignatures)
                    .with_header(SIGNATURE)
                    .with_detail(format!("more than {max} entries")));
            }
            let Some((key, text)) = entry.split_once('=') else {
                return Err(malformed("entry without '='"));
            };
            match key {
                "ts" if timestamp.is_some() => return Err(malformed("more than one ts=")),
                "ts" => timestamp = Some(parse_timestamp(text, &SIGNATURE)?),
                "h1" => tags.extend(hex_tag(text)),
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or_else(|| malformed("no ts= timestamp"))?;
        Ok(ParsedSignature::new(Some(timestamp), None, tags))
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        mac.update_decimal(parts.timestamp.unwrap_or_default());
        mac.update(b":");
        mac.update(request.body());
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        let timestamp = require_timestamp(parts)?;
        let mut value = format!("ts={timestamp}");
        for tag in signatures {
            value.push_str(";h1=");
            value.push_str(&tag.to_hex());
        }
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE, header_value(&value)?);
        Ok(headers)
    }
}
