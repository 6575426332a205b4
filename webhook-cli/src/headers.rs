//! `-H 'Name: value'` arguments, parsed into a header map.

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::errors::UsageError;

/// Parses `Name: value` header arguments.
pub(crate) fn parse_headers(args: &[String]) -> anyhow::Result<HeaderMap> {
    let mut headers = HeaderMap::with_capacity(args.len());
    for arg in args {
        let Some((name, value)) = arg.split_once(':') else {
            return Err(UsageError(format!("header {arg:?} is not 'Name: value'")).into());
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| UsageError(format!("invalid header name in {arg:?}")))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| UsageError(format!("invalid header value for {name}")))?;
        headers.append(name, value);
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_and_reject() {
        let headers = parse_headers(&["X-A: 1".to_owned(), "x-a:2".to_owned()]).unwrap();
        assert_eq!(headers.get_all("x-a").iter().count(), 2);
        assert!(parse_headers(&["nocolon".to_owned()]).is_err());
        assert!(parse_headers(&["bad name: 1".to_owned()]).is_err());
    }
}
