//! The verify layer through `oneshot` and through real servers on 127.0.0.1.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use bytes::Bytes;
use futures_util::stream;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::{ServiceBuilder, ServiceExt, service_fn};
use webhook_verify::extract::VerifiedEvent;
use webhook_verify::layer::VerifiedBody;
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{Error, ErrorKind, Scheme, Signer, Verified, Verifier, VerifyLayer};

#[path = "common/fixtures.rs"]
mod fixtures;

const NOW: i64 = 1_700_000_000;

fn verifier(scheme: Scheme) -> Verifier {
    // The fixtures' keys ("test-secret" for the symmetric schemes).
    let secret = fixtures::keys(scheme).verify;
    Verifier::builder(scheme)
        .secret(secret)
        .clock(|| NOW)
        .build()
        .expect("valid verifier")
}

fn signed(scheme: Scheme, body: &[u8], timestamp: i64) -> HeaderMap {
    // The fixtures' keys ("test-secret" for the symmetric schemes).
    let secret = fixtures::keys(scheme).sign;
    // Signed for the request `request` builds (`POST /hook`, no Host), since
    // Square, Twilio and HubSpot sign the URL the layer rebuilds.
    let none = HeaderMap::new();
    let uri = http::Uri::from_static("/hook");
    let target = WebhookRequest::new(&none, body).with_uri(&uri);
    Signer::new(scheme, secret)
        .expect("valid signer")
        .sign_request(&target, timestamp, Some("evt_123"))
        .expect("signable")
}

/// A handler that counts calls and echoes the body it was handed, prefixed
/// with the verified event id.
fn echo(
    calls: Arc<AtomicUsize>,
) -> impl tower::Service<
    Request<VerifiedBody>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    service_fn(move |req: Request<VerifiedBody>| {
        let calls = calls.clone();
        async move {
            calls.fetch_add(1, Ordering::SeqCst);
            let verified = req
                .extensions()
                .get::<Verified>()
                .cloned()
                .expect("the layer inserts Verified");
            let mut out = verified.event_id.unwrap_or_default().into_bytes();
            out.push(b'|');
            out.extend_from_slice(&req.into_body().into_bytes());
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(out))))
        }
    })
}

fn request(headers: HeaderMap, body: impl Into<Bytes>) -> Request<Full<Bytes>> {
    let mut req = Request::post("/hook")
        .body(Full::new(body.into()))
        .expect("valid request");
    req.headers_mut().extend(headers);
    req
}

async fn body_of<B: http_body::Body>(res: Response<B>) -> Bytes
where
    B::Error: std::fmt::Debug,
{
    res.into_body()
        .collect()
        .await
        .expect("body readable")
        .to_bytes()
}

