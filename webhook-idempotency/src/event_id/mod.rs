//! Where the event id comes from ([`IdSource`]) and what it is
//! ([`EventId`]); the store key it becomes is in `key`, the JSON pointer
//! lookup in `json_pointer`.

mod json_pointer;
mod key;

pub use key::EventKey;

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderName;
use http::request::Parts;
use sha2::{Digest, Sha256};

use json_pointer::json_pointer;

type CustomFn = dyn Fn(&Parts, &Bytes) -> Option<String> + Send + Sync;

/// Where the layer reads the event id of a request.
///
/// The id is the deduplication key: a request whose id has been processed is
/// answered from the record and never runs the handler. So the id must come
/// from bytes an attacker cannot change without breaking the signature —
/// otherwise anyone holding one captured, validly signed request can replay
/// it under a fresh id and run the handler again. The default,
/// [`IdSource::Verified`], only ever keys on signed bytes.
///
/// An empty id counts as missing (answered according to
/// [`MissingId`](crate::MissingId)). There is no length cap: the store key is
/// a hash of the id, so any id the body limit admits deduplicates.
///
/// ```
/// use webhook_idempotency::IdSource;
///
/// // The default: the signed id, else the signed body's "id", else its digest.
/// let source = IdSource::Verified;
/// // Your provider signs the body and puts its event id at /meta/event_id:
/// let source = IdSource::json("/meta/event_id");
/// # let _ = source;
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum IdSource {
    /// The id the signature covers, from the [`webhook_verify::Verified`]
    /// the verify layer put in the request extensions (the default):
    ///
    /// 1. the scheme's event id, when the signature covers it
    ///    ([`Verified::event_id_signed`](webhook_verify::Verified::event_id_signed):
    ///    Standard Webhooks' `webhook-id`);
    /// 2. otherwise the verified body's top-level `"id"` (a non-empty JSON
    ///    string, or a number), which is where Stripe and this toolkit's
    ///    default scheme put the event id;
    /// 3. otherwise the SHA-256 of the verified body
    ///    ([`EventIdKind::BodyDigest`]): GitHub, Slack, any body without an
    ///    `"id"`.
    ///
    /// Unsigned id headers (`X-Webhook-Id`, `X-GitHub-Delivery`) are never
    /// used. Without a `Verified` (no verify layer in front) there is no id.
    ///
    /// The trade-offs of 2 and 3: the top-level `"id"` must name the
    /// *event*, not a resource that several events share (an order id sent
    /// with `order.created` and `order.paid` would merge them: point
    /// [`IdSource::json`] at the event id instead); and a body digest treats
    /// two deliveries with byte-identical bodies as one event, while a sender
    /// that changes the body between retries (an attempt counter) gets each
    /// retry processed — choose an explicit source for such a sender.
    #[default]
    Verified,
    /// A request header, trusted as it is: missing, repeated or non-UTF-8
    /// counts as missing.
    ///
    /// The layer cannot tell whether the header is covered by the signature.
    /// Use it only for a header your provider signs, or when replay by a
    /// third party is not a concern: `X-Webhook-Id` and `X-GitHub-Delivery`,
    /// for instance, can be changed on a captured request without breaking
    /// its signature, and every change runs the handler again.
    Header(HeaderName),
    /// A JSON pointer (RFC 6901, e.g. `/id` or `/data/event_id`) into the
    /// body: a string, or a number keyed on its exact JSON text (a string
    /// and a number never share a key). Invalid JSON or any other value
    /// counts as missing.
    JsonPointer(String),
    /// The SHA-256 of the body: every distinct body is a distinct event.
    BodyDigest,
    /// Your own function of the request head and body (the id is keyed as
    /// text).
    Custom(Arc<CustomFn>),
    /// The first of these sources that yields an id.
    FirstOf(Vec<IdSource>),
}

impl IdSource {
    /// [`IdSource::Header`].
    ///
    /// # Panics
    ///
    /// If `name` is not a valid header name (it is meant to be a literal).
    pub fn header(name: &str) -> Self {
        match HeaderName::try_from(name) {
            Ok(name) => IdSource::Header(name),
            Err(_) => panic!("IdSource::header: invalid header name {name:?}"),
        }
    }

