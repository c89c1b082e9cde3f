//! Next-page handles: Mimecast's page token together with the exact window the first page
//! searched. Relative dates (`7d`, an open end meaning "now") resolve differently a minute
//! later, and Mimecast's tokens belong to the query that produced them, so a continuation must
//! send the same window again; the handle carries it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageHandle {
    /// Mimecast's `meta.pagination.next`.
    #[serde(rename = "t")]
    pub token: String,
    /// The window's start as searched.
    #[serde(rename = "s", skip_serializing_if = "Option::is_none", default)]
    pub start: Option<DateTime<Utc>>,
    /// The window's end as searched.
    #[serde(rename = "e", skip_serializing_if = "Option::is_none", default)]
    pub end: Option<DateTime<Utc>>,
}

impl PageHandle {
    /// The handle as one URL-safe word (for `--page`).
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a handle printed by [`PageHandle::encode`]; `None` for anything else.
    pub fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        serde_json::from_slice::<Self>(&bytes)
            .ok()
            .filter(|h| !h.token.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_anything_else() {
        let handle = PageHandle {
            token: "abc+/=".into(),
            start: crate::mimecast::dates::parse("2024-01-01T00:00:00Z"),
            end: None,
        };
        let word = handle.encode();
        assert!(
            word.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(PageHandle::decode(&word), Some(handle));
        assert_eq!(PageHandle::decode("not a handle"), None);
        assert_eq!(PageHandle::decode(""), None);
    }
}
