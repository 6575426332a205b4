//! Every provider handshake driven through the real [`VerifyLayer`] with
//! `oneshot`: answered by the layer when handshakes are enabled, passed to
//! the handler when they are not, and never answered when the request is
//! forged or unsigned (a signed handshake is verified first; an unsigned
//! one, Dropbox's, is answered only in its exact shape).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use sha2::Sha256;
use tower::{ServiceBuilder, ServiceExt, service_fn};
use webhook_verify::layer::VerifiedBody;
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{Scheme, Signer, Verifier, VerifyLayer};

const NOW: i64 = 1_700_000_000;
const SECRET: &str = "handshake-secret";
const HANDLER: &[u8] = b"handler ran";

/// A signed handshake the provider sends, and what the layer must answer.
struct Handshake {
    scheme: Scheme,
    method: Method,
    uri: &'static str,
    body: &'static [u8],
    /// Headers the provider sends beside the signature ones.
    extra: &'static [(&'static str, &'static str)],
    /// Whether the provider signs it (Dropbox's `GET ?challenge=` is not).
    signed: bool,
    content_type: &'static str,
    reply: Vec<u8>,
}

fn hex_hmac(key: &str, message: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

fn handshakes() -> Vec<Handshake> {
    vec![
        Handshake {
            scheme: Scheme::Zoom,
            method: Method::POST,
            uri: "/hook",
            body: br#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1700000000000,"event":"endpoint.url_validation"}"#,
            extra: &[],
            signed: true,
            content_type: "application/json",
            reply: format!(
                r#"{{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"{}"}}"#,
                hex_hmac(SECRET, b"qgg8vlvZRS6UYooatFL8Aw")
            )
            .into_bytes(),
        },
        Handshake {
            scheme: Scheme::Twitch,
            method: Method::POST,
            uri: "/hook",
            body: br#"{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387","type":"channel.follow"}}"#,
            extra: &[("twitch-eventsub-message-type", "webhook_callback_verification")],
            signed: true,
            content_type: "text/plain",
            reply: b"pogchamp-kappa-360noscope-vohiyo".to_vec(),
        },
        Handshake {
            scheme: Scheme::Slack,
            method: Method::POST,
            uri: "/hook",
            body: br#"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#,
            extra: &[],
            signed: true,
            content_type: "application/json",
            reply: br#"{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}"#.to_vec(),
        },
        Handshake {
            scheme: Scheme::Dropbox,
            method: Method::GET,
            uri: "/hook?challenge=Vo3sfrsHkv3D5oR2YUtuOQ%3D%3D",
            body: b"",
            extra: &[],
            signed: false,
            content_type: "text/plain",
            reply: b"Vo3sfrsHkv3D5oR2YUtuOQ==".to_vec(),
        },
    ]
}

fn verifier(scheme: Scheme) -> Verifier {
    Verifier::builder(scheme)
        .secret(SECRET)
        .clock(|| NOW)
        .build()
        .expect("valid verifier")
}

/// The handshake as the provider sends it, signed with `key` (or unsigned).
fn request(handshake: &Handshake, key: Option<&str>) -> Request<Full<Bytes>> {
    let uri: http::Uri = handshake.uri.parse().expect("a valid URI");
    let mut headers = HeaderMap::new();
    if let Some(key) = key {
        let none = HeaderMap::new();
        let target = WebhookRequest::new(&none, handshake.body)
            .with_method(&handshake.method)
            .with_uri(&uri);
        headers = Signer::new(handshake.scheme, key)
            .expect("valid signer")
            .sign_request(&target, NOW, Some("evt_handshake"))
            .expect("signable");
    }
    for (name, value) in handshake.extra {
        headers.insert(*name, HeaderValue::from_static(value));
    }
    let mut req = Request::builder()
        .method(handshake.method.clone())
        .uri(uri)
        .body(Full::new(Bytes::from_static(handshake.body)))
        .expect("valid request");
    req.headers_mut().extend(headers);
    req
}

/// Sends `req` through the layer over a handler that counts its calls.
async fn send(
    scheme: Scheme,
    answer: bool,
    req: Request<Full<Bytes>>,
) -> (StatusCode, HeaderMap, Bytes, usize) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let handler = service_fn(move |_req: Request<VerifiedBody>| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(HANDLER))))
        }
    });
    let svc = ServiceBuilder::new()
        .layer(VerifyLayer::new(verifier(scheme)).answer_handshakes(answer))
        .service(handler);
    let res = svc.oneshot(req).await.expect("infallible");
    let (parts, body) = res.into_parts();
    let body = body.collect().await.expect("readable").to_bytes();
    (
        parts.status,
        parts.headers,
        body,
        calls.load(Ordering::SeqCst),
    )
}

