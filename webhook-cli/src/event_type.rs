//! The event type a webhook announces (`invoice.paid`, `push`,
//! `orders/create`, …), read from where each provider puts it, so that
//! `webhook listen` can route and filter by it.
//!
//! Headers first (GitHub, Shopify, WooCommerce, Lemon Squeezy, Twitch and
//! Sentry name the event there), then the JSON body: a top-level `type`,
//! `event_type`, `eventType`, `event` or `topic` string, the nested forms
//! some providers use (Coinbase's `event.type`, Mailgun's
//! `event-data.event`, Lemon Squeezy's `meta.event_name`), and the first
//! element of a batch (SendGrid's `event`, HubSpot's `subscriptionType`).
//! An `action` next to a resource name is appended (`pull_request.opened`
//! for GitHub, `issue.created` for Sentry, `Issue.create` for Linear), the
//! way those providers document their event names. Discord's numeric
//! interaction types are named (`1` is `ping`).
//!
//! Unsigned by nature: whatever the request claims. Route on it, never
//! authorise on it.

use http::HeaderMap;
use serde_json::Value;

/// The longest event type reported; longer claims are cut (at a character
/// boundary) so a hostile body can't bloat logs and metric labels.
pub const MAX_LEN: usize = 128;

/// The event type `headers` and `body` announce, if any.
///
/// ```
/// use http::HeaderMap;
/// use webhook_cli::event_type::event_type;
///
/// let stripe = br#"{"id":"evt_1","type":"invoice.paid"}"#;
/// assert_eq!(event_type(&HeaderMap::new(), stripe).as_deref(), Some("invoice.paid"));
///
/// let mut github = HeaderMap::new();
/// github.insert("x-github-event", "pull_request".parse()?);
/// let body = br#"{"action":"opened","number":1}"#;
/// assert_eq!(event_type(&github, body).as_deref(), Some("pull_request.opened"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn event_type(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let json = serde_json::from_slice::<Value>(body).ok();
    let action = json
        .as_ref()
        .and_then(|j| j.get("action"))
        .and_then(Value::as_str);
    let found = from_headers(headers, action).or_else(|| json.as_ref().and_then(from_json));
    found.filter(|t| !t.is_empty()).map(truncate)
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

fn with_action(resource: &str, action: Option<&str>) -> String {
    match action {
        Some(action) if !action.is_empty() => format!("{resource}.{action}"),
        _ => resource.to_owned(),
    }
}

fn from_headers(headers: &HeaderMap, action: Option<&str>) -> Option<String> {
    if let Some(event) = header(headers, "x-github-event") {
        return Some(with_action(event, action));
    }
    if let Some(resource) = header(headers, "sentry-hook-resource") {
        return Some(with_action(resource, action));
    }
    // Twitch: the subscription type for notifications, the message type
    // (`webhook_callback_verification`, `revocation`) otherwise.
    if let Some(message) = header(headers, "twitch-eventsub-message-type") {
        return match message {
            "notification" => header(headers, "twitch-eventsub-subscription-type"),
            other => Some(other),
        }
        .map(str::to_owned);
    }
    [
        "x-shopify-topic",
        "x-wc-webhook-topic",
        "x-event-name",
        "twitch-eventsub-subscription-type",
    ]
    .into_iter()
    .find_map(|name| header(headers, name))
    .map(str::to_owned)
}

