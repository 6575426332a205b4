//! The value at an RFC 6901 JSON pointer, read without building a
//! document: one pass over each level on the way down.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::EventId;

/// The value at an RFC 6901 pointer, if it is a string or a number. One
/// pass over each level of the document; numbers keep their exact text.
pub(super) fn json_pointer(body: &[u8], pointer: &str) -> Option<EventId> {
    let mut text = std::str::from_utf8(body).ok()?;
    if !pointer.is_empty() {
        for token in pointer.strip_prefix('/')?.split('/') {
            let token = if token.contains('~') {
                std::borrow::Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
            } else {
                std::borrow::Cow::Borrowed(token)
            };
            text = child(text, &token)?.get();
        }
    }
    let text = text.trim_matches([' ', '\t', '\n', '\r']);
    match text.as_bytes().first()? {
        b'"' => serde_json::from_str::<String>(text).ok().map(EventId::text),
        b'-' | b'0'..=b'9' => {
            // Validate it is one JSON number (and nothing after it).
            serde_json::from_str::<IgnoredAny>(text).ok()?;
            Some(EventId::number(text))
        }
        _ => None,
    }
}

/// The member `token` of the object (or element of the array) `json`.
/// Duplicate keys: the last one wins, as with `serde_json::Value`.
fn child<'a>(json: &'a str, token: &str) -> Option<&'a RawValue> {
    let mut de = serde_json::Deserializer::from_str(json);
    let found = de.deserialize_any(Child { token }).ok()?;
    de.end().ok()?;
    found
}

struct Child<'t> {
    token: &'t str,
}

impl<'de> Visitor<'de> for Child<'_> {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object or array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(matches) = map.next_key_seed(KeyIs(self.token))? {
            if matches {
                found = Some(map.next_value::<&RawValue>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // RFC 6901: a decimal index without leading zeros.
        let index = (self.token == "0" || !self.token.starts_with('0'))
            .then(|| self.token.parse::<usize>().ok())
            .flatten();
        let mut found = None;
        let mut i = 0usize;
        while let Some(value) = seq.next_element::<&RawValue>()? {
            if Some(i) == index {
                found = Some(value);
            }
            i += 1;
        }
        Ok(found)
    }

    // Scalars have no members.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Deserializes an object key into "is it `self.0`?", without allocating
/// for unescaped keys.
struct KeyIs<'t>(&'t str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}
