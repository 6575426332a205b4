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
    // Razorpay: the id is X-Razorpay-Event-Id.
    Template {
        scheme: Some("razorpay"),
        event: "payment.captured",
        about: "Razorpay payment.captured",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "entity": "event", "account_id": "acc_BFQ7uQEaa7j2z7",
                "event": "payment.captured", "contains": ["payment"],
                "payload": {"payment": {"entity": {
                    "id": "pay_DESlfW9H8K9uqM", "entity": "payment", "amount": 100,
                    "currency": "INR", "status": "captured", "order_id": "order_DESlLckIVRkHWj",
                    "method": "netbanking", "captured": true, "email": "gaurav.kumar@example.com",
                    "contact": "+919876543210", "created_at": f.now
                }}},
                "created_at": f.now
            }))
        },
        headers: &[],
    },
    // Intercom: a notification_event; its id is in the body.
    Template {
        scheme: Some("intercom"),
        event: "conversation.user.created",
        about: "Intercom notification_event for a new conversation",
        id_in_body: true,
        body: |f| {
            Payload::Json(json!({
                "type": "notification_event", "app_id": "abc123", "id": f.id,
                "topic": "conversation.user.created", "delivery_status": "pending",
                "delivery_attempts": 1, "created_at": f.now,
                "data": {"type": "notification_event_data", "item": {
                    "type": "conversation", "id": "147", "created_at": f.now, "state": "open",
                    "source": {"type": "conversation", "body": "<p>Hi</p>",
                               "author": {"type": "user", "id": "5310d8e7598c9a0b24000002"}}
                }}
            }))
        },
        headers: &[],
    },
    // WooCommerce: topic and resource in headers; the id is X-WC-Webhook-Delivery-ID.
    Template {
        scheme: Some("woocommerce"),
        event: "order.created",
        about: "WooCommerce order.created",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "id": 727, "status": "processing", "currency": "USD", "total": "29.35",
                "date_created_gmt": rfc3339(f.now).trim_end_matches('Z'),
                "billing": {"first_name": "John", "last_name": "Doe", "email": "john.doe@example.com"},
                "line_items": [{"id": 315, "name": "Woo Single #1", "product_id": 93,
                                "quantity": 2, "total": "6.00"}]
            }))
        },
        headers: &[
            ("x-wc-webhook-source", "https://example.com/"),
            ("x-wc-webhook-topic", "order.created"),
            ("x-wc-webhook-resource", "order"),
            ("x-wc-webhook-event", "created"),
            ("x-wc-webhook-id", "1"),
        ],
    },
    // Typeform: one form response; no id header, the event_id is in the body.
    Template {
        scheme: Some("typeform"),
        event: "form_response",
        about: "Typeform form_response",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "event_id": f.id, "event_type": "form_response",
                "form_response": {
                    "form_id": "lT4Z3j", "token": "a3a12ec67a1365927098a606107fac15",
                    "submitted_at": rfc3339(f.now), "landed_at": rfc3339(f.now - 60),
                    "definition": {"id": "lT4Z3j", "title": "Webhooks example", "fields": [
                        {"id": "DlXFaesGBpoF", "title": "What is your name?", "type": "short_text",
                         "ref": "name"}]},
                    "answers": [{"type": "text", "text": "Laura",
                                 "field": {"id": "DlXFaesGBpoF", "type": "short_text"}}]
                }
            }))
        },
        headers: &[],
    },
    // Lemon Squeezy: the event name is a header and in meta.
    Template {
        scheme: Some("lemonsqueezy"),
        event: "order_created",
        about: "Lemon Squeezy order_created",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "meta": {"event_name": "order_created", "custom_data": {}},
                "data": {"type": "orders", "id": "1", "attributes": {
                    "store_id": 1, "customer_id": 1, "identifier": "104e18a2-d755-4d4b-80c4-a6c1dcbe1c10",
                    "order_number": 1, "user_name": "Darlene Daugherty",
                    "user_email": "gernser@yahoo.com", "currency": "USD", "total": 999,
                    "status": "paid", "created_at": rfc3339(f.now)
                }}
            }))
        },
        headers: &[("x-event-name", "order_created")],
    },
    // Sentry: an issue alert; the resource is a header, the id Request-ID.
    Template {
        scheme: Some("sentry"),
        event: "issue.created",
        about: "Sentry integration issue created",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "action": "created",
                "installation": {"uuid": "7a485448-a9e2-4c85-8a3c-4f44175783c9"},
                "data": {"issue": {"id": "1170820242", "shortId": "FRONT-END-2",
                                   "title": "Error: Unexpected token", "level": "error",
                                   "status": "unresolved", "firstSeen": rfc3339(f.now)}},
                "actor": {"type": "application", "id": "sentry", "name": "Sentry"}
            }))
        },
        headers: &[("sentry-hook-resource", "issue")],
    },
    // Coinbase Commerce: the event is nested; no id header.
    Template {
        scheme: Some("coinbase"),
        event: "charge:confirmed",
        about: "Coinbase Commerce charge:confirmed",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "id": 1, "scheduled_for": rfc3339(f.now), "attempt_number": 1,
                "event": {"id": f.id, "resource": "event", "type": "charge:confirmed",
                          "api_version": "2018-03-22", "created_at": rfc3339(f.now),
                          "data": {"code": "66BEOV2A", "name": "The Sovereign Individual",
                                   "pricing_type": "fixed_price",
                                   "pricing": {"local": {"amount": "100.00", "currency": "USD"}}}}
            }))
        },
        headers: &[],
    },
    // Paddle Billing: event_id in the body.
    Template {
        scheme: Some("paddle"),
        event: "transaction.completed",
        about: "Paddle Billing transaction.completed",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "event_id": f.id, "event_type": "transaction.completed",
                "occurred_at": rfc3339(f.now), "notification_id": "ntf_01h8bkrfe7w1vwf8xmytwn51e7",
                "data": {"id": "txn_01h8bkrfe7w1vwf8xmytwn51e7", "status": "completed",
                         "customer_id": "ctm_01h8441jn5pcwrfhwh78jqt8hk", "currency_code": "USD",
                         "origin": "web", "billed_at": rfc3339(f.now),
                         "details": {"totals": {"total": "2400", "currency_code": "USD"}}}
            }))
        },
        headers: &[],
    },
    // Zendesk: an event in the 2022-11-06 envelope; the id is in the body.
    Template {
        scheme: Some("zendesk"),
        event: "ticket.created",
        about: "Zendesk zen:event-type:ticket.created",
        id_in_body: true,
        body: |f| {
            Payload::Json(json!({
                "type": "zen:event-type:ticket.created", "account_id": 12514403, "id": f.id,
                "time": rfc3339(f.now), "zendesk_event_version": "2022-11-06",
                "subject": "zen:ticket:5158",
                "detail": {"id": "5158", "subject": "Help, my printer is on fire!",
                           "status": "NEW", "priority": "HIGH", "requester_id": "8447388090494",
                           "created_at": rfc3339(f.now)},
                "event": {}
            }))
        },
        headers: &[],
    },
    // GitLab: the event name is a header; the id is Idempotency-Key.
    Template {
        scheme: Some("gitlab"),
        event: "push",
        about: "GitLab Push Hook",
        id_in_body: false,
        body: |_| {
            Payload::Json(json!({
                "object_kind": "push", "event_name": "push",
                "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
                "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
                "ref": "refs/heads/main", "user_username": "jsmith", "project_id": 15,
                "project": {"id": 15, "name": "Diaspora",
                            "path_with_namespace": "mike/diaspora", "default_branch": "main"},
                "commits": [], "total_commits_count": 0
            }))
        },
        headers: &[("x-gitlab-event", "Push Hook")],
    },
    // Square: the event id is in the body; the notification URL is signed.
    Template {
        scheme: Some("square"),
        event: "payment.created",
        about: "Square payment.created (the URL is signed)",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "merchant_id": "6SSW7HV8K2ST5", "type": "payment.created", "event_id": f.id,
                "created_at": rfc3339(f.now),
                "data": {"type": "payment", "id": "KkAkhdMsgzn59SM8A89WgKwekxLZY",
                         "object": {"payment": {
                             "id": "KkAkhdMsgzn59SM8A89WgKwekxLZY", "status": "APPROVED",
                             "amount_money": {"amount": 100, "currency": "USD"},
                             "location_id": "S8GWD5R9QB376", "created_at": rfc3339(f.now)}}}
            }))
        },
        headers: &[],
    },
    // HubSpot: a batch of events; method, URL and body are signed.
    Template {
        scheme: Some("hubspot"),
        event: "contact.creation",
        about: "HubSpot contact.creation batch (method and URL are signed)",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!([{
                "eventId": 1, "subscriptionId": 2, "portalId": 62515, "appId": 54321,
                "occurredAt": f.now * 1000, "subscriptionType": "contact.creation",
                "attemptNumber": 0, "objectId": 123, "changeFlag": "CREATED",
                "changeSource": "CRM"
            }]))
        },
        headers: &[],
    },
    // Zoom: an event and the URL validation handshake.
    Template {
        scheme: Some("zoom"),
        event: "meeting.started",
        about: "Zoom meeting.started",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "event": "meeting.started", "event_ts": f.now * 1000,
                "payload": {"account_id": "AAAAAABBBB", "object": {
                    "id": "1234567890", "uuid": "4444AAAiAAAAAiAiAiiAii==",
                    "host_id": "x1yCzABCDEfg23HiJKl4mN", "topic": "My Meeting", "type": 2,
                    "start_time": rfc3339(f.now), "timezone": "America/Los_Angeles",
                    "duration": 60}}
            }))
        },
        headers: &[],
    },
    Template {
        scheme: Some("zoom"),
        event: "endpoint.url_validation",
        about: "Zoom's URL validation handshake (answered by listen --verify)",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
                "event_ts": f.now * 1000, "event": "endpoint.url_validation"
            }))
        },
        headers: &[],
    },
    // Twitch EventSub: the message type is a header; the id is signed.
    Template {
        scheme: Some("twitch"),
        event: "channel.follow",
        about: "Twitch EventSub notification for channel.follow",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "subscription": {"id": "f1c2a387-161a-49f9-a165-0f21d7a4e1c4",
                                 "status": "enabled", "type": "channel.follow", "version": "2",
                                 "cost": 0,
                                 "condition": {"broadcaster_user_id": "1337",
                                               "moderator_user_id": "1337"},
                                 "transport": {"method": "webhook",
                                               "callback": "https://example.com/webhooks/callback"},
                                 "created_at": rfc3339(f.now - 3600)},
                "event": {"user_id": "1234", "user_login": "cool_user",
                          "user_name": "Cool_User", "broadcaster_user_id": "1337",
                          "broadcaster_user_login": "cooler_user",
                          "broadcaster_user_name": "Cooler_User",
                          "followed_at": rfc3339(f.now)}
            }))
        },
        headers: &[
            ("twitch-eventsub-message-type", "notification"),
            ("twitch-eventsub-subscription-type", "channel.follow"),
            ("twitch-eventsub-subscription-version", "2"),
        ],
    },
    Template {
        scheme: Some("twitch"),
        event: "webhook_callback_verification",
        about: "Twitch's challenge (answered by listen --verify)",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "challenge": "pogchamp-kappa-360noscope-vohiyo",
                "subscription": {"id": "f1c2a387-161a-49f9-a165-0f21d7a4e1c4",
                                 "status": "webhook_callback_verification_pending",
                                 "type": "channel.follow", "version": "2", "cost": 0,
                                 "condition": {"broadcaster_user_id": "12826"},
                                 "transport": {"method": "webhook",
                                               "callback": "https://example.com/webhooks/callback"},
                                 "created_at": rfc3339(f.now)}
            }))
        },
        headers: &[
            (
                "twitch-eventsub-message-type",
                "webhook_callback_verification",
            ),
            ("twitch-eventsub-subscription-type", "channel.follow"),
            ("twitch-eventsub-subscription-version", "2"),
        ],
    },
    // Dropbox: which accounts changed.
    Template {
        scheme: Some("dropbox"),
        event: "list_folder",
        about: "Dropbox file-change notification",
        id_in_body: false,
        body: |_| {
            Payload::Json(json!({
                "list_folder": {"accounts": ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]},
                "delta": {"users": [12345678]}
            }))
        },
        headers: &[],
    },
    // Linear: the signed body carries webhookTimestamp (ms).
    Template {
        scheme: Some("linear"),
        event: "Issue.create",
        about: "Linear Issue create (webhookTimestamp in the body)",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "action": "create", "type": "Issue", "createdAt": rfc3339(f.now),
                "data": {"id": "2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9", "identifier": "ENG-123",
                         "title": "Crash on launch", "priority": 2,
                         "teamId": "72b2a2dc-6f4f-4423-9d34-24b5bd10634a",
                         "createdAt": rfc3339(f.now)},
                "url": "https://linear.app/acme/issue/ENG-123/crash-on-launch",
                "organizationId": "c8de1a4a-7b1b-4bb5-a1e7-eea5e2a6e8d3",
                "webhookTimestamp": f.now * 1000,
                "webhookId": "000042e3-d123-4980-b49f-8e140eef9329"
            }))
        },
        headers: &[("linear-event", "Issue")],
    },
    // SendGrid: a batch of events, each with its sg_event_id.
    Template {
        scheme: Some("sendgrid"),
        event: "delivered",
        about: "SendGrid Event Webhook batch with one delivered event",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!([{
                "email": "example@test.com", "timestamp": f.now, "event": "delivered",
                "sg_event_id": f.id, "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
                "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>", "response": "250 OK",
                "category": "cat facts"
            }]))
        },
        headers: &[],
    },
    // Mailgun: the signature goes into the body, next to event-data.
    Template {
        scheme: Some("mailgun"),
        event: "delivered",
        about: "Mailgun delivered event (signature in the body; the token is the id)",
        id_in_body: false,
        body: |f| {
            Payload::Json(json!({
                "event-data": {
                    "id": "CPgfbmQMTCKtHW6uIWtuVe", "timestamp": f.now, "event": "delivered",
                    "log-level": "info", "recipient": "alice@example.com",
                    "recipient-domain": "example.com",
                    "message": {"headers": {"to": "Alice <alice@example.com>",
                                            "message-id": "20130503182626.18666.16540@example.com",
                                            "from": "Bob <bob@example.com>",
                                            "subject": "Test delivered webhook"}},
                    "delivery-status": {"code": 250, "message": "OK"}
                }
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
    fn listen_reads_each_template_s_event_type_back() {
        // What `webhook listen` routes and filters on must be what a user
        // names in `send --event`; the exceptions name the provider's own
        // spelling, which is what the receiver sees.
        fn spelled(scheme: Option<&str>, event: &'static str) -> Option<&'static str> {
            match (scheme, event) {
                (Some("zendesk"), "ticket.created") => Some("zen:event-type:ticket.created"),
                (Some("gitlab"), "push") => Some("push"),
                // A Twilio form post names no event type.
                (Some("twilio"), _) => None,
                (_, event) => Some(event),
            }
        }
        for template in all() {
            let payload = template.payload(&FILL);
            let found = webhook_cli::event_type::event_type(
                &template.headers(&payload),
                &payload.to_bytes(),
            );
            assert_eq!(
                found.as_deref(),
                spelled(template.scheme, template.event),
                "{:?} {}",
                template.scheme,
                template.event
            );
        }
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
