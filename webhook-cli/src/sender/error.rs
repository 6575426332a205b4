//! Why a run could not start or finish: [`SenderError`].

/// Why the engine could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SenderError {
    /// The HTTP client could not be built.
    #[error("building the HTTP client: {0}")]
    Client(String),
    /// Signing failed (for example an event id that cannot be a header
    /// value). The run goes on: the event is dead-lettered with this as
    /// its reason.
    #[error("signing event {id}: {source}")]
    Sign {
        /// The event.
        id: String,
        /// The signer's error.
        source: webhook_verify::ConfigError,
    },
    /// The event source failed.
    #[error("reading events: {0}")]
    Source(String),
    /// Writing dead letters or results failed.
    #[error("writing output: {0}")]
    Io(String),
    /// The configuration is unusable.
    #[error("invalid configuration: {0}")]
    Config(&'static str),
}
