//! `webhook send`: sign and POST one event.

use std::time::Instant;

use anyhow::Context as _;
use http::HeaderValue;
use http::header::CONTENT_TYPE;
use serde_json::Value;
use webhook_cli::http_client::{ClientSettings, build_client};
use webhook_cli::redact::redact_url;

use crate::cli::SendArgs;
use crate::errors::{Failure, UsageError, describe};
use crate::headers::parse_headers;
use crate::input::read_input;
use crate::output::{self, SendReport, write_send};
use crate::random_id::random_id;
use crate::target_url::parse_target_url;
use crate::templates::{apply_set, template};
use crate::tls::certificate_hint;
use crate::{Run, RunContext};
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{Clock as _, SystemClock};

impl SendArgs {
    /// The body bytes and the event id. The id signed into the headers is
    /// the body's `"id"` whenever the body has one (after `--set`), so the
    /// two never disagree; `--id` fills it in for templates, and a `--id`
    /// that contradicts the body is a usage error.
    fn body_and_id(&self) -> anyhow::Result<(Vec<u8>, String)> {
        let now = SystemClock.now_unix();
        let mut body = if let Some(data) = &self.data {
            data.clone().into_bytes()
        } else if let Some(file) = &self.file {
            read_input(file)?
        } else {
            let kind = self.event.as_deref().unwrap_or("ping");
            let id = self.id.clone().unwrap_or_else(|| random_id("evt_"));
            let value = template(kind, &id, now)?;
            // A serde_json::Value always serializes.
            serde_json::to_vec(&value).expect("JSON values serialize")
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
        let body_id = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| match v.get("id")? {
                Value::String(id) => Some(id.clone()),
                Value::Number(id) => Some(id.to_string()),
                _ => None,
            })
            .filter(|id| !id.is_empty());
        let id = match (body_id, &self.id) {
            (Some(body_id), Some(id)) if *id != body_id => {
                return Err(UsageError(format!(
                    "--id {id:?} disagrees with the body's \"id\" {body_id:?} \
                     (use --set id={id} to change the body)"
                ))
                .into());
            }
            (Some(body_id), _) => body_id,
            (None, Some(id)) => id.clone(),
            (None, None) => random_id("evt_"),
        };
        Ok((body, id))
    }
}

impl Run for SendArgs {
    async fn run(self, ctx: &RunContext) -> anyhow::Result<()> {
        let signer = self.signing.signer()?;
        let url = parse_target_url(&self.url, "URL")?;
        let tls = self.tls.options(ctx)?;
        let (body, id) = self.body_and_id()?;
        let mut headers = http::HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in &parse_headers(&self.headers)? {
            headers.insert(name, value.clone());
        }
        // Schemes that sign the URL (square, twilio, hubspot) sign the one
        // the request goes to.
        let uri: http::Uri = url.as_str().parse().context("the target URL")?;
        let none = http::HeaderMap::new();
        let request = WebhookRequest::new(&none, &body)
            .with_method(&http::Method::POST)
            .with_uri(&uri);
        let signature = signer
            .sign_request(&request, SystemClock.now_unix(), Some(&id))
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
                // reqwest's message carries the URL, credentials and all:
                // name it ourselves, redacted.
                let err = anyhow::Error::new(err.without_url())
                    .context(format!("POST {}", redact_url(url.as_str())));
                match hint {
                    // Still one line: the causes, then what to do about them.
                    Some(hint) => anyhow::anyhow!("{} ({hint})", describe(&err)),
                    None => err,
                }
            })?;
        let status = response.status();
        // An idempotency layer marks the recorded answer to a duplicate.
        let replayed = response
            .headers()
            .get(webhook_idempotency::IDEMPOTENT_REPLAYED)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
        let response_body = response.bytes().await.context("reading the response")?;
        let latency = started.elapsed();
        let report = SendReport {
            id,
            status,
            latency,
            replayed,
            body: String::from_utf8_lossy(&response_body).into_owned(),
        };
        output::print(|out| write_send(out, self.output.format(), &report))?;
        if status.is_success() {
            Ok(())
        } else {
            Err(Failure(format!("the receiver answered {status}")).into())
        }
    }
}
