//! The typed commands the parser produces, and their canonical text form.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::address::AddressFilter;
use crate::choices::{
    AttachmentResult, ImpersonationAction, OutputFormat, RejectReason, Route, SummaryKind,
    UrlResult,
};
use crate::dates::{DateBound, DateRange};
use crate::error::ParseError;
use crate::spec::CommandId;
use crate::text::MessageId;

/// A parsed command line or interaction: the command and how to print its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// What to do.
    pub command: Command,
    /// `--output` (default text).
    pub output: OutputFormat,
    /// `--yes` (release/reject only): skip the one-shot CLI's confirmation. Chat adapters ignore
    /// it: in chat, release and reject always go through approval.
    pub yes: bool,
    /// `--page TOKEN` (listing commands, one-shot CLI): the page the previous answer pointed to.
    /// Chat adapters keep page tokens server-side behind a Next button instead.
    pub page: Option<String>,
}

impl Invocation {
    /// The canonical words of this invocation (no program name); parsing them gives it back.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = self.command.to_args();
        if self.output != OutputFormat::default() {
            args.push("--output".into());
            args.push(self.output.value().into());
        }
        if self.yes {
            args.push("--yes".into());
        }
        if let Some(page) = &self.page {
            args.push(format!("--page={page}"));
        }
        args
    }
}

impl fmt::Display for Invocation {
    /// The canonical line, quoted so that [`crate::parse_line`] gives it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&join_quoted(&self.to_args()))
    }
}

/// One command of the language, with validated, typed fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `messages search` (short form `search`).
    MessagesSearch(MessageSearch),
    /// `messages held` (short form `held`).
    MessagesHeld(HeldList),
    /// `messages release` (short form `release ID`).
    MessagesRelease(Release),
    /// `messages reject` (short form `reject ID`).
    MessagesReject(Reject),
    /// `ttp urls`.
    TtpUrls(UrlLogs),
    /// `ttp attachments`.
    TtpAttachments(AttachmentLogs),
    /// `ttp impersonation`.
    TtpImpersonation(ImpersonationLogs),
    /// `archive search`.
    ArchiveSearch(ArchiveSearch),
    /// `url decode`.
    UrlDecode(UrlDecode),
    /// `summary`.
    Summary(Summary),
    /// `audit [--limit N]`: recent approval audit entries. The parser lets anyone ask; adapters
    /// answer approvers only.
    Audit(Audit),
    /// `help [topic]`.
    Help(Help),
}

/// `messages search`: at least one of `from`, `to`, `subject` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSearch {
    /// `--from`: sender address or domain.
    pub from: Option<AddressFilter>,
    /// `--to`: recipient address or domain.
    pub to: Option<AddressFilter>,
    /// `--subject`: words in the subject.
    pub subject: Option<String>,
    /// `--start` / `--end`.
    pub range: DateRange,
}

/// `messages held`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldList {
    /// `--admin`: every recipient's held mail (Mimecast `admin: true`).
    pub admin: bool,
    /// `--start` / `--end`.
    pub range: DateRange,
}

/// `messages release`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// `--id` (or the bare word after `release`).
    pub id: MessageId,
    /// `--reason`: recorded with the request; Mimecast's release call takes none.
    pub reason: Option<String>,
}

/// `messages reject`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// `--id` (or the bare word after `reject`).
    pub id: MessageId,
    /// `--reason-type`; [`RejectReason::wire`] is Mimecast's `reasonType`.
    pub reason_type: Option<RejectReason>,
    /// `--message`: note for the sender (Mimecast `message`).
    pub message: Option<String>,
    /// `--notify`: send the sender a rejection notice (Mimecast `notify`).
    pub notify: bool,
}

/// `ttp urls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlLogs {
    /// `--start` / `--end`.
    pub range: DateRange,
    /// `--route` (default all).
    pub route: Route,
    /// `--result` (default all); Mimecast `scanResult`.
    pub result: UrlResult,
}

/// `ttp attachments`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentLogs {
    /// `--start` / `--end`.
    pub range: DateRange,
    /// `--result` (default all).
    pub result: AttachmentResult,
}

/// `ttp impersonation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpersonationLogs {
    /// `--start` / `--end`.
    pub range: DateRange,
    /// `--action` (default all); see [`ImpersonationAction::wire_actions`].
    pub action: ImpersonationAction,
}

/// `archive search`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveSearch {
    /// `--query`: the words to search for (plain text; the engine builds Mimecast's XML query).
    pub query: String,
    /// `--start` / `--end`.
    pub range: DateRange,
}

/// `url decode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlDecode {
    /// `--url`: an http(s) URL as typed.
    pub url: String,
}

/// `summary`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `--kind` (default all: every kind, impersonation first).
    pub kind: SummaryKind,
    /// `--date`: a day form only (`YYYY-MM-DD`, `today`, `yesterday`, `Nd`); `None` means today.
    /// Use [`DateBound::day`] to get the calendar day.
    pub date: Option<DateBound>,
}

