//! Invalid lines → the exact one-line message the user sees.

use mimecast_commands::{parse_args, parse_line, split_line};

const INVALID: &[(&str, &str)] = &[
    ("", "no command given; type help to list the commands"),
    ("   \t ", "no command given; type help to list the commands"),
    (
        "/mimecast",
        "no command given; type help to list the commands",
    ),
    // Unknown commands suggest the closest.
    (
        "mesages held",
        "unknown command 'mesages'; did you mean 'messages'? type help to list the commands",
    ),
    (
        "tpp urls",
        "unknown command 'tpp'; did you mean 'ttp'? type help to list the commands",
    ),
    (
        "hled",
        "unknown command 'hled'; did you mean 'held'? type help to list the commands",
    ),
    (
        "messages hled",
        "unknown command 'messages hled'; did you mean 'messages held'?",
    ),
    (
        "ttp url",
        "unknown command 'ttp url'; did you mean 'ttp urls'?",
    ),
    (
        "messages foo",
        "unknown command 'messages foo'; messages takes: search, held, release, reject",
    ),
    (
        "deploy",
        "unknown command 'deploy'; type help to list the commands",
    ),
    (
        "help frobnicate",
        "unknown command 'frobnicate'; type help to list the commands",
    ),
    (
        "help messages hled",
        "unknown command 'messages hled'; did you mean 'messages held'?",
    ),
    (
        "messages",
        "messages needs a subcommand; use one of: search, held, release, reject \
         (e.g. messages search --from sender@example.com)",
    ),
    (
        "ttp --start today",
        "ttp needs a subcommand; use one of: urls, attachments, impersonation (e.g. ttp urls --start 2024-01-01)",
    ),
    (
        "--output json held",
        "expected a command, found --output; put the command first, e.g. messages held --admin",
    ),
    // Options.
    (
        "messages search --form a@example.com",
        "unknown option --form for messages search; did you mean --from?",
    ),
    (
        "ttp urls --reslt malicious",
        "unknown option --reslt for ttp urls; did you mean --result?",
    ),
    (
        "ttp urls --zzzz 1",
        "unknown option --zzzz for ttp urls; use one of: --start, --end, --route, --result, --output, --page",
    ),
    (
        "messages held -admin",
        "unknown option -admin for messages held; options start with two dashes, e.g. --admin",
    ),
    (
        "messages held -x",
        "unknown option -x for messages held; use one of: --admin, --start, --end, --output, --page",
    ),
    (
        "ttp impersonation --action blocked --yes",
        "unknown option --yes for ttp impersonation; use one of: --start, --end, --action, --output, --page",
    ),
    (
        "messages held --start",
        "--start needs a value; type e.g. --start 2024-01-01",
    ),
    (
        "messages held --start --admin",
        "--start needs a value; type e.g. --start 2024-01-01",
    ),
    (
        "messages held --admin=maybe",
        "'maybe' is not a value for --admin; type --admin alone to turn it on, or --admin=false",
    ),
    (
        "messages search --from a@example.com --from b@example.com",
        "--from is given twice; give it once",
    ),
    (
        "release MSG1 --id MSG2",
        "--id is given twice; give it once",
    ),
    (
        "messages held extra",
        "unexpected argument 'extra' for messages held; type e.g. messages held --admin",
    ),
    (
        "release A B",
        "unexpected argument 'B' for messages release; type e.g. messages release --id MESSAGE_ID",
    ),
    // Required options.
    (
        "messages release",
        "missing --id; type e.g. messages release --id MESSAGE_ID",
    ),
    (
        "messages release --reason REASON_ID",
        "missing --id; type e.g. messages release --id MESSAGE_ID",
    ),
    (
        "reject --notify",
        "missing --id; type e.g. messages reject --id MESSAGE_ID",
    ),
    (
        "archive search",
        "missing --query; type e.g. archive search --query invoice",
    ),
    (
        "url decode",
        "missing --url; type e.g. url decode --url https://protect-eu.mimecast.com/s/AbCdEf",
    ),
    (
        "messages search",
        "messages search needs at least one of --from, --to, --subject; type e.g. messages search --from alice@example.com",
    ),
    (
        "search --start 2024-01-01 --end 2024-01-31",
        "messages search needs at least one of --from, --to, --subject; type e.g. messages search --from alice@example.com",
    ),
    // Enum values.
    (
        "ttp urls --result evil",
        "unknown value 'evil' for --result; use one of: clean, malicious, all",
    ),
    (
        "ttp urls --route sideways",
        "unknown value 'sideways' for --route; use one of: inbound, outbound, internal, all",
    ),
    (
        "ttp attachments --result clean",
        "unknown value 'clean' for --result; use one of: safe, malicious, timeout, error, unsafe, all",
    ),
    (
        "ttp impersonation --action stopped",
        "unknown value 'stopped' for --action; use one of: blocked, all, hold, bounce, delete, remove_email, \
         smart_folder, disable_smart_folder, content_expire, meta_expire, stationery, gcc, secure_delivery, \
         delivery_route, document_policy, disable_document_policy, attach_set_policy",
    ),
    (
        "reject MSG1 --reason-type rude",
        "unknown value 'rude' for --reason-type; use one of: undesirable-content, confidential-information, \
         reviewer-disapproves, inappropriate-communication, against-email-policies",
    ),
    (
        "summary --kind everything",
        "unknown value 'everything' for --kind; use one of: all, impersonation, urls, attachments",
    ),
    (
        "held --output xml",
        "unknown value 'xml' for --output; use one of: text, json",
    ),
    (
        "ttp urls --route=",
        "unknown value '' for --route; use one of: inbound, outbound, internal, all",
    ),
    // Counts.
    (
        "audit --limit 0",
        "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
    ),
    (
        "audit --limit abc",
        "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
    ),
    (
        "audit --limit 101",
        "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
    ),
    (
        "audit --limit -3",
        "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
    ),
    (
        "audit --limit 1.5",
        "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
    ),
    (
        "/mimecast audit --limit=+5",
        "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
    ),
    (
        "audit --limit=",
        "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
    ),
    (
        "audit --limit 1e2",
        "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
    ),
    (
        "audit --limit 99999999999999999999",
        "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
    ),
    (
        "audit --limit",
        "--limit needs a value; type e.g. --limit 20",
    ),
    (
        "audit --limit 5 --limit 6",
        "--limit is given twice; give it once",
    ),
    (
        "audit --limt 5",
        "unknown option --limt for audit; did you mean --limit?",
    ),
    (
        "audit 5",
        "unexpected argument '5' for audit; type e.g. audit --limit 50",
    ),
    (
        "audit --admin",
        "unknown option --admin for audit; use one of: --limit, --output",
    ),
    // Addresses.
    (
        "messages search --from bob@",
        "'bob@' is not an email address; type e.g. --from alice@example.com",
    ),
    (
        "search --to a@b",
        "'a@b' is not an email address; type e.g. --to alice@example.com",
    ),
    (
        "messages search --from bob",
        "'bob' is not an email address or domain; type e.g. --from alice@example.com or --from example.com",
    ),
    // Dates.
    (
        "ttp urls --start 2024-02-01 --end 2024-01-01",
        "--start 2024-02-01 is after --end 2024-01-01; give a --start on or before the --end",
    ),
    (
        "messages held --start 2024-01-01T12:00:00Z --end 2024-01-01T11:00:00Z",
        "--start 2024-01-01T12:00:00Z is after --end 2024-01-01T11:00:00Z; give a --start on or before the --end",
    ),
    (
        "ttp urls --start 2024-13-01",
        "'2024-13-01' is not a date for --start; type e.g. --start 2024-01-01 (or 2024-01-01T09:00:00Z, today, yesterday, 7d, 24h)",
    ),
    (
        "archive search --query x --end 31/01/2024",
        "'31/01/2024' is not a date for --end; type e.g. --end 2024-01-01 (or 2024-01-01T09:00:00Z, today, yesterday, 7d, 24h)",
    ),
    (
        "ttp urls --start 2024-01-01T09:00:00",
        "'2024-01-01T09:00:00' has no time zone for --start; add one, e.g. --start 2024-01-01T09:00:00Z for UTC",
    ),
    (
        "ttp urls --start 9999d",
        "'9999d' is too far back for --start; use at most 3650d or 87600h, or a date such as 2024-01-01",
    ),
    (
        "summary --date 24h",
        "'24h' is not a day for --date; type e.g. --date 2024-01-01 (or today, yesterday, 3d)",
    ),
    // Text, ids, URLs.
    (
        "archive search --query ''",
        "--query is empty; type e.g. --query invoice",
    ),
    (
        "messages search --subject \"a\nb\"",
        "--subject contains a line break or control character; type it on one line",
    ),
    (
        "release 'a b'",
        "'a b' is not a message id; ids are one word, e.g. --id MSG123 (see messages held)",
    ),
    (
        "url decode --url example.com",
        "'example.com' is not a URL; type e.g. --url https://protect-eu.mimecast.com/s/AbCdEf",
    ),
    // Lexing.
    (
        "archive search --query \"project report",
        "unterminated \" quote; close it with \", or put a backslash before a quote meant literally",
    ),
    (
        "archive search --query 'it",
        "unterminated ' quote; close it with ', or put a backslash before a quote meant literally",
    ),
    (
        "held \\",
        "the line ends with a lone backslash; remove it, or type \\\\ for a backslash",
    ),
    (
        "ttp urls --start $(whoami)",
        "$(whoami) cannot run here; type the value itself, e.g. --start today or --start 2024-01-01",
    ),
    (
        "ttp urls --start $(date",
        "unterminated $( ; type the date itself instead, e.g. --start today or --start 2024-01-01",
    ),
];

