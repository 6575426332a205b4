//! Serializes measurements to the precision they have, so JSON shows
//! `0.462` rather than `0.46192500000000003`.

use serde::Serializer;

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// Milliseconds measured in microseconds: 3 decimals.
pub(super) fn ms<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round(*value, 3))
}

/// [`ms`], or `null`.
pub(super) fn opt_ms<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => ms(value, s),
        None => s.serialize_none(),
    }
}

/// Seconds: milliseconds are what a wall clock over a run means.
pub(super) fn secs<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round(*value, 3))
}

/// A rate: one decimal.
pub(super) fn rate<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => s.serialize_f64(round(*value, 1)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_the_measured_precision() {
        assert_eq!(round(0.461_925_000_000_000_03, 3), 0.462);
        assert_eq!(round(1234.56, 1), 1234.6);
    }
}
