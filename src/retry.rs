//! When a failed request is sent again, and after how long.
//!
//! Idempotent GETs are retried on connect errors, timeouts, 429 and 5xx. Any other request is
//! retried only when it certainly never reached the server (the connection could not be made):
//! an action that may have run must not run twice. TLS failures (an untrusted certificate)
//! are never retried: they fail the same way every time.

use std::time::Duration;

use reqwest::StatusCode;

/// Retry limits and backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 turns retries off.
    pub max_retries: u32,
    /// Delay before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// Longest delay between two attempts, also the cap of `Retry-After`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    pub(crate) fn retries_status(&self, status: StatusCode, attempt: u32) -> bool {
        attempt < self.max_retries
            && (status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error())
    }

    pub(crate) fn retries_error(
        &self,
        error: &reqwest::Error,
        idempotent: bool,
        attempt: u32,
    ) -> bool {
        attempt < self.max_retries
            && (error.is_connect() || (idempotent && error.is_timeout()))
            && !crate::error::is_tls_failure(error)
    }

    /// Exponential backoff with ±20 % jitter, or the server's `Retry-After`, capped.
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_delay);
        }
        let exponential = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_delay);
        // Not `mul_f64`, which panics when a caller's `max_delay` is near `Duration::MAX`.
        Duration::try_from_secs_f64(exponential.as_secs_f64() * (0.8 + 0.4 * jitter()))
            .unwrap_or(exponential)
    }
}

/// A number in [0, 1) that differs between calls, so that clients do not retry in lockstep.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let policy = RetryPolicy::default();
        for attempt in 0..6 {
            let expected = (policy.base_delay * 2u32.pow(attempt)).min(policy.max_delay);
            let delay = policy.delay(attempt, None);
            assert!(
                delay >= expected.mul_f64(0.8) && delay <= expected.mul_f64(1.2),
                "{attempt}: {delay:?}"
            );
        }
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(600))),
            policy.max_delay
        );
    }

    #[test]
    fn statuses_that_are_retried() {
        let policy = RetryPolicy::default();
        assert!(policy.retries_status(StatusCode::TOO_MANY_REQUESTS, 0));
        assert!(policy.retries_status(StatusCode::SERVICE_UNAVAILABLE, 2));
        assert!(!policy.retries_status(StatusCode::SERVICE_UNAVAILABLE, 3));
        assert!(!policy.retries_status(StatusCode::NOT_FOUND, 0));
        assert!(!RetryPolicy::none().retries_status(StatusCode::BAD_GATEWAY, 0));
    }
}