#[test]
fn invalid_lines_give_the_exact_message() {
    for (line, message) in INVALID {
        match parse_line(line) {
            Ok(invocation) => panic!("{line:?} parsed as {invocation:?}"),
            Err(error) => assert_eq!(error.to_string(), *message, "{line:?}"),
        }
    }
}

#[test]
fn split_argv_gives_the_same_messages() {
    for (line, message) in INVALID {
        // Lines the lexer refuses never reach parse_args as argv.
        let Ok(words) = split_line(line) else {
            continue;
        };
        let words: Vec<String> = match words.first() {
            Some(first) if first == "/mimecast" => words[1..].to_vec(),
            _ => words,
        };
        let error = parse_args(&words).expect_err(line);
        assert_eq!(error.to_string(), *message, "{line:?}");
    }
}

#[test]
fn every_message_is_one_line() {
    for (line, _) in INVALID {
        if let Err(error) = parse_line(line) {
            assert!(!error.to_string().contains('\n'), "{line:?}");
        }
    }
}

#[test]
fn a_value_too_long_is_refused() {
    let line = format!("archive search --query {}", "x".repeat(1001));
    assert_eq!(
        parse_line(&line).map_err(|e| e.to_string()),
        Err("--query is longer than 1000 characters; shorten it".to_string())
    );
    let ok = format!("archive search --query {}", "x".repeat(1000));
    assert!(parse_line(&ok).is_ok());
}
