//! `listen --ui`: the checks and settings of the live inspector
//! ([`webhook_cli::inspector`]) that `listen` mounts in front of its
//! receiver or serves on `--ui-port`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use webhook_cli::inspector::{Inspector, InspectorSettings, PREFIX};
use webhook_cli::receiver::Route;
use webhook_verify::{SignatureScheme as _, Signer};

use crate::RunContext;
use crate::cli::{ListenArgs, SigningArgs};
use crate::errors::{UsageError, describe};

/// Refuses a receiver `--path` under the inspector's reserved prefix.
pub(crate) fn check_path(path: &str) -> Result<(), UsageError> {
    let reserved = path == PREFIX
        || path
            .strip_prefix(PREFIX)
            .is_some_and(|rest| rest.starts_with('/'));
    if reserved {
        return Err(UsageError(format!(
            "--path {path:?} is under {PREFIX}/, which is reserved for the inspector (--ui)"
        )));
    }
    Ok(())
}

/// Refuses `--ui` on an address other than loopback unless
/// `--ui-allow-remote`, which warns (unless `--quiet`).
pub(crate) fn check_exposure(
    args: &ListenArgs,
    bound: SocketAddr,
    ctx: &RunContext,
) -> Result<(), UsageError> {
    if bound.ip().is_loopback() {
        return Ok(());
    }
    if !args.ui.ui_allow_remote {
        return Err(UsageError(format!(
            "--ui on --host {} ({}) would show every request's headers and bodies, and \
             let anyone who can reach it send requests: use a loopback --host, or add \
             --ui-allow-remote",
            args.host,
            bound.ip()
        )));
    }
    if !ctx.quiet {
        // Never panic on a closed stderr.
        let _ = writeln!(
            std::io::stderr().lock(),
            "warning: --ui-allow-remote: the inspector on {} shows every request's headers \
             and bodies and can send requests, to anyone who can reach it",
            bound.ip()
        );
    }
    Ok(())
}

/// The signer for re-signed replays, or why there is none.
fn resigner(signing: &SigningArgs) -> Result<Signer, String> {
    let scheme = signing.scheme();
    if !scheme.algorithm().is_symmetric() {
        return Err(format!(
            "--scheme {} verifies with a public key; re-signing needs the sender's private \
             key, which the listener does not hold",
            scheme.name()
        ));
    }
    if signing.secrets.is_empty() && signing.secret_file.is_none() {
        return Err("the listener has no --secret to sign with".to_owned());
    }
    signing.signer().map_err(|err| describe(&err))
}

/// The inspector for a receiver at `listener`, its page at `ui`.
pub(crate) fn inspector(
    args: &ListenArgs,
    listener: SocketAddr,
    ui: SocketAddr,
    routes: Vec<Route>,
    client: reqwest::Client,
) -> Arc<Inspector> {
    let (signer, resign_unavailable) = match resigner(&args.signing) {
        Ok(signer) => (Some(signer), String::new()),
        Err(why) => (None, why),
    };
    Arc::new(Inspector::new(InspectorSettings {
        history: args.ui.ui_history,
        body_cap: args.ui.ui_body_cap,
        allow_remote: args.ui.ui_allow_remote,
        scheme: args.signing.scheme(),
        signer,
        resign_unavailable,
        public_url: args.public_url.clone(),
        routes,
        client,
        ..InspectorSettings::new(listener, ui)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_the_prefix_are_reserved() {
        for path in ["/_webhook", "/_webhook/", "/_webhook/api"] {
            assert!(check_path(path).is_err(), "{path}");
        }
        for path in ["/", "/hooks", "/_webhooks", "/x/_webhook"] {
            assert!(check_path(path).is_ok(), "{path}");
        }
    }
}
