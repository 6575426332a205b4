//! [`FuzzRequest`]: the request a fuzz input stands for.
//!
//! ```text
//! byte 0    bits 0-1: the method (POST, GET, PUT, PATCH)
//!           bits 2-7, mod 3: the body's shape (raw, JSON, form)
//! byte 1    bit i set: header i is left out
//! byte 2    bit i set: header i is sent twice (the same value)
//! then, split at '\n':
//!   the path and query ("/" unless it parses as a URI)
//!   one value per header name of reads::header_names, in order
//!   raw shape:        the body (the rest, newlines included)
//!   JSON, form shape: one value per body field of reads::extra_reads, the
//!                     last one taking the rest; written verbatim, so
//!                     {"type":<value>} or type=<value>
//! ```
//!
//! A scheme without body fields always gets the raw shape. A value that is
//! not a valid header value leaves its header out.

use http::{HeaderMap, HeaderValue, Method, Uri};
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{Scheme, SignatureScheme};

use crate::reads::{extra_reads, header_names};

/// The methods byte 0 chooses from.
pub const METHODS: [Method; 4] = [Method::POST, Method::GET, Method::PUT, Method::PATCH];

/// How the body is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyShape {
    /// The input's bytes as they are.
    Raw,
    /// A JSON object of the scheme's body fields.
    Json,
    /// A form (`a=1&b=2`) of the scheme's body fields.
    Form,
}

/// A decoded fuzz input: an owned request for one scheme.
#[derive(Debug, Clone)]
pub struct FuzzRequest {
    /// The method.
    pub method: Method,
    /// The path and query, when they parsed.
    pub uri: Option<Uri>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl FuzzRequest {
    /// Decodes `data` as the layout above describes; any bytes decode.
    pub fn decode(scheme: Scheme, data: &[u8]) -> Self {
        let byte = |i: usize| data.get(i).copied().unwrap_or_default();
        let (control, left_out, twice) = (byte(0), byte(1), byte(2));
        let method = METHODS[usize::from(control & 3)].clone();
        let fields = extra_reads(scheme.name()).body_fields;
        let shape = match (control >> 2) % 3 {
            _ if fields.is_empty() => BodyShape::Raw,
            0 => BodyShape::Raw,
            1 => BodyShape::Json,
            _ => BodyShape::Form,
        };
        let names = header_names(scheme);
        let values = if shape == BodyShape::Raw {
            1
        } else {
            fields.len()
        };
        let mut parts = data
            .get(3..)
            .unwrap_or_default()
            .splitn(1 + names.len() + values, |b| *b == b'\n');

        let uri = parts.next().and_then(|raw| Uri::try_from(raw).ok());
        let mut headers = HeaderMap::new();
        for (i, name) in names.into_iter().enumerate() {
            let Some(raw) = parts.next() else { break };
            let bit = |mask: u8| i < 8 && mask & (1 << i) != 0;
            let Ok(value) = HeaderValue::from_bytes(raw) else {
                continue;
            };
            if bit(left_out) {
                continue;
            }
            if bit(twice) {
                headers.append(name.clone(), value.clone());
            }
            headers.append(name, value);
        }
        let values: Vec<&[u8]> = parts.collect();
        let body = match shape {
            BodyShape::Raw => values.first().copied().unwrap_or_default().to_vec(),
            BodyShape::Json => json_body(fields, &values),
            BodyShape::Form => form_body(fields, &values),
        };
        Self {
            method,
            uri,
            headers,
            body,
        }
    }

    /// The request as a scheme sees it, with `body` in place of the
    /// decoded one (the layer asks for an unsigned handshake once with an
    /// empty body).
    pub fn request_with_body<'a>(&'a self, body: &'a [u8]) -> WebhookRequest<'a> {
        let request = WebhookRequest::new(&self.headers, body).with_method(&self.method);
        match &self.uri {
            Some(uri) => request.with_uri(uri),
            None => request,
        }
    }

    /// The request as a scheme sees it.
    pub fn request(&self) -> WebhookRequest<'_> {
        self.request_with_body(&self.body)
    }
}

