//! The bad-input corpus against the real `webhook listen` binary: hostile
//! clients over raw TCP, one table of attacks (what to send, how to send
//! it, what must come back, what `listen` must print). The in-process
//! corpus through the layers is `tests/tests/bad_input.rs`.
//!
//! `listen` must keep the verify layer's promises in front of everything:
//! 413 before reading a body whose `Content-Length` is over `--body-limit`
//! (so no `100 Continue`), 408 for a body slower than `--body-timeout`, 400
//! for malformed framing (never 413, never 2xx), 400/401 for bad signatures;
//! close connections whose headers are slower than `--header-timeout`;
//! answer clients that half-close; and print every request without raw
//! control characters, a claimed id marked `id?=`.
//!
//! Waits are bounded only so that a regression fails instead of hanging;
//! nothing here asserts speed.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::Listener;
use http::HeaderMap;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use webhook_verify::{Scheme, Signer};

const SECRET: &str = "s3cret";
const BODY_LIMIT: usize = 64 * 1024;

/// How long any one exchange may take before the test fails (not a
/// performance bound: the attacks finish in about a second when they pass).
const BOUND: Duration = Duration::from_secs(20);

/// The listener under attack: verifying, with short timeouts so the slow
/// attacks are answered quickly.
fn start() -> Listener {
    Listener::start(&[
        "--verify",
        "--secret",
        SECRET,
        "--body-limit",
        "64KiB",
        "--body-timeout",
        "300ms",
        "--header-timeout",
        "1s",
    ])
}

/// How the bytes go out.
#[derive(Debug, Clone, Copy)]
enum Pace {
    /// In one write; the connection stays open for the answer.
    AtOnce,
    /// In one write, then the write side is shut down (`nc -N`).
    ThenHalfClose,
    /// The first `at_once` bytes in one write, then one byte per `every`.
    Trickle { at_once: usize, every: Duration },
}

/// What must come back on the connection.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// This status as the first response (so no `100 Continue` before it),
    /// with this JSON `error` code when given.
    Status(u16, Option<&'static str>),
    /// One of these statuses, or the connection closed without a response.
    StatusOrClosed(&'static [u16]),
}

/// What `listen` must print for the attack.
#[derive(Debug, Clone, Copy)]
enum Line {
    /// Nothing: hyper refused the connection before a request existed (a
    /// stray line would then be read by the next case, or by the sentinel
    /// at the end, and fail it).
    Nothing,
    /// One line containing each of these.
    Containing(&'static [&'static str]),
}

struct Attack {
    name: &'static str,
    bytes: Vec<u8>,
    pace: Pace,
    expect: Expect,
    line: Line,
}

/// What came back.
#[derive(Debug)]
enum Outcome {
    Response { status: u16, body: Vec<u8> },
    Closed,
}

fn now() -> i64 {
    use webhook_verify::Clock as _;
    webhook_verify::SystemClock.now_unix()
}

fn signed(secret: &str, body: &[u8], id: &str) -> HeaderMap {
    Signer::new(Scheme::Webhook, secret)
        .expect("a valid signer")
        .sign(body, now(), Some(id))
        .expect("signable")
}

/// A POST of `body` to `path` with `headers`, `Content-Length` and
/// `Connection: close`.
fn post(path: &str, headers: &HeaderMap, body: &[u8]) -> Vec<u8> {
    let mut bytes = head(path, headers);
    bytes.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    bytes.extend_from_slice(body);
    bytes
}

