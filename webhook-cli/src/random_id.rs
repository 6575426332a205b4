//! Random ids for events, messages and runs (`evt_4f9c…`).

/// A random id with a prefix, e.g. `evt_4f9c…` (12 random bytes, hex).
pub(crate) fn random_id(prefix: &str) -> String {
    let bytes: [u8; 12] = rand::random();
    format!("{prefix}{}", hex::encode(bytes))
}
