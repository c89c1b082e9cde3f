//! Discord settings from the environment: the bot token, an optional API base URL (for a
//! local Discord stand-in) and an optional guild for command registration.

use crate::secret::Secret;

/// The bot token variable.
pub const TOKEN_ENV: &str = "DISCORD_TOKEN";
/// Points serenity's REST at another base URL (a local stand-in); the gateway URL then comes
/// from that API.
pub const API_URL_ENV: &str = "DISCORD_API_URL";
/// Registers the commands in this guild (instant) instead of globally.
pub const GUILD_ENV: &str = "DISCORD_GUILD_ID";

/// What the Discord adapter needs to connect.
#[derive(Debug, Clone)]
pub struct DiscordSettings {
    /// The bot token (never printed).
    pub token: Secret,
    /// Another REST base URL, e.g. `http://127.0.0.1:4000`; `None` for Discord itself.
    pub api_url: Option<String>,
    /// Guild for `register`, `None` for global commands.
    pub guild_id: Option<u64>,
}

/// The settings are incomplete or wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// No token.
    #[error(
        "{TOKEN_ENV} is not set; create a bot in the Discord developer portal and set its token"
    )]
    NoToken,
    /// The guild id is not a number.
    #[error("{GUILD_ENV} must be a numeric guild id, e.g. 123456789012345678")]
    BadGuild,
    /// The API URL is not http(s).
    #[error("{API_URL_ENV} must be an http:// or https:// base URL, e.g. http://127.0.0.1:4000")]
    BadApiUrl,
}

impl DiscordSettings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The environment first, then the config file's `[discord]` for what the environment
    /// leaves unset (the token only ever comes from the environment).
    pub fn from_env_and_config(
        config: &crate::config::DiscordConfig,
    ) -> Result<Self, SettingsError> {
        let file_api = config.api_url.clone();
        let file_guild = config.guild_id.map(|g| g.to_string());
        Self::from_lookup(|name| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .or_else(|| match name {
                    API_URL_ENV => file_api.clone(),
                    GUILD_ENV => file_guild.clone(),
                    _ => None,
                })
        })
    }

    /// Reads the settings through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let token = get(TOKEN_ENV).ok_or(SettingsError::NoToken)?;
        let api_url = match get(API_URL_ENV) {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Some(url.trim_end_matches('/').to_owned())
            }
            Some(_) => return Err(SettingsError::BadApiUrl),
            None => None,
        };
        let guild_id = match get(GUILD_ENV) {
            Some(id) => Some(
                id.parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(SettingsError::BadGuild)?,
            ),
            None => None,
        };
        Ok(Self {
            token: Secret::new(token),
            api_url,
            guild_id,
        })
    }

    /// serenity's HTTP client: against `api_url` with serenity's rate limiter off (serenity
    /// only honours a proxy base URL without it; the stand-in does not rate-limit), else against
    /// Discord with the rate limiter on.
    pub fn http(&self) -> serenity::http::Http {
        let builder = serenity::http::HttpBuilder::new(self.token.expose());
        match &self.api_url {
            Some(url) => builder
                .proxy(url.as_str())
                .ratelimiter_disabled(true)
                .build(),
            None => builder.build(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_checks_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(
            DiscordSettings::from_lookup(env(&[])).unwrap_err(),
            SettingsError::NoToken
        );
        let s = DiscordSettings::from_lookup(env(&[
            (TOKEN_ENV, "abc.def"),
            (API_URL_ENV, "http://127.0.0.1:4000/"),
            (GUILD_ENV, "42"),
        ]))
        .expect("valid");
        assert_eq!(s.api_url.as_deref(), Some("http://127.0.0.1:4000"));
        assert_eq!(s.guild_id, Some(42));
        assert!(!format!("{s:?}").contains("abc.def"));
        assert_eq!(
            DiscordSettings::from_lookup(env(&[(TOKEN_ENV, "t"), (GUILD_ENV, "x")])).unwrap_err(),
            SettingsError::BadGuild
        );
        assert_eq!(
            DiscordSettings::from_lookup(env(&[(TOKEN_ENV, "t"), (API_URL_ENV, "ftp://x")]))
                .unwrap_err(),
            SettingsError::BadApiUrl
        );
    }
}
