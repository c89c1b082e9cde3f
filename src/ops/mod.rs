//! Operations: health and metrics for running the bot as a service.
//!
//! - [`mod@metrics`]: the process-wide registry ([`metrics::metrics()`]) that the Mimecast client,
//!   the bot core and the summary scheduler update, rendered in the Prometheus text format.
//! - [`health`]: an axum [`Router`](axum::Router) with `GET /healthz` (approvals store
//!   writable, Mimecast reachable, chat adapters connected) and `GET /metrics`, and
//!   [`health::serve`] to run it with graceful shutdown.
//!
//! Wiring, in `mimecast-bot run`:
//!
//! ```no_run
//! # async fn wire(client: mimecast_bot::mimecast::MimecastClient,
//! #               store: mimecast_bot::approvals::Store) -> Result<(), Box<dyn std::error::Error>> {
//! use mimecast_bot::approvals::Platform;
//! use mimecast_bot::ops::{HealthChecks, MimecastCheck, router, serve};
//!
//! let checks = HealthChecks::new()
//!     .store(store)
//!     .mimecast(MimecastCheck::for_client(&client)?)
//!     .chat([Platform::Discord]);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9090").await?;
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let server = tokio::spawn(serve(listener, router(checks), async move {
//!     let _ = stopped.await;
//! }));
//! // … run the adapters; they call metrics().set_connected(platform, up) …
//! let _ = stop.send(());
//! server.await??;
//! # Ok(()) }
//! ```

pub mod health;
pub mod metrics;

pub use health::{HealthChecks, HealthReport, MimecastCheck, router, serve};
pub use metrics::{ApprovalOutcome, CallStatus, CommandOutcome, Metrics, SummaryOutcome, metrics};

use crate::mimecast::MimecastError;

/// Setting up health and metrics failed.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// The health probe's Mimecast client could not be built.
    #[error("cannot build the Mimecast health-check client: {0}")]
    Client(#[source] MimecastError),
}
