//! Reading and writing a scheme's header values: strict parsing of what a
//! request carries (one occurrence, visible ASCII, plain digits, `k=v`
//! lists, hex tags) and rendering what a signer sends.

use http::{HeaderMap, HeaderName, HeaderValue};

use super::{Signature, Signatures, SignedParts};
use crate::error::{ConfigError, ConfigErrorKind, Error, ErrorKind};

/// The value of a header that must appear at most once, as text.
///
/// `Ok(None)` when absent; [`ErrorKind::DuplicateHeader`] when repeated;
/// [`ErrorKind::MalformedHeader`] when empty or not visible ASCII.
pub fn optional_header<'h>(
    headers: &'h HeaderMap,
    name: &HeaderName,
) -> Result<Option<&'h str>, Error> {
    let [value] = optional_headers(headers, [name])?;
    Ok(value)
}

/// [`optional_header`] for several names at once, in one pass over the map:
/// for the handful of headers a request carries that is cheaper than one
/// hashed lookup per name.
pub fn optional_headers<'h, const N: usize>(
    headers: &'h HeaderMap,
    names: [&HeaderName; N],
) -> Result<[Option<&'h str>; N], Error> {
    let mut found = [None::<&'h http::HeaderValue>; N];
    for (name, value) in headers {
        if let Some(i) = names.iter().position(|wanted| same_name(wanted, name))
            && found[i].replace(value).is_some()
        {
            return Err(Error::new(ErrorKind::DuplicateHeader).with_header(name.clone()));
        }
    }
    let mut texts = [None; N];
    for (i, value) in found.into_iter().enumerate() {
        let Some(value) = value else { continue };
        let malformed = |detail| {
            Error::new(ErrorKind::MalformedHeader)
                .with_header(names[i].clone())
                .with_detail(detail)
        };
        let text = visible_ascii(value).ok_or_else(|| malformed("not visible ASCII"))?;
        if text.is_empty() {
            return Err(malformed("empty"));
        }
        texts[i] = Some(text);
    }
    Ok(texts)
}

/// `HeaderName` equality, with the cheap tests first: names of one scheme
/// often share a length (`x-webhook-timestamp`, `x-webhook-signature`) and
/// differ at the end, so most pairs are told apart without a `memcmp`.
fn same_name(wanted: &HeaderName, name: &HeaderName) -> bool {
    let (wanted, name) = (wanted.as_str().as_bytes(), name.as_str().as_bytes());
    wanted.len() == name.len() && wanted.last() == name.last() && wanted == name
}

/// [`HeaderValue::to_str`], faster: a value can only hold visible ASCII,
/// tabs and bytes from 0x80 up (obs-text), so it is text exactly when it is
/// ASCII — which the standard library checks a word at a time.
fn visible_ascii(value: &HeaderValue) -> Option<&str> {
    let bytes = value.as_bytes();
    if !bytes.is_ascii() {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// A header found by [`optional_headers`] that the scheme requires: absence
/// is [`ErrorKind::MissingHeader`].
pub fn require<'h>(value: Option<&'h str>, name: &HeaderName) -> Result<&'h str, Error> {
    value.ok_or_else(|| Error::new(ErrorKind::MissingHeader).with_header(name.clone()))
}

/// Like [`optional_header`], but absence is [`ErrorKind::MissingHeader`].
pub fn required_header<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Result<&'h str, Error> {
    optional_header(headers, name)?
        .ok_or_else(|| Error::new(ErrorKind::MissingHeader).with_header(name.clone()))
}

