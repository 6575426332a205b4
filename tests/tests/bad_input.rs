//! The bad-input corpus: well over a hundred malformed requests across every
//! scheme, sent to both layers (verify, then idempotency with the event id
//! taken from the signed body). Each must get a 4xx from our layers — never
//! a 5xx, never a panic — and the handler must never run.
//!
//! Its counterpart against the real `webhook listen` binary, over raw TCP
//! (oversized and trickled bodies, malformed chunk framing, slow headers,
//! half-close, forged log lines), is `webhook-cli/tests/listen_hostile.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::routing::post;
use bytes::Bytes;
use futures_util::stream;
use http::{HeaderMap, HeaderValue, Request};
use http_body_util::StreamBody;
use tower::ServiceExt;
use webhook_idempotency::{IdSource, IdempotencyLayer, MemoryStore};
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{Scheme, SignatureScheme, Signer, Verifier, VerifyLayer};

const NOW: i64 = 1_700_000_000;
const LIMIT: usize = 16 * 1024;
const STANDARD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
// `webhookTimestamp` (NOW in ms) is Linear's signed timestamp; the other
// schemes ignore it.
const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.paid","webhookTimestamp":1700000000000}"#;

#[path = "../../webhook-verify/tests/common/fixtures.rs"]
mod fixtures;

/// The verifying key: the shared secret, or a public key (from the shared
/// fixtures) for public-key schemes.
fn secret(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Standard => STANDARD_SECRET,
        s if !s.algorithm().is_symmetric() => fixtures::keys(s).verify,
        _ => "corpus-secret",
    }
}

/// The signing key that goes with [`secret`].
fn signing_key(scheme: Scheme) -> &'static str {
    if scheme.algorithm().is_symmetric() {
        secret(scheme)
    } else {
        fixtures::keys(scheme).sign
    }
}

/// Both layers, the idempotency one taking the event id from the signed
/// body's `/id` (as for Stripe), over a counting handler.
fn app(scheme: Scheme, calls: Arc<AtomicUsize>) -> Router {
    let verifier = Verifier::builder(scheme)
        .secret(secret(scheme))
        .clock(|| NOW)
        .build()
        .expect("valid verifier");
    let dedupe = IdempotencyLayer::builder(MemoryStore::new())
        .event_id(IdSource::json("/id"))
        .build()
        .expect("valid idempotency configuration");
    Router::new()
        .route(
            "/hook",
            post(move || async move {
                calls.fetch_add(1, Ordering::SeqCst);
                "processed"
            }),
        )
        .layer(dedupe)
        .layer(VerifyLayer::new(verifier).body_limit(LIMIT))
}

fn signed(scheme: Scheme, body: &[u8], ts: i64) -> HeaderMap {
    // Signed for `POST /hook` (no Host), the request every case is sent as,
    // since Square, Twilio and HubSpot sign the URL the layer rebuilds.
    let none = HeaderMap::new();
    let uri = http::Uri::from_static("/hook");
    let target = WebhookRequest::new(&none, body).with_uri(&uri);
    Signer::new(scheme, signing_key(scheme))
        .expect("valid signer")
        .sign_request(&target, ts, Some("evt_1"))
        .expect("signable")
}

/// Renders a signature header value carrying `sig` in the scheme's syntax.
fn sig_value(scheme: Scheme, sig: &str) -> String {
    match scheme {
        Scheme::Stripe => format!("t={NOW},v1={sig}"),
        Scheme::Standard => format!("v1,{sig}"),
        Scheme::GitHub => format!("sha256={sig}"),
        Scheme::Slack => format!("v0={sig}"),
        other => match other.to_string().as_str() {
            // Group A.
            "shopify" | "razorpay" | "woocommerce" | "lemonsqueezy" | "sentry" | "coinbase"
            | "zendesk" | "gitlab" => sig.to_owned(),
            // Group B: the bare MAC.
            "square" | "twilio" | "hubspot" | "dropbox" | "linear" => sig.to_owned(),
            "zoom" => format!("v0={sig}"),
            "twitch" => format!("sha256={sig}"),
            "intercom" => format!("sha1={sig}"),
            "typeform" => format!("sha256={sig}"),
            "paddle" => format!("ts={NOW};h1={sig}"),
            // group C
            "discord" | "sendgrid" => sig.to_owned(),
            "standard-v1a" => format!("v1a,{sig}"),
            _ => format!("v1={sig}"),
        },
    }
}

/// Whether the scheme signs the body (GitLab sends a shared token).
fn body_is_signed(scheme: Scheme) -> bool {
    scheme.to_string() != "gitlab"
}

