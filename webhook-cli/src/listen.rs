//! `webhook listen`.

use crate::cli::ListenArgs;
use crate::{Context, Run};

impl Run for ListenArgs {
    async fn run(self, _ctx: &Context) -> anyhow::Result<()> {
        anyhow::bail!("not yet")
    }
}
