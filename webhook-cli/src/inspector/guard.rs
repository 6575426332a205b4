//! Who may use the inspector: requests addressed to it by a loopback name
//! or its own address, and — for the replay endpoint — only what a page of
//! its own origin can send without a CORS preflight it never answers.
//!
//! - **Host** (DNS rebinding): `localhost`, `*.localhost`, a loopback IP
//!   or the IP the inspector is bound to, with its port; with
//!   `--ui-allow-remote` on an unspecified address (`0.0.0.0`), any IP. A
//!   DNS name that resolves to us (`evil.example` rebound to 127.0.0.1)
//!   gets 403.
//! - **Origin**, when the browser sends one: `http://` and a host as
//!   above; anything else (another site, `null`) gets 403.
//! - **Replay** (CSRF): `Content-Type: application/json` (else 415) and
//!   [`INSPECTOR_HEADER`](super::INSPECTOR_HEADER)`: 1` (else 403). A form
//!   or a simple `fetch` from another origin can set neither; setting them
//!   needs a preflight, and the inspector answers no `OPTIONS`.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use http::{HeaderMap, StatusCode, header};

use super::api::ApiError;
use super::{INSPECTOR_HEADER, Inspector, InspectorSettings};

/// Whether `host` (a `Host` header: `name[:port]`) names this inspector.
pub(super) fn host_allowed(host: &str, settings: &InspectorSettings) -> bool {
    let Ok(authority) = host.parse::<http::uri::Authority>() else {
        return false;
    };
    if authority.as_str().contains('@') || authority.port_u16().unwrap_or(80) != settings.ui.port()
    {
        return false;
    }
    let name = authority.host();
    let name = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    let lower = name.to_ascii_lowercase();
    if lower == "localhost" || lower.ends_with(".localhost") {
        return true;
    }
    let Ok(ip) = name.parse::<IpAddr>() else {
        return false;
    };
    ip.is_loopback()
        || ip == settings.ui.ip()
        || (settings.allow_remote && settings.ui.ip().is_unspecified())
}

/// Whether `origin` (an `Origin` header) is this inspector's own.
pub(super) fn origin_allowed(origin: &str, settings: &InspectorSettings) -> bool {
    origin
        .strip_prefix("http://")
        .is_some_and(|host| host_allowed(host, settings))
}

/// The `Host` and `Origin` checks, on every inspector route.
pub(super) async fn same_origin_only(
    State(inspector): State<Arc<Inspector>>,
    request: Request,
    next: Next,
) -> Response {
    let settings = inspector.settings();
    let headers = request.headers();
    let host_ok = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| host_allowed(h, settings));
    if !host_ok {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_host",
            "the inspector only answers requests addressed to localhost or its own address",
        )
        .into_response();
    }
    if let Some(origin) = headers.get(header::ORIGIN)
        && !origin.to_str().is_ok_and(|o| origin_allowed(o, settings))
    {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_origin",
            "the inspector only answers its own page",
        )
        .into_response();
    }
    next.run(request).await
}

/// The replay endpoint's extra checks (see the module docs).
pub(super) fn mutation_allowed(headers: &HeaderMap) -> Result<(), ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send Content-Type: application/json",
        ));
    }
    if headers.get(INSPECTOR_HEADER).is_none_or(|v| v != "1") {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "missing_inspector_header",
            "send X-Webhook-Inspector: 1",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(ui: &str, allow_remote: bool) -> InspectorSettings {
        let ui = ui.parse().unwrap();
        let mut settings = InspectorSettings::new(ui, ui);
        settings.allow_remote = allow_remote;
        settings
    }

    #[test]
    fn loopback_names_and_the_own_address_are_allowed() {
        let s = settings("127.0.0.1:8080", false);
        for host in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "app.localhost:8080",
            "[::1]:8080",
            "127.0.0.2:8080",
        ] {
            assert!(host_allowed(host, &s), "{host}");
        }
        for host in [
            "evil.example:8080",
            "127.0.0.1:8081",
            "127.0.0.1",
            "10.0.0.1:8080",
            "user@127.0.0.1:8080",
            "",
            "localhost.evil.example:8080",
        ] {
            assert!(!host_allowed(host, &s), "{host}");
        }
        assert!(origin_allowed("http://localhost:8080", &s));
        assert!(!origin_allowed("https://localhost:8080", &s));
        assert!(!origin_allowed("null", &s));
        assert!(!origin_allowed("http://evil.example:8080", &s));
    }

    #[test]
    fn remote_access_allows_ip_addresses_never_names() {
        let s = settings("0.0.0.0:8080", true);
        assert!(host_allowed("192.168.1.5:8080", &s));
        assert!(!host_allowed("rebound.example:8080", &s));
        let bound = settings("192.168.1.5:8080", false);
        assert!(host_allowed("192.168.1.5:8080", &bound));
        assert!(!host_allowed("192.168.1.6:8080", &bound));
    }

    #[test]
    fn replays_need_json_and_the_custom_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            mutation_allowed(&headers).unwrap_err().status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        headers.insert(
            header::CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        assert_eq!(
            mutation_allowed(&headers).unwrap_err().status,
            StatusCode::FORBIDDEN
        );
        headers.insert(INSPECTOR_HEADER, "1".parse().unwrap());
        assert!(mutation_allowed(&headers).is_ok());
    }
}
