//! One error model for every Mimecast call.
//!
//! `Display` is the internal detail for logs (never a secret: credentials are not part of any
//! variant); [`MimecastError::user_message`] is what a responder reads, saying what to do next.

use std::time::Duration;

use serde::Deserialize;

/// One entry of a `fail[].errors[]` array.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct FailError {
    /// Mimecast's error code, e.g. `err_validation_invalid_email_address`.
    pub code: String,
    /// Mimecast's text.
    pub message: String,
    /// The request field at fault, for validation errors.
    pub field: Option<String>,
    /// Whether Mimecast says that sending the same again may succeed.
    pub retryable: bool,
}

/// One failed item of a call: what was asked (`key`, echoed by Mimecast) and why it failed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiFailure {
    /// The item's identifier if the echo carries one (`id` or `ids`), else the echo as JSON.
    pub key: String,
    /// The reasons, at least one.
    pub errors: Vec<FailError>,
}

impl ApiFailure {
    /// The first error's message, or its code when the message is empty.
    pub fn reason(&self) -> String {
        match self.errors.first() {
            Some(e) if !e.message.is_empty() => e.message.clone(),
            Some(e) => e.code.clone(),
            None => "no reason given".to_owned(),
        }
    }

    /// True when every error says a retry may succeed.
    pub fn retryable(&self) -> bool {
        !self.errors.is_empty() && self.errors.iter().all(|e| e.retryable)
    }
}

/// Everything that can go wrong talking to Mimecast.
#[derive(Debug, thiserror::Error)]
pub enum MimecastError {
    /// The request could not be sent or the answer not received (DNS, TCP, TLS).
    #[error("transport error calling {endpoint}: {detail}")]
    Transport {
        /// The API path.
        endpoint: &'static str,
        /// The underlying error, without URLs' query strings or headers.
        detail: String,
        /// True when the request provably never reached Mimecast (connection refused, TLS failure).
        not_sent: bool,
    },
    /// No answer within the request timeout.
    #[error("{endpoint} did not answer within {timeout:?}")]
    Timeout {
        /// The API path.
        endpoint: &'static str,
        /// The limit that passed.
        timeout: Duration,
    },
    /// 401: the credentials were refused.
    #[error("{endpoint}: unauthorized ({code}: {message})")]
    Unauthorized {
        /// The API path (or `/oauth/token`).
        endpoint: &'static str,
        /// Mimecast's code, if any.
        code: String,
        /// Mimecast's message, if any.
        message: String,
    },
    /// 403: the application or user lacks the permission.
    #[error("{endpoint}: forbidden ({code}: {message})")]
    Forbidden {
        /// The API path.
        endpoint: &'static str,
        /// The permission the endpoint needs, from Mimecast's documentation.
        permission: &'static str,
        /// Mimecast's code, if any.
        code: String,
        /// Mimecast's message, if any.
        message: String,
    },
    /// 418: the API 1.0 access and secret keys (the binding) expired.
    #[error("{endpoint}: API 1.0 binding expired")]
    BindingExpired {
        /// The API path.
        endpoint: &'static str,
    },
    /// 429 that could not be waited out (longer than the cap, or too many in a row).
    #[error("{endpoint}: rate limited, reset in {wait:?}")]
    RateLimited {
        /// The API path.
        endpoint: &'static str,
        /// How long Mimecast asked the client to wait.
        wait: Duration,
    },
    /// Any other non-success HTTP status.
    #[error("{endpoint}: HTTP {status} ({code}: {message})")]
    Http {
        /// The API path.
        endpoint: &'static str,
        /// The HTTP (or `meta.status`) code.
        status: u16,
        /// Mimecast's code, if any.
        code: String,
        /// Mimecast's message, if any.
        message: String,
    },
    /// HTTP 200 with entries in `fail[]`: the function did not run for these items.
    #[error("{endpoint}: {} item(s) failed: {}", failures.len(), describe(failures))]
    Api {
        /// The API path.
        endpoint: &'static str,
        /// The failed items.
        failures: Vec<ApiFailure>,
    },
    /// A release or reject answered with `release:false` / `reject:false` for an item.
    #[error("{endpoint}: Mimecast did not {action} {id}")]
    NotExecuted {
        /// The API path.
        endpoint: &'static str,
        /// "release" or "reject".
        action: &'static str,
        /// The held message id.
        id: String,
    },
    /// Some items of a multi-item write ran and some did not.
    #[error("{endpoint}: {} done, {} failed: {}", done.len(), failures.len(), describe(failures))]
    Partial {
        /// The API path.
        endpoint: &'static str,
        /// Ids Mimecast confirmed.
        done: Vec<String>,
        /// The items that failed.
        failures: Vec<ApiFailure>,
    },
    /// The answer was not the JSON the endpoint documents.
    #[error("{endpoint}: unreadable answer: {detail}")]
    Decode {
        /// The API path.
        endpoint: &'static str,
        /// What did not parse.
        detail: String,
    },
    /// The request was refused by the client before sending (bad argument).
    #[error("{endpoint}: invalid request: {detail}")]
    InvalidRequest {
        /// The API path.
        endpoint: &'static str,
        /// What is wrong, phrased for the user.
        detail: String,
    },
}

