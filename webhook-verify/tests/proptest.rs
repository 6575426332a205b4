//! Property tests of the pure API: sign → verify round trips for every
//! scheme on random bodies (binary, non-UTF-8, empty), timestamps, ids and
//! secrets, and the ways a request can be altered after signing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use webhook_verify::scheme::Algorithm;
use webhook_verify::{ErrorKind, Scheme, SignatureScheme as _, Signer, Verified, Verifier};

/// A secret (or, for public-key schemes, a signing key) as the provider
/// shows it, built from random key bytes: Standard Webhooks secrets are
/// `whsec_<base64>`, the others are text used as-is.
fn display_secret(scheme: Scheme, key: &[u8]) -> String {
    match scheme {
        Scheme::Standard => format!("whsec_{}", BASE64.encode(key)),
        // group C: an Ed25519 seed derived from the random bytes, in hex.
        Scheme::Discord => hex::encode(seed(key)),
        Scheme::StandardV1a => format!("whsk_{}", BASE64.encode(seed(key))),
        // A P-256 scalar (base64; PKCS#8 DER is the usual form, both work).
        Scheme::SendGrid => BASE64.encode(seed(key)),
        // Any text works; hex keeps it printable and makes distinct keys
        // distinct secrets.
        _ => hex::encode(key),
    }
}

/// The verifying key for a [`display_secret`]: the secret itself, or the
/// public key of a public-key scheme, as the provider shows it.
fn display_verifying_key(scheme: Scheme, secret: &str) -> String {
    match scheme {
        Scheme::Discord => hex::encode(ed25519_public(&hex::decode(secret).expect("hex seed"))),
        Scheme::StandardV1a => {
            let seed = BASE64
                .decode(secret.trim_start_matches("whsk_"))
                .expect("base64 seed");
            format!("whpk_{}", BASE64.encode(ed25519_public(&seed)))
        }
        Scheme::SendGrid => BASE64.encode(p256_public(&BASE64.decode(secret).expect("base64"))),
        _ => secret.to_owned(),
    }
}

/// 32 bytes derived from random key bytes: a valid Ed25519 seed, and a
/// valid P-256 scalar but with negligible probability.
fn seed(key: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(key).into()
}

fn ed25519_public(seed: &[u8]) -> [u8; 32] {
    let seed: [u8; 32] = seed.try_into().expect("a 32-byte seed");
    ed25519_dalek::SigningKey::from_bytes(&seed)
        .verifying_key()
        .to_bytes()
}

/// The uncompressed SEC1 point of a P-256 scalar.
fn p256_public(scalar: &[u8]) -> Vec<u8> {
    p256::ecdsa::SigningKey::from_slice(scalar)
        .expect("a SHA-256 output is a valid scalar but with negligible probability")
        .verifying_key()
        .to_sec1_point(false)
        .as_bytes()
        .to_vec()
}

/// Raw signing and verifying key bytes from random bytes: the bytes
/// themselves for shared secrets, a derived key pair for public keys.
fn raw_key_pair(scheme: Scheme, key: &[u8]) -> (Vec<u8>, Vec<u8>) {
    match scheme.algorithm() {
        Algorithm::Ed25519 => (seed(key).to_vec(), ed25519_public(&seed(key)).to_vec()),
        Algorithm::EcdsaP256 => (seed(key).to_vec(), p256_public(&seed(key))),
        _ => (key.to_vec(), key.to_vec()),
    }
}

fn verifier(scheme: Scheme, secrets: &[String], now: i64) -> Verifier {
    secrets
        .iter()
        .fold(Verifier::builder(scheme), |b, s| {
            b.secret(display_verifying_key(scheme, s))
        })
        .clock(move || now)
        .build()
        .expect("generated secrets are valid")
}

fn sign(
    scheme: Scheme,
    secrets: &[String],
    body: &[u8],
    timestamp: i64,
    id: Option<&str>,
) -> HeaderMap {
    Signer::with_secrets(scheme, secrets)
        .expect("generated secrets are valid")
        .sign(body, timestamp, id)
        .expect("signing with a non-negative timestamp and an id")
}

