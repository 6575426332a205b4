//! `webhook listen --ui` as a real process: the inspector's JSON API, its
//! event stream, the bounded history, replays (re-signed, verbatim,
//! edited, to the forward target), and the checks that keep other
//! origins out. The page itself is driven by a real browser in
//! `inspector_browser.rs`.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Listener, RecordingServer, assert_usage_error, run, stderr, stdout, webhook};
use reqwest::StatusCode;
use serde_json::{Value, json};
use webhook_cli::capture::{self, CapturedRequest};
use webhook_verify::{Scheme, SignatureScheme as _, Signer, Verifier};

const SECRET: &str = "s3cret";

/// A `webhook listen --ui` and the inspector URL from its second line.
struct Ui {
    listener: Listener,
    /// `http://ADDR/_webhook`, without the trailing slash.
    base: String,
    client: reqwest::Client,
}

impl Ui {
    fn start(args: &[&str]) -> Self {
        let mut all = vec!["--ui"];
        all.extend_from_slice(args);
        let mut listener = Listener::start(&all);
        let line = listener.next_line();
        let url = line
            .strip_prefix("inspector on ")
            .unwrap_or_else(|| panic!("expected the inspector line, got {line:?}"));
        let base = url.strip_suffix('/').unwrap().to_owned();
        Self {
            listener,
            base,
            client: webhook_cli::http_client::build_client(
                &Default::default(),
                &Default::default(),
            )
            .unwrap(),
        }
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("GET {path}: {status} not JSON ({e}): {text}"));
        (status, json)
    }

    async fn list(&self, query: &str) -> Vec<Value> {
        let (status, json) = self.get(&format!("/api/requests{query}")).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        json["requests"].as_array().unwrap().clone()
    }

    async fn detail(&self, id: u64) -> Value {
        let (status, json) = self.get(&format!("/api/requests/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        json
    }

    /// Waits until the history holds `n` requests (the log line is printed
    /// before the inspector records, so a line alone is not enough).
    async fn wait_for(&self, n: usize) -> Vec<Value> {
        webhook_test_support::poll_until(
            &format!("the inspector lists {n} requests"),
            || self.list(""),
            |list| list.len() >= n,
        )
        .await
    }

    async fn replay(&self, id: u64, body: &Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}/api/requests/{id}/replay", self.base))
            .header("content-type", "application/json")
            .header("x-webhook-inspector", "1")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        (
            status,
            serde_json::from_slice(&response.bytes().await.unwrap()).unwrap(),
        )
    }

    /// The receiver's own URL for `path`.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.listener.url)
    }
}

fn read_capture(path: &Path) -> Vec<CapturedRequest> {
    capture::read_file(path)
        .unwrap()
        .map(|r| r.unwrap().1)
        .collect()
}

fn header(record: &CapturedRequest, name: &str) -> Option<String> {
    let entry = record.headers.iter().find(|h| h.name() == name)?;
    Some(String::from_utf8(entry.value_bytes().unwrap()).unwrap())
}

