//! Properties: no input panics the parser, and every accepted invocation has one canonical
//! text form and one Discord form that both give it back.

mod support;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use mimecast_commands::*;
use proptest::prelude::*;
use support::*;

/// Words that steer random lines into the parser's deeper paths.
const VOCABULARY: &[&str] = &[
    "/mimecast",
    "messages",
    "search",
    "held",
    "release",
    "reject",
    "ttp",
    "urls",
    "attachments",
    "impersonation",
    "archive",
    "url",
    "decode",
    "summary",
    "audit",
    "help",
    "--from",
    "--to",
    "--subject",
    "--start",
    "--end",
    "--admin",
    "--id",
    "--reason",
    "--reason-type",
    "--message",
    "--notify",
    "--route",
    "--result",
    "--action",
    "--query",
    "--url",
    "--kind",
    "--date",
    "--limit",
    "--output",
    "--yes",
    "--help",
    "-h",
    "-x",
    "--",
    "--=",
    "--admin=",
    "--start=",
    "--limit=",
    "json",
    "text",
    "all",
    "blocked",
    "malicious",
    "inbound",
    "today",
    "yesterday",
    "7d",
    "24h",
    "3651d",
    "2024-01-01",
    "2024-02-30",
    "2024-01-01T09:00:00Z",
    "2024-01-01T09:00:00",
    "alice@example.com",
    "bob@",
    "example.com",
    "MSG123",
    "start:2024-01-01",
    "id:",
    ":",
    "\"",
    "'",
    "\\",
    "$(",
    "$(date +%Y-%m-%d)",
    ")",
    "“",
    "‘",
    "é",
    "\u{0}",
    "\n",
    "https://x.example/a",
    "undesirable-content",
    "hold",
    "0",
    "1",
    "20",
    "100",
    "101",
    "-3",
    "1.5",
    "007",
    "limit:5",
];

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(VOCABULARY).prop_map(String::from),
        1 => any::<String>(),
        1 => "[a-z@.:=\\-]{0,12}",
    ]
}

fn date_bound() -> impl Strategy<Value = DateBound> {
    prop_oneof![
        (1970i32..2100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| day(y, m, d)),
        (0i64..4_000_000_000, -47i32..=47).prop_map(|(secs, quarter_hours)| {
            let offset = FixedOffset::east_opt(quarter_hours * 900)
                .unwrap_or(FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()));
            DateBound::Instant(
                offset
                    .timestamp_opt(secs, 0)
                    .single()
                    .unwrap_or_else(|| unreachable!()),
            )
        }),
        Just(DateBound::Today),
        Just(DateBound::Yesterday),
        (0u32..=3650).prop_map(DateBound::DaysAgo),
        (0u32..=87_600).prop_map(DateBound::HoursAgo),
    ]
}

fn day_bound() -> impl Strategy<Value = DateBound> {
    prop_oneof![
        (1970i32..2100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| day(y, m, d)),
        Just(DateBound::Today),
        Just(DateBound::Yesterday),
        (0u32..=3650).prop_map(DateBound::DaysAgo),
    ]
}

/// A range the parser accepts: an absolute start after an absolute end is dropped.
fn date_range() -> impl Strategy<Value = DateRange> {
    (
        prop::option::of(date_bound()),
        prop::option::of(date_bound()),
    )
        .prop_map(|(start, end)| {
            let range = DateRange { start, end };
            let epoch = Utc
                .timestamp_opt(0, 0)
                .single()
                .unwrap_or_else(|| unreachable!());
            let both_absolute =
                start.is_some_and(|s| s.is_absolute()) && end.is_some_and(|e| e.is_absolute());
            if both_absolute && range.check(epoch).is_err() {
                DateRange { start, end: None }
            } else {
                range
            }
        })
}