#[tokio::test]
async fn every_scheme_passes_the_exact_bytes_to_the_handler() {
    // Not UTF-8, with a NUL and a CR LF: the handler must see these bytes unchanged.
    let raw: &[u8] = b"\xff\x00{\"id\":1}\r\n\x80";
    // Twilio signs decoded form parameters, which must be UTF-8: a form with
    // a NUL, a CR LF and percent escapes left for the handler to decode.
    let form: &[u8] = b"Body=\x00%0D%0A\r\n%C3%A9&x=+%zz";
    // Linear reads its timestamp from a JSON body (CR LF as whitespace).
    let json: &[u8] = b"{\"id\":1,\r\n\"webhookTimestamp\":1700000000000}\r\n";
    for &scheme in Scheme::ALL {
        let body = match scheme {
            Scheme::Twilio => form,
            Scheme::Linear => json,
            _ => raw,
        };
        let calls = Arc::new(AtomicUsize::new(0));
        let svc = ServiceBuilder::new()
            .layer(VerifyLayer::new(verifier(scheme)))
            .service(echo(calls.clone()));
        // A scheme that carries its signature in the body (Mailgun) sends
        // its fixture JSON with the signature embedded instead.
        let (headers, sent) = if scheme.signature_header().is_some() {
            (signed(scheme, body, NOW), body.to_vec())
        } else {
            Signer::new(scheme, fixtures::keys(scheme).sign)
                .expect("valid signer")
                .sign_body(&fixtures::body(scheme), NOW, Some("evt_123"))
                .expect("signable")
        };
        let res = svc
            .oneshot(request(headers, Bytes::from(sent.clone())))
            .await
            .expect("infallible");
        assert_eq!(res.status(), StatusCode::OK, "{scheme}");
        let out = body_of(res).await;
        let (id, echoed) = out.split_at(out.iter().position(|b| *b == b'|').expect("separator"));
        assert_eq!(&echoed[1..], sent, "{scheme}: body changed on its way");
        let expected_id: &[u8] = match scheme.to_string().as_str() {
            "stripe" | "slack" => b"",
            // Group A schemes without an id header.
            "intercom" | "typeform" | "lemonsqueezy" | "coinbase" | "paddle" => b"",
            // Group B: no id header (Square's and HubSpot's are in the body).
            "square" | "hubspot" | "zoom" | "dropbox" => b"",
            // group C: no id header (the ids are in the body).
            "discord" | "sendgrid" => b"",
            // (Mailgun's is the signed token.)
            _ => b"evt_123",
        };
        assert_eq!(id, expected_id, "{scheme}");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{scheme}");
    }
}

