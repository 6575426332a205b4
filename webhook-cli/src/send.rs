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
use crate::output::{self, SendReport, write_event_list, write_send};
use crate::random_id::random_id;
use crate::target_url::parse_target_url;
use crate::templates::{self, Fill, apply_set};
use crate::tls::certificate_hint;
use crate::{Run, RunContext};
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{Clock as _, Scheme, SignatureScheme as _, SystemClock};

/// What `send` POSTs: the body, the event id and the headers besides the
/// signature.
struct Outbound {
    body: Vec<u8>,
    id: String,
    headers: http::HeaderMap,
}

impl SendArgs {
    /// The body, the event id and the template's headers. For bodies whose
    /// `"id"` is the event id (given bodies, generic and Stripe-like
    /// templates) the id signed is the body's `"id"` whenever it has one
    /// (after `--set`), so the two never disagree, and a `--id` that
    /// contradicts it is a usage error; provider templates carry the id in
    /// the provider's id header instead.
    fn outbound(&self, scheme: Scheme) -> anyhow::Result<Outbound> {
        let given = match (&self.data, &self.file) {
            (Some(data), _) => Some(data.clone().into_bytes()),
            (None, Some(file)) => Some(read_input(file)?),
            (None, None) => None,
        };
        let (body, headers) = if let Some(mut body) = given {
            if !self.sets.is_empty() {
                let mut value: Value = serde_json::from_slice(&body)
                    .map_err(|e| UsageError(format!("--set needs a JSON body: {e}")))?;
                for assignment in &self.sets {
                    apply_set(&mut value, assignment)?;
                }
                // A serde_json::Value always serializes.
                body = serde_json::to_vec(&value).expect("JSON values serialize");
            }
            let mut headers = http::HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            (body, headers)
        } else {
            let event = self.event.as_deref().unwrap_or("ping");
            let template = templates::find(scheme.name(), event)?;
            let id = self.id.clone().unwrap_or_else(|| random_id("evt_"));
            let fill = Fill {
                id: &id,
                now: SystemClock.now_unix(),
            };
            let mut payload = template.payload(&fill);
            for assignment in &self.sets {
                payload.set(assignment)?;
            }
            let headers = template.headers(&payload);
            if !template.id_in_body {
                let body = payload.to_bytes();
                return Ok(Outbound { body, id, headers });
            }
            (payload.to_bytes(), headers)
        };
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
        Ok(Outbound { body, id, headers })
    }
}

impl Run for SendArgs {
    async fn run(self, ctx: &RunContext) -> anyhow::Result<()> {
        if self.list_events {
            return output::print(|out| {
                write_event_list(out, self.output.format(), templates::all())
            });
        }
        let scheme = self.signing.scheme();
        let signer = self.signing.signer()?;
        // clap requires the URL unless --list-events.
        let url = parse_target_url(self.url.as_deref().unwrap_or_default(), "URL")?;
        let tls = self.tls.options(ctx)?;
        let Outbound {
            body,
            id,
            mut headers,
        } = self.outbound(scheme)?;
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
        let (signature, signed_body) = signer
            .sign_request_body(&request, SystemClock.now_unix(), Some(&id))
            .context("signing the event")?;
        headers.extend(signature);
        // Mailgun carries its signature in the body.
        let body = signed_body.unwrap_or(body);
        // The provider's delivery id header, where the scheme has one and
        // the signer did not write it (it is not signed).
        if let Some(name) = scheme.id_header()
            && !headers.contains_key(&name)
        {
            headers.insert(name, HeaderValue::from_str(&id).context("the event id")?);
        }

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
