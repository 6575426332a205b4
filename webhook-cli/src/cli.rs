//! Command-line definitions (clap derive). Nothing here does any work.

use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use webhook_cli::sender;
use webhook_verify::{Scheme, SignatureScheme as _};

use crate::secret::SecretArg;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  failure: invalid signature (verify), non-2xx response (send),
     undelivered events (deliver, replay), exactly-once violated (roundtrip),
     or any other error
  2  usage error (bad arguments, no secret given)
  130  interrupted (Ctrl-C or SIGTERM): deliver and replay first print the
       summary, write what was accepted but not delivered to --dead-letter
       and flush --results";

/// Sign, verify, send, capture, replay and load-test webhooks.
#[derive(Debug, Parser)]
#[command(name = "webhook", version, about, after_help = EXIT_CODES, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// More diagnostics on stderr (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// No progress bar, no diagnostics below errors (listen: no per-request lines).
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the signature headers for a body.
    #[command(after_help = EXIT_CODES)]
    Sign(SignArgs),
    /// Check a signature: exit 0 when valid, 1 when not (reason on stderr).
    #[command(after_help = EXIT_CODES)]
    Verify(VerifyArgs),
    /// Sign and POST one event; prints status, latency and response body.
    #[command(after_help = EXIT_CODES)]
    Send(SendArgs),
    /// Run a local receiver that verifies, dedupes, captures and misbehaves on request.
    #[command(after_help = EXIT_CODES)]
    Listen(ListenArgs),
    /// Resend captured requests byte-exact (re-signed, or verbatim).
    #[command(after_help = EXIT_CODES)]
    Replay(ReplayArgs),
    /// Deliver many events like a production sender: retries, backoff, dead letters.
    #[command(after_help = EXIT_CODES)]
    Deliver(DeliverArgs),
    /// Self-test: deliver through faults and duplicates, check every event ran exactly once.
    #[command(after_help = EXIT_CODES)]
    Roundtrip(RoundtripArgs),
    /// Manage signing secrets (`webhook secret new --scheme standard`).
    Secret(SecretArgs),
    /// Print a fresh key for a scheme: a key pair (public, private) for the
    /// asymmetric ones (discord, standard-v1a, sendgrid), else a secret.
    Keygen(SecretNewArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
}

/// The signature scheme, as a clap value: every built-in scheme of
/// [`webhook_verify::Scheme`] by its name, with its aliases (`svix`,
/// `clerk`, …), so a provider added to the library is accepted here as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SchemeArg(pub(crate) Scheme);

impl ValueEnum for SchemeArg {
    fn value_variants<'a>() -> &'a [Self] {
        static VARIANTS: std::sync::LazyLock<Vec<SchemeArg>> =
            std::sync::LazyLock::new(|| Scheme::ALL.iter().copied().map(SchemeArg).collect());
        &VARIANTS
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let scheme = self.0;
        let help = match scheme.signature_header() {
            Some(header) => format!("{} ({header})", scheme.title()),
            None => scheme.title().to_owned(),
        };
        Some(
            clap::builder::PossibleValue::new(scheme.name())
                .aliases(scheme.aliases().iter().copied())
                .help(help),
        )
    }
}

impl From<SchemeArg> for Scheme {
    fn from(value: SchemeArg) -> Self {
        value.0
    }
}

impl std::fmt::Display for SchemeArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name())
    }
}

/// Scheme and secrets, shared by every command that signs or verifies.
#[derive(Debug, Clone, Args)]
pub(crate) struct SigningArgs {
    /// Signature scheme.
    #[arg(long, value_enum, default_value_t = SchemeArg(Scheme::Webhook))]
    pub(crate) scheme: SchemeArg,

    /// Signing secret (repeat to rotate: signs with all, verifies with any).
    #[arg(
        long = "secret",
        env = "WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub(crate) secrets: Vec<SecretArg>,

    /// Read secrets from a file, one per line.
    #[arg(long, value_name = "FILE")]
    pub(crate) secret_file: Option<PathBuf>,
}

