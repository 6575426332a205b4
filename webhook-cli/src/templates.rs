//! Built-in event templates for `send --event TYPE` and `deliver --event
//! TYPE`, `send --list-events`, and `--set path=value` editing.
//!
//! Two kinds of template:
//! - **generic** ones (`ping`, `invoice.paid`, …) in a Stripe-like envelope
//!   `{id, type, created, data: {object}}`, usable with every scheme;
//! - **provider** ones, shaped like what that provider sends: its body
//!   (JSON, or a form post for Twilio), its content type and the headers it
//!   adds besides the signature (`X-GitHub-Event`, `X-Shopify-Topic`, …).
//!   They are chosen by `--scheme` and the event name, and win over a
//!   generic template of the same name.
//!
//! The bodies are trimmed to the fields receivers usually read, with the
//! providers' own field names and id formats; they are not captures.

use http::HeaderMap;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use serde_json::{Value, json};

use crate::errors::UsageError;

/// What a template is filled in with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fill<'a> {
    /// The event (delivery) id.
    pub(crate) id: &'a str,
    /// Unix seconds.
    pub(crate) now: i64,
}

/// A template's body, before `--set`.
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    /// `application/json`.
    Json(Value),
    /// `application/x-www-form-urlencoded`, in order.
    Form(Vec<(String, String)>),
}

impl Payload {
    /// The exact bytes sent.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        match self {
            // A serde_json::Value always serializes.
            Self::Json(value) => serde_json::to_vec(value).expect("JSON values serialize"),
            Self::Form(pairs) => form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
                .into_bytes(),
        }
    }

    fn content_type(&self) -> &'static str {
        match self {
            Self::Json(_) => "application/json",
            Self::Form(_) => "application/x-www-form-urlencoded",
        }
    }

    /// Applies `--set path=value`: a dotted JSON path, or a form field.
    pub(crate) fn set(&mut self, assignment: &str) -> Result<(), UsageError> {
        match self {
            Self::Json(value) => apply_set(value, assignment),
            Self::Form(pairs) => {
                let Some((key, value)) = assignment.split_once('=') else {
                    return Err(UsageError(format!(
                        "--set {assignment:?} is not FIELD=VALUE"
                    )));
                };
                match pairs.iter_mut().find(|(k, _)| k == key) {
                    Some(pair) => value.clone_into(&mut pair.1),
                    None => pairs.push((key.to_owned(), value.to_owned())),
                }
                Ok(())
            }
        }
    }
}

/// One template.
#[derive(Debug)]
pub(crate) struct Template {
    /// The scheme it is for; `None` for the generic ones.
    pub(crate) scheme: Option<&'static str>,
    /// The event name given to `--event`.
    pub(crate) event: &'static str,
    /// One line for `--list-events`.
    pub(crate) about: &'static str,
    /// Whether the body's `"id"` is the event id (generic and Stripe-like
    /// envelopes); otherwise the id travels in the provider's id header.
    pub(crate) id_in_body: bool,
    body: fn(&Fill<'_>) -> Payload,
    /// Headers the provider sends besides the signature and the id.
    headers: &'static [(&'static str, &'static str)],
}

impl Template {
    /// The body for `fill`.
    pub(crate) fn payload(&self, fill: &Fill<'_>) -> Payload {
        (self.body)(fill)
    }

    /// The content type and the provider's extra headers.
    pub(crate) fn headers(&self, payload: &Payload) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(payload.content_type()),
        );
        for (name, value) in self.headers {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        headers
    }
}

/// The template for `event` under `scheme`: the scheme's own first, then
/// a generic one.
pub(crate) fn find(scheme: &str, event: &str) -> Result<&'static Template, UsageError> {
    TEMPLATES
        .iter()
        .find(|t| t.scheme == Some(scheme) && t.event == event)
        .or_else(|| {
            TEMPLATES
                .iter()
                .find(|t| t.scheme.is_none() && t.event == event)
        })
        .ok_or_else(|| {
            let names: Vec<&str> = for_scheme(scheme).map(|t| t.event).collect();
            UsageError(format!(
                "unknown event type {event:?} for {scheme}: expected one of {} \
                 (webhook send --list-events shows them all)",
                names.join(", ")
            ))
        })
}

