//! Valid lines → the exact typed invocation, through `parse_line` and (split) `parse_args`.

mod support;

use chrono::{DateTime, FixedOffset};
use mimecast_commands::*;
use support::*;

/// Every command line of the Mimecast command reference the bot implements, verbatim after the
/// program name, with what it must parse to. `$(date +%Y-%m-%d)` is today's date in the shell; a chat
/// line gets `today` for it.
fn reference_lines() -> Vec<(&'static str, Invocation)> {
    use AttachmentResult as A;
    use ImpersonationAction as I;
    let jan = || range(Some(day(2024, 1, 1)), Some(day(2024, 1, 31)));
    let today = || range(Some(DateBound::Today), None);
    vec![
        (
            "messages search --from sender@example.com",
            text(search(
                Some("sender@example.com"),
                None,
                None,
                range(None, None),
            )),
        ),
        (
            "messages search --to recipient@example.com",
            text(search(
                None,
                Some("recipient@example.com"),
                None,
                range(None, None),
            )),
        ),
        (
            "messages search --subject \"invoice\"",
            text(search(None, None, Some("invoice"), range(None, None))),
        ),
        (
            "messages search --from sender@example.com --start 2024-01-01 --end 2024-01-31",
            text(search(Some("sender@example.com"), None, None, jan())),
        ),
        ("messages held", text(held(false, range(None, None)))),
        ("messages held --admin", text(held(true, range(None, None)))),
        (
            "messages held --start 2024-01-01 --end 2024-01-31",
            text(held(false, jan())),
        ),
        (
            "messages release --id MESSAGE_ID",
            text(release("MESSAGE_ID", None)),
        ),
        (
            "messages release --id MESSAGE_ID --reason REASON_ID",
            text(release("MESSAGE_ID", Some("REASON_ID"))),
        ),
        (
            "ttp urls --start 2024-01-01",
            text(urls(from(2024, 1, 1), Route::All, UrlResult::All)),
        ),
        (
            "ttp urls --start 2024-01-01 --route inbound",
            text(urls(from(2024, 1, 1), Route::Inbound, UrlResult::All)),
        ),
        (
            "ttp urls --start 2024-01-01 --result malicious",
            text(urls(from(2024, 1, 1), Route::All, UrlResult::Malicious)),
        ),
        (
            "ttp attachments --start 2024-01-01",
            text(attachments(from(2024, 1, 1), A::All)),
        ),
        (
            "ttp attachments --start 2024-01-01 --result malicious",
            text(attachments(from(2024, 1, 1), A::Malicious)),
        ),
        (
            "ttp impersonation --start 2024-01-01",
            text(impersonation(from(2024, 1, 1), I::All)),
        ),
        (
            "ttp impersonation --start 2024-01-01 --action blocked",
            text(impersonation(from(2024, 1, 1), I::Blocked)),
        ),
        (
            "archive search --query \"project report\"",
            text(archive("project report", range(None, None))),
        ),
        (
            "archive search --query \"invoice\" --start 2024-01-01 --end 2024-06-30",
            text(archive(
                "invoice",
                range(Some(day(2024, 1, 1)), Some(day(2024, 6, 30))),
            )),
        ),
        (
            "messages search --from suspicious@sender.com --output json",
            json(search(
                Some("suspicious@sender.com"),
                None,
                None,
                range(None, None),
            )),
        ),
        (
            "messages release --id MSG123",
            text(release("MSG123", None)),
        ),
        (
            "ttp urls --start $(date +%Y-%m-%d) --output json",
            json(urls(today(), Route::All, UrlResult::All)),
        ),
        (
            "ttp attachments --start $(date +%Y-%m-%d)",
            text(attachments(today(), A::All)),
        ),
        (
            "ttp impersonation --start $(date +%Y-%m-%d)",
            text(impersonation(today(), I::All)),
        ),
    ]
}