/// The request line of an offline sign or verify, for schemes that sign
/// the URL or the method (square, twilio, hubspot).
#[derive(Debug, Clone, Args)]
pub(crate) struct RequestArgs {
    /// The full URL the request is (or was) sent to. Defaults to the --curl
    /// URL when signing with --curl.
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,

    /// The request method.
    #[arg(long, default_value = "POST", value_parser = parse_method)]
    pub(crate) method: http::Method,
}

/// `--url`: an absolute http(s) URL, as the provider signs it.
pub(crate) fn parse_absolute_url(text: &str) -> Result<http::Uri, crate::errors::UsageError> {
    let bad =
        || crate::errors::UsageError(format!("--url {text:?} is not an absolute http(s) URL"));
    let uri: http::Uri = text.parse().map_err(|_| bad())?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.authority().is_some() => Ok(uri),
        _ => Err(bad()),
    }
}

fn parse_method(text: &str) -> Result<http::Method, String> {
    http::Method::from_bytes(text.to_ascii_uppercase().as_bytes())
        .map_err(|_| format!("{text:?} is not an HTTP method"))
}

/// TLS options of every command that sends.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "TLS")]
pub(crate) struct TlsArgs {
    /// Accept any TLS certificate (self-signed, expired, for another host):
    /// anyone on the path can then read and change the requests. Warns on
    /// stderr (unless --quiet).
    #[arg(long)]
    pub(crate) insecure: bool,

    /// Also trust the certificates in this PEM file (a CA, or the server's
    /// own self-signed certificate), besides the platform's roots. Repeat,
    /// or put several in one file.
    #[arg(long, value_name = "FILE")]
    pub(crate) cacert: Vec<PathBuf>,
}

pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (examples: 250ms, 30s, 5m, 1h)"))
}

/// A duration that is not zero (a zero timeout would refuse everything).
fn parse_timeout(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        Duration::ZERO => Err("must be longer than 0".to_owned()),
        timeout => Ok(timeout),
    }
}

/// A size in bytes: a whole number with an optional unit, `B`, `KiB`,
/// `MiB`, `GiB` (powers of 1024) or `KB`, `MB`, `GB` (powers of 1000), in
/// any case: `65536`, `64KiB`, `1MiB`. No fractions.
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} (examples: 65536, 64KiB, 1MiB)"
            ));
        }
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| "expected a whole number of bytes (examples: 65536, 64KiB, 1MiB)".to_owned())
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate.is_finite() => Ok(rate),
        _ => Err("expected a positive number".to_owned()),
    }
}

/// A count that must be at least 1 (`--concurrency`, `--line`).
fn parse_positive(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a whole number of at least 1".to_owned()),
    }
}

/// A duration like every other (`2s`, `500ms`), or bare whole seconds (`2`).
fn parse_seconds_or_duration(text: &str) -> Result<Duration, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| "too many seconds".to_owned());
    }
    parse_duration(text)
}

fn parse_probability(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err("expected a number between 0 and 1".to_owned()),
    }
}

fn parse_jitter(text: &str) -> Result<f64, String> {
    parse_probability(text)
}

/// `--json`, shared by every command that prints data: its
/// [`OutputFormat`](crate::output::OutputFormat). A command words the flag's
/// help for what it prints with `mut_arg("json", …)`.
#[derive(Debug, Clone, Copy, Args)]
pub(crate) struct OutputArgs {
    /// Print JSON on stdout instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |arg| arg.help("Print a JSON object of the headers").conflicts_with("curl")))]
pub(crate) struct SignArgs {
    #[command(flatten)]
    pub(crate) signing: SigningArgs,

    /// Signing time in Unix seconds (default: now). Makes the output deterministic.
    #[arg(long, value_name = "UNIX")]
    pub(crate) timestamp: Option<i64>,

    /// Event id to sign (generated for schemes that require one).
    #[arg(long)]
    pub(crate) id: Option<String>,

