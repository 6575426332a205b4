//! Run with: cargo run -p example-custom-scheme
//!
//! Your own provider's signature format through the public
//! `webhook_verify::SignatureScheme` trait — no fork of the crate. The same
//! implementation verifies (in `VerifyLayer`) and signs (with `Signer`), so a
//! sender and a receiver cannot disagree about the format.
//!
//! The made-up provider "Acme" sends:
//!
//! ```text
//! X-Acme-Timestamp: 1700000000
//! X-Acme-Event-Id:  evt_1
//! X-Acme-Signature: sha256=<base64 of HMAC-SHA256(secret, "{timestamp}:{event id}:{body}")>
//! ```
//!
//! The event id is signed and the scheme says so (`signs_event_id`), so the
//! idempotency layer's default `IdSource::Verified` keys on it even against
//! a hostile replayer.
//!
//! Environment: `ACME_WEBHOOK_SECRET` (a public development default
//! otherwise, with a warning), `PORT` (default 3000), `RUST_LOG` (default
//! `info`). `webhook send` only knows the built-in schemes; `examples/README.md`
//! shows how to sign an Acme request with `openssl` and `curl`.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context as _;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use webhook_idempotency::{IdempotencyLayer, MemoryStore, Store};
use webhook_verify::extract::VerifiedEvent;
use webhook_verify::scheme::{
    self, ParsedSignature, Signature, SignedParts, SigningInput, WebhookRequest,
};
use webhook_verify::{
    ConfigError, ConfigErrorKind, Error, ErrorKind, SignatureScheme, Verifier, VerifyLayer,
};

/// Used when `ACME_WEBHOOK_SECRET` is unset. Public (it is in this file and
/// in `examples/README.md`): local experiments only.
const DEV_SECRET: &str = "dev-only-acme-secret";

const SIGNATURE: HeaderName = HeaderName::from_static("x-acme-signature");
const TIMESTAMP: HeaderName = HeaderName::from_static("x-acme-timestamp");
const EVENT_ID: HeaderName = HeaderName::from_static("x-acme-event-id");

/// The Acme signature scheme.
#[derive(Debug, Clone, Copy)]
struct Acme;

/// The id is followed by `:` in the signed bytes: an id containing `:` would
/// let bytes move between the id header and the body without changing the
/// MAC (`id "a:b", body "c"` signs the same bytes as `id "a", body "b:c"`),
/// so such ids are refused on both sides.
fn check_event_id(id: &str) -> Result<&str, Error> {
    if id.contains(':') {
        return Err(Error::new(ErrorKind::MalformedHeader)
            .with_header(EVENT_ID)
            .with_detail("the event id must not contain ':'"));
    }
    Ok(id)
}

