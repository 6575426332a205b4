//! Zendesk.
//!
//! ```text
//! X-Zendesk-Webhook-Signature-Timestamp: 2021-03-18T19:25:00Z
//! X-Zendesk-Webhook-Signature: <base64 HMAC-SHA256(signing secret, "{timestamp}{body}")>
//! X-Zendesk-Webhook-Invocation-Id: 8350205582   (delivery id, not covered by the MAC)
//! X-Zendesk-Webhook-Id: 01F1KRFQ6BG29CNWFR60NK5FNY  (the webhook's id, same for every delivery: not read)
//! ```
//!
//! - **Signed bytes**: the timestamp header's text exactly as received,
//!   immediately followed by the raw body: no separator. The current docs
//!   ("Verifying webhook authenticity") say `base64(HMACSHA256(TIMESTAMP + BODY))`
//!   and their Node example does `hmac.update(timestamp + body)`. An older
//!   example is reported to put the body first (not seen while writing
//!   this); the current docs' order is the one followed here, and the
//!   body-first MAC is tested to fail. A request without a body signs the
//!   timestamp alone.
//! - **Timestamp**: ISO 8601 UTC text, `YYYY-MM-DDTHH:MM:SSZ` exactly (the
//!   form Zendesk sends), parsed strictly to Unix seconds: four-digit years
//!   from 1970 to 9999, real calendar dates, no leap second, no fraction, no
//!   offset other than `Z`; anything else is
//!   [`MalformedHeader`](crate::ErrorKind::MalformedHeader). A signer writes
//!   the same form, so it can sign only 0 ..= 253402300799
//!   (9999-12-31T23:59:59Z).
//! - **Tolerance**: the docs name the timestamp as a guard against replays
//!   but give no window; the crate's 300 s is used.
//! - **Key**: the webhook's signing secret (Admin Center → Webhooks →
//!   Signing secret, or `GET /api/v2/webhooks/{id}/signing_secret`) as text:
//!   it looks like base64, but its text bytes are the key (the Node example
//!   passes the string to `createHmac`).
//! - **Id**: `X-Zendesk-Webhook-Invocation-Id`, optional here and unsigned,
//!   so [`Verified::event_id_signed`](crate::Verified::event_id_signed) is
//!   `false`.
//!
//! Sources: developer.zendesk.com/documentation/webhooks/verifying/
//! ("Verifying the signature", NodeJS example); the
//! `X-Zendesk-Webhook-*` header list in developer.zendesk.com/api-reference/webhooks/
//! ("Webhook request headers"). Zendesk ships no verifying SDK, so the
//! vector is computed with Python's `hmac`.

use http::{HeaderMap, HeaderName};

use super::rfc3339;
use super::{
    ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts, SigningInput,
    WebhookRequest, header_value, optional_header, optional_headers, require,
};
use crate::error::{ConfigError, ConfigErrorKind, Error, ErrorKind};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-zendesk-webhook-signature");
pub(crate) const TIMESTAMP: HeaderName =
    HeaderName::from_static("x-zendesk-webhook-signature-timestamp");
pub(crate) const INVOCATION_ID: HeaderName =
    HeaderName::from_static("x-zendesk-webhook-invocation-id");

#[derive(Debug)]
pub(crate) struct Zendesk;

impl SignatureScheme for Zendesk {
    fn name(&self) -> &'static str {
        "zendesk"
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn timestamp_header(&self) -> Option<HeaderName> {
        Some(TIMESTAMP)
    }

    fn id_header(&self) -> Option<HeaderName> {
        Some(INVOCATION_ID)
    }

