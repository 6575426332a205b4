//! Run with: cargo run -p example-providers-receiver
//!
//! Three providers on one server, each showing what sets it apart from the
//! plain "HMAC of the body" schemes:
//!
//! - `/slack` (Events API): the verify layer answers Slack's signed
//!   `url_verification` handshake itself (`answer_handshakes(true)`), so the
//!   handler only ever sees real events;
//! - `/twilio`: Twilio signs the URL it posted to, and behind a proxy or
//!   tunnel the app sees another `Host`; the verifier is told the public URL
//!   (`PUBLIC_URL`, e.g. `https://hooks.example.com`);
//! - `/discord` (interactions): Ed25519 with the application's public key,
//!   and the signed `PING` answered with `{"type":1}` by the layer.
//!
//! Each route also runs the idempotency layer. Environment:
//! `SLACK_SIGNING_SECRET`, `TWILIO_AUTH_TOKEN`, `DISCORD_PUBLIC_KEY` (public
//! development defaults otherwise, with a warning), `PUBLIC_URL` (default
//! `http://127.0.0.1:$PORT`), `PORT` (default 3000), `RUST_LOG`.
//!
//! ```sh
//! webhook send http://127.0.0.1:3000/slack --scheme slack \
//!     --secret dev-only-slack-secret --event url_verification
//! webhook send http://127.0.0.1:3000/twilio --scheme twilio \
//!     --secret dev-only-twilio-token --event sms.incoming
//! ```

use std::net::{Ipv4Addr, SocketAddr};

use anyhow::Context as _;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use webhook_idempotency::{IdempotencyLayer, MemoryStore};
use webhook_verify::{Scheme, Verifier, VerifyLayer};

/// Development keys, used when the environment has none. Public (they are
/// in this file): local experiments only. The Discord key is the public
/// half of a development pair (`webhook keygen --scheme discord` makes
/// one); its private half is in the tests.
const DEV_SLACK_SECRET: &str = "dev-only-slack-secret";
const DEV_TWILIO_TOKEN: &str = "dev-only-twilio-token";
const DEV_DISCORD_PUBLIC_KEY: &str =
    "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";

/// The keys and the public URL the routes verify with.
#[derive(Debug, Clone)]
struct Config {
    slack_secret: String,
    twilio_token: String,
    discord_public_key: String,
    /// The URL Twilio posts to, without the path (`https://hooks.example.com`).
    public_url: String,
}

/// One provider's route: verify (answering its handshakes), then dedupe.
fn route(verifier: Verifier, scope: &'static str) -> anyhow::Result<Router> {
    let dedupe = IdempotencyLayer::builder(MemoryStore::new())
        .scope(scope)
        .build()?;
    Ok(Router::new()
        .route("/", post(|| async { StatusCode::NO_CONTENT }))
        .layer(dedupe)
        .layer(VerifyLayer::new(verifier).answer_handshakes(true)))
}

fn app(config: &Config) -> anyhow::Result<Router> {
    let slack = Verifier::new(Scheme::Slack, &config.slack_secret)?;
    let twilio = Verifier::builder(Scheme::Twilio)
        .secret(&config.twilio_token)
        .public_url(&config.public_url)
        .build()?;
    let discord = Verifier::new(Scheme::Discord, &config.discord_public_key)?;
    Ok(Router::new()
        .nest("/slack", route(slack, "slack")?)
        .nest("/twilio", route(twilio, "twilio")?)
        .nest("/discord", route(discord, "discord")?))
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        tracing::warn!("{name} is unset: using the public development value");
        default.to_owned()
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .map(|p| p.parse())
        .transpose()
        .context("PORT is not a port number")?
        .unwrap_or(3000);
    let config = Config {
        slack_secret: env_or("SLACK_SIGNING_SECRET", DEV_SLACK_SECRET),
        twilio_token: env_or("TWILIO_AUTH_TOKEN", DEV_TWILIO_TOKEN),
        discord_public_key: env_or("DISCORD_PUBLIC_KEY", DEV_DISCORD_PUBLIC_KEY),
        public_url: std::env::var("PUBLIC_URL")
            .unwrap_or_else(|_| format!("http://127.0.0.1:{port}")),
    };
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .with_context(|| format!("binding 127.0.0.1:{port}"))?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(&config)?)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use http::{HeaderMap, Request, Uri};
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;
    use webhook_verify::scheme::{KeyPair, WebhookRequest};
    use webhook_verify::{Clock as _, Signer, SystemClock};

    use super::*;

    /// The private half of [`DEV_DISCORD_PUBLIC_KEY`]: the seed `[7; 32]`.
    const DEV_DISCORD_SEED: [u8; 32] = [7; 32];

    fn config() -> Config {
        Config {
            slack_secret: DEV_SLACK_SECRET.to_owned(),
            twilio_token: DEV_TWILIO_TOKEN.to_owned(),
            discord_public_key: DEV_DISCORD_PUBLIC_KEY.to_owned(),
            public_url: "https://hooks.example.com".to_owned(),
        }
    }

    async fn send(path: &str, headers: HeaderMap, body: &'static str) -> (StatusCode, String) {
        let mut request = Request::post(path).body(Body::from(body)).unwrap();
        request.headers_mut().extend(headers);
        let response = app(&config()).unwrap().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[test]
    fn the_development_discord_key_is_the_seeds_public_half() {
        let pair = KeyPair::generate(Scheme::Discord, DEV_DISCORD_SEED).unwrap();
        assert_eq!(pair.verifying(), DEV_DISCORD_PUBLIC_KEY);
    }

    #[tokio::test]
    async fn slacks_handshake_is_answered_and_a_forged_one_is_refused() {
        let body = r#"{"token":"t","challenge":"c-123","type":"url_verification"}"#;
        let signed = |secret: &str| {
            Signer::new(Scheme::Slack, secret)
                .unwrap()
                .sign_now(body.as_bytes(), None)
                .unwrap()
        };
        let (status, answer) = send("/slack", signed(DEV_SLACK_SECRET), body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer, r#"{"challenge":"c-123"}"#);
        let (status, answer) = send("/slack", signed("another-secret"), body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(!answer.contains("c-123"), "{answer}");
    }

    #[tokio::test]
    async fn twilio_verifies_the_public_url_not_the_one_the_app_sees() {
        let body = "Body=hello&From=%2B14155552671&MessageSid=SM1";
        let sign_for = |url: &str| {
            let uri: Uri = url.parse().unwrap();
            let none = HeaderMap::new();
            Signer::new(Scheme::Twilio, DEV_TWILIO_TOKEN)
                .unwrap()
                .sign_request(
                    &WebhookRequest::new(&none, body.as_bytes()).with_uri(&uri),
                    SystemClock.now_unix(),
                    None,
                )
                .unwrap()
        };
        let (status, _) = send(
            "/twilio",
            sign_for("https://hooks.example.com/twilio"),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        // Signed for another URL (a replay from another endpoint): refused.
        let (status, _) = send(
            "/twilio",
            sign_for("https://other.example.com/twilio"),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn discords_ping_is_answered_with_a_pong() {
        let body = r#"{"id":"1","type":1,"application_id":"2","token":"t","version":1}"#;
        let pair = KeyPair::generate(Scheme::Discord, DEV_DISCORD_SEED).unwrap();
        let headers = Signer::new(Scheme::Discord, pair.signing())
            .unwrap()
            .sign_now(body.as_bytes(), None)
            .unwrap();
        let (status, answer) = send("/discord", headers, body).await;
        assert_eq!(status, StatusCode::OK);
        let pong: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(pong, serde_json::json!({"type": 1}));
    }
}
