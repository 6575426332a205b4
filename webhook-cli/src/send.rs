//! `webhook send`: sign and POST one event.

use std::time::Instant;

use anyhow::Context as _;
use http::HeaderValue;
use http::header::CONTENT_TYPE;
use serde_json::Value;
use webhook_cli::http_client::{ClientSettings, build_client};

use crate::cli::SendArgs;
use crate::output::{Failure, UsageError, parse_headers, print_json, println_flush, random_id};
use crate::sign::unix_now;
use crate::target_url::parse_target_url;
use crate::templates::{apply_set, template};
use crate::tls::certificate_hint;
use crate::{Context, Run};

impl SendArgs {
    /// The body bytes and the event id.
    fn body_and_id(&self) -> anyhow::Result<(Vec<u8>, String)> {
        let now = unix_now();
        let (mut body, template_id) = if let Some(data) = &self.data {
            (data.clone().into_bytes(), None)
        } else if let Some(file) = &self.file {
            (
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?,
                None,
            )
        } else {
            let kind = self.event.as_deref().unwrap_or("ping");
            let id = self.id.clone().unwrap_or_else(|| random_id("evt_"));
            let value = template(kind, &id, now)?;
            // A serde_json::Value always serializes.
            (
                serde_json::to_vec(&value).expect("JSON values serialize"),
                Some(id),
            )
        };
        if !self.sets.is_empty() {
            let mut value: Value = serde_json::from_slice(&body)
                .map_err(|e| UsageError(format!("--set needs a JSON body: {e}")))?;
            for assignment in &self.sets {
                apply_set(&mut value, assignment)?;
            }
            // A serde_json::Value always serializes.
            body = serde_json::to_vec(&value).expect("JSON values serialize");
        }
        let id = match (&self.id, template_id) {
            (Some(id), _) => id.clone(),
            (None, Some(id)) => id,
            (None, None) => serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_else(|| random_id("evt_")),
        };
        Ok((body, id))
    }
}

impl Run for SendArgs {
    async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let signer = self.signing.signer()?;
        let url = parse_target_url(&self.url, "URL")?;
        let tls = self.tls.options(ctx)?;
        let (body, id) = self.body_and_id()?;
        let mut headers = http::HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in &parse_headers(&self.headers)? {
            headers.insert(name, value.clone());
        }
        let signature = signer
            .sign(&body, unix_now(), Some(&id))
            .context("signing the event")?;
        headers.extend(signature);

        let settings = ClientSettings {
            timeout: Some(self.timeout),
            ..ClientSettings::default()
        };
        let client = build_client(&tls, &settings).context("building the HTTP client")?;
        let started = Instant::now();
        let response = client
            .post(url.clone())
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|err| {
                let hint = certificate_hint(&err);
                let err = anyhow::Error::new(err).context(format!("POST {url}"));
                match hint {
                    // Still one line: the causes, then what to do about them.
                    Some(hint) => anyhow::anyhow!("{err:#} ({hint})"),
                    None => err,
                }
            })?;
        let status = response.status();
        // An idempotency layer marks the recorded answer to a duplicate.
        let replayed = response
            .headers()
            .get("idempotent-replayed")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
        let response_body = response.bytes().await.context("reading the response")?;
        let latency = started.elapsed();
        let text = String::from_utf8_lossy(&response_body);

        if self.output.json {
            print_json(&serde_json::json!({
                "id": id,
                "status": status.as_u16(),
                "latency_ms": latency.as_secs_f64() * 1000.0,
                "replayed": replayed,
                "body": text,
            }))?;
        } else {
            println_flush(&format!(
                "{} {}  {:.1} ms  id {id}{}",
                status.as_u16(),
                status.canonical_reason().unwrap_or(""),
                latency.as_secs_f64() * 1000.0,
                if replayed {
                    "  (replayed duplicate)"
                } else {
                    ""
                }
            ))
            .context("writing to stdout")?;
            if !text.is_empty() {
                println_flush(&text).context("writing to stdout")?;
            }
        }
        if status.is_success() {
            Ok(())
        } else {
            Err(Failure(format!("the receiver answered {status}")).into())
        }
    }
}