/// The templates usable with `scheme`: its own, then the generic ones.
pub(crate) fn for_scheme(scheme: &str) -> impl Iterator<Item = &'static Template> + '_ {
    let own = TEMPLATES.iter().filter(move |t| t.scheme == Some(scheme));
    let generic = TEMPLATES.iter().filter(move |t| {
        t.scheme.is_none()
            && !TEMPLATES
                .iter()
                .any(|o| o.scheme == Some(scheme) && o.event == t.event)
    });
    own.chain(generic)
}

/// Every template, generic ones first.
pub(crate) fn all() -> &'static [Template] {
    TEMPLATES
}

/// A Stripe-like envelope `{id, type, created, data: {object}}`.
fn envelope(kind: &str, fill: &Fill<'_>, object: Value) -> Payload {
    Payload::Json(json!({
        "id": fill.id, "type": kind, "created": fill.now, "data": {"object": object}
    }))
}

/// RFC 3339 UTC for `unix` seconds (`2026-12-04T10:00:00Z`).
fn rfc3339(unix: i64) -> String {
    let time = std::time::UNIX_EPOCH
        + std::time::Duration::from_secs(u64::try_from(unix).unwrap_or_default());
    humantime::format_rfc3339_seconds(time).to_string()
}

static TEMPLATES: &[Template] = &[
    // Generic, in the Stripe-like envelope, for every scheme.
    Template {
        scheme: None,
        event: "ping",
        about: "a minimal event",
        id_in_body: true,
        body: |f| envelope("ping", f, json!({"message": "hello from webhook-cli"})),
        headers: &[],
    },
    Template {
        scheme: None,
        event: "invoice.paid",
        about: "an invoice paid",
        id_in_body: true,
        body: |f| {
            envelope(
                "invoice.paid",
                f,
                json!({"object": "invoice", "id": "in_1001", "customer": "cus_1001",
                       "amount_paid": 4200, "currency": "usd", "status": "paid"}),
            )
        },
        headers: &[],
    },
    Template {
        scheme: None,
        event: "payment_intent.succeeded",
        about: "a payment succeeded",
        id_in_body: true,
        body: |f| {
            envelope(
                "payment_intent.succeeded",
                f,
                json!({"object": "payment_intent", "id": "pi_1001", "amount": 4200,
                       "currency": "usd", "status": "succeeded"}),
            )
        },
        headers: &[],
    },
    Template {
        scheme: None,
        event: "customer.created",
        about: "a customer created",
        id_in_body: true,
        body: |f| {
            envelope(
                "customer.created",
                f,
                json!({"object": "customer", "id": "cus_1001",
                       "email": "jane@example.com", "name": "Jane Doe"}),
            )
        },
        headers: &[],
    },
    Template {
        scheme: None,
        event: "checkout.session.completed",
        about: "a checkout completed",
        id_in_body: true,
        body: |f| {
            envelope(
                "checkout.session.completed",
                f,
                json!({"object": "checkout.session", "id": "cs_1001", "amount_total": 4200,
                       "currency": "usd", "payment_status": "paid"}),
            )
        },
        headers: &[],
    },
    Template {
        scheme: None,
        event: "order.created",
        about: "an order created",
        id_in_body: true,
        body: |f| {
            envelope(
                "order.created",
                f,
                json!({"object": "order", "id": "ord_1001", "total": 4200, "currency": "usd",
                       "items": [{"sku": "sku_1", "quantity": 1}]}),
            )
        },
        headers: &[],
    },
    Template {
        scheme: None,
        event: "push",
        about: "a git push",
        id_in_body: true,
        body: |f| {
            envelope(
                "push",
                f,
                json!({"ref": "refs/heads/main", "before": "0000000", "after": "1a2b3c4",
                       "repository": {"full_name": "octo/hello"}, "pusher": {"name": "octocat"}}),
            )
        },
        headers: &[],
    },
    // Stripe: an Event object.
    Template {
        scheme: Some("stripe"),
        event: "payment_intent.succeeded",
        about: "Stripe Event (API version 2024-06-20) for a PaymentIntent",
        id_in_body: true,
        body: |f| {
            Payload::Json(json!({
                "id": f.id, "object": "event", "api_version": "2024-06-20",
                "created": f.now, "livemode": false, "pending_webhooks": 1,
                "request": {"id": "req_1001", "idempotency_key": null},
                "type": "payment_intent.succeeded",
                "data": {"object": {
                    "id": "pi_1001", "object": "payment_intent", "amount": 2000,
                    "amount_received": 2000, "currency": "usd", "status": "succeeded",
                    "customer": "cus_1001", "latest_charge": "ch_1001",
                    "metadata": {}, "created": f.now, "livemode": false
                }}
            }))
        },
        headers: &[(
            "user-agent",
            "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        )],
    },
    Template {
        scheme: Some("stripe"),
        event: "invoice.paid",
        about: "Stripe Event for a paid Invoice",
        id_in_body: true,
        body: |f| {
            Payload::Json(json!({
                "id": f.id, "object": "event", "api_version": "2024-06-20",
                "created": f.now, "livemode": false, "pending_webhooks": 1,
                "type": "invoice.paid",
                "data": {"object": {
                    "id": "in_1001", "object": "invoice", "customer": "cus_1001",
                    "subscription": "sub_1001", "amount_paid": 4200, "amount_due": 4200,
                    "currency": "usd", "status": "paid", "paid": true
                }}
            }))
        },
        headers: &[(
            "user-agent",
            "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        )],
    },
    // GitHub: the event name is a header; the delivery id is X-GitHub-Delivery.
    Template {
        scheme: Some("github"),
        event: "push",
        about: "GitHub push to main",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "ref": "refs/heads/main",
                "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
                "after": "76ae82c7b1a177c8d03f9e96e0adf2466113728f",
                "created": false, "deleted": false, "forced": false,
                "repository": {"id": 1296269, "name": "Hello-World",
                               "full_name": "octocat/Hello-World", "private": false,
                               "default_branch": "main"},
                "pusher": {"name": "octocat", "email": "octocat@github.com"},
                "sender": {"login": "octocat", "id": 1, "type": "User"},
                "head_commit": {"id": "76ae82c7b1a177c8d03f9e96e0adf2466113728f",
                                "message": "Update README", "timestamp": rfc3339(f.now)},
                "commits": []
            }))
        },
        headers: &[
            ("x-github-event", "push"),
            ("x-github-hook-id", "292430182"),
            ("user-agent", "GitHub-Hookshot/0000000"),
        ],
    },
    Template {
        scheme: Some("github"),
        event: "ping",
        about: "GitHub ping, sent when a webhook is created",
        id_in_body: false,
        body: |_| {
            Payload::Json(json!({
                "zen": "Design for failure.", "hook_id": 292430182,
                "hook": {"type": "Repository", "id": 292430182, "active": true,
                         "events": ["push"], "config": {"content_type": "json",
                         "insecure_ssl": "0", "url": "https://example.com/webhooks"}},
                "repository": {"id": 1296269, "full_name": "octocat/Hello-World"},
                "sender": {"login": "octocat", "id": 1, "type": "User"}
            }))
        },
        headers: &[
            ("x-github-event", "ping"),
            ("x-github-hook-id", "292430182"),
            ("user-agent", "GitHub-Hookshot/0000000"),
        ],
    },
    Template {
        scheme: Some("github"),
        event: "pull_request.opened",
        about: "GitHub pull_request, action opened",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "action": "opened", "number": 1347,
                "pull_request": {"id": 1, "number": 1347, "state": "open",
                                 "title": "Amazing new feature",
                                 "user": {"login": "octocat", "id": 1},
                                 "head": {"ref": "new-topic"}, "base": {"ref": "main"},
                                 "created_at": rfc3339(f.now)},
                "repository": {"id": 1296269, "full_name": "octocat/Hello-World"},
                "sender": {"login": "octocat", "id": 1, "type": "User"}
            }))
        },
        headers: &[
            ("x-github-event", "pull_request"),
            ("x-github-hook-id", "292430182"),
            ("user-agent", "GitHub-Hookshot/0000000"),
        ],
    },
    // Slack Events API.
    Template {
        scheme: Some("slack"),
        event: "event_callback",
        about: "Slack Events API app_mention",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "token": "XXYYZZ", "team_id": "T123ABC456", "api_app_id": "A123ABC456",
                "event": {"type": "app_mention", "user": "U123ABC456",
                          "text": "<@U0LAN0Z89> is it everything a river should be?",
                          "ts": "1515449522.000016", "channel": "C123ABC456",
                          "event_ts": "1515449522000016"},
                "type": "event_callback", "event_id": f.id, "event_time": f.now,
                "authorizations": [{"team_id": "T123ABC456", "user_id": "U123ABC456",
                                    "is_bot": true}]
            }))
        },
        headers: &[],
    },
    Template {
        scheme: Some("slack"),
        event: "url_verification",
        about: "Slack's URL verification handshake (answered by listen --verify)",
        id_in_body: false,
        body: |_| {
            Payload::Json(json!({
                "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
                "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                "type": "url_verification"
            }))
        },
        headers: &[],
    },
    // Standard Webhooks: {type, timestamp, data}; the id is webhook-id.
    // Clerk's user.created, which it sends as Standard Webhooks.
    Template {
        scheme: Some("standard"),
        event: "user.created",
        about: "Standard Webhooks payload {type, timestamp, data}: Clerk's user.created",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "object": "event", "type": "user.created", "timestamp": f.now * 1000,
                "data": {"id": "user_29w83sxmDNGwOuEthce5gg56FcC", "object": "user",
                         "first_name": "Jane", "last_name": "Doe",
                         "email_addresses": [{"email_address": "jane@example.com",
                                              "id": "idn_29w83yL7CwVlJXylYLxcslromF1"}],
                         "created_at": f.now * 1000}
            }))
        },
        headers: &[],
    },
    // Shopify: topic and shop in headers; the id is X-Shopify-Webhook-Id.
    Template {
        scheme: Some("shopify"),
        event: "orders/create",
        about: "Shopify orders/create",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "id": 820982911946154508u64, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
                "email": "jon@example.com", "created_at": rfc3339(f.now),
                "currency": "USD", "total_price": "42.00", "subtotal_price": "40.00",
                "financial_status": "paid", "name": "#9999", "order_number": 1234,
                "line_items": [{"id": 866550311766439020u64, "title": "Aviator sunglasses",
                                "quantity": 1, "price": "40.00", "sku": "SKU2006-001"}],
                "customer": {"id": 115310627314723954u64, "email": "jon@example.com"}
            }))
        },
        headers: &[
            ("x-shopify-topic", "orders/create"),
            ("x-shopify-shop-domain", "example.myshopify.com"),
            ("x-shopify-api-version", "2025-01"),
        ],
    },
    Template {
        scheme: Some("shopify"),
        event: "app/uninstalled",
        about: "Shopify app/uninstalled",
        id_in_body: false,
        body: |_| {
            Payload::Json(json!({
                "id": 548380009u64, "name": "Super Toys", "email": "super@supertoys.com",
                "domain": "example.myshopify.com", "myshopify_domain": "example.myshopify.com"
            }))
        },
        headers: &[
            ("x-shopify-topic", "app/uninstalled"),
            ("x-shopify-shop-domain", "example.myshopify.com"),
            ("x-shopify-api-version", "2025-01"),
        ],
    },
    // Twilio: a form post, signed with the URL.
    Template {
        scheme: Some("twilio"),
        event: "sms.incoming",
        about: "Twilio incoming SMS (form post; the URL is signed)",
        id_in_body: false,
        body: |f| {
            Payload::Form(vec![
                ("ToCountry".to_owned(), "US".to_owned()),
                ("SmsMessageSid".to_owned(), f.id.to_owned()),
                ("NumMedia".to_owned(), "0".to_owned()),
                ("SmsSid".to_owned(), f.id.to_owned()),
                ("SmsStatus".to_owned(), "received".to_owned()),
                ("Body".to_owned(), "Hello from webhook-cli".to_owned()),
                ("To".to_owned(), "+15005550006".to_owned()),
                ("NumSegments".to_owned(), "1".to_owned()),
                ("MessageSid".to_owned(), f.id.to_owned()),
                (
                    "AccountSid".to_owned(),
                    "AC00000000000000000000000000000000".to_owned(),
                ),
                ("From".to_owned(), "+14155552671".to_owned()),
                ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
            ])
        },
        headers: &[],
    },
    // Discord interactions.
    Template {
        scheme: Some("discord"),
        event: "ping",
        about: "Discord interaction PING (answered {\"type\":1} by listen --verify)",
        id_in_body: true,
        body: |f| {
            Payload::Json(json!({
                "id": f.id, "application_id": "1000000000000000000", "type": 1,
                "token": "aW50ZXJhY3Rpb246MTAwMDAwMDAwMDAwMDAwMDAwMA", "version": 1
            }))
        },
        headers: &[],
    },
    Template {
        scheme: Some("discord"),
        event: "application_command",
        about: "Discord slash command interaction",
        id_in_body: true,
        body: |f| {
            Payload::Json(json!({
                "id": f.id, "application_id": "1000000000000000000", "type": 2,
                "data": {"id": "1000000000000000001", "name": "hello", "type": 1},
                "guild_id": "1000000000000000002", "channel_id": "1000000000000000003",
                "member": {"user": {"id": "1000000000000000004", "username": "jane"}},
                "token": "aW50ZXJhY3Rpb246MTAwMDAwMDAwMDAwMDAwMDAwMA", "version": 1
            }))
        },
        headers: &[],
    },
];

