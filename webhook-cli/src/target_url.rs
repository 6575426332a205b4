//! Target URLs as people type them, one rule for `send`, `deliver`,
//! `replay --to` and `listen --forward-to`: the argument is the full target
//! URL, used as given; without a scheme `http://` is assumed
//! (`localhost:3000/webhooks`, as `stripe listen --forward-to` takes it).
//! Only `http://` and `https://` are accepted.

use reqwest::Url;

use crate::errors::UsageError;

/// Parses `text`, given to `flag` (`"URL"`, `"--to"`, …), by the rule in
/// the module docs. Every error is a [`UsageError`].
pub(crate) fn parse_target_url(text: &str, flag: &str) -> Result<Url, UsageError> {
    let bad = |reason: &str| UsageError(format!("invalid {flag} {text:?}: {reason}"));
    // A scheme is whatever precedes the first `://`, as long as no path,
    // query or fragment started before it. Look for it before parsing:
    // `url` reads `localhost:3000/x` as the scheme `localhost`.
    let has_scheme = text
        .find("://")
        .is_some_and(|end| !text[..end].contains(['/', '?', '#']));
    let url = if has_scheme {
        Url::parse(text)
    } else if text.is_empty() || text.starts_with(['/', '?', '#']) {
        return Err(bad("no host: write e.g. localhost:3000/webhooks"));
    } else if text
        .split(['/', '?', '#'])
        .next()
        .is_some_and(|a| a.contains('@'))
    {
        // `mailto:a@b` would read as user `mailto` at host `b`.
        return Err(bad(
            "write the scheme of a URL with credentials (https://user@host/…)",
        ));
    } else {
        // `localhost:3000` and `localhost:3000/webhooks` both mean http://.
        Url::parse(&format!("http://{text}"))
    }
    .map_err(|e| bad(&e.to_string()))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(bad(&format!(
                "{other}:// is not supported (only http:// and https://)"
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> String {
        parse_target_url(text, "URL")
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .to_string()
    }

    #[test]
    fn a_missing_scheme_means_http() {
        assert_eq!(
            parsed("localhost:3000/webhooks"),
            "http://localhost:3000/webhooks"
        );
        assert_eq!(parsed("127.0.0.1:8/x?a=1"), "http://127.0.0.1:8/x?a=1");
        assert_eq!(parsed("example.com/"), "http://example.com/");
        // No path: the root, as `stripe listen --forward-to localhost:3000`.
        assert_eq!(parsed("localhost:3000"), "http://localhost:3000/");
        // A URL in the query is not a scheme.
        assert_eq!(
            parsed("localhost:3000/cb?next=https://x/y"),
            "http://localhost:3000/cb?next=https://x/y"
        );
    }

    #[test]
    fn full_urls_are_used_as_given() {
        assert_eq!(parsed("https://h.example/a/b?c"), "https://h.example/a/b?c");
        assert_eq!(parsed("HTTP://h:1/x"), "http://h:1/x");
        assert_eq!(parsed("http://localhost:3000"), "http://localhost:3000/");
    }

    #[test]
    fn other_schemes_and_nonsense_are_usage_errors() {
        for bad in [
            "ftp://x/y",
            "file:///etc/passwd",
            "/webhooks",
            "",
            "http://",
            "localhost:99999/x",
            "mailto:a@b",
        ] {
            let err = parse_target_url(bad, "--to").expect_err(bad);
            assert!(err.0.starts_with("invalid --to "), "{bad}: {err}");
        }
        let err = parse_target_url("ftp://x", "URL").unwrap_err();
        assert!(err.0.contains("ftp:// is not supported"), "{err}");
    }
}
