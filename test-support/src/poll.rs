//! Waiting for a condition in an async test: poll it at an interval, with a
//! bound, and fail with what was awaited and the last value seen.

use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

/// How long the polling helpers wait before they fail the test. A bound
/// only keeps a broken build from hanging the suite; nothing is asserted
/// about speed.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// How a condition is polled: every [`every`](Self::every) (50 ms by
/// default), for at most [`within`](Self::within) ([`PATIENCE`] by default).
///
/// [`eventually`] and [`poll_until`] poll with the defaults.
///
/// ```
/// use std::time::Duration;
/// use webhook_test_support::Poll;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let mut polls = 0;
/// Poll::default()
///     .every(Duration::from_millis(1))
///     .until("polled three times", || {
///         polls += 1;
///         std::future::ready(polls == 3)
///     })
///     .await;
/// assert_eq!(polls, 3);
/// # });
/// ```
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct Poll {
    every: Duration,
    within: Duration,
}

impl Default for Poll {
    fn default() -> Self {
        Self {
            every: Duration::from_millis(50),
            within: PATIENCE,
        }
    }
}

impl Poll {
    /// The pause between two polls.
    pub fn every(self, interval: Duration) -> Self {
        Self {
            every: interval,
            ..self
        }
    }

    /// How long to poll before failing.
    pub fn within(self, timeout: Duration) -> Self {
        Self {
            within: timeout,
            ..self
        }
    }

    /// Polls `check` until it returns `true`.
    ///
    /// # Panics
    ///
    /// When it has not within the bound: `timed out … waiting until {what}`.
    pub async fn until<F, Fut>(self, what: &str, check: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = bool>,
    {
        self.until_value(what, check, |done| *done).await;
    }

    /// Calls `next` until its value satisfies `done`, and returns that value.
    ///
    /// # Panics
    ///
    /// When no value has within the bound; the message names `what` and
    /// shows the last value.
    pub async fn until_value<T, F, Fut>(
        self,
        what: &str,
        mut next: F,
        done: impl Fn(&T) -> bool,
    ) -> T
    where
        T: Debug,
        F: FnMut() -> Fut,
        Fut: Future<Output = T>,
    {
        // Tokio's clock, so that a test with paused time polls in its time.
        let deadline = tokio::time::Instant::now() + self.within;
        loop {
            let value = next().await;
            if done(&value) {
                return value;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out after {:?} waiting until {what}; last value: {value:?}",
                self.within
            );
            tokio::time::sleep(self.every).await;
        }
    }
}

/// Polls `check` every 50 ms until it returns `true`; panics, naming
/// `what`, after [`PATIENCE`]. See [`Poll`] for another interval or bound.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let started = std::time::Instant::now();
/// webhook_test_support::eventually("100 ms have passed", || async {
///     started.elapsed().as_millis() >= 100
/// })
/// .await;
/// # });
/// ```
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    Poll::default().until(what, check).await;
}

/// Calls `next` every 50 ms until its value satisfies `done` and returns
/// that value; panics, naming `what` and showing the last value, after
/// [`PATIENCE`].
pub async fn poll_until<T, F, Fut>(what: &str, next: F, done: impl Fn(&T) -> bool) -> T
where
    T: Debug,
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    Poll::default().until_value(what, next, done).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn until_value_returns_the_first_value_that_satisfies_done() {
        let mut n = 0;
        let got = Poll::default()
            .every(Duration::from_millis(1))
            .until_value(
                "n reaches 5",
                || {
                    n += 1;
                    std::future::ready(n)
                },
                |n| *n >= 5,
            )
            .await;
        assert_eq!(got, 5);
    }

    #[tokio::test]
    #[should_panic(expected = "waiting until never; last value: false")]
    async fn until_fails_naming_what_it_waited_for() {
        Poll::default()
            .every(Duration::from_millis(1))
            .within(Duration::from_millis(20))
            .until("never", || std::future::ready(false))
            .await;
    }
}
