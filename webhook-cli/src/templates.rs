//! Built-in event templates for `send --event TYPE` and `deliver --event TYPE`,
//! and `--set path=value` editing.

use serde_json::{Value, json};

use crate::errors::UsageError;

/// The template names.
pub(crate) const NAMES: [&str; 7] = [
    "ping",
    "invoice.paid",
    "payment_intent.succeeded",
    "customer.created",
    "checkout.session.completed",
    "order.created",
    "push",
];

/// A Stripe-like envelope `{id, type, created, data: {object}}` for `kind`.
pub(crate) fn template(kind: &str, id: &str, created: i64) -> Result<Value, UsageError> {
    let object = match kind {
        "ping" => json!({"message": "hello from webhook-cli"}),
        "invoice.paid" => json!({
            "object": "invoice", "id": "in_1001", "customer": "cus_1001",
            "amount_paid": 4200, "currency": "usd", "status": "paid"
        }),
        "payment_intent.succeeded" => json!({
            "object": "payment_intent", "id": "pi_1001", "amount": 4200,
            "currency": "usd", "status": "succeeded"
        }),
        "customer.created" => json!({
            "object": "customer", "id": "cus_1001", "email": "jane@example.com", "name": "Jane Doe"
        }),
        "checkout.session.completed" => json!({
            "object": "checkout.session", "id": "cs_1001", "amount_total": 4200,
            "currency": "usd", "payment_status": "paid"
        }),
        "order.created" => json!({
            "object": "order", "id": "ord_1001", "total": 4200, "currency": "usd",
            "items": [{"sku": "sku_1", "quantity": 1}]
        }),
        "push" => json!({
            "ref": "refs/heads/main", "before": "0000000", "after": "1a2b3c4",
            "repository": {"full_name": "octo/hello"}, "pusher": {"name": "octocat"}
        }),
        other => {
            return Err(UsageError(format!(
                "unknown event type {other:?}: expected one of {}",
                NAMES.join(", ")
            )));
        }
    };
    Ok(json!({"id": id, "type": kind, "created": created, "data": {"object": object}}))
}

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

    #[test]
    fn every_template_has_the_envelope() {
        for name in NAMES {
            let value = template(name, "evt_1", 7).unwrap();
            assert_eq!(value["id"], "evt_1");
            assert_eq!(value["type"], name);
            assert_eq!(value["created"], 7);
        }
        assert!(template("nope", "evt_1", 0).is_err());
    }

    #[test]
    fn set_edits_nested_paths() {
        let mut value = template("invoice.paid", "evt_1", 0).unwrap();
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
