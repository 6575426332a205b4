//! `listen`'s forwarding routes, read from the `--forward-to` values and
//! the `--routes` file (those after these), into
//! [`Route`]s.
//!
//! A `--forward-to` value:
//!
//! ```text
//! http://127.0.0.1:4000/hook              every request (a value starting with http:// or https://)
//! localhost:4000/hook                     every request (no "=": a URL, http:// assumed)
//! invoice.*=http://127.0.0.1:4000/billing events whose type matches
//! invoice.*|customer.*@/stripe/*=URL      … and whose path matches
//! @/github/*=URL                          any request whose path matches
//! ```
//!
//! Anything else is split at its first `=`: the filter before it, the URL
//! after it (so a URL without scheme whose query has `=` needs its
//! `http://`). The filter is an event-type pattern, then optionally `@`
//! and a path pattern ([`Pattern`] says how they match).
//!
//! The routes file, TOML:
//!
//! ```toml
//! [[route]]
//! to = "http://127.0.0.1:4000/billing"   # required
//! events = ["invoice.*", "customer.*"]    # optional: any of these
//! path = "/stripe/*"                      # optional
//! ```
//!
//! Unknown keys are errors, so a typo (`event =`) does not silently widen a
//! route. Every error here is a [`UsageError`] naming the flag and value.

use std::path::Path;

use serde::Deserialize;
use webhook_cli::receiver::{Pattern, Route};

use crate::errors::UsageError;
use crate::target_url::parse_target_url;

/// The routes of `--forward-to` values then of the `--routes` file.
pub(crate) fn routes(forward_to: &[String], file: Option<&Path>) -> Result<Vec<Route>, UsageError> {
    let mut routes = forward_to
        .iter()
        .map(|value| parse_forward_to(value))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("cannot read --routes {}: {e}", path.display())))?;
        routes.extend(parse_routes_file(&text, &path.display().to_string())?);
    }
    Ok(routes)
}

/// One `--forward-to` value (see the module docs).
pub(crate) fn parse_forward_to(value: &str) -> Result<Route, UsageError> {
    const FLAG: &str = "--forward-to";
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    let plain = lower.starts_with("http://") || lower.starts_with("https://");
    let Some((filter, url)) = value.split_once('=').filter(|_| !plain) else {
        return Ok(Route::every_request(parse_target_url(value, FLAG)?));
    };
    let bad = |reason: &str| UsageError(format!("invalid {FLAG} {value:?}: {reason}"));
    let (events, path) = match filter.split_once('@') {
        Some((events, path)) => (events, Some(path)),
        None => (filter, None),
    };
    let events = match (events, path) {
        ("", None) => {
            return Err(bad(
                "nothing before \"=\": write URL, EVENTS=URL, EVENTS@PATH=URL or @PATH=URL",
            ));
        }
        ("", Some(_)) => None,
        (events, _) => Some(event_pattern(events).map_err(|reason| bad(&reason))?),
    };
    let path = path
        .map(path_pattern)
        .transpose()
        .map_err(|reason| bad(&reason))?;
    let to = parse_target_url(url, FLAG)?;
    Ok(Route { to, events, path })
}

fn event_pattern(text: &str) -> Result<Pattern, String> {
    if text.contains('?') {
        // `localhost:3000/x?a=b`: a URL without scheme, split at its query.
        return Err(format!(
            "{text:?} is not an event pattern (write a URL with a query string with its http://)"
        ));
    }
    Pattern::parse(text).map_err(|e| format!("event pattern {text:?}: {e}"))
}

fn path_pattern(text: &str) -> Result<Pattern, String> {
    let pattern = Pattern::parse(text).map_err(|e| format!("path pattern {text:?}: {e}"))?;
    if let Some(bad) = pattern
        .alternatives()
        .find(|alternative| !alternative.starts_with(['/', '*']))
    {
        return Err(format!(
            "path pattern {bad:?} must start with / (or *), as request paths do"
        ));
    }
    Ok(pattern)
}

/// The routes file's shape (see the module docs).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutesFile {
    #[serde(default)]
    route: Vec<RouteTable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteTable {
    to: String,
    events: Option<Vec<String>>,
    path: Option<String>,
}