#[tokio::test]
async fn rejections_have_the_right_status_a_generic_body_and_the_typed_error() {
    let body = br#"{"id":"evt_123"}"#;
    let good = signed(Scheme::Webhook, body, NOW);
    let mut tampered_sig = good.clone();
    tampered_sig.insert(
        "x-webhook-signature",
        format!("v1={}", "0".repeat(64))
            .parse()
            .expect("valid header"),
    );
    let mut no_sig = good.clone();
    no_sig.remove("x-webhook-signature");
    let mut dup = good.clone();
    dup.append("x-webhook-timestamp", "1700000000".parse().expect("valid"));
    let mut signed_value = good.clone();
    signed_value.insert("x-webhook-timestamp", "+1700000000".parse().expect("valid"));

    let cases: Vec<(&str, HeaderMap, Bytes, StatusCode, ErrorKind, &str)> = vec![
        (
            "tampered body",
            good.clone(),
            Bytes::from_static(br#"{"id":"evt_124"}"#),
            StatusCode::UNAUTHORIZED,
            ErrorKind::SignatureMismatch,
            "invalid_signature",
        ),
        (
            "zero signature",
            tampered_sig,
            Bytes::from_static(body),
            StatusCode::UNAUTHORIZED,
            ErrorKind::SignatureMismatch,
            "invalid_signature",
        ),
        (
            "stale",
            signed(Scheme::Webhook, body, NOW - 301),
            Bytes::from_static(body),
            StatusCode::UNAUTHORIZED,
            ErrorKind::TimestampTooOld,
            "invalid_signature",
        ),
        (
            "future",
            signed(Scheme::Webhook, body, NOW + 301),
            Bytes::from_static(body),
            StatusCode::UNAUTHORIZED,
            ErrorKind::TimestampInFuture,
            "invalid_signature",
        ),
        (
            "missing signature",
            no_sig,
            Bytes::from_static(body),
            StatusCode::BAD_REQUEST,
            ErrorKind::MissingHeader,
            "malformed_signature",
        ),
        (
            "duplicate timestamp",
            dup,
            Bytes::from_static(body),
            StatusCode::BAD_REQUEST,
            ErrorKind::DuplicateHeader,
            "malformed_signature",
        ),
        (
            "signed timestamp",
            signed_value,
            Bytes::from_static(body),
            StatusCode::BAD_REQUEST,
            ErrorKind::MalformedHeader,
            "malformed_signature",
        ),
    ];
    for (name, headers, body, status, kind, code) in cases {
        let calls = Arc::new(AtomicUsize::new(0));
        let svc = VerifyLayer::new(verifier(Scheme::Webhook));
        let svc = ServiceBuilder::new()
            .layer(svc)
            .service(echo(calls.clone()));
        let res = svc
            .oneshot(request(headers, body))
            .await
            .expect("infallible");
        assert_eq!(res.status(), status, "{name}");
        assert_eq!(
            res.extensions().get::<Error>().map(Error::kind),
            Some(kind),
            "{name}"
        );
        assert_eq!(res.headers()["content-type"], "application/json", "{name}");
        assert_eq!(
            body_of(res).await,
            format!("{{\"error\":\"{code}\"}}"),
            "{name}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 0, "{name}: handler ran");
    }
}

#[tokio::test]
async fn oversized_bodies_get_413_with_and_without_content_length() {
    let limit = 1024;
    let big = vec![b'a'; limit + 1];
    let headers = signed(Scheme::Webhook, &big, NOW);
    let calls = Arc::new(AtomicUsize::new(0));
    let svc = ServiceBuilder::new()
        .layer(VerifyLayer::new(verifier(Scheme::Webhook)).body_limit(limit))
        .service(echo(calls.clone()));

    // Declared up front.
    let mut req = request(headers.clone(), big.clone());
    req.headers_mut()
        .insert("content-length", (limit + 1).into());
    let res = svc.clone().oneshot(req).await.expect("infallible");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body_of(res).await, r#"{"error":"payload_too_large"}"#);

    // Streamed in chunks with no length known in advance.
    let chunks = big
        .chunks(100)
        .map(|c| Ok::<_, Infallible>(http_body::Frame::data(Bytes::copy_from_slice(c))))
        .collect::<Vec<_>>();
    let mut req = Request::post("/hook")
        .body(StreamBody::new(stream::iter(chunks)))
        .expect("valid request");
    req.headers_mut().extend(headers);
    let res = svc.clone().oneshot(req).await.expect("infallible");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Exactly at the limit is fine.
    let at_limit = vec![b'a'; limit];
    let res = svc
        .oneshot(request(signed(Scheme::Webhook, &at_limit, NOW), at_limit))
        .await
        .expect("infallible");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_body_that_never_finishes_gets_408() {
    // The body yields one chunk, then nothing ever again. With tokio's clock
    // paused the timeout elapses as soon as everything is idle: no real waiting.
    let first = stream::iter([Ok::<_, Infallible>(http_body::Frame::data(
        Bytes::from_static(b"{"),
    ))]);
    let body = StreamBody::new(futures_util::StreamExt::chain(first, stream::pending()));
    let mut req = Request::post("/hook").body(body).expect("valid request");
    req.headers_mut()
        .extend(signed(Scheme::Webhook, b"{}", NOW));
    let calls = Arc::new(AtomicUsize::new(0));
    let res = ServiceBuilder::new()
        .layer(VerifyLayer::new(verifier(Scheme::Webhook)).body_timeout(Duration::from_secs(5)))
        .service(echo(calls.clone()))
        .oneshot(req)
        .await
        .expect("infallible");
    assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(body_of(res).await, r#"{"error":"request_timeout"}"#);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_custom_rejection_shapes_the_response_and_keeps_the_error() {
    let svc = ServiceBuilder::new()
        .layer(
            VerifyLayer::new(verifier(Scheme::Webhook)).on_rejection(|err: &Error| {
                let mut res =
                    Response::new(Bytes::from(format!("rejected: {}", err.kind().code())));
                *res.status_mut() = StatusCode::FORBIDDEN;
                res
            }),
        )
        .service(echo(Arc::default()));
    let res = svc
        .oneshot(request(HeaderMap::new(), "{}"))
        .await
        .expect("infallible");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.extensions().get::<Error>().is_some());
    assert_eq!(body_of(res).await, "rejected: malformed_signature");
}

// ---- axum ----

#[derive(serde::Deserialize)]
struct Event {
    id: String,
}

async fn axum_handler(VerifiedEvent { meta, event }: VerifiedEvent<Event>) -> String {
    format!("{}:{}", meta.scheme, event.id)
}

fn app() -> Router {
    Router::new()
        .route("/hook", post(axum_handler))
        .layer(VerifyLayer::new(verifier(Scheme::Stripe)).body_limit(4096))
        // Added after the layer, so not protected: the extractor must say so.
        .route("/unprotected", post(|v: Verified| async move { v.scheme }))
}

#[tokio::test]
async fn axum_router_layer_and_extractors() {
    let body = br#"{"id":"evt_9"}"#;
    let res = app()
        .oneshot(
            request(signed(Scheme::Stripe, body, NOW), Bytes::from_static(body))
                .map(axum::body::Body::new),
        )
        .await
        .expect("infallible");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_of(res).await, "stripe:evt_9");

    // Verified but not the expected JSON: 400 from the extractor.
    let body = br#"{"no_id":true}"#;
    let res = app()
        .oneshot(
            request(signed(Scheme::Stripe, body, NOW), Bytes::from_static(body))
                .map(axum::body::Body::new),
        )
        .await
        .expect("infallible");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_of(res).await, r#"{"error":"invalid_json"}"#);

    // A route the layer doesn't cover: a loud 500, not a silent pass.
    let mut req = Request::post("/unprotected")
        .body(axum::body::Body::empty())
        .expect("valid");
    req.headers_mut().extend(signed(Scheme::Stripe, b"", NOW));
    let res = app().oneshot(req).await.expect("infallible");
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

// ---- real servers on 127.0.0.1 ----

async fn serve_axum(app: Router) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("server runs") });
    addr
}

