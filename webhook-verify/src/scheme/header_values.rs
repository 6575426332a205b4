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
    let found = optional_header_bytes(headers, names)?;
    let mut texts = [None; N];
    for (i, value) in found.into_iter().enumerate() {
        // ASCII, checked by optional_header_bytes, is UTF-8.
        texts[i] = value.and_then(|bytes| std::str::from_utf8(bytes).ok());
    }
    Ok(texts)
}

/// [`optional_headers`] without the conversion to `&str`: the values'
/// bytes, checked to be non-empty ASCII (so any slice of them converts).
/// For the hot path: the signature header is decoded straight from bytes.
pub(crate) fn optional_header_bytes<'h, const N: usize>(
    headers: &'h HeaderMap,
    names: [&HeaderName; N],
) -> Result<[Option<&'h [u8]>; N], Error> {
    let mut found = [None::<&'h [u8]>; N];
    for (name, value) in headers {
        if let Some(i) = names.iter().position(|wanted| same_name(wanted, name))
            && found[i].replace(value.as_bytes()).is_some()
        {
            return Err(Error::new(ErrorKind::DuplicateHeader).with_header(name.clone()));
        }
    }
    for (i, value) in found.iter().enumerate() {
        let Some(value) = value else { continue };
        // A value holds visible ASCII, tabs and obs-text (0x80 and up): it
        // is text exactly when it is ASCII, checked a word at a time.
        let detail = if value.is_empty() {
            "empty"
        } else if !value.is_ascii() {
            "not visible ASCII"
        } else {
            continue;
        };
        return Err(Error::new(ErrorKind::MalformedHeader)
            .with_header(names[i].clone())
            .with_detail(detail));
    }
    Ok(found)
}

/// `HeaderName` equality, with the cheap tests first: names of one scheme
/// often share a length (`x-webhook-timestamp`, `x-webhook-signature`) and
/// differ at the end, so most pairs are told apart without a `memcmp`.
fn same_name(wanted: &HeaderName, name: &HeaderName) -> bool {
    let (wanted, name) = (wanted.as_str().as_bytes(), name.as_str().as_bytes());
    wanted.len() == name.len() && wanted.last() == name.last() && wanted == name
}

/// A header found by [`optional_headers`] that the scheme requires: absence
/// is [`ErrorKind::MissingHeader`].
pub fn require<'h>(value: Option<&'h str>, name: &HeaderName) -> Result<&'h str, Error> {
    value.ok_or_else(|| Error::new(ErrorKind::MissingHeader).with_header(name.clone()))
}

/// An owned copy of bytes [`optional_header_bytes`] found (ASCII, so text).
pub(crate) fn ascii_to_string(bytes: &[u8]) -> String {
    std::str::from_utf8(bytes).map_or_else(
        |_| String::from_utf8_lossy(bytes).into_owned(),
        str::to_owned,
    )
}

/// [`require`] for a value from [`optional_header_bytes`].
pub(crate) fn require_bytes<'h>(
    value: Option<&'h [u8]>,
    name: &HeaderName,
) -> Result<&'h [u8], Error> {
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
    parse_timestamp_bytes(text.as_bytes(), header)
}

/// [`parse_timestamp`] from bytes.
pub(crate) fn parse_timestamp_bytes(text: &[u8], header: &HeaderName) -> Result<i64, Error> {
    let malformed = || {
        Error::new(ErrorKind::MalformedHeader)
            .with_header(header.clone())
            .with_detail("timestamp is not a non-negative integer of Unix seconds")
    };
    if text.is_empty() || text.len() > 19 {
        return Err(malformed());
    }
    // At most 19 digits: only the last step can leave the i64 range.
    text.iter()
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

/// Walks a `k=v,k=v` list (spaces and tabs around commas tolerated),
/// calling `entry(key, value)` for each, without allocating. Fails with
/// [`ErrorKind::TooManySignatures`] past `max` entries and with
/// [`ErrorKind::MalformedHeader`] on an entry without `=`.
pub(crate) fn for_each_entry<'a>(
    text: &'a [u8],
    header: &HeaderName,
    max: usize,
    mut entry: impl FnMut(&'a [u8], &'a [u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut rest = Some(text);
    let mut count = 0;
    while let Some(list) = rest {
        if count == max {
            return Err(Error::new(ErrorKind::TooManySignatures)
                .with_header(header.clone())
                .with_detail(format!("more than {max} entries")));
        }
        count += 1;
        let mut raw = match memchr::memchr(b',', list) {
            Some(at) => {
                rest = Some(&list[at + 1..]);
                &list[..at]
            }
            None => {
                rest = None;
                list
            }
        };
        while let [b' ' | b'\t', tail @ ..] = raw {
            raw = tail;
        }
        while let [head @ .., b' ' | b'\t'] = raw {
            raw = head;
        }
        let Some(at) = memchr::memchr(b'=', raw) else {
            return Err(Error::new(ErrorKind::MalformedHeader)
                .with_header(header.clone())
                .with_detail("entry without '='"));
        };
        entry(&raw[..at], &raw[at + 1..])?;
    }
    Ok(())
}

/// The pieces of `text` between the separator `positions` (ascending, as
/// `memchr`'s iterators give them), empty ones included.
pub(crate) fn split_at<'a>(
    text: &'a [u8],
    positions: impl Iterator<Item = usize> + 'a,
) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut start = 0;
    positions
        .chain(std::iter::once(text.len()))
        .map(move |end| {
            let piece = text.get(start..end).unwrap_or_default();
            start = end + 1;
            piece
        })
}

