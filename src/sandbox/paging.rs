//! Pagination: page sizes, page scans over index ranges, and opaque page tokens.
//!
//! A page token carries the endpoint, the resume offset, the number of matching rows already
//! returned, and the request's normalised filters, behind an HMAC-SHA1 tag keyed per sandbox
//! instance. A token that was altered, issued by another sandbox, or presented with different
//! filters is refused with `err_invalid_page_token`. Because the filters travel in the token, a
//! follow-up request may also send only `meta.pagination.pageToken` and no `data`.

use std::ops::Range;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha1::Sha1;

use super::envelope::ApiError;

const TAG_LEN: usize = 12;

/// The state a page token resumes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PageToken {
    /// The endpoint path it belongs to.
    #[serde(rename = "e")]
    pub endpoint: String,
    /// Offset (in iteration order) to resume scanning at.
    #[serde(rename = "o")]
    pub offset: usize,
    /// Matching rows returned before this page.
    #[serde(rename = "n")]
    pub ordinal: usize,
    /// The normalised filters of the query.
    #[serde(rename = "f")]
    pub filter: Value,
}

/// Issues and checks page tokens.
#[derive(Debug)]
pub(crate) struct Pager {
    key: [u8; 32],
}

impl Default for Pager {
    fn default() -> Self {
        let mut key = [0u8; 32];
        key.iter_mut().for_each(|b| *b = fastrand::u8(..));
        Self { key }
    }
}

fn invalid(message: &str) -> ApiError {
    ApiError::new("err_invalid_page_token", message).field("pageToken")
}

impl Pager {
    fn mac(&self) -> Hmac<Sha1> {
        // HMAC accepts keys of any length, so this cannot fail.
        <Hmac<Sha1> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!())
    }

    pub fn encode(&self, token: &PageToken) -> String {
        let body = serde_json::to_vec(token).unwrap_or_default();
        let mut mac = self.mac();
        mac.update(&body);
        let tag = mac.finalize().into_bytes();
        let mut bytes = Vec::with_capacity(TAG_LEN + body.len());
        bytes.extend_from_slice(&tag[..TAG_LEN]);
        bytes.extend_from_slice(&body);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode(&self, text: &str, endpoint: &str) -> Result<PageToken, ApiError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| invalid("The page token is not valid"))?;
        if bytes.len() <= TAG_LEN {
            return Err(invalid("The page token is not valid"));
        }
        let (tag, body) = bytes.split_at(TAG_LEN);
        let mut mac = self.mac();
        mac.update(body);
        mac.verify_truncated_left(tag)
            .map_err(|_| invalid("The page token has been altered or was not issued here"))?;
        let token: PageToken =
            serde_json::from_slice(body).map_err(|_| invalid("The page token is not valid"))?;
        if token.endpoint != endpoint {
            return Err(invalid("The page token belongs to another endpoint"));
        }
        Ok(token)
    }
}

/// The error for a token used with other filters than those it was issued for.
pub(crate) fn filter_mismatch() -> ApiError {
    invalid("The page token was issued for a query with different filters")
}

/// Reads `meta.pagination.pageSize`: a positive integer, capped at `cap`; `default` if absent.
pub(crate) fn page_size(
    value: Option<&Value>,
    default: usize,
    cap: usize,
) -> Result<usize, ApiError> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(default);
    };
    let n = value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
        .ok_or_else(|| ApiError::invalid("pageSize", "pageSize must be an integer"))?;
    if n < 1 {
        return Err(ApiError::invalid("pageSize", "pageSize must be at least 1"));
    }
    Ok((n as usize).min(cap))
}

/// The offsets of one page and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    pub offsets: Vec<usize>,
    pub next: Option<usize>,
}

/// Collects up to `size` offsets in `start..len` for which `keep` holds, then looks ahead for
/// the first match after them (the next page's start). Bounded by `len`.
pub(crate) fn scan(
    len: usize,
    start: usize,
    size: usize,
    mut keep: impl FnMut(usize) -> bool,
) -> Page {
    let mut offsets = Vec::with_capacity(size.min(len.saturating_sub(start)).min(1024));
    let mut off = start;
    while off < len && offsets.len() < size {
        if keep(off) {
            offsets.push(off);
        }
        off += 1;
    }
    let next = (off..len).find(|&o| keep(o));
    Page { offsets, next }
}

/// How many offsets in `0..len` satisfy `keep`, without collecting anything.
pub(crate) fn count(len: usize, keep: impl FnMut(usize) -> bool) -> usize {
    let mut keep = keep;
    (0..len).filter(|&o| keep(o)).count()
}

/// The row index at iteration offset `offset` of `range`, newest first unless `oldest_first`.
pub(crate) fn index_at(range: &Range<usize>, oldest_first: bool, offset: usize) -> usize {
    if oldest_first {
        range.end - 1 - offset
    } else {
        range.start + offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token() -> PageToken {
        PageToken {
            endpoint: "/api/x".into(),
            offset: 40,
            ordinal: 20,
            filter: json!({"route": "inbound"}),
        }
    }

    #[test]
    fn tokens_round_trip_and_detect_tampering() {
        let pager = Pager::default();
        let text = pager.encode(&token());
        assert_eq!(pager.decode(&text, "/api/x"), Ok(token()));
        assert!(pager.decode(&text, "/api/y").is_err());
        assert!(
            Pager::default().decode(&text, "/api/x").is_err(),
            "other instance"
        );
        let mut bytes = URL_SAFE_NO_PAD.decode(&text).expect("base64");
        let last = bytes.len() - 3;
        bytes[last] ^= 1;
        let tampered = URL_SAFE_NO_PAD.encode(bytes);
        let err = pager.decode(&tampered, "/api/x").expect_err("tampered");
        assert_eq!(err.code, "err_invalid_page_token");
        assert!(pager.decode("", "/api/x").is_err());
        assert!(pager.decode("%%%", "/api/x").is_err());
    }

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(None, 25, 500), Ok(25));
        assert_eq!(page_size(Some(&json!(10)), 25, 500), Ok(10));
        assert_eq!(page_size(Some(&json!("10")), 25, 500), Ok(10));
        assert_eq!(page_size(Some(&json!(9999)), 25, 500), Ok(500));
        assert!(page_size(Some(&json!(0)), 25, 500).is_err());
        assert!(page_size(Some(&json!("x")), 25, 500).is_err());
    }

    #[test]
    fn scan_pages_and_looks_ahead() {
        let even = |o: usize| o.is_multiple_of(2);
        assert_eq!(
            scan(10, 0, 2, even),
            Page {
                offsets: vec![0, 2],
                next: Some(4)
            }
        );
        assert_eq!(
            scan(10, 4, 3, even),
            Page {
                offsets: vec![4, 6, 8],
                next: None
            }
        );
        assert_eq!(
            scan(10, 9, 3, even),
            Page {
                offsets: vec![],
                next: None
            }
        );
        assert_eq!(count(10, even), 5);
        assert_eq!(index_at(&(5..10), false, 0), 5);
        assert_eq!(index_at(&(5..10), true, 0), 9);
    }
}