fn describe(failures: &[ApiFailure]) -> String {
    failures
        .iter()
        .map(|f| {
            let codes: Vec<&str> = f.errors.iter().map(|e| e.code.as_str()).collect();
            format!("[{}] {}", codes.join(","), f.reason())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl MimecastError {
    /// One line a responder can act on. Never contains a credential.
    pub fn user_message(&self) -> String {
        match self {
            Self::Transport { .. } => {
                "Could not reach Mimecast. Check the network and MIMECAST_BASE_URL, then try again."
                    .to_owned()
            }
            Self::Timeout { timeout, .. } => format!(
                "Mimecast did not answer within {} s. Try again, or narrow the date range.",
                timeout.as_secs()
            ),
            Self::Unauthorized { endpoint, .. } if *endpoint == "/oauth/token" => {
                "Mimecast refused the API 2.0 client id or secret. Check MIMECAST_CLIENT_ID and MIMECAST_CLIENT_SECRET.".to_owned()
            }
            Self::Unauthorized { .. } => {
                "Mimecast refused the credentials. Check the configured keys (API 2.0 client id and secret, or the API 1.0 app id, app key, access key and secret key) and the region's base URL.".to_owned()
            }
            Self::Forbidden { permission, .. } => format!(
                "Mimecast says the API application lacks permission for this. Grant it \"{permission}\" in the Mimecast admin console."
            ),
            Self::BindingExpired { .. } => {
                "The Mimecast API 1.0 access key has expired. Create new keys for the service user (with a non-expiring authentication profile) and set MIMECAST_ACCESS_KEY and MIMECAST_SECRET_KEY.".to_owned()
            }
            Self::RateLimited { wait, .. } => format!(
                "Mimecast's rate limit is reached. Try again in {} s.",
                wait.as_secs().max(1)
            ),
            Self::Http { status, message, .. } if message.is_empty() => {
                format!("Mimecast answered HTTP {status}. Try again later.")
            }
            Self::Http { status, message, .. } => {
                format!("Mimecast answered HTTP {status}: {message}")
            }
            Self::Api { failures, .. } => {
                format!("Mimecast refused the request: {}", summarize(failures))
            }
            Self::NotExecuted { action, .. } => format!(
                "Mimecast did not {action} the message (it may no longer be held). Check the held queue."
            ),
            Self::Partial { done, failures, .. } => format!(
                "Mimecast completed {} and refused {}: {}",
                done.len(),
                failures.len(),
                summarize(failures)
            ),
            Self::Decode { .. } => {
                "Mimecast sent an answer the bot could not read. Try again; if it persists, report it.".to_owned()
            }
            Self::InvalidRequest { detail, .. } => detail.clone(),
        }
    }

    /// The HTTP-like status, where there is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::BindingExpired { .. } => Some(418),
            Self::RateLimited { .. } => Some(429),
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn summarize(failures: &[ApiFailure]) -> String {
    let mut reasons: Vec<String> = failures.iter().map(ApiFailure::reason).collect();
    reasons.dedup();
    reasons.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_messages_say_what_to_do() {
        let forbidden = MimecastError::Forbidden {
            endpoint: "/api/gateway/hold-release",
            permission: "Account | Monitoring | Held | Edit",
            code: "err_xdk_forbidden".into(),
            message: String::new(),
        };
        assert!(
            forbidden
                .user_message()
                .contains("Account | Monitoring | Held | Edit")
        );
        let expired = MimecastError::BindingExpired { endpoint: "/api/x" };
        assert!(expired.user_message().contains("MIMECAST_ACCESS_KEY"));
        let limited = MimecastError::RateLimited {
            endpoint: "/api/x",
            wait: Duration::from_secs(90),
        };
        assert_eq!(
            limited.user_message(),
            "Mimecast's rate limit is reached. Try again in 90 s."
        );
    }

    #[test]
    fn api_failures_carry_mimecast_reasons() {
        let err = MimecastError::Api {
            endpoint: "/api/gateway/hold-release",
            failures: vec![ApiFailure {
                key: "abc".into(),
                errors: vec![FailError {
                    code: "err_hold_message_not_found".into(),
                    message: "Held message not found".into(),
                    field: None,
                    retryable: false,
                }],
            }],
        };
        assert_eq!(
            err.user_message(),
            "Mimecast refused the request: Held message not found"
        );
        assert!(err.to_string().contains("err_hold_message_not_found"));
    }
}