/// The hex-decoded tags of the `version=` entries of a `k=v,k=v` list; other
/// versions are ignored (see [`for_each_entry`] for the errors).
pub(crate) fn hex_tags(
    text: &[u8],
    header: &HeaderName,
    max: usize,
    version: &[u8],
) -> Result<Signatures, Error> {
    let mut tags = Signatures::new();
    for_each_entry(text, header, max, |key, value| {
        if key == version {
            tags.extend(Signature::from_hex_bytes(value, 32));
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

#[cfg(test)]
mod tests {
    use super::*;

    const H: HeaderName = HeaderName::from_static("x-test");

    fn entries(text: &str, max: usize) -> Result<Vec<(String, String)>, ErrorKind> {
        let mut seen = Vec::new();
        for_each_entry(text.as_bytes(), &H, max, |k, v| {
            seen.push((ascii_to_string(k), ascii_to_string(v)));
            Ok(())
        })
        .map_err(|e| e.kind())?;
        Ok(seen)
    }

    #[test]
    fn entries_are_trimmed_split_once_and_capped() {
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            entries(" t=1 ,\tv1=a=b\t,v0=", 16).unwrap(),
            [pair("t", "1"), pair("v1", "a=b"), pair("v0", "")]
        );
        assert_eq!(entries("a=1,b=2", 2).unwrap().len(), 2);
        assert_eq!(entries("a=1,b=2,c=3", 2), Err(ErrorKind::TooManySignatures));
        for bad in ["", "a=1,", "a=1,,b=2", "novalue", " \t "] {
            assert_eq!(entries(bad, 16), Err(ErrorKind::MalformedHeader), "{bad:?}");
        }
    }

    #[test]
    fn timestamps_fill_the_i64_range_and_no_more() {
        let parse = |text: &str| parse_timestamp_bytes(text.as_bytes(), &H).ok();
        assert_eq!(parse("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse("9223372036854775808"), None);
        assert_eq!(parse("999999999999999999"), Some(999_999_999_999_999_999));
        assert_eq!(parse("0000000000000000001"), Some(1));
        assert_eq!(parse("00000000000000000001"), None, "20 digits");
        assert_eq!(parse("12a"), None);
    }

    #[test]
    fn split_at_keeps_empty_pieces_in_order() {
        let text = b"a&&b&";
        let pieces: Vec<&[u8]> = split_at(text, memchr::memchr_iter(b'&', text)).collect();
        assert_eq!(pieces, [&b"a"[..], b"", b"b", b""]);
        let none: Vec<&[u8]> = split_at(b"", std::iter::empty()).collect();
        assert_eq!(none, [&b""[..]]);
    }

    #[test]
    fn header_bytes_are_ascii_non_empty_and_single() {
        let mut headers = HeaderMap::new();
        headers.insert(H, HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap());
        let err = optional_header_bytes(&headers, [&H]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MalformedHeader);
        headers.insert(H, HeaderValue::from_static(""));
        let err = optional_header_bytes(&headers, [&H]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MalformedHeader);
        headers.insert(H, HeaderValue::from_static("x"));
        headers.append(H, HeaderValue::from_static("y"));
        let err = optional_header_bytes(&headers, [&H]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DuplicateHeader);
        let other = HeaderName::from_static("x-tesu");
        assert_eq!(optional_header_bytes(&headers, [&other]).unwrap(), [None]);
    }
}
