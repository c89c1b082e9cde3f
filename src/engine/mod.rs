//! Executes typed commands: Mimecast calls in, a platform-neutral [`Reply`] out.
//!
//! The engine knows nothing of Discord, Slack or terminals; adapters parse with the
//! `mimecast-commands` crate, call [`Engine::execute`], and render the reply.

pub mod error;
pub mod held;
pub mod impersonation;
pub mod listings;
pub mod paging;
pub mod refs;
pub mod reply;
pub mod summary;

use chrono::{DateTime, Utc};
use mimecast_commands::{Command, Invocation, help_text};

use crate::mimecast::MimecastClient;
pub use error::EngineError;
pub use reply::{Reply, Severity};

/// Rows a listing shows at once when the caller does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 25;

/// Runs commands against one Mimecast tenant.
#[derive(Clone)]
pub struct Engine {
    client: MimecastClient,
    page_size: u32,
}

impl Engine {
    /// An engine over `client` showing [`DEFAULT_PAGE_SIZE`] rows per page.
    pub fn new(client: MimecastClient) -> Self {
        Self {
            client,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// The same engine showing `page_size` rows per page (1 to 500).
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.clamp(1, 500);
        self
    }

    /// The Mimecast client.
    pub fn client(&self) -> &MimecastClient {
        &self.client
    }

    /// Rows per page.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// Runs a read command (everything but release and reject, which go through
    /// [`held::HeldActions`] after confirmation or approval) and returns its first page, or
    /// the page `page_token` names.
    pub async fn execute(
        &self,
        invocation: &Invocation,
        page_token: Option<String>,
    ) -> Result<Reply, EngineError> {
        self.execute_at(invocation, page_token, Utc::now()).await
    }

    /// [`Engine::execute`] with an explicit "now" for relative dates.
    pub async fn execute_at(
        &self,
        invocation: &Invocation,
        page_token: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Reply, EngineError> {
        invocation
            .command
            .check_at(now)
            .map_err(EngineError::Input)?;
        let handle = match page_token.as_deref() {
            Some(text) => Some(paging::PageHandle::decode(text).ok_or(EngineError::BadPage)?),
            None => None,
        };
        let page_token = handle.as_ref();
        let listings = listings::Listings {
            client: &self.client,
            page_size: self.page_size,
            now,
        };
        match &invocation.command {
            Command::MessagesSearch(c) => listings.message_search(c, page_token).await,
            Command::MessagesHeld(c) => listings.held(c, page_token).await,
            Command::TtpUrls(c) => listings.url_logs(c, page_token).await,
            Command::TtpAttachments(c) => listings.attachment_logs(c, page_token).await,
            Command::TtpImpersonation(c) => listings.impersonation_logs(c, page_token).await,
            Command::ArchiveSearch(c) => listings.archive(c, page_token).await,
            Command::UrlDecode(c) => listings.decode_url(&c.url).await,
            Command::Summary(c) => summary::build(&self.client, c, now).await,
            Command::Help(c) => Ok(help_reply(c.topic.as_deref())),
            // Changing mail needs confirmation or approval, and the audit log lives with the
            // approvals: the adapters route these to the approvals layer, not here.
            Command::MessagesRelease(_) | Command::MessagesReject(_) | Command::Audit(_) => {
                Err(EngineError::NeedsConfirmation)
            }
        }
    }
}

/// The help text as a reply (its lines are kept as they are, in a code block where supported).
pub fn help_reply(topic: Option<&str>) -> Reply {
    let text = help_text(topic);
    let mut reply = Reply::new("mimecast-bot help", "", Severity::Info);
    reply.preformatted = Some(text);
    reply
}