/// The event id our signer must be given: Standard Webhooks requires one.
fn id_for(scheme: Scheme, id: &Option<String>) -> Option<String> {
    match scheme {
        // The schemes that sign their id need one.
        Scheme::Standard | Scheme::StandardV1a | Scheme::Twitch => {
            Some(id.clone().unwrap_or_else(|| "msg_default".to_owned()))
        }
        _ => id.clone(),
    }
}

/// Rewrites the signed timestamp in `headers` to `to`, keeping the MACs.
fn set_timestamp(scheme: Scheme, headers: &mut HeaderMap, from: i64, to: i64) {
    if named(scheme, &["zendesk"]) {
        let name = scheme.timestamp_header().expect("Zendesk's own header");
        assert_eq!(
            headers[&name],
            iso8601(from).as_str(),
            "the helper's format"
        );
        headers.insert(name, HeaderValue::from_str(&iso8601(to)).expect("ASCII"));
        return;
    }
    if let Some(name) = scheme.timestamp_header() {
        headers.insert(
            name,
            HeaderValue::from_str(&timestamp_text(scheme, to)).expect("ASCII"),
        );
        return;
    }
    if named(scheme, &["paddle"]) {
        let value = headers["paddle-signature"]
            .to_str()
            .expect("ASCII")
            .to_owned();
        let prefix = format!("ts={from};");
        let rest = value
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{value:?} starts with {prefix:?}"));
        let changed = format!("ts={to};{rest}");
        headers.insert(
            "paddle-signature",
            HeaderValue::from_str(&changed).expect("ASCII"),
        );
        return;
    }
    assert_eq!(scheme, Scheme::Stripe, "{scheme} signs no timestamp");
    let value = headers["stripe-signature"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    let prefix = format!("t={from},");
    let rest = value
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{value:?} starts with {prefix:?}"));
    let changed = format!("t={to},{rest}");
    headers.insert(
        "stripe-signature",
        HeaderValue::from_str(&changed).expect("ASCII"),
    );
}

fn expected_event_id(scheme: Scheme, id: Option<&str>) -> Option<String> {
    match scheme {
        // These schemes carry an id header; Stripe's and Slack's id is in the body.
        Scheme::Webhook | Scheme::Standard | Scheme::GitHub | Scheme::StandardV1a => {
            id.map(str::to_owned)
        }
        // Group B: Twilio's I-Twilio-Idempotency-Token.
        Scheme::Twilio | Scheme::Twitch | Scheme::Linear => id.map(str::to_owned),
        // Group A: the schemes with an id header report it.
        other if named(other, GROUP_A) && other.id_header().is_some() => id.map(str::to_owned),
        _ => None,
    }
}

/// Group A's schemes, by name.
const GROUP_A: &[&str] = &[
    "shopify",
    "razorpay",
    "intercom",
    "woocommerce",
    "typeform",
    "lemonsqueezy",
    "sentry",
    "coinbase",
    "paddle",
    "zendesk",
    "gitlab",
];

fn named(scheme: Scheme, names: &[&str]) -> bool {
    names.contains(&scheme.to_string().as_str())
}

/// Whether the scheme signs the body: GitLab sends a shared token, so a
/// changed body is not detected (its rules are in `tests/vectors/group_a.rs`).
fn signs_body(scheme: Scheme) -> bool {
    !named(scheme, &["gitlab"])
}

/// Whether any text secret works: a token goes into a header as it is, so
/// GitLab's must be visible ASCII (non-ASCII is a configuration error).
fn any_text_secret(scheme: Scheme) -> bool {
    scheme != Scheme::Standard && !named(scheme, &["gitlab"]) && scheme.algorithm().is_symmetric()
}

/// `ts` brought into the range the scheme can write: Zendesk's ISO 8601
/// timestamps have a four-digit year (up to 9999-12-31T23:59:59Z).
fn signable(scheme: Scheme, ts: i64) -> i64 {
    if named(scheme, &["zendesk"]) {
        ts % 253_402_300_800
    } else {
        ts
    }
}

/// Schemes that carry one signature: a signer with several secrets signs
/// with the first.
fn single_signature_schemes() -> Vec<Scheme> {
    Scheme::ALL
        .iter()
        .copied()
        .filter(|s| {
            matches!(s, Scheme::GitHub | Scheme::Slack)
                || (named(*s, GROUP_A) && !named(*s, &["paddle"]))
        })
        .collect()
}

/// Schemes that carry one signature per secret of a sender's rotation.
fn multi_signature(scheme: Scheme) -> bool {
    matches!(
        scheme,
        Scheme::Webhook | Scheme::Stripe | Scheme::Standard | Scheme::StandardV1a
    ) || named(scheme, &["paddle"])
}

/// Zendesk's timestamp text for `ts` (UTC, whole seconds), from the civil
/// calendar algorithm of H. Hinnant's `civil_from_days`.
fn iso8601(ts: i64) -> String {
    let (days, secs) = (ts.div_euclid(86_400), ts.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn assert_metadata(verified: &Verified, scheme: Scheme, timestamp: i64, id: Option<&str>) {
    assert_eq!(verified.scheme, scheme.to_string());
    assert_eq!(
        verified.timestamp,
        scheme.has_timestamp().then_some(timestamp)
    );
    assert_eq!(verified.event_id, expected_event_id(scheme, id));
}

/// The largest timestamp (Unix seconds) a scheme can write: HubSpot's
/// header is in milliseconds.
fn max_timestamp(scheme: Scheme) -> i64 {
    match scheme {
        // Group B.
        Scheme::HubSpot => i64::MAX / 1000,
        // 9999-12-31T23:59:59Z.
        Scheme::Twitch => 253_402_300_799,
        // Linear's webhookTimestamp is in milliseconds.
        Scheme::Linear => i64::MAX / 1000,
        _ => i64::MAX,
    }
}

/// A generated timestamp the scheme can write.
fn fit_timestamp(scheme: Scheme, ts: i64) -> i64 {
    signable(scheme, ts).min(max_timestamp(scheme))
}

/// The timestamp header's text for `secs`, as the scheme's signer writes
/// it (HubSpot in milliseconds, Twitch in RFC 3339).
fn timestamp_text(scheme: Scheme, secs: i64) -> String {
    // 32 bytes of 'k': an HMAC key, a token, an Ed25519 seed and a P-256
    // scalar alike.
    let headers = Signer::from_secrets(scheme, &[b"k".repeat(32).into()])
        .expect("a key")
        .sign(b"", secs, Some("id"))
        .expect("a writable timestamp");
    let name = scheme.timestamp_header().expect("a timestamp header");
    headers[name].to_str().expect("ASCII").to_owned()
}

/// Whether a changed, added or removed body byte must break the signature
/// (see [`byte_tamper_is_a_mismatch`]; GitLab's token signs no body).
fn signs_body_bytes(scheme: Scheme) -> bool {
    byte_tamper_is_a_mismatch(scheme) && signs_body(scheme)
}

/// Whether any changed, added or removed body byte must be a signature
/// mismatch. Not for Twilio, which signs the decoded, sorted form
/// parameters (a reordered or re-encoded form verifies by design), nor for
/// Linear, whose body must stay JSON carrying its timestamp (a changed
/// byte may make it a malformed body first); `twilio_*` and `linear_*`
/// below give their rules.
fn byte_tamper_is_a_mismatch(scheme: Scheme) -> bool {
    !matches!(scheme, Scheme::Twilio | Scheme::Linear)
}

/// Whether the signed timestamp travels in the body (Linear's
/// `webhookTimestamp`) rather than in a header.
fn timestamp_in_body(scheme: Scheme) -> bool {
    matches!(scheme, Scheme::Linear)
}

/// A generated body in the shape the scheme reads: Twilio's is a form, so
/// the bytes become one percent-encoded (lossy UTF-8) parameter; Linear's
/// is JSON carrying the timestamp `ts` (ms) and the bytes as hex.
fn fit_body(scheme: Scheme, body: Vec<u8>, ts: i64) -> Vec<u8> {
    match scheme {
        Scheme::Linear => linear_body(ts, &hex::encode(body)),
        Scheme::Twilio => {
            let text = String::from_utf8_lossy(&body);
            let value: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
            format!("Body={value}").into_bytes()
        }
        _ => body,
    }
}

/// The schemes that sign the body they are given and send the signature
/// in a header, so that random bytes can be a body. Mailgun (a signature
/// inside a JSON body that is itself unsigned) has its own property below.
fn scheme() -> impl Strategy<Value = Scheme> {
    let in_headers: Vec<Scheme> = Scheme::ALL
        .iter()
        .copied()
        .filter(|s| s.signature_header().is_some())
        .collect();
    prop::sample::select(in_headers)
}

/// Bodies: often empty, often tiny, sometimes several KiB; arbitrary bytes,
/// so mostly not UTF-8.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => Just(Vec::new()),
        3 => prop::collection::vec(any::<u8>(), 1..64),
        2 => prop::collection::vec(any::<u8>(), 64..8192),
    ]
}

/// Any timestamp a sender may sign: small, current, and near `i64::MAX`.
fn timestamp() -> impl Strategy<Value = i64> {
    prop_oneof![
        0i64..1_000,
        1_500_000_000i64..2_500_000_000,
        (i64::MAX - 1_000)..=i64::MAX,
        0i64..=i64::MAX,
    ]
}

/// Event ids: visible ASCII (what a header can carry), including `.`, `,`
/// and `=`, which are separators elsewhere in the formats.
fn event_id() -> impl Strategy<Value = Option<String>> {
    prop::option::of("[!-~]{1,64}")
}

fn key() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 1..64)
}