/// One line of free text as the parser keeps it: trimmed, non-empty, no control characters.
fn free_text() -> impl Strategy<Value = String> {
    "\\PC{1,30}"
        .prop_map(|s| s.trim().to_string())
        .prop_filter("non-empty", |s| !s.is_empty())
}

fn address() -> impl Strategy<Value = AddressFilter> {
    prop_oneof![
        "[a-z0-9][a-z0-9._+-]{0,8}@[a-z0-9]{1,8}\\.[a-z]{2,6}",
        "[a-z0-9]{1,8}(\\.[a-z0-9]{1,8})?\\.[a-z]{2,6}",
    ]
    .prop_filter_map("valid address", |text| {
        AddressFilter::parse(&text, "--from").ok()
    })
}

fn message_id() -> impl Strategy<Value = MessageId> {
    "[A-Za-z0-9:=+/_-]{1,60}"
        .prop_filter_map("valid id", |text| MessageId::parse(&text, "--id").ok())
}

fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(all)
}

fn command() -> impl Strategy<Value = Command> {
    let topics: Vec<Option<String>> = [
        None,
        Some("messages"),
        Some("ttp"),
        Some("messages held"),
        Some("ttp urls"),
        Some("summary"),
        Some("audit"),
        Some("help"),
    ]
    .into_iter()
    .map(|t| t.map(String::from))
    .collect();
    prop_oneof![
        (
            prop::option::of(address()),
            prop::option::of(address()),
            prop::option::of(free_text()),
            date_range()
        )
            .prop_map(|(from, to, subject, range)| {
                let subject = if from.is_none() && to.is_none() && subject.is_none() {
                    Some("x".into())
                } else {
                    subject
                };
                Command::MessagesSearch(MessageSearch {
                    from,
                    to,
                    subject,
                    range,
                })
            }),
        (any::<bool>(), date_range()).prop_map(|(admin, range)| held(admin, range)),
        (message_id(), prop::option::of(free_text()))
            .prop_map(|(id, reason)| Command::MessagesRelease(Release { id, reason })),
        (
            message_id(),
            prop::option::of(pick(RejectReason::ALL)),
            prop::option::of(free_text()),
            any::<bool>()
        )
            .prop_map(
                |(id, reason_type, message, notify)| Command::MessagesReject(Reject {
                    id,
                    reason_type,
                    message,
                    notify
                })
            ),
        (date_range(), pick(Route::ALL), pick(UrlResult::ALL))
            .prop_map(|(r, route, result)| urls(r, route, result)),
        (date_range(), pick(AttachmentResult::ALL)).prop_map(|(r, result)| attachments(r, result)),
        (date_range(), pick(ImpersonationAction::ALL))
            .prop_map(|(r, action)| impersonation(r, action)),
        (free_text(), date_range()).prop_map(|(query, r)| archive(&query, r)),
        "https?://[a-z0-9.-]{1,20}(/[!-~]{0,20})?".prop_map(|url| decode(&url)),
        (pick(SummaryKind::ALL), prop::option::of(day_bound()))
            .prop_map(|(kind, date)| summary(kind, date)),
        prop_oneof![
            Just(Audit::MIN_LIMIT),
            Just(Audit::DEFAULT_LIMIT),
            Just(Audit::MAX_LIMIT),
            Audit::MIN_LIMIT..=Audit::MAX_LIMIT,
        ]
        .prop_map(audit),
        prop::sample::select(topics).prop_map(|topic| Command::Help(Help { topic })),
    ]
}

fn invocation() -> impl Strategy<Value = Invocation> {
    (
        command(),
        pick(OutputFormat::ALL),
        any::<bool>(),
        prop::option::of("[A-Za-z0-9_=+/-]{1,60}"),
    )
        .prop_map(|(command, output, yes, page)| {
            let yes = yes && command.changes_mail();
            // Only the listing commands (those with a date range) take --page.
            let page = page.filter(|_| command.range().is_some());
            Invocation {
                command,
                output,
                yes,
                page,
            }
        })
}