fn from_json(json: &Value) -> Option<String> {
    // A batch (SendGrid, HubSpot): the first event names it.
    let json = match json {
        Value::Array(items) => items.first()?,
        other => other,
    };
    let object = json.as_object()?;
    let text = |key: &str| object.get(key).and_then(Value::as_str);
    // Linear: {"type":"Issue","action":"create"}.
    if object.contains_key("webhookTimestamp")
        && let Some(kind) = text("type")
    {
        return Some(with_action(kind, text("action")));
    }
    // GitLab names the kind in the body, in the form its docs use.
    if let Some(kind) = text("object_kind") {
        return Some(kind.to_owned());
    }
    // Discord interactions: a number.
    if object.contains_key("application_id")
        && let Some(kind) = object.get("type").and_then(Value::as_u64)
    {
        return Some(discord_interaction(kind));
    }
    // Intercom: {"type":"notification_event","topic":"conversation.user.created"}.
    if text("type") == Some("notification_event")
        && let Some(topic) = text("topic")
    {
        return Some(topic.to_owned());
    }
    if let Some(kind) = ["type", "event_type", "eventType", "event", "topic"]
        .into_iter()
        .find_map(text)
    {
        return Some(kind.to_owned());
    }
    // Nested names: Coinbase, Mailgun, Lemon Squeezy, HubSpot.
    let nested = [
        ("event", "type"),
        ("event-data", "event"),
        ("meta", "event_name"),
    ];
    if let Some(kind) = nested
        .into_iter()
        .find_map(|(outer, inner)| object.get(outer)?.get(inner)?.as_str())
    {
        return Some(kind.to_owned());
    }
    if let Some(kind) = text("subscriptionType") {
        return Some(kind.to_owned());
    }
    // Dropbox's notification names what changed.
    object
        .contains_key("list_folder")
        .then(|| "list_folder".to_owned())
}

fn discord_interaction(kind: u64) -> String {
    match kind {
        1 => "ping".to_owned(),
        2 => "application_command".to_owned(),
        3 => "message_component".to_owned(),
        4 => "application_command_autocomplete".to_owned(),
        5 => "modal_submit".to_owned(),
        other => other.to_string(),
    }
}

fn truncate(mut text: String) -> String {
    if text.len() > MAX_LEN {
        let mut end = MAX_LEN;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(headers: &[(&'static str, &'static str)], body: &str) -> Option<String> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        event_type(&map, body.as_bytes())
    }

    #[test]
    fn headers_win_over_the_body() {
        assert_eq!(
            of(&[("x-shopify-topic", "orders/create")], r#"{"type":"x"}"#).as_deref(),
            Some("orders/create")
        );
        assert_eq!(
            of(&[("x-github-event", "push")], r#"{"ref":"main"}"#).as_deref(),
            Some("push")
        );
    }

    #[test]
    fn twitch_names_the_handshake_by_its_message_type() {
        let notification = [
            ("twitch-eventsub-message-type", "notification"),
            ("twitch-eventsub-subscription-type", "channel.follow"),
        ];
        assert_eq!(of(&notification, "{}").as_deref(), Some("channel.follow"));
        let challenge = [
            (
                "twitch-eventsub-message-type",
                "webhook_callback_verification",
            ),
            ("twitch-eventsub-subscription-type", "channel.follow"),
        ];
        assert_eq!(
            of(&challenge, "{}").as_deref(),
            Some("webhook_callback_verification")
        );
    }

    #[test]
    fn bodies_name_it_in_many_places() {
        let cases = [
            (r#"{"type":"invoice.paid"}"#, Some("invoice.paid")),
            (
                r#"{"event":{"type":"charge:confirmed"}}"#,
                Some("charge:confirmed"),
            ),
            (r#"{"event-data":{"event":"delivered"}}"#, Some("delivered")),
            (
                r#"[{"event":"delivered"},{"event":"open"}]"#,
                Some("delivered"),
            ),
            (
                r#"[{"subscriptionType":"contact.creation"}]"#,
                Some("contact.creation"),
            ),
            (
                r#"{"type":"Issue","action":"create","webhookTimestamp":1}"#,
                Some("Issue.create"),
            ),
            (r#"{"type":1,"application_id":"1"}"#, Some("ping")),
            (r#"{"list_folder":{"accounts":[]}}"#, Some("list_folder")),
            (r#"{"object_kind":"push","type":"x"}"#, Some("push")),
            (r#"{"type":""}"#, None),
            (r#"{"type":5}"#, None),
            ("[]", None),
            ("not json", None),
            ("", None),
        ];
        for (body, expected) in cases {
            assert_eq!(of(&[], body).as_deref(), expected, "{body}");
        }
    }

    #[test]
    fn a_long_claim_is_cut_at_a_character_boundary() {
        let body = format!(r#"{{"type":"{}"}}"#, "é".repeat(200));
        let kind = of(&[], &body).unwrap();
        assert!(
            kind.len() <= MAX_LEN && kind.len() >= MAX_LEN - 1,
            "{}",
            kind.len()
        );
        assert!(kind.chars().all(|c| c == 'é'));
    }
}
