//! Client configuration: where Mimecast is, which credentials to use, how patient to be.
//!
//! Read from the environment today (`MIMECAST_BASE_URL`, `MIMECAST_CLIENT_ID` +
//! `MIMECAST_CLIENT_SECRET` for API 2.0, or `MIMECAST_APP_ID`, `MIMECAST_APP_KEY`,
//! `MIMECAST_ACCESS_KEY`, `MIMECAST_SECRET_KEY` for API 1.0); a config file will later set the
//! same values under the same names.

use std::time::Duration;

use reqwest::Url;

use crate::secret::Secret;

/// The API 2.0 gateway, which serves every customer region.
pub const DEFAULT_BASE_URL: &str = "https://api.services.mimecast.com";

/// Environment variable names, in one place so that errors and docs quote them exactly.
pub mod env {
    /// Base URL of the Mimecast API (or of the sandbox).
    pub const BASE_URL: &str = "MIMECAST_BASE_URL";
    /// API 2.0 client id.
    pub const CLIENT_ID: &str = "MIMECAST_CLIENT_ID";
    /// API 2.0 client secret.
    pub const CLIENT_SECRET: &str = "MIMECAST_CLIENT_SECRET";
    /// API 1.0 application id.
    pub const APP_ID: &str = "MIMECAST_APP_ID";
    /// API 1.0 application key.
    pub const APP_KEY: &str = "MIMECAST_APP_KEY";
    /// API 1.0 access key.
    pub const ACCESS_KEY: &str = "MIMECAST_ACCESS_KEY";
    /// API 1.0 secret key (Base64).
    pub const SECRET_KEY: &str = "MIMECAST_SECRET_KEY";
}

/// How the client proves who it is.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// API 2.0: OAuth2 client credentials, exchanged for a Bearer token at `/oauth/token`.
    OAuth2 {
        /// The API 2.0 application's client id.
        client_id: String,
        /// The API 2.0 application's client secret.
        client_secret: Secret,
    },
    /// API 1.0: every request signed with HMAC-SHA1 in the `MC` realm.
    Hmac {
        /// Application id, sent as `x-mc-app-id`.
        app_id: String,
        /// Application key, part of the signed text only.
        app_key: Secret,
        /// The service user's access key, sent in `Authorization`.
        access_key: String,
        /// The service user's Base64 secret key, the HMAC key.
        secret_key: Secret,
    },
}

impl Credentials {
    /// "API 2.0" or "API 1.0", for messages.
    pub fn api_version(&self) -> &'static str {
        match self {
            Credentials::OAuth2 { .. } => "API 2.0",
            Credentials::Hmac { .. } => "API 1.0",
        }
    }
}

/// Retry, back-off and rate-limit limits.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// First back-off delay after a 5xx or a timeout; doubles each time.
    pub base_delay: Duration,
    /// Largest back-off delay.
    pub max_delay: Duration,
    /// Longest `X-RateLimit-Reset` the client waits out; a longer one is returned as an error.
    pub max_rate_limit_wait: Duration,
    /// Time allowed for one HTTP exchange.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_rate_limit_wait: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Everything the client needs to talk to one Mimecast tenant.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Scheme and host (and port) of the API, without a trailing path.
    pub base_url: Url,
    /// API 2.0 or API 1.0 credentials.
    pub credentials: Credentials,
    /// Patience settings.
    pub retry: RetryPolicy,
}

/// The configuration is incomplete or wrong; the message names the variable to set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// No complete set of credentials was given.
    #[error(
        "no Mimecast credentials: set {} and {} (API 2.0), or {}, {}, {} and {} (API 1.0)",
        env::CLIENT_ID,
        env::CLIENT_SECRET,
        env::APP_ID,
        env::APP_KEY,
        env::ACCESS_KEY,
        env::SECRET_KEY
    )]
    NoCredentials,
    /// Part of a credential set was given.
    #[error("incomplete Mimecast {api} credentials: {missing} not set")]
    Incomplete {
        /// "API 2.0" or "API 1.0".
        api: &'static str,
        /// The unset variable names, comma separated.
        missing: String,
    },
    /// The base URL does not parse or is not usable.
    #[error("{variable} is not a usable URL ({reason}); type e.g. {DEFAULT_BASE_URL}")]
    BadBaseUrl {
        /// Where the URL came from.
        variable: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The API 1.0 secret key is not Base64.
    #[error(
        "{} is not valid Base64; paste the Secret Key exactly as Mimecast showed it",
        env::SECRET_KEY
    )]
    BadSecretKey,
}

