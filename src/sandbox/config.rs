//! Sandbox configuration: seed, scale, the data's "now", credentials, token lifetime and the
//! faults to start with.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};

use super::faults::Fault;

/// The credentials the sandbox accepts. They are public sandbox values, not secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxCredentials {
    /// API 2.0 OAuth client id.
    pub client_id: String,
    /// API 2.0 OAuth client secret.
    pub client_secret: String,
    /// API 1.0 application id (`x-mc-app-id`).
    pub app_id: String,
    /// API 1.0 application key (only inside the string to sign).
    pub app_key: String,
    /// API 1.0 access key (in `Authorization: MC accessKey:signature`).
    pub access_key: String,
    /// API 1.0 secret key, standard Base64 (the HMAC key once decoded).
    pub secret_key: String,
}

impl Default for SandboxCredentials {
    fn default() -> Self {
        Self {
            client_id: "sandbox-client-id".to_owned(),
            client_secret: "sandbox-client-secret".to_owned(),
            app_id: "sandbox-app-id".to_owned(),
            app_key: "sandbox-app-key".to_owned(),
            access_key: "sandbox-access-key".to_owned(),
            // base64("sandbox-secret-key")
            secret_key: "c2FuZGJveC1zZWNyZXQta2V5".to_owned(),
        }
    }
}

/// Everything that determines a sandbox's behaviour.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Seed of every generated dataset.
    pub seed: u64,
    /// Rows per log dataset (tracking, archive, each TTP log); the held queue has
    /// `max(25, scale / 100)`.
    pub scale: usize,
    /// The instant the data is anchored at. Auth (token expiry, `x-mc-date` skew) uses the
    /// real clock instead.
    pub now: DateTime<Utc>,
    /// Accepted credentials.
    pub credentials: SandboxCredentials,
    /// Lifetime of issued bearer tokens (Mimecast: 1799 s).
    pub token_ttl: Duration,
    /// Faults queued at start.
    pub faults: Vec<Fault>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            scale: 500,
            now: Utc::now().trunc_subsecs(0),
            credentials: SandboxCredentials::default(),
            token_ttl: Duration::from_secs(1799),
            faults: Vec::new(),
        }
    }
}
