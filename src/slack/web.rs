//! The Slack Web API calls the bot makes (chat.postMessage, chat.update, usergroups.users.list)
//! and answers through a `response_url`, over the project's one reqwest client.
//!
//! slack-morphism is used for the Block Kit and event models only: its Web API client needs its
//! own hyper stack (with native roots and a second rustls provider), and its response models
//! require the whole echoed message, where the bot needs three fields. The bot token goes only
//! to the configured Web API base URL, never to a `response_url`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::render::slack::SlackMessage;
use crate::secret::Secret;

/// Timeout of one Slack call.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest `Retry-After` waited out on a 429 (Slack did not act, so the call is repeated).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// 429s waited out per call before giving up.
const MAX_RATE_LIMIT_RETRIES: u32 = 2;

/// A Slack call failed. Messages are one line for the log, without the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlackApiError {
    /// The request could not be sent or the answer not read.
    #[error("Slack {method}: {detail}")]
    Transport {
        /// The method or `response_url`.
        method: String,
        /// What happened.
        detail: String,
    },
    /// An HTTP status other than 200.
    #[error("Slack {method}: HTTP {status}")]
    Http {
        /// The method.
        method: String,
        /// The status.
        status: u16,
    },
    /// `{"ok": false, "error": …}`.
    #[error("Slack {method}: {error}")]
    Api {
        /// The method.
        method: String,
        /// Slack's error code, e.g. `channel_not_found`, `not_in_channel`.
        error: String,
    },
}

/// Where a posted message is: its channel and `ts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    /// The channel id.
    pub channel: String,
    /// The message's timestamp id.
    pub ts: String,
}

impl MessageRef {
    /// The stored form, `CHANNEL/TS`.
    pub fn to_chat_ref(&self) -> String {
        format!("{}/{}", self.channel, self.ts)
    }

    /// Reads `CHANNEL/TS` back.
    pub fn from_chat_ref(text: &str) -> Option<Self> {
        let (channel, ts) = text.split_once('/')?;
        let ok =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
        (ok(channel) && ok(ts)).then(|| Self {
            channel: channel.to_owned(),
            ts: ts.to_owned(),
        })
    }
}

/// How an answer through a `response_url` is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// A new message everyone in the channel sees.
    InChannel,
    /// Only the person who acted sees it.
    Ephemeral,
    /// Replaces the message whose button was pressed.
    ReplaceOriginal,
}

/// The Web API with the bot token.
#[derive(Clone)]
pub struct SlackWeb {
    http: reqwest::Client,
    api_url: String,
    token: Secret,
}

/// The fields of a Web API answer the bot reads.
#[derive(Debug, Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    ts: Option<String>,
    #[serde(default)]
    users: Option<Vec<String>>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    team: Option<String>,
}

impl SlackWeb {
    /// A client for `api_url` (e.g. `https://slack.com/api`) with `token`.
    pub fn new(api_url: &str, token: Secret) -> Result<Self, SlackApiError> {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .user_agent(concat!("mimecast-bot/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SlackApiError::Transport {
                method: "client".into(),
                detail: e.to_string(),
            })?;
        Ok(Self {
            http,
            api_url: api_url.trim_end_matches('/').to_owned(),
            token,
        })
    }

    /// chat.postMessage: posts `message` to `channel`; returns where it landed.
    pub async fn post_message(
        &self,
        channel: &str,
        message: &SlackMessage,
    ) -> Result<MessageRef, SlackApiError> {
        let mut body = serde_json::to_value(message).unwrap_or(Value::Null);
        body["channel"] = json!(channel);
        let answer = self.method("chat.postMessage", &body).await?;
        Ok(MessageRef {
            channel: answer.channel.unwrap_or_else(|| channel.to_owned()),
            ts: answer.ts.unwrap_or_default(),
        })
    }

    /// chat.update: replaces the message at `at` with `message`.
    pub async fn update_message(
        &self,
        at: &MessageRef,
        message: &SlackMessage,
    ) -> Result<(), SlackApiError> {
        let mut body = serde_json::to_value(message).unwrap_or(Value::Null);
        body["channel"] = json!(at.channel);
        body["ts"] = json!(at.ts);
        self.method("chat.update", &body).await.map(|_| ())
    }