async fn post(ui: &Ui, path: &str, body: impl Into<reqwest::Body>) -> StatusCode {
    ui.client
        .post(ui.url(path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_request_is_listed_with_its_verdicts_and_bytes_and_the_inspector_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let capture_file = dir.path().join("cap.ndjson");
    let mut ui = Ui::start(&[
        "--verify",
        "--dedupe",
        "--secret",
        SECRET,
        "--path",
        "/hooks",
        "--capture",
        capture_file.to_str().unwrap(),
    ]);
    let mut cmd = webhook();
    cmd.args([
        "send",
        &ui.url("/hooks"),
        "--secret",
        SECRET,
        "--data",
        r#"{"id":"evt_1","type":"invoice.paid"}"#,
    ]);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let line = ui.listener.next_line();
    assert!(
        line.contains("id=evt_1 ") && line.contains("sig=ok new -> 200"),
        "{line}"
    );

    let list = ui.wait_for(1).await;
    let row = &list[0];
    assert_eq!(row["id"], 1);
    assert_eq!(row["method"], "POST");
    assert_eq!(row["path"], "/hooks");
    assert_eq!(row["event_id"], "evt_1");
    assert_eq!(row["event_id_verified"], true);
    assert_eq!(row["event_type"], "invoice.paid");
    assert_eq!(row["verdict"], "ok");
    assert_eq!(row["verification"]["scheme"], "webhook");
    assert_eq!(row["dedupe"], "new");
    assert_eq!(row["status"], 200);
    assert_eq!(row["source"], "listener");
    assert_eq!(row["replay_of"], Value::Null);
    assert_eq!(row["replays"], json!([]));
    assert_eq!(row["forwards"], json!([]));
    assert!(row["latency_ms"].as_f64().unwrap() >= 0.0);
    assert!(row["received_at"].as_str().unwrap().ends_with('Z'));

    let detail = ui.detail(1).await;
    let body = &detail["request"]["body"];
    assert_eq!(body["text"], r#"{"id":"evt_1","type":"invoice.paid"}"#);
    assert_eq!(body["json"], true);
    assert_eq!(body["truncated"], false);
    assert!(
        body["pretty"]
            .as_str()
            .unwrap()
            .contains("\n  \"id\": \"evt_1\"")
    );
    let headers = detail["request"]["headers"].as_array().unwrap();
    assert!(
        headers
            .iter()
            .any(|h| h["name"] == "x-webhook-signature" && h["binary"] == false),
        "{headers:?}"
    );
    assert_eq!(detail["response"]["status"], 200);
    assert_eq!(detail["response"]["body"]["text"], "{\"received\":true}\n");
    let commands = &detail["commands"];
    let curl = commands["curl"].as_str().unwrap();
    assert!(
        curl.starts_with(&format!("curl -sS -X POST '{}'", ui.url("/hooks"))),
        "{curl}"
    );
    assert!(curl.contains("-H 'x-webhook-signature: v1="), "{curl}");
    let send = commands["send"].as_str().unwrap();
    assert!(send.starts_with("webhook send '"), "{send}");
    assert!(send.contains("--scheme webhook"), "{send}");
    assert!(!send.contains("x-webhook-signature"), "{send}");
    assert_eq!(commands["capture_available"], true);
    // Nothing the inspector says holds the secret.
    assert!(!detail.to_string().contains(SECRET), "{detail}");
    let (_, info) = ui.get("/api/info").await;
    assert_eq!(info["can_resign"], true);
    assert!(!info.to_string().contains(SECRET), "{info}");

    // The capture line: the same request, readable by `webhook replay`.
    let line = ui
        .client
        .get(format!("{}/api/requests/1/capture", ui.base))
        .send()
        .await
        .unwrap();
    assert_eq!(line.status(), StatusCode::OK);
    assert!(
        line.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("request-1.ndjson")
    );
    let record = CapturedRequest::from_line(line.text().await.unwrap().trim_end()).unwrap();
    assert_eq!(
        record.body().unwrap(),
        br#"{"id":"evt_1","type":"invoice.paid"}"#
    );
    assert!(record.verification.unwrap().ok);

    // Unknown ids: 404 with a JSON reason.
    for id in ["999", "abc"] {
        let (status, json) = ui.get(&format!("/api/requests/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(json["error"], "not_found", "{json}");
    }
    let (status, json) = ui.get("/api/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{json}");

    // None of the inspector's requests was verified, captured, printed or
    // listed: the next line is the next real request.
    assert_eq!(post(&ui, "/hooks", "{}").await, StatusCode::BAD_REQUEST);
    let line = ui.listener.next_line();
    assert!(
        line.starts_with("POST /hooks id=- ") && line.contains("sig=invalid(missing header"),
        "{line}"
    );
    let captured = read_capture(&capture_file);
    assert_eq!(captured.len(), 2, "{captured:?}");
    assert!(captured.iter().all(|r| r.path == "/hooks"));
    let list = ui.wait_for(2).await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["verdict"], "invalid", "newest first");
    assert_eq!(
        list[0]["verification"]["error"],
        "missing header x-webhook-timestamp"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_delivers_each_new_request_that_matches_its_filters() {
    let ui = Ui::start(&["--quiet", "--path", "/wanted"]);
    let mut events = ui
        .client
        .get(format!("{}/api/events?path=/wanted", ui.base))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    assert_eq!(
        post(&ui, "/other", r#"{"id":"evt_a"}"#).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(&ui, "/wanted", r#"{"id":"evt_b"}"#).await,
        StatusCode::OK
    );
    let mut received = String::new();
    let read = async {
        while !received.contains("evt_b") {
            let chunk = events
                .chunk()
                .await
                .unwrap()
                .expect("the stream stays open");
            received.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(webhook_test_support::PATIENCE, read)
        .await
        .unwrap_or_else(|_| panic!("no event for /wanted; got {received:?}"));
    assert!(
        received.starts_with("event: entry\ndata: {"),
        "{received:?}"
    );
    assert!(!received.contains("evt_a"), "filtered out: {received:?}");
    let data = received
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap();
    let entry: Value = serde_json::from_str(data).unwrap();
    assert_eq!(entry["path"], "/wanted");
    assert_eq!(entry["id"], 2);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_page_does_not_hold_up_shutdown() {
    // Not --quiet: a shutdown that gives up on open connections says so.
    let mut ui = Ui::start(&[]);
    let mut events = ui
        .client
        .get(format!("{}/api/events", ui.base))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    let status = tokio::task::block_in_place(|| ui.listener.terminate());
    assert!(
        status.success(),
        "{status}; stderr:\n{}",
        ui.listener.stderr()
    );
    // The stream was ended, not cut off after the shutdown grace period.
    let stderr = ui.listener.stderr();
    assert!(!stderr.contains("still in flight"), "{stderr}");
    let mut rest = Vec::new();
    while let Ok(Some(chunk)) = events.chunk().await {
        rest.extend_from_slice(&chunk);
    }
    assert!(
        !String::from_utf8_lossy(&rest).contains("event:"),
        "{rest:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_is_bounded_and_bodies_over_the_cap_are_cut() {
    let dir = tempfile::tempdir().unwrap();
    let capture_file = dir.path().join("cap.ndjson");
    let ui = Ui::start(&[
        "--quiet",
        "--ui-history",
        "2",
        "--ui-body-cap",
        "1KiB",
        "--capture",
        capture_file.to_str().unwrap(),
    ]);
    let big = format!("{{\"id\":\"evt_big\",\"pad\":\"{}\"}}", "x".repeat(5000));
    for body in [
        r#"{"id":"evt_1"}"#.to_owned(),
        r#"{"id":"evt_2"}"#.to_owned(),
        big.clone(),
    ] {
        assert_eq!(post(&ui, "/", body).await, StatusCode::OK);
    }
    let list = webhook_test_support::poll_until(
        "the third request listed",
        || ui.list(""),
        |list| list.first().is_some_and(|r| r["id"] == 3),
    )
    .await;
    let ids: Vec<_> = list.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [3, 2], "the oldest is evicted");
    let (status, json) = ui.get("/api/requests/1").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{json}");

    let detail = ui.detail(3).await;
    let body = &detail["request"]["body"];
    assert_eq!(body["truncated"], true);
    assert_eq!(body["size"], big.len());
    assert_eq!(body["kept"], 1024);
    assert_eq!(body["text"].as_str().unwrap(), &big[..1024]);
    assert_eq!(list[0]["body_truncated"], true);
    assert_eq!(detail["commands"]["capture_available"], false);
    assert!(
        detail["commands"]["curl_unavailable"]
            .as_str()
            .unwrap()
            .contains("capture file")
    );
    // A cut body can't be replayed as it was…
    let (status, json) = ui.replay(3, &json!({"mode": "verbatim"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{json}");
    assert_eq!(json["error"], "body_truncated");
    // …and the capture file has all of it.
    let captured = read_capture(&capture_file);
    assert_eq!(captured[2].body().unwrap(), big.as_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_and_non_utf8_header_values_are_shown_faithfully() {
    let ui = Ui::start(&["--quiet"]);
    let status = ui
        .client
        .post(ui.url("/"))
        .header(
            "x-bin",
            reqwest::header::HeaderValue::from_bytes(b"caf\xe9\\").unwrap(),
        )
        .header("x-rep", "one")
        .header("x-rep", "two")
        .body(&b"\x00\xff\xfe"[..])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::OK);
    ui.wait_for(1).await;
    let detail = ui.detail(1).await;
    let headers = detail["request"]["headers"].as_array().unwrap();
    assert!(
        headers.contains(&json!({"name": "x-bin", "value": r"caf\xe9\\", "binary": true})),
        "{headers:?}"
    );
    let reps: Vec<_> = headers
        .iter()
        .filter(|h| h["name"] == "x-rep")
        .map(|h| h["value"].as_str().unwrap())
        .collect();
    assert_eq!(reps, ["one", "two"]);
    let body = &detail["request"]["body"];
    assert_eq!(body["text"], Value::Null);
    assert!(
        body["hex"]
            .as_str()
            .unwrap()
            .starts_with("00000000  00 ff fe")
    );
    assert!(
        detail["commands"]["curl_unavailable"]
            .as_str()
            .unwrap()
            .contains("not UTF-8")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_re_signed_verify_with_a_fresh_timestamp_and_verbatim_ones_keep_the_headers() {
    let dir = tempfile::tempdir().unwrap();
    let capture_file = dir.path().join("cap.ndjson");
    let ui = Ui::start(&[
        "--quiet",
        "--verify",
        "--secret",
        SECRET,
        "--path",
        "/hooks",
        "--capture",
        capture_file.to_str().unwrap(),
    ]);
    // Signed a minute ago (well within the tolerance), so a fresh
    // signature has another timestamp.
    let body = r#"{"id":"evt_r","type":"order.created"}"#;
    let signed_at = webhook_verify::Clock::now_unix(&webhook_verify::SystemClock) - 60;
    let headers = Signer::new(Scheme::Webhook, SECRET)
        .unwrap()
        .sign(body.as_bytes(), signed_at, Some("evt_r"))
        .unwrap();
    let status = ui
        .client
        .post(ui.url("/hooks"))
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::OK);
    ui.wait_for(1).await;

    let (status, answer) = ui.replay(1, &json!({"mode": "resign"})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], 200);
    assert_eq!(answer["entry"], 2);
    let (status, answer) = ui.replay(1, &json!({"mode": "verbatim"})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["entry"], 3);
    let edited = r#"{"id":"evt_r","type":"order.created","edited":true}"#;
    let (status, answer) = ui
        .replay(
            1,
            &json!({"body": edited, "headers": [["content-type", "application/json"], ["x-extra", "yes"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["entry"], 4);

    let list = ui.wait_for(4).await;
    for row in &list[..3] {
        assert_eq!(row["replay_of"], 1, "{row}");
        assert_eq!(row["verdict"], "ok", "{row}");
    }
    assert_eq!(list[3]["replays"], json!([2, 3, 4]));

    // Through the whole stack: each replay was captured, without the
    // inspector's marker.
    let captured = read_capture(&capture_file);
    assert_eq!(captured.len(), 4);
    let verifier = Verifier::new(Scheme::Webhook, SECRET).unwrap();
    for record in &captured {
        assert!(header(record, "x-webhook-inspector-replay").is_none());
        verifier
            .verify(&record.header_map().unwrap(), &record.body().unwrap())
            .unwrap_or_else(|e| panic!("{e}: {record:?}"));
        assert_eq!(header(record, "x-webhook-id").as_deref(), Some("evt_r"));
    }
    let original = header(&captured[0], "x-webhook-timestamp").unwrap();
    assert_eq!(original, signed_at.to_string());
    let resigned = header(&captured[1], "x-webhook-timestamp").unwrap();
    assert!(resigned.parse::<i64>().unwrap() > signed_at, "{resigned}");
    assert_eq!(
        header(&captured[2], "x-webhook-signature"),
        header(&captured[0], "x-webhook-signature"),
        "verbatim keeps the signature"
    );
    assert_eq!(header(&captured[2], "x-webhook-timestamp"), Some(original));
    assert_eq!(captured[3].body().unwrap(), edited.as_bytes());
    assert_eq!(header(&captured[3], "x-extra").as_deref(), Some("yes"));
}

/// Re-signing must produce what each provider signs: the URL for Square
/// and Twilio (with Twilio's form parameters), the signature inside the
/// body for Mailgun. An edited body is re-signed too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_signed_replays_verify_for_url_and_body_signed_schemes() {
    let cases: [(Scheme, &str, &str); 3] = [
        (
            Scheme::Square,
            "application/json",
            r#"{"event_id":"e1","type":"payment.created"}"#,
        ),
        (
            Scheme::Twilio,
            "application/x-www-form-urlencoded",
            "Body=hello&From=%2B15551234567",
        ),
        (
            Scheme::Mailgun,
            "application/json",
            r#"{"event-data":{"id":"m1","event":"delivered"}}"#,
        ),
    ];
    for (scheme, content_type, body) in cases {
        let ui = Ui::start(&[
            "--quiet",
            "--verify",
            "--scheme",
            scheme.name(),
            "--secret",
            SECRET,
            "--path",
            "/hooks",
        ]);
        let url: http::Uri = ui.url("/hooks?x=1").parse().unwrap();
        let none = http::HeaderMap::new();
        let now = webhook_verify::Clock::now_unix(&webhook_verify::SystemClock);
        let request = webhook_verify::scheme::WebhookRequest::new(&none, body.as_bytes())
            .with_method(&http::Method::POST)
            .with_uri(&url);
        let (headers, signed_body) = Signer::new(scheme, SECRET)
            .unwrap()
            .sign_request_body(&request, now - 60, Some("evt_u"))
            .unwrap();
        let body = signed_body.unwrap_or_else(|| body.as_bytes().to_vec());
        let status = ui
            .client
            .post(url.to_string())
            .header("content-type", content_type)
            .headers(headers)
            .body(body.clone())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::OK, "{scheme}: the original");

        let (status, answer) = ui.replay(1, &json!({"mode": "resign"})).await;
        assert_eq!(status, StatusCode::OK, "{scheme}: {answer}");
        // An edit the old signature can't cover: a new form field or a new
        // JSON member (Mailgun's signature object is written back).
        let edited = match scheme {
            Scheme::Twilio => format!("{}&Extra=1", String::from_utf8(body).unwrap()),
            _ => {
                let mut value: Value = serde_json::from_slice(&body).unwrap();
                value["edited"] = json!(true);
                value.to_string()
            }
        };
        let (status, answer) = ui
            .replay(
                1,
                &json!({"body": edited, "headers": [["content-type", content_type]]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{scheme}: {answer}");
        let list = ui.wait_for(3).await;
        for row in &list {
            assert_eq!(row["verdict"], "ok", "{scheme}: {row}");
        }
        assert_eq!(list[0]["replay_of"], 1, "{scheme}");
        assert_eq!(list[1]["replay_of"], 1, "{scheme}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_key_listener_refuses_re_signing_but_replays_verbatim() {
    let mut keygen = webhook();
    keygen.args(["keygen", "--scheme", "discord", "--json"]);
    let output = run(keygen).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let pair: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let (public, private) = (
        pair["public"].as_str().unwrap(),
        pair["private"].as_str().unwrap(),
    );
    let ui = Ui::start(&[
        "--quiet", "--scheme", "discord", "--verify", "--secret", public,
    ]);
    let (_, info) = ui.get("/api/info").await;
    assert_eq!(info["can_resign"], false);
    assert!(
        info["resign_unavailable"]
            .as_str()
            .unwrap()
            .contains("public key"),
        "{info}"
    );
    let mut send = webhook();
    send.args([
        "send",
        &ui.url("/"),
        "--scheme",
        "discord",
        "--secret",
        private,
    ]);
    let output = run(send).await;
    assert!(output.status.success(), "{}", stderr(&output));
    ui.wait_for(1).await;
    let (status, json) = ui.replay(1, &json!({"mode": "resign"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    assert_eq!(json["error"], "resign_unavailable");
    let message = json["message"].as_str().unwrap();
    assert!(
        message.contains("public key") && message.contains("verbatim"),
        "{message}"
    );
    let (status, json) = ui.replay(1, &json!({"mode": "verbatim"})).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let list = ui.wait_for(2).await;
    assert_eq!(list[0]["verdict"], "ok", "{list:?}");
    assert_eq!(list[0]["replay_of"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_through_the_routes_is_listed_with_each_targets_answer() {
    let target = RecordingServer::start(|_| common::respond(202, &[("x-app", "took it")])).await;
    let invoices = RecordingServer::start(|_| common::respond(200, &[])).await;
    let ui = Ui::start(&[
        "--quiet",
        "--forward-to",
        &target.url("/app"),
        "--forward-to",
        &format!("invoice.*={}", invoices.url("/invoices")),
    ]);
    assert_eq!(
        post(&ui, "/?x=1", r#"{"id":"evt_f","type":"customer.created"}"#).await,
        StatusCode::ACCEPTED
    );
    let list = ui.wait_for(1).await;
    assert_eq!(list[0]["forwards"][0]["target"], target.url("/app"));
    assert_eq!(list[0]["forwards"][0]["status"], 202);
    let (status, answer) = ui
        .replay(1, &json!({"target": "forward", "mode": "verbatim"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], 202);
    assert_eq!(
        answer["forwards"],
        json!([{"target": target.url("/app"), "status": 202, "error": null}])
    );
    let requests = target.wait_for_requests(2).await;
    assert_eq!(requests[1].path_and_query, "/app?x=1");
    assert_eq!(
        &requests[1].body[..],
        br#"{"id":"evt_f","type":"customer.created"}"#
    );
    let list = ui.wait_for(2).await;
    assert_eq!(list[0]["source"], "forward_replay");
    assert_eq!(list[0]["status"], 202);
    assert_eq!(list[0]["replay_of"], 1);
    let detail = ui.detail(list[0]["id"].as_u64().unwrap()).await;
    let forward = &detail["forwards"][0];
    assert_eq!(forward["status"], 202);
    assert!(
        forward["headers"]
            .as_array()
            .unwrap()
            .contains(&json!(["x-app", "took it"])),
        "{forward}"
    );
    // An edited event type reaches the route that takes it.
    let (status, answer) = ui
        .replay(
            1,
            &json!({"target": "forward", "mode": "verbatim", "body": r#"{"id":"evt_f","type":"invoice.paid"}"#}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["forwards"].as_array().unwrap().len(), 2, "{answer}");
    assert_eq!(
        invoices.wait_for_requests(1).await[0].path_and_query,
        "/invoices?x=1"
    );
    // Without a --secret there is nothing to re-sign with.
    let (status, json) = ui.replay(1, &json!({"target": "forward"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    assert!(
        json["message"].as_str().unwrap().contains("no --secret"),
        "{json}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_that_no_route_takes_is_refused() {
    let target = RecordingServer::ok().await;
    let ui = Ui::start(&[
        "--quiet",
        "--forward-to",
        &format!("invoice.*={}", target.url("/")),
    ]);
    assert_eq!(
        post(&ui, "/", r#"{"id":"evt_n","type":"push"}"#).await,
        StatusCode::OK
    );
    let list = ui.wait_for(1).await;
    assert_eq!(list[0]["no_route_matched"], true);
    let (status, json) = ui
        .replay(1, &json!({"target": "forward", "mode": "verbatim"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    assert_eq!(json["error"], "no_route_matched");
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("event type push"),
        "{json}"
    );
    target.assert_no_requests();
    // Nor is a replay to targets the listener doesn't have.
    let plain = Ui::start(&["--quiet"]);
    assert_eq!(post(&plain, "/", "{}").await, StatusCode::OK);
    plain.wait_for(1).await;
    let (status, json) = plain
        .replay(1, &json!({"target": "forward", "mode": "verbatim"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    assert_eq!(json["error"], "no_forward_target");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_origins_and_forged_replays_are_refused() {
    let ui = Ui::start(&["--quiet"]);
    assert_eq!(post(&ui, "/", "{}").await, StatusCode::OK);
    ui.wait_for(1).await;
    let port = ui.listener.addr().port();
    let replay_url = format!("{}/api/requests/1/replay", ui.base);
    let attempt = |request: reqwest::RequestBuilder| async move {
        let response = request.send().await.unwrap();
        let status = response.status();
        let json: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        (
            status,
            json["error"].as_str().unwrap_or_default().to_owned(),
        )
    };
    // A form post from another page: no JSON, no custom header.
    let (status, error) = attempt(
        ui.client
            .post(&replay_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("mode=verbatim"),
    )
    .await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let (status, error) = attempt(
        ui.client
            .post(&replay_url)
            .header("content-type", "application/json")
            .body("{}"),
    )
    .await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::FORBIDDEN, "missing_inspector_header")
    );
    let (status, error) = attempt(
        ui.client
            .post(&replay_url)
            .header("content-type", "application/json")
            .header("x-webhook-inspector", "1")
            .header("origin", "http://evil.example")
            .body("{}"),
    )
    .await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::FORBIDDEN, "forbidden_origin")
    );
    // DNS rebinding: a name that resolves to us is still not us.
    let (status, error) = attempt(
        ui.client
            .get(format!("{}/api/requests", ui.base))
            .header("host", format!("rebound.example:{port}")),
    )
    .await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::FORBIDDEN, "forbidden_host")
    );
    // Not a replay request, an unknown entry.
    let (status, error) = attempt(
        ui.client
            .post(&replay_url)
            .header("content-type", "application/json")
            .header("x-webhook-inspector", "1")
            .body("{\"mode\":"),
    )
    .await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
    let (status, json) = ui.replay(42, &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{json}");
    // Its own origin, by name: allowed.
    let (status, _) = attempt(
        ui.client
            .get(format!("{}/api/requests", ui.base))
            .header("origin", format!("http://localhost:{port}"))
            .header("host", format!("localhost:{port}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Only one request ever reached the receiver.
    assert_eq!(ui.list("").await.len(), 1);
    // A made-up replay marker links nothing and stays on the request.
    let status = ui
        .client
        .post(ui.url("/"))
        .header("x-webhook-inspector-replay", "0123456789abcdef")
        .body("{}")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::OK);
    let list = ui.wait_for(2).await;
    assert_eq!(list[0]["replay_of"], Value::Null);
    let detail = ui.detail(2).await;
    assert!(
        detail["request"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "x-webhook-inspector-replay"),
        "{detail}"
    );
    // The page forbids framing and third-party content.
    let page = ui.client.get(format!("{}/", ui.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_port_serves_the_inspector_apart_from_the_receiver() {
    let ui = Ui::start(&["--quiet", "--ui-port", "0"]);
    assert_ne!(ui.base, format!("{}/_webhook", ui.listener.url));
    // On the receiver's port, /_webhook/ is an ordinary path: not the
    // route (404), but listed like any other request.
    let status = ui
        .client
        .get(ui.url("/_webhook/"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
    let list = ui.wait_for(1).await;
    assert_eq!(list[0]["path"], "/_webhook/");
    let (_, info) = ui.get("/api/info").await;
    assert_eq!(info["listener"], ui.listener.url);
}

#[tokio::test]
async fn the_ui_stays_on_loopback_unless_allowed_and_its_prefix_is_reserved() {
    for (args, mentions) in [
        (
            &["listen", "--ui", "--host", "0.0.0.0"][..],
            "--ui-allow-remote",
        ),
        (
            &["listen", "--ui", "--path", "/_webhook/hooks"][..],
            "reserved",
        ),
        (&["listen", "--ui-history", "5"][..], "--ui"),
        (&["listen", "--ui", "--ui-history", "0"][..], "at least 1"),
    ] {
        let mut cmd = webhook();
        cmd.args(args).timeout(Duration::from_secs(30));
        let output = run(cmd).await;
        assert_usage_error(&output, args, mentions);
    }
    let ui = Ui::start(&["--host", "0.0.0.0", "--ui-allow-remote"]);
    webhook_test_support::eventually("the remote warning on stderr", || {
        std::future::ready(ui.listener.stderr().contains("warning: --ui-allow-remote"))
    })
    .await;
}
