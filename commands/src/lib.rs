//! The mimecast-bot command language: grammar, typed commands, validation, help text,
//! the Discord application-command schema and the Slack app manifest. No I/O.
//!
//! One table ([`spec::COMMANDS`]) drives everything. Three ways in, one way out:
//!
//! - [`parse_args`]: an already-split argv after the program name (the one-shot CLI),
//!   e.g. `["messages", "held", "--admin"]`;
//! - [`parse_line`]: a chat or console line, split like a shell, `/mimecast` prefix optional;
//! - [`from_discord`]: a `/mimecast` interaction's structured options ([`DiscordInvocation`]).
//!
//! All three give an [`Invocation`] (a typed [`Command`] plus `--output` and `--yes`), or a
//! [`ParseError`] whose `Display` is a one-line message saying what to type instead.
//!
//! ```
//! use mimecast_commands::{parse_line, Command, UrlResult};
//!
//! let invocation = parse_line("/mimecast ttp urls --start 2024-01-01 --result malicious").unwrap();
//! let Command::TtpUrls(urls) = invocation.command else { panic!() };
//! assert_eq!(urls.result, UrlResult::Malicious);
//! assert_eq!(
//!     parse_line("ttp urls --result evil").unwrap_err().to_string(),
//!     "unknown value 'evil' for --result; use one of: clean, malicious, all"
//! );
//! ```
//!
//! Dates keep the user's form ([`DateBound`]); resolve them with [`DateBound::resolve`] or
//! [`DateRange::resolve`] at execution time, and call [`DateRange::check`] there too: the parser
//! only refuses start-after-end when both ends are absolute.

#![warn(missing_docs)]

pub mod address;
pub mod choices;
mod command;
pub mod dates;
pub mod discord;
mod error;
mod help;
mod lexer;
mod parse;
pub mod slack;
pub mod spec;
mod suggest;
pub mod text;

pub use address::{AddressFilter, Domain, EmailAddress};
pub use choices::{
    AttachmentResult, ImpersonationAction, OutputFormat, RejectReason, Route, SummaryKind,
    UrlResult,
};
pub use command::{
    ArchiveSearch, AttachmentLogs, Audit, Command, HeldList, Help, ImpersonationLogs, Invocation,
    MessageSearch, Reject, Release, Summary, UrlDecode, UrlLogs,
};
pub use dates::{DateBound, DateRange};
pub use discord::{
    DiscordInvocation, DiscordOption, DiscordValue, discord_commands_json, from_discord,
};
pub use error::ParseError;
pub use help::help_text;
pub use slack::{SLACK_MANIFEST_PLACEHOLDER_URL, slack_manifest, slack_usage_hint};
pub use spec::CommandId;
pub use text::{MAX_VALUE_CHARS, MessageId};

/// The prefix chat lines may start with; [`parse_line`] drops it.
pub const CHAT_PREFIX: &str = "/mimecast";

/// Parses an already-split argument list, without the program name.
///
/// Arguments are taken as they are: no quote handling (the shell has done it).
pub fn parse_args<I, S>(args: I) -> Result<Invocation, ParseError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let words: Vec<String> = args.into_iter().map(|a| a.as_ref().to_string()).collect();
    parse::parse_words(&words)
}

/// Parses a chat or console line: splits it like a shell (quotes, backslashes; see
/// [`split_line`]), drops a leading `/mimecast`, then parses the words as [`parse_args`] does.
pub fn parse_line(line: &str) -> Result<Invocation, ParseError> {
    let mut words = split_line(line)?;
    if words
        .first()
        .is_some_and(|w| w.eq_ignore_ascii_case(CHAT_PREFIX))
    {
        words.remove(0);
    }
    parse::parse_words(&words)
}

/// Splits a line into words the way [`parse_line`] does: whitespace separates; `'…'` is
/// literal; `"…"` honours `\"` and `\\`; a backslash outside quotes escapes the next character;
/// curly quotes from chat clients count as quotes; `$(date +%Y-%m-%d)` becomes `today`.
pub fn split_line(line: &str) -> Result<Vec<String>, ParseError> {
    lexer::split(line)
}
