//! The progress bar on stderr, hidden when stderr is not a terminal or with
//! `--quiet`.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar for `total` events (a spinner when unknown).
pub(crate) fn bar(total: Option<u64>, quiet: bool) -> ProgressBar {
    let bar = match total {
        Some(total) => ProgressBar::new(total),
        None => ProgressBar::new_spinner(),
    };
    if quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
        return bar;
    }
    bar.set_draw_target(ProgressDrawTarget::stderr());
    let template = if total.is_some() {
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec} {msg}"
    } else {
        "{spinner} [{elapsed_precise}] {pos} {per_sec} {msg}"
    };
    // The templates above are fixed and valid.
    bar.set_style(ProgressStyle::with_template(template).expect("valid progress template"));
    bar
}
