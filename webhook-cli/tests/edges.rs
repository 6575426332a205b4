//! The edges of the first hour with the real binary: exit codes, what is
//! printed (once, without credentials, rounded), Ctrl-C during `deliver`
//! and `replay`, closed pipes, and the small promises of `send`, `replay`,
//! `deliver`, `listen`, `roundtrip` and `secret new`.

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Stdio};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse as _;
use common::{RecordingServer, assert_usage_error, run, stderr, stdout, webhook};
use webhook_cli::capture;
use webhook_test_support::{Poll, RedisServer};

const SECRET: &str = "s3cret";

/// Every bad argument is exit code 2, with a message naming the problem.
#[test]
fn bad_arguments_are_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let capture_file = dir.path().join("cap.ndjson");
    std::fs::write(&capture_file, "").unwrap();
    let capture_path = capture_file.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "verify",
                "--secret",
                SECRET,
                "--capture",
                capture_path,
                "--line",
                "0",
            ],
            "--line",
        ),
        (
            &[
                "send",
                "http://127.0.0.1:9/",
                "--secret-file",
                "/nonexistent/secrets",
            ],
            "--secret-file",
        ),
        (
            &[
                "send",
                "http://127.0.0.1:9/",
                "--scheme",
                "standard",
                "--secret",
                "not*base64!",
            ],
            "whsec_",
        ),
        (
            &["listen", "--dedupe", "--redis", "notaurl"],
            "not a Redis URL",
        ),
        (
            &[
                "deliver",
                "http://127.0.0.1:9/",
                "--secret",
                SECRET,
                "--concurrency",
                "0",
            ],
            "--concurrency",
        ),
        (
            &[
                "listen",
                "--fail-rate",
                "1",
                "--retry-after",
                "2",
                "--fail-status",
                "500",
            ],
            "--fail-status",
        ),
        (
            &[
                "send",
                "http://127.0.0.1:9/",
                "--secret",
                SECRET,
                "--data",
                r#"{"id":"a"}"#,
                "--id",
                "b",
            ],
            "disagrees",
        ),
        (&["listen", "--retry-after", "soon"], "--retry-after"),
    ];
    for (args, mentions) in cases {
        let output = webhook().args(*args).output().unwrap();
        assert_usage_error(&output, args, mentions);
        assert!(
            !stderr(&output).contains("not*base64!"),
            "a secret was echoed"
        );
    }
}

/// URLs are printed without their credentials: `--redis`, and the target
/// URLs of `send` and `deliver` (in messages, dead letters and results).
#[test]
fn credentials_in_urls_are_never_printed() {
    let url = "redis://user:hunter2@127.0.0.1:1/";
    for args in [
        vec!["roundtrip", "-n", "5", "--redis", url],
        vec!["listen", "--dedupe", "--redis", url],
    ] {
        let output = webhook().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let err = stderr(&output);
        assert!(!err.contains("hunter2"), "{args:?}: {err}");
        assert!(err.contains("redis://***@127.0.0.1:1/"), "{args:?}: {err}");
    }

    // Basic-auth webhook URLs are common; nothing listens on port 9.
    let dir = tempfile::tempdir().unwrap();
    let (dead, results) = (dir.path().join("dead"), dir.path().join("results"));
    let target = "http://user:hunter2@127.0.0.1:9/hook";
    let send = webhook()
        .args(["send", target, "--secret", SECRET])
        .output()
        .unwrap();
    let deliver = webhook()
        .args([
            "deliver",
            target,
            "--secret",
            SECRET,
            "--count",
            "1",
            "--max-attempts",
            "1",
        ])
        .arg("--dead-letter")
        .arg(&dead)
        .arg("--results")
        .arg(&results)
        .output()
        .unwrap();
    for output in [&send, &deliver] {
        assert_eq!(output.status.code(), Some(1));
        let printed = format!("{}{}", stdout(output), stderr(output));
        assert!(!printed.contains("hunter2"), "{printed}");
    }
    assert!(stderr(&send).contains("POST http://***@127.0.0.1:9/hook"));
    for file in [&dead, &results] {
        let written = std::fs::read_to_string(file).unwrap();
        assert!(!written.is_empty());
        assert!(!written.contains("hunter2"), "{written}");
    }
}