/// Sends raw bytes and returns the response's status code.
async fn raw_status(
    addr: std::net::SocketAddr,
    head: &str,
    body_parts: &[&[u8]],
    gap: Duration,
) -> u16 {
    let mut conn = TcpStream::connect(addr).await.expect("connect");
    conn.write_all(head.as_bytes()).await.expect("write head");
    for part in body_parts {
        if conn.write_all(part).await.is_err() {
            break; // the server may answer and close before we finish
        }
        tokio::time::sleep(gap).await;
    }
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                response.extend_from_slice(&buf[..n]);
                if response.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
        }
    }
    let text = String::from_utf8_lossy(&response);
    text.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {text:?}"))
}

fn head_with(headers: &HeaderMap, extra: &str) -> String {
    let mut head = String::from("POST /hook HTTP/1.1\r\nhost: localhost\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().expect("ascii")));
    }
    head.push_str(extra);
    head.push_str("\r\n");
    head
}

#[tokio::test]
async fn real_server_verifies_and_rejects() {
    let addr = serve_axum(app()).await;
    let body = br#"{"id":"evt_real"}"#;
    let client = reqwest_like_post(addr, signed(Scheme::Stripe, body, NOW), body).await;
    assert_eq!(client, (200, "stripe:evt_real".to_owned()));
    let (status, text) = reqwest_like_post(addr, signed(Scheme::Stripe, b"other", NOW), body).await;
    assert_eq!(
        (status, text.as_str()),
        (401, r#"{"error":"invalid_signature"}"#)
    );
}

/// A minimal HTTP/1.1 POST over a plain TCP connection (hyper's client).
async fn reqwest_like_post(
    addr: std::net::SocketAddr,
    headers: HeaderMap,
    body: &[u8],
) -> (u16, String) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(conn);
    let mut req = Request::post("/hook")
        .header("host", "localhost")
        .body(Full::new(Bytes::copy_from_slice(body)))
        .expect("valid request");
    req.headers_mut().extend(headers);
    let res = sender.send_request(req).await.expect("response");
    let status = res.status().as_u16();
    let text = String::from_utf8(body_of(res).await.to_vec()).expect("utf-8");
    (status, text)
}

