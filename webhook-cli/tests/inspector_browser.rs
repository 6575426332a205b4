//! The inspector page as a person uses it: a real headless Chromium against
//! a real `webhook listen --ui`, asserting on what the page shows.
//!
//! The browser is driven over WebDriver with `fantoccini`, through
//! Debian's `chromium-driver` (`chromedriver`). Chosen over the CDP crates
//! (`chromiumoxide`, `headless_chrome`): it is small (hyper and serde, no
//! generated DevTools bindings to compile on every cold build), async on
//! tokio like the rest of the suite, actively maintained, and speaks the
//! W3C WebDriver protocol, which the driver shipped with each Chromium
//! build implements for exactly that build — no version to keep in step.
//!
//! `scripts/test.sh` installs `chromium` and `chromium-driver` when they
//! are missing (as root, through apt-get). Without them this test fails,
//! saying what to install; `CHROMEDRIVER` and `CHROMIUM` name other
//! binaries. With `WEBHOOK_UPDATE_SCREENSHOT=1` it also writes the
//! README's screenshot, `docs/inspector.png`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Listener, run, stderr, webhook};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use webhook_test_support::{PATIENCE, poll_until};

const SECRET: &str = "s3cret";

const INSTALL_HINT: &str = "the browser test needs Chromium and its WebDriver: \
    `apt-get install chromium chromium-driver` (scripts/test.sh does it when run as root), \
    or set CHROMEDRIVER and CHROMIUM to their paths";