/// Renders a timestamp in the scheme's place: its own header, or Stripe's
/// `t=` (Paddle's `ts=`).
fn with_timestamp(scheme: Scheme, headers: &mut HeaderMap, ts: &[u8]) {
    if scheme.to_string() == "paddle" {
        let value = headers["paddle-signature"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let rest = value.split_once(';').map_or("", |(_, rest)| rest);
        let mut raw = b"ts=".to_vec();
        raw.extend_from_slice(ts);
        raw.push(b';');
        raw.extend_from_slice(rest.as_bytes());
        headers.insert("paddle-signature", header(&raw));
    } else if scheme == Scheme::Stripe {
        let value = headers["stripe-signature"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let rest = value.split_once(',').map_or("", |(_, rest)| rest);
        let mut raw = b"t=".to_vec();
        raw.extend_from_slice(ts);
        raw.push(b',');
        raw.extend_from_slice(rest.as_bytes());
        headers.insert("stripe-signature", header(&raw));
    } else if let Some(name) = scheme.timestamp_header() {
        headers.insert(name, header(ts));
    }
}

fn header(raw: &[u8]) -> HeaderValue {
    HeaderValue::from_bytes(raw).expect("the corpus only uses bytes HeaderValue accepts")
}

struct Case {
    name: String,
    scheme: Scheme,
    headers: HeaderMap,
    body: Body,
    content_length: Option<usize>,
}

fn case(name: impl Into<String>, scheme: Scheme, headers: HeaderMap, body: &[u8]) -> Case {
    Case {
        name: name.into(),
        scheme,
        headers,
        body: Body::from(Bytes::copy_from_slice(body)),
        content_length: Some(body.len()),
    }
}

fn corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    let bad_timestamps: &[(&str, &[u8])] = &[
        ("i64::MAX", b"9223372036854775807"),
        ("i64::MAX + 1", b"9223372036854775808"),
        ("negative", b"-5"),
        ("30 digits", b"123456789012345678901234567890"),
        ("plus sign", b"+1700000000"),
        ("leading space", b" 1700000000"),
        ("decimal", b"1700000000.0"),
        ("exponent", b"1.7e9"),
        ("hex", b"0x6553f100"),
        ("empty", b""),
        ("non-ASCII digits", "١٧٠٠٠٠٠٠٠٠".as_bytes()),
        ("latin-1 byte", b"17000\xff0000"),
        ("stale by a day", b"1699913600"),
        ("a day ahead", b"1700086400"),
    ];
    let hex64 = "ab".repeat(32);
    let bad_signatures: Vec<(&str, String)> = vec![
        ("truncated", hex64[..63].to_owned()),
        ("one byte short", hex64[..62].to_owned()),
        ("overlong", format!("{hex64}00")),
        ("non-hex", "zz".repeat(32)),
        (
            "base64 where hex is due",
            "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=".to_owned(),
        ),
        ("empty", String::new()),
        ("all zero", "00".repeat(32)),
        ("unicode", "é".repeat(32)),
        ("right length wrong MAC", "cd".repeat(32)),
        // Base64 MACs (Square, Twilio, HubSpot) of the wrong length or alphabet.
        (
            "base64 one byte short",
            "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=".to_owned(),
        ),
        (
            "base64 unpadded and short",
            "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6".to_owned(),
        ),
        (
            "URL-safe base64",
            "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq-_=".to_owned(),
        ),
        (
            "base64 of an SHA-1 size",
            "q6urq6urq6urq6urq6urq6urq6s=".to_owned(),
        ),
    ];

    for &scheme in Scheme::ALL {
        if scheme.signature_header().is_none() {
            // The signature is in the body (Mailgun): its own corpus.
            cases.extend(body_signature_corpus(scheme));
            continue;
        }
        let good = signed(scheme, BODY, NOW);

        // Every header the scheme reads: missing, duplicated, empty, non-ASCII.
        for name in good.keys() {
            let mut h = good.clone();
            h.remove(name);
            // Ids that are optional in the scheme don't make a request invalid.
            let optional = matches!(
                name.as_str(),
                "x-webhook-id" | "x-github-delivery" | "i-twilio-idempotency-token" | "linear-delivery"
            )
                // Group A's unsigned, optional delivery ids.
                || matches!(
                    name.as_str(),
                    "x-shopify-webhook-id"
                        | "x-razorpay-event-id"
                        | "x-wc-webhook-delivery-id"
                        | "request-id"
                        | "x-zendesk-webhook-invocation-id"
                        | "idempotency-key"
                );
            if !optional {
                cases.push(case(format!("{scheme}: missing {name}"), scheme, h, BODY));
            }
            let mut h = good.clone();
            let value = h[name].clone();
            h.append(name.clone(), value);
            cases.push(case(
                format!("{scheme}: duplicated {name}"),
                scheme,
                h,
                BODY,
            ));
            let mut h = good.clone();
            h.insert(name.clone(), header(b""));
            cases.push(case(format!("{scheme}: empty {name}"), scheme, h, BODY));
            let mut h = good.clone();
            h.insert(name.clone(), header(b"\xff\xfe\x80 caf\xc3\xa9"));
            cases.push(case(format!("{scheme}: non-ASCII {name}"), scheme, h, BODY));
        }
        cases.push(case(
            format!("{scheme}: no headers at all"),
            scheme,
            HeaderMap::new(),
            BODY,
        ));

        // Timestamps that overflow, carry signs, decimals or whitespace.
        // Linear's timestamp is in the body: see its cases below.
        if scheme.has_timestamp() && scheme != Scheme::Linear {
            for (what, ts) in bad_timestamps {
                let mut h = good.clone();
                with_timestamp(scheme, &mut h, ts);
                cases.push(case(format!("{scheme}: timestamp {what}"), scheme, h, BODY));
            }
            // Correctly signed, but outside the tolerance (the provider's
            // own: 300 s for most).
            let outside = i64::try_from(SignatureScheme::default_tolerance(&scheme).as_secs())
                .expect("a tolerance fits i64")
                + 1;
            for (what, ts) in [("stale", NOW - outside), ("future", NOW + outside)] {
                let h = signed(scheme, BODY, ts);
                cases.push(case(format!("{scheme}: signed {what}"), scheme, h, BODY));
            }
        }

        // Signatures of the wrong length or alphabet.
        for (what, sig) in &bad_signatures {
            let mut h = good.clone();
            h.insert(
                scheme.signature_header().expect("a header scheme"),
                header(sig_value(scheme, sig).as_bytes()),
            );
            cases.push(case(format!("{scheme}: signature {what}"), scheme, h, BODY));
        }
        // 10,000 comma- (or space-) separated entries.
        let sep = if matches!(scheme, Scheme::Standard | Scheme::StandardV1a) {
            " "
        } else {
            ","
        };
        let many = vec![sig_value(scheme, &hex64); 10_000].join(sep);
        let mut h = good.clone();
        h.insert(
            scheme.signature_header().expect("a header scheme"),
            header(many.as_bytes()),
        );
        cases.push(case(
            format!("{scheme}: 10,000 signature entries"),
            scheme,
            h,
            BODY,
        ));
        // A wrong prefix or version only.
        let mut h = good.clone();
        h.insert(
            scheme.signature_header().expect("a header scheme"),
            header(format!("v9={hex64}").as_bytes()),
        );
        cases.push(case(
            format!("{scheme}: unknown version only"),
            scheme,
            h,
            BODY,
        ));

        // The right headers for another body, and another scheme's headers.
        if body_is_signed(scheme) {
            cases.push(case(
                format!("{scheme}: tampered body"),
                scheme,
                good.clone(),
                br#"{"id":"evt_2","type":"invoice.paid"}"#,
            ));
        }
        let other = if scheme == Scheme::Webhook {
            Scheme::Stripe
        } else {
            Scheme::Webhook
        };
        cases.push(case(
            format!("{scheme}: {other}'s headers"),
            scheme,
            signed(other, BODY, NOW),
            BODY,
        ));
        let wrong_secret = Signer::new(
            scheme,
            match scheme {
                Scheme::Standard => "whsec_AAAAAAAAAAAAAAAAAAAAAAAA",
                s if !s.algorithm().is_symmetric() => fixtures::keys(s).other_sign,
                _ => "other",
            },
        )
        .expect("valid signer")
        .sign(BODY, NOW, Some("evt_1"))
        .expect("signable");
        cases.push(case(
            format!("{scheme}: wrong secret"),
            scheme,
            wrong_secret,
            BODY,
        ));

        // Bodies over the limit, with and without Content-Length.
        let big = vec![b'x'; LIMIT + 1];
        cases.push(case(
            format!("{scheme}: oversize with content-length"),
            scheme,
            signed(scheme, &big, NOW),
            &big,
        ));
        let chunks: Vec<Result<http_body::Frame<Bytes>, std::convert::Infallible>> = big
            .chunks(1000)
            .map(|c| Ok(http_body::Frame::data(Bytes::copy_from_slice(c))))
            .collect();
        // Correctly signed bodies from which no event id can be taken.
        // (A long id is an id like any other: the key is its hash.)
        let idless: [(&str, &[u8]); 10] = [
            ("not JSON", b"id=evt_1"),
            ("truncated JSON", br#"{"id":"evt_1""#),
            ("no id field", br#"{"type":"invoice.paid"}"#),
            ("empty id", br#"{"id":""}"#),
            ("null id", br#"{"id":null}"#),
            ("object id", br#"{"id":{"nested":"evt_1"}}"#),
            ("array body", br#"["evt_1"]"#),
            ("binary body", b"\xff\xfe\x00\x01"),
            ("empty body", b""),
            ("boolean id", br#"{"id":true}"#),
        ];
        for (what, body) in idless {
            let h = signed(scheme, body, NOW);
            cases.push(case(
                format!("{scheme}: signed body, {what}"),
                scheme,
                h,
                body,
            ));
        }

        // Linear: correctly signed bodies whose webhookTimestamp is stale,
        // ahead, or not a non-negative integer of milliseconds.
        if scheme == Scheme::Linear {
            let stamps: [(&str, &str); 10] = [
                ("stale", "1699999939000"),
                ("ahead", "1700000061000"),
                ("missing", ""),
                ("a string", r#""1700000000000""#),
                ("a float", "1700000000000.5"),
                ("an exponent", "1.7e12"),
                ("negative", "-1"),
                ("null", "null"),
                ("past u64", "99999999999999999999"),
                ("i64::MAX + 1", "9223372036854775808"),
            ];
            for (what, stamp) in stamps {
                let body = if stamp.is_empty() {
                    br#"{"id":"evt_1"}"#.to_vec()
                } else {
                    format!(r#"{{"id":"evt_1","webhookTimestamp":{stamp}}}"#).into_bytes()
                };
                let h = signed(scheme, &body, NOW);
                cases.push(case(
                    format!("{scheme}: webhookTimestamp {what}"),
                    scheme,
                    h,
                    &body,
                ));
            }
        }

        cases.push(Case {
            name: format!("{scheme}: oversize chunked"),
            scheme,
            headers: signed(scheme, &big, NOW),
            body: Body::new(StreamBody::new(stream::iter(chunks))),
            content_length: None,
        });
    }
    cases
}

/// The headers and body a sender sends: the body as given, or with the
/// signature embedded for schemes that carry it there (Mailgun).
fn signed_request(scheme: Scheme, body: &[u8], ts: i64) -> (HeaderMap, Vec<u8>) {
    // Signed for `POST /hook`, as `signed`.
    let none = HeaderMap::new();
    let uri = http::Uri::from_static("/hook");
    let target = WebhookRequest::new(&none, body).with_uri(&uri);
    let (headers, signed) = Signer::new(scheme, signing_key(scheme))
        .expect("valid signer")
        .sign_request_body(&target, ts, Some("evt_1"))
        .expect("signable");
    (headers, signed.unwrap_or_else(|| body.to_vec()))
}

/// Malformed requests for a scheme that carries the signature object in a
/// JSON body (Mailgun): the object missing, mistyped, or carrying bad
/// timestamps, tokens and signatures; stale, future, wrong-key and
/// oversized requests.
fn body_signature_corpus(scheme: Scheme) -> Vec<Case> {
    let (_, good) = signed_request(scheme, BODY, NOW);
    let good_text = String::from_utf8(good.clone()).expect("JSON");
    let none = HeaderMap::new();
    let mut cases = vec![
        case(
            format!("{scheme}: unsigned body"),
            scheme,
            none.clone(),
            BODY,
        ),
        case(format!("{scheme}: empty body"), scheme, none.clone(), b""),
        case(
            format!("{scheme}: binary body"),
            scheme,
            none.clone(),
            b"\xff\xfe\x00{",
        ),
        case(
            format!("{scheme}: truncated"),
            scheme,
            none.clone(),
            &good[..good.len() / 2],
        ),
        case(
            format!("{scheme}: form without fields"),
            scheme,
            none.clone(),
            b"event=delivered",
        ),
    ];
    let signature_object = good_text
        .split_once(r#""signature":{"#)
        .and_then(|(_, rest)| rest.split_once('}'))
        .map(|(object, _)| object.to_owned())
        .expect("the signer embeds a signature object");
    let field = |name: &str| {
        let start = signature_object
            .find(&format!(r#""{name}":"#))
            .expect("field present");
        let rest = &signature_object[start..];
        let end = rest.find(',').unwrap_or(rest.len());
        rest[..end].to_owned()
    };
    let mut replace = |what: &str, from: String, to: String| {
        let body = good_text.replacen(&from, &to, 1);
        assert_ne!(body, good_text, "{what}");
        cases.push(case(
            format!("{scheme}: {what}"),
            scheme,
            HeaderMap::new(),
            body.as_bytes(),
        ));
    };
    replace(
        "signature object a string",
        format!("{{{signature_object}}}"),
        r#""x""#.to_owned(),
    );
    for (what, value) in [
        ("timestamp i64::MAX + 1", r#""9223372036854775808""#),
        ("timestamp negative", r#""-5""#),
        ("timestamp decimal", "1700000000.0"),
        ("timestamp exponent", "1.7e9"),
        ("timestamp null", "null"),
        ("timestamp empty", r#""""#),
        ("timestamp non-ASCII digits", r#""١٧٠٠٠٠٠٠٠٠""#),
        ("timestamp stale by a day", r#""1699913600""#),
        ("timestamp a day ahead", r#""1700086400""#),
    ] {
        replace(what, field("timestamp"), format!(r#""timestamp":{value}"#));
    }
    for (what, value) in [
        ("token empty", r#""""#),
        ("token with a space", r#""a b""#),
        ("token a number", "5"),
        ("token non-ASCII", r#""café""#),
    ] {
        replace(what, field("token"), format!(r#""token":{value}"#));
    }
    let hex64 = "ab".repeat(32);
    for (what, value) in [
        ("signature truncated", format!(r#""{}""#, &hex64[..63])),
        ("signature overlong", format!(r#""{hex64}00""#)),
        ("signature non-hex", format!(r#""{}""#, "zz".repeat(32))),
        ("signature empty", r#""""#.to_owned()),
        ("signature a list", format!(r#"["{hex64}"]"#)),
        ("signature right length wrong MAC", format!(r#""{hex64}""#)),
    ] {
        replace(what, field("signature"), format!(r#""signature":{value}"#));
    }
    for (what, ts) in [("stale", NOW - 901), ("future", NOW + 901)] {
        let (headers, body) = signed_request(scheme, BODY, ts);
        cases.push(case(
            format!("{scheme}: signed {what}"),
            scheme,
            headers,
            &body,
        ));
    }
    let (headers, body) = Signer::new(scheme, "other")
        .expect("valid signer")
        .sign_body(BODY, NOW, Some("evt_1"))
        .expect("signable");
    cases.push(case(
        format!("{scheme}: wrong secret"),
        scheme,
        headers,
        &body,
    ));
    let mut big = br#"{"pad":""#.to_vec();
    big.extend(vec![b'x'; LIMIT]);
    big.extend(br#""}"#);
    let (headers, body) = signed_request(scheme, &big, NOW);
    cases.push(case(
        format!("{scheme}: oversize with content-length"),
        scheme,
        headers,
        &body,
    ));
    cases
}

#[tokio::test]
async fn every_malformed_request_gets_a_4xx_and_never_reaches_the_handler() {
    let cases = corpus();
    // 1,222 cases when written; every scheme has its share, so a scheme
    // dropped from the corpus (or added without cases) fails here.
    assert!(
        cases.len() >= 1200,
        "the corpus shrank to {} cases",
        cases.len()
    );
    for &scheme in Scheme::ALL {
        let own = cases.iter().filter(|c| c.scheme == scheme).count();
        assert!(own >= 20, "{scheme}: only {own} bad-input cases");
    }
    let mut failures = Vec::new();
    for case in cases {
        let calls = Arc::new(AtomicUsize::new(0));
        let mut req = Request::post("/hook")
            .body(case.body)
            .expect("valid request");
        req.headers_mut().extend(case.headers);
        if let Some(len) = case.content_length {
            req.headers_mut().insert("content-length", len.into());
        }
        let res = app(case.scheme, calls.clone())
            .oneshot(req)
            .await
            .expect("the router is infallible");
        let status = res.status();
        let ran = calls.load(Ordering::SeqCst);
        if !status.is_client_error() || ran != 0 {
            failures.push(format!(
                "{}: status {status}, handler ran {ran} time(s)",
                case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_corpus_baseline_is_accepted() {
    // Guards the corpus itself: the unmodified request of every scheme passes,
    // so each rejection above is due to its one change.
    for &scheme in Scheme::ALL {
        let calls = Arc::new(AtomicUsize::new(0));
        let (headers, body) = signed_request(scheme, BODY, NOW);
        let mut req = Request::post("/hook")
            .body(Body::from(body))
            .expect("valid request");
        req.headers_mut().extend(headers);
        let res = app(scheme, calls.clone())
            .oneshot(req)
            .await
            .expect("infallible");
        assert_eq!(res.status(), 200, "{scheme}");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{scheme}");
    }
}
