//! [`error_chain`]: an error and its causes on one line, each said once.

use std::error::Error;

/// `err` and its sources, joined by `: `, each said once: many errors print
/// their cause in their own message *and* return it as their source, so a
/// plain walk repeats it ("refused: refused: refused"). A cause whose text
/// is already in the line is left out.
///
/// ```
/// use webhook_cli::error_chain::error_chain;
///
/// #[derive(Debug)]
/// struct Outer(std::io::Error);
/// impl std::fmt::Display for Outer {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "store unavailable: {}", self.0)
///     }
/// }
/// impl std::error::Error for Outer {
///     fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
///         Some(&self.0)
///     }
/// }
/// let io = std::io::Error::other("Connection refused");
/// assert_eq!(error_chain(&Outer(io)), "store unavailable: Connection refused");
/// ```
pub fn error_chain(err: &(dyn Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !message.is_empty() && !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}
