//! The retry policy: which answers are retried ([`is_retryable`]), how long
//! to wait before the next attempt ([`Backoff`], [`parse_retry_after`]), and
//! the defaults the command line shows.

use std::time::{Duration, SystemTime};

use http::StatusCode;
use rand::Rng as _;

/// Attempts per event, including the first (`--max-attempts`).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// How the delay grows (`--backoff`).
pub const DEFAULT_BACKOFF_KIND: BackoffKind = BackoffKind::Exponential;
/// The delay after the first failed attempt (`--initial`).
pub const DEFAULT_INITIAL_DELAY: Duration = Duration::from_secs(1);
/// The cap on the computed delay (`--max`).
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(3600);
/// Relative jitter on each delay (`--jitter`).
pub const DEFAULT_JITTER: f64 = 0.25;

/// How the delay grows between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackoffKind {
    /// `initial * 2^(attempt-1)`, capped at `max`.
    Exponential,
    /// Always `initial`.
    Constant,
}

impl Default for BackoffKind {
    /// [`DEFAULT_BACKOFF_KIND`].
    fn default() -> Self {
        DEFAULT_BACKOFF_KIND
    }
}

/// Backoff with jitter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Exponential or constant.
    pub kind: BackoffKind,
    /// The delay after the first failed attempt.
    pub initial: Duration,
    /// The cap on the computed delay (a `Retry-After` may exceed it).
    pub max: Duration,
    /// Relative jitter: the delay is multiplied by a uniform factor in
    /// `[1 - jitter, 1 + jitter]` (then capped at `max`). `0.0..=1.0`.
    pub jitter: f64,
}

impl Default for Backoff {
    /// The `DEFAULT_…` constants of this module.
    fn default() -> Self {
        Self {
            kind: DEFAULT_BACKOFF_KIND,
            initial: DEFAULT_INITIAL_DELAY,
            max: DEFAULT_MAX_DELAY,
            jitter: DEFAULT_JITTER,
        }
    }
}

impl Backoff {
    /// The delay before the retry that follows failed attempt number
    /// `attempt` (1-based), before jitter: as [`BackoffKind`] says, capped
    /// at `max`.
    pub fn base_delay(&self, attempt: u32) -> Duration {
        if self.kind == BackoffKind::Constant {
            return self.initial.min(self.max);
        }
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// The delay with jitter applied, and postponed to `retry_after` when the
    /// receiver asked for a longer wait (it never shortens the backoff).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let base = self.base_delay(attempt);
        let jitter = self.jitter.clamp(0.0, 1.0);
        let jittered = if jitter > 0.0 {
            let factor = rand::rng().random_range((1.0 - jitter)..=(1.0 + jitter));
            // try_from: no panic whatever --max is (an overflow just caps).
            Duration::try_from_secs_f64(base.as_secs_f64() * factor)
                .unwrap_or(self.max)
                .min(self.max)
        } else {
            base
        };
        match retry_after {
            Some(wait) => jittered.max(wait),
            None => jittered,
        }
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date (relative to
/// `now`; a date in the past is no wait).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use webhook_cli::sender::parse_retry_after;
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480);
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Whether a status is worth retrying: 408, 409, 429 and every 5xx.
///
/// 409 Conflict is what an idempotency layer answers while another delivery
/// of the same event is still in progress (with `Retry-After`). That other
/// delivery may yet fail and release the event, so only a retry learns the
/// outcome: giving up on a 409 could lose the event.
pub fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::CONFLICT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let backoff = Backoff {
            kind: BackoffKind::Exponential,
            initial: Duration::from_secs(1),
            max: Duration::from_secs(10),
            jitter: 0.0,
        };
        let delays: Vec<_> = (1..=6).map(|n| backoff.delay(n, None).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff.base_delay(200), Duration::from_secs(10));
    }

    #[test]
    fn constant_backoff_stays_put() {
        let backoff = Backoff {
            kind: BackoffKind::Constant,
            initial: Duration::from_secs(3),
            max: Duration::from_secs(10),
            jitter: 0.0,
        };
        let delays: Vec<_> = (1..=4).map(|n| backoff.delay(n, None).as_secs()).collect();
        assert_eq!(delays, [3, 3, 3, 3]);
    }

    #[test]
    fn jitter_stays_in_band() {
        let backoff = Backoff {
            kind: BackoffKind::Exponential,
            initial: Duration::from_millis(1000),
            max: Duration::from_secs(3600),
            jitter: 0.25,
        };
        for _ in 0..1000 {
            let delay = backoff.delay(1, None);
            assert!(
                delay >= Duration::from_millis(750) && delay <= Duration::from_millis(1250),
                "{delay:?}"
            );
        }
    }

    #[test]
    fn retry_after_only_postpones() {
        let backoff = Backoff {
            kind: BackoffKind::Exponential,
            initial: Duration::from_secs(4),
            max: Duration::from_secs(60),
            jitter: 0.0,
        };
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(1))),
            Duration::from_secs(4)
        );
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(90))),
            Duration::from_secs(90)
        );
    }

    #[test]
    fn retryable_statuses() {
        for code in [408, 409, 429, 500, 502, 503, 504] {
            assert!(is_retryable(StatusCode::from_u16(code).unwrap()), "{code}");
        }
        for code in [200, 301, 400, 401, 404, 410, 422] {
            assert!(!is_retryable(StatusCode::from_u16(code).unwrap()), "{code}");
        }
    }
}