/// `n` distinct keys (a leading index byte keeps them apart).
fn keys(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(key(), n).prop_map(|keys| {
        keys.into_iter()
            .enumerate()
            .map(|(i, mut k)| {
                k.insert(0, u8::try_from(i).expect("fewer than 256 keys"));
                k
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip(
        scheme in scheme(),
        body in body(),
        ts in timestamp(),
        id in event_id(),
        key in key(),
    ) {
        let ts = fit_timestamp(scheme, ts);
        let body = fit_body(scheme, body, ts);
        let secret = vec![display_secret(scheme, &key)];
        let id = id_for(scheme, &id);
        let headers = sign(scheme, &secret, &body, ts, id.as_deref());
        let verified = verifier(scheme, &secret, ts)
            .verify(&headers, &body)
            .unwrap_or_else(|err| panic!("{scheme} rejected its own signature: {err}"));
        assert_metadata(&verified, scheme, ts, id.as_deref());
        prop_assert_eq!(verified.secret_index, 0);
    }

    #[test]
    fn round_trip_with_unicode_text_secret(
        scheme in scheme().prop_filter("uses any secret text as-is", |s| any_text_secret(*s)),
        body in body(),
        ts in timestamp(),
        secret in "\\PC{1,32}",
    ) {
        let ts = fit_timestamp(scheme, ts);
        let body = fit_body(scheme, body, ts);
        // Secrets that are not ASCII are keyed by their UTF-8 bytes.
        let secret = vec![secret];
        let id = id_for(scheme, &None);
        let headers = sign(scheme, &secret, &body, ts, id.as_deref());
        let verified = verifier(scheme, &secret, ts)
            .verify(&headers, &body)
            .unwrap_or_else(|err| panic!("{scheme}: {err}"));
        prop_assert_eq!(verified.secret_index, 0);
    }

    #[test]
    fn round_trip_with_raw_key_bytes(
        // A token must be visible ASCII to travel in a header; raw bytes aren't.
        scheme in scheme().prop_filter("key bytes are not text", |s| !named(*s, &["gitlab"])),
        body in body(),
        ts in timestamp(),
        key in key(),
    ) {
        let ts = fit_timestamp(scheme, ts);
        let body = fit_body(scheme, body, ts);
        // The byte-level API skips the scheme's decoding, on both sides.
        let id = id_for(scheme, &None);
        let (signing, verifying) = raw_key_pair(scheme, &key);
        let headers = Signer::from_secrets(scheme, &[signing.into()])
            .expect("non-empty key")
            .sign(&body, ts, id.as_deref())
            .expect("signing");
        let verified = Verifier::builder(scheme)
            .secret_bytes(verifying)
            .build()
            .expect("non-empty key")
            .verify_at(&headers, &body, ts)
            .unwrap_or_else(|err| panic!("{scheme}: {err}"));
        assert_metadata(&verified, scheme, ts, id.as_deref());
    }

    #[test]
    fn flipped_body_bit_is_rejected(
        scheme in scheme().prop_filter("signs the body bytes", |s| signs_body_bytes(*s)),
        body in prop::collection::vec(any::<u8>(), 1..4096),
        index in any::<prop::sample::Index>(),
        bit in 0u8..8,
        ts in timestamp(),
        key in key(),
    ) {
        let ts = fit_timestamp(scheme, ts);
        let secret = vec![display_secret(scheme, &key)];
        let id = id_for(scheme, &None);
        let headers = sign(scheme, &secret, &body, ts, id.as_deref());
        let mut tampered = body.clone();
        tampered[index.index(body.len())] ^= 1 << bit;
        let err = verifier(scheme, &secret, ts).verify(&headers, &tampered).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
        prop_assert_eq!(err.status(), 401);
    }

    #[test]
    fn added_or_removed_byte_is_rejected(
        scheme in scheme().prop_filter("signs the body bytes", |s| signs_body_bytes(*s)),
        body in body(),
        extra in any::<u8>(),
        ts in timestamp(),
        key in key(),
    ) {
        let ts = fit_timestamp(scheme, ts);
        let secret = vec![display_secret(scheme, &key)];
        let id = id_for(scheme, &None);
        let headers = sign(scheme, &secret, &body, ts, id.as_deref());
        let verifier = verifier(scheme, &secret, ts);

        let mut longer = body.clone();
        longer.push(extra);
        let err = verifier.verify(&headers, &longer).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);

        if let Some((_, shorter)) = body.split_last() {
            let err = verifier.verify(&headers, shorter).unwrap_err();
            prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
        }
    }

    #[test]
    fn tampered_timestamp_is_rejected(
        scheme in scheme().prop_filter("signs a timestamp in a header", |s| {
            s.has_timestamp() && !timestamp_in_body(*s)
        }),
        body in body(),
        ts in 0i64..4_000_000_000,
        delta in prop_oneof![-300i64..0, 1i64..=300],
        key in key(),
    ) {
        let body = fit_body(scheme, body, ts);
        // Within the tolerance, so only the MAC can catch it.
        let moved = (ts + delta).max(0);
        prop_assume!(moved != ts);
        let secret = vec![display_secret(scheme, &key)];
        let id = id_for(scheme, &None);
        let mut headers = sign(scheme, &secret, &body, ts, id.as_deref());
        set_timestamp(scheme, &mut headers, ts, moved);
        // A 300 s window whatever the provider's own (Paddle's is 5 s).
        let verifier = Verifier::builder(scheme)
            .secret(display_verifying_key(scheme, &secret[0]))
            .tolerance(std::time::Duration::from_secs(300))
            .clock(move || ts)
            .build()
            .expect("generated secrets are valid");
        let err = verifier.verify(&headers, &body).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    }

    #[test]
    fn wrong_secret_is_rejected(
        scheme in scheme(),
        body in body(),
        ts in timestamp(),
        keys in keys(2..3),
    ) {
        let ts = fit_timestamp(scheme, ts);
        let body = fit_body(scheme, body, ts);
        let signer_secret = vec![display_secret(scheme, &keys[0])];
        let receiver_secret = vec![display_secret(scheme, &keys[1])];
        let id = id_for(scheme, &None);
        let headers = sign(scheme, &signer_secret, &body, ts, id.as_deref());
        let err = verifier(scheme, &receiver_secret, ts).verify(&headers, &body).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
        prop_assert_eq!(err.status(), 401);
    }

    #[test]
    fn standard_event_id_is_signed(
        body in body(),
        ts in timestamp(),
        id in "[!-~]{1,64}",
        other in "[!-~]{1,64}",
        key in key(),
    ) {
        prop_assume!(id != other);
        let secret = vec![display_secret(Scheme::Standard, &key)];
        let mut headers = sign(Scheme::Standard, &secret, &body, ts, Some(&id));
        headers.insert("webhook-id", HeaderValue::from_str(&other).expect("visible ASCII"));
        let err = verifier(Scheme::Standard, &secret, ts).verify(&headers, &body).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    }

    #[test]
    fn receiver_rotation_reports_the_matching_secret(
        scheme in scheme(),
        body in body(),
        ts in timestamp(),
        keys in keys(1..6),
        pick in any::<prop::sample::Index>(),
    ) {
        let ts = fit_timestamp(scheme, ts);
        let body = fit_body(scheme, body, ts);
        // The receiver knows several secrets; the sender uses one of them.
        let secrets: Vec<String> = keys.iter().map(|k| display_secret(scheme, k)).collect();
        let k = pick.index(secrets.len());
        let id = id_for(scheme, &None);
        let headers = sign(scheme, &secrets[k..=k], &body, ts, id.as_deref());
        let verified = verifier(scheme, &secrets, ts)
            .verify(&headers, &body)
            .unwrap_or_else(|err| panic!("{scheme}: {err}"));
        prop_assert_eq!(verified.secret_index, k);
    }

    #[test]
    fn sender_rotation_is_accepted_by_a_receiver_with_either_secret(
        scheme in scheme().prop_filter("carries several signatures", |s| multi_signature(*s)),
        body in body(),
        ts in timestamp(),
        keys in keys(4..5),
    ) {
        let ts = fit_timestamp(scheme, ts);
        // Sender mid-rotation signs with old and new; receivers that know
        // only one of them, or neither, or both in some order.
        let s: Vec<String> = keys.iter().map(|k| display_secret(scheme, k)).collect();
        let (old, new, unrelated, other) = (&s[0], &s[1], &s[2], &s[3]);
        let id = id_for(scheme, &None);
        let headers = sign(scheme, &[old.clone(), new.clone()], &body, ts, id.as_deref());

        for (receiver, expected) in [
            (vec![old.clone()], Some(0)),
            (vec![new.clone()], Some(0)),
            (vec![unrelated.clone(), new.clone()], Some(1)),
            (vec![unrelated.clone(), other.clone(), old.clone()], Some(2)),
            (vec![new.clone(), old.clone()], Some(0)),
            (vec![unrelated.clone(), other.clone()], None),
        ] {
            let result = verifier(scheme, &receiver, ts).verify(&headers, &body);
            match expected {
                Some(index) => {
                    let verified = result.unwrap_or_else(|err| panic!("{scheme}: {err}"));
                    prop_assert_eq!(verified.secret_index, index);
                }
                None => prop_assert_eq!(result.unwrap_err().kind(), ErrorKind::SignatureMismatch),
            }
        }
    }

    #[test]
    fn single_signature_schemes_sign_with_the_first_secret(
        scheme in prop::sample::select(single_signature_schemes()),
        body in body(),
        ts in timestamp(),
        keys in keys(2..3),
    ) {
        let ts = fit_timestamp(scheme, ts);
        // GitHub and Slack carry one signature: during a rotation the first
        // secret given to the signer is the one that signs.
        let s: Vec<String> = keys.iter().map(|k| display_secret(scheme, k)).collect();
        let headers = sign(scheme, &s, &body, ts, None);
        let first = verifier(scheme, &s[..1], ts).verify(&headers, &body);
        prop_assert!(first.is_ok(), "{:?}", first);
        let second = verifier(scheme, &s[1..], ts).verify(&headers, &body).unwrap_err();
        prop_assert_eq!(second.kind(), ErrorKind::SignatureMismatch);
    }

    #[test]
    fn mailgun_round_trip_signs_the_timestamp_and_token_only(
        event in "[ -~]{0,64}",
        ts in timestamp(),
        token in "[!-~]{1,64}",
        other in "[!-~]{1,64}",
        key in key(),
    ) {
        let secret = vec![display_secret(Scheme::Mailgun, &key)];
        let body = serde_json::json!({"event-data": {"event": event}}).to_string();
        let (headers, signed) = Signer::with_secrets(Scheme::Mailgun, &secret)
            .expect("valid secret")
            .sign_body(body.as_bytes(), ts, Some(&token))
            .expect("a JSON object and a token");
        let verifier = verifier(Scheme::Mailgun, &secret, ts);
        let verified = verifier
            .verify(&headers, &signed)
            .unwrap_or_else(|err| panic!("mailgun: {err}"));
        prop_assert_eq!(verified.event_id.as_deref(), Some(token.as_str()));
        prop_assert!(verified.event_id_signed);
        prop_assert_eq!(verified.timestamp, Some(ts));
        // Another token in the same signature object is a mismatch.
        prop_assume!(token != other);
        let quoted = |t: &str| serde_json::Value::from(t).to_string();
        let text = String::from_utf8(signed).expect("UTF-8");
        let forged = text.replacen(
            &format!(r#""token":{}"#, quoted(&token)),
            &format!(r#""token":{}"#, quoted(&other)),
            1,
        );
        let err = verifier.verify(&headers, forged.as_bytes()).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    }
}

/// Twilio form parameters: names and values of any Unicode text.
fn twilio_params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(("\\PC{1,12}", "\\PC{0,24}"), 1..8)
}

fn twilio_form(params: &[(String, String)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
        .into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Twilio's rules in place of the byte-level ones: any form round-trips,
    /// in any order, and a changed or added parameter is a mismatch.
    #[test]
    fn twilio_parameters_are_signed(
        params in twilio_params(),
        extra in ("\\PC{1,12}", "\\PC{0,12}"),
        pick in any::<prop::sample::Index>(),
        key in key(),
    ) {
        // Distinct names, so that a changed value can't equal another pair.
        let names: std::collections::HashSet<&String> = params.iter().map(|(n, _)| n).collect();
        prop_assume!(names.len() == params.len());
        let secret = vec![display_secret(Scheme::Twilio, &key)];
        let body = twilio_form(&params);
        let headers = sign(Scheme::Twilio, &secret, &body, 0, None);
        let verifier = verifier(Scheme::Twilio, &secret, 0);
        verifier.verify(&headers, &body).unwrap_or_else(|err| panic!("{err}"));

        let mut reversed = params.clone();
        reversed.reverse();
        verifier.verify(&headers, &twilio_form(&reversed)).unwrap_or_else(|err| panic!("{err}"));

        let mut changed = params.clone();
        let i = pick.index(changed.len());
        changed[i].1.push('x');
        let err = verifier.verify(&headers, &twilio_form(&changed)).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);

        prop_assume!(!params.contains(&extra));
        let mut added = params.clone();
        added.push(extra);
        let err = verifier.verify(&headers, &twilio_form(&added)).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    }
}

/// A Linear body: JSON with `webhookTimestamp` (ms) and some data.
fn linear_body(ts: i64, data: &str) -> Vec<u8> {
    serde_json::json!({ "action": "create", "data": data, "webhookTimestamp": ts * 1000 })
        .to_string()
        .into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Linear's rules in place of the byte-level and header ones: the
    /// body's data and its timestamp are both signed.
    #[test]
    fn linear_body_and_timestamp_are_signed(
        data in "\\PC{1,64}",
        ts in 0i64..4_000_000_000,
        delta in prop_oneof![-60i64..0, 1i64..=60],
        pick in any::<prop::sample::Index>(),
        key in key(),
    ) {
        let secret = vec![display_secret(Scheme::Linear, &key)];
        let body = linear_body(ts, &data);
        let headers = sign(Scheme::Linear, &secret, &body, 0, None);
        let verifier = verifier(Scheme::Linear, &secret, ts);
        let verified = verifier.verify(&headers, &body).unwrap_or_else(|err| panic!("{err}"));
        prop_assert_eq!(verified.timestamp, Some(ts));

        let mut changed: Vec<char> = data.chars().collect();
        let i = pick.index(changed.len());
        changed[i] = if changed[i] == 'x' { 'y' } else { 'x' };
        let changed: String = changed.into_iter().collect();
        let err = verifier.verify(&headers, &linear_body(ts, &changed)).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);

        // Moved within the tolerance, so only the MAC can catch it.
        let moved = (ts + delta).max(0);
        prop_assume!(moved != ts);
        let err = verifier.verify(&headers, &linear_body(moved, &data)).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    }
}
