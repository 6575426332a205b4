//! Where `webhook listen` forwards a request: a [`Route`] (a target URL and
//! optional event-type and path filters) and the [`Pattern`] each filter is.
//!
//! ```text
//! pattern     = alternative *( "|" alternative )
//! alternative = 1*( literal / "*" )      ; "*": any run of characters, "/" and "." too
//! ```
//!
//! A pattern matches the whole text (`invoice.*` matches `invoice.paid`,
//! not `x.invoice.paid`), case-sensitively; `*` alone matches anything.

use std::fmt;

/// A glob with alternatives: `invoice.*|customer.created`, `/stripe/*`.
///
/// Matching runs in time linear in the text and the pattern (no
/// backtracking), so a hostile event type or path costs nothing more.
///
/// ```
/// use webhook_cli::receiver::Pattern;
///
/// let events = Pattern::parse("invoice.*|customer.created")?;
/// assert!(events.matches("invoice.payment.failed"));
/// assert!(events.matches("customer.created"));
/// assert!(!events.matches("customer.deleted"));
/// # Ok::<(), webhook_cli::receiver::PatternError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    /// Per alternative, the literal pieces between the `*`s.
    alternatives: Vec<Vec<String>>,
}

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The pattern, or one of its `|` alternatives, is empty.
    #[error("empty pattern (or an empty alternative around \"|\")")]
    Empty,
}

impl Pattern {
    /// Parses `text` by the grammar in the module docs.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let alternatives = text
            .split('|')
            .map(|alternative| {
                if alternative.is_empty() {
                    return Err(PatternError::Empty);
                }
                Ok(alternative.split('*').map(str::to_owned).collect())
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            text: text.to_owned(),
            alternatives,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Each `|` alternative as written.
    pub fn alternatives(&self) -> impl Iterator<Item = &str> {
        self.text.split('|')
    }

    /// Whether one of the alternatives matches the whole of `text`.
    pub fn matches(&self, text: &str) -> bool {
        self.alternatives
            .iter()
            .any(|pieces| matches_pieces(pieces, text))
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `pieces` are the literals around the `*`s (one piece: no `*`). The first
/// must start the text, the last must end it, and the middle ones are found
/// left to right, each at its first place: the leftmost match leaves the
/// most room for the rest, so no other placement can succeed where it fails.
fn matches_pieces(pieces: &[String], text: &str) -> bool {
    let [first, middle @ .., last] = pieces else {
        // One piece: a literal.
        return pieces.first().is_some_and(|literal| literal == text);
    };
    let Some(mut rest) = text.strip_prefix(first.as_str()) else {
        return false;
    };
    for piece in middle {
        match rest.find(piece.as_str()) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.ends_with(last.as_str())
}

/// One forwarding target and the requests it gets.
#[derive(Debug, Clone)]
pub struct Route {
    /// Where matching requests go (as given: the request's query string is
    /// passed on when the URL has none).
    pub to: reqwest::Url,
    /// Only requests whose event type matches (a request without an event
    /// type never does); `None`: any request.
    pub events: Option<Pattern>,
    /// Only requests whose path (without the query) matches; `None`: any.
    pub path: Option<Pattern>,
}

impl Route {
    /// A route that takes every request: a plain `--forward-to URL`.
    pub fn every_request(to: reqwest::Url) -> Self {
        Self {
            to,
            events: None,
            path: None,
        }
    }

    /// Whether a request with this event type and path goes to this route.
    pub fn matches(&self, event_type: Option<&str>, path: &str) -> bool {
        let events = match (&self.events, event_type) {
            (None, _) => true,
            (Some(pattern), Some(event_type)) => pattern.matches(event_type),
            (Some(_), None) => false,
        };
        events
            && self
                .path
                .as_ref()
                .is_none_or(|pattern| pattern.matches(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        Pattern::parse(pattern).unwrap().matches(text)
    }

    #[test]
    fn stars_match_any_run_of_characters_and_the_rest_is_literal() {
        let cases = [
            ("invoice.*", "invoice.paid", true),
            ("invoice.*", "invoice.payment.failed", true),
            ("invoice.*", "invoice.", true),
            ("invoice.*", "invoice", false),
            ("invoice.*", "xinvoice.paid", false),
            ("*", "", true),
            ("*", "anything/at.all", true),
            ("*.created", "customer.created", true),
            ("*.created", "customer.created.x", false),
            ("a*b*c", "abc", true),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "acb", false),
            ("a*a", "a", false),
            ("a*a", "aa", true),
            ("/stripe/*", "/stripe/live/hooks", true),
            ("/stripe/*", "/github/x", false),
            ("push", "push", true),
            ("push", "Push", false),
            ("push", "push.x", false),
            ("orders/*|invoice.paid", "invoice.paid", true),
            ("orders/*|invoice.paid", "orders/create", true),
            ("orders/*|invoice.paid", "invoice.payment_failed", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(matches(pattern, text), expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn empty_alternatives_are_refused() {
        for bad in ["", "|", "a|", "|a", "a||b"] {
            assert_eq!(Pattern::parse(bad), Err(PatternError::Empty), "{bad:?}");
        }
    }

    #[test]
    fn a_hostile_text_is_matched_in_linear_time() {
        // Backtracking would take ~n^k steps here; this is one pass per piece.
        let text = "a".repeat(100_000);
        let pattern = Pattern::parse(&format!("{}b", "*a".repeat(20))).unwrap();
        assert!(!pattern.matches(&text));
    }

    #[test]
    fn an_event_filter_never_matches_a_request_without_an_event_type() {
        let url = reqwest::Url::parse("http://127.0.0.1:1/").unwrap();
        let route = Route {
            events: Some(Pattern::parse("*").unwrap()),
            ..Route::every_request(url.clone())
        };
        assert!(route.matches(Some("x"), "/"));
        assert!(!route.matches(None, "/"));
        let by_path = Route {
            path: Some(Pattern::parse("/stripe/*").unwrap()),
            ..Route::every_request(url)
        };
        assert!(by_path.matches(None, "/stripe/x"));
        assert!(!by_path.matches(Some("x"), "/github"));
    }
}