/// An error says each of its causes once.
#[test]
fn errors_say_each_cause_once() {
    // Port 9 (discard) on loopback: nothing listens there.
    let output = webhook()
        .args(["send", "http://127.0.0.1:9/", "--secret", SECRET])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert_eq!(err.matches("Connection refused").count(), 1, "{err}");
    let output = webhook()
        .args(["roundtrip", "-n", "5", "--redis", "redis://127.0.0.1:1/"])
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(err.matches("Connection refused").count(), 1, "{err}");
}

/// The id signed into the headers is always the body's `"id"`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_signs_the_id_the_body_carries() {
    let server = RecordingServer::ok().await;
    let mut cmd = webhook();
    cmd.args([
        "send",
        &server.url("/"),
        "--secret",
        SECRET,
        "--event",
        "ping",
    ])
    .args(["--set", "id=evt_from_set", "--json"]);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["id"], "evt_from_set");
    let seen = &server.requests()[0];
    assert_eq!(seen.headers["x-webhook-id"], "evt_from_set");
    let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(body["id"], "evt_from_set");
    // Rounded to the microsecond it was measured in.
    let latency = printed["latency_ms"].as_f64().unwrap();
    assert_eq!((latency * 1000.0).round() / 1000.0, latency);
}

/// `-` is stdin for `send --file`, `replay` and `verify --capture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dash_is_stdin() {
    let server = RecordingServer::ok().await;
    let mut cmd = webhook();
    cmd.args(["send", &server.url("/"), "--secret", SECRET, "--file", "-"])
        .write_stdin(r#"{"id":"evt_stdin"}"#);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(&server.requests()[0].body[..], br#"{"id":"evt_stdin"}"#);

    let body = br#"{"id":"evt_cap"}"#;
    let headers = webhook_verify::Signer::new(webhook_verify::Scheme::Webhook, SECRET)
        .unwrap()
        .sign(body, 1_700_000_000, Some("evt_cap"))
        .unwrap();
    let line = capture::CapturedRequest::from_parts("POST", "/in", None, &headers, body).to_line();
    let mut cmd = webhook();
    cmd.args([
        "verify",
        "--secret",
        SECRET,
        "--now",
        "1700000000",
        "--capture",
        "-",
    ])
    .write_stdin(line.clone());
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("line 1: valid"));

    let mut cmd = webhook();
    cmd.args([
        "replay",
        "-",
        "--secret",
        SECRET,
        "--to",
        &server.url("/replayed"),
    ])
    .write_stdin(line);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(server.requests()[1].body, &body[..]);
}

/// Doing nothing is never a silent success, and odd input is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_nothing_is_reported() {
    let server = RecordingServer::ok().await;
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.ndjson");
    std::fs::write(&events, "{\"id\":\"evt_1\"}\nnot json at all\n[1,2]\n").unwrap();
    let mut loud = webhook();
    loud.args(["deliver", &server.url("/"), "--secret", SECRET])
        .arg("--from")
        .arg(&events);
    let output = run(loud).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("line 2 is not a JSON object"), "{err}");
    assert!(err.contains("line 3 is not a JSON object"), "{err}");
    assert_eq!(server.requests().len(), 3, "odd lines are still sent");

    // A selection that matches nothing.
    let capture_file = dir.path().join("cap.ndjson");
    let headers = http::HeaderMap::new();
    capture::CaptureWriter::append(&capture_file)
        .unwrap()
        .write(&capture::CapturedRequest::from_parts(
            "POST", "/", None, &headers, b"{}",
        ))
        .unwrap();
    let mut cmd = webhook();
    cmd.args(["replay", "--secret", SECRET, "--to", &server.url("/")])
        .arg(&capture_file)
        .args(["--select", "id=evt_nowhere"]);
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("nothing to send: no captured request in"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("matched --select id=evt_nowhere"));

    // A run too short for a rate says so instead of inventing one.
    let mut cmd = webhook();
    cmd.args([
        "deliver",
        &server.url("/"),
        "--secret",
        SECRET,
        "--count",
        "1",
        "--json",
    ]);
    let output = run(cmd).await;
    assert!(output.status.success());
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(summary["events_per_s"].is_null(), "{summary}");
    let p50 = summary["latency_ms"]["p50"].as_f64().unwrap();
    assert_eq!((p50 * 1000.0).round() / 1000.0, p50, "rounded to µs");
}