    fn signs_timestamp(&self) -> bool {
        true
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let [signature, timestamp, id] =
            optional_headers(request.headers(), [&SIGNATURE, &TIMESTAMP, &INVOCATION_ID])?;
        let signature = require(signature, &SIGNATURE)?;
        let text = require(timestamp, &TIMESTAMP)?;
        let timestamp = parse_iso8601(text).ok_or_else(|| {
            Error::new(ErrorKind::MalformedHeader)
                .with_header(TIMESTAMP)
                .with_detail("timestamp is not YYYY-MM-DDTHH:MM:SSZ")
        })?;
        Ok(ParsedSignature::new(
            Some(timestamp),
            id.map(str::to_owned),
            Signatures::from(Signature::from_base64(signature, 32)),
        ))
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        // Verifying: the header's text as received (`parse` read it, so it
        // names `parts.timestamp`). Signing: the text a sender writes.
        let received = optional_header(request.headers(), &TIMESTAMP)
            .ok()
            .flatten()
            .filter(|text| parts.timestamp.is_some() && parse_iso8601(text) == parts.timestamp);
        match received {
            Some(text) => mac.update(text.as_bytes()),
            None => {
                if let Some(text) = parts.timestamp.and_then(format_iso8601) {
                    mac.update(text.as_bytes());
                }
            }
        }
        mac.update(request.body());
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        let text = parts.timestamp.and_then(format_iso8601).ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::InvalidInput).with_detail(
                "a timestamp from 0 to 253402300799 (9999-12-31T23:59:59Z) is required",
            )
        })?;
        // Zendesk sends one signature; during a rotation the first secret signs.
        let tag = super::first_signature(signatures)?;
        let mut headers = HeaderMap::new();
        if let Some(id) = parts.event_id {
            headers.insert(INVOCATION_ID, header_value(id)?);
        }
        headers.insert(TIMESTAMP, header_value(&text)?);
        headers.insert(SIGNATURE, header_value(&tag.to_base64())?);
        Ok(headers)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` to Unix seconds; `None` for anything else,
/// including dates before 1970, impossible dates, a leap second, a
/// fraction, a lowercase `t`/`z` or an offset (RFC 3339 allows them; Zendesk
/// sends none of them).
fn parse_iso8601(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 20 || b[10] != b'T' || b[19] != b'Z' || &b[17..19] == b"60" {
        return None;
    }
    rfc3339::parse(text).filter(|unix| *unix >= 0)
}

/// Unix seconds to `YYYY-MM-DDTHH:MM:SSZ`; `None` outside 0 ..= 9999-12-31T23:59:59Z.
fn format_iso8601(timestamp: i64) -> Option<String> {
    rfc3339::format(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_round_trips_at_the_edges() {
        for (text, ts) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2021-03-18T19:25:00Z", 1_616_095_500),
            ("2000-02-29T23:59:59Z", 951_868_799),
            ("2024-12-31T23:59:59Z", 1_735_689_599),
            ("9999-12-31T23:59:59Z", rfc3339::MAX_UNIX),
        ] {
            assert_eq!(parse_iso8601(text), Some(ts), "{text}");
            assert_eq!(format_iso8601(ts).as_deref(), Some(text), "{ts}");
        }
        assert_eq!(format_iso8601(-1), None);
        assert_eq!(format_iso8601(rfc3339::MAX_UNIX + 1), None);
        assert_eq!(format_iso8601(i64::MAX), None);
        // Every day of a leap cycle round-trips.
        for ts in (0..4 * 366 * 86_400).step_by(86_399) {
            let text = format_iso8601(ts).expect("in range");
            assert_eq!(parse_iso8601(&text), Some(ts), "{text}");
        }
    }

    #[test]
    fn iso8601_parsing_is_strict() {
        for bad in [
            "",
            "2021-03-18T19:25:00",
            "2021-03-18T19:25:00z",
            "2021-03-18t19:25:00Z",
            "2021-03-18 19:25:00Z",
            "2021-03-18T19:25:00.000Z",
            "2021-03-18T19:25:00+00:00",
            "1969-12-31T23:59:59Z",
            "2021-13-01T00:00:00Z",
            "2021-00-01T00:00:00Z",
            "2021-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2021-04-31T00:00:00Z",
            "2021-03-00T00:00:00Z",
            "2021-03-18T24:00:00Z",
            "2021-03-18T19:60:00Z",
            "2021-03-18T19:25:60Z",
            "+021-03-18T19:25:00Z",
            "2021-3-18T19:25:00Z ",
            "1700000000",
            "２０２１-03-18T19:25:00Z",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad:?}");
        }
    }
}