    /// [`IdSource::JsonPointer`], e.g. `IdSource::json("/id")`.
    pub fn json(pointer: impl Into<String>) -> Self {
        IdSource::JsonPointer(pointer.into())
    }

    /// [`IdSource::Custom`].
    ///
    /// ```
    /// use webhook_idempotency::IdSource;
    /// let source = IdSource::custom(|parts, _body| {
    ///     parts.uri.query().map(|q| q.trim_start_matches("id=").to_owned())
    /// });
    /// # let _ = source;
    /// ```
    pub fn custom(f: impl Fn(&Parts, &Bytes) -> Option<String> + Send + Sync + 'static) -> Self {
        IdSource::Custom(Arc::new(f))
    }

    /// This source, falling back to `other` when it yields no id.
    pub fn or(self, other: IdSource) -> Self {
        match self {
            IdSource::FirstOf(mut list) => {
                list.push(other);
                IdSource::FirstOf(list)
            }
            first => IdSource::FirstOf(vec![first, other]),
        }
    }

    /// The event id of a request, if this source finds a usable one.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use webhook_idempotency::{EventIdKind, IdSource};
    ///
    /// let (parts, ()) = http::Request::new(()).into_parts();
    /// let body = Bytes::from_static(br#"{"id":100000000000000000001}"#);
    /// let id = IdSource::json("/id").extract(&parts, &body).unwrap();
    /// assert_eq!((id.kind(), id.as_str()), (EventIdKind::Number, "100000000000000000001"));
    /// ```
    pub fn extract(&self, parts: &Parts, body: &Bytes) -> Option<EventId> {
        self.extract_with(parts, body, &mut BodyDigest::new(body))
    }

    /// [`extract`](Self::extract) sharing the body's digest with the caller
    /// (the layer needs it as the fingerprint anyway).
    pub(crate) fn extract_with(
        &self,
        parts: &Parts,
        body: &Bytes,
        digest: &mut BodyDigest<'_>,
    ) -> Option<EventId> {
        let id = match self {
            IdSource::Verified => {
                let verified = parts.extensions.get::<webhook_verify::Verified>()?;
                match &verified.event_id {
                    Some(id) if verified.event_id_signed => Some(EventId::text(id.clone())),
                    _ => json_pointer(body, "/id")
                        .filter(|id| !id.text.is_empty())
                        .or_else(|| Some(digest.event_id())),
                }
            }
            IdSource::Header(name) => {
                let mut values = parts.headers.get_all(name).iter();
                match (values.next(), values.next()) {
                    (Some(value), None) => value.to_str().ok().map(EventId::text),
                    _ => None,
                }
            }
            IdSource::JsonPointer(pointer) => json_pointer(body, pointer),
            IdSource::BodyDigest => Some(digest.event_id()),
            IdSource::Custom(f) => f(parts, body).map(EventId::text),
            IdSource::FirstOf(sources) => {
                return sources
                    .iter()
                    .find_map(|s| s.extract_with(parts, body, digest));
            }
        };
        id.filter(|id| !id.text.is_empty())
    }
}

impl fmt::Debug for IdSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdSource::Verified => f.write_str("Verified"),
            IdSource::Header(name) => f.debug_tuple("Header").field(name).finish(),
            IdSource::JsonPointer(p) => f.debug_tuple("JsonPointer").field(p).finish(),
            IdSource::BodyDigest => f.write_str("BodyDigest"),
            IdSource::Custom(_) => f.write_str("Custom(..)"),
            IdSource::FirstOf(list) => f.debug_tuple("FirstOf").field(list).finish(),
        }
    }
}

/// The SHA-256 of a request body, computed at most once per request, and
/// only when an id source needs it.
pub(crate) struct BodyDigest<'b> {
    body: &'b [u8],
    digest: Option<[u8; 32]>,
}

impl<'b> BodyDigest<'b> {
    pub(crate) fn new(body: &'b [u8]) -> Self {
        BodyDigest { body, digest: None }
    }

