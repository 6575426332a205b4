//! `webhook listen --forward-to FILTER=URL` and `--routes FILE`: a real
//! listener process forwarding to recording servers on 127.0.0.1.

mod common;

use axum::http::StatusCode;
use axum::response::IntoResponse as _;
use common::{Listener, RecordingServer, assert_usage_error, respond, run, webhook};

/// A POST of `body` (with `headers`) to `url`; the status and body.
async fn post(url: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let client =
        webhook_cli::http_client::build_client(&Default::default(), &Default::default()).unwrap();
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

fn bodies(server: &RecordingServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect()
}

/// A port nothing listens on: bound, read, released. (This races with
/// anything else binding a port meanwhile; a test failing that way says
/// "connection" in its message.)
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_filters_send_each_target_only_its_events() {
    let billing = RecordingServer::ok().await;
    let github = RecordingServer::ok().await;
    let mut listener = Listener::start(&[
        "--forward-to",
        &format!("invoice.*={}", billing.url("/billing")),
        "--forward-to",
        &format!("push|pull_request.*={}", github.url("/github")),
    ]);

    let invoice = r#"{"id":"evt_1","type":"invoice.payment.failed"}"#;
    assert_eq!(post(&listener.url, &[], invoice).await.0, 200);
    let line = listener.next_line();
    assert!(
        line.contains(" type=invoice.payment.failed -> 200 (")
            && line.contains(&format!(" → {} 200 (", billing.url("/billing")))
            && !line.contains(&github.url("")),
        "{line}"
    );

    let push = r#"{"ref":"refs/heads/main"}"#;
    let (status, _) = post(&listener.url, &[("x-github-event", "push")], push).await;
    assert_eq!(status, 200);
    listener.next_line();
    let opened = r#"{"action":"opened","number":7}"#;
    let (status, _) = post(&listener.url, &[("x-github-event", "pull_request")], opened).await;
    assert_eq!(status, 200);
    assert!(listener.next_line().contains(" type=pull_request.opened "));

    assert_eq!(bodies(&billing), [invoice]);
    assert_eq!(bodies(&github), [push, opened]);
    assert_eq!(billing.requests()[0].path_and_query, "/billing");
    // The original headers went along (minus hop-by-hop ones).
    assert_eq!(
        github.requests()[1].headers["x-github-event"],
        "pull_request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_filter_routes_by_path_and_passes_the_query_on() {
    let stripe = RecordingServer::ok().await;
    let github = RecordingServer::ok().await;
    let mut listener = Listener::start(&[
        // Every path but the root (axum's catch-all).
        "--path",
        "/{*rest}",
        "--forward-to",
        &format!("@/stripe/*={}", stripe.url("/in")),
        "--forward-to",
        &format!("*@/github/*={}", github.url("/in")),
    ]);
    let (status, _) = post(
        &format!("{}/stripe/live?mode=test", listener.url),
        &[],
        "{}",
    )
    .await;
    assert_eq!(status, 200);
    listener.next_line();
    // A path filter alone: no event type needed. With an event filter (`*`)
    // too, a request without an event type matches no route.
    let (status, _) = post(&format!("{}/github/x", listener.url), &[], "{}").await;
    assert_eq!(status, 200);
    assert!(listener.next_line().ends_with(" → no route matched"));
    let (status, _) = post(
        &format!("{}/github/x", listener.url),
        &[("x-github-event", "ping")],
        "{}",
    )
    .await;
    assert_eq!(status, 200);
    listener.next_line();

    let received = stripe.requests();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path_and_query, "/in?mode=test");
    let received = github.requests();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].headers["x-github-event"], "ping");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_matching_two_targets_reaches_both() {
    let billing = RecordingServer::start(|_| respond(202, &[])).await;
    let archive = RecordingServer::ok().await;
    let mut listener = Listener::start(&[
        "--forward-to",
        &format!("invoice.*={}", billing.url("/billing")),
        "--forward-to",
        &archive.url("/all"),
    ]);
    let body = "{\"id\":\"evt_2\", \"type\":\"invoice.paid\"}\n";
    // Both took it: the first target's answer.
    assert_eq!(post(&listener.url, &[], body).await.0, 202);
    let line = listener.next_line();
    let billing_at = line.find(&format!(" → {} 202 (", billing.url("/billing")));
    let archive_at = line.find(&format!(" → {} 200 (", archive.url("/all")));
    assert!(
        billing_at.is_some() && archive_at.is_some() && billing_at < archive_at,
        "{line}"
    );
    assert_eq!(bodies(&billing), [body]);
    assert_eq!(bodies(&archive), [body]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_did_not_take_the_event_makes_the_sender_retry() {
    let first = RecordingServer::ok().await;
    let failing =
        RecordingServer::start(|_| (StatusCode::INTERNAL_SERVER_ERROR, "nope").into_response())
            .await;
    let down = format!("http://127.0.0.1:{}/down", closed_port());
    let mut listener = Listener::start(&[
        "--forward-to",
        &first.url("/a"),
        "--forward-to",
        &format!("invoice.*={}", failing.url("/b")),
        "--forward-to",
        &format!("customer.*={down}"),
    ]);

    // The second target answered 500: its answer goes to the sender, which
    // retries; the first target got the event all the same.
    let invoice = r#"{"id":"evt_3","type":"invoice.paid"}"#;
    assert_eq!(
        post(&listener.url, &[], invoice).await,
        (500, "nope".to_owned())
    );
    let line = listener.next_line();
    assert!(line.contains(" -> 500 ("), "{line}");
    assert!(
        line.contains(&format!(" → {} 500 (", failing.url("/b"))),
        "{line}"
    );
    assert_eq!(bodies(&first), [invoice]);
    assert_eq!(bodies(&failing), [invoice]);

    // A target that can't be reached: 502, and the log says why.
    let customer = r#"{"id":"evt_4","type":"customer.created"}"#;
    assert_eq!(post(&listener.url, &[], customer).await.0, 502);
    let line = listener.next_line();
    assert!(line.contains(" -> 502 ("), "{line}");
    assert!(line.contains(&format!(" → {down} failed(")), "{line}");
    assert_eq!(bodies(&first), [invoice, customer]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_matching_route_gets_the_respond_answer_and_the_log_says_so() {
    let billing = RecordingServer::ok().await;
    let mut listener = Listener::start(&[
        "--respond",
        "202",
        "--forward-to",
        &format!("invoice.*={}", billing.url("/billing")),
    ]);
    let (status, body) = post(&listener.url, &[], r#"{"type":"customer.created"}"#).await;
    assert_eq!((status, body.as_str()), (202, "{\"received\":true}\n"));
    let line = listener.next_line();
    assert!(line.contains(" type=customer.created -> 202 ("), "{line}");
    assert!(line.ends_with(" → no route matched"), "{line}");
    // An event filter never matches a request that names no event type.
    assert_eq!(post(&listener.url, &[], r#"{"id":"x"}"#).await.0, 202);
    assert!(listener.next_line().ends_with(" → no route matched"));
    billing.assert_no_requests();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_routes_file_comes_after_the_forward_to_routes() {
    let dir = tempfile::tempdir().unwrap();
    let conflict = RecordingServer::start(|_| respond(409, &[])).await;
    let broken = RecordingServer::start(|_| respond(500, &[])).await;
    let other = RecordingServer::ok().await;
    let file = dir.path().join("routes.toml");
    std::fs::write(
        &file,
        format!(
            "# every invoice event, and the rest elsewhere\n\
             [[route]]\nto = \"{}\"\nevents = [\"invoice.*\"]\n\n\
             [[route]]\nto = \"{}\"\nevents = [\"customer.*\", \"charge.*\"]\npath = \"/\"\n",
            broken.url("/file"),
            other.url("/file")
        ),
    )
    .unwrap();
    let mut listener = Listener::start(&[
        "--routes",
        file.to_str().unwrap(),
        "--forward-to",
        &format!("invoice.*={}", conflict.url("/flag")),
    ]);
    // Both invoice targets fail; the --forward-to one comes first, so its
    // answer is the sender's, and it is listed first.
    let invoice = r#"{"type":"invoice.paid"}"#;
    assert_eq!(post(&listener.url, &[], invoice).await.0, 409);
    let line = listener.next_line();
    let flag_at = line.find(&conflict.url("/flag"));
    let file_at = line.find(&broken.url("/file"));
    assert!(
        flag_at.is_some() && file_at.is_some() && flag_at < file_at,
        "{line}"
    );
    let charge = r#"{"type":"charge.refunded"}"#;
    assert_eq!(post(&listener.url, &[], charge).await.0, 200);
    listener.next_line();
    assert_eq!(bodies(&conflict), [invoice]);
    assert_eq!(bodies(&broken), [invoice]);
    assert_eq!(bodies(&other), [charge]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_routes_files_and_forward_to_values_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[[route]]\nto = \"http://127.0.0.1:1/\"\nevnets = [\"invoice.*\"]\n",
            "unknown field `evnets`",
        ),
        (
            "[[route]]\nto = \"ftp://127.0.0.1/\"\n",
            "[[route]] #1: invalid to \"ftp://127.0.0.1/\"",
        ),
        ("[[route]]\nevents = [\"x\"]\n", "missing field `to`"),
    ];
    for (n, (text, mentions)) in cases.into_iter().enumerate() {
        let file = dir.path().join(format!("routes-{n}.toml"));
        std::fs::write(&file, text).unwrap();
        let args = ["listen", "--routes", file.to_str().unwrap()];
        let mut cmd = webhook();
        cmd.args(args);
        let output = run(cmd).await;
        assert_usage_error(&output, &args, mentions);
        assert_usage_error(&output, &args, "--routes ");
    }
    let missing = dir.path().join("missing.toml");
    let args = ["listen", "--routes", missing.to_str().unwrap()];
    let mut cmd = webhook();
    cmd.args(args);
    assert_usage_error(&run(cmd).await, &args, "cannot read --routes");

    for (value, mentions) in [
        ("invoice.*=ftp://h/", "ftp:// is not supported"),
        ("=http://127.0.0.1:1/", "nothing before \"=\""),
        ("invoice.*@stripe=http://127.0.0.1:1/", "must start with /"),
    ] {
        let args = ["listen", "--forward-to", value];
        let mut cmd = webhook();
        cmd.args(args);
        let output = run(cmd).await;
        assert_usage_error(&output, &args, mentions);
        assert_usage_error(&output, &args, "--forward-to");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_prints_the_target_body_escaped() {
    let target = RecordingServer::start(|_| {
        (
            StatusCode::OK,
            "ok\u{1b}[2J\r\nPOST / id=forged -> 200 \u{9b}",
        )
            .into_response()
    })
    .await;
    let mut listener = Listener::start(&["-v", "--forward-to", &target.url("/in")]);
    assert_eq!(post(&listener.url, &[], r#"{"id":"evt_v"}"#).await.0, 200);
    let line = listener.next_line();
    assert!(
        line.contains(&format!(" → {} 200 (", target.url("/in"))),
        "{line}"
    );
    assert_eq!(
        listener.next_line(),
        format!(
            r"  ↳ {}: ok\x1b[2J\r\nPOST / id=forged -> 200 \u{{9b}}",
            target.url("/in")
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_line_has_the_event_type_and_every_forward() {
    let target = RecordingServer::start(|_| {
        respond(201, &[("x-target", "one")]).map(|_| axum::body::Body::from("{\"stored\":1}"))
    })
    .await;
    let mut listener = Listener::start(&["--json", "--forward-to", &target.url("/in")]);
    let body = r#"{"id":"evt_j","type":"invoice.paid"}"#;
    assert_eq!(post(&listener.url, &[], body).await.0, 201);
    let line: serde_json::Value = serde_json::from_str(&listener.next_line()).unwrap();
    assert_eq!(line["event_type"], "invoice.paid");
    assert_eq!(line["no_route_matched"], false);
    let forwards = line["forwards"].as_array().unwrap();
    assert_eq!(forwards.len(), 1, "{line}");
    let forward = &forwards[0];
    assert_eq!(forward["target"], target.url("/in"));
    assert_eq!(forward["status"], 201);
    assert_eq!(forward["error"], serde_json::Value::Null);
    assert_eq!(forward["body"], "{\"stored\":1}");
    assert_eq!(forward["body_truncated"], false);
    assert!(forward["latency_ms"].as_f64().unwrap() >= 0.0);
    let headers = forward["headers"].as_array().unwrap();
    assert!(
        headers.contains(&serde_json::json!(["x-target", "one"])),
        "{headers:?}"
    );
    assert_eq!(bodies(&target), [body]);
}
