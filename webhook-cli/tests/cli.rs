//! The `webhook` binary end to end: sign, verify, send, deliver, replay.

mod common;

use std::time::Duration;

use common::{
    RecordingServer, TestCa, error_line, respond, run, stderr, stdout, unrelated_ca_pem, webhook,
};
use webhook_cli::capture::{self, CapturedRequest};
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{Scheme, Verifier};

const SECRET: &str = "s3cret";

// ---------------------------------------------------------------- sign

/// (scheme, secret, timestamp, id, body, expected stdout). The vectors are the
/// same ones webhook-verify's tests/vectors.rs checks, with their sources:
/// GitHub's and Standard Webhooks' published examples, Slack's worked example
/// (body from slackapi/python-slack-sdk tests), and Stripe/default-scheme
/// values computed independently with
/// `printf '%s' '{ts}.{body}' | openssl dgst -sha256 -hmac SECRET`.
/// (scheme, secret, timestamp, id, body, expected stdout)
type SignVector = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [u8],
    &'static str,
);

const SIGN_VECTORS: &[SignVector] = &[
    (
        "github",
        "It's a Secret to Everybody",
        "1700000000",
        None,
        b"Hello, World!",
        "X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17\n",
    ),
    (
        "standard",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "1614265330",
        Some("msg_p5jXN8AQM9LWM0D4loKWxJek"),
        br#"{"test": 2432232314}"#,
        "Webhook-Id: msg_p5jXN8AQM9LWM0D4loKWxJek\nWebhook-Timestamp: 1614265330\nWebhook-Signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\n",
    ),
    (
        "slack",
        "8f742231b10e8888abcd99yyyzzz85a5",
        "1531420618",
        None,
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
        "X-Slack-Request-Timestamp: 1531420618\nX-Slack-Signature: v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503\n",
    ),
    (
        // printf '1492774577.{\n  "id": "evt_test_webhook",\n  "object": "event"\n}' | openssl dgst -sha256 -hmac 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
        "stripe",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "1492774577",
        None,
        b"{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}",
        "Stripe-Signature: t=1492774577,v1=e8444531d0a5c50cbb0bd24fe49e5406bf0ff0084be7bb457283ee87cabbc341\n",
    ),
    (
        // printf '%s' '1700000000.{"id":"evt_1","type":"invoice.paid"}' | openssl dgst -sha256 -hmac 's3cret'
        "webhook",
        "s3cret",
        "1700000000",
        Some("evt_1"),
        br#"{"id":"evt_1","type":"invoice.paid"}"#,
        "X-Webhook-Id: evt_1\nX-Webhook-Timestamp: 1700000000\nX-Webhook-Signature: v1=c6646558874b4cae602937f1f7f25fd5ac1bc9202ae2b41e89fb23bb7cb45499\n",
    ),
];

#[test]
fn sign_prints_the_published_vectors_for_every_scheme() {
    for (scheme, secret, timestamp, id, body, expected) in SIGN_VECTORS {
        let mut cmd = webhook();
        cmd.args([
            "sign",
            "--scheme",
            scheme,
            "--secret",
            secret,
            "--timestamp",
            timestamp,
        ]);
        if let Some(id) = id {
            cmd.args(["--id", id]);
        }
        cmd.write_stdin(*body).assert().success().stdout(*expected);
    }
}