/// `--retry-after` is a duration like every other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_retry_after_takes_a_duration() {
    let mut listener = std::process::Command::new(env!("CARGO_BIN_EXE_webhook"))
        .args(["listen", "--fail-rate", "1", "--retry-after", "1500ms"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = first_line(&mut listener)
        .strip_prefix("listening on ")
        .map(str::to_owned)
        .expect("the readiness line");
    let client =
        webhook_cli::http_client::build_client(&Default::default(), &Default::default()).unwrap();
    let response = client.post(&url).body("{}").send().await.unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "2", "1.5 s, rounded up");
    let _ = listener.kill();
    let _ = listener.wait();
}

fn first_line(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    line.trim_end().to_owned()
}

/// A 410 is reported once, however many requests were in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_is_reported_once() {
    let server = RecordingServer::start_slow(Duration::from_millis(50), |_| {
        StatusCode::GONE.into_response()
    })
    .await;
    let mut cmd = webhook();
    cmd.args(["deliver", &server.url("/"), "--secret", SECRET])
        .args(["--count", "64", "--concurrency", "16"]);
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        server.requests().len() > 1,
        "several requests were in flight"
    );
    assert_eq!(
        stderr(&output)
            .matches("410 Gone: stopping deliveries")
            .count(),
        1,
        "{}",
        stderr(&output)
    );
}

/// `webhook secret new` prints a secret each scheme takes.
#[test]
fn secret_new_prints_a_usable_secret() {
    for scheme in ["webhook", "stripe", "standard", "svix", "github", "slack"] {
        let output = webhook()
            .args(["secret", "new", "--scheme", scheme])
            .output()
            .unwrap();
        assert!(output.status.success(), "{scheme}");
        let secret = stdout(&output).trim().to_owned();
        if matches!(scheme, "standard" | "svix" | "stripe") {
            assert!(secret.starts_with("whsec_"), "{scheme}: {secret}");
        }
        let sign_scheme = if scheme == "svix" { "standard" } else { scheme };
        let output = webhook()
            .args([
                "sign",
                "--scheme",
                sign_scheme,
                "--secret",
                &secret,
                "--id",
                "evt_1",
            ])
            .write_stdin("{}")
            .output()
            .unwrap();
        assert!(output.status.success(), "{scheme}: {}", stderr(&output));
    }
}

