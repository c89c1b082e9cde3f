//! Decoding URL Protect rewritten links: `POST /api/ttp/url/decode-url`.

use serde::{Deserialize, Serialize};

use super::endpoints;
use super::error::{ApiFailure, FailError, MimecastError};
use super::transport::MimecastClient;

#[derive(Serialize)]
struct DecodeItem<'a> {
    url: &'a str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Decoded {
    url: String,
    success: bool,
}

impl MimecastClient {
    /// The original URL behind a rewritten `protect-*.mimecast.com` link.
    pub async fn decode_url(&self, url: &str) -> Result<String, MimecastError> {
        let ep = endpoints::DECODE_URL;
        let url = url.trim();
        if url.is_empty() {
            return Err(MimecastError::InvalidRequest {
                endpoint: ep.path,
                detail: "give the rewritten URL to decode".into(),
            });
        }
        let answer = self
            .call::<_, Decoded>(&ep, None, vec![DecodeItem { url }])
            .await?;
        let failures = answer.envelope.failures();
        if !failures.is_empty() {
            return Err(MimecastError::Api {
                endpoint: ep.path,
                failures,
            });
        }
        match answer.envelope.data.into_iter().next() {
            Some(decoded) if decoded.success && !decoded.url.is_empty() => Ok(decoded.url),
            _ => Err(MimecastError::Api {
                endpoint: ep.path,
                failures: vec![ApiFailure {
                    key: url.to_owned(),
                    errors: vec![FailError {
                        code: "decode_failed".into(),
                        message: "Mimecast could not decode this URL; is it a URL Protect link?"
                            .into(),
                        field: Some("url".into()),
                        retryable: false,
                    }],
                }],
            }),
        }
    }
}