/// Applies `path=value`: a dotted path (objects created as needed), the
/// value parsed as JSON when it is JSON, else taken as a string.
pub(crate) fn apply_set(target: &mut Value, assignment: &str) -> Result<(), UsageError> {
    let Some((path, raw)) = assignment.split_once('=') else {
        return Err(UsageError(format!(
            "--set {assignment:?} is not PATH=VALUE"
        )));
    };
    let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
    let mut node = target;
    let keys: Vec<&str> = path.split('.').collect();
    if keys.iter().any(|k| k.is_empty()) {
        return Err(UsageError(format!(
            "--set path {path:?} has an empty segment"
        )));
    }
    for (index, key) in keys.iter().enumerate() {
        let last = index + 1 == keys.len();
        let Value::Object(map) = node else {
            return Err(UsageError(format!(
                "--set {path}: {key:?} is inside a non-object"
            )));
        };
        if last {
            map.insert((*key).to_owned(), value);
            return Ok(());
        }
        node = map
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILL: Fill<'static> = Fill {
        id: "evt_1",
        now: 7,
    };

    #[test]
    fn generic_templates_have_the_envelope() {
        for template in all().iter().filter(|t| t.scheme.is_none()) {
            let Payload::Json(value) = template.payload(&FILL) else {
                panic!("{}: generic templates are JSON", template.event);
            };
            assert_eq!(value["id"], "evt_1");
            assert_eq!(value["type"], template.event);
            assert_eq!(value["created"], 7);
            assert!(template.id_in_body);
        }
    }

    #[test]
    fn a_scheme_template_wins_over_a_generic_one_and_unknown_names_list_the_choices() {
        assert_eq!(find("github", "ping").unwrap().scheme, Some("github"));
        assert_eq!(find("webhook", "ping").unwrap().scheme, None);
        // Generic templates serve every scheme.
        assert_eq!(find("github", "invoice.paid").unwrap().scheme, None);
        let err = find("github", "nope").unwrap_err().0;
        assert!(err.contains("pull_request.opened"), "{err}");
        assert!(err.contains("invoice.paid"), "{err}");
        // A scheme's list has no name twice.
        let names: Vec<&str> = for_scheme("github").map(|t| t.event).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(names.len(), unique.len(), "{names:?}");
    }

    #[test]
    fn every_template_is_for_a_known_scheme_and_renders() {
        for template in all() {
            if let Some(scheme) = template.scheme {
                assert!(
                    scheme.parse::<webhook_verify::Scheme>().is_ok(),
                    "template {} is for unknown scheme {scheme}",
                    template.event
                );
            }
            let payload = template.payload(&FILL);
            let bytes = payload.to_bytes();
            assert!(!bytes.is_empty());
            let headers = template.headers(&payload);
            assert!(headers.contains_key(CONTENT_TYPE));
            if let Payload::Json(_) = payload {
                serde_json::from_slice::<Value>(&bytes).expect("valid JSON");
            }
        }
    }

    #[test]
    fn set_edits_form_fields_in_place_or_appends_them() {
        let mut payload = find("twilio", "sms.incoming").unwrap().payload(&FILL);
        payload.set("Body=changed text").unwrap();
        payload.set("Extra=1").unwrap();
        let text = String::from_utf8(payload.to_bytes()).unwrap();
        assert!(text.contains("&Body=changed+text&"), "{text}");
        assert!(text.ends_with("&Extra=1"), "{text}");
        assert!(payload.set("no-equals").is_err());
    }

    #[test]
    fn set_edits_nested_paths() {
        let Payload::Json(mut value) = find("webhook", "invoice.paid").unwrap().payload(&FILL)
        else {
            panic!("JSON");
        };
        apply_set(&mut value, "data.object.amount_paid=99").unwrap();
        apply_set(&mut value, "data.object.note=hello").unwrap();
        apply_set(&mut value, "meta.tags=[1,2]").unwrap();
        assert_eq!(value["data"]["object"]["amount_paid"], 99);
        assert_eq!(value["data"]["object"]["note"], "hello");
        assert_eq!(value["meta"]["tags"], json!([1, 2]));
        assert!(apply_set(&mut value, "id.x=1").is_err());
        assert!(apply_set(&mut value, "novalue").is_err());
    }
}