/// Lines beyond the reference: short forms, other spellings, every option.
fn more_lines() -> Vec<(&'static str, Invocation)> {
    let instant = |text: &str| {
        DateBound::Instant(DateTime::<FixedOffset>::parse_from_rfc3339(text).expect("valid"))
    };
    vec![
        (
            "/mimecast held --admin",
            text(held(true, range(None, None))),
        ),
        ("held", text(held(false, range(None, None)))),
        (
            "/MIMECAST   Held   --ADMIN",
            text(held(true, range(None, None))),
        ),
        (
            "search --from alice@example.com",
            text(search(
                Some("alice@example.com"),
                None,
                None,
                range(None, None),
            )),
        ),
        (
            "search --to example.com",
            text(search(None, Some("example.com"), None, range(None, None))),
        ),
        (
            "search --to @example.com",
            text(search(None, Some("example.com"), None, range(None, None))),
        ),
        ("release MSG123", text(release("MSG123", None))),
        (
            "release MSG123 --reason 'user confirmed'",
            text(release("MSG123", Some("user confirmed"))),
        ),
        (
            "release --id=MSG123 --yes",
            Invocation {
                yes: true,
                page: None,
                ..text(release("MSG123", None))
            },
        ),
        (
            "messages release MSG123 --output=json",
            json(release("MSG123", None)),
        ),
        ("reject MSG123", text(reject("MSG123", None, None, false))),
        (
            "reject MSG123 --reason-type undesirable-content --message \"Phishing, do not resend\" --notify",
            text(reject(
                "MSG123",
                Some(RejectReason::UndesirableContent),
                Some("Phishing, do not resend"),
                true,
            )),
        ),
        (
            "messages reject --id MSG1 --reason-type \"MESSAGE GOES AGAINST EMAIL POLICIES\" --notify=false",
            text(reject(
                "MSG1",
                Some(RejectReason::AgainstEmailPolicies),
                None,
                false,
            )),
        ),
        (
            "messages reject --id MSG1 --reason-type Reviewer-Disapproves --yes",
            Invocation {
                yes: true,
                page: None,
                ..text(reject(
                    "MSG1",
                    Some(RejectReason::ReviewerDisapproves),
                    None,
                    false,
                ))
            },
        ),
        (
            "ttp urls --start 7d --end 24h --route outbound --result clean",
            text(urls(
                range(Some(DateBound::DaysAgo(7)), Some(DateBound::HoursAgo(24))),
                Route::Outbound,
                UrlResult::Clean,
            )),
        ),
        (
            "ttp urls start:2024-01-01 result:malicious",
            text(urls(from(2024, 1, 1), Route::All, UrlResult::Malicious)),
        ),
        (
            "ttp urls --start 2024-01-01T09:00:00Z --end 2024-01-01T17:00:00+02:00",
            text(urls(
                range(
                    Some(instant("2024-01-01T09:00:00Z")),
                    Some(instant("2024-01-01T17:00:00+02:00")),
                ),
                Route::All,
                UrlResult::All,
            )),
        ),
        (
            "ttp attachments --start yesterday --end today --result timeout",
            text(attachments(
                range(Some(DateBound::Yesterday), Some(DateBound::Today)),
                AttachmentResult::Timeout,
            )),
        ),
        (
            "ttp impersonation --action smart_folder",
            text(impersonation(
                range(None, None),
                ImpersonationAction::SmartFolder,
            )),
        ),
        (
            "ttp impersonation --action hold --output json",
            json(impersonation(range(None, None), ImpersonationAction::Hold)),
        ),
        (
            "archive search --query “project report”",
            text(archive("project report", range(None, None))),
        ),
        (
            "archive search --query=invoice --end 2024-06-30",
            text(archive("invoice", range(None, Some(day(2024, 6, 30))))),
        ),
        (
            "url decode --url https://protect-eu.mimecast.com/s/AbCdEf",
            text(decode("https://protect-eu.mimecast.com/s/AbCdEf")),
        ),
        (
            "url decode https://protect-eu.mimecast.com/s/x?d=1",
            text(decode("https://protect-eu.mimecast.com/s/x?d=1")),
        ),
        ("summary", text(summary(SummaryKind::All, None))),
        (
            "summary --kind all --date 3d",
            text(summary(SummaryKind::All, Some(DateBound::DaysAgo(3)))),
        ),
        (
            "summary --kind impersonation --date 2024-03-01",
            text(summary(SummaryKind::Impersonation, Some(day(2024, 3, 1)))),
        ),
        (
            "summary --kind urls --date yesterday --output json",
            json(summary(SummaryKind::Urls, Some(DateBound::Yesterday))),
        ),
        ("audit", text(audit(20))),
        ("audit --limit 50", text(audit(50))),
        ("/mimecast audit --limit=5", text(audit(5))),
        ("audit --limit 20", text(audit(20))),
        ("audit --limit 1", text(audit(1))),
        ("audit --limit 100 --output json", json(audit(100))),
        ("AUDIT --LIMIT 007", text(audit(7))),
        ("audit limit:7", text(audit(7))),
        ("audit --limit ' 30 '", text(audit(30))),
        ("audit --help", text(help(Some("audit")))),
        ("help audit", text(help(Some("audit")))),
        ("help", text(help(None))),
        ("help ttp urls", text(help(Some("ttp urls")))),
        ("help held", text(help(Some("messages held")))),
        ("help TTP", text(help(Some("ttp")))),
        ("--help", text(help(None))),
        ("messages --help", text(help(Some("messages")))),
        (
            "ttp urls --result evil --help",
            text(help(Some("ttp urls"))),
        ),
        ("release -h", text(help(Some("messages release")))),
        ("help --output json", json(help(None))),
    ]
}

