//! Shared set-up for integration tests: a sandbox on a loopback port the OS picks, and clients
//! for it in both authentication modes.

#![allow(dead_code)]

use std::time::Duration;

use mimecast_bot::mimecast::{ClientConfig, Credentials, MimecastClient, RetryPolicy};
use mimecast_bot::sandbox::{Sandbox, SandboxConfig, SandboxCredentials, SandboxHandle};
use mimecast_bot::secret::Secret;

/// The two ways a client can authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// API 2.0 Bearer tokens.
    OAuth2,
    /// API 1.0 HMAC signatures.
    Hmac,
}

/// Both modes, for tests that must hold in each.
pub const MODES: [Mode; 2] = [Mode::OAuth2, Mode::Hmac];

/// Starts a sandbox with `config` on 127.0.0.1 and a free port.
pub async fn sandbox(config: SandboxConfig) -> SandboxHandle {
    Sandbox::start("127.0.0.1:0".parse().expect("loopback address"), config)
        .await
        .expect("sandbox starts")
}

/// A sandbox with the default seed and the given scale.
pub async fn sandbox_scaled(scale: usize) -> SandboxHandle {
    sandbox(SandboxConfig {
        scale,
        ..SandboxConfig::default()
    })
    .await
}

/// Credentials for `mode` taken from the sandbox's defaults.
pub fn credentials(mode: Mode, creds: &SandboxCredentials) -> Credentials {
    match mode {
        Mode::OAuth2 => Credentials::OAuth2 {
            client_id: creds.client_id.clone(),
            client_secret: Secret::new(creds.client_secret.clone()),
        },
        Mode::Hmac => Credentials::Hmac {
            app_id: creds.app_id.clone(),
            app_key: Secret::new(creds.app_key.clone()),
            access_key: creds.access_key.clone(),
            secret_key: Secret::new(creds.secret_key.clone()),
        },
    }
}

/// Retry limits short enough for tests: small back-off, small caps.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_rate_limit_wait: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
    }
}

/// A client for `sandbox` in `mode` with [`fast_retry`].
pub fn client(sandbox: &SandboxHandle, mode: Mode) -> MimecastClient {
    client_with(
        sandbox,
        credentials(mode, &SandboxCredentials::default()),
        fast_retry(),
    )
}

/// A client with explicit credentials and retry policy.
pub fn client_with(
    sandbox: &SandboxHandle,
    credentials: Credentials,
    retry: RetryPolicy,
) -> MimecastClient {
    let mut config = ClientConfig::new(&sandbox.base_url(), credentials).expect("sandbox URL");
    config.retry = retry;
    MimecastClient::new(config).expect("client builds")
}

/// Requests the sandbox served on `path`, in order.
pub fn served(sandbox: &SandboxHandle, path: &str) -> Vec<mimecast_bot::sandbox::RecordedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect()
}