/// `roundtrip --redis` leaves nothing in the user's Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roundtrip_removes_its_records_from_redis() {
    let server = RedisServer::start_async().await;
    let mut cmd = webhook();
    cmd.args(["roundtrip", "-n", "200", "--json", "--redis", &server.url()]);
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["records_removed"], 200, "{report}");
    let keys = tokio::task::spawn_blocking(move || {
        let client = redis::Client::open(server.url()).unwrap();
        let mut con = client.get_connection().unwrap();
        redis::cmd("DBSIZE").query::<u64>(&mut con).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(keys, 0);
}

/// Writes `n` captured POSTs of `{"id":"evt_N"}` without signature headers.
fn write_unsigned_capture(path: &std::path::Path, n: usize) {
    let writer = capture::CaptureWriter::append(path).unwrap();
    for n in 0..n {
        let body = format!(r#"{{"id":"evt_{n}"}}"#);
        let record = capture::CapturedRequest::from_parts(
            "POST",
            "/",
            None,
            &http::HeaderMap::new(),
            body.as_bytes(),
        );
        writer.write(&record).unwrap();
    }
}

/// Sends SIGINT to `child`.
fn interrupt(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for `child` to exit, with a bound; returns its code.
async fn exit_code(child: &mut Child) -> Option<i32> {
    let status = Poll::default()
        .every(Duration::from_millis(20))
        .until_value(
            "the process exits",
            || std::future::ready(child.try_wait().unwrap()),
            Option::is_some,
        )
        .await;
    status.and_then(|status| status.code())
}

fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The `--json` summary of a finished `deliver` or `replay`, with its
/// `sent`, `delivered` and `dead_lettered` counts.
fn run_summary(child: &mut Child) -> (serde_json::Value, u64, u64, u64) {
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout piped")
        .read_to_string(&mut out)
        .unwrap();
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    let count = |field: &str| {
        summary[field]
            .as_u64()
            .unwrap_or_else(|| panic!("no {field} in {summary}"))
    };
    let (sent, delivered, dead_lettered) =
        (count("sent"), count("delivered"), count("dead_lettered"));
    (summary, sent, delivered, dead_lettered)
}

/// Ctrl-C during `deliver`: it stops taking events, lets requests in flight
/// finish, writes every accepted but undelivered event to the dead letters,
/// flushes the results, prints the summary and exits 130.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_deliver_keeps_every_record() {
    let server = RecordingServer::start_slow(Duration::from_millis(100), |_| {
        StatusCode::OK.into_response()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (dead, results) = (
        dir.path().join("dead.ndjson"),
        dir.path().join("results.ndjson"),
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_webhook"))
        .args([
            "deliver",
            &server.url("/hooks"),
            "--secret",
            SECRET,
            "--json",
        ])
        .args(["--count", "100000", "--concurrency", "8"])
        .arg("--dead-letter")
        .arg(&dead)
        .arg("--results")
        .arg(&results)
        .env_remove("WEBHOOK_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    server.wait_for_requests(20).await;
    interrupt(&child);
    assert_eq!(exit_code(&mut child).await, Some(130));
    let (summary, sent, delivered, dead_lettered) = run_summary(&mut child);
    assert_eq!(summary["interrupted"], true);
    assert!(sent < 100_000, "it stopped taking events");
    assert_eq!(sent, delivered + dead_lettered, "{summary}");
    // Requests in flight at the interrupt were let finish (100 ms < grace).
    assert_eq!(delivered as usize, server.requests().len(), "{summary}");
    assert_eq!(
        lines(&results).len() as u64,
        sent,
        "one result per accepted event"
    );
    assert_eq!(lines(&dead).len() as u64, dead_lettered);
    let reason = capture::CapturedRequest::from_line(&lines(&dead)[0])
        .unwrap()
        .dead_letter
        .unwrap()
        .reason;
    assert!(reason.contains("interrupted"), "{reason}");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("error: interrupted:"), "{err}");
}

/// A second Ctrl-C gives up requests in flight at once (the endpoint here
/// never answers); `replay` behaves like `deliver`: every event it accepted
/// is dead-lettered, in flight or not. (How many it accepted before the
/// interrupt depends on scheduling; the summary says.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_ctrl_c_gives_up_requests_in_flight() {
    let server = RecordingServer::start_slow(Duration::from_secs(3600), |_| {
        StatusCode::OK.into_response()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let capture_file = dir.path().join("cap.ndjson");
    write_unsigned_capture(&capture_file, 50);
    let dead = dir.path().join("dead.ndjson");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_webhook"))
        .args([
            "replay",
            "--secret",
            SECRET,
            "--to",
            &server.url("/"),
            "--concurrency",
            "4",
            "--json",
        ])
        .arg(&capture_file)
        .arg("--dead-letter")
        .arg(&dead)
        .env_remove("WEBHOOK_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    server.wait_for_requests(4).await;
    interrupt(&child);
    // Let the first signal be seen before the second (a process handles
    // them in order; this only avoids both arriving as one).
    tokio::time::sleep(Duration::from_millis(200)).await;
    interrupt(&child);
    assert_eq!(exit_code(&mut child).await, Some(130));
    let (summary, sent, delivered, dead_lettered) = run_summary(&mut child);
    assert!((4..=50).contains(&sent), "{summary}");
    assert_eq!(delivered, 0, "the endpoint never answers: {summary}");
    assert_eq!(dead_lettered, sent, "every accepted event: {summary}");
    assert_eq!(lines(&dead).len() as u64, dead_lettered);
}

/// A closed pipe is a normal end: no panic, no error, exit 0 — also when
/// stderr is the same closed pipe (`2>&1 | head -1`).
#[test]
fn a_closed_pipe_is_a_normal_end() {
    let dir = tempfile::tempdir().unwrap();
    let capture_file = dir.path().join("cap.ndjson");
    write_unsigned_capture(&capture_file, 20_000);
    for same_pipe_for_stderr in [false, true] {
        let (reader, writer) = std::io::pipe().unwrap();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_webhook"));
        cmd.args(["verify", "--secret", SECRET, "--capture"])
            .arg(&capture_file)
            .env_remove("WEBHOOK_SECRET")
            .stdout(writer.try_clone().unwrap());
        if same_pipe_for_stderr {
            cmd.stderr(writer);
        } else {
            drop(writer);
            cmd.stderr(Stdio::piped());
        }
        let mut child = cmd.spawn().unwrap();
        drop(cmd); // our copies of the write end
        let mut first = String::new();
        BufReader::new(reader).read_line(&mut first).unwrap(); // `head -1`, then the reader goes
        assert!(first.starts_with("line 1: invalid signature"), "{first}");
        let status = child.wait().unwrap();
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            stderr.read_to_string(&mut err).unwrap();
        }
        assert_eq!(status.code(), Some(0), "stderr: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{err}"
        );
    }
}
