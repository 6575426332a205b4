//! Run with: cargo run -p example-sign-and-send
//!
//! The sender's side, as a library user writes it (the mirror of
//! `webhook send`): build a JSON event, sign it with
//! `webhook_verify::Signer`, POST it with reqwest (http:// or https://),
//! print the answer.
//!
//! ```sh
//! cargo run -p example-axum-receiver              # terminal 1: a receiver on :3000
//! cargo run -p example-sign-and-send              # terminal 2: 200 {"received":"evt_…",…}
//! cargo run -p example-sign-and-send -- http://127.0.0.1:8080/hooks
//! ```
//!
//! The URL is the first argument, else `WEBHOOK_URL`, else
//! `http://127.0.0.1:3000/webhooks`; the secret is `WEBHOOK_SECRET`, else the
//! examples' public development secret (with a warning). The scheme is this
//! toolkit's default (`X-Webhook-Timestamp`, `X-Webhook-Signature`,
//! `X-Webhook-Id`); any `webhook_verify::Scheme` signs the same way.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde_json::{Value, json};
use webhook_verify::{Scheme, Signer};

/// The examples' public development secret (the receivers use it when
/// their secret variable is unset). Local experiments only.
const DEV_SECRET: &str = "dev-only-webhook-secret";

const DEFAULT_URL: &str = "http://127.0.0.1:3000/webhooks";

/// An `invoice.paid` event with a fresh id (the envelope the receivers parse).
fn invoice_paid() -> anyhow::Result<Value> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the system clock is before 1970")?;
    Ok(json!({
        // Unique enough for an example; use a UUID or a database id in real code.
        "id": format!("evt_{:x}{:x}", now.as_nanos(), std::process::id()),
        "type": "invoice.paid",
        "created": now.as_secs(),
        "data": { "object": { "id": "in_1001", "amount_paid": 4200, "currency": "usd" } },
    }))
}

/// Signs `event` with `secret` and POSTs it to `url`; returns the status
/// and the body of the answer.
///
/// The id header is the event's `id`. The signature covers the exact bytes
/// sent: serialize once, sign those bytes, send those bytes.
async fn send(url: &str, secret: &str, event: &Value) -> anyhow::Result<(StatusCode, String)> {
    let body = serde_json::to_vec(event).context("serializing the event")?;
    let id = event.get("id").and_then(Value::as_str);
    let signature = Signer::new(Scheme::Webhook, secret)
        .context("building the signer")?
        .sign_now(&body, id)
        .context("signing the event")?;

    // reqwest's TLS (rustls) needs a crypto provider installed once per
    // process. It fails only when one is installed already: fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // A real sender keeps one `Client` (it pools connections) and retries
    // 5xx, 409 and timeouts with backoff — `webhook deliver` does.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("building the HTTP client")?;
    let response = client
        .post(url)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .headers(signature)
        .body(body)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    let text = response.text().await.context("reading the response")?;
    Ok((status, text))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("WEBHOOK_URL").ok())
        .unwrap_or_else(|| DEFAULT_URL.to_owned());
    let secret = match std::env::var("WEBHOOK_SECRET") {
        Ok(secret) if !secret.is_empty() => secret,
        _ => {
            eprintln!(
                "warning: WEBHOOK_SECRET is not set; signing with the examples' public \
                 development secret (local experiments only)"
            );
            DEV_SECRET.to_owned()
        }
    };

    let event = invoice_paid()?;
    eprintln!(
        "POST {url}  id {}",
        event["id"].as_str().unwrap_or_default()
    );
    let (status, body) = send(&url, &secret, &event).await?;
    println!("{status}");
    if !body.is_empty() {
        println!("{body}");
    }
    anyhow::ensure!(status.is_success(), "the receiver answered {status}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::post;
    use tokio::net::TcpListener;
    use webhook_verify::extract::VerifiedEvent;
    use webhook_verify::{Verifier, VerifyLayer};

    use super::*;

    const SECRET: &str = "test-secret";

    /// A minimal receiver with the real verify layer, on a real socket.
    async fn receiver() -> String {
        async fn handle(VerifiedEvent { meta, event }: VerifiedEvent<Value>) -> String {
            format!(
                "{} {} {}",
                meta.scheme,
                meta.event_id.unwrap_or_default(),
                event["type"].as_str().unwrap_or_default()
            )
        }
        let app: Router = Router::new()
            .route("/webhooks", post(handle))
            .layer(VerifyLayer::new(
                Verifier::new(Scheme::Webhook, SECRET).unwrap(),
            ));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("cannot bind a test receiver on 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/webhooks")
    }

    #[tokio::test]
    async fn a_sent_event_verifies() {
        let url = receiver().await;
        let event = invoice_paid().unwrap();
        let id = event["id"].as_str().unwrap().to_owned();

        let (status, body) = send(&url, SECRET, &event).await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, format!("webhook {id} invoice.paid"));
    }

    #[tokio::test]
    async fn the_wrong_secret_is_refused() {
        let url = receiver().await;
        let (status, body) = send(&url, "not-the-secret", &invoice_paid().unwrap())
            .await
            .unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body, r#"{"error":"invalid_signature"}"#);
    }

    #[tokio::test]
    async fn an_unreachable_receiver_is_an_error() {
        // Port 1 on loopback: nothing listens there.
        let err = send(
            "http://127.0.0.1:1/webhooks",
            SECRET,
            &json!({"id": "evt_1"}),
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("POST http://127.0.0.1:1/webhooks"),
            "{err:#}"
        );
    }
}
