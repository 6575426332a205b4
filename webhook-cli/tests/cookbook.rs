//! The README's cookbook, run as written: the block between
//! `<!-- cookbook:start -->` and `<!-- cookbook:end -->` is extracted and
//! run by bash with `set -e` in an empty directory, with `webhook` on the
//! `PATH`. Only its two ports (3000, 3001) are swapped for free ones, so parallel test
//! runs do not collide. If the CLI changes under the cookbook, this fails.

use std::io::Read as _;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Bounds the run so a broken build fails instead of hanging; nothing is
/// asserted about speed (the cookbook sleeps 6 s on purpose).
const PATIENCE: Duration = Duration::from_secs(180);

fn cookbook() -> String {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let text = std::fs::read_to_string(&readme).expect("reading README.md");
    let block = text
        .split_once("<!-- cookbook:start -->")
        .and_then(|(_, rest)| rest.split_once("<!-- cookbook:end -->"))
        .map(|(block, _)| block)
        .expect("README.md has the cookbook markers");
    let block = block.trim();
    let script = block
        .strip_prefix("```sh")
        .and_then(|rest| rest.strip_suffix("```"))
        .expect("the cookbook is one ```sh block");
    script.to_owned()
}

/// A port nobody listens on right now (bind :0, read it, let it go: this
/// races with other processes, which is fine for a test).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    listener.local_addr().expect("a bound address").port()
}

#[test]
fn the_readme_cookbook_runs_as_written() {
    let script = cookbook();
    assert!(script.contains("3000") && script.contains("3001"));
    // Through placeholders, so a new port that contains the other's digits
    // is not rewritten again.
    let script = script
        .replace("3000", "\u{0}A")
        .replace("3001", "\u{0}B")
        .replace("\u{0}A", &free_port().to_string())
        .replace("\u{0}B", &free_port().to_string());

    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_webhook"), bin.join("webhook")).unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(dir.path().join("cookbook.sh"), &script).unwrap();

    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("bash")
        .args(["-e", "-o", "pipefail"])
        .arg(dir.path().join("cookbook.sh"))
        .current_dir(&work)
        .env("PATH", path)
        .env_remove("WEBHOOK_SECRET")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so the listeners it starts in the
        // background go with it whatever happens.
        .process_group(0)
        .spawn()
        .expect("bash runs (the cookbook needs bash, grep and curl)");
    let group = child.id();
    let kill_group = || {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .status();
    };
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            kill_group();
            panic!("the cookbook did not finish");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    kill_group();
    let (mut out, mut err) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let report = format!("--- stdout\n{out}\n--- stderr\n{err}");
    assert!(status.success(), "the cookbook failed ({status})\n{report}");

    // What the comments promise, in order.
    let expectations = [
        "X-Webhook-Signature: v1=",                   // sign
        "{\"received\":true}",                        // curl through sign --curl
        "200 OK",                                     // send
        "duplicates        2",                        // re-signed replay
        "line 1: valid",                              // verify --capture
        "statuses          401: 2",                   // verbatim replay
        "dead-lettered     100",                      // deliver to the 503 endpoint
        "delivered         100 (100 first try",       // replay of the dead letters
        "OK: every event was processed exactly once", // roundtrip
    ];
    let mut rest = out.as_str();
    for expected in expectations {
        let Some(at) = rest.find(expected) else {
            panic!("expected {expected:?} (after the previous ones)\n{report}");
        };
        rest = &rest[at + expected.len()..];
    }
}
