//! [`Filter`]: what the list and the event stream show, from the query
//! string the page sends (`?path=&type=&verdict=&status=&q=`). Every
//! parameter is optional; an empty one matches everything.

use super::Entry;

/// The list's filters; an entry is shown when it matches all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// `path`: part of the path and query (case-sensitive).
    pub path: Option<String>,
    /// `type`: part of the event type (case-insensitive).
    pub event_type: Option<String>,
    /// `verdict`: `ok`, `invalid`, `refused` or `unverified` (see
    /// [`Entry::verdict`]).
    pub verdict: Option<String>,
    /// `status`: `200`, or a class: `2xx`, `4xx`, …
    pub status: Option<String>,
    /// `q`: text in the request or response body (case-insensitive).
    pub text: Option<String>,
}

impl Filter {
    /// Reads the filters from a query string (unknown parameters are
    /// ignored, so the page may add its own).
    pub fn from_query(query: &str) -> Self {
        let mut filter = Self::default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if value.is_empty() {
                continue;
            }
            let value = Some(value.into_owned());
            match &*key {
                "path" => filter.path = value,
                "type" => filter.event_type = value.map(|v| v.to_lowercase()),
                "verdict" => filter.verdict = value,
                "status" => filter.status = value.map(|v| v.to_ascii_lowercase()),
                "q" => filter.text = value.map(|v| v.to_lowercase()),
                _ => {}
            }
        }
        filter
    }

    /// Whether `entry` passes every filter.
    pub fn matches(&self, entry: &Entry) -> bool {
        self.path.as_ref().is_none_or(|p| entry.path().contains(p))
            && self.event_type.as_ref().is_none_or(|t| {
                entry
                    .event_type()
                    .is_some_and(|e| e.to_lowercase().contains(t))
            })
            && self.verdict.as_ref().is_none_or(|v| entry.verdict() == v)
            && self
                .status
                .as_ref()
                .is_none_or(|s| status_matches(s, entry.status()))
            && self.text.as_ref().is_none_or(|q| entry.bodies_contain(q))
    }
}

/// `200` matches 200, `4xx` any 400–499.
fn status_matches(wanted: &str, status: u16) -> bool {
    let text = status.to_string();
    match wanted.strip_suffix("xx") {
        Some(class) if class.len() == 1 => text.starts_with(class),
        _ => text == wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_parse_and_empty_ones_are_ignored() {
        let filter =
            Filter::from_query("path=%2Fhooks&type=Invoice&verdict=&status=4XX&q=Hello&x=1");
        assert_eq!(
            filter,
            Filter {
                path: Some("/hooks".to_owned()),
                event_type: Some("invoice".to_owned()),
                verdict: None,
                status: Some("4xx".to_owned()),
                text: Some("hello".to_owned()),
            }
        );
    }

    #[test]
    fn statuses_match_exactly_or_by_class() {
        assert!(status_matches("200", 200));
        assert!(!status_matches("200", 201));
        assert!(status_matches("4xx", 401));
        assert!(!status_matches("4xx", 500));
        assert!(!status_matches("4", 401));
    }
}
