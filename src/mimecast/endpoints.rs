//! The Mimecast endpoints the bot calls: path, whether a repeat is harmless, and the
//! permission the API application needs (quoted to the responder on a 403).

use super::retry::CallKind;

/// One API function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// The path, identical on API 1.0 and API 2.0 hosts.
    pub path: &'static str,
    /// Read or write, which decides what may be retried.
    pub kind: CallKind,
    /// The Mimecast role permission needed, as the admin console names it.
    pub permission: &'static str,
}

/// Message Finder (tracking) search.
pub const MESSAGE_SEARCH: Endpoint = Endpoint {
    path: "/api/message-finder/search",
    kind: CallKind::Read,
    permission: "Gateway | Tracking | Read",
};

/// Held queue listing.
pub const HOLD_LIST: Endpoint = Endpoint {
    path: "/api/gateway/get-hold-message-list",
    kind: CallKind::Read,
    permission: "Account | Dashboard | Read",
};

/// Release held messages.
pub const HOLD_RELEASE: Endpoint = Endpoint {
    path: "/api/gateway/hold-release",
    kind: CallKind::Write,
    permission: "Account | Monitoring | Held | Edit",
};

/// Reject held messages.
pub const HOLD_REJECT: Endpoint = Endpoint {
    path: "/api/gateway/hold-reject",
    kind: CallKind::Write,
    permission: "Account | Monitoring | Held | Edit",
};

/// URL Protect click logs.
pub const TTP_URL_LOGS: Endpoint = Endpoint {
    path: "/api/ttp/url/get-logs",
    kind: CallKind::Read,
    permission: "Monitoring | URL Protection | Read",
};

/// Attachment Protect logs.
pub const TTP_ATTACHMENT_LOGS: Endpoint = Endpoint {
    path: "/api/ttp/attachment/get-logs",
    kind: CallKind::Read,
    permission: "Monitoring | Attachment Protection | Read",
};

/// Impersonation Protect logs.
pub const TTP_IMPERSONATION_LOGS: Endpoint = Endpoint {
    path: "/api/ttp/impersonation/get-logs",
    kind: CallKind::Read,
    permission: "Monitoring | Impersonation Protection | Read",
};

/// Archive search.
pub const ARCHIVE_SEARCH: Endpoint = Endpoint {
    path: "/api/archive/search",
    kind: CallKind::Read,
    permission: "Archive | Search | Read",
};

/// Decode a URL Protect rewritten link.
pub const DECODE_URL: Endpoint = Endpoint {
    path: "/api/ttp/url/decode-url",
    kind: CallKind::Read,
    permission: "Services | TTP - URL Protect | Read",
};
