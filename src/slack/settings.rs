//! Slack settings: the signing secret and bot token from the environment (never from the config
//! file), the Web API base URL and the listen address from the environment or `[slack]`.

use std::net::SocketAddr;

use crate::config::SlackConfig;
use crate::secret::Secret;

/// The signing secret that authenticates Slack's requests (Basic Information → App Credentials).
pub const SIGNING_SECRET_ENV: &str = "SLACK_SIGNING_SECRET";
/// The bot token (`xoxb-…`) for chat.postMessage, chat.update and usergroups.users.list.
pub const BOT_TOKEN_ENV: &str = "SLACK_BOT_TOKEN";
/// Another Web API base URL (a local Slack stand-in).
pub const API_URL_ENV: &str = "SLACK_API_URL";
/// The listen address of the slash-command and interactivity endpoints.
pub const LISTEN_ENV: &str = "SLACK_LISTEN";

/// Slack's Web API.
pub const DEFAULT_API_URL: &str = "https://slack.com/api";
/// Loopback by default: put a TLS-terminating proxy in front, or set `0.0.0.0:3000` in a
/// container.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

/// What the Slack adapter needs.
#[derive(Debug, Clone)]
pub struct SlackSettings {
    /// Verifies every request (never printed).
    pub signing_secret: Secret,
    /// Authenticates Web API calls (never printed).
    pub bot_token: Secret,
    /// Web API base URL without a trailing slash.
    pub api_url: String,
    /// Where the endpoints listen.
    pub listen: SocketAddr,
}

/// The settings are incomplete or wrong; each message says what to set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlackSettingsError {
    /// No signing secret.
    #[error(
        "{SIGNING_SECRET_ENV} is not set; copy the Signing Secret from the Slack app's Basic Information page"
    )]
    NoSigningSecret,
    /// No bot token.
    #[error(
        "{BOT_TOKEN_ENV} is not set; install the app and copy the Bot User OAuth Token (xoxb-…)"
    )]
    NoBotToken,
    /// The API URL is not http(s).
    #[error("{API_URL_ENV} must be an http:// or https:// base URL, e.g. https://slack.com/api")]
    BadApiUrl,
    /// The listen address does not parse.
    #[error("the Slack listen address {0:?} is not HOST:PORT, e.g. 0.0.0.0:3000")]
    BadListen(String),
}

impl SlackSettings {
    /// Whether the environment asks for Slack at all (either credential is set).
    pub fn wanted() -> bool {
        [SIGNING_SECRET_ENV, BOT_TOKEN_ENV]
            .iter()
            .any(|name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty()))
    }

    /// The environment first, then `[slack]` for what the environment leaves unset.
    pub fn from_env_and_config(config: &SlackConfig) -> Result<Self, SlackSettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok(), config)
    }

    /// Reads the settings through `lookup`, falling back to `config`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        config: &SlackConfig,
    ) -> Result<Self, SlackSettingsError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let signing_secret = get(SIGNING_SECRET_ENV).ok_or(SlackSettingsError::NoSigningSecret)?;
        let bot_token = get(BOT_TOKEN_ENV).ok_or(SlackSettingsError::NoBotToken)?;
        let api_url = get(API_URL_ENV)
            .or_else(|| config.api_url.clone())
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        if !(api_url.starts_with("http://") || api_url.starts_with("https://")) {
            return Err(SlackSettingsError::BadApiUrl);
        }
        let listen = get(LISTEN_ENV)
            .or_else(|| config.listen.clone())
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen = listen
            .trim()
            .parse()
            .map_err(|_| SlackSettingsError::BadListen(listen.clone()))?;
        Ok(Self {
            signing_secret: Secret::new(signing_secret),
            bot_token: Secret::new(bot_token),
            api_url: api_url.trim_end_matches('/').to_owned(),
            listen,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn reads_the_environment_over_the_file_and_hides_secrets() {
        let file = SlackConfig {
            listen: Some("0.0.0.0:3100".into()),
            api_url: Some("http://file.example/api".into()),
        };
        let s = SlackSettings::from_lookup(
            env(&[
                (SIGNING_SECRET_ENV, "sign-me-secret"),
                (BOT_TOKEN_ENV, "xoxb-secret-token"),
                (API_URL_ENV, "http://127.0.0.1:4100/api/"),
            ]),
            &file,
        )
        .expect("valid");
        assert_eq!(s.api_url, "http://127.0.0.1:4100/api");
        assert_eq!(s.listen, "0.0.0.0:3100".parse().expect("addr"));
        let shown = format!("{s:?}");
        assert!(!shown.contains("sign-me-secret") && !shown.contains("xoxb-secret-token"));
        let defaults = SlackSettings::from_lookup(
            env(&[(SIGNING_SECRET_ENV, "a"), (BOT_TOKEN_ENV, "b")]),
            &SlackConfig::default(),
        )
        .expect("valid");
        assert_eq!(defaults.api_url, DEFAULT_API_URL);
        assert_eq!(defaults.listen.to_string(), DEFAULT_LISTEN);
    }

    #[test]
    fn says_what_is_missing_or_wrong() {
        let none = SlackConfig::default();
        assert_eq!(
            SlackSettings::from_lookup(env(&[]), &none).unwrap_err(),
            SlackSettingsError::NoSigningSecret
        );
        assert_eq!(
            SlackSettings::from_lookup(env(&[(SIGNING_SECRET_ENV, "a")]), &none).unwrap_err(),
            SlackSettingsError::NoBotToken
        );
        const BOTH: &[(&str, &str)] = &[(SIGNING_SECRET_ENV, "a"), (BOT_TOKEN_ENV, "b")];
        let bad_url = SlackConfig {
            api_url: Some("slack.com".into()),
            ..SlackConfig::default()
        };
        assert_eq!(
            SlackSettings::from_lookup(env(BOTH), &bad_url).unwrap_err(),
            SlackSettingsError::BadApiUrl
        );
        let bad_listen = SlackConfig {
            listen: Some("port 3000".into()),
            ..SlackConfig::default()
        };
        assert!(matches!(
            SlackSettings::from_lookup(env(BOTH), &bad_listen),
            Err(SlackSettingsError::BadListen(_))
        ));
    }
}