/// The first of `names` found on `PATH`, or the path in `env`.
fn find_binary(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A chromedriver process (killed on drop), with its log in a temporary
/// directory that also holds the browser's profile.
struct Driver {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Driver {
    fn start() -> Self {
        let binary = find_binary("CHROMEDRIVER", &["chromedriver"])
            .unwrap_or_else(|| panic!("no chromedriver on PATH: {INSTALL_HINT}"));
        let dir = tempfile::tempdir().expect("a temporary directory");
        // Races with other processes for the port; a lost race shows up as
        // a driver that never answers, with the reason in its log.
        let port = webhook_test_support::free_port();
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                dir.path().join("driver.log").display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}: {INSTALL_HINT}", binary.display()));
        Self { child, dir, port }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("driver.log")).unwrap_or_default()
    }

    /// A browser session: headless Chromium with a fresh profile.
    async fn session(&self) -> Client {
        let chromium = find_binary(
            "CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        )
        .unwrap_or_else(|| panic!("no Chromium on PATH: {INSTALL_HINT}"));
        let profile = self.dir.path().join("profile");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new",
                    // Chromium refuses to run as root with its sandbox.
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--window-size=1440,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        // The driver takes a moment to listen: retry the connection, bounded.
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(client) => return client,
                Err(err) if tokio::time::Instant::now() < deadline => {
                    let _ = err;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => panic!(
                    "could not start a Chromium session: {err}\n{INSTALL_HINT}\ndriver log:\n{}",
                    self.log()
                ),
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The text of every row of the list, top to bottom.
async fn rows(browser: &Client) -> Vec<String> {
    let value = browser
        .execute(
            "return Array.from(document.querySelectorAll('#rows tr')).map(tr => tr.innerText)",
            vec![],
        )
        .await
        .expect("reading the rows");
    serde_json::from_value(value).expect("a list of strings")
}

async fn text(browser: &Client, selector: &str) -> String {
    browser
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .text()
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
}

/// Waits until the list's rows satisfy `done`; returns them.
async fn wait_for_rows(
    browser: &Client,
    what: &str,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    poll_until(what, || rows(browser), |rows| done(rows)).await
}

async fn wait_for_text(browser: &Client, selector: &str, needle: &str) -> String {
    poll_until(
        &format!("{selector} shows {needle:?}"),
        || text(browser, selector),
        |text| text.contains(needle),
    )
    .await
}

async fn send(url: &str, secret: &str, body: &str) -> std::process::Output {
    let mut cmd = webhook();
    cmd.args(["send", url, "--secret", secret, "--data", body]);
    run(cmd).await
}

/// The page's part of the test; the session is closed after it, pass or fail.
async fn drive(browser: Client, mut listener: Listener, page: String) {
    let hooks = format!("{}/hooks", listener.url);
    browser.goto(&page).await.unwrap();
    // The event stream is open: what arrives now shows without a reload.
    wait_for_text(&browser, "#connection", "live").await;

    let output = send(
        &hooks,
        SECRET,
        r#"{"id":"evt_good","type":"invoice.paid","amount":42}"#,
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    listener.next_line();
    let shown = wait_for_rows(&browser, "the signed request listed", |rows| {
        rows.iter().any(|r| r.contains("evt_good"))
    })
    .await;
    assert!(
        shown[0].contains("invoice.paid") && shown[0].contains("\tok\t"),
        "{shown:?}"
    );
    assert!(
        shown[0].contains("first") && shown[0].contains("200"),
        "{shown:?}"
    );

    // Signed with another secret: marked invalid, with the reason.
    let output = send(
        &hooks,
        "not-the-secret",
        r#"{"id":"evt_tampered","type":"invoice.paid"}"#,
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    listener.next_line();
    let shown = wait_for_rows(&browser, "the tampered request listed", |rows| {
        rows.iter().any(|r| r.contains("evt_tampered"))
    })
    .await;
    assert!(shown[0].contains("evt_tampered"), "newest first: {shown:?}");
    assert!(
        shown[0].contains("invalid: no signature matched"),
        "{shown:?}"
    );
    assert!(shown[0].contains("401"), "{shown:?}");
    let invalid_color = browser
        .find(Locator::Css("#rows tr[data-id='2'] td.verdict"))
        .await
        .unwrap()
        .css_value("color")
        .await
        .unwrap();
    assert_eq!(
        invalid_color, "rgba(179, 38, 30, 1)",
        "marked in red: {shown:?}"
    );

    // Open the first: its body, pretty-printed, and its verdict.
    browser
        .find(Locator::Css("#rows tr[data-id='1']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, "#detail-body", "\"amount\": 42").await;
    assert_eq!(text(&browser, "#detail-verification").await, "ok (webhook)");
    assert_eq!(text(&browser, "#detail-forwards").await, "not forwarded");

    // Edit the amount and replay: a new, valid entry linked to the original.
    browser
        .find(Locator::Id("edit-open"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let editor = browser.find(Locator::Id("edit-body")).await.unwrap();
    editor.clear().await.unwrap();
    editor
        .send_keys(r#"{"id":"evt_good","type":"invoice.paid","amount":43}"#)
        .await
        .unwrap();
    browser
        .find(Locator::Id("edit-send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let shown = wait_for_rows(&browser, "the edited replay listed", |rows| {
        rows.iter().any(|r| r.contains("replay of #1"))
    })
    .await;
    let replay = shown.iter().find(|r| r.contains("replay of #1")).unwrap();
    assert!(replay.starts_with("#3"), "{shown:?}");
    assert!(
        replay.contains("\tok\t") && replay.contains("evt_good"),
        "{replay}"
    );
    // The edited event is the same event to dedupe: answered from its record.
    assert!(replay.contains("replayed"), "{replay}");
    wait_for_text(&browser, "#action-result", "listed as #3").await;
    wait_for_text(&browser, "#detail-links", "Replays: #3").await;
    browser
        .find(Locator::Css("#rows tr[data-id='3']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, "#detail-body", "\"amount\": 43").await;
    wait_for_text(&browser, "#detail-links", "Replay of #1").await;

    if std::env::var_os("WEBHOOK_UPDATE_SCREENSHOT").is_some_and(|v| v == "1") {
        // Clicks scrolled the panes to their targets: show them from the top.
        browser
            .execute(
                "document.querySelectorAll('.list-pane, .detail').forEach(p => p.scrollTo(0, 0))",
                vec![],
            )
            .await
            .unwrap();
        let png = browser.screenshot().await.expect("a screenshot");
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/inspector.png");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &png).unwrap();
        assert!(png.len() < 200_000, "the screenshot is {} bytes", png.len());
    }

    // Filters: the body search keeps only the tampered one…
    browser
        .find(Locator::Id("filter-q"))
        .await
        .unwrap()
        .send_keys("tampered")
        .await
        .unwrap();
    let shown = wait_for_rows(&browser, "only the tampered request", |rows| {
        rows.len() == 1
    })
    .await;
    assert!(shown[0].contains("evt_tampered"), "{shown:?}");
    // …and the verdict filter the valid ones.
    browser
        .find(Locator::Id("filter-q"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    browser
        .find(Locator::Id("filter-verdict"))
        .await
        .unwrap()
        .select_by_value("ok")
        .await
        .unwrap();
    let shown = wait_for_rows(&browser, "only the valid requests", |rows| {
        rows.len() == 2 && rows.iter().all(|r| !r.contains("evt_tampered"))
    })
    .await;
    assert!(
        shown[0].starts_with("#3") && shown[1].starts_with("#1"),
        "{shown:?}"
    );
    // A request that arrives now and passes the filter shows up; one that
    // doesn't, doesn't.
    let output = send(&hooks, "not-the-secret", r#"{"id":"evt_hidden"}"#).await;
    assert_eq!(output.status.code(), Some(1));
    let output = send(&hooks, SECRET, r#"{"id":"evt_later"}"#).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let shown = wait_for_rows(&browser, "the later valid request", |rows| {
        rows.iter().any(|r| r.contains("evt_later"))
    })
    .await;
    assert!(!shown.iter().any(|r| r.contains("evt_hidden")), "{shown:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_watches_requests_arrive_opens_one_and_replays_it_edited() {
    let mut listener = Listener::start(&[
        "--ui", "--verify", "--dedupe", "--secret", SECRET, "--path", "/hooks",
    ]);
    let line = listener.next_line();
    let page = line
        .strip_prefix("inspector on ")
        .unwrap_or_else(|| panic!("expected the inspector line, got {line:?}"))
        .to_owned();
    let driver = Driver::start();
    let browser = driver.session().await;
    let session = browser.clone();
    // Run the page's part in its own task so a failed assertion still
    // closes the browser below.
    let outcome = tokio::spawn(drive(session, listener, page)).await;
    let _ = browser.close().await;
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(err) => panic!("the browser test's task failed: {err}"),
        }
    }
}
