//! The `webhook` command line tool: sign, verify, send, listen, replay,
//! deliver and roundtrip. This file only wires: parse, set up tracing, run,
//! map the error to an exit code.

use std::process::ExitCode;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

mod cli;
mod completions;
mod deliver;
mod listen;
mod output;
mod progress;
mod replay;
mod roundtrip;
mod secret;
mod send;
mod sign;
mod target_url;
mod templates;
mod tls;
mod verify;

use cli::{Cli, Command};
use output::UsageError;

/// Global options every command may look at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    /// `--quiet`: no progress bar.
    pub(crate) quiet: bool,
}

/// One subcommand.
pub(crate) trait Run {
    /// Runs it; the error decides the exit code.
    async fn run(self, ctx: &Context) -> anyhow::Result<()>;
}

impl Run for Command {
    async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        match self {
            Command::Sign(args) => args.run(ctx).await,
            Command::Verify(args) => args.run(ctx).await,
            Command::Send(args) => args.run(ctx).await,
            Command::Listen(args) => Box::pin(args.run(ctx)).await,
            Command::Replay(args) => args.run(ctx).await,
            Command::Deliver(args) => Box::pin(args.run(ctx)).await,
            Command::Roundtrip(args) => Box::pin(args.run(ctx)).await,
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

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose, cli.quiet);
    let ctx = Context { quiet: cli.quiet };
    match cli.command.run(&ctx).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.downcast_ref::<UsageError>().is_some() => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