    fn event_id(&mut self) -> EventId {
        let body = self.body;
        let digest = self
            .digest
            .get_or_insert_with(|| Sha256::digest(body).into());
        EventId {
            kind: EventIdKind::BodyDigest,
            text: const_hex::encode(digest),
        }
    }
}

/// What an [`EventId`] was read as. Ids of different kinds never share a
/// store key, even when their text is the same (`"1"` and `1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventIdKind {
    /// Text: a header, a JSON string, a custom function's result.
    Text,
    /// A JSON number, as its exact text (`100000000000000000001`, `1.0`).
    Number,
    /// The hex SHA-256 of the body.
    BodyDigest,
}

impl EventIdKind {
    /// The byte that separates the kinds in the key's hash input.
    fn tag(self) -> u8 {
        match self {
            EventIdKind::Text => b's',
            EventIdKind::Number => b'n',
            EventIdKind::BodyDigest => b'b',
        }
    }
}

/// An event id as found in a request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventId {
    kind: EventIdKind,
    text: String,
}

impl EventId {
    /// A text id.
    pub fn text(text: impl Into<String>) -> Self {
        EventId {
            kind: EventIdKind::Text,
            text: text.into(),
        }
    }

    fn number(text: &str) -> Self {
        EventId {
            kind: EventIdKind::Number,
            text: text.to_owned(),
        }
    }

    /// What the id was read as.
    pub fn kind(&self) -> EventIdKind {
        self.kind
    }

    /// The id's text (a number's exact JSON text, a digest's hex).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Request;

    fn parts(req: Request<()>) -> Parts {
        req.into_parts().0
    }

    fn id(source: &IdSource, parts: &Parts, body: &[u8]) -> Option<(EventIdKind, String)> {
        source
            .extract(parts, &Bytes::copy_from_slice(body))
            .map(|id| (id.kind, id.text))
    }

    fn text(s: &str) -> Option<(EventIdKind, String)> {
        Some((EventIdKind::Text, s.to_owned()))
    }

    fn number(s: &str) -> Option<(EventIdKind, String)> {
        Some((EventIdKind::Number, s.to_owned()))
    }

    /// A request verified by the real verifier, with the header id `hid`.
    fn verified(scheme: webhook_verify::Scheme, body: &[u8], hid: &str) -> Parts {
        let secret = match scheme {
            webhook_verify::Scheme::Standard => "whsec_c2VjcmV0",
            _ => "s",
        };
        let headers = webhook_verify::Signer::new(scheme, secret)
            .unwrap()
            .sign(body, 1_700_000_000, Some(hid))
            .unwrap();
        let verified = webhook_verify::Verifier::builder(scheme)
            .secret(secret)
            .clock(|| 1_700_000_000)
            .build()
            .unwrap()
            .verify(&headers, body)
            .unwrap();
        let mut req = Request::post("/").header("x-id", "h1").body(()).unwrap();
        *req.headers_mut() = headers;
        req.extensions_mut().insert(verified);
        parts(req)
    }