/// A request line and headers, left open for more headers.
fn head(path: &str, headers: &HeaderMap) -> Vec<u8> {
    let mut bytes = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close\r\n"
    )
    .into_bytes();
    for (name, value) in headers {
        bytes.extend_from_slice(name.as_str().as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    bytes
}

/// A chunked POST whose body is `chunked` as is (framing included).
fn chunked(chunked: &[u8]) -> Vec<u8> {
    let mut bytes = head("/", &HeaderMap::new());
    bytes.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
    bytes.extend_from_slice(chunked);
    bytes
}

fn corpus() -> Vec<Attack> {
    let no_headers = HeaderMap::new();
    let mut attacks = Vec::new();

    // Size: 413 before reading, whatever the framing.
    let mut declared = head("/", &no_headers);
    declared.extend_from_slice(b"Content-Length: 20000000\r\nExpect: 100-continue\r\n\r\n");
    attacks.push(Attack {
        name: "20 MB Content-Length with Expect: 100-continue and no body",
        bytes: declared,
        pace: Pace::AtOnce,
        expect: Expect::Status(413, Some("payload_too_large")),
        line: Line::Containing(&["refused(payload too large", "-> 413"]),
    });
    let mut declared = head("/", &no_headers);
    declared.extend_from_slice(b"Content-Length: 20000000\r\n\r\n");
    declared.extend_from_slice(&[b'x'; 4096]);
    attacks.push(Attack {
        name: "20 MB Content-Length, the body starting",
        bytes: declared,
        pace: Pace::AtOnce,
        expect: Expect::Status(413, Some("payload_too_large")),
        line: Line::Containing(&["refused(payload too large", "-> 413"]),
    });
    let mut growing = Vec::new();
    for _ in 0..(BODY_LIMIT / 8192 + 2) {
        growing.extend_from_slice(b"2000\r\n");
        growing.extend_from_slice(&[b'x'; 8192]);
        growing.extend_from_slice(b"\r\n");
    }
    growing.extend_from_slice(b"0\r\n\r\n");
    attacks.push(Attack {
        name: "chunked body growing past the limit",
        bytes: chunked(&growing),
        pace: Pace::AtOnce,
        expect: Expect::Status(413, Some("payload_too_large")),
        line: Line::Containing(&["refused(payload too large", "-> 413"]),
    });

    // Time: 408 when the body does not arrive within --body-timeout.
    let slow_body = br#"{"id":"evt_slow","data":"trickling"}"#;
    let slow = post("/", &no_headers, slow_body);
    let body_starts = slow.len() - slow_body.len();
    attacks.push(Attack {
        name: "body at 1 byte per 100 ms",
        bytes: slow,
        pace: Pace::Trickle {
            at_once: body_starts,
            every: Duration::from_millis(100),
        },
        expect: Expect::Status(408, Some("request_timeout")),
        line: Line::Containing(&["refused(body read timed out", "-> 408"]),
    });
    attacks.push(Attack {
        name: "chunked body without its final CRLF",
        bytes: chunked(b"5\r\nhello\r\n0\r\n"),
        pace: Pace::AtOnce,
        expect: Expect::StatusOrClosed(&[408, 400]),
        line: Line::Containing(&["refused("]),
    });

    // Framing: 400 (or a closed connection), never 413, never 2xx.
    for (name, framing) in [
        ("chunk size zz", &b"zz\r\nhello\r\n0\r\n\r\n"[..]),
        ("chunk size -1", b"-1\r\nhello\r\n0\r\n\r\n"),
        (
            "chunk size 0x1a",
            b"0x1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
        ),
        (
            "chunk data not followed by CRLF",
            b"5\r\nhelloXX\r\n0\r\n\r\n",
        ),
    ] {
        attacks.push(Attack {
            name,
            bytes: chunked(framing),
            pace: Pace::AtOnce,
            expect: Expect::StatusOrClosed(&[400]),
            line: Line::Containing(&["refused(body read failed)", "-> 400"]),
        });
    }

    // The log: a client must not be able to write lines or escapes, nor pass
    // a claimed id off as verified.
    let forged = br#"{"id":"evt_forged\r\nPOST /admin id=evt_forged sig=ok new -> 200\u001b[2J\u009b31m\u007f"}"#;
    attacks.push(Attack {
        name: "forged log line in an unsigned body's id",
        bytes: post("/", &no_headers, forged),
        pace: Pace::AtOnce,
        expect: Expect::Status(400, Some("malformed_signature")),
        line: Line::Containing(&[
            r"POST / id?=evt_forged\r\nPOST\x20/admin\x20id=evt_forged\x20sig=ok\x20new\x20->\x20200\x1b[2J\u{9b}31m\x7f sig=invalid(",
            "-> 400",
        ]),
    });
    attacks.push(Attack {
        name: "forged log line in a wrongly signed body's id",
        bytes: post("/", &signed("wrong-secret", forged, "evt_hdr"), forged),
        pace: Pace::AtOnce,
        expect: Expect::Status(401, Some("invalid_signature")),
        line: Line::Containing(&["POST / id?=evt_hdr sig=invalid(", "-> 401"]),
    });
    let mut escape_in_path = b"POST /a\x1b[2J HTTP/1.1\r\nHost: localhost\r\n".to_vec();
    escape_in_path.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
    attacks.push(Attack {
        name: "ESC in the request target",
        bytes: escape_in_path,
        pace: Pace::AtOnce,
        expect: Expect::StatusOrClosed(&[400]),
        line: Line::Nothing,
    });
    let c1_in_path = b"GET /a\xc2\x9b2J HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    attacks.push(Attack {
        name: "C1 CSI (UTF-8) in the request target",
        bytes: c1_in_path.to_vec(),
        pace: Pace::AtOnce,
        expect: Expect::Status(404, None),
        line: Line::Containing(&[r"GET /a\u{9b}2J id=- -> 404"]),
    });
    let reordering = r#"{"id":"evt_\u202e\u2028\u0085x y"}"#.as_bytes();
    attacks.push(Attack {
        name: "bidi override, line separator and NEL in the id",
        bytes: post("/", &no_headers, reordering),
        pace: Pace::AtOnce,
        expect: Expect::Status(400, Some("malformed_signature")),
        line: Line::Containing(&[r"POST / id?=evt_\u{202e}\u{2028}\u{85}x\x20y sig=invalid("]),
    });
    let mut crlf_in_header = head("/", &no_headers);
    crlf_in_header.extend_from_slice(b"X-Webhook-Id: evt_a\rPOST /admin\r\n\r\n");
    attacks.push(Attack {
        name: "bare CR in a header value",
        bytes: crlf_in_header,
        pace: Pace::AtOnce,
        expect: Expect::StatusOrClosed(&[400]),
        line: Line::Nothing,
    });

    // Connections: half-closed clients are answered, slow headers closed.
    let body = br#"{"id":"evt_half_close"}"#;
    attacks.push(Attack {
        name: "signed request, then the write side shut down",
        bytes: post("/", &signed(SECRET, body, "evt_half_close"), body),
        pace: Pace::ThenHalfClose,
        expect: Expect::Status(200, None),
        line: Line::Containing(&["POST / id=evt_half_close sig=ok -> 200"]),
    });
    let mut endless_head = head("/", &no_headers);
    endless_head.extend_from_slice(b"X-Slow: ");
    endless_head.extend_from_slice(&[b'a'; 1000]);
    attacks.push(Attack {
        name: "headers at 1 byte per 200 ms",
        bytes: endless_head,
        pace: Pace::Trickle {
            at_once: 0,
            every: Duration::from_millis(200),
        },
        expect: Expect::StatusOrClosed(&[408]),
        line: Line::Nothing,
    });
    attacks
}

