//! The store key an event id becomes: [`EventKey`].

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::EventId;

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
///
/// Cheap to clone (the layer hands it to the handler and to its heartbeat):
/// the id and the key are shared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventKey(Arc<KeyParts>);

#[derive(Debug, PartialEq, Eq)]
struct KeyParts {
    id: EventId,
    key: String,
}

/// The length of a key's digest: 128 bits in unpadded base64url.
const DIGEST_CHARS: usize = 22;

/// How much of an id the layer's log lines show.
const LOGGED_ID_CHARS: usize = 128;

impl EventKey {
    /// The key of `id` under `prefix` and `scope`:
    /// `{prefix}:{scope}:{digest}`, where the digest is the first 128 bits
    /// of `sha256(kind, id)` in unpadded base64url (22 characters) and `%`
    /// and `:` in the scope are percent-escaped. Reading from the right, the
    /// digest and the scope (which then holds no `:`) are unambiguous, so two
    /// different (prefix, scope, id) never share a key.
    ///
    /// 128 bits: telling two ids apart takes no more, and a key that fits
    /// Redis's 48-byte allocation class is a third of a completed record's
    /// memory (see the crate docs on sizing). Making a chosen event collide
    /// with another means a second preimage of SHA-256 truncated to 128
    /// bits, out of reach.
    pub(crate) fn new(prefix: &str, scope: &str, id: EventId) -> Self {
        let mut hasher = Sha256::new();
        hasher.update([id.kind.tag()]);
        hasher.update(id.text.as_bytes());
        let hash = hasher.finalize();
        let mut key = String::with_capacity(prefix.len() + scope.len() + 2 + DIGEST_CHARS);
        key.push_str(prefix);
        key.push(':');
        for c in scope.chars() {
            match c {
                '%' => key.push_str("%25"),
                ':' => key.push_str("%3A"),
                c => key.push(c),
            }
        }
        key.push(':');
        URL_SAFE_NO_PAD.encode_string(&hash[..16], &mut key);
        EventKey(Arc::new(KeyParts { id, key }))
    }

    /// The event id's text, as found in the request.
    pub fn id(&self) -> &str {
        &self.0.id.text
    }

    /// The event id with its kind.
    pub fn event_id(&self) -> &EventId {
        &self.0.id
    }

    /// The store key: `{prefix}:{scope}:{digest}` (see the type docs).
    pub fn key(&self) -> &str {
        &self.0.key
    }

    /// The id for log lines: its first 128 characters, and its length when
    /// it is longer.
    pub(crate) fn logged(&self) -> LoggedId<'_> {
        LoggedId(&self.0.id.text)
    }
}

/// [`EventKey::logged`].
pub(crate) struct LoggedId<'a>(&'a str);

impl fmt::Display for LoggedId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(LOGGED_ID_CHARS) {
            None => f.write_str(self.0),
            Some((cut, _)) => write!(f, "{}…({} bytes)", &self.0[..cut], self.0.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bounded_and_injective_over_prefix_and_scope() {
        let key = EventKey::new(
            "webhook:idem",
            "stripe",
            EventId::text("evt_1".repeat(10_000)),
        );
        assert!(key.key().starts_with("webhook:idem:stripe:"));
        assert_eq!(key.key().len(), "webhook:idem:stripe:".len() + 22);
        let digest = &key.key()["webhook:idem:stripe:".len()..];
        assert!(
            digest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{digest}"
        );
        let k = |prefix: &str, scope: &str| {
            EventKey::new(prefix, scope, EventId::text("e"))
                .key()
                .to_owned()
        };
        assert_ne!(k("a:b", "c"), k("a", "b:c"));
        assert_ne!(k("a", "b%3Ac"), k("a", "b:c"));
        assert_eq!(k("a", "b:c"), format!("a:b%3Ac:{}", &k("a", "x")[4..]));
    }

    #[test]
    fn long_ids_are_logged_shortened() {
        let key = EventKey::new("p", "s", EventId::text("x".repeat(10_000)));
        let logged = key.logged().to_string();
        assert!(logged.starts_with(&"x".repeat(128)));
        assert!(logged.ends_with("…(10000 bytes)"), "{logged}");
        let short = EventKey::new("p", "s", EventId::text("evt_1"));
        assert_eq!(short.logged().to_string(), "evt_1");
    }
}