#[tokio::test]
async fn enabled_handshakes_are_answered_by_the_layer() {
    for handshake in handshakes() {
        let key = handshake.signed.then_some(SECRET);
        let (status, headers, body, calls) =
            send(handshake.scheme, true, request(&handshake, key)).await;
        let scheme = handshake.scheme;
        assert_eq!(status, StatusCode::OK, "{scheme}");
        assert_eq!(headers["content-type"], handshake.content_type, "{scheme}");
        assert_eq!(body, handshake.reply, "{scheme}");
        assert_eq!(calls, 0, "{scheme}: the handler must not run");
    }
}

#[tokio::test]
async fn disabled_handshakes_reach_the_handler() {
    for handshake in handshakes() {
        let key = handshake.signed.then_some(SECRET);
        let (status, _, body, calls) =
            send(handshake.scheme, false, request(&handshake, key)).await;
        let scheme = handshake.scheme;
        if handshake.signed {
            assert_eq!(status, StatusCode::OK, "{scheme}");
            assert_eq!(body.as_ref(), HANDLER, "{scheme}");
            assert_eq!(calls, 1, "{scheme}");
        } else {
            // Unanswered, an unsigned handshake is an unsigned request.
            assert!(status.is_client_error(), "{scheme}: {status}");
            assert_eq!(calls, 0, "{scheme}");
        }
    }
}

#[tokio::test]
async fn forged_or_unsigned_signed_handshakes_are_rejected_not_answered() {
    for handshake in handshakes().into_iter().filter(|h| h.signed) {
        let scheme = handshake.scheme;
        for (case, key, status) in [
            ("forged", Some("another-secret"), StatusCode::UNAUTHORIZED),
            ("unsigned", None, StatusCode::BAD_REQUEST),
        ] {
            let (got, _, body, calls) = send(scheme, true, request(&handshake, key)).await;
            assert_eq!(got, status, "{scheme}: {case}");
            assert_ne!(body, handshake.reply, "{scheme}: {case} answered");
            assert_eq!(calls, 0, "{scheme}: {case}");
        }
    }
}

#[tokio::test]
async fn dropbox_answers_only_its_exact_challenge_shape() {
    let good = handshakes()
        .into_iter()
        .find(|h| h.scheme == Scheme::Dropbox)
        .expect("a Dropbox handshake");
    let (_, headers, _, _) = send(Scheme::Dropbox, true, request(&good, None)).await;
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let long = format!("/hook?challenge={}", "a".repeat(257));
    let long: &'static str = Box::leak(long.into_boxed_str());
    for (case, method, uri) in [
        ("a POST", Method::POST, "/hook?challenge=abc"),
        ("no challenge", Method::GET, "/hook?other=abc"),
        ("no query", Method::GET, "/hook"),
        ("an empty challenge", Method::GET, "/hook?challenge="),
        (
            "two challenges",
            Method::GET,
            "/hook?challenge=a&challenge=b",
        ),
        ("a control character", Method::GET, "/hook?challenge=a%0Db"),
        ("a space", Method::GET, "/hook?challenge=a+b"),
        ("non-ASCII", Method::GET, "/hook?challenge=%C3%A9"),
        ("257 characters", Method::GET, long),
    ] {
        let bad = Handshake {
            method,
            uri,
            ..handshakes()
                .into_iter()
                .find(|h| h.scheme == Scheme::Dropbox)
                .expect("a Dropbox handshake")
        };
        let (status, _, _, calls) = send(Scheme::Dropbox, true, request(&bad, None)).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{case}: verified, and unsigned"
        );
        assert_eq!(calls, 0, "{case}");
    }
    // Markup is echoed as it is: text/plain with nosniff is what Dropbox
    // asks for so that a browser never renders it.
    let markup = Handshake {
        uri: "/hook?challenge=%3Cscript%3E%22",
        reply: b"<script>\"".to_vec(),
        ..handshakes()
            .into_iter()
            .find(|h| h.scheme == Scheme::Dropbox)
            .expect("a Dropbox handshake")
    };
    let (status, headers, body, _) = send(Scheme::Dropbox, true, request(&markup, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/plain");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(body, markup.reply);
    // 256 characters are still a challenge.
    let max = format!("/hook?challenge={}", "a".repeat(256));
    let ok = Handshake {
        uri: Box::leak(max.into_boxed_str()),
        reply: "a".repeat(256).into_bytes(),
        ..good
    };
    let (status, _, body, _) = send(Scheme::Dropbox, true, request(&ok, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, ok.reply);
}

#[tokio::test]
async fn ordinary_events_are_not_handshakes() {
    // The handshake's own scheme, an ordinary event: the handler runs.
    for handshake in handshakes().into_iter().filter(|h| h.signed) {
        let event = Handshake {
            body: br#"{"type":"event_callback","event":{"type":"app_mention"},"event_ts":"1"}"#,
            extra: &[("twitch-eventsub-message-type", "notification")],
            ..handshake
        };
        let (status, _, body, calls) =
            send(event.scheme, true, request(&event, Some(SECRET))).await;
        assert_eq!(status, StatusCode::OK, "{}", event.scheme);
        assert_eq!(body.as_ref(), HANDLER, "{}", event.scheme);
        assert_eq!(calls, 1, "{}", event.scheme);
    }
}
