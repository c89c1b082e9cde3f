//! Builders shared by the integration tests.
#![allow(dead_code)]

use chrono::NaiveDate;
use mimecast_commands::*;

/// A calendar-date bound.
pub fn day(y: i32, m: u32, d: u32) -> DateBound {
    DateBound::Date(NaiveDate::from_ymd_opt(y, m, d).expect("valid test date"))
}

/// A range with the given ends.
pub fn range(start: Option<DateBound>, end: Option<DateBound>) -> DateRange {
    DateRange { start, end }
}

/// A range starting on a calendar date, open-ended.
pub fn from(y: i32, m: u32, d: u32) -> DateRange {
    range(Some(day(y, m, d)), None)
}

/// An address filter parsed from valid text.
pub fn addr(text: &str) -> AddressFilter {
    AddressFilter::parse(text, "--from").expect("valid test address")
}

/// A message id parsed from valid text.
pub fn id(text: &str) -> MessageId {
    MessageId::parse(text, "--id").expect("valid test id")
}

/// The invocation with text output and no --yes.
pub fn text(command: Command) -> Invocation {
    Invocation {
        command,
        output: OutputFormat::Text,
        yes: false,
        page: None,
    }
}

/// The invocation with JSON output.
pub fn json(command: Command) -> Invocation {
    Invocation {
        command,
        output: OutputFormat::Json,
        yes: false,
        page: None,
    }
}

pub fn search(
    from: Option<&str>,
    to: Option<&str>,
    subject: Option<&str>,
    range: DateRange,
) -> Command {
    Command::MessagesSearch(MessageSearch {
        from: from.map(addr),
        to: to.map(addr),
        subject: subject.map(String::from),
        range,
    })
}

pub fn held(admin: bool, range: DateRange) -> Command {
    Command::MessagesHeld(HeldList { admin, range })
}

pub fn release(message: &str, reason: Option<&str>) -> Command {
    Command::MessagesRelease(Release {
        id: id(message),
        reason: reason.map(String::from),
    })
}

pub fn reject(
    message: &str,
    reason_type: Option<RejectReason>,
    note: Option<&str>,
    notify: bool,
) -> Command {
    Command::MessagesReject(Reject {
        id: id(message),
        reason_type,
        message: note.map(String::from),
        notify,
    })
}

pub fn urls(range: DateRange, route: Route, result: UrlResult) -> Command {
    Command::TtpUrls(UrlLogs {
        range,
        route,
        result,
    })
}

pub fn attachments(range: DateRange, result: AttachmentResult) -> Command {
    Command::TtpAttachments(AttachmentLogs { range, result })
}

pub fn impersonation(range: DateRange, action: ImpersonationAction) -> Command {
    Command::TtpImpersonation(ImpersonationLogs { range, action })
}

pub fn archive(query: &str, range: DateRange) -> Command {
    Command::ArchiveSearch(ArchiveSearch {
        query: query.to_string(),
        range,
    })
}

pub fn decode(url: &str) -> Command {
    Command::UrlDecode(UrlDecode {
        url: url.to_string(),
    })
}

pub fn summary(kind: SummaryKind, date: Option<DateBound>) -> Command {
    Command::Summary(Summary { kind, date })
}

pub fn audit(limit: u32) -> Command {
    Command::Audit(Audit { limit })
}

pub fn help(topic: Option<&str>) -> Command {
    Command::Help(Help {
        topic: topic.map(String::from),
    })
}