/// Parses a Unix timestamp strictly: 1 to 19 ASCII digits that fit an `i64`.
///
/// Signs, decimals, whitespace, exponents and overflow are all
/// [`ErrorKind::MalformedHeader`]; `header` names the header in the error.
///
/// ```
/// use http::HeaderName;
/// use webhook_verify::scheme::parse_timestamp;
///
/// let h = HeaderName::from_static("x-webhook-timestamp");
/// assert_eq!(parse_timestamp("1700000000", &h)?, 1_700_000_000);
/// for bad in ["", "+5", "-5", " 5", "5.0", "1e9", "99999999999999999999999999999"] {
///     assert!(parse_timestamp(bad, &h).is_err(), "{bad:?}");
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_timestamp(text: &str, header: &HeaderName) -> Result<i64, Error> {
    let malformed = || {
        Error::new(ErrorKind::MalformedHeader)
            .with_header(header.clone())
            .with_detail("timestamp is not a non-negative integer of Unix seconds")
    };
    if text.is_empty() || text.len() > 19 {
        return Err(malformed());
    }
    // At most 19 digits: only the last step can leave the i64 range.
    text.bytes()
        .try_fold(0i64, |n, b| {
            let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
            n.checked_mul(10)?.checked_add(i64::from(digit))
        })
        .ok_or_else(malformed)
}

/// Decodes 64 hex digits into an HMAC-SHA256 tag; anything else is `None`
/// (a mismatch). [`Signature::from_hex`] takes other lengths.
pub fn hex_tag(text: &str) -> Option<Signature> {
    Signature::from_hex(text, 32)
}

/// Builds a header value from text that should be valid (hex, base64,
/// digits, or a caller-supplied id).
pub fn header_value(text: &str) -> Result<HeaderValue, ConfigError> {
    HeaderValue::from_str(text).map_err(|_| {
        ConfigError::new(ConfigErrorKind::InvalidInput)
            .with_detail("value contains characters not allowed in a header")
    })
}

/// Walks a `k=v,k=v` list (whitespace around commas tolerated), calling
/// `entry(key, value)` for each, without allocating. Fails with
/// [`ErrorKind::TooManySignatures`] past `max` entries and with
/// [`ErrorKind::MalformedHeader`] on an entry without `=`.
pub(crate) fn for_each_entry<'a>(
    text: &'a str,
    header: &HeaderName,
    max: usize,
    mut entry: impl FnMut(&'a str, &'a str) -> Result<(), Error>,
) -> Result<(), Error> {
    for (count, raw) in text.split(',').enumerate() {
        if count == max {
            return Err(Error::new(ErrorKind::TooManySignatures)
                .with_header(header.clone())
                .with_detail(format!("more than {max} entries")));
        }
        let Some((key, value)) = raw.trim_matches(|c| c == ' ' || c == '\t').split_once('=') else {
            return Err(Error::new(ErrorKind::MalformedHeader)
                .with_header(header.clone())
                .with_detail("entry without '='"));
        };
        entry(key, value)?;
    }
    Ok(())
}

/// The hex-decoded tags of the `version=` entries of a `k=v,k=v` list; other
/// versions are ignored (see [`for_each_entry`] for the errors).
pub(crate) fn hex_tags(
    text: &str,
    header: &HeaderName,
    max: usize,
    version: &str,
) -> Result<Signatures, Error> {
    let mut tags = Signatures::new();
    for_each_entry(text, header, max, |key, value| {
        if key.as_bytes() == version.as_bytes() {
            tags.extend(hex_tag(value));
        }
        Ok(())
    })?;
    Ok(tags)
}

/// The timestamp a signer must have for a scheme that signs one.
pub(crate) fn require_timestamp(parts: &SignedParts<'_>) -> Result<i64, ConfigError> {
    parts.timestamp.filter(|ts| *ts >= 0).ok_or_else(|| {
        ConfigError::new(ConfigErrorKind::InvalidInput)
            .with_detail("a non-negative timestamp is required")
    })
}

/// The signature a one-signature provider sends: during a rotation the
/// first secret signs.
pub(crate) fn first_signature(signatures: &[Signature]) -> Result<&Signature, ConfigError> {
    signatures
        .first()
        .ok_or_else(|| ConfigError::new(ConfigErrorKind::InvalidConfig).with_detail("no secret"))
}
