//! The `webhook` command line tool: sign, verify, send, listen, replay,
//! deliver and roundtrip. This file only wires: parse, set up tracing, run,
//! map the error to an exit code.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

mod cli;
mod completions;
mod dedupe;
mod deliver;
mod errors;
mod headers;
mod input;
mod listen;
mod listen_ui;
mod output;
mod progress;
mod random_id;
mod replay;
mod roundtrip;
mod routes;
mod secret;
mod secret_new;
mod send;
mod sender_run;
mod sign;
mod signals;
mod target_url;
mod templates;
mod tls;
mod verify;

use cli::{Cli, Command};
use errors::{Interrupted, UsageError};

/// Global options every command may look at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunContext {
    /// `--quiet`: no progress bar.
    pub(crate) quiet: bool,
    /// `-v`, `-vv`: more detail.
    pub(crate) verbose: u8,
}

/// One subcommand.
pub(crate) trait Run {
    /// Runs it; the error decides the exit code.
    async fn run(self, ctx: &RunContext) -> anyhow::Result<()>;
}

impl Run for Command {
    async fn run(self, ctx: &RunContext) -> anyhow::Result<()> {
        match self {
            Command::Sign(args) => args.run(ctx).await,
            Command::Verify(args) => args.run(ctx).await,
            Command::Send(args) => args.run(ctx).await,
            Command::Listen(args) => Box::pin(args.run(ctx)).await,
            Command::Replay(args) => args.run(ctx).await,
            Command::Deliver(args) => Box::pin(args.run(ctx)).await,
            Command::Roundtrip(args) => Box::pin(args.run(ctx)).await,
            Command::Secret(args) => args.run(ctx).await,
            Command::Keygen(args) => args.run(ctx).await,
            Command::Completions(args) => args.run(ctx).await,
        }
    }
}

fn init_tracing(verbose: u8, quiet: bool) {
    // rustls-platform-verifier logs every rejected certificate as an error;
    // the command reports the failure itself, on one line.
    let default = match (quiet, verbose) {
        (true, _) => "error,rustls_platform_verifier=off",
        (false, 0) => "warn,rustls_platform_verifier=off",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose, cli.quiet);
    let ctx = RunContext {
        quiet: cli.quiet,
        verbose: cli.verbose,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => return exit_for(&anyhow::Error::new(err).context("starting the runtime")),
    };
    let result = runtime.block_on(cli.command.run(&ctx));
    // Don't wait for a blocking read that will never end (`deliver --from -`
    // stopped by Ctrl-C while stdin stays open): everything is written by now.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => exit_for(&err),
    }
}

/// Reports `err` on stderr and maps it to the documented exit code.
fn exit_for(err: &anyhow::Error) -> ExitCode {
    // The reader of our output went away (`| head -1`): a normal end, as for
    // other Unix tools, and nothing to report (stderr may be that pipe too).
    if errors::is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    let code = if err.downcast_ref::<UsageError>().is_some() {
        2
    } else if err.downcast_ref::<Interrupted>().is_some() {
        130
    } else {
        1
    };
    // Never panic on a closed stderr.
    let _ = writeln!(std::io::stderr().lock(), "error: {}", errors::describe(err));
    ExitCode::from(code)
}