impl SignatureScheme for Acme {
    fn name(&self) -> &'static str {
        "acme"
    }

    // The secret is used as the text's bytes (the trait's default
    // `decode_secret`); override it if your provider hands out encoded keys.

    fn parse(
        &self,
        request: &WebhookRequest<'_>,
        _max_signatures: usize,
    ) -> Result<ParsedSignature, Error> {
        let headers = request.headers();
        // The helpers give the built-in schemes' rules: missing → 400
        // MissingHeader, repeated → 400 DuplicateHeader, empty or not ASCII →
        // 400 MalformedHeader, a timestamp that is not plain digits → 400.
        let timestamp =
            scheme::parse_timestamp(scheme::required_header(headers, &TIMESTAMP)?, &TIMESTAMP)?;
        let event_id = check_event_id(scheme::required_header(headers, &EVENT_ID)?)?;
        let signature = scheme::required_header(headers, &SIGNATURE)?;
        let Some(encoded) = signature.strip_prefix("sha256=") else {
            return Err(Error::new(ErrorKind::MalformedHeader)
                .with_header(SIGNATURE)
                .with_detail("expected sha256=<base64>"));
        };
        // Acme sends one signature, so `_max_signatures` has nothing to cap.
        // Decode to bytes; anything that is not 32 bytes of base64 can't
        // match, so it is no candidate at all (→ 401 SignatureMismatch).
        let tag = Signature::from_base64(encoded, 32);
        Ok(ParsedSignature::new(
            Some(timestamp),
            Some(event_id.to_owned()),
            tag.into_iter().collect(),
        ))
    }

    fn signs_event_id(&self) -> bool {
        // The id is part of the MAC input (below), so the idempotency layer's
        // default may key on it.
        true
    }

    fn write_signed_payload(
        &self,
        parts: &SignedParts<'_>,
        request: &WebhookRequest<'_>,
        mac: &mut SigningInput<'_>,
    ) {
        // "{timestamp}:{event id}:{body}", fed piece by piece: the body is
        // never copied. Both are present here: `parse` requires them when
        // verifying, and `Signer` always passes a timestamp (a missing id is
        // refused by `render_headers`).
        mac.update_decimal(parts.timestamp.unwrap_or_default());
        mac.update(b":");
        mac.update(parts.event_id.unwrap_or_default().as_bytes());
        mac.update(b":");
        mac.update(request.body());
    }

    fn render_headers(
        &self,
        parts: &SignedParts<'_>,
        signatures: &[Signature],
    ) -> Result<HeaderMap, ConfigError> {
        let timestamp = parts.timestamp.filter(|ts| *ts >= 0).ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::InvalidInput)
                .with_detail("a non-negative timestamp is required")
        })?;
        let id = parts
            .event_id
            .ok_or(ConfigError::new(ConfigErrorKind::EventIdRequired))?;
        let id = check_event_id(id).map_err(|_| {
            ConfigError::new(ConfigErrorKind::InvalidInput)
                .with_detail("the event id must not contain ':'")
        })?;
        // One signature per request: during a rotation the first secret signs.
        let tag = signatures.first().ok_or_else(|| {
            ConfigError::new(ConfigErrorKind::InvalidConfig).with_detail("no secret")
        })?;
        let mut headers = HeaderMap::new();
        headers.insert(TIMESTAMP, HeaderValue::from(timestamp));
        headers.insert(EVENT_ID, scheme::header_value(id)?);
        headers.insert(
            SIGNATURE,
            scheme::header_value(&format!("sha256={}", tag.to_base64()))?,
        );
        Ok(headers)
    }
}

#[derive(Debug, Deserialize)]
struct AcmeEvent {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Clone, Default)]
struct AppState {
    processed: Arc<AtomicUsize>,
}

/// The router: `POST /webhooks/acme`, verified with [`Acme`], deduplicated
/// on the signed `X-Acme-Event-Id`, handled.
fn app(verifier: Verifier, store: impl Store, state: AppState) -> Router {
    Router::new()
        .route("/webhooks/acme", post(handle))
        .with_state(state)
        .layer(IdempotencyLayer::new(store))
        .layer(VerifyLayer::new(verifier))
}

async fn handle(
    State(state): State<AppState>,
    VerifiedEvent { meta, event }: VerifiedEvent<AcmeEvent>,
) -> Json<Value> {
    state.processed.fetch_add(1, Ordering::SeqCst);
    // The verify layer found the id in X-Acme-Event-Id.
    let id = meta.event_id.unwrap_or_default();
    tracing::info!(%id, kind = %event.kind, scheme = meta.scheme, "processing Acme event");
    Json(json!({ "received": id, "type": event.kind }))
}