#[test]
fn every_reference_line_parses_to_its_command() {
    for (line, want) in reference_lines() {
        assert_eq!(parse_line(line).as_ref(), Ok(&want), "{line}");
    }
}

#[test]
fn more_lines_parse_to_their_commands() {
    for (line, want) in more_lines() {
        assert_eq!(parse_line(line).as_ref(), Ok(&want), "{line}");
    }
}

#[test]
fn split_argv_parses_like_the_line() {
    for (line, want) in reference_lines().into_iter().chain(more_lines()) {
        if line.starts_with('/') {
            continue;
        }
        // What a shell hands the binary: quotes removed, $(date …) expanded.
        let words = split_line(line).expect(line);
        assert_eq!(parse_args(&words).as_ref(), Ok(&want), "{line}");
    }
    // A real argv of the reference, with the shell's expansion of $(date +%Y-%m-%d).
    assert_eq!(
        parse_args(["ttp", "urls", "--start", "2024-05-06", "--output", "json"]),
        Ok(json(urls(from(2024, 5, 6), Route::All, UrlResult::All)))
    );
    assert_eq!(
        parse_args(vec![
            "archive".to_string(),
            "search".into(),
            "--query".into(),
            "project report".into()
        ]),
        Ok(text(archive("project report", range(None, None))))
    );
}

#[test]
fn canonical_text_parses_back_to_the_same_invocation() {
    for (line, want) in reference_lines().into_iter().chain(more_lines()) {
        let shown = want.to_string();
        assert_eq!(parse_line(&shown).as_ref(), Ok(&want), "{line} → {shown}");
        assert_eq!(
            parse_args(want.to_args()).as_ref(),
            Ok(&want),
            "{line} → {shown}"
        );
    }
    assert_eq!(
        text(release("MSG123", Some("user said \"ok\""))).to_string(),
        r#"messages release --id MSG123 --reason "user said \"ok\"""#
    );
    assert_eq!(
        text(search(None, None, Some("-urgent-"), range(None, None))).to_args()[2],
        "--subject=-urgent-"
    );
}

#[test]
fn audit_is_a_read_only_top_level_command() {
    assert_eq!(Audit::default(), Audit { limit: 20 });
    assert_eq!(
        (Audit::MIN_LIMIT, Audit::DEFAULT_LIMIT, Audit::MAX_LIMIT),
        (1, 20, 100)
    );
    let command = audit(50);
    assert_eq!(command.id(), CommandId::Audit);
    assert_eq!(CommandId::Audit.path(), "audit");
    assert!(!command.changes_mail());
    assert_eq!(command.range(), None);
    // The default limit is left out of the canonical form, like a default choice.
    assert_eq!(text(audit(20)).to_string(), "audit");
    assert_eq!(text(audit(20)).to_args(), ["audit"]);
    assert_eq!(command.to_string(), "audit --limit 50");
    assert_eq!(command.to_args(), ["audit", "--limit", "50"]);
    assert_eq!(
        json(audit(5)).to_args(),
        ["audit", "--limit", "5", "--output", "json"]
    );
    assert_eq!(parse_args(["audit", "--limit", "50"]), Ok(text(audit(50))));
    assert_eq!(parse_args(["audit", "--limit=5"]), Ok(text(audit(5))));
}