    #[command(flatten)]
    pub(crate) request: RequestArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    /// Print a ready-to-run curl command that POSTs the body to URL.
    #[arg(long, value_name = "URL")]
    pub(crate) curl: Option<String>,

    /// The body: a file, or - for stdin.
    #[arg(value_name = "FILE", default_value = "-")]
    pub(crate) input: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub(crate) signing: SigningArgs,

    /// A request header, 'Name: value' (repeat).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub(crate) headers: Vec<String>,

    /// Verify as if it were this Unix time.
    #[arg(long, value_name = "UNIX")]
    pub(crate) now: Option<i64>,

    /// How far the signed timestamp may be from now (default: the
    /// provider's own, 5m for most).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) tolerance: Option<Duration>,

    #[command(flatten)]
    pub(crate) request: RequestArgs,

    /// Verify captured requests instead (a capture file, or - for stdin; every
    /// line, or the one given by --line).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["headers", "input"])]
    pub(crate) capture: Option<PathBuf>,

    /// With --capture: only the request on this line (1-based).
    #[arg(long, requires = "capture", value_parser = parse_positive)]
    pub(crate) line: Option<usize>,

    /// The body: a file, or - for stdin.
    #[arg(value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    #[command(flatten)]
    pub(crate) signing: SigningArgs,

    /// Where to POST: the full URL, used as given; without a scheme
    /// http:// is assumed (localhost:3000/webhooks).
    #[arg(required_unless_present = "list_events")]
    pub(crate) url: Option<String>,

    /// List every event template (scheme, event, what it is) and exit.
    #[arg(long, conflicts_with_all = ["data", "file", "event"])]
    pub(crate) list_events: bool,

    /// The body, given inline (sent byte-exact).
    #[arg(short, long, group = "body")]
    pub(crate) data: Option<String>,

    /// The body, read from a file, or - for stdin (sent byte-exact).
    #[arg(short, long, group = "body")]
    pub(crate) file: Option<PathBuf>,

    /// A built-in event template shaped like what the --scheme's provider
    /// sends (a GitHub push, a Shopify orders/create, a Twilio SMS form, …),
    /// or a generic one; --list-events shows them [default: ping].
    #[arg(short, long, group = "body", value_name = "TYPE")]
    pub(crate) event: Option<String>,

    /// Edit the body: dotted JSON path = JSON value or text, or a form field
    /// of a form template (repeat), e.g. data.object.amount=4200.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub(crate) sets: Vec<String>,

    /// Event id for a template, or a body without "id" (default: generated).
    /// The body's "id" (after --set) is always the one signed.
    #[arg(long)]
    pub(crate) id: Option<String>,

    /// An extra header, 'Name: value' (repeat).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub(crate) headers: Vec<String>,

    /// Request timeout.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub(crate) timeout: Duration,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    #[command(flatten)]
    pub(crate) tls: TlsArgs,
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |arg| arg.help(
    "Print only JSON on stdout: the readiness line as {\"listening\":\"http://ADDR\"}, \
     then one object per request instead of a text line"
)))]
pub(crate) struct ListenArgs {
    #[command(flatten)]
    pub(crate) signing: SigningArgs,

    /// Port to listen on (0 picks a free one; the readiness line tells which).
    #[arg(short, long, default_value_t = 0)]
    pub(crate) port: u16,

    /// Address or host name to bind (a name binds the first address it
    /// resolves to, e.g. localhost).
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: String,

    /// Only answer on this path (others get 404).
    #[arg(long, default_value = "/")]
    pub(crate) path: String,

    /// Verify signatures (needs a secret); failures are answered 400/401 by the verify layer.
    #[arg(long)]
    pub(crate) verify: bool,

    /// Process each event once: duplicates get the recorded response. With --verify
    /// the event is keyed on signed bytes only (the signed id, else the body's "id",
    /// else its SHA-256); without it, on X-Webhook-Id / webhook-id, else the body's "id".
    #[arg(long)]
    pub(crate) dedupe: bool,

