//! Reading a command's input: a body from a file, or stdin for `-`.

use std::io::{self, Read as _};
use std::path::Path;

use anyhow::Context as _;

/// Reads a body from a file, or stdin for `-`.
pub(crate) fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut body = Vec::new();
        io::stdin()
            .read_to_end(&mut body)
            .context("reading the body from stdin")?;
        Ok(body)
    } else {
        std::fs::read(path).with_context(|| format!("reading {}", path.display()))
    }
}