/// The routes of a routes file's text; `name` names the file in errors.
pub(crate) fn parse_routes_file(text: &str, name: &str) -> Result<Vec<Route>, UsageError> {
    let file: RoutesFile = toml::from_str(text)
        .map_err(|e| UsageError(format!("--routes {name}: {}", e.to_string().trim_end())))?;
    if file.route.is_empty() {
        return Err(UsageError(format!(
            "--routes {name}: no [[route]] table (each needs to = \"URL\")"
        )));
    }
    file.route
        .into_iter()
        .enumerate()
        .map(|(index, table)| {
            let bad = |reason: &str| {
                UsageError(format!(
                    "--routes {name}: [[route]] #{}: {reason}",
                    index + 1
                ))
            };
            let events = match table.events {
                None => None,
                Some(events) if events.is_empty() => {
                    return Err(bad(
                        "events = [] matches nothing (leave it out to match every event)",
                    ));
                }
                Some(events) => Some(event_pattern(&events.join("|")).map_err(|r| bad(&r))?),
            };
            let path = table
                .path
                .as_deref()
                .map(path_pattern)
                .transpose()
                .map_err(|r| bad(&r))?;
            let to = parse_target_url(&table.to, "to").map_err(|e| bad(&e.0))?;
            Ok(Route { to, events, path })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(route: &Route) -> String {
        format!(
            "{} events={} path={}",
            route.to,
            route.events.as_ref().map_or("-", Pattern::as_str),
            route.path.as_ref().map_or("-", Pattern::as_str)
        )
    }

    fn parsed(value: &str) -> String {
        describe(&parse_forward_to(value).unwrap_or_else(|e| panic!("{value}: {e}")))
    }

    #[test]
    fn forward_to_values_by_the_grammar() {
        let cases = [
            (
                "http://127.0.0.1:4000/hook",
                "http://127.0.0.1:4000/hook events=- path=-",
            ),
            // A URL that starts with a scheme is never split, `=` or not.
            (
                "HTTPS://h.example/x?a=b",
                "https://h.example/x?a=b events=- path=-",
            ),
            (
                "localhost:4000/hook",
                "http://localhost:4000/hook events=- path=-",
            ),
            (
                "invoice.*=http://127.0.0.1:4000/billing",
                "http://127.0.0.1:4000/billing events=invoice.* path=-",
            ),
            (
                "invoice.*|customer.*@/stripe/*=localhost:1/x",
                "http://localhost:1/x events=invoice.*|customer.* path=/stripe/*",
            ),
            ("@/github/*=http://h/", "http://h/ events=- path=/github/*"),
            ("*@*=http://h/", "http://h/ events=* path=*"),
        ];
        for (value, expected) in cases {
            assert_eq!(parsed(value), expected, "{value}");
        }
    }

    #[test]
    fn bad_forward_to_values_are_usage_errors_naming_the_value() {
        let cases = [
            ("=http://h/", "nothing before"),
            ("invoice.*=ftp://h/", "ftp:// is not supported"),
            ("invoice.*=", "no host"),
            ("a||b=http://h/", "empty pattern"),
            ("invoice.*@=http://h/", "empty pattern"),
            ("invoice.*@stripe/*=http://h/", "must start with /"),
            ("localhost:3000/x?a=b", "with its http://"),
            ("file:///x", "not supported"),
        ];
        for (value, mentions) in cases {
            let err = parse_forward_to(value).expect_err(value).0;
            assert!(err.contains("--forward-to"), "{value}: {err}");
            assert!(err.contains(mentions), "{value}: {err}");
        }
    }

    #[test]
    fn a_routes_file_in_order() {
        let text = r#"
            [[route]]
            to = "http://127.0.0.1:4000/billing"
            events = ["invoice.*", "customer.created"]

            [[route]]
            to = "localhost:4001/"
            path = "/stripe/*"

            [[route]]
            to = "http://127.0.0.1:4002/all"
        "#;
        let routes: Vec<_> = parse_routes_file(text, "r.toml")
            .unwrap()
            .iter()
            .map(describe)
            .collect();
        assert_eq!(
            routes,
            [
                "http://127.0.0.1:4000/billing events=invoice.*|customer.created path=-",
                "http://localhost:4001/ events=- path=/stripe/*",
                "http://127.0.0.1:4002/all events=- path=-",
            ]
        );
    }

    #[test]
    fn bad_routes_files_say_where() {
        let cases = [
            (
                "[[route]]\nto = \"http://h/\"\nevent = [\"x\"]\n",
                "unknown field `event`",
            ),
            ("[[routes]]\nto = \"http://h/\"\n", "unknown field `routes`"),
            ("[[route]]\nevents = [\"x\"]\n", "missing field `to`"),
            (
                "[[route]]\nto = \"ftp://h/\"\n",
                "[[route]] #1: invalid to \"ftp://h/\"",
            ),
            (
                "[[route]]\nto = \"http://h/\"\nevents = []\n",
                "matches nothing",
            ),
            (
                "[[route]]\nto = \"http://h/\"\npath = \"x\"\n",
                "must start with /",
            ),
            ("", "no [[route]]"),
            ("to = ", "r.toml"),
        ];
        for (text, mentions) in cases {
            let err = parse_routes_file(text, "r.toml").expect_err(text).0;
            assert!(err.starts_with("--routes r.toml: "), "{text}: {err}");
            assert!(err.contains(mentions), "{text}: {err}");
        }
    }
}
