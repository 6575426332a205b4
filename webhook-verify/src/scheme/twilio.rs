//! Twilio.
//!
//! ```text
//! X-Twilio-Signature: <base64 HMAC-SHA1(auth token, signed bytes)>
//! I-Twilio-Idempotency-Token: <token>          (optional, not covered by the MAC)
//!
//! form posts:  signed bytes = URL ‖ k1 ‖ v1 ‖ k2 ‖ v2 …   (POST parameters sorted by
//!              name, then by value; decoded; no delimiters)
//! JSON bodies: URL carries ?…&bodySHA256=<hex SHA-256(body)>; signed bytes = URL only,
//!              and the body's hash must equal the parameter
//! ```
//!
//! - URL: the full URL Twilio requested, query string included, as
//!   [`WebhookRequest::url`] rebuilds it (configure the public URL exactly
//!   as it is entered in the Twilio console).
//! - Port: Twilio's SDKs accept a signature over the URL with *and* without
//!   the default port (`:443`/`:80` added, or any port removed) "since sig
//!   generation on back end is inconsistent". This scheme signs one URL,
//!   the one rebuilt, and tries no variants: a verifier checks one MAC per
//!   key, and a port the operator did not configure is not silently
//!   accepted. If Twilio's deliveries carry a port, put it in the public
//!   URL.
//! - Parameters: the body is read as `application/x-www-form-urlencoded`
//!   (whatever the `Content-Type`, like the SDK helpers given the parsed
//!   form): split on `&`, empty pieces skipped, name and value split at the
//!   first `=`, `+` is a space, `%XX` decoded (a `%` not followed by two
//!   hex digits is kept as is). A name or value that does not decode to
//!   UTF-8 is [`ErrorKind::MalformedBody`]: the MAC covers decoded text,
//!   so undecodable bytes would otherwise be unsigned. Parameters are
//!   sorted by name and each name's values sorted and de-duplicated, as
//!   twilio-python does (`sorted(set(values))`).
//! - Because the MAC covers the decoded, sorted parameters, not the body
//!   bytes, a body re-ordered or re-encoded (`%41` for `A`, `a=1&&b=2`)
//!   verifies: that is Twilio's design. A GET webhook has no body, so only
//!   the URL (with its query) is signed.
//! - JSON mode applies when the URL's query has a `bodySHA256` parameter; a
//!   hash that does not match, or more than one such parameter, is a
//!   [`ErrorKind::SignatureMismatch`].
//! - Key: the account's auth token, used as text. One signature, no
//!   timestamp (replays are bounded only by an idempotency layer keyed on
//!   `I-Twilio-Idempotency-Token` or the body's `MessageSid`/`CallSid`).
//!
//! Sources: twilio.com/docs/usage/security ("Validating Signatures from
//! Twilio"); twilio/twilio-python `twilio/request_validator.py`
//! (`RequestValidator.validate`, `compute_signature`, `add_port`,
//! `remove_port`) and its tests `tests/unit/test_request_validator.py`.

use std::borrow::Cow;

use http::{HeaderMap, HeaderName};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{
    Algorithm, ParsedSignature, Signature, SignatureScheme, Signatures, SignedParts, SigningInput,
    WebhookRequest, header_value, optional_headers, require, split_at,
};
use crate::error::{ConfigError, Error, ErrorKind};

pub(crate) const SIGNATURE: HeaderName = HeaderName::from_static("x-twilio-signature");
pub(crate) const IDEMPOTENCY_TOKEN: HeaderName =
    HeaderName::from_static("i-twilio-idempotency-token");

/// The query parameter that switches to JSON mode.
const BODY_SHA256: &str = "bodySHA256";

#[derive(Debug)]
pub(crate) struct Twilio;

impl SignatureScheme for Twilio {
    fn name(&self) -> &'static str {
        "twilio"
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::HmacSha1
    }

    fn signature_header(&self) -> Option<HeaderName> {
        Some(SIGNATURE)
    }

    fn id_header(&self) -> Option<HeaderName> {
        Some(IDEMPOTENCY_TOKEN)
    }

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let [signature, token] =
            optional_headers(request.headers(), [&SIGNATURE, &IDEMPOTENCY_TOKEN])?;
        let signature = require(signature, &SIGNATURE)?;
        let url = request.url();
        match body_hash_parameter(&url)? {
            Some(expected) => check_body_hash(&expected, request.body())?,
            None => {
                // Every name and value must decode; the MAC is fed the decoded text.
                for piece in pieces(request.body()) {
                    decode_pair(piece)?;
                }
            }
        }
        Ok(ParsedSignature::new(
            None,
            token.map(str::to_owned),
            Signatures::from(Signature::from_base64(signature, 20)),
        ))
    }

    fn write_signed_payload(
        &self,
        _parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        let url = request.url();
        mac.update(url.as_bytes());
        // In JSON mode the URL (with its bodySHA256) is all that is signed.
        if body_hash_parameter(&url).is_ok_and(|hash| hash.is_some()) {
            return;
        }
        // `parse` has checked that every pair decodes; a signer signs what decodes.
        let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = pieces(request.body())
            .filter_map(|p| decode_pair(p).ok())
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        for (name, value) in &pairs {
            mac.update(name.as_bytes());
            mac.update(value.as_bytes());
        }
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        // Twilio sends exactly one signature; during a rotation the first token signs.
        let tag = super::first_signature(signatures)?;
        let mut headers = HeaderMap::new();
        if let Some(id) = parts.event_id {
            headers.insert(IDEMPOTENCY_TOKEN, header_value(id)?);
        }
        headers.insert(SIGNATURE, header_value(&tag.to_base64())?);
        Ok(headers)
    }
}

