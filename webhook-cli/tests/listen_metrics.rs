//! `GET /metrics` on a real `webhook listen` process: what it counts, that
//! a scrape is not a webhook, and that request content never becomes a
//! label.

mod common;

use std::collections::BTreeMap;

use common::{Listener, RecordingServer, assert_usage_error, run, webhook};
use http::HeaderMap;
use webhook_cli::capture::{self, CapturedRequest};
use webhook_verify::{Clock as _, Scheme, Signer, SystemClock};

const SECRET: &str = "s3cret";

/// One sample line of the Prometheus text format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the text format's sample lines (`name{k="v",…} value`), undoing
/// the label value escapes (`\\`, `\"`, `\n`); panics on anything else.
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line:?}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            value => value.parse().unwrap_or_else(|_| panic!("value: {line:?}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => (name, parse_labels(rest, line)),
        };
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

fn parse_labels(text: &str, line: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut chars = text.chars();
    loop {
        let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
        assert_eq!(chars.next(), Some('"'), "{line:?}");
        let mut value = String::new();
        loop {
            match chars.next() {
                Some('"') => break,
                Some('\\') => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(c) => value.push(c),
                    None => panic!("{line:?}"),
                },
                Some(c) => value.push(c),
                None => panic!("unterminated label value: {line:?}"),
            }
        }
        labels.insert(key, value);
        match chars.next() {
            Some(',') => {}
            Some('}') => return labels,
            other => panic!("{other:?} after a label in {line:?}"),
        }
    }
}

/// The value of the series `name` with exactly `labels`, if present.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    samples
        .iter()
        .find(|s| s.name == name && s.labels == wanted)
        .map(|s| s.value)
}

/// The sum over every series named `name`.
fn total(samples: &[Sample], name: &str) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .map(|s| s.value)
        .sum()
}

fn client() -> reqwest::Client {
    webhook_cli::http_client::build_client(&Default::default(), &Default::default()).unwrap()
}