    /// usergroups.users.list: the user ids in `group`.
    pub async fn usergroup_members(&self, group: &str) -> Result<Vec<String>, SlackApiError> {
        let body = json!({ "usergroup": group });
        let answer = self.method("usergroups.users.list", &body).await?;
        Ok(answer.users.unwrap_or_default())
    }

    /// auth.test: checks the bot token; returns who it is, e.g. `bot mimecast-bot in SOC`
    /// (Slack's `user` and `team`).
    pub async fn auth_test(&self) -> Result<String, SlackApiError> {
        let answer = self.method("auth.test", &json!({})).await?;
        Ok(match (answer.user, answer.team) {
            (Some(user), Some(team)) => format!("bot {user} in {team}"),
            (Some(user), None) => format!("bot {user}"),
            (None, Some(team)) => format!("team {team}"),
            (None, None) => "token accepted".to_owned(),
        })
    }

    /// Answers through a `response_url` (no token is sent there).
    pub async fn respond(
        &self,
        response_url: &str,
        message: &SlackMessage,
        visibility: Visibility,
    ) -> Result<(), SlackApiError> {
        let mut body = serde_json::to_value(message).unwrap_or(Value::Null);
        match visibility {
            Visibility::InChannel => body["response_type"] = json!("in_channel"),
            Visibility::Ephemeral => {
                body["response_type"] = json!("ephemeral");
                body["replace_original"] = json!(false);
            }
            Visibility::ReplaceOriginal => body["replace_original"] = json!(true),
        }
        let method = "response_url";
        let response = self
            .send(method, self.http.post(response_url).json(&body))
            .await?;
        let status = response.status().as_u16();
        if status == 200 {
            Ok(())
        } else {
            Err(SlackApiError::Http {
                method: method.into(),
                status,
            })
        }
    }

    /// One Web API method, JSON in, `{"ok": …}` out; 429s waited out within bounds.
    async fn method(&self, method: &str, body: &Value) -> Result<Answer, SlackApiError> {
        let url = format!("{}/{method}", self.api_url);
        let request = self
            .http
            .post(&url)
            .bearer_auth(self.token.expose())
            .json(body);
        let response = self.send(method, request).await?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(SlackApiError::Http {
                method: method.into(),
                status,
            });
        }
        let answer: Answer = response
            .json()
            .await
            .map_err(|e| SlackApiError::Transport {
                method: method.into(),
                detail: format!("unreadable answer: {}", e.without_url()),
            })?;
        if answer.ok {
            Ok(answer)
        } else {
            Err(SlackApiError::Api {
                method: method.into(),
                error: answer.error.unwrap_or_else(|| "unknown_error".into()),
            })
        }
    }

    /// Sends `request`, waiting out up to [`MAX_RATE_LIMIT_RETRIES`] 429s of at most
    /// [`MAX_RETRY_AFTER`] each.
    async fn send(
        &self,
        method: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, SlackApiError> {
        let transport = |e: reqwest::Error| SlackApiError::Transport {
            method: method.into(),
            detail: e.without_url().to_string(),
        };
        let mut attempt = 0;
        loop {
            let Some(this) = request.try_clone() else {
                return request.send().await.map_err(transport);
            };
            let response = this.send().await.map_err(transport)?;
            if response.status().as_u16() != 429 || attempt >= MAX_RATE_LIMIT_RETRIES {
                return Ok(response);
            }
            let wait = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(Duration::from_secs(1), Duration::from_secs);
            if wait > MAX_RETRY_AFTER {
                return Ok(response);
            }
            tracing::info!(method, wait_s = wait.as_secs(), "Slack rate limit; waiting");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_refs_round_trip_and_refuse_junk() {
        let at = MessageRef {
            channel: "C0123456".into(),
            ts: "1700000000.000100".into(),
        };
        assert_eq!(MessageRef::from_chat_ref(&at.to_chat_ref()), Some(at));
        assert_eq!(MessageRef::from_chat_ref("C1"), None);
        assert_eq!(MessageRef::from_chat_ref("/1.2"), None);
        assert_eq!(MessageRef::from_chat_ref("C1/1.2?x=y"), None);
    }
}