/// `audit [--limit N]`: the most recent entries of the approval audit log, newest first.
///
/// Read-only (the log is append-only) and for approvers only: the parser accepts it from
/// anyone, so the adapter that runs it checks who asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audit {
    /// `--limit`: how many entries, [`Audit::MIN_LIMIT`]..=[`Audit::MAX_LIMIT`]
    /// (default [`Audit::DEFAULT_LIMIT`]).
    pub limit: u32,
}

impl Audit {
    /// The fewest entries `--limit` takes.
    pub const MIN_LIMIT: u32 = 1;
    /// The most entries `--limit` takes.
    pub const MAX_LIMIT: u32 = 100;
    /// `--limit` when absent.
    pub const DEFAULT_LIMIT: u32 = 20;
}

impl Default for Audit {
    fn default() -> Audit {
        Audit {
            limit: Audit::DEFAULT_LIMIT,
        }
    }
}

/// `help [topic]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Help {
    /// The canonical topic (`messages held` for `help held`, or a group such as `ttp`);
    /// `None` for the overview. Pass it to [`crate::help_text`].
    pub topic: Option<String>,
}

/// An option value in canonical form, for [`Command::to_args`] and Discord.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ArgValue {
    /// A flag that is on.
    Flag,
    /// Any other value, as text.
    Text(String),
    /// A whole number (a [`crate::spec::ValueKind::Count`]); Discord INTEGER.
    Integer(u32),
}

impl Command {
    /// Which command this is (its row in [`crate::spec::COMMANDS`]).
    pub fn id(&self) -> CommandId {
        match self {
            Command::MessagesSearch(_) => CommandId::MessagesSearch,
            Command::MessagesHeld(_) => CommandId::MessagesHeld,
            Command::MessagesRelease(_) => CommandId::MessagesRelease,
            Command::MessagesReject(_) => CommandId::MessagesReject,
            Command::TtpUrls(_) => CommandId::TtpUrls,
            Command::TtpAttachments(_) => CommandId::TtpAttachments,
            Command::TtpImpersonation(_) => CommandId::TtpImpersonation,
            Command::ArchiveSearch(_) => CommandId::ArchiveSearch,
            Command::UrlDecode(_) => CommandId::UrlDecode,
            Command::Summary(_) => CommandId::Summary,
            Command::Audit(_) => CommandId::Audit,
            Command::Help(_) => CommandId::Help,
        }
    }

    /// True for the commands that change mail (release, reject): they need approval in chat
    /// and confirmation (or `--yes`) in the one-shot CLI.
    pub fn changes_mail(&self) -> bool {
        matches!(
            self,
            Command::MessagesRelease(_) | Command::MessagesReject(_)
        )
    }

    /// The date range, for the commands that take one.
    pub fn range(&self) -> Option<&DateRange> {
        match self {
            Command::MessagesSearch(c) => Some(&c.range),
            Command::MessagesHeld(c) => Some(&c.range),
            Command::TtpUrls(c) => Some(&c.range),
            Command::TtpAttachments(c) => Some(&c.range),
            Command::TtpImpersonation(c) => Some(&c.range),
            Command::ArchiveSearch(c) => Some(&c.range),
            _ => None,
        }
    }

    /// The checks that depend on the current time: a start after the end once relative dates
    /// (`today`, `7d`, …) are resolved at `now`. Run it when executing; the parser has already
    /// checked ranges whose ends are both absolute.
    pub fn check_at(&self, now: DateTime<Utc>) -> Result<(), ParseError> {
        match self.range() {
            Some(range) => range.check(now),
            None => Ok(()),
        }
    }

    /// The canonical words of this command (no `--output`), e.g.
    /// `["messages", "release", "--id", "MSG123"]`. Parsing them gives the command back.
    pub fn to_args(&self) -> Vec<String> {
        let mut args: Vec<String> = self.id().path().split(' ').map(String::from).collect();
        if let Command::Help(Help { topic: Some(topic) }) = self {
            // `help ttp urls` rather than `help --topic "ttp urls"`.
            args.extend(topic.split(' ').map(String::from));
            return args;
        }
        for (name, value) in self.options() {
            match value {
                ArgValue::Flag => args.push(format!("--{name}")),
                // `--x=-y` keeps a value that starts with a dash from reading as an option.
                ArgValue::Text(text) if text.starts_with('-') => {
                    args.push(format!("--{name}={text}"))
                }
                ArgValue::Text(text) => {
                    args.push(format!("--{name}"));
                    args.push(text);
                }
                ArgValue::Integer(n) => {
                    args.push(format!("--{name}"));
                    args.push(n.to_string());
                }
            }
        }
        args
    }

