//! Where the event id comes from, and what the handler learns about it.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderName;
use http::request::Parts;
use sha2::{Digest, Sha256};

/// Longest event id accepted, in bytes; a longer one counts as missing.
pub const MAX_EVENT_ID_LEN: usize = 1024;

type CustomFn = dyn Fn(&Parts, &Bytes) -> Option<String> + Send + Sync;

/// Where the layer reads the event id of a request.
///
/// An empty id, or one longer than [`MAX_EVENT_ID_LEN`] bytes, counts as
/// missing (answered according to [`MissingId`](crate::MissingId)).
///
/// ```
/// use webhook_idempotency::IdSource;
///
/// // The verify layer's id, else the header, else the body's "id" field.
/// let source = IdSource::Verified
///     .or(IdSource::header("x-event-id"))
///     .or(IdSource::json("/id"));
/// # let _ = source;
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum IdSource {
    /// `event_id` of the [`webhook_verify::Verified`] the verify layer put in
    /// the request extensions (the default). Schemes that carry the id in a
    /// header (`webhook-id`, `X-Webhook-Id`, `X-GitHub-Delivery`) fill it;
    /// Stripe carries it in the body: use [`IdSource::json`].
    #[default]
    Verified,
    /// A request header; missing, repeated or non-UTF-8 counts as missing.
    Header(HeaderName),
    /// A JSON pointer (RFC 6901, e.g. `/id` or `/data/event_id`) into the
    /// body; a string or a number. Invalid JSON counts as missing.
    JsonPointer(String),
    /// Your own function of the request head and body.
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
    pub fn extract(&self, parts: &Parts, body: &Bytes) -> Option<String> {
        let id = match self {
            IdSource::Verified => parts
                .extensions
                .get::<webhook_verify::Verified>()
                .and_then(|v| v.event_id.clone()),
            IdSource::Header(name) => {
                let mut values = parts.headers.get_all(name).iter();
                match (values.next(), values.next()) {
                    (Some(value), None) => value.to_str().ok().map(str::to_owned),
                    _ => None,
                }
            }
            IdSource::JsonPointer(pointer) => {
                let json: serde_json::Value = serde_json::from_slice(body).ok()?;
                match json.pointer(pointer)? {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                }
            }
            IdSource::Custom(f) => f(parts, body),
            IdSource::FirstOf(sources) => {
                return sources.iter().find_map(|s| s.extract(parts, body));
            }
        };
        id.filter(|id| !id.is_empty() && id.len() <= MAX_EVENT_ID_LEN)
    }
}

impl fmt::Debug for IdSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdSource::Verified => f.write_str("Verified"),
            IdSource::Header(name) => f.debug_tuple("Header").field(name).finish(),
            IdSource::JsonPointer(p) => f.debug_tuple("JsonPointer").field(p).finish(),
            IdSource::Custom(_) => f.write_str("Custom(..)"),
            IdSource::FirstOf(list) => f.debug_tuple("FirstOf").field(list).finish(),
        }
    }
}

/// The event the handler is processing, in its request extensions.
///
/// ```
/// use http::Request;
/// use webhook_idempotency::{EventKey, OwnerToken};
///
/// fn handle(req: &Request<()>) {
///     if let (Some(event), Some(token)) = (req.extensions().get::<EventKey>(), req.extensions().get::<OwnerToken>()) {
///         // e.g. INSERT INTO processed (event_id, owner) VALUES ($1, $2) ON CONFLICT DO NOTHING
///         let _ = (event.id(), token.to_hex());
///     }
/// }
/// # handle(&Request::new(()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventKey {
    id: String,
    key: String,
}

impl EventKey {
    pub(crate) fn new(prefix: &str, scope: &str, id: String) -> Self {
        let key = format!(
            "{prefix}:{scope}:{}",
            hex::encode(Sha256::digest(id.as_bytes()))
        );
        EventKey { id, key }
    }

    /// The event id, as found in the request.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The store key: `{prefix}:{scope}:{hex(sha256(id))}`.
    pub fn key(&self) -> &str {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Request;

    fn parts(req: Request<()>) -> Parts {
        req.into_parts().0
    }

    #[test]
    fn sources() {
        let mut req = Request::post("/").header("x-id", "h1").body(()).unwrap();
        // A real Verified, from the real verifier.
        let signed = br#"{"id":"ignored"}"#;
        let headers = webhook_verify::Signer::new(webhook_verify::Scheme::Webhook, "s")
            .unwrap()
            .sign(signed, 1_700_000_000, Some("v1"))
            .unwrap();
        let verified = webhook_verify::Verifier::builder(webhook_verify::Scheme::Webhook)
            .secret("s")
            .clock(|| 1_700_000_000)
            .build()
            .unwrap()
            .verify(&headers, signed)
            .unwrap();
        req.extensions_mut().insert(verified);
        let p = parts(req);
        let body = Bytes::from_static(br#"{"id":"j1","n":{"k":42},"o":{}}"#);
        assert_eq!(IdSource::Verified.extract(&p, &body).as_deref(), Some("v1"));
        assert_eq!(
            IdSource::header("x-id").extract(&p, &body).as_deref(),
            Some("h1")
        );
        assert_eq!(
            IdSource::json("/id").extract(&p, &body).as_deref(),
            Some("j1")
        );
        assert_eq!(
            IdSource::json("/n/k").extract(&p, &body).as_deref(),
            Some("42")
        );
        assert_eq!(IdSource::json("/o").extract(&p, &body), None);
        assert_eq!(
            IdSource::json("/id").extract(&p, &Bytes::from_static(b"{nope")),
            None
        );
        let bare = parts(Request::new(()));
        assert_eq!(IdSource::Verified.extract(&bare, &body), None);
        let chain = IdSource::Verified
            .or(IdSource::header("x-id"))
            .or(IdSource::json("/id"));
        assert_eq!(chain.extract(&bare, &body).as_deref(), Some("j1"));
        assert_eq!(chain.extract(&p, &body).as_deref(), Some("v1"));
        let long = IdSource::custom(|_, _| Some("x".repeat(MAX_EVENT_ID_LEN + 1)));
        assert_eq!(long.extract(&p, &body), None);
        let empty = IdSource::custom(|_, _| Some(String::new()));
        assert_eq!(empty.extract(&p, &body), None);
    }

    #[test]
    fn repeated_header_is_missing() {
        let req = Request::post("/")
            .header("x-id", "a")
            .header("x-id", "b")
            .body(())
            .unwrap();
        assert_eq!(
            IdSource::header("x-id").extract(&parts(req), &Bytes::new()),
            None
        );
    }

    #[test]
    fn key_is_namespaced_and_bounded() {
        let key = EventKey::new("webhook:idem", "stripe", "evt_1".repeat(100));
        assert!(key.key().starts_with("webhook:idem:stripe:"));
        assert_eq!(key.key().len(), "webhook:idem:stripe:".len() + 64);
    }
}