async fn post(url: &str, headers: HeaderMap, body: &str) -> u16 {
    client()
        .post(url)
        .headers(headers)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn signed(body: &str, id: &str) -> HeaderMap {
    let signer = Signer::new(Scheme::Webhook, SECRET).unwrap();
    signer
        .sign(body.as_bytes(), SystemClock.now_unix(), Some(id))
        .unwrap()
}

/// A scrape: the status, the content type and the parsed samples.
async fn scrape(listener: &Listener) -> (u16, String, Vec<Sample>) {
    let response = client()
        .get(format!("{}/metrics", listener.url))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = response.text().await.unwrap();
    (status, content_type, parse(&text))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_verification_dedupe_and_forwards() {
    let upstream = RecordingServer::ok().await;
    let dir = tempfile::tempdir().unwrap();
    let capture_file = dir.path().join("capture.ndjson");
    let target = upstream.url("/billing");
    let mut listener = Listener::start(&[
        "--verify",
        "--dedupe",
        "--secret",
        SECRET,
        "--capture",
        capture_file.to_str().unwrap(),
        "--forward-to",
        &format!("invoice.*={target}"),
    ]);

    // Verified, no route for its type: answered 200 here.
    let customer = r#"{"id":"evt_m1","type":"customer.created"}"#;
    assert_eq!(
        post(&listener.url, signed(customer, "msg_1"), customer).await,
        200
    );
    // Tampered: signed for one body, sent with another.
    let tampered = signed(r#"{"id":"evt_m2"}"#, "msg_2");
    assert_eq!(
        post(&listener.url, tampered, r#"{"id":"evt_m2","x":1}"#).await,
        401
    );
    // Verified and forwarded, then the same delivery again: a duplicate,
    // answered from the dedupe record and not forwarded again.
    let invoice = r#"{"id":"evt_m3","type":"invoice.paid"}"#;
    let headers = signed(invoice, "msg_3");
    assert_eq!(post(&listener.url, headers.clone(), invoice).await, 200);
    assert_eq!(post(&listener.url, headers, invoice).await, 200);
    for _ in 0..4 {
        listener.next_line();
    }
    assert_eq!(upstream.requests().len(), 1);

    let (status, content_type, samples) = scrape(&listener).await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let requests = "webhook_listen_requests_total";
    let labels = |verification, dedupe, status| {
        [
            ("verification", verification),
            ("dedupe", dedupe),
            ("status", status),
        ]
    };
    assert_eq!(
        value(&samples, requests, &labels("ok", "new", "200")),
        Some(2.0)
    );
    assert_eq!(
        value(
            &samples,
            requests,
            &labels("signature_mismatch", "none", "401")
        ),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, requests, &labels("ok", "duplicate", "200")),
        Some(1.0)
    );
    assert_eq!(total(&samples, requests), 4.0, "{samples:#?}");
    assert_eq!(
        value(
            &samples,
            "webhook_listen_request_duration_seconds_count",
            &[]
        ),
        Some(4.0)
    );
    let forwards = "webhook_listen_forwards_total";
    assert_eq!(
        value(
            &samples,
            forwards,
            &[("target", &target), ("outcome", "2xx")]
        ),
        Some(1.0)
    );
    assert_eq!(total(&samples, forwards), 1.0);
    assert_eq!(
        value(
            &samples,
            "webhook_listen_forward_duration_seconds_count",
            &[("target", &target)]
        ),
        Some(1.0)
    );
    // The idempotency layer's own counters, read at scrape time.
    for (name, expected) in [
        ("webhook_listen_dedupe_processed_total", 2.0),
        ("webhook_listen_dedupe_duplicates_total", 1.0),
        ("webhook_listen_dedupe_in_flight_conflicts_total", 0.0),
        ("webhook_listen_dedupe_store_errors_total", 0.0),
    ] {
        assert_eq!(value(&samples, name, &[]), Some(expected), "{name}");
    }

    // A scrape is not a webhook: not counted, printed or captured; only GET
    // and HEAD.
    let post_status = post(&format!("{}/metrics", listener.url), HeaderMap::new(), "{}").await;
    assert_eq!(post_status, 405);
    let head = client()
        .head(format!("{}/metrics", listener.url))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    let (_, _, again) = scrape(&listener).await;
    assert_eq!(total(&again, requests), 4.0);
    // The next line printed is the next webhook's, not a scrape's.
    assert_eq!(post(&listener.url, HeaderMap::new(), "{}").await, 400);
    let line = listener.next_line();
    assert!(
        line.starts_with("POST / ") && line.contains("-> 400"),
        "{line}"
    );
    let captured: Vec<CapturedRequest> = capture::read_file(&capture_file)
        .unwrap()
        .map(|r| r.unwrap().1)
        .collect();
    assert_eq!(captured.len(), 5);
    assert!(captured.iter().all(|r| r.path == "/"), "{captured:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_metrics_is_refused() {
    let args = ["listen", "--path", "/metrics"];
    let mut cmd = webhook();
    cmd.args(args);
    assert_usage_error(&run(cmd).await, &args, "--path /metrics is taken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_event_type_stays_out_of_labels_and_is_printed_escaped() {
    let upstream = RecordingServer::ok().await;
    let mut listener = Listener::start(&["--forward-to", &format!("*={}", upstream.url("/in"))]);
    let hostile = format!("\u{1b}[2J\r\nevil.\u{202e}{}", "x".repeat(10_000));
    let body = serde_json::json!({ "id": "evt_h", "type": hostile }).to_string();
    assert_eq!(post(&listener.url, HeaderMap::new(), &body).await, 200);
    let line = listener.next_line();
    assert!(
        line.contains(r" type=\x1b[2J\r\nevil.\u{202e}xxx"),
        "{line}"
    );
    assert!(!line.chars().any(char::is_control), "{line:?}");
    // Cut to the event type's limit, not 10 KB.
    assert!(line.len() < 1_000, "{}", line.len());
    assert_eq!(upstream.requests().len(), 1);

    let (_, _, samples) = scrape(&listener).await;
    assert!(!samples.is_empty());
    for sample in &samples {
        for (key, value) in &sample.labels {
            let allowed = match key.as_str() {
                "verification" | "dedupe" => value == "none",
                "status" => value == "200",
                "target" => *value == upstream.url("/in"),
                "outcome" => value == "2xx",
                "le" => value == "+Inf" || value.parse::<f64>().is_ok(),
                _ => false,
            };
            assert!(allowed, "label {key}={value:?} on {sample:?}");
        }
    }
}