    /// The options set on this command, by table name, in table order. Choices and counts
    /// equal to their default and flags that are off are left out.
    pub(crate) fn options(&self) -> Vec<(&'static str, ArgValue)> {
        let mut options = Vec::new();
        let out = &mut options;
        let date = |bound: Option<DateBound>| bound.map(|b| b.to_string());
        match self {
            Command::MessagesSearch(c) => {
                push_text(out, "from", c.from.as_ref().map(ToString::to_string));
                push_text(out, "to", c.to.as_ref().map(ToString::to_string));
                push_text(out, "subject", c.subject.clone());
                push_text(out, "start", date(c.range.start));
                push_text(out, "end", date(c.range.end));
            }
            Command::MessagesHeld(c) => {
                if c.admin {
                    out.push(("admin", ArgValue::Flag));
                }
                push_range(out, &c.range);
            }
            Command::MessagesRelease(c) => {
                push_text(out, "id", Some(c.id.to_string()));
                push_text(out, "reason", c.reason.clone());
            }
            Command::MessagesReject(c) => {
                push_text(out, "id", Some(c.id.to_string()));
                push_text(
                    out,
                    "reason-type",
                    c.reason_type.map(|r| r.value().to_string()),
                );
                push_text(out, "message", c.message.clone());
                if c.notify {
                    out.push(("notify", ArgValue::Flag));
                }
            }
            Command::TtpUrls(c) => {
                push_range(out, &c.range);
                push_choice(out, "route", c.route.value(), Route::All.value());
                push_choice(out, "result", c.result.value(), UrlResult::All.value());
            }
            Command::TtpAttachments(c) => {
                push_range(out, &c.range);
                push_choice(
                    out,
                    "result",
                    c.result.value(),
                    AttachmentResult::All.value(),
                );
            }
            Command::TtpImpersonation(c) => {
                push_range(out, &c.range);
                push_choice(
                    out,
                    "action",
                    c.action.value(),
                    ImpersonationAction::All.value(),
                );
            }
            Command::ArchiveSearch(c) => {
                push_text(out, "query", Some(c.query.clone()));
                push_text(out, "start", date(c.range.start));
                push_text(out, "end", date(c.range.end));
            }
            Command::UrlDecode(c) => push_text(out, "url", Some(c.url.clone())),
            Command::Summary(c) => {
                push_choice(out, "kind", c.kind.value(), SummaryKind::All.value());
                push_text(out, "date", date(c.date));
            }
            Command::Audit(c) => {
                if c.limit != Audit::DEFAULT_LIMIT {
                    out.push(("limit", ArgValue::Integer(c.limit)));
                }
            }
            Command::Help(c) => push_text(out, "topic", c.topic.clone()),
        }
        options
    }
}

fn push_text(out: &mut Vec<(&'static str, ArgValue)>, name: &'static str, value: Option<String>) {
    if let Some(value) = value {
        out.push((name, ArgValue::Text(value)));
    }
}

fn push_range(out: &mut Vec<(&'static str, ArgValue)>, range: &DateRange) {
    if let Some(start) = range.start {
        out.push(("start", ArgValue::Text(start.to_string())));
    }
    if let Some(end) = range.end {
        out.push(("end", ArgValue::Text(end.to_string())));
    }
}

fn push_choice(
    out: &mut Vec<(&'static str, ArgValue)>,
    name: &'static str,
    value: &str,
    default: &str,
) {
    if value != default {
        out.push((name, ArgValue::Text(value.to_string())));
    }
}

impl fmt::Display for Command {
    /// The canonical line, quoted so that [`crate::parse_line`] gives the command back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&join_quoted(&self.to_args()))
    }
}

/// Joins words into a line, double-quoting those that need it for [`crate::lexer::split`].
fn join_quoted(words: &[String]) -> String {
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && !word
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | '$' | '“' | '‘'));
    if plain {
        return word.to_string();
    }
    let mut quoted = String::with_capacity(word.len() + 2);
    quoted.push('"');
    for c in word.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_ranges_are_checked_at_execution_time() {
        use chrono::TimeZone;
        let now = Utc
            .with_ymd_and_hms(2024, 3, 15, 12, 0, 0)
            .single()
            .expect("valid");
        let urls = |start, end| {
            Command::TtpUrls(UrlLogs {
                range: DateRange {
                    start: Some(start),
                    end: Some(end),
                },
                route: Route::All,
                result: UrlResult::All,
            })
        };
        assert_eq!(
            urls(DateBound::DaysAgo(7), DateBound::Today).check_at(now),
            Ok(())
        );
        assert_eq!(
            urls(DateBound::Today, DateBound::DaysAgo(7))
                .check_at(now)
                .map_err(|e| e.to_string()),
            Err(
                "--start today is after --end 7d; give a --start on or before the --end"
                    .to_string()
            )
        );
        let help = Command::Help(Help { topic: None });
        assert_eq!(help.check_at(now), Ok(()));
    }

    #[test]
    fn quoting_is_only_added_where_needed() {
        assert_eq!(quote("MSG123"), "MSG123");
        assert_eq!(quote("project report"), "\"project report\"");
        assert_eq!(quote(r#"say "hi" \o/"#), r#""say \"hi\" \\o/""#);
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("$(x)"), "\"$(x)\"");
    }
}