    /// Redis URL for --dedupe (default: an in-memory store).
    #[arg(long, requires = "dedupe", value_name = "URL")]
    pub(crate) redis: Option<String>,

    /// Append every request (including rejected ones) to this capture file.
    #[arg(long, value_name = "FILE")]
    pub(crate) capture: Option<PathBuf>,

    /// Forward each accepted request byte-exact to URL and answer with its
    /// response. The full URL, used as given (the request's query string is
    /// passed on when URL has none); without a scheme http:// is assumed
    /// (localhost:3000/webhooks). Repeat to route: EVENTS=URL forwards only
    /// events whose type matches (invoice.*, push|pull_request.*),
    /// EVENTS@PATH=URL or @PATH=URL also by path (/stripe/*). Every matching
    /// target gets a copy; the sender gets the first non-2xx answer, else
    /// the first target's; no match: the --respond answer.
    #[arg(long, value_name = "[FILTER=]URL")]
    pub(crate) forward_to: Vec<String>,

    /// More routes, from a TOML file of `[[route]]` tables: to = "URL",
    /// optional events = ["invoice.*", …] and path = "/stripe/*". They come
    /// after the --forward-to ones.
    #[arg(long, value_name = "FILE")]
    pub(crate) routes: Option<PathBuf>,

    /// Status to answer accepted requests with.
    #[arg(long, default_value_t = 200, value_name = "CODE")]
    pub(crate) respond: u16,

    /// Fraction of accepted requests to fail (0..1).
    #[arg(long, value_parser = parse_probability, default_value_t = 0.0, value_name = "P")]
    pub(crate) fail_rate: f64,

    /// Status for the simulated failures.
    #[arg(long, default_value_t = 503, value_name = "CODE")]
    pub(crate) fail_status: u16,

    /// Make simulated failures 429 with this Retry-After (a duration, sent as
    /// whole seconds rounded up; bare numbers are seconds).
    #[arg(long, value_name = "DURATION", value_parser = parse_seconds_or_duration, conflicts_with = "fail_status")]
    pub(crate) retry_after: Option<Duration>,

    /// Delay every answer by this long.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) delay: Option<Duration>,

    /// Tolerance for --verify (default: the provider's own, 5m for most).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) tolerance: Option<Duration>,

    /// The public URL the provider sends to (a tunnel or proxy in front of
    /// the listener), for schemes that sign the URL (square, twilio,
    /// hubspot): the request's path and query are appended to it.
    #[arg(long, value_name = "URL")]
    pub(crate) public_url: Option<String>,

    /// Largest request body read (65536, 64KiB, 1MiB, …); larger ones get 413,
    /// before any byte is read when Content-Length says so.
    #[arg(long, value_parser = parse_size, default_value = "1MiB", value_name = "SIZE")]
    pub(crate) body_limit: usize,

    /// How long the whole request body may take to arrive; slower ones get 408.
    #[arg(long, value_parser = parse_timeout, default_value = "10s", value_name = "DURATION")]
    pub(crate) body_timeout: Duration,

    /// How long the request line and headers may take to arrive (and how long an
    /// idle keep-alive connection is kept); slower connections are closed.
    #[arg(long, value_parser = parse_timeout, default_value = "10s", value_name = "DURATION")]
    pub(crate) header_timeout: Duration,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    /// For --forward-to.
    #[command(flatten)]
    pub(crate) tls: TlsArgs,

    #[command(flatten)]
    pub(crate) ui: UiArgs,
}

/// `listen --ui`: the live web inspector.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Inspector")]
pub(crate) struct UiArgs {
    /// Serve a live inspector page at /_webhook/ (a second readiness line
    /// gives its URL): every request, its verdicts and bytes, replay and
    /// edit-and-replay. Loopback only unless --ui-allow-remote.
    #[arg(long)]
    pub(crate) ui: bool,

