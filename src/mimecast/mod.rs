//! Mimecast API client: authentication (API 2.0 OAuth2, API 1.0 HMAC-SHA1), typed endpoints,
//! pagination as a stream, retries and rate limits, and one error model.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::TryStreamExt;
//! use mimecast_bot::mimecast::{ClientConfig, HeldQuery, MimecastClient};
//!
//! let client = MimecastClient::new(ClientConfig::from_env()?)?;
//! let mut held = Box::pin(client.rows(HeldQuery { admin: true, ..Default::default() }, 100));
//! while let Some(message) = held.try_next().await? {
//!     println!("{} {}", message.sender(), message.subject);
//! }
//! # Ok(()) }
//! ```

pub mod archive;
pub mod auth;
pub mod config;
pub mod dates;
pub mod endpoints;
pub mod envelope;
pub mod error;
pub mod held;
pub mod mailbox;
pub mod messages;
pub mod paging;
pub mod retry;
pub mod signature;
pub mod transport;
pub mod ttp;
pub mod urls;

pub use archive::{ArchiveItem, ArchiveSearch};
pub use config::{ClientConfig, ConfigError, Credentials, RetryPolicy};
pub use error::{ApiFailure, FailError, MimecastError};
pub use held::{ActionReceipt, HeldMessage, HeldQuery, HeldSearchField, RejectHeld, RejectReason};
pub use mailbox::Mailbox;
pub use messages::{MessageSearch, TrackedEmail};
pub use paging::{Listing, Page};
pub use retry::CallKind;
pub use transport::MimecastClient;
pub use ttp::{
    AttachmentLog, AttachmentLogQuery, AttachmentResult, ClickLog, ImpersonationLog,
    ImpersonationLogQuery, ImpersonationSearchField, Route, UrlLogQuery, UrlScanResult, Window,
};