/// An accepted invocation's canonical forms all give it back.
fn assert_canonical(invocation: &Invocation) -> Result<(), TestCaseError> {
    let line = invocation.to_string();
    let from_line = parse_line(&line);
    prop_assert_eq!(from_line.as_ref(), Ok(invocation), "line {}", line);
    let from_args = parse_args(invocation.to_args());
    prop_assert_eq!(
        from_args.as_ref(),
        Ok(invocation),
        "args {:?}",
        invocation.to_args()
    );
    let discord = from_discord(&invocation.to_discord());
    let without_yes = Invocation {
        yes: false,
        page: None,
        ..invocation.clone()
    };
    prop_assert_eq!(
        discord.as_ref(),
        Ok(&without_yes),
        "discord {:?}",
        invocation.to_discord()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parse_line_never_panics_on_any_text(line in any::<String>()) {
        let _ = parse_line(&line);
        let _ = help_text(Some(&line));
    }

    #[test]
    fn parse_args_never_panics_on_any_words(words in prop::collection::vec(any::<String>(), 0..8)) {
        let _ = parse_args(&words);
    }

    #[test]
    fn command_like_noise_never_panics_and_what_parses_is_canonical(words in prop::collection::vec(token(), 0..10)) {
        if let Ok(invocation) = parse_line(&words.join(" ")) {
            assert_canonical(&invocation)?;
        }
        if let Ok(invocation) = parse_args(&words) {
            assert_canonical(&invocation)?;
        }
    }

    #[test]
    fn every_valid_invocation_round_trips(invocation in invocation()) {
        assert_canonical(&invocation)?;
    }

    #[test]
    fn errors_are_single_lines(words in prop::collection::vec(token(), 0..10)) {
        if let Err(error) = parse_args(&words) {
            let message = error.to_string();
            prop_assert!(!message.is_empty());
            // A value the user typed may contain a newline; the message's own text never does.
            let typed_newlines = words.iter().map(|w| w.matches('\n').count()).sum::<usize>();
            prop_assert!(message.matches('\n').count() <= typed_newlines, "{}", message);
        }
    }

    #[test]
    fn from_discord_never_panics(
        name in prop_oneof![Just("mimecast".to_string()), any::<String>()],
        top in prop::sample::select(VOCABULARY),
        sub in prop::sample::select(VOCABULARY),
        leaves in prop::collection::vec((prop::sample::select(VOCABULARY), token(), any::<i64>(), any::<bool>(), 0u8..4), 0..6),
        grouped_form in any::<bool>(),
    ) {
        let leaf: Vec<DiscordOption> = leaves
            .into_iter()
            .map(|(option, text, number, flag, kind)| {
                let option = option.trim_start_matches('-').to_string();
                let value = match kind {
                    0 => DiscordValue::String(text),
                    1 => DiscordValue::Integer(number),
                    2 => DiscordValue::Boolean(flag),
                    _ => DiscordValue::Number(number as f64 / 3.0),
                };
                DiscordOption::new(option, value)
            })
            .collect();
        let inner = DiscordOption::new(sub, DiscordValue::Subcommand(leaf.clone()));
        let options = if grouped_form {
            vec![DiscordOption::new(top, DiscordValue::SubcommandGroup(vec![inner]))]
        } else {
            vec![DiscordOption::new(top, DiscordValue::Subcommand(leaf))]
        };
        let invocation = DiscordInvocation { name, options };
        if let Ok(parsed) = from_discord(&invocation) {
            assert_canonical(&parsed)?;
        }
        let _ = DiscordInvocation::from_json(&invocation.to_json());
    }

    #[test]
    fn resolve_is_total_and_ordered(bound in date_bound(), secs in 0i64..8_000_000_000) {
        let now = DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default();
        prop_assert!(bound.resolve(now, false) <= bound.resolve(now, true));
        let date = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default();
        let _ = DateBound::Date(date).resolve(now, true);
    }
}