#[test]
fn sign_reads_a_file_and_the_env_secret_and_prints_json_and_curl() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("body.json");
    std::fs::write(&path, br#"{"id":"evt_1","type":"invoice.paid"}"#).unwrap();
    let output = webhook()
        .env("WEBHOOK_SECRET", SECRET)
        .args([
            "sign",
            "--timestamp",
            "1700000000",
            "--id",
            "evt_1",
            "--json",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["x-webhook-signature"],
        "v1=c6646558874b4cae602937f1f7f25fd5ac1bc9202ae2b41e89fb23bb7cb45499"
    );
    assert!(!stdout(&output).contains(SECRET) && !stderr(&output).contains(SECRET));

    let output = webhook()
        .args([
            "sign",
            "--secret",
            SECRET,
            "--timestamp",
            "1700000000",
            "--curl",
            "http://127.0.0.1:1/hooks",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let curl = stdout(&output);
    assert!(
        curl.starts_with("curl -sS -X POST 'http://127.0.0.1:1/hooks'"),
        "{curl}"
    );
    assert!(
        curl.contains("-H 'X-Webhook-Timestamp: 1700000000'"),
        "{curl}"
    );
    assert!(
        curl.contains(&format!("--data-binary '@{}'", path.display())),
        "{curl}"
    );
}

#[test]
fn sign_with_rotated_secrets_signs_with_each() {
    let output = webhook()
        .args([
            "sign",
            "--secret",
            "old",
            "--secret",
            SECRET,
            "--timestamp",
            "1700000000",
        ])
        .write_stdin(r#"{"id":"evt_1","type":"invoice.paid"}"#)
        .output()
        .unwrap();
    let text = stdout(&output);
    assert!(
        text.contains(",v1=c6646558874b4cae602937f1f7f25fd5ac1bc9202ae2b41e89fb23bb7cb45499"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_2() {
    // No secret at all.
    webhook().args(["sign"]).write_stdin("{}").assert().code(2);
    // Unknown scheme, bad duration, unknown flag: clap's own errors.
    webhook()
        .args(["sign", "--scheme", "nope", "--secret", "x"])
        .assert()
        .code(2);
    webhook()
        .args(["verify", "--secret", "x", "--tolerance", "soon"])
        .assert()
        .code(2);
    webhook()
        .args(["deliver", "http://x", "--bogus"])
        .assert()
        .code(2);
    // A malformed -H.
    webhook()
        .args(["verify", "--secret", "x", "-H", "no-colon"])
        .write_stdin("{}")
        .assert()
        .code(2);
    // A signed URL must be absolute http(s); a method must be a method.
    for url in ["/hooks", "ftp://x/hooks", "not a url"] {
        webhook()
            .args(["sign", "--secret", "x", "--url", url])
            .write_stdin("{}")
            .assert()
            .code(2)
            .stderr(predicates::str::contains("not an absolute http(s) URL"));
    }
    webhook()
        .args(["sign", "--secret", "x", "--method", "GE T"])
        .write_stdin("{}")
        .assert()
        .code(2);
    // A listener's public URL with a query can't be a base.
    webhook()
        .args([
            "listen",
            "--verify",
            "--secret",
            "x",
            "--public-url",
            "https://x.test/?a=1",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "public_url must be an absolute http(s) URL without a query",
        ));
}

#[test]
fn secrets_never_show_in_help_or_errors() {
    let output = webhook()
        .env("WEBHOOK_SECRET", "hunter2-very-secret")
        .args(["sign", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(!stdout(&output).contains("hunter2"), "{}", stdout(&output));
    let help = stdout(&webhook().arg("--help").output().unwrap());
    assert!(help.contains("Exit codes:"), "{help}");
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = webhook().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = stdout(&output);
        assert!(
            script.contains("roundtrip") && script.contains("dead-letter"),
            "{shell}"
        );
    }
    webhook().args(["completions", "tcsh"]).assert().code(2);
}

// ---------------------------------------------------------------- verify

fn signed(body: &str, timestamp: &str) -> Vec<String> {
    let output = webhook()
        .args([
            "sign",
            "--secret",
            SECRET,
            "--timestamp",
            timestamp,
            "--id",
            "evt_1",
        ])
        .write_stdin(body)
        .output()
        .unwrap();
    assert!(output.status.success());
    stdout(&output).lines().map(str::to_owned).collect()
}

fn verify_cmd(headers: &[String], now: &str) -> assert_cmd::Command {
    let mut cmd = webhook();
    cmd.args(["verify", "--secret", SECRET, "--now", now]);
    for header in headers {
        cmd.args(["-H", header]);
    }
    cmd
}

#[test]
fn verify_exit_codes_valid_tampered_stale() {
    let body = r#"{"id":"evt_1","amount":100}"#;
    let headers = signed(body, "1700000000");

    verify_cmd(&headers, "1700000010")
        .write_stdin(body)
        .assert()
        .success()
        .stdout(predicates::str::contains("valid (webhook, id evt_1)"));

    verify_cmd(&headers, "1700000010")
        .write_stdin(r#"{"id":"evt_1","amount":999}"#)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "invalid signature: no signature matched",
        ));

    verify_cmd(&headers, "1700003600")
        .write_stdin(body)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("timestamp too old"));

    // A wider tolerance accepts the same stale request.
    verify_cmd(&headers, "1700003600")
        .args(["--tolerance", "2h"])
        .write_stdin(body)
        .assert()
        .success();

    // Missing signature header: invalid, not a crash.
    verify_cmd(&headers[..1], "1700000010")
        .write_stdin(body)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("missing header"));

    // Rotation: any configured secret verifies.
    let mut cmd = verify_cmd(&headers, "1700000010");
    cmd.args(["--secret", "new-secret"])
        .write_stdin(body)
        .assert()
        .success();
}

#[test]
fn verify_checks_captured_requests() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("capture.ndjson");
    let body = br#"{"id":"evt_1"}"#;
    let good = webhook_verify::Signer::new(Scheme::Webhook, SECRET)
        .unwrap()
        .sign(body, 1_700_000_000, Some("evt_1"))
        .unwrap();
    let writer = capture::CaptureWriter::append(&path).unwrap();
    writer
        .write(&CapturedRequest::from_parts("POST", "/", None, &good, body))
        .unwrap();
    writer
        .write(&CapturedRequest::from_parts(
            "POST", "/", None, &good, b"{}",
        ))
        .unwrap();

    let mut cmd = webhook();
    cmd.args([
        "verify",
        "--secret",
        SECRET,
        "--now",
        "1700000001",
        "--capture",
    ])
    .arg(&path);
    // Every verdict is data on stdout (so `| grep invalid` works); the
    // tally is on stderr.
    cmd.assert()
        .code(1)
        .stdout(predicates::str::contains("line 1: valid"))
        .stdout(predicates::str::contains("line 2: invalid signature"))
        .stderr(predicates::str::contains(
            "1 of 2 captured request(s) failed verification",
        ));
    let mut cmd = webhook();
    cmd.args([
        "verify",
        "--secret",
        SECRET,
        "--now",
        "1700000001",
        "--line",
        "1",
        "--capture",
    ])
    .arg(&path);
    cmd.assert().success();
}

// ---------------------------------------------------------------- send

fn verifier() -> Verifier {
    Verifier::new(Scheme::Webhook, SECRET).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_delivers_exact_bytes_that_verify() {
    let server = RecordingServer::ok().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("event.json");
    // Odd spacing and a trailing newline: any re-serialization would show.
    let body = b"{ \"id\" : \"evt_exact\",\n  \"amount\":1.50 }\n";
    std::fs::write(&path, body).unwrap();

    let mut cmd = webhook();
    cmd.args([
        "send",
        &server.url("/hooks?x=1"),
        "--secret",
        SECRET,
        "-H",
        "X-Tenant: acme",
        "--file",
    ])
    .arg(&path);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("200 OK"), "{}", stdout(&output));

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/hooks?x=1");
    assert_eq!(&request.body[..], body);
    assert_eq!(request.headers["x-tenant"], "acme");
    assert_eq!(request.headers["content-type"], "application/json");
    let verified = verifier().verify(&request.headers, &request.body).unwrap();
    assert_eq!(verified.event_id.as_deref(), Some("evt_exact"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_templates_with_set_for_every_scheme() {
    for scheme in ["webhook", "stripe", "standard", "github", "slack"] {
        let server = RecordingServer::ok().await;
        let secret = if scheme == "standard" {
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        } else {
            SECRET
        };
        let mut cmd = webhook();
        cmd.args([
            "send",
            &server.url("/"),
            "--scheme",
            scheme,
            "--secret",
            secret,
            "--event",
            "invoice.paid",
            "--set",
            "data.object.amount_paid=99",
            "--json",
        ]);
        let output = run(cmd).await;
        assert!(output.status.success(), "{scheme}: {}", stderr(&output));
        let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(printed["status"], 200);

        let request = &server.requests()[0];
        let event: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(event["type"], "invoice.paid");
        assert_eq!(event["data"]["object"]["amount_paid"], 99);
        assert_eq!(event["id"], printed["id"]);
        let scheme: Scheme = scheme.parse().unwrap();
        Verifier::new(scheme, secret)
            .unwrap()
            .verify(&request.headers, &request.body)
            .unwrap_or_else(|e| panic!("{scheme}: {e}"));
    }
}

/// A provider template is what that provider sends: its body shape, its
/// headers besides the signature, and the delivery id in its id header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_provider_templates_carry_the_providers_headers_and_id() {
    let server = RecordingServer::ok().await;
    let mut cmd = webhook();
    cmd.args([
        "send",
        &server.url("/"),
        "--scheme",
        "github",
        "--secret",
        SECRET,
        "--event",
        "push",
        "--set",
        "ref=refs/heads/dev",
        "--id",
        "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    ]);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let request = &server.requests()[0];
    assert_eq!(request.headers["x-github-event"], "push");
    assert_eq!(
        request.headers["x-github-delivery"],
        "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    );
    let event: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(event["ref"], "refs/heads/dev");
    assert_eq!(event["repository"]["full_name"], "octocat/Hello-World");
    assert!(event.get("id").is_none(), "a push has no top-level id");
    let verified = Verifier::new(Scheme::GitHub, SECRET)
        .unwrap()
        .verify(&request.headers, &request.body)
        .unwrap();
    assert_eq!(
        verified.event_id.as_deref(),
        Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    );

    // An event the scheme has no template for names the choices.
    webhook()
        .args([
            "send",
            "http://127.0.0.1:9/",
            "--scheme",
            "github",
            "--secret",
            SECRET,
        ])
        .args(["--event", "nope"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("pull_request.opened"));
}

/// Twilio signs the URL and the form: `send` signs the URL it posts to,
/// and `--set` edits a form field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_signs_the_url_it_posts_to_for_url_signing_schemes() {
    let server = RecordingServer::ok().await;
    let url = server.url("/sms?tenant=acme");
    let mut cmd = webhook();
    cmd.args(["send", &url, "--scheme", "twilio", "--secret", SECRET])
        .args(["--event", "sms.incoming", "--set", "Body=hello there"]);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let request = &server.requests()[0];
    assert_eq!(
        request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let form: Vec<(String, String)> = form_urlencoded::parse(&request.body).into_owned().collect();
    assert!(form.contains(&("Body".to_owned(), "hello there".to_owned())));
    let verifier = Verifier::new(Scheme::Twilio, SECRET).unwrap();
    let uri: http::Uri = url.parse().unwrap();
    let check = |uri: &http::Uri| {
        let request = WebhookRequest::new(&request.headers, &request.body)
            .with_method(&http::Method::POST)
            .with_uri(uri);
        verifier.verify_request(&request)
    };
    check(&uri).expect("signed for the URL it was sent to");
    // Another URL (here: without the query) is another signature.
    let other: http::Uri = server.url("/sms").parse().unwrap();
    assert!(check(&other).is_err());
}

#[test]
fn send_list_events_lists_provider_and_generic_templates() {
    let output = webhook()
        .args(["send", "--list-events"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|line| line.split_whitespace().take(2).collect())
        .collect();
    assert_eq!(rows[0], ["SCHEME", "EVENT"]);
    for row in [
        ["github", "push"],
        ["stripe", "payment_intent.succeeded"],
        ["any", "ping"],
    ] {
        assert!(rows.contains(&row.to_vec()), "{row:?} missing:\n{text}");
    }
    let json = webhook()
        .args(["send", "--list-events", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list: Vec<serde_json::Value> = serde_json::from_slice(&json).unwrap();
    assert_eq!(list.len(), rows.len() - 1);
    assert!(
        list.iter()
            .all(|t| t["about"].as_str().is_some_and(|a| !a.is_empty()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_exits_1_on_non_2xx() {
    let server = RecordingServer::start(|_| respond(422, &[])).await;
    let mut cmd = webhook();
    cmd.args([
        "send",
        &server.url("/"),
        "--secret",
        SECRET,
        "--data",
        r#"{"id":"evt_1"}"#,
    ]);
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("422"), "{}", stdout(&output));
    assert!(stderr(&output).contains("422"), "{}", stderr(&output));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_says_when_the_answer_is_a_replayed_duplicate() {
    let server = RecordingServer::start(|r| match r.attempt {
        1 => respond(200, &[]),
        _ => respond(200, &[("idempotent-replayed", "true")]),
    })
    .await;
    let send = |json: bool| {
        let mut cmd = webhook();
        cmd.args([
            "send",
            &server.url("/"),
            "--secret",
            SECRET,
            "--data",
            r#"{"id":"evt_1"}"#,
        ]);
        if json {
            cmd.arg("--json");
        }
        cmd
    };
    let first = run(send(false)).await;
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(!stdout(&first).contains("replayed"), "{}", stdout(&first));
    let second = run(send(false)).await;
    assert!(
        stdout(&second).contains("(replayed duplicate)"),
        "{}",
        stdout(&second)
    );
    let third = run(send(true)).await;
    let json: serde_json::Value = serde_json::from_slice(&third.stdout).unwrap();
    assert_eq!(json["replayed"], true);
}

// ---------------------------------------------------------------- deliver

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_retries_failures_and_honours_retry_after() {
    // Attempt 1: 503. Attempt 2: 429 with Retry-After: 1. Attempt 3: 200.
    let server = RecordingServer::start(|r| match r.attempt {
        1 => respond(503, &[]),
        2 => respond(429, &[("retry-after", "1")]),
        _ => respond(200, &[]),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.ndjson");
    let mut cmd = webhook();
    cmd.args([
        "deliver",
        &server.url("/hooks"),
        "--secret",
        SECRET,
        "--count",
        "6",
        "--initial",
        "10ms",
        "--max",
        "50ms",
        "--jitter",
        "0",
        "--json",
        "--results",
    ])
    .arg(&results);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["sent"], 6);
    assert_eq!(summary["delivered"], 6);
    assert_eq!(summary["delivered_eventually"], 6);
    assert_eq!(summary["retried"], 6);
    assert_eq!(summary["dead_lettered"], 0);
    assert_eq!(summary["requests"], 18);
    assert_eq!(summary["statuses"]["503"], 6);
    assert_eq!(summary["statuses"]["429"], 6);
    assert_eq!(summary["statuses"]["200"], 6);

    let requests = server.requests();
    assert_eq!(requests.len(), 18);
    let verifier = verifier();
    let mut ids: Vec<_> = requests.iter().filter_map(|r| r.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6);
    for id in &ids {
        let attempts: Vec<_> = requests
            .iter()
            .filter(|r| r.id.as_ref() == Some(id))
            .collect();
        assert_eq!(attempts.len(), 3, "{id}");
        for attempt in &attempts {
            // Every attempt carries a valid signature over the same bytes.
            verifier.verify(&attempt.headers, &attempt.body).unwrap();
            assert_eq!(attempt.body, attempts[0].body);
        }
        // The retry after the 429 waited at least its Retry-After (1 s),
        // although the backoff alone would have been 20 ms.
        let gap = attempts[2].at.duration_since(attempts[1].at);
        assert!(gap >= Duration::from_secs(1), "{id}: retried after {gap:?}");
    }

    let lines = std::fs::read_to_string(&results).unwrap();
    let reports: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 6);
    for report in reports {
        assert_eq!(report["attempts"], 3);
        assert_eq!(report["status"], 200);
        assert_eq!(report["delivered"], true);
        assert!(report["latency_ms"].as_f64().is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_does_not_retry_other_4xx() {
    let server = RecordingServer::start(|_| respond(400, &[])).await;
    let mut cmd = webhook();
    cmd.args([
        "deliver",
        &server.url("/"),
        "--secret",
        SECRET,
        "--count",
        "3",
        "--initial",
        "10ms",
        "--json",
    ]);
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(1));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["dead_lettered"], 3);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_stops_the_endpoint_on_410_gone() {
    let server = RecordingServer::start(|_| respond(410, &[])).await;
    let dir = tempfile::tempdir().unwrap();
    let dead = dir.path().join("dead.ndjson");
    let mut cmd = webhook();
    cmd.args([
        "deliver",
        &server.url("/"),
        "--secret",
        SECRET,
        "--count",
        "20",
        "--concurrency",
        "1",
        "--json",
        "--dead-letter",
    ])
    .arg(&dead);
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(1));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["endpoint_gone"], true);
    assert_eq!(summary["dead_lettered"], 20);
    // One request at a time: the first 410 stopped everything after it.
    assert_eq!(server.requests().len(), 1);
    assert_eq!(capture::read_file(&dead).unwrap().count(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_written_and_replayed() {
    let down = RecordingServer::start(|_| respond(500, &[])).await;
    let dir = tempfile::tempdir().unwrap();
    let dead = dir.path().join("dead.ndjson");
    let mut cmd = webhook();
    cmd.args([
        "deliver",
        &down.url("/webhooks"),
        "--secret",
        SECRET,
        "--count",
        "4",
        "--max-attempts",
        "2",
        "--initial",
        "10ms",
        "--dead-letter",
    ])
    .arg(&dead);
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("4 of 4 event(s) not delivered"),
        "{}",
        stderr(&output)
    );
    assert_eq!(down.requests().len(), 8);

    let records: Vec<_> = capture::read_file(&dead)
        .unwrap()
        .map(|r| r.unwrap().1)
        .collect();
    assert_eq!(records.len(), 4);
    for record in &records {
        let info = record.dead_letter.as_ref().expect("dead-letter info");
        assert_eq!(info.attempts, 2);
        assert_eq!(info.last_status, Some(500));
        assert_eq!(record.path, "/webhooks");
    }

    // `--to` is the full target URL, as for deliver: the captured path is
    // not appended (that would post to /webhooks/webhooks).
    let up = RecordingServer::ok().await;
    let mut cmd = webhook();
    cmd.args(["replay", "--secret", SECRET, "--to", &up.url("/webhooks")])
        .arg(&dead);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let received = up.requests();
    assert_eq!(received.len(), 4);
    let verifier = verifier();
    for record in &records {
        let info = record.dead_letter.as_ref().unwrap();
        let request = received
            .iter()
            .find(|r| r.id.as_deref() == Some(info.id.as_str()))
            .expect("every dead letter was resent with its id");
        assert_eq!(request.path_and_query, "/webhooks");
        assert_eq!(&request.body[..], &record.body().unwrap()[..]);
        verifier.verify(&request.headers, &request.body).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_from_file_sends_lines_byte_exact() {
    let server = RecordingServer::ok().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    std::fs::write(
        &path,
        "{\"id\":\"evt_a\", \"n\":1}\n\n{ \"id\":\"evt_b\",\"n\":2 }\n",
    )
    .unwrap();
    let mut cmd = webhook();
    cmd.args(["deliver", &server.url("/"), "--secret", SECRET, "--from"])
        .arg(&path);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let mut bodies: Vec<_> = server
        .requests()
        .iter()
        .map(|r| {
            (
                r.id.clone().unwrap(),
                String::from_utf8(r.body.to_vec()).unwrap(),
            )
        })
        .collect();
    bodies.sort();
    assert_eq!(
        bodies,
        [
            ("evt_a".to_owned(), "{\"id\":\"evt_a\", \"n\":1}".to_owned()),
            (
                "evt_b".to_owned(),
                "{ \"id\":\"evt_b\",\"n\":2 }".to_owned()
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_rate_limit_spaces_requests() {
    let server = RecordingServer::ok().await;
    let mut cmd = webhook();
    cmd.args([
        "deliver",
        &server.url("/"),
        "--secret",
        SECRET,
        "--count",
        "6",
        "--rate",
        "10",
        "--burst",
        "1",
    ]);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let mut times: Vec<_> = server.requests().iter().map(|r| r.at).collect();
    times.sort();
    // 6 requests at 10/s with a bucket of 1: the last one leaves >= 0.5 s
    // after the first. Arrival times add network jitter, so the check keeps
    // slack; without the limit the six would arrive within milliseconds.
    // (A lower bound implied by the rate, not a performance threshold.)
    let spread = times[5].duration_since(times[0]);
    assert!(spread >= Duration::from_millis(300), "{spread:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_retries_connection_errors_then_dead_letters() {
    // A port nobody listens on (bound then released; another process could
    // take it in between, which would only make the test fail loudly).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = webhook();
    cmd.args([
        "deliver",
        &format!("http://127.0.0.1:{port}/"),
        "--secret",
        SECRET,
        "--count",
        "2",
        "--max-attempts",
        "3",
        "--initial",
        "10ms",
        "--json",
    ]);
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(1));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["requests"], 6);
    assert_eq!(summary["statuses"]["connect"], 6);
    assert_eq!(summary["dead_lettered"], 2);
}

// ---------------------------------------------------------------- URLs

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_without_a_scheme_mean_http_and_other_schemes_are_usage_errors() {
    let server = RecordingServer::ok().await;
    let port = server.addr.port();
    let mut cmd = webhook();
    cmd.args([
        "send",
        &format!("localhost:{port}/webhooks?x=1"),
        "--secret",
        SECRET,
        "--data",
        r#"{"id":"evt_1"}"#,
    ]);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path_and_query, "/webhooks?x=1");
    // Host and port alone: the root path.
    let mut cmd = webhook();
    cmd.args(["send", &format!("localhost:{port}"), "--secret", SECRET]);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(server.requests()[1].path_and_query, "/");

    for (args, message) in [
        (vec!["send", "ftp://x/y"], "ftp:// is not supported"),
        (
            vec!["send", "file:///etc/passwd"],
            "file:// is not supported",
        ),
        (vec!["send", "/webhooks"], "no host"),
        (vec!["deliver", "ftp://x/y"], "ftp:// is not supported"),
        (
            vec!["replay", "-", "--to", "gopher://x/"],
            "gopher:// is not supported",
        ),
        (
            vec!["listen", "--forward-to", "file:///x"],
            "file:// is not supported",
        ),
    ] {
        let mut cmd = webhook();
        cmd.args(&args).args(["--secret", SECRET]);
        let output = run(cmd).await;
        common::assert_usage_error(&output, &args, message);
    }
    assert_eq!(server.requests().len(), 2, "the usage errors sent nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_without_to_sends_to_the_captured_host_path_and_query() {
    let server = RecordingServer::ok().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("capture.ndjson");
    let mut headers = http::HeaderMap::new();
    headers.insert("host", server.addr.to_string().parse().unwrap());
    headers.insert("content-type", "application/json".parse().unwrap());
    capture::CaptureWriter::append(&path)
        .unwrap()
        .write(&CapturedRequest::from_parts(
            "POST",
            "/captured",
            Some("a=1"),
            &headers,
            br#"{"id":"evt_1"}"#,
        ))
        .unwrap();
    let mut cmd = webhook();
    cmd.args(["replay", "--secret", SECRET]).arg(&path);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path_and_query, "/captured?a=1");
}

// ---------------------------------------------------------------- HTTPS

fn send_cmd(url: &str) -> assert_cmd::Command {
    let mut cmd = webhook();
    cmd.args([
        "send",
        url,
        "--secret",
        SECRET,
        "--data",
        r#"{"id":"evt_tls"}"#,
    ]);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_over_https_trusts_cacert_and_nothing_else_unless_insecure() {
    let ca = TestCa::new();
    let server = RecordingServer::start_tls(&ca, |_| respond(200, &[])).await;
    let url = server.url("/x");
    assert!(url.starts_with("https://localhost:"), "{url}");

    // Trusted through --cacert: delivered, signed over the exact bytes.
    let mut cmd = send_cmd(&url);
    cmd.arg("--cacert").arg(&ca.ca_file);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("200 OK"), "{}", stdout(&output));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path_and_query, "/x");
    assert_eq!(&requests[0].body[..], br#"{"id":"evt_tls"}"#);
    verifier()
        .verify(&requests[0].headers, &requests[0].body)
        .unwrap();

    // The platform's roots alone don't know the test CA: one clear line, exit 1.
    let output = run(send_cmd(&url)).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let error = error_line(&output);
    assert!(
        error.contains("invalid peer certificate: UnknownIssuer"),
        "{error}"
    );
    assert!(error.contains("--cacert FILE"), "{error}");
    // An unrelated CA doesn't help either.
    let unrelated = ca.write("unrelated.pem", &unrelated_ca_pem());
    let mut cmd = send_cmd(&url);
    cmd.arg("--cacert").arg(&unrelated);
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(error_line(&output).contains("UnknownIssuer"));
    assert_eq!(server.requests().len(), 1, "no request got through");

    // Several certificates: one bundle file, or --cacert repeated.
    let bundle = ca.write("bundle.pem", &(unrelated_ca_pem() + &ca.ca_pem()));
    let mut cmd = send_cmd(&url);
    cmd.arg("--cacert").arg(&bundle);
    let output = run(cmd).await;
    assert!(output.status.success(), "bundle: {}", stderr(&output));
    let mut cmd = send_cmd(&url);
    cmd.arg("--cacert")
        .arg(&unrelated)
        .arg("--cacert")
        .arg(&ca.ca_file);
    let output = run(cmd).await;
    assert!(output.status.success(), "repeated: {}", stderr(&output));

    // --insecure: accepted, with a warning.
    let mut cmd = send_cmd(&url);
    cmd.arg("--insecure");
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with("warning: --insecure: TLS certificates are not checked"),
        "{}",
        stderr(&output)
    );
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_cacert_files_are_usage_errors() {
    let ca = TestCa::new();
    let not_pem = ca.write("notes.txt", "just text\n");
    let broken = ca.write(
        "broken.pem",
        "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n",
    );
    let missing = ca.dir().join("missing.pem");
    for (file, message) in [
        (&not_pem, "no PEM certificate"),
        (&broken, "certificate 1 is not a usable X.509 certificate"),
        (&missing, "missing.pem: "),
    ] {
        for command in ["send", "deliver", "replay", "listen"] {
            let mut cmd = webhook();
            cmd.arg(command);
            match command {
                "send" | "deliver" => cmd.arg("http://127.0.0.1:1/"),
                "replay" => cmd.arg("-"),
                _ => &mut cmd,
            };
            cmd.args(["--secret", SECRET, "--cacert"]).arg(file);
            let output = run(cmd).await;
            assert_eq!(
                output.status.code(),
                Some(2),
                "{command} {file:?}: {}",
                stderr(&output)
            );
            let error = error_line(&output);
            assert!(
                error.contains("--cacert") && error.contains(message),
                "{command}: {error}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_and_replay_over_https() {
    let ca = TestCa::new();
    let server = RecordingServer::start_tls(&ca, |_| respond(200, &[])).await;
    let mut cmd = webhook();
    cmd.args([
        "deliver",
        &server.url("/webhooks"),
        "--secret",
        SECRET,
        "--count",
        "5",
        "--json",
        "--cacert",
    ])
    .arg(&ca.ca_file);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["delivered"], 5);
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    for request in &requests {
        assert_eq!(request.path_and_query, "/webhooks");
        verifier().verify(&request.headers, &request.body).unwrap();
    }

    // Without --cacert nothing is delivered, and the error line says why.
    let mut cmd = webhook();
    cmd.args([
        "deliver",
        &server.url("/webhooks"),
        "--secret",
        SECRET,
        "--count",
        "2",
        "--max-attempts",
        "1",
    ]);
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let error = error_line(&output);
    assert!(
        error.contains("2 of 2 event(s) not delivered")
            && error.contains("invalid peer certificate: UnknownIssuer"),
        "{error}"
    );
    assert_eq!(server.requests().len(), 5);

    // Replay a capture to a full https:// URL: exactly that path.
    let capture = ca.dir().join("capture.ndjson");
    let mut headers = http::HeaderMap::new();
    headers.insert("host", "elsewhere.example".parse().unwrap());
    capture::CaptureWriter::append(&capture)
        .unwrap()
        .write(&CapturedRequest::from_parts(
            "POST",
            "/captured/path",
            Some("q=1"),
            &headers,
            br#"{"id":"evt_replayed"}"#,
        ))
        .unwrap();
    let mut cmd = webhook();
    cmd.args(["replay", "--secret", SECRET, "--to", &server.url("/path")])
        .arg(&capture)
        .arg("--cacert")
        .arg(&ca.ca_file);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let requests = server.requests();
    assert_eq!(requests.len(), 6);
    assert_eq!(requests[5].path_and_query, "/path");
    assert_eq!(requests[5].id.as_deref(), Some("evt_replayed"));
    verifier()
        .verify(&requests[5].headers, &requests[5].body)
        .unwrap();
}

/// A machine without a CA bundle (a minimal container): http:// and
/// `--cacert` targets still work, with a warning that nothing else can be
/// verified. `SSL_CERT_FILE` pointing at an empty file is such a platform.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_platform_roots_http_and_cacert_still_work() {
    let ca = TestCa::new();
    let no_roots = ca.write("empty-bundle.pem", "");
    let plain = RecordingServer::ok().await;
    let tls = RecordingServer::start_tls(&ca, |_| respond(200, &[])).await;

    let mut cmd = send_cmd(&plain.url("/"));
    cmd.env("SSL_CERT_FILE", &no_roots)
        .env_remove("SSL_CERT_DIR");
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("checked against the extra roots (--cacert) only"),
        "{}",
        stderr(&output)
    );
    assert_eq!(plain.requests().len(), 1);

    let mut cmd = send_cmd(&tls.url("/"));
    cmd.env("SSL_CERT_FILE", &no_roots)
        .env_remove("SSL_CERT_DIR")
        .arg("--cacert")
        .arg(&ca.ca_file);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(tls.requests().len(), 1);
}

/// `keygen` prints a key pair in the provider's format for the asymmetric
/// schemes; the private half signs and the public half verifies, through
/// the CLI itself.
#[test]
fn keygen_prints_a_working_key_pair_for_asymmetric_schemes_and_a_secret_otherwise() {
    for scheme in ["discord", "standard-v1a", "sendgrid"] {
        let out = webhook()
            .args(["keygen", "--scheme", scheme])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{scheme}: {text}");
        let public = lines[0].strip_prefix("public ").expect("public line");
        let private = lines[1].strip_prefix("private ").expect("private line");
        assert_ne!(public, private);

        let signed = webhook()
            .args([
                "sign", "--scheme", scheme, "--secret", private, "--id", "evt_1",
            ])
            .write_stdin("{}")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let mut verify = webhook();
        verify.args(["verify", "--scheme", scheme, "--secret", public]);
        for header in String::from_utf8(signed.clone()).unwrap().lines() {
            verify.args(["-H", header]);
        }
        verify.write_stdin("{}").assert().success();
        // The private key is not a verifying key: refused outright where
        // its format says so (exit 2); Discord's seed is 64 hex digits like
        // its public keys, so there it is refused or verifies nothing.
        let mut wrong = webhook();
        wrong.args(["verify", "--scheme", scheme, "--secret", private]);
        for header in String::from_utf8(signed.clone()).unwrap().lines() {
            wrong.args(["-H", header]);
        }
        let wrong = wrong.write_stdin("{}").assert();
        if scheme == "discord" {
            // Half of all seeds are also valid points: refused or no match.
            wrong.failure();
        } else {
            wrong.code(2);
        }
    }
    let out = webhook()
        .args(["keygen", "--scheme", "github", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["scheme"], "github");
    assert_eq!(json["secret"].as_str().map(str::len), Some(64));
}

/// Every template of every scheme, sent by `send`, is accepted by the
/// library's verifier for that scheme at the URL it was sent to — so "what
/// Shopify would send" is also what a Shopify receiver accepts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_provider_template_verifies_as_its_provider() {
    let listed = webhook()
        .args(["send", "--list-events", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let templates: Vec<serde_json::Value> = serde_json::from_slice(&listed).unwrap();
    let server = RecordingServer::ok().await;
    let url = server.url("/hooks/provider?tenant=1");
    let mut sent = 0;
    for template in &templates {
        let scheme_name = template["scheme"].as_str().unwrap();
        if scheme_name == "any" {
            continue;
        }
        let event = template["event"].as_str().unwrap();
        let scheme: Scheme = scheme_name.parse().unwrap();
        let (verifying, signing) = match scheme {
            Scheme::Standard => {
                let key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned();
                (key.clone(), key)
            }
            _ if !webhook_verify::SignatureScheme::algorithm(&scheme).is_symmetric() => {
                let pair = webhook_verify::scheme::KeyPair::generate(scheme, [3; 32]).unwrap();
                (pair.verifying().to_owned(), pair.signing().to_owned())
            }
            _ => (SECRET.to_owned(), SECRET.to_owned()),
        };
        let mut cmd = webhook();
        cmd.args(["send", &url, "--scheme", scheme_name, "--secret", &signing])
            .args(["--event", event]);
        let output = run(cmd).await;
        assert!(
            output.status.success(),
            "{scheme_name} {event}: {}",
            stderr(&output)
        );
        sent += 1;
        let request = server.requests().pop().expect("a request");
        let uri: http::Uri = url.parse().unwrap();
        let verified = Verifier::new(scheme, &verifying)
            .unwrap()
            .verify_request(
                &WebhookRequest::new(&request.headers, &request.body)
                    .with_method(&http::Method::POST)
                    .with_uri(&uri),
            )
            .unwrap_or_else(|e| panic!("{scheme_name} {event}: {e}"));
        // The provider's delivery id header carries the id `send` printed.
        if let Some(name) = scheme.id_header() {
            assert!(
                request.headers.contains_key(&name),
                "{scheme_name} {event}: no {name}"
            );
            assert_eq!(
                verified.event_id.as_deref(),
                request.headers[&name].to_str().ok(),
                "{scheme_name} {event}"
            );
        }
    }
    assert!(sent >= 30, "only {sent} provider templates");
}

/// Mailgun carries its signature in the body: `sign` prints the signed
/// body and `verify` needs no `-H`; a wrong key is still refused.
#[test]
fn sign_and_verify_a_body_carried_signature_without_headers() {
    let signed = webhook()
        .args([
            "sign", "--scheme", "mailgun", "--secret", "key-1", "--id", "tok123",
        ])
        .write_stdin(r#"{"event-data":{"event":"delivered"}}"#)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let body: serde_json::Value = serde_json::from_slice(&signed).unwrap();
    assert_eq!(body["signature"]["token"], "tok123");
    assert_eq!(body["event-data"]["event"], "delivered");
    webhook()
        .args(["verify", "--scheme", "mailgun", "--secret", "key-1"])
        .write_stdin(signed.clone())
        .assert()
        .success()
        .stdout(predicates::str::contains("valid (mailgun, id tok123)"));
    webhook()
        .args(["verify", "--scheme", "mailgun", "--secret", "key-2"])
        .write_stdin(signed)
        .assert()
        .code(1);
    // A header scheme still needs its headers.
    webhook()
        .args(["verify", "--scheme", "github", "--secret", "key-1"])
        .write_stdin("{}")
        .assert()
        .code(2);
}