/// `{"a":<v>,"b":{"c":<v>}}`: fields that share their first level share
/// one object, so list them next to each other. Missing values are empty.
fn json_body(fields: &[&str], values: &[&[u8]]) -> Vec<u8> {
    let entries: Vec<(Vec<&str>, &[u8])> = fields
        .iter()
        .enumerate()
        .map(|(i, path)| {
            (
                path.split('.').collect(),
                values.get(i).copied().unwrap_or_default(),
            )
        })
        .collect();
    let mut out = Vec::new();
    write_object(&mut out, &entries);
    out
}

fn write_object(out: &mut Vec<u8>, entries: &[(Vec<&str>, &[u8])]) {
    out.push(b'{');
    let mut start = 0;
    while start < entries.len() {
        let key = entries[start].0[0];
        let end = start
            + entries[start..]
                .iter()
                .take_while(|(path, _)| path[0] == key)
                .count();
        if start > 0 {
            out.push(b',');
        }
        out.extend_from_slice(format!("{key:?}:").as_bytes());
        let (path, value) = &entries[start];
        if path.len() == 1 {
            out.extend_from_slice(value);
        } else {
            let inner: Vec<_> = entries[start..end]
                .iter()
                .map(|(path, value)| (path[1..].to_vec(), *value))
                .collect();
            write_object(out, &inner);
        }
        start = end;
    }
    out.push(b'}');
}

/// `a=<v>&c=<v>`, each field named by its last level.
fn form_body(fields: &[&str], values: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, path) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(path.rsplit('.').next().unwrap_or(path).as_bytes());
        out.push(b'=');
        out.extend_from_slice(values.get(i).copied().unwrap_or_default());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_take_their_shape_from_the_fields() {
        let values: [&[u8]; 3] = [b"1", b"\"t\"", b"\"s\""];
        let fields = ["signature.timestamp", "signature.token", "other"];
        assert_eq!(
            json_body(&fields, &values),
            br#"{"signature":{"timestamp":1,"token":"t"},"other":"s"}"#
        );
        assert_eq!(
            form_body(&fields, &values),
            br#"timestamp=1&token="t"&other="s""#
        );
        assert_eq!(
            json_body(&["webhookTimestamp"], &[]),
            br#"{"webhookTimestamp":}"#
        );
    }

    #[test]
    fn the_control_bytes_choose_method_shape_and_header_presence() {
        let scheme = Scheme::Slack; // signature, timestamp; body fields type, challenge
        let input = b"\x05\x01\x02/hooks?a=1\nv0=00\n17\n\"url_verification\"\n\"c\"\nrest";
        let request = FuzzRequest::decode(scheme, input);
        assert_eq!(request.method, Method::GET);
        assert_eq!(
            request.uri.as_ref().map(ToString::to_string).as_deref(),
            Some("/hooks?a=1")
        );
        assert!(
            !request
                .headers
                .contains_key(scheme.signature_header().unwrap()),
            "bit 0 of byte 1 leaves it out"
        );
        assert_eq!(
            request
                .headers
                .get_all(scheme.timestamp_header().unwrap())
                .iter()
                .count(),
            2
        );
        assert_eq!(
            request.body,
            b"{\"type\":\"url_verification\",\"challenge\":\"c\"\nrest}"
        );
        let raw = FuzzRequest::decode(
            Scheme::GitHub,
            b"\x04\0\0not a uri\nsha256=00\nid\nthe\nbody",
        );
        assert_eq!(
            (raw.uri, raw.body.as_slice()),
            (None, &b"the\nbody"[..]),
            "no body fields: raw"
        );
        assert!(FuzzRequest::decode(Scheme::Stripe, b"").headers.is_empty());
    }
}
