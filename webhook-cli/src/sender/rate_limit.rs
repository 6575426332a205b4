//! The rate limit on requests (`--rate`, `--burst`): a token bucket.

use std::sync::Mutex;
use std::time::Duration;

/// Token-bucket size: requests allowed at once above the rate (`--burst`).
pub const DEFAULT_BURST: u32 = 1;

/// A token bucket: `rate` tokens per second, at most `burst` saved up.
/// Callers reserve a token and sleep until it is due, so waiting never holds
/// the lock.
#[derive(Debug)]
pub(super) struct RateLimiter {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, tokio::time::Instant)>,
}

impl RateLimiter {
    pub(super) fn new(rate: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            rate,
            burst,
            state: Mutex::new((burst, tokio::time::Instant::now())),
        }
    }

    /// Waits until the next request may go.
    pub(super) async fn acquire(&self) {
        let wait = {
            // Nothing panics while the lock is held.
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = tokio::time::Instant::now();
            let refill = now.duration_since(state.1).as_secs_f64() * self.rate;
            state.0 = (state.0 + refill).min(self.burst) - 1.0;
            state.1 = now;
            if state.0 >= 0.0 {
                None
            } else {
                Some(Duration::from_secs_f64(-state.0 / self.rate))
            }
        };
        if let Some(wait) = wait {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rate_limiter_spaces_requests_after_the_burst() {
        tokio::time::pause();
        let limiter = RateLimiter::new(10.0, 2);
        let start = tokio::time::Instant::now();
        for _ in 0..4 {
            limiter.acquire().await;
        }
        // Two from the burst, then two more at 10/s: at least 0.2 s of
        // (paused, virtual) time.
        assert!(
            start.elapsed() >= Duration::from_millis(190),
            "{:?}",
            start.elapsed()
        );
    }
}