/// Sends `bytes` at `pace` and reads the first response, if any.
async fn exchange(addr: SocketAddr, bytes: Vec<u8>, pace: Pace) -> Outcome {
    let stream = TcpStream::connect(addr)
        .await
        .expect("connecting to listen");
    let (mut reader, mut writer) = stream.into_split();
    // Write errors are expected (the server may close first) and ignored:
    // the outcome is what comes back.
    let sending = tokio::spawn(async move {
        match pace {
            Pace::AtOnce => {
                let _ = writer.write_all(&bytes).await;
            }
            Pace::ThenHalfClose => {
                if writer.write_all(&bytes).await.is_ok() {
                    let _ = writer.shutdown().await;
                }
            }
            Pace::Trickle { at_once, every } => {
                let (first, rest) = bytes.split_at(at_once.min(bytes.len()));
                if writer.write_all(first).await.is_err() {
                    return writer;
                }
                for byte in rest {
                    tokio::time::sleep(every).await;
                    if writer.write_all(&[*byte]).await.is_err() {
                        break;
                    }
                }
            }
        }
        // Keep the write side open (unless shut down above) while the
        // answer is read.
        writer
    });
    let mut received = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = find(&received, b"\r\n\r\n") {
            break end + 4;
        }
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => {
                sending.abort();
                return Outcome::Closed;
            }
            Ok(n) => received.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response head: {head:?}"));
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = received[head_end..].to_vec();
    while body.len() < length {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    sending.abort();
    Outcome::Response { status, body }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Raw control characters (C0, DEL, C1, line separators, bidi controls) in
/// a printed line.
fn raw_controls(line: &str) -> Vec<char> {
    line.chars()
        .filter(|c| {
            c.is_control()
                || matches!(
                    c,
                    '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
                )
        })
        .collect()
}

/// Checks one outcome against the expectation; `Err` says why not.
fn check(outcome: &Outcome, expect: Expect) -> Result<(), String> {
    match (expect, outcome) {
        (Expect::Status(want, code), Outcome::Response { status, body }) => {
            if *status != want {
                return Err(format!("status {status}, expected {want}"));
            }
            if let Some(code) = code {
                let json: serde_json::Value = serde_json::from_slice(body).map_err(|err| {
                    format!(
                        "body {:?} is not JSON: {err}",
                        String::from_utf8_lossy(body)
                    )
                })?;
                if json["error"] != code {
                    return Err(format!("error code {}, expected {code:?}", json["error"]));
                }
            }
            Ok(())
        }
        (Expect::Status(want, _), Outcome::Closed) => {
            Err(format!("connection closed, expected status {want}"))
        }
        (Expect::StatusOrClosed(allowed), Outcome::Response { status, .. }) => {
            if allowed.contains(status) {
                Ok(())
            } else {
                Err(format!(
                    "status {status}, expected one of {allowed:?} or a close"
                ))
            }
        }
        (Expect::StatusOrClosed(_), Outcome::Closed) => Ok(()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_clients_get_the_verify_layers_answers_and_cannot_forge_log_lines() {
    let mut listener = start();
    let addr = listener.addr();
    let mut failures = Vec::new();
    for attack in corpus() {
        let exchanged = exchange(addr, attack.bytes.clone(), attack.pace);
        let Ok(outcome) = tokio::time::timeout(BOUND, exchanged).await else {
            failures.push(format!(
                "{}: no answer and no close within {BOUND:?}",
                attack.name
            ));
            continue;
        };
        if let Err(why) = check(&outcome, attack.expect) {
            failures.push(format!("{}: {why}", attack.name));
        }
        if let Line::Containing(parts) = attack.line {
            match listener.next_line_within(BOUND) {
                Ok(line) => {
                    let controls = raw_controls(&line);
                    if !controls.is_empty() {
                        failures.push(format!(
                            "{}: raw control characters {controls:?} in {line:?}",
                            attack.name
                        ));
                    }
                    for part in parts {
                        if !line.contains(part) {
                            failures.push(format!("{}: {part:?} not in {line:?}", attack.name));
                        }
                    }
                }
                Err(why) => failures.push(format!("{}: {why}", attack.name)),
            }
        }
    }

    // The sentinel: a good request's line comes next, so no attack printed
    // a line it should not have (or more than one).
    let body = br#"{"id":"evt_sentinel"}"#;
    let sentinel = post("/", &signed(SECRET, body, "evt_sentinel"), body);
    match tokio::time::timeout(BOUND, exchange(addr, sentinel, Pace::AtOnce)).await {
        Ok(outcome) => {
            if let Err(why) = check(&outcome, Expect::Status(200, None)) {
                failures.push(format!("sentinel: {why}"));
            }
        }
        Err(_) => failures.push(format!("sentinel: no answer within {BOUND:?}")),
    }
    match listener.next_line_within(BOUND) {
        Ok(line) if line.starts_with("POST / id=evt_sentinel sig=ok -> 200") => {}
        Ok(line) => failures.push(format!("sentinel: a stray line {line:?}")),
        Err(why) => failures.push(format!("sentinel: {why}")),
    }

    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}\nlisten's stderr:\n{}",
        failures.len(),
        failures.join("\n"),
        listener.stderr()
    );
}

/// `--json`: every stdout line is JSON (the readiness line included), control
/// characters arrive escaped, and `event_id_verified` tells a verified id
/// from a claimed one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_json_prints_only_json_with_the_id_marked() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture.ndjson");
    let mut listener = Listener::start(&[
        "--verify",
        "--secret",
        SECRET,
        "--json",
        "--capture",
        capture.to_str().unwrap(),
    ]);
    let addr = listener.addr();

    let forged = br#"{"id":"evt_forged\r\n\u001b[2J\u009b31m\u007f"}"#;
    let outcome = exchange(addr, post("/", &HeaderMap::new(), forged), Pace::AtOnce).await;
    check(&outcome, Expect::Status(400, Some("malformed_signature"))).unwrap();
    let line = listener.next_line();
    assert!(raw_controls(&line).is_empty(), "{line:?}");
    assert!(
        line.contains(r"\u009b") && line.contains(r"\u007f"),
        "{line}"
    );
    let log: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(log["event_id"], "evt_forged\r\n\u{1b}[2J\u{9b}31m\u{7f}");
    assert_eq!(log["event_id_verified"], false);
    assert_eq!(log["status"], 400);

    let body = br#"{"id":"evt_json"}"#;
    let outcome = exchange(
        addr,
        post("/", &signed(SECRET, body, "evt_json"), body),
        Pace::AtOnce,
    )
    .await;
    check(&outcome, Expect::Status(200, None)).unwrap();
    let log: serde_json::Value = serde_json::from_str(&listener.next_line()).unwrap();
    assert_eq!(log["event_id"], "evt_json");
    assert_eq!(log["event_id_verified"], true);
    assert_eq!(log["verification"]["ok"], true);

    let mut declared = head("/", &HeaderMap::new());
    declared.extend_from_slice(b"Content-Length: 20000000\r\nExpect: 100-continue\r\n\r\n");
    let outcome = exchange(addr, declared, Pace::AtOnce).await;
    check(&outcome, Expect::Status(413, Some("payload_too_large"))).unwrap();
    let log: serde_json::Value = serde_json::from_str(&listener.next_line()).unwrap();
    assert_eq!(log["status"], 413);
    assert_eq!(
        log["refused"],
        format!("payload too large: limit is {} bytes", 1024 * 1024)
    );
    assert_eq!(log["verification"]["ok"], false);

    // The refused request is captured too, with the (no) bytes that arrived.
    let captured: Vec<_> = webhook_cli::capture::read_file(&capture)
        .unwrap()
        .map(|record| record.unwrap().1)
        .collect();
    assert_eq!(captured.len(), 3);
    let refused = &captured[2];
    assert!(refused.body().unwrap().is_empty());
    let verification = refused.verification.as_ref().unwrap();
    assert!(!verification.ok);
    assert_eq!(
        verification.error.as_deref(),
        Some("payload too large: limit is 1048576 bytes")
    );
}

/// SIGTERM while a request is in flight: the request is answered, then the
/// process exits 0. `100 Continue` proves the request is being served
/// before the signal is sent (no sleeping and hoping).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_request_in_flight_finish() {
    let mut listener = Listener::start(&["--delay", "500ms"]);
    let body = br#"{"id":"evt_in_flight"}"#;
    let mut request = head("/", &HeaderMap::new());
    request.extend_from_slice(
        format!(
            "Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    let mut stream = TcpStream::connect(listener.addr()).await.unwrap();
    stream.write_all(&request).await.unwrap();
    let mut received = Vec::new();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(BOUND, async {
        while find(&received, b"\r\n\r\n").is_none() {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before 100 Continue");
            received.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("100 Continue arrives");
    assert!(
        received.starts_with(b"HTTP/1.1 100 Continue\r\n"),
        "{received:?}"
    );

    let terminated = tokio::task::spawn_blocking(move || {
        let status = listener.terminate();
        (listener, status)
    });
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(BOUND, stream.read_to_end(&mut response))
        .await
        .expect("the response arrives")
        .unwrap();
    assert!(
        response.starts_with(b"HTTP/1.1 200 OK\r\n"),
        "{}",
        String::from_utf8_lossy(&response)
    );
    let (listener, status) = terminated.await.unwrap();
    assert!(status.success(), "{status}; stderr:\n{}", listener.stderr());
}

/// A URL-signed scheme rebuilds the URL from `Host`: a Host that is not an
/// authority (a path, userinfo, spaces, nothing) is refused as a signature
/// mismatch — never a 5xx, never accepted — and a well-formed one that is
/// not the host the sender signed for is refused too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_signed_schemes_refuse_a_hostile_host() {
    let mut listener = Listener::start(&["--verify", "--scheme", "square", "--secret", SECRET]);
    let addr = listener.addr();
    let body = br#"{"event_id":"e1"}"#;
    let good_host = addr.to_string();
    let request = |host: &str, signed_for: &str| {
        let uri: http::Uri = format!("http://{signed_for}/").parse().expect("a URL");
        let none = HeaderMap::new();
        let headers = Signer::new(Scheme::Square, SECRET)
            .expect("a valid signer")
            .sign_request(
                &webhook_verify::scheme::WebhookRequest::new(&none, body).with_uri(&uri),
                now(),
                None,
            )
            .expect("signable");
        let mut bytes = format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nConnection: close\r\n"
        )
        .into_bytes();
        for (name, value) in &headers {
            bytes.extend_from_slice(format!("{name}: ").as_bytes());
            bytes.extend_from_slice(value.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        bytes.extend_from_slice(body);
        bytes
    };
    // Control: the host the sender signed for is accepted.
    let outcome = exchange(addr, request(&good_host, &good_host), Pace::AtOnce).await;
    assert!(
        matches!(outcome, Outcome::Response { status: 200, .. }),
        "control: {outcome:?}"
    );
    listener.next_line();
    let hostile = [
        format!("{good_host}/x?"),
        format!("user@{good_host}"),
        "evil.example".to_owned(),
        String::new(),
    ];
    for host in &hostile {
        let outcome = exchange(addr, request(host, &good_host), Pace::AtOnce).await;
        match outcome {
            // hyper refuses some Host values itself (400); the verify layer
            // the rest (401).
            Outcome::Response { status, .. } => {
                assert!(matches!(status, 400 | 401), "Host {host:?}: {status}");
            }
            Outcome::Closed => panic!("Host {host:?}: connection closed"),
        }
    }
}
