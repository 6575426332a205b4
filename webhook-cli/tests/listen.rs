//! `webhook listen` as a real process, driven by `send` and `replay`, and
//! `webhook roundtrip` with faults, on memory and on a real redis-server.

mod common;

use std::path::Path;

use common::{Listener, RecordingServer, TestCa, respond, run, stderr, stdout, webhook};
use webhook_cli::capture::{self, CapturedRequest};
use webhook_verify::{Scheme, Verifier};

const SECRET: &str = "s3cret";

async fn send(url: &str, secret: &str, data: &str) -> std::process::Output {
    let mut cmd = webhook();
    cmd.args(["send", url, "--secret", secret, "--data", data]);
    run(cmd).await
}

fn read_capture(path: &Path) -> Vec<CapturedRequest> {
    capture::read_file(path)
        .unwrap()
        .map(|r| r.unwrap().1)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_verifies_dedupes_captures_and_replays_to_a_second_listener() {
    let dir = tempfile::tempdir().unwrap();
    let first_capture = dir.path().join("first.ndjson");
    let second_capture = dir.path().join("second.ndjson");
    let first_capture_arg = first_capture.to_str().unwrap();
    let mut first = Listener::start(&[
        "--port",
        "0",
        "--path",
        "/hooks",
        "--verify",
        "--dedupe",
        "--secret",
        SECRET,
        "--capture",
        first_capture_arg,
    ]);
    let target = format!("{}/hooks", first.url);

    let output = send(&target, SECRET, r#"{"id":"evt_1","n":1}"#).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let line = first.next_line();
    assert!(
        line.starts_with("POST /hooks id=evt_1 sig=ok new -> 200"),
        "{line}"
    );

    // The same event again: answered from the dedupe record.
    let output = send(&target, SECRET, r#"{"id":"evt_1","n":1}"#).await;
    assert!(output.status.success());
    let line = first.next_line();
    assert!(line.contains("id=evt_1 sig=ok duplicate -> 200"), "{line}");

    // A bad signature: rejected by the verify layer, still printed and
    // captured, its id marked as claimed (`id?=`), not verified.
    let output = send(&target, "wrong-secret", r#"{"id":"evt_2"}"#).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).starts_with("401"), "{}", stdout(&output));
    let line = first.next_line();
    assert!(
        line.contains(" id?=evt_2 sig=invalid(no signature matched"),
        "{line}"
    );
    assert!(line.ends_with(")") && line.contains("-> 401"), "{line}");

    let output = send(&target, SECRET, "{\"id\":\"evt_3\",\n \"odd\" : [1, 2] }").await;
    assert!(output.status.success());
    first.next_line();

    let captured = read_capture(&first_capture);
    assert_eq!(captured.len(), 4);
    let verdicts: Vec<_> = captured
        .iter()
        .map(|r| r.verification.as_ref().unwrap().ok)
        .collect();
    assert_eq!(verdicts, [true, true, false, true]);
    assert_eq!(
        captured[2].verification.as_ref().unwrap().error.as_deref(),
        Some("no signature matched: 1 candidate(s) checked against 1 key(s)")
    );
    assert_eq!(
        captured[3].body().unwrap(),
        b"{\"id\":\"evt_3\",\n \"odd\" : [1, 2] }"
    );

    // Replay the verified requests, re-signed, to a second listener.
    let mut second = Listener::start(&[
        "--verify",
        "--dedupe",
        "--path",
        "/hooks",
        "--secret",
        SECRET,
        "--capture",
        second_capture.to_str().unwrap(),
    ]);
    let mut cmd = webhook();
    cmd.args([
        "replay",
        first_capture_arg,
        "--secret",
        SECRET,
        "--select",
        "ok",
        "--to",
        &format!("{}/hooks", second.url),
    ]);
    // One at a time: the two copies of evt_1 must not race (the second
    // would get 409 "in progress" and be retried, making the lines order-dependent).
    cmd.args(["--concurrency", "1"]);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let mut lines: Vec<_> = (0..3).map(|_| second.next_line()).collect();
    lines.sort();
    assert!(lines[0].contains("id=evt_1 sig=ok"), "{lines:?}");
    assert!(lines[1].contains("id=evt_1 sig=ok"), "{lines:?}");
    assert!(lines[2].contains("id=evt_3 sig=ok new -> 200"), "{lines:?}");
    // The two captured copies of evt_1 are one event: dedupe answers the second.
    assert_eq!(
        lines.iter().filter(|l| l.contains("duplicate")).count(),
        1,
        "{lines:?}"
    );

    let replayed = read_capture(&second_capture);
    assert_eq!(replayed.len(), 3);
    let verifier = Verifier::new(Scheme::Webhook, SECRET).unwrap();
    for record in &replayed {
        let original = captured
            .iter()
            .find(|c| c.body_sha256 == record.body_sha256)
            .expect("the replayed body is byte-identical to a captured one");
        assert_eq!(record.path, original.path);
        verifier
            .verify(&record.header_map().unwrap(), &record.body().unwrap())
            .unwrap();
    }

    // Verbatim replay of the rejected request is rejected again.
    let mut cmd = webhook();
    cmd.args([
        "replay",
        first_capture_arg,
        "--verbatim",
        "--select",
        "failed",
        "--to",
        &format!("{}/hooks", second.url),
    ]);
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let line = second.next_line();
    assert!(line.contains(" id?=evt_2 sig=invalid"), "{line}");
}

/// `listen --verify --dedupe` keys on signed bytes: a captured request
/// resent with another `X-Webhook-Id` (not covered by the signature) is
/// answered as the duplicate it is, whether the body has an `"id"` or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_dedupe_ignores_a_forged_unsigned_id_header() {
    let mut listener = Listener::start(&["--verify", "--dedupe", "--secret", SECRET]);
    let signer = webhook_verify::Signer::new(Scheme::Webhook, SECRET).unwrap();
    let now = webhook_verify::Clock::now_unix(&webhook_verify::SystemClock);
    let client =
        webhook_cli::http_client::build_client(&Default::default(), &Default::default()).unwrap();
    for body in [r#"{"id":"evt_captured"}"#, r#"{"no":"id field"}"#] {
        let signed = signer.sign(body.as_bytes(), now, Some("hdr-1")).unwrap();
        for (n, id) in ["hdr-1", "forged-2", "forged-3"].into_iter().enumerate() {
            let mut headers = signed.clone();
            headers.insert("x-webhook-id", id.parse().unwrap());
            let res = client
                .post(&listener.url)
                .headers(headers)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let line = listener.next_line();
            let expected = if n == 0 {
                " new -> 200"
            } else {
                " duplicate -> 200"
            };
            assert!(line.contains(expected), "{body} with {id}: {line}");
            // The printed id is the signed one (the body's), never the
            // unsigned header's; without a signed id the header's is shown
            // as claimed.
            let printed = if body.contains("evt_captured") {
                " id=evt_captured ".to_owned()
            } else {
                format!(" id?={id} ")
            };
            assert!(line.contains(&printed), "{body} with {id}: {line}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_simulates_failures_and_forwards_byte_exact() {
    let mut failing = Listener::start(&["--fail-rate", "1", "--retry-after", "7"]);
    let output = send(&failing.url, SECRET, r#"{"id":"evt_1"}"#).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).starts_with("429"), "{}", stdout(&output));
    assert!(failing.next_line().contains("-> 429"));

    let mut teapot = Listener::start(&["--respond", "418"]);
    let output = send(&teapot.url, SECRET, r#"{"id":"evt_1"}"#).await;
    assert!(stdout(&output).starts_with("418"), "{}", stdout(&output));
    assert!(teapot.next_line().contains("-> 418"));

    let upstream = RecordingServer::ok().await;
    let mut forwarder = Listener::start(&[
        "--verify",
        "--secret",
        SECRET,
        "--forward-to",
        &upstream.url("/upstream"),
    ]);
    let body = "{\"id\":\"evt_fwd\",  \"x\": 1}\n";
    let output = send(&forwarder.url, SECRET, body).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(forwarder.next_line().contains("id=evt_fwd sig=ok -> 200"));
    let received = upstream.requests();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path_and_query, "/upstream");
    assert_eq!(&received[0].body[..], body.as_bytes());
    Verifier::new(Scheme::Webhook, SECRET)
        .unwrap()
        .verify(&received[0].headers, &received[0].body)
        .expect("the forwarded request still verifies");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_forwards_to_https_trusting_a_cacert() {
    let ca = TestCa::new();
    let upstream = RecordingServer::start_tls(&ca, |_| respond(202, &[])).await;
    let target = upstream.url("/upstream");
    let ca_file = ca.ca_file.to_str().unwrap();
    let mut trusting = Listener::start(&["--forward-to", &target, "--cacert", ca_file]);
    let body = "{\"id\":\"evt_tls_fwd\"}\n";
    let output = send(&trusting.url, SECRET, body).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("202"), "{}", stdout(&output));
    // Not verified (no --verify): the id is only claimed.
    let line = trusting.next_line();
    assert!(line.contains("id?=evt_tls_fwd -> 202"), "{line}");
    let received = upstream.requests();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path_and_query, "/upstream");
    assert_eq!(&received[0].body[..], body.as_bytes());

    // Without --cacert the forward fails at the handshake: 502.
    let mut untrusting = Listener::start(&["--forward-to", &target]);
    let output = send(&untrusting.url, SECRET, body).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).starts_with("502"), "{}", stdout(&output));
    assert!(untrusting.next_line().contains("-> 502"));
    assert_eq!(upstream.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_binds_a_host_name_and_forwards_to_a_url_without_scheme() {
    let upstream = RecordingServer::ok().await;
    let forward_to = format!("localhost:{}/in", upstream.addr.port());
    let mut listener = Listener::start(&["--host", "localhost", "--forward-to", &forward_to]);
    let bound: std::net::SocketAddr = listener
        .url
        .strip_prefix("http://")
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("readiness line: {}", listener.url));
    assert!(bound.ip().is_loopback(), "{bound}");
    let output = send(
        &format!("localhost:{}/", bound.port()),
        SECRET,
        r#"{"id":"evt_host"}"#,
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let line = listener.next_line();
    assert!(line.contains("id?=evt_host -> 200"), "{line}");
    let received = upstream.requests();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path_and_query, "/in");
}

fn roundtrip_json(output: &std::process::Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "roundtrip failed: {}\n{}",
        stdout(output),
        stderr(output)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roundtrip_with_faults_processes_every_event_exactly_once() {
    for scheme in ["webhook", "stripe"] {
        let mut cmd = webhook();
        cmd.args([
            "roundtrip",
            "--count",
            "300",
            "--fail-rate",
            "0.2",
            "--lost-ack-rate",
            "0.1",
            "--duplicate-rate",
            "0.3",
            "--scheme",
            scheme,
            "--json",
        ]);
        let report = roundtrip_json(&run(cmd).await);
        assert_eq!(report["ok"], true);
        assert_eq!(report["processed_exactly_once"], 300);
        assert_eq!(report["lost"], 0);
        assert_eq!(report["processed_more_than_once"], 0);
        assert_eq!(report["store"], "memory");
        // The faults really happened (300 draws at 20 %/10 %/30 %).
        assert!(report["injected"]["handler_failures"].as_u64().unwrap() > 0);
        assert!(report["injected"]["lost_acks"].as_u64().unwrap() > 0);
        assert!(report["injected"]["duplicate_deliveries"].as_u64().unwrap() > 0);
        assert!(report["deliver"]["retried"].as_u64().unwrap() > 0);
        assert!(report["dedupe"]["duplicates"].as_u64().unwrap() > 0);
        assert_eq!(report["dedupe"]["processed"], 300);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roundtrip_against_a_real_redis() {
    let redis = webhook_test_support::RedisServer::start_async().await;
    let mut cmd = webhook();
    cmd.args([
        "roundtrip",
        "--count",
        "300",
        "--fail-rate",
        "0.2",
        "--duplicate-rate",
        "0.3",
        "--json",
        "--redis",
        &redis.url(),
    ]);
    let report = roundtrip_json(&run(cmd).await);
    assert_eq!(report["ok"], true);
    assert_eq!(report["store"], "redis");
    assert_eq!(report["processed_exactly_once"], 300);
    assert_eq!(report["dedupe"]["store_errors"], 0);
    assert!(report["dedupe"]["duplicates"].as_u64().unwrap() > 0);
}

/// `listen --verify` answers a provider's URL handshake itself, so the
/// provider's dashboard can enable the URL; a forged one is refused, and
/// an ordinary event still reaches the receiver.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_verify_answers_the_providers_handshake() {
    let mut listener = Listener::start(&["--verify", "--scheme", "slack", "--secret", SECRET]);
    let url = format!("{}/", listener.url);
    let send_event = |secret: &'static str, event: &'static str| {
        let mut cmd = webhook();
        cmd.args([
            "send", &url, "--scheme", "slack", "--secret", secret, "--event", event,
        ]);
        run(cmd)
    };

    let output = send_event(SECRET, "url_verification").await;
    assert!(output.status.success(), "{}", stderr(&output));
    // Slack's documented challenge, echoed by the listener.
    assert!(
        stdout(&output).contains("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"),
        "{}",
        stdout(&output)
    );
    let line = listener.next_line();
    assert!(line.contains("sig=ok") && line.contains("-> 200"), "{line}");

    // The same handshake signed with another secret is refused, not echoed.
    let output = send_event("wrong-secret", "url_verification").await;
    assert_eq!(output.status.code(), Some(1));
    assert!(!stdout(&output).contains("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"));
    assert!(listener.next_line().contains("-> 401"));

    // An ordinary event is the receiver's, answered with its status.
    let output = send_event(SECRET, "event_callback").await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        !stdout(&output).contains("challenge"),
        "{}",
        stdout(&output)
    );
    listener.next_line();
}

/// Every scheme survives the self-test: keys in its own format, the URL
/// signed where the scheme signs it (the receiver rebuilds it as
/// `http://Host/…`), the signature re-made in the body for Mailgun, the
/// body timestamp for Linear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roundtrip_works_for_every_scheme() {
    for &scheme in Scheme::ALL {
        let mut cmd = webhook();
        cmd.args(["roundtrip", "--count", "20", "--fail-rate", "0.2"])
            .args([
                "--duplicate-rate",
                "0.3",
                "--scheme",
                &scheme.to_string(),
                "--json",
            ]);
        let report = roundtrip_json(&run(cmd).await);
        assert_eq!(report["ok"], true, "{scheme}: {report}");
        assert_eq!(report["processed_exactly_once"], 20, "{scheme}");
    }
}

/// A listener verifying a URL-signed scheme accepts what `send` signed for
/// the listener's own URL, and with `--public-url` what was signed for the
/// public one (a tunnel in front of it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_verifies_url_signed_schemes_at_its_own_or_its_public_url() {
    let mut listener = Listener::start(&[
        "--verify", "--scheme", "square", "--secret", SECRET, "--path", "/square",
    ]);
    let url = format!("{}/square?shop=1", listener.url);
    let mut cmd = webhook();
    cmd.args(["send", &url, "--scheme", "square", "--secret", SECRET])
        .args(["--event", "payment.created"]);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(listener.next_line().contains("-> 200"));

    // Behind a tunnel: the provider signed https://hooks.example.test/…,
    // the listener sees only the path. Simulated by signing offline for the
    // public URL and posting the headers to the listener.
    let mut tunnel = Listener::start(&[
        "--verify",
        "--scheme",
        "square",
        "--secret",
        SECRET,
        "--public-url",
        "https://hooks.example.test",
        "--path",
        "/square",
    ]);
    let body = r#"{"event_id":"e1"}"#;
    let signed = webhook()
        .args(["sign", "--scheme", "square", "--secret", SECRET])
        .args(["--url", "https://hooks.example.test/square?shop=1"])
        .write_stdin(body)
        .output()
        .unwrap();
    assert!(signed.status.success());
    let mut cmd = webhook();
    cmd.args([
        "send",
        &format!("{}/square?shop=1", tunnel.url),
        "--data",
        body,
    ])
    .args(["--scheme", "webhook", "--secret", "unused"]);
    for header in String::from_utf8(signed.stdout).unwrap().lines() {
        cmd.args(["-H", header]);
    }
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(tunnel.next_line().contains("-> 200"));
}