fn secret_from_env() -> String {
    match std::env::var("ACME_WEBHOOK_SECRET") {
        Ok(secret) if !secret.is_empty() => secret,
        _ => {
            tracing::warn!(
                "ACME_WEBHOOK_SECRET is not set: using the public development secret \
                 (DEV_SECRET in examples/custom-scheme/src/main.rs); never use it \
                 outside local experiments"
            );
            DEV_SECRET.to_owned()
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    // A custom scheme goes wherever a built-in `Scheme` goes.
    let verifier = Verifier::new(Acme, secret_from_env())?;
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .with_context(|| format!("PORT must be a port number, got {port:?}"))?,
        Err(_) => 3000,
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!(
        "listening on http://{}/webhooks/acme (Ctrl-C to stop)",
        listener.local_addr()?
    );
    let app = app(verifier, MemoryStore::new(), AppState::default());
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {

    use axum::body::Body;
    use http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    use webhook_verify::Signer;

    use super::*;

    const SECRET: &str = "test-secret";
    const BODY: &str = r#"{"type":"order.created","total":4200}"#;

    fn now() -> i64 {
        use webhook_verify::Clock as _;
        webhook_verify::SystemClock.now_unix()
    }

    #[test]
    fn known_answer() {
        // Computed independently:
        // printf '1700000000:evt_1:{"type":"order.created"}' \
        //   | openssl dgst -sha256 -hmac s3cret -binary | base64
        let body = br#"{"type":"order.created"}"#;
        let headers = Signer::new(Acme, "s3cret")
            .unwrap()
            .sign(body, 1_700_000_000, Some("evt_1"))
            .unwrap();
        assert_eq!(headers[TIMESTAMP], "1700000000");
        assert_eq!(headers[EVENT_ID], "evt_1");
        assert_eq!(
            headers[SIGNATURE],
            "sha256=DdQsZczPJhzV6KuPUstaKpHxuke7An1BWK7M8KxjYPA="
        );

        let verifier = Verifier::builder(Acme)
            .secret("s3cret")
            .clock(|| 1_700_000_100)
            .build()
            .unwrap();
        let verified = verifier.verify(&headers, body).unwrap();
        assert_eq!(verified.scheme, "acme");
        assert_eq!(verified.timestamp, Some(1_700_000_000));
        assert_eq!(verified.event_id.as_deref(), Some("evt_1"));
        // The id is signed: changing it breaks the signature.
        let mut moved = headers.clone();
        moved.insert(EVENT_ID, HeaderValue::from_static("evt_2"));
        assert_eq!(
            verifier.verify(&moved, body).unwrap_err().kind(),
            ErrorKind::SignatureMismatch
        );
    }

    #[test]
    fn signing_refuses_what_the_format_cannot_carry() {
        let signer = Signer::new(Acme, "s3cret").unwrap();
        let err = signer.sign(b"{}", 1, None).unwrap_err();
        assert_eq!(err.kind(), ConfigErrorKind::EventIdRequired);
        let err = signer.sign(b"{}", 1, Some("a:b")).unwrap_err();
        assert_eq!(err.kind(), ConfigErrorKind::InvalidInput);
    }

    fn signed(body: &str, id: &str, timestamp: i64) -> Request<Body> {
        let headers = Signer::new(Acme, SECRET)
            .unwrap()
            .sign(body.as_bytes(), timestamp, Some(id))
            .unwrap();
        let mut req = Request::post("/webhooks/acme")
            .body(Body::from(body.to_owned()))
            .unwrap();
        req.headers_mut().extend(headers);
        req
    }

    async fn send(app: &Router, req: Request<Body>) -> (StatusCode, Option<String>, String) {
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let replayed = res
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, replayed, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn the_layers_run_the_custom_scheme() {
        let state = AppState::default();
        let app = app(
            Verifier::new(Acme, SECRET).unwrap(),
            MemoryStore::new(),
            state.clone(),
        );
        let expected = r#"{"received":"evt_1","type":"order.created"}"#;

        let (status, replayed, body) = send(&app, signed(BODY, "evt_1", now())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(replayed, None);
        assert_eq!(body, expected);

        let (status, replayed, body) = send(&app, signed(BODY, "evt_1", now())).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(replayed.as_deref(), Some("true"));
        assert_eq!(body, expected);
        assert_eq!(state.processed.load(Ordering::SeqCst), 1);

        // Tampered body.
        let mut req = signed(BODY, "evt_2", now());
        *req.body_mut() = Body::from(BODY.replace("4200", "1"));
        assert_eq!(send(&app, req).await.0, StatusCode::UNAUTHORIZED);

        // Signed an hour ago: outside the default 5-minute tolerance.
        let req = signed(BODY, "evt_3", now() - 3600);
        assert_eq!(send(&app, req).await.0, StatusCode::UNAUTHORIZED);

        // Malformed headers are 400s, produced by the scheme's `parse`.
        for (name, value) in [
            (&TIMESTAMP, "+1700000000"),
            (&EVENT_ID, "evt:4"),
            (&SIGNATURE, "md5=abc"),
        ] {
            let mut req = signed(BODY, "evt_4", now());
            req.headers_mut()
                .insert(name.clone(), HeaderValue::from_static(value));
            let (status, _, body) = send(&app, req).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {value}");
            assert_eq!(body, r#"{"error":"malformed_signature"}"#);
        }
        // A signature that is not base64 of 32 bytes simply doesn't match.
        let mut req = signed(BODY, "evt_5", now());
        req.headers_mut()
            .insert(SIGNATURE, HeaderValue::from_static("sha256=not*base64"));
        assert_eq!(send(&app, req).await.0, StatusCode::UNAUTHORIZED);
        // Missing header.
        let mut req = signed(BODY, "evt_6", now());
        req.headers_mut().remove(&EVENT_ID);
        assert_eq!(send(&app, req).await.0, StatusCode::BAD_REQUEST);

        assert_eq!(state.processed.load(Ordering::SeqCst), 1);
    }
}