#[tokio::test]
async fn real_server_chunked_body_over_the_limit_gets_413() {
    let addr = serve_axum(app()).await; // limit 4096
    let chunk = format!("400\r\n{}\r\n", "a".repeat(0x400));
    let parts: Vec<&[u8]> = std::iter::repeat_n(chunk.as_bytes(), 8).collect();
    let head = head_with(
        &signed(Scheme::Stripe, b"x", NOW),
        "transfer-encoding: chunked\r\n",
    );
    assert_eq!(raw_status(addr, &head, &parts, Duration::ZERO).await, 413);
}

#[tokio::test]
async fn real_server_trickling_body_gets_408() {
    let app = Router::new().route("/hook", post(|| async { "ok" })).layer(
        VerifyLayer::new(verifier(Scheme::Webhook)).body_timeout(Duration::from_millis(200)),
    );
    let addr = serve_axum(app).await;
    let body = vec![b'a'; 40];
    let head = head_with(
        &signed(Scheme::Webhook, &body, NOW),
        "content-length: 40\r\n",
    );
    // One byte every 50 ms would need 2 s; the timeout is 200 ms.
    let parts: Vec<&[u8]> = body.chunks(1).collect();
    assert_eq!(
        raw_status(addr, &head, &parts, Duration::from_millis(50)).await,
        408
    );
}

#[tokio::test]
async fn bare_hyper_service_with_service_builder() {
    let calls = Arc::new(AtomicUsize::new(0));
    let svc = ServiceBuilder::new()
        .layer(VerifyLayer::new(verifier(Scheme::GitHub)))
        .service(echo(calls.clone()));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.expect("accept");
            let svc = hyper_util::service::TowerToHyperService::new(svc.clone());
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc),
            );
        }
    });
    let body = b"Hello, World!";
    let (status, text) = reqwest_like_post(addr, signed(Scheme::GitHub, body, NOW), body).await;
    assert_eq!((status, text.as_str()), (200, "evt_123|Hello, World!"));
    let (status, _) = reqwest_like_post(addr, HeaderMap::new(), body).await;
    assert_eq!(status, 400);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn the_layer_and_service_are_clone_send_sync() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<VerifyLayer>();
    assert_traits::<webhook_verify::Verify<axum::routing::Route>>();
}

/// Under axum's `Router::nest` the inner service sees the URI without the
/// prefix; a URL-signed scheme must still verify the URL the provider
/// signed (with the prefix), which axum keeps as `OriginalUri`.
#[tokio::test]
async fn url_signed_schemes_verify_the_full_path_under_a_nested_router() {
    let body: &[u8] = br#"{"event_id":"e1"}"#;
    let sign_for = |url: &str| {
        let uri: http::Uri = url.parse().expect("a URL");
        let none = HeaderMap::new();
        Signer::new(Scheme::Square, "square-signature-key")
            .expect("a valid key")
            .sign_request(&WebhookRequest::new(&none, body).with_uri(&uri), NOW, None)
            .expect("signable")
    };
    let verifier = Verifier::builder(Scheme::Square)
        .secret("square-signature-key")
        .public_url("https://hooks.example.test")
        .clock(|| NOW)
        .build()
        .expect("valid");
    let inner = Router::new()
        .route("/hook", post(|| async { "ok" }))
        .layer(VerifyLayer::new(verifier));
    let app = Router::new().nest("/square", inner);
    for (signed_for, expected) in [
        ("https://hooks.example.test/square/hook", StatusCode::OK),
        // What the inner router sees: not what Square signed.
        ("https://hooks.example.test/hook", StatusCode::UNAUTHORIZED),
    ] {
        let mut request = Request::post("/square/hook")
            .body(axum::body::Body::from(body))
            .expect("valid request");
        request.headers_mut().extend(sign_for(signed_for));
        let response = app.clone().oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), expected, "signed for {signed_for}");
    }
}
