//! A faithful local Mimecast API server for the demo, tests and benchmarks.
//!
//! It speaks the same wire format as Mimecast (see `shared/reference/mimecast-api.md`):
//! `POST /oauth/token` (API 2.0) and HMAC `MC` signatures (API 1.0), the JSON envelope with
//! `meta`/`data`/`fail`, `X-RateLimit-*` headers, opaque page tokens, and seeded data that is
//! computed on demand (see [`data`]). Faults ([`Fault`]) make it misbehave on purpose.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use mimecast_bot::sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap(), SandboxConfig::default()).await?;
//! println!("{}", sandbox.base_url());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

mod admin;
mod auth;
pub mod cli;
pub mod config;
pub mod data;
mod envelope;
pub mod faults;
mod paging;
pub mod recorder;
mod routes;
pub mod state;

#[cfg(test)]
mod alloc_probe;

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{SandboxConfig, SandboxCredentials};
pub use data::{Dataset, SandboxData};
pub use faults::{Fault, FaultKind, FaultSpecError};
pub use recorder::{AuthKind, RecordedRequest};
pub use state::{Disposition, SandboxState};

/// Entry point: build a router or start a server.
#[derive(Debug, Clone, Copy)]
pub struct Sandbox;

impl Sandbox {
    /// Binds `listen` (port 0 picks a free port) and serves until [`SandboxHandle::shutdown`]
    /// (or until the handle is dropped).
    pub async fn start(
        listen: SocketAddr,
        config: SandboxConfig,
    ) -> std::io::Result<SandboxHandle> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (router, state) = Self::router(config);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
        });
        Ok(SandboxHandle {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The router and a handle on its state, for in-process use (e.g. `tower::ServiceExt::oneshot`).
    pub fn router(config: SandboxConfig) -> (axum::Router, SandboxState) {
        let state = SandboxState::new(config);
        (routes::router(state.clone()), state)
    }
}

/// A running sandbox.
#[derive(Debug)]
pub struct SandboxHandle {
    addr: SocketAddr,
    state: SandboxState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl SandboxHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the value for `MIMECAST_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The state (same as the other inspection methods, for sharing).
    pub fn state(&self) -> &SandboxState {
        &self.state
    }

    /// Recorded `/api/**` and `/oauth/token` requests, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }

    /// Forgets recorded requests.
    pub fn clear_requests(&self) {
        self.state.clear_requests();
    }

    /// Queues a fault.
    pub fn inject(&self, fault: Fault) {
        self.state.inject(fault);
    }

    /// Clears all faults.
    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    /// Expires every issued bearer token.
    pub fn expire_tokens(&self) {
        self.state.expire_tokens();
    }

    /// The data generator, to compute expected rows independently.
    pub fn data(&self) -> &SandboxData {
        self.state.data()
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits for the server.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_over_tcp_and_shuts_down() {
        let config = SandboxConfig {
            scale: 50,
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::start("127.0.0.1:0".parse().expect("addr"), config)
            .await
            .expect("bind");
        assert!(sandbox.addr().ip().is_loopback());
        assert_ne!(sandbox.addr().port(), 0);
        let base = sandbox.base_url();
        assert_eq!(base, format!("http://{}", sandbox.addr()));
        let client = reqwest::Client::new();
        let token: serde_json::Value = client
            .post(format!("{base}/oauth/token"))
            .form(&[
                ("client_id", "sandbox-client-id"),
                ("client_secret", "sandbox-client-secret"),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .expect("token call")
            .json()
            .await
            .expect("token json");
        let token = token["access_token"].as_str().expect("token").to_owned();
        let answer = client
            .post(format!("{base}/api/ttp/url/get-logs"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"data": [{}]}))
            .send()
            .await
            .expect("api call");
        assert_eq!(answer.status(), 200);
        assert!(answer.headers().contains_key("x-ratelimit-remaining"));
        let info = client
            .get(format!("{base}/_sandbox/info"))
            .send()
            .await
            .expect("admin call");
        assert_eq!(info.status(), 200, "loopback peers may use admin endpoints");
        let recorded = sandbox.requests();
        assert_eq!(recorded.len(), 2);
        assert_eq!(recorded[1].auth, AuthKind::Bearer);
        sandbox.inject(Fault::always(FaultKind::Status { code: 503 }));
        let failed = client
            .post(format!("{base}/api/ttp/url/get-logs"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("api call");
        assert_eq!(failed.status(), 503);
        sandbox.clear_faults();
        sandbox.clear_requests();
        assert!(sandbox.requests().is_empty());
        assert_eq!(sandbox.data().scale(), 50);
        sandbox.shutdown().await;
        let after = client
            .post(format!("{base}/api/ttp/url/get-logs"))
            .send()
            .await;
        assert!(after.is_err(), "nothing listens after shutdown");
    }
}