impl ClientConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, a file, a test table).
    /// Empty values count as unset. API 2.0 wins when both credential sets are complete.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let base = get(env::BASE_URL).unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let base_url = parse_base_url(&base, env::BASE_URL)?;

        let oauth = [env::CLIENT_ID, env::CLIENT_SECRET].map(|n| (n, get(n)));
        let hmac =
            [env::APP_ID, env::APP_KEY, env::ACCESS_KEY, env::SECRET_KEY].map(|n| (n, get(n)));
        let complete = |set: &[(&str, Option<String>)]| set.iter().all(|(_, v)| v.is_some());
        let any = |set: &[(&str, Option<String>)]| set.iter().any(|(_, v)| v.is_some());
        let missing = |set: &[(&str, Option<String>)]| {
            set.iter()
                .filter(|(_, v)| v.is_none())
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        };

        let credentials = if complete(&oauth) {
            let [(_, id), (_, secret)] = oauth;
            Credentials::OAuth2 {
                client_id: id.unwrap_or_default(),
                client_secret: Secret::new(secret.unwrap_or_default()),
            }
        } else if complete(&hmac) {
            let [(_, app_id), (_, app_key), (_, access_key), (_, secret_key)] = hmac;
            let secret_key = secret_key.unwrap_or_default();
            if crate::mimecast::signature::sign(&secret_key, "", "", "", "").is_err() {
                return Err(ConfigError::BadSecretKey);
            }
            Credentials::Hmac {
                app_id: app_id.unwrap_or_default(),
                app_key: Secret::new(app_key.unwrap_or_default()),
                access_key: access_key.unwrap_or_default(),
                secret_key: Secret::new(secret_key),
            }
        } else if any(&oauth) {
            return Err(ConfigError::Incomplete {
                api: "API 2.0",
                missing: missing(&oauth),
            });
        } else if any(&hmac) {
            return Err(ConfigError::Incomplete {
                api: "API 1.0",
                missing: missing(&hmac),
            });
        } else {
            return Err(ConfigError::NoCredentials);
        };

        Ok(Self {
            base_url,
            credentials,
            retry: RetryPolicy::default(),
        })
    }

    /// A configuration for the given base URL and credentials with default retry limits.
    pub fn new(base_url: &str, credentials: Credentials) -> Result<Self, ConfigError> {
        Ok(Self {
            base_url: parse_base_url(base_url, "base URL")?,
            credentials,
            retry: RetryPolicy::default(),
        })
    }
}

/// Parses a base URL. Plain `http://` is accepted only for loopback hosts (the sandbox): anywhere
/// else it would send credentials in clear text.
pub fn parse_base_url(text: &str, variable: &'static str) -> Result<Url, ConfigError> {
    let bad = |reason: &str| ConfigError::BadBaseUrl {
        variable,
        reason: reason.to_owned(),
    };
    let url = Url::parse(text.trim_end_matches('/')).map_err(|e| bad(&e.to_string()))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(bad("it has no host")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(bad(
                "plain http is only allowed for a local sandbox; use https",
            ));
        }
        other => return Err(bad(&format!("unsupported scheme {other}"))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not carry a user name or password"));
    }
    if url.path() != "/" && !url.path().is_empty() {
        return Err(bad("give only scheme, host and port, without a path"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn api_2_credentials_win_and_default_host_is_the_global_gateway() {
        let config = ClientConfig::from_lookup(lookup(&[
            (env::CLIENT_ID, "id"),
            (env::CLIENT_SECRET, "s3cret"),
            (env::APP_ID, "app"),
        ]))
        .expect("complete");
        assert!(matches!(config.credentials, Credentials::OAuth2 { .. }));
        assert_eq!(
            config.base_url.as_str(),
            "https://api.services.mimecast.com/"
        );
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn api_1_credentials_are_read_and_masked() {
        let config = ClientConfig::from_lookup(lookup(&[
            (env::BASE_URL, "https://eu-api.mimecast.com"),
            (env::APP_ID, "app"),
            (env::APP_KEY, "appkey-secret"),
            (env::ACCESS_KEY, "access"),
            (env::SECRET_KEY, "U2VjcmV0S2V5"),
        ]))
        .expect("complete");
        assert!(matches!(config.credentials, Credentials::Hmac { .. }));
        let printed = format!("{config:?}");
        assert!(!printed.contains("appkey-secret") && !printed.contains("U2VjcmV0S2V5"));
    }

    #[test]
    fn partial_credentials_name_what_is_missing() {
        let err = ClientConfig::from_lookup(lookup(&[(env::APP_ID, "a"), (env::ACCESS_KEY, "b")]))
            .expect_err("incomplete");
        assert_eq!(
            err.to_string(),
            "incomplete Mimecast API 1.0 credentials: MIMECAST_APP_KEY, MIMECAST_SECRET_KEY not set"
        );
        let err = ClientConfig::from_lookup(lookup(&[])).expect_err("none");
        assert_eq!(err, ConfigError::NoCredentials);
    }

    #[test]
    fn a_secret_key_that_is_not_base64_is_refused() {
        let err = ClientConfig::from_lookup(lookup(&[
            (env::APP_ID, "app"),
            (env::APP_KEY, "k"),
            (env::ACCESS_KEY, "a"),
            (env::SECRET_KEY, "%%%"),
        ]))
        .expect_err("bad key");
        assert_eq!(err, ConfigError::BadSecretKey);
    }

    #[test]
    fn plain_http_only_for_loopback() {
        assert!(parse_base_url("http://127.0.0.1:8025", "x").is_ok());
        assert!(parse_base_url("http://localhost:8025/", "x").is_ok());
        assert!(parse_base_url("https://eu-api.mimecast.com", "x").is_ok());
        for bad in [
            "http://eu-api.mimecast.com",
            "ftp://x",
            "not a url",
            "https://u:p@eu-api.mimecast.com",
            "https://eu-api.mimecast.com/api",
        ] {
            assert!(parse_base_url(bad, "x").is_err(), "{bad}");
        }
    }
}
