//! The Redis store's record format: what one event's key holds, written
//! and read here only.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use crate::store::{Fingerprint, Outcome, OwnerToken};

// The record of an event is one string under one key, and its lease (in
// progress) or retention (completed) is the key's TTL, set on the server's
// clock, so an abandoned claim frees itself:
//
// - in progress: `p` ‖ owner token (16 bytes) ‖ fingerprint (16 bytes);
// - completed: the status in 3 digits, then optionally `f` ‖ fingerprint
//   (strict mode), `h` ‖ length (u32, big-endian) ‖ headers, `b` ‖ body.
//
// A completed record without fingerprint, headers or body is "200": Redis
// holds such a small integer as a shared object, so the record costs its
// key and its expiry only. Binary digests, no owner and no field names are
// what bring a completed record from 418 bytes (a hash of hex fields) to
// 135 (see the crate docs on sizing).
//
// Acquire is one native command, `SET key claim NX PX lease GET` (Redis ≥ 7):
// it creates the claim or returns the record it found, atomically. Complete
// is one too, `SET key record PX retention GET`: it records the outcome
// whoever holds the key (see `Store::complete`) and returns what it
// replaced, which tells whether the claim was still ours. Release and
// extend compare the owner token first, so they are Lua scripts, each on
// exactly one key (KEYS[1]): Redis Cluster needs no hash tags. Every write
// is one command that sets the value and the expiry together and checks
// its TTL argument before writing anything (the Rust side refuses
// out-of-range durations before sending them, too).

/// The first byte of an in-progress record.
pub(super) const CLAIM_TAG: u8 = b'p';
/// The length of an in-progress record.
pub(super) const CLAIM_LEN: usize = 33;

/// An in-progress record.
pub(super) fn claim_record(token: OwnerToken, fingerprint: Fingerprint) -> [u8; CLAIM_LEN] {
    let mut record = [0u8; CLAIM_LEN];
    record[0] = CLAIM_TAG;
    record[1..17].copy_from_slice(&token_bytes(token));
    record[17..].copy_from_slice(fingerprint.as_bytes());
    record
}

pub(super) fn token_bytes(token: OwnerToken) -> [u8; 16] {
    token.as_u128().to_le_bytes()
}

/// A completed record (see the format above).
pub(super) fn completed_record(outcome: &Outcome, fingerprint: Option<Fingerprint>) -> Vec<u8> {
    let headers = encode_headers(&outcome.headers);
    let mut record = Vec::with_capacity(3 + 17 + 5 + headers.len() + 1 + outcome.body.len());
    record.extend_from_slice(outcome.status.as_str().as_bytes());
    if let Some(fingerprint) = fingerprint {
        record.push(b'f');
        record.extend_from_slice(fingerprint.as_bytes());
    }
    // The recorded headers are a few allow-listed ones; a block over 4 GiB
    // cannot come out of an HTTP response, and would be dropped, not cut.
    if let (false, Ok(len)) = (headers.is_empty(), u32::try_from(headers.len())) {
        record.push(b'h');
        record.extend_from_slice(&len.to_be_bytes());
        record.extend_from_slice(&headers);
    }
    if !outcome.body.is_empty() {
        record.push(b'b');
        record.extend_from_slice(&outcome.body);
    }
    record
}

/// Reads a record found by acquire: `None` when it is not one this store
/// writes.
pub(super) fn parse_record(record: &[u8]) -> Option<Found> {
    if record.first() == Some(&CLAIM_TAG) {
        if record.len() != CLAIM_LEN {
            return None;
        }
        let mut token = [0u8; 16];
        token.copy_from_slice(&record[1..17]);
        let mut fingerprint = [0u8; 16];
        fingerprint.copy_from_slice(&record[17..]);
        return Some(Found::Claim(
            OwnerToken::from_u128(u128::from_le_bytes(token)),
            Fingerprint::from_bytes(fingerprint),
        ));
    }
    let (status, mut rest) = record.split_at_checked(3)?;
    let status = StatusCode::from_bytes(status).ok()?;
    let mut outcome = Outcome::new(status);
    let mut fingerprint = None;
    if let Some((b'f', after)) = rest.split_first() {
        let (fp, after) = after.split_at_checked(16)?;
        fingerprint = Some(Fingerprint::from_bytes(fp.try_into().ok()?));
        rest = after;
    }
    if let Some((b'h', after)) = rest.split_first() {
        let (len, after) = after.split_at_checked(4)?;
        let len = u32::from_be_bytes(len.try_into().ok()?) as usize;
        let (headers, after) = after.split_at_checked(len)?;
        outcome.headers = decode_headers(headers)?;
        rest = after;
    }
    match rest.split_first() {
        None => {}
        Some((b'b', body)) => outcome.body = Bytes::copy_from_slice(body),
        Some(_) => return None,
    }
    Some(Found::Completed(outcome, fingerprint))
}

/// A record acquire found.
#[derive(Debug, PartialEq)]
pub(super) enum Found {
    Claim(OwnerToken, Fingerprint),
    Completed(Outcome, Option<Fingerprint>),
}

/// Headers as `name:value` lines (names and values can contain neither a
/// newline nor, for names, a colon).
fn encode_headers(headers: &HeaderMap) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.push(b':');
        out.extend_from_slice(value.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Inverse of [`encode_headers`]; `None` when the input is not what it
/// produces.
fn decode_headers(raw: &[u8]) -> Option<HeaderMap> {
    let mut headers = HeaderMap::new();
    for line in raw.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let colon = line.iter().position(|b| *b == b':')?;
        let name = HeaderName::from_bytes(&line[..colon]).ok()?;
        let value = HeaderValue::from_bytes(&line[colon + 1..]).ok()?;
        headers.append(name, value);
    }
    Some(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let token = OwnerToken::from_u128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10);
        let fp = Fingerprint::of(b"body");
        assert_eq!(
            parse_record(&claim_record(token, fp)),
            Some(Found::Claim(token, fp))
        );
        let bare = Outcome::new(StatusCode::OK);
        assert_eq!(completed_record(&bare, None), b"200");
        let mut full = Outcome::new(StatusCode::ACCEPTED);
        full.headers
            .append("content-type", HeaderValue::from_static("text/plain"));
        full.body = Bytes::from_static(b"p\x00h\nb");
        for fingerprint in [None, Some(fp)] {
            for outcome in [&bare, &full] {
                let record = completed_record(outcome, fingerprint);
                assert_eq!(
                    parse_record(&record),
                    Some(Found::Completed(outcome.clone(), fingerprint)),
                    "{record:?}"
                );
            }
        }
    }

    #[test]
    fn foreign_records_are_refused() {
        for record in [
            &b""[..],
            b"p",
            b"p0123",
            b"20",
            b"abc",
            b"200x",
            b"200f123",
            b"200h\x00\x00\x00\x09ab",
            b"200h\x00\x00\x00\x02ab",
        ] {
            assert_eq!(parse_record(record), None, "{record:?}");
        }
    }

    #[test]
    fn headers_round_trip() {
        let mut headers = HeaderMap::new();
        headers.append("content-type", HeaderValue::from_static("application/json"));
        headers.append("x-a", HeaderValue::from_static("1: two"));
        headers.append("x-a", HeaderValue::from_static("3"));
        let raw = encode_headers(&headers);
        assert_eq!(decode_headers(&raw), Some(headers));
        assert_eq!(decode_headers(b"no colon\n"), None);
        assert_eq!(decode_headers(b""), Some(HeaderMap::new()));
    }
}
