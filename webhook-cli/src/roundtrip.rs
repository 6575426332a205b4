//! `webhook roundtrip`.

use crate::cli::RoundtripArgs;
use crate::{Context, Run};

impl Run for RoundtripArgs {
    async fn run(self, _ctx: &Context) -> anyhow::Result<()> {
        anyhow::bail!("not yet")
    }
}
