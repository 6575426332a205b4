//! [`WebhookRequest`]: what a scheme may read of a request — the method,
//! the URI, the headers, the raw body and the public URL the provider signed.

use std::borrow::Cow;

use http::{HeaderMap, Method, Uri, header};

/// A borrowed view of a webhook request, as a scheme sees it.
///
/// Most schemes read only the headers and the body. Some sign more: Twilio,
/// Square and HubSpot sign the URL, HubSpot the method, Twilio the form
/// parameters, and Mailgun carries its signature in the body. Behind a
/// proxy the URL the application sees is not the one the provider signed,
/// so [`url`](Self::url) starts from a configured public base URL (see
/// [`VerifierBuilder::public_url`](crate::VerifierBuilder::public_url)).
///
/// ```
/// use http::{HeaderMap, Method, Uri};
/// use webhook_verify::scheme::WebhookRequest;
///
/// let headers = HeaderMap::new();
/// let uri: Uri = "/hooks/twilio?a=1".parse()?;
/// let request = WebhookRequest::new(&headers, b"Body=hi")
///     .with_method(&Method::POST)
///     .with_uri(&uri)
///     .with_public_url("https://example.com/app/");
/// assert_eq!(request.url(), "https://example.com/app/hooks/twilio?a=1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    method: &'a Method,
    uri: Option<&'a Uri>,
    headers: &'a HeaderMap,
    body: &'a [u8],
    public_url: Option<&'a str>,
}

impl<'a> WebhookRequest<'a> {
    /// A `POST /` with these headers and body; set the rest with the
    /// `with_*` methods when the scheme signs them.
    pub fn new(headers: &'a HeaderMap, body: &'a [u8]) -> Self {
        Self {
            method: &Method::POST,
            uri: None,
            headers,
            body,
            public_url: None,
        }
    }

    /// Sets the request method.
    pub fn with_method(mut self, method: &'a Method) -> Self {
        self.method = method;
        self
    }

    /// Sets the request URI as the application received it (usually just
    /// the path and query).
    pub fn with_uri(mut self, uri: &'a Uri) -> Self {
        self.uri = Some(uri);
        self
    }

    /// Sets the public base URL (`https://example.com`, optionally with a
    /// path prefix) that the request's path and query are appended to.
    pub fn with_public_url(mut self, base: &'a str) -> Self {
        self.public_url = Some(base);
        self
    }

    /// The public base URL, when one was set.
    pub fn public_url(&self) -> Option<&'a str> {
        self.public_url
    }

    /// The request method (`POST` unless set).
    pub fn method(&self) -> &'a Method {
        self.method
    }

    /// The request URI, when set.
    pub fn uri(&self) -> Option<&'a Uri> {
        self.uri
    }

    /// The request headers.
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// The raw body bytes.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The path and query as received (`/` when no URI was set).
    pub fn path_and_query(&self) -> &'a str {
        self.uri
            .and_then(Uri::path_and_query)
            .map_or("/", |pq| pq.as_str())
    }

    /// The URL the provider signed, rebuilt in this order:
    ///
    /// 1. the public base URL (trailing `/` dropped) + path and query;
    /// 2. the URI itself when it is absolute (HTTP/2, or a proxy request);
    /// 3. `https://` + the `Host` header + path and query — right behind a
    ///    TLS-terminating tunnel that keeps the `Host` (ngrok, cloudflared);
    /// 4. the path and query alone, which no provider signs: configure a
    ///    public URL.
    pub fn url(&self) -> Cow<'a, str> {
        let path = self.path_and_query();
        if let Some(base) = self.public_url {
            return Cow::Owned([base.trim_end_matches('/'), path].concat());
        }
        if let Some(uri) = self.uri
            && let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority())
        {
            return Cow::Owned([scheme, "://", authority.as_str(), path].concat());
        }
        match self.headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
            Some(host) => Cow::Owned(["https://", host, path].concat()),
            None => Cow::Borrowed(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn the_url_comes_from_the_public_base_then_the_uri_then_host() {
        let mut headers = HeaderMap::new();
        let uri: Uri = "/a?b=1".parse().unwrap();
        let request = WebhookRequest::new(&headers, b"").with_uri(&uri);
        assert_eq!(request.url(), "/a?b=1");
        assert_eq!(
            request.with_public_url("https://x.test").url(),
            "https://x.test/a?b=1"
        );
        headers.insert(header::HOST, HeaderValue::from_static("h.test:8443"));
        let request = WebhookRequest::new(&headers, b"").with_uri(&uri);
        assert_eq!(request.url(), "https://h.test:8443/a?b=1");
        let absolute: Uri = "http://abs.test/p".parse().unwrap();
        assert_eq!(
            request.with_uri(&absolute).url(),
            "http://abs.test/p",
            "an absolute URI wins over Host"
        );
        assert_eq!(WebhookRequest::new(&headers, b"").path_and_query(), "/");
    }
}
