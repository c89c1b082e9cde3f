//! Slack request signatures (v0): `X-Slack-Signature: v0=<hex HMAC-SHA256 of
//! "v0:{X-Slack-Request-Timestamp}:{raw body}">` keyed with the signing secret.
//!
//! Checked on the raw bytes before anything is parsed; compared in constant time (`hmac`'s
//! `verify_slice`); a timestamp more than five minutes from now is refused; and a signature
//! already accepted within that window is refused as a replay, so a captured request cannot be
//! sent again while its timestamp is still fresh.

use std::time::Duration;

use dashmap::DashMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::Secret;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// The timestamp header (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// Largest accepted distance between the request's timestamp and now.
pub const MAX_AGE: Duration = Duration::from_secs(5 * 60);
/// Most signatures remembered for replay detection; beyond it (a flood of valid requests,
/// which only Slack can sign) the oldest half is dropped.
pub const MAX_REMEMBERED: usize = 100_000;
/// Entries older than the accepted window are swept at most this often.
const SWEEP_EVERY_S: i64 = 60;

/// Why a request was refused. The messages are for the log and never contain the body, the
/// signature or the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A header is missing or not ASCII.
    #[error("missing {0} header")]
    Missing(&'static str),
    /// The timestamp is not a number.
    #[error("the request timestamp is not a number")]
    BadTimestamp,
    /// The timestamp is too far from now.
    #[error("the request timestamp is more than five minutes away from now")]
    Stale,
    /// The signature is not `v0=` and hex, or does not match.
    #[error("the request signature does not match")]
    Mismatch,
    /// The same signed request was already accepted.
    #[error("the request was already received (replay)")]
    Replayed,
}

/// Verifies requests with one signing secret and remembers what it accepted.
pub struct Verifier {
    secret: Secret,
    seen: DashMap<Vec<u8>, i64>,
    max_remembered: usize,
    last_sweep: std::sync::atomic::AtomicI64,
}

impl Verifier {
    /// A verifier for `secret`.
    pub fn new(secret: Secret) -> Self {
        Self::with_capacity(secret, MAX_REMEMBERED)
    }

    /// A verifier that remembers at most `max_remembered` signatures (at least 2).
    pub fn with_capacity(secret: Secret, max_remembered: usize) -> Self {
        Self {
            secret,
            seen: DashMap::new(),
            max_remembered: max_remembered.max(2),
            last_sweep: std::sync::atomic::AtomicI64::new(0),
        }
    }

    /// Checks one request at `now` (Unix seconds): the headers' values (`None` when absent)
    /// and the raw body.
    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        let timestamp = timestamp.ok_or(SignatureError::Missing(TIMESTAMP_HEADER))?;
        let signature = signature.ok_or(SignatureError::Missing(SIGNATURE_HEADER))?;
        let at: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        if now.abs_diff(at) > MAX_AGE.as_secs() {
            return Err(SignatureError::Stale);
        }
        let given = signature
            .strip_prefix("v0=")
            .and_then(decode_hex)
            .ok_or(SignatureError::Mismatch)?;
        let mut mac = self.mac();
        mac.update(b"v0:");
        mac.update(timestamp.as_bytes());
        mac.update(b":");
        mac.update(body);
        mac.verify_slice(&given)
            .map_err(|_| SignatureError::Mismatch)?;
        self.remember(given, at, now)
    }

    /// The signature header value Slack would send for `body` at `timestamp` (for stand-ins
    /// and tests).
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(format!("v0:{timestamp}:").as_bytes());
        mac.update(body);
        let bytes = mac.finalize().into_bytes();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("v0={hex}")
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length, so this cannot fail; an empty key is refused at
        // configuration time.
        Hmac::<Sha256>::new_from_slice(self.secret.expose().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
    }

    /// Records an accepted signature; refuses one seen before. Entries older than the
    /// accepted window are swept once a minute, so memory follows the request rate; at the cap
    /// the older half goes (amortised: the cap is reached again only after as many inserts).
    fn remember(&self, signature: Vec<u8>, at: i64, now: i64) -> Result<(), SignatureError> {
        use std::sync::atomic::Ordering;
        let window = MAX_AGE.as_secs() as i64 * 2;
        let last = self.last_sweep.load(Ordering::Relaxed);
        if now - last >= SWEEP_EVERY_S
            && self
                .last_sweep
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.seen.retain(|_, seen_at| now - *seen_at <= window);
        }
        if self.seen.len() >= self.max_remembered {
            let mut ages: Vec<i64> = self.seen.iter().map(|e| *e.value()).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            self.seen.retain(|_, seen_at| *seen_at > cut);
        }
        match self.seen.entry(signature) {
            dashmap::mapref::entry::Entry::Occupied(_) => Err(SignatureError::Replayed),
            dashmap::mapref::entry::Entry::Vacant(slot) => {
                slot.insert(at);
                Ok(())
            }
        }
    }
}

