//! What a scheme reads from a request, as far as the driver must know to
//! write it: the header names and the body fields.
//!
//! The signature, timestamp and id headers come from the scheme itself
//! ([`Scheme::signature_header`] and its siblings); [`extra_reads`] lists
//! the rest, found by reading each `webhook-verify/src/scheme/*.rs`:
//!
//! | scheme | also reads |
//! |---|---|
//! | `standard`, `standard-v1a` | `svix-id`, `svix-timestamp`, `svix-signature` (the `webhook-*` set wins) |
//! | `twitch` | `Twitch-Eventsub-Message-Type` and the JSON field `challenge` (the handshake*) |
//! | `woocommerce` | the form field `webhook_id` (the unsigned creation ping) |
//! | `slack` | the JSON fields `type` and `challenge` (the handshake*) |
//! | `zoom` | the JSON fields `event` and `payload.plainToken` (the handshake*) |
//! | `discord` | the JSON field `type` (the PING handshake*) |
//! | `linear` | the JSON field `webhookTimestamp` (the signed timestamp) |
//! | `mailgun` | `Content-Type` (multipart is refused); the JSON fields `signature.timestamp`, `signature.token`, `signature.signature`, `signature.parent-signature`, or the form fields `timestamp`, `token`, `signature` |
//!
//! \* A signed handshake is answered only for a request that verified, so
//! random input never reaches it; the row still shapes the bodies like the
//! ones the scheme reads.
//!
//! Twilio reads every form field and Dropbox the query's `challenge`: the
//! fuzzed body and path reach those without help. No scheme reads `Host`,
//! since the verifier has a public URL.
//!
//! The table is keyed by [`name`](webhook_verify::SignatureScheme::name), so
//! that a scheme's row can be written before its variant exists; a row
//! for a name that is not in [`Scheme::ALL`] is unused.

use http::{HeaderName, header};
use webhook_verify::{Scheme, SignatureScheme, headers};

/// Headers and body fields a scheme reads beyond its signature, timestamp
/// and id headers.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExtraReads {
    /// Header names.
    pub headers: &'static [HeaderName],
    /// Body fields, as JSON paths with `.` between the levels; a form
    /// body uses the last level as the field name.
    pub body_fields: &'static [&'static str],
}

static SVIX: [HeaderName; 3] = [
    headers::SVIX_ID,
    headers::SVIX_TIMESTAMP,
    headers::SVIX_SIGNATURE,
];

/// Twitch's `Twitch-Eventsub-Message-Type`; the library keeps the constant
/// private to its module, so it is written here once.
static TWITCH: [HeaderName; 1] = [HeaderName::from_static("twitch-eventsub-message-type")];

/// The row of the table above for the scheme called `name`.
pub fn extra_reads(name: &str) -> ExtraReads {
    match name {
        "standard" | "standard-v1a" => row(&SVIX, &[]),
        "twitch" => row(&TWITCH, &["challenge"]),
        "woocommerce" => row(&[], &["webhook_id"]),
        "slack" => row(&[], &["type", "challenge"]),
        "zoom" => row(&[], &["event", "payload.plainToken"]),
        "discord" => row(&[], &["type"]),
        "linear" => row(&[], &["webhookTimestamp"]),
        "mailgun" => row(
            &[header::CONTENT_TYPE],
            &[
                "signature.timestamp",
                "signature.token",
                "signature.signature",
                "signature.parent-signature",
            ],
        ),
        _ => ExtraReads::default(),
    }
}

const fn row(headers: &'static [HeaderName], body_fields: &'static [&'static str]) -> ExtraReads {
    ExtraReads {
        headers,
        body_fields,
    }
}

/// Every header name the driver writes for `scheme`, in input order:
/// signature, timestamp, id, then the extra ones.
pub fn header_names(scheme: Scheme) -> Vec<HeaderName> {
    let own = [
        scheme.signature_header(),
        scheme.timestamp_header(),
        scheme.id_header(),
    ];
    let mut names: Vec<HeaderName> = own.into_iter().flatten().collect();
    for name in extra_reads(scheme.name()).headers {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}
