//! The error types `main` maps to exit codes, and how an error is told on
//! stderr.

use std::io;

/// A usage error found after parsing (no secret, a bad header): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UsageError(pub(crate) String);

/// The command ran and the answer is "no" (invalid signature, non-2xx,
/// undelivered events): exit code 1, message on stderr.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Failure(pub(crate) String);

/// The user stopped the run (Ctrl-C, SIGTERM): exit code 130, after the
/// summary and the output files were written for what was sent.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Interrupted(pub(crate) String);

/// Whether `err` comes from writing to a pipe whose reader went away.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes, each said once (see
/// [`error_chain`](webhook_cli::error_chain::error_chain)).
pub(crate) fn describe(err: &anyhow::Error) -> String {
    webhook_cli::error_chain::error_chain(err.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_said_once() {
        let io = io::Error::new(
            io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        );
        #[derive(Debug, thiserror::Error)]
        #[error("store unavailable: {0}")]
        struct Wrapper(#[source] io::Error);
        let err = anyhow::Error::new(Wrapper(io)).context("connecting to Redis");
        assert_eq!(
            describe(&err),
            "connecting to Redis: store unavailable: Connection refused (os error 111)"
        );
        let pipe =
            anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing");
        assert!(is_broken_pipe(&pipe));
        assert!(!is_broken_pipe(&err));
    }
}
