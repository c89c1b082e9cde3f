//! When to try a call again, and how long to wait first.

use std::time::Duration;

use reqwest::header::HeaderMap;

use super::config::RetryPolicy;

/// Whether repeating a call can do harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// Reading: safe to repeat after a 5xx or a timeout.
    Read,
    /// Releasing or rejecting mail: repeated only when the answer proves Mimecast did not act
    /// (429, 401 before a token renewal, a connection that never opened).
    Write,
}

/// The header that says how many milliseconds to wait after a 429.
pub const RATE_LIMIT_RESET: &str = "x-ratelimit-reset";

/// Wait used when a 429 carries no usable `X-RateLimit-Reset`.
pub const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(1);

/// Reads `X-RateLimit-Reset` (milliseconds to wait, a duration and not an epoch time).
pub fn rate_limit_wait(headers: &HeaderMap) -> Duration {
    headers
        .get(RATE_LIMIT_RESET)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
        .map(|ms| Duration::from_millis(ms.min(u64::MAX as f64) as u64))
        .unwrap_or(DEFAULT_RATE_LIMIT_WAIT)
}

/// Exponential back-off with "equal jitter": half the delay fixed, half random, so that many
/// clients failing together do not retry together. `attempt` counts from 1.
pub fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exp = policy
        .base_delay
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
    let capped = exp.min(policy.max_delay);
    let half = capped / 2;
    half + half.mul_f64(fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn reset_header_is_milliseconds() {
        let mut headers = HeaderMap::new();
        headers.insert(RATE_LIMIT_RESET, HeaderValue::from_static("1500"));
        assert_eq!(rate_limit_wait(&headers), Duration::from_millis(1500));
        headers.insert(RATE_LIMIT_RESET, HeaderValue::from_static("soon"));
        assert_eq!(rate_limit_wait(&headers), DEFAULT_RATE_LIMIT_WAIT);
        assert_eq!(rate_limit_wait(&HeaderMap::new()), DEFAULT_RATE_LIMIT_WAIT);
    }

    #[test]
    fn backoff_grows_and_stays_within_bounds() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for _ in 0..200 {
            let first = backoff(&policy, 1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = backoff(&policy, 3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let late = backoff(&policy, 30);
            assert!(late >= Duration::from_millis(500) && late <= Duration::from_millis(1000));
        }
    }
}