/// Lower- or upper-case hex to bytes; `None` when not hex or of odd length.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_531_420_618;

    /// Slack's documented example (api.slack.com "Verifying requests from Slack").
    #[test]
    fn slack_documentation_example_verifies() {
        let verifier = Verifier::new(Secret::new("8f742231b10e8888abcd99yyyzzz85a5"));
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
        assert_eq!(verifier.sign(NOW, body), expected);
        assert_eq!(
            verifier.verify(Some("1531420618"), Some(expected), body, NOW + 10),
            Ok(())
        );
    }

    #[test]
    fn refuses_tampering_staleness_replay_and_missing_headers() {
        let verifier = Verifier::new(Secret::new("secret"));
        let body = b"text=held";
        let good = verifier.sign(NOW, body);
        let ts = NOW.to_string();
        // A changed body, another secret, a malformed header.
        assert_eq!(
            verifier.verify(Some(&ts), Some(&good), b"text=release", NOW),
            Err(SignatureError::Mismatch)
        );
        let other = Verifier::new(Secret::new("other")).sign(NOW, body);
        assert_eq!(
            verifier.verify(Some(&ts), Some(&other), body, NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verifier.verify(Some(&ts), Some("v1=00"), body, NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verifier.verify(Some(&ts), Some("v0=zz"), body, NOW),
            Err(SignatureError::Mismatch)
        );
        // Five minutes and one second either way.
        assert_eq!(
            verifier.verify(Some(&ts), Some(&good), body, NOW + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verifier.verify(Some(&ts), Some(&good), body, NOW - 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verifier.verify(Some("soon"), Some(&good), body, NOW),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(
            verifier.verify(None, Some(&good), body, NOW),
            Err(SignatureError::Missing(TIMESTAMP_HEADER))
        );
        assert_eq!(
            verifier.verify(Some(&ts), None, body, NOW),
            Err(SignatureError::Missing(SIGNATURE_HEADER))
        );
        // Accepted once, refused the second time, upper-case hex included.
        assert_eq!(verifier.verify(Some(&ts), Some(&good), body, NOW), Ok(()));
        assert_eq!(
            verifier.verify(
                Some(&ts),
                Some(&good.to_uppercase().replace("V0=", "v0=")),
                body,
                NOW
            ),
            Err(SignatureError::Replayed)
        );
    }

    #[test]
    fn replay_memory_stays_bounded() {
        let cap = 1_000;
        let verifier = Verifier::with_capacity(Secret::new("secret"), cap);
        for i in 0..(cap as i64 * 3) {
            let body = i.to_string();
            let sig = verifier.sign(NOW, body.as_bytes());
            assert_eq!(
                verifier.verify(Some(&NOW.to_string()), Some(&sig), body.as_bytes(), NOW),
                Ok(())
            );
        }
        assert!(verifier.seen.len() <= cap);
        // Old entries are swept once they are past the window.
        let later = NOW + 3 * MAX_AGE.as_secs() as i64;
        let body = b"late";
        let sig = verifier.sign(later, body);
        assert_eq!(
            verifier.verify(Some(&later.to_string()), Some(&sig), body, later),
            Ok(())
        );
        assert_eq!(verifier.seen.len(), 1);
    }
}