/// The `bodySHA256` query parameter of `url`, when there is one.
fn body_hash_parameter(url: &str) -> Result<Option<String>, Error> {
    let Some((_, query)) = url.split_once('?') else {
        return Ok(None);
    };
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    let mut found = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if name == BODY_SHA256 && found.replace(value.into_owned()).is_some() {
            return Err(Error::new(ErrorKind::SignatureMismatch)
                .with_detail("more than one bodySHA256 parameter in the URL"));
        }
    }
    Ok(found)
}

fn check_body_hash(expected_hex: &str, body: &[u8]) -> Result<(), Error> {
    let digest = Sha256::digest(body);
    let matches = Signature::from_hex(expected_hex, 32)
        .is_some_and(|expected| bool::from(expected.as_bytes().ct_eq(digest.as_slice())));
    if matches {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::SignatureMismatch)
            .with_detail("the body does not match the URL's bodySHA256"))
    }
}

/// The `&`-separated pieces of a form body, empty ones skipped.
fn pieces(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    split_at(body, memchr::memchr_iter(b'&', body)).filter(|p| !p.is_empty())
}

/// One `name=value` piece, decoded (a piece without `=` is a name with an
/// empty value).
fn decode_pair(piece: &[u8]) -> Result<(Cow<'_, str>, Cow<'_, str>), Error> {
    let (name, value) = match memchr::memchr(b'=', piece) {
        Some(at) => (&piece[..at], &piece[at + 1..]),
        None => (piece, &[][..]),
    };
    Ok((decode(name)?, decode(value)?))
}

/// `+` to space, `%XX` to its byte (an invalid escape stays as it is),
/// then UTF-8, strictly: a parameter that is not UTF-8 is a malformed body
/// rather than a lossy replacement that could collide with another value.
///
/// Borrows when there is nothing to decode, which is most parameters: the
/// body is then only checked for UTF-8, not copied.
fn decode(text: &[u8]) -> Result<Cow<'_, str>, Error> {
    let malformed = || {
        Error::new(ErrorKind::MalformedBody)
            .with_detail("a form parameter does not decode to UTF-8")
    };
    if memchr::memchr2(b'%', b'+', text).is_none() {
        return std::str::from_utf8(text)
            .map(Cow::Borrowed)
            .map_err(|_| malformed());
    }
    if memchr::memchr(b'+', text).is_none() {
        return percent_encoding::percent_decode(text)
            .decode_utf8()
            .map_err(|_| malformed());
    }
    let spaced: Vec<u8> = text
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let decoded: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(decoded)
        .map(Cow::Owned)
        .map_err(|_| malformed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_is_strict_about_utf8_and_lenient_about_percent() {
        assert_eq!(decode(b"a+b%2Bc").unwrap(), "a b+c");
        assert_eq!(decode(b"100%").unwrap(), "100%");
        assert_eq!(decode(b"%zz%4").unwrap(), "%zz%4");
        assert_eq!(decode(b"%C3%A9").unwrap(), "é");
        assert_eq!(decode(b"%ff").unwrap_err().kind(), ErrorKind::MalformedBody);
        assert_eq!(
            decode(b"\xff").unwrap_err().kind(),
            ErrorKind::MalformedBody
        );
        assert_eq!(
            decode_pair(b"k=v=w").unwrap(),
            (Cow::Borrowed("k"), Cow::Borrowed("v=w"))
        );
        assert_eq!(
            decode_pair(b"k").unwrap(),
            (Cow::Borrowed("k"), Cow::Borrowed(""))
        );
    }

    #[test]
    fn the_body_hash_parameter_is_found_once() {
        assert_eq!(body_hash_parameter("https://a.test/p").unwrap(), None);
        assert_eq!(
            body_hash_parameter("https://a.test/p?x=1&bodySHA256=ab").unwrap(),
            Some("ab".to_owned())
        );
        assert!(body_hash_parameter("https://a.test/p?bodySHA256=a&bodySHA256=b").is_err());
    }
}
