//! [`redact_url`]: a URL as it may be printed, without its credentials.

/// `url` fit for printing: any user name and password replaced by `***`
/// (`redis://:hunter2@host` → `redis://***@host`, `https://u:p@h/x` →
/// `https://***@h/x`). Text that is not a URL
/// loses everything up to its last `@` before the host part, to be safe.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            // Both succeed for URLs that have userinfo (they have a host).
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("***");
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => match url.rfind('@') {
            Some(at) => format!("***{}", &url[at..]),
            None => url.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_printed_without_credentials() {
        assert_eq!(
            redact_url("redis://:hunter2@127.0.0.1:6379/0"),
            "redis://***@127.0.0.1:6379/0"
        );
        assert_eq!(redact_url("https://user:pw@h/x"), "https://***@h/x");
        assert_eq!(redact_url("redis://127.0.0.1/"), "redis://127.0.0.1/");
        assert!(!redact_url("not a url :hunter2@host").contains("hunter2"));
    }
}