    #[test]
    fn verified_keys_only_on_signed_bytes() {
        use webhook_verify::Scheme;
        let with_id: &[u8] = br#"{"id":"evt_body","n":1}"#;
        // Standard signs its id header: that is the id.
        let p = verified(Scheme::Standard, with_id, "msg_1");
        assert_eq!(
            id(&IdSource::Verified, &p, br#"{"id":"evt_body","n":1}"#),
            text("msg_1")
        );
        // The default scheme and GitHub don't: the body's /id, else its digest.
        for scheme in [
            Scheme::Webhook,
            Scheme::GitHub,
            Scheme::Stripe,
            Scheme::Slack,
        ] {
            let p = verified(scheme, with_id, "unsigned");
            assert_eq!(
                id(&IdSource::Verified, &p, br#"{"id":"evt_body","n":1}"#),
                text("evt_body"),
                "{scheme}"
            );
            for body in [&b"{}"[..], br#"{"id":""}"#, br#"{"id":null}"#, b"not json"] {
                let p = verified(scheme, body, "unsigned");
                let digest = const_hex::encode(Sha256::digest(body));
                assert_eq!(
                    id(&IdSource::Verified, &p, body),
                    Some((EventIdKind::BodyDigest, digest)),
                    "{scheme}"
                );
            }
        }
        // No verify layer, no id.
        let bare = parts(Request::new(()));
        assert_eq!(
            id(&IdSource::Verified, &bare, br#"{"id":"evt_body"}"#),
            None
        );
    }

    #[test]
    fn sources() {
        let p = parts(Request::post("/").header("x-id", "h1").body(()).unwrap());
        assert_eq!(id(&IdSource::header("x-id"), &p, b""), text("h1"));
        assert_eq!(id(&IdSource::header("x-nope"), &p, b""), None);
        let body = br#"{"id":"j1","n":{"k":42,"a":["x",7]},"o":{},"e":"","t":true}"#;
        let json = |ptr: &str| id(&IdSource::json(ptr), &p, body);
        assert_eq!(json("/id"), text("j1"));
        assert_eq!(json("/n/k"), number("42"));
        assert_eq!(json("/n/a/0"), text("x"));
        assert_eq!(json("/n/a/1"), number("7"));
        assert_eq!(json("/n/a/01"), None, "no leading zeros in an index");
        assert_eq!(json("/n/a/2"), None);
        assert_eq!(json("/o"), None, "an object is no id");
        assert_eq!(json("/t"), None, "a bool is no id");
        assert_eq!(json("/e"), None, "an empty string is no id");
        assert_eq!(json("/id/x"), None);
        assert_eq!(json("id"), None, "a pointer starts with /");
        assert_eq!(id(&IdSource::json("/id"), &p, b"{nope"), None);
        assert_eq!(
            id(&IdSource::json("/id"), &p, br#"{"id":"a"} trailing"#),
            None
        );
        assert_eq!(id(&IdSource::json("/id"), &p, b"\xff\xfe"), None);
        assert_eq!(
            id(
                &IdSource::json("/a~1b/c~0d"),
                &p,
                br#"{"a/b":{"c~d":"esc"}}"#
            ),
            text("esc")
        );
        assert_eq!(
            id(&IdSource::json("/id"), &p, br#"{"i\u0064":"escaped key"}"#),
            text("escaped key")
        );
        assert_eq!(
            id(&IdSource::json("/id"), &p, br#"{"id":"first","id":"last"}"#),
            text("last"),
            "like serde_json::Value"
        );
        let chain = IdSource::header("x-nope").or(IdSource::json("/id"));
        assert_eq!(id(&chain, &p, br#"{"id":"j1"}"#), text("j1"));
        let empty = IdSource::custom(|_, _| Some(String::new()));
        assert_eq!(id(&empty, &p, b""), None);
    }

    #[test]
    fn numbers_keep_their_exact_text_and_never_meet_strings() {
        let p = parts(Request::new(()));
        let source = IdSource::json("/id");
        let a = source
            .extract(&p, &Bytes::from_static(br#"{"id":100000000000000000001}"#))
            .unwrap();
        let b = source
            .extract(&p, &Bytes::from_static(br#"{"id":100000000000000000002}"#))
            .unwrap();
        assert_eq!(a.as_str(), "100000000000000000001");
        assert_ne!(
            EventKey::new("p", "s", a).key(),
            EventKey::new("p", "s", b).key()
        );
        let n = source
            .extract(&p, &Bytes::from_static(br#"{"id":1}"#))
            .unwrap();
        let s = source
            .extract(&p, &Bytes::from_static(br#"{"id":"1"}"#))
            .unwrap();
        assert_eq!(
            (n.kind(), s.kind()),
            (EventIdKind::Number, EventIdKind::Text)
        );
        assert_ne!(
            EventKey::new("p", "s", n).key(),
            EventKey::new("p", "s", s).key()
        );
        assert_eq!(id(&source, &p, br#"{"id":-1.5e3}"#), number("-1.5e3"));
    }

    #[test]
    fn repeated_header_is_missing() {
        let req = Request::post("/")
            .header("x-id", "a")
            .header("x-id", "b")
            .body(())
            .unwrap();
        assert_eq!(id(&IdSource::header("x-id"), &parts(req), b""), None);
    }
}
