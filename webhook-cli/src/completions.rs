//! `webhook completions SHELL`.

use clap::CommandFactory as _;

use crate::cli::{Cli, CompletionsArgs};
use crate::{Run, RunContext};

impl Run for CompletionsArgs {
    async fn run(self, _ctx: &RunContext) -> anyhow::Result<()> {
        let mut command = Cli::command();
        clap_complete::generate(self.shell, &mut command, "webhook", &mut std::io::stdout());
        Ok(())
    }
}