    /// Serve the inspector on this port of the same host instead of the
    /// listen port (0 picks a free one).
    #[arg(long, requires = "ui", value_name = "PORT")]
    pub(crate) ui_port: Option<u16>,

    /// How many requests the inspector keeps (the oldest are dropped).
    #[arg(long, requires = "ui", default_value_t = webhook_cli::inspector::DEFAULT_HISTORY, value_parser = parse_positive, value_name = "N")]
    pub(crate) ui_history: usize,

    /// Body bytes the inspector keeps per request (the page marks the cut;
    /// --capture keeps everything).
    #[arg(long, requires = "ui", value_parser = parse_size, default_value = "256KiB", value_name = "SIZE")]
    pub(crate) ui_body_cap: usize,

    /// Allow --ui on a --host other than loopback: anyone who can reach it
    /// sees every request and can send requests (warns on stderr).
    #[arg(long, requires = "ui")]
    pub(crate) ui_allow_remote: bool,
}

/// A default duration as `--help` shows it and [`parse_duration`] reads it
/// back (`30s`, `1h`), so the sender's constants are the one source.
fn duration_text(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

static DEFAULT_TIMEOUT: LazyLock<String> = LazyLock::new(|| duration_text(sender::DEFAULT_TIMEOUT));
static DEFAULT_INITIAL_DELAY: LazyLock<String> =
    LazyLock::new(|| duration_text(sender::DEFAULT_INITIAL_DELAY));
static DEFAULT_MAX_DELAY: LazyLock<String> =
    LazyLock::new(|| duration_text(sender::DEFAULT_MAX_DELAY));

/// Sender options shared by deliver and replay.
#[derive(Debug, Clone, Args)]
#[command(mut_arg("json", |arg| arg.help("Print the summary as JSON on stdout")))]
pub(crate) struct SenderArgs {
    /// Requests in flight at once.
    #[arg(short, long, default_value_t = sender::DEFAULT_CONCURRENCY, value_parser = parse_positive)]
    pub(crate) concurrency: usize,

    /// Requests per second (default: unlimited).
    #[arg(long, value_parser = parse_rate, value_name = "R")]
    pub(crate) rate: Option<f64>,

    /// Token-bucket size for --rate.
    #[arg(long, default_value_t = sender::DEFAULT_BURST, value_name = "B", requires = "rate")]
    pub(crate) burst: u32,

    /// Per-request timeout.
    #[arg(long, value_parser = parse_duration, default_value = DEFAULT_TIMEOUT.as_str())]
    pub(crate) timeout: Duration,

    /// Write events that could not be delivered here (capture format).
    #[arg(long, value_name = "FILE")]
    pub(crate) dead_letter: Option<PathBuf>,

    /// Write one JSON line per event: id, attempts, final status, latency.
    #[arg(long, value_name = "FILE")]
    pub(crate) results: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// Retry policy options.
#[derive(Debug, Clone, Args)]
pub(crate) struct RetryArgs {
    /// Attempts per event, including the first.
    #[arg(long, default_value_t = sender::DEFAULT_MAX_ATTEMPTS, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_attempts: u32,

    /// Backoff strategy.
    #[arg(long, value_enum, default_value_t = sender::DEFAULT_BACKOFF_KIND.into())]
    pub(crate) backoff: BackoffKind,

    /// First retry delay.
    #[arg(long, value_parser = parse_duration, default_value = DEFAULT_INITIAL_DELAY.as_str())]
    pub(crate) initial: Duration,

    /// Longest computed retry delay (a Retry-After may ask for more).
    #[arg(long, value_parser = parse_duration, default_value = DEFAULT_MAX_DELAY.as_str())]
    pub(crate) max: Duration,

    /// Relative jitter on each delay (0..1).
    #[arg(long, value_parser = parse_jitter, default_value_t = sender::DEFAULT_JITTER)]
    pub(crate) jitter: f64,
}

/// Backoff strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BackoffKind {
    /// initial × 2^(attempt−1), capped at --max, with jitter.
    Exponential,
    /// Always --initial, with jitter.
    Constant,
}

impl From<BackoffKind> for sender::BackoffKind {
    fn from(kind: BackoffKind) -> Self {
        match kind {
            BackoffKind::Exponential => Self::Exponential,
            BackoffKind::Constant => Self::Constant,
        }
    }
}

impl From<sender::BackoffKind> for BackoffKind {
    fn from(kind: sender::BackoffKind) -> Self {
        match kind {
            sender::BackoffKind::Exponential => Self::Exponential,
            sender::BackoffKind::Constant => Self::Constant,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    #[command(flatten)]
    pub(crate) signing: SigningArgs,

    /// The capture (or dead-letter) file, or - for stdin.
    pub(crate) capture: PathBuf,

    /// Send every request to this URL: the full URL, used as given; without
    /// a scheme http:// is assumed (localhost:3000/webhooks). Default:
    /// http:// + the captured Host header + the captured path and query.
    #[arg(long, value_name = "URL")]
    pub(crate) to: Option<String>,

    /// Send the captured headers unchanged (tests the receiver's replay protection).
    #[arg(long)]
    pub(crate) verbatim: bool,

    /// Which requests: N or N-M (line numbers), id=ID, path=PATH, failed, ok (repeat: any matches).
    #[arg(long = "select", value_name = "FILTER")]
    pub(crate) select: Vec<String>,

    /// Attempts per request (1 = no retries).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_attempts: u32,

    #[command(flatten)]
    pub(crate) sender: SenderArgs,

    #[command(flatten)]
    pub(crate) tls: TlsArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DeliverArgs {
    #[command(flatten)]
    pub(crate) signing: SigningArgs,

    /// Where to deliver: the full URL, used as given; without a scheme
    /// http:// is assumed (localhost:3000/webhooks).
    pub(crate) url: String,

    /// Generate this many events [default: 1000].
    #[arg(short = 'n', long, group = "events")]
    pub(crate) count: Option<u64>,

    /// Read events from an NDJSON file: one JSON event per line (sent
    /// byte-exact; id from its "id"), or capture records; - for stdin. Lines
    /// that are not JSON objects are sent byte-exact too, with a generated
    /// id, and warned about.
    #[arg(long, group = "events", value_name = "FILE")]
    pub(crate) from: Option<PathBuf>,

    /// Event type of generated events (a send --event template).
    #[arg(long, default_value = "ping", value_name = "TYPE")]
    pub(crate) event: String,

    #[command(flatten)]
    pub(crate) retry: RetryArgs,

    #[command(flatten)]
    pub(crate) sender: SenderArgs,

    #[command(flatten)]
    pub(crate) tls: TlsArgs,
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |arg| arg.help("Print the summary as JSON on stdout")))]
pub(crate) struct RoundtripArgs {
    /// Events to deliver.
    #[arg(short = 'n', long, default_value_t = 10_000)]
    pub(crate) count: u64,

    /// Fraction of first attempts the handler fails (503) before processing.
    #[arg(long, value_parser = parse_probability, default_value_t = 0.1, value_name = "P")]
    pub(crate) fail_rate: f64,

    /// Fraction of events that are processed but whose 200 is replaced by a 503
    /// (a lost acknowledgement: the sender retries, dedupe must catch it).
    #[arg(long, value_parser = parse_probability, default_value_t = 0.05, value_name = "P")]
    pub(crate) lost_ack_rate: f64,

    /// Fraction of events delivered a second time, concurrently.
    #[arg(long, value_parser = parse_probability, default_value_t = 0.1, value_name = "P")]
    pub(crate) duplicate_rate: f64,

    /// Use this Redis for dedupe instead of the in-memory store.
    #[arg(long, value_name = "URL")]
    pub(crate) redis: Option<String>,

    /// Signature scheme used end to end.
    #[arg(long, value_enum, default_value_t = SchemeArg(Scheme::Webhook))]
    pub(crate) scheme: SchemeArg,

    /// Requests in flight at once.
    #[arg(short, long, default_value_t = sender::DEFAULT_CONCURRENCY, value_parser = parse_positive)]
    pub(crate) concurrency: usize,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct SecretArgs {
    #[command(subcommand)]
    pub(crate) command: SecretCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SecretCommand {
    /// Print a fresh random secret in the scheme's format (whsec_… for
    /// standard and stripe; a key pair for the asymmetric schemes); nothing
    /// is stored.
    New(SecretNewArgs),
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |arg| arg.help(
    "Print {\"scheme\": …, \"secret\": …} (or \"public\" and \"private\" for a key pair) \
     instead of the bare key"
)))]
pub(crate) struct SecretNewArgs {
    /// The scheme whose format to use.
    #[arg(long, value_enum, default_value_t = SchemeArg(Scheme::Webhook))]
    pub(crate) scheme: SchemeArg,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    pub(crate) shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_library_scheme_is_a_value_by_its_name_and_aliases() {
        for &scheme in Scheme::ALL {
            let names = std::iter::once(scheme.name()).chain(scheme.aliases().iter().copied());
            for name in names {
                assert_eq!(
                    SchemeArg::from_str(name, true).map(Scheme::from),
                    Ok(scheme),
                    "{name}"
                );
            }
        }
        assert!(SchemeArg::from_str("nope", true).is_err());
    }

    #[test]
    fn sender_defaults_are_the_engines() {
        let cli = Cli::try_parse_from(["webhook", "deliver", "localhost", "--secret", "s"])
            .expect("deliver with a URL and a secret parses");
        let Command::Deliver(args) = cli.command else {
            panic!("not deliver: {:?}", cli.command);
        };
        let engine = sender::SenderConfig::default();
        assert_eq!(args.sender.concurrency, engine.concurrency);
        assert_eq!(args.sender.burst, engine.burst);
        assert_eq!(args.sender.timeout, engine.timeout);
        assert_eq!(args.retry.max_attempts, engine.max_attempts);
        let backoff = engine.backoff;
        assert_eq!(sender::BackoffKind::from(args.retry.backoff), backoff.kind);
        assert_eq!(args.retry.initial, backoff.initial);
        assert_eq!(args.retry.max, backoff.max);
        assert_eq!(args.retry.jitter, backoff.jitter);
    }

    #[test]
    fn sizes_parse_with_binary_and_decimal_units() {
        for (text, bytes) in [
            ("0", 0),
            ("65536", 65_536),
            ("64KiB", 65_536),
            ("64kib", 65_536),
            ("1MiB", 1 << 20),
            ("2 MiB", 2 << 20),
            ("1GiB", 1 << 30),
            ("10KB", 10_000),
            ("3MB", 3_000_000),
            ("512B", 512),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        for text in [
            "",
            "KiB",
            "1.5MiB",
            "-1",
            "1 TiB",
            "99999999999999999999",
            "1MiBs",
        ] {
            assert!(parse_size(text).is_err(), "{text}");
        }
    }

    #[test]
    fn timeouts_must_not_be_zero() {
        assert_eq!(parse_timeout("300ms"), Ok(Duration::from_millis(300)));
        assert!(parse_timeout("0s").is_err());
    }

    #[test]
    fn listen_defaults_are_the_layers_defaults() {
        let cli = Cli::try_parse_from(["webhook", "listen"]).unwrap();
        let Command::Listen(args) = cli.command else {
            panic!("parsed as another command");
        };
        assert_eq!(args.body_limit, webhook_verify::layer::DEFAULT_BODY_LIMIT);
        assert_eq!(
            args.body_timeout,
            webhook_verify::layer::DEFAULT_BODY_TIMEOUT
        );
        assert_eq!(
            args.header_timeout,
            webhook_cli::serve::DEFAULT_HEADER_TIMEOUT
        );
        assert_eq!(
            args.ui.ui_body_cap,
            webhook_cli::inspector::DEFAULT_BODY_CAP
        );
    }
}
