//! The Discord schema against Discord's limits, and structured options against text lines.

mod support;

use mimecast_commands::discord::{
    CHOICES_MAX, DESCRIPTION_MAX, NAME_MAX, OPTIONS_MAX, TOTAL_CHARS_MAX, option_type,
};
use mimecast_commands::*;
use serde_json::{Value, json};
use support::*;

fn s(value: &str) -> DiscordValue {
    DiscordValue::String(value.to_string())
}

fn opt(name: &str, value: DiscordValue) -> DiscordOption {
    DiscordOption::new(name, value)
}

/// `/mimecast group sub options…`
fn grouped(group: &str, sub: &str, options: Vec<DiscordOption>) -> DiscordInvocation {
    DiscordInvocation {
        name: "mimecast".into(),
        options: vec![opt(
            group,
            DiscordValue::SubcommandGroup(vec![opt(sub, DiscordValue::Subcommand(options))]),
        )],
    }
}

/// `/mimecast sub options…`
fn top(sub: &str, options: Vec<DiscordOption>) -> DiscordInvocation {
    DiscordInvocation {
        name: "mimecast".into(),
        options: vec![opt(sub, DiscordValue::Subcommand(options))],
    }
}

// ---- the schema -------------------------------------------------------------------------------

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing string {key} in {value}"))
}

fn check_name(name: &str, at: &str) {
    let count = name.chars().count();
    assert!(
        (1..=NAME_MAX).contains(&count),
        "{at}: name '{name}' has {count} characters"
    );
    assert!(
        name.chars()
            .all(|c| c == '-' || c == '_' || c.is_alphabetic() || c.is_numeric()),
        "{at}: name '{name}' does not match ^[-_\\p{{L}}\\p{{N}}]{{1,32}}$"
    );
    assert_eq!(
        name,
        name.to_lowercase(),
        "{at}: name '{name}' is not lowercase"
    );
}

fn check_description(description: &str, at: &str) {
    let count = description.chars().count();
    assert!(
        (1..=DESCRIPTION_MAX).contains(&count),
        "{at}: description has {count} characters: {description}"
    );
}

/// Walks one option level, checking limits, and returns the characters it counts.
fn check_options(options: &[Value], parent_type: u64, at: &str) -> usize {
    assert!(
        options.len() <= OPTIONS_MAX,
        "{at}: {} options",
        options.len()
    );
    let mut names: Vec<&str> = options.iter().map(|o| str_of(o, "name")).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), options.len(), "{at}: duplicate option names");

    let mut total = 0;
    let mut seen_optional = false;
    for option in options {
        let name = str_of(option, "name");
        let here = format!("{at} {name}");
        let description = str_of(option, "description");
        check_name(name, &here);
        check_description(description, &here);
        total += name.chars().count() + description.chars().count();
        let kind = option.get("type").and_then(Value::as_u64).expect("type");
        match parent_type {
            // Under the command: groups or subcommands only.
            1 if at == "mimecast" => assert!(
                kind == u64::from(option_type::SUB_COMMAND_GROUP)
                    || kind == u64::from(option_type::SUB_COMMAND),
                "{here}: type {kind} at the top"
            ),
            // Under a group: subcommands only (no group within a group).
            2 => assert_eq!(
                kind,
                u64::from(option_type::SUB_COMMAND),
                "{here}: inside a group"
            ),
            // Under a subcommand: values only.
            _ => assert!(
                [
                    option_type::STRING,
                    option_type::INTEGER,
                    option_type::BOOLEAN
                ]
                .iter()
                .any(|t| u64::from(*t) == kind),
                "{here}: type {kind} in a subcommand"
            ),
        }
        if kind == u64::from(option_type::SUB_COMMAND)
            || kind == u64::from(option_type::SUB_COMMAND_GROUP)
        {
            let inner = option
                .get("options")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            assert!(
                option.get("required").is_none(),
                "{here}: subcommands take no required"
            );
            total += check_options(&inner, kind, &here);
            continue;
        }
        let required = option
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        assert!(
            !(required && seen_optional),
            "{here}: required option after an optional one"
        );
        seen_optional |= !required;
        if let Some(choices) = option.get("choices").and_then(Value::as_array) {
            assert!(
                !choices.is_empty() && choices.len() <= CHOICES_MAX,
                "{here}: {} choices",
                choices.len()
            );
            for choice in choices {
                let choice_name = str_of(choice, "name");
                let value = str_of(choice, "value");
                assert!(
                    (1..=100).contains(&choice_name.chars().count()),
                    "{here}: choice name {choice_name}"
                );
                assert!(
                    (1..=100).contains(&value.chars().count()),
                    "{here}: choice value {value}"
                );
                total += choice_name.chars().count() + value.chars().count();
            }
        }
    }
    total
}

#[test]
fn the_schema_keeps_every_discord_limit() {
    let schema = discord_commands_json();
    assert_eq!(schema["type"], json!(1), "CHAT_INPUT");
    let name = str_of(&schema, "name");
    assert_eq!(name, "mimecast");
    check_name(name, "command");
    let description = str_of(&schema, "description");
    check_description(description, "command");
    let options = schema["options"].as_array().expect("options");
    let total =
        name.chars().count() + description.chars().count() + check_options(options, 1, "mimecast");
    eprintln!("Discord schema: {total} of {TOTAL_CHARS_MAX} characters");
    assert!(
        total <= TOTAL_CHARS_MAX,
        "{total} characters > {TOTAL_CHARS_MAX}"
    );
}

#[test]
fn the_schema_has_groups_commands_and_short_forms() {
    let schema = discord_commands_json();
    let top: Vec<(&str, u64)> = schema["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| (str_of(o, "name"), o["type"].as_u64().expect("type")))
        .collect();
    assert_eq!(
        top,
        [
            ("messages", 2),
            ("ttp", 2),
            ("archive", 2),
            ("url", 2),
            ("summary", 1),
            ("audit", 1),
            ("help", 1),
            ("search", 1),
            ("held", 1),
            ("release", 1),
            ("reject", 1),
        ]
    );
    let urls = &schema["options"][1]["options"][0];
    assert_eq!(urls["name"], "urls");
    let result = urls["options"]
        .as_array()
        .expect("options")
        .iter()
        .find(|o| o["name"] == "result")
        .expect("result");
    assert_eq!(result["type"], json!(3));
    assert_eq!(
        result["choices"],
        json!([
            {"name": "clean", "value": "clean"},
            {"name": "malicious", "value": "malicious"},
            {"name": "all", "value": "all"},
        ])
    );
    let release = &schema["options"][9];
    assert_eq!(release["name"], "release");
    let names: Vec<&str> = release["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| str_of(o, "name"))
        .collect();
    assert_eq!(
        names,
        ["id", "reason", "output"],
        "--yes is not offered in Discord"
    );
    assert_eq!(release["options"][0]["required"], json!(true));
    let held = &schema["options"][8];
    assert_eq!(
        held["options"][0],
        json!({
            "type": 5, "name": "admin", "description": "Every recipient's held mail, not just the bot's",
            "required": false,
        })
    );
}

#[test]
fn audit_offers_an_integer_limit_from_1_to_100() {
    let schema = discord_commands_json();
    let audit = schema["options"]
        .as_array()
        .expect("options")
        .iter()
        .find(|o| o["name"] == "audit")
        .expect("audit");
    assert_eq!(audit["type"], json!(option_type::SUB_COMMAND));
    assert_eq!(
        audit["description"],
        "Recent approval audit entries (approvers only)"
    );
    assert_eq!(
        audit["options"][0],
        json!({
            "type": 4, "name": "limit", "description": "Number of entries", "required": false,
            "min_value": 1, "max_value": 100,
        })
    );
    assert_eq!(audit["options"][1]["name"], "output");
    assert_eq!(audit["options"].as_array().map(Vec::len), Some(2));
}

/// Every choice the schema offers is accepted by the parser for that subcommand.
#[test]
fn every_offered_choice_parses() {
    let schema = discord_commands_json();
    let mut checked = 0;
    for top_option in schema["options"].as_array().expect("options") {
        let group = str_of(top_option, "name");
        let subs: Vec<Value> = if top_option["type"] == json!(2) {
            top_option["options"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        } else {
            vec![top_option.clone()]
        };
        for sub in subs {
            let sub_name = str_of(&sub, "name");
            let options = sub["options"].as_array().cloned().unwrap_or_default();
            // The smallest valid set: each required option, plus one of a one-of set.
            let base: Vec<DiscordOption> = match (group, sub_name) {
                (_, "search") if group != "archive" => vec![opt("subject", s("invoice"))],
                _ => options
                    .iter()
                    .filter(|o| o["required"] == json!(true))
                    .map(|o| match str_of(o, "name") {
                        "id" => opt("id", s("MSG1")),
                        "query" => opt("query", s("invoice")),
                        "url" => opt("url", s("https://example.com/x")),
                        other => panic!("no sample for required {other}"),
                    })
                    .collect(),
            };
            for option in &options {
                for choice in option["choices"].as_array().cloned().unwrap_or_default() {
                    let mut leaf = base.clone();
                    leaf.push(opt(str_of(option, "name"), s(str_of(&choice, "value"))));
                    let invocation = if group == sub_name {
                        top(sub_name, leaf)
                    } else {
                        grouped(group, sub_name, leaf)
                    };
                    let parsed = from_discord(&invocation);
                    assert!(parsed.is_ok(), "{group} {sub_name} {choice}: {parsed:?}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 40, "only {checked} choices checked");
}

// ---- structured options == text ---------------------------------------------------------------

#[test]
fn structured_options_parse_to_the_same_command_as_text() {
    let cases: Vec<(&str, DiscordInvocation)> = vec![
        (
            "/mimecast held --admin",
            top("held", vec![opt("admin", DiscordValue::Boolean(true))]),
        ),
        (
            "messages held --admin",
            grouped(
                "messages",
                "held",
                vec![opt("admin", DiscordValue::Boolean(true))],
            ),
        ),
        (
            "messages held",
            grouped(
                "messages",
                "held",
                vec![opt("admin", DiscordValue::Boolean(false))],
            ),
        ),
        (
            "ttp urls --start 2024-01-01 --result malicious",
            grouped(
                "ttp",
                "urls",
                vec![opt("start", s("2024-01-01")), opt("result", s("malicious"))],
            ),
        ),
        (
            "ttp urls --start 2024-01-01 --route all",
            grouped("ttp", "urls", vec![opt("start", s("2024-01-01"))]),
        ),
        (
            "ttp impersonation --start 2024-01-01 --action blocked",
            grouped(
                "ttp",
                "impersonation",
                vec![opt("start", s("2024-01-01")), opt("action", s("blocked"))],
            ),
        ),
        (
            "ttp attachments --start 7d --end 24h --result unsafe --output json",
            grouped(
                "ttp",
                "attachments",
                vec![
                    opt("output", s("json")),
                    opt("result", s("unsafe")),
                    opt("end", s("24h")),
                    opt("start", s("7d")),
                ],
            ),
        ),
        (
            "release MSG123",
            top("release", vec![opt("id", s("MSG123"))]),
        ),
        (
            "messages release --id MSG123",
            top("release", vec![opt("id", s("MSG123"))]),
        ),
        (
            "messages release --id MESSAGE_ID --reason REASON_ID",
            grouped(
                "messages",
                "release",
                vec![opt("id", s("MESSAGE_ID")), opt("reason", s("REASON_ID"))],
            ),
        ),
        (
            "reject MSG1 --reason-type undesirable-content --message \"Phishing, do not resend\" --notify",
            top(
                "reject",
                vec![
                    opt("id", s("MSG1")),
                    opt("reason-type", s("undesirable-content")),
                    opt("message", s("Phishing, do not resend")),
                    opt("notify", DiscordValue::Boolean(true)),
                ],
            ),
        ),
        (
            "search --from sender@example.com --output json",
            grouped(
                "messages",
                "search",
                vec![
                    opt("from", s("sender@example.com")),
                    opt("output", s("json")),
                ],
            ),
        ),
        (
            "archive search --query \"invoice\" --start 2024-01-01 --end 2024-06-30",
            grouped(
                "archive",
                "search",
                vec![
                    opt("query", s("invoice")),
                    opt("start", s("2024-01-01")),
                    opt("end", s("2024-06-30")),
                ],
            ),
        ),
        (
            "release 12345",
            top("release", vec![opt("id", DiscordValue::Integer(12345))]),
        ),
        (
            "url decode https://protect-eu.mimecast.com/s/AbCdEf",
            grouped(
                "url",
                "decode",
                vec![opt("url", s("https://protect-eu.mimecast.com/s/AbCdEf"))],
            ),
        ),
        (
            "summary --kind impersonation --date yesterday",
            top(
                "summary",
                vec![opt("kind", s("impersonation")), opt("date", s("yesterday"))],
            ),
        ),
        (
            "help ttp urls",
            top("help", vec![opt("topic", s("ttp urls"))]),
        ),
        (
            "help held",
            top("help", vec![opt("topic", s("messages held"))]),
        ),
        ("help", top("help", vec![])),
        ("audit", top("audit", vec![])),
        (
            "audit --limit 50",
            top("audit", vec![opt("limit", DiscordValue::Integer(50))]),
        ),
        (
            "/mimecast audit --limit=5",
            top("audit", vec![opt("limit", s("5"))]),
        ),
        (
            "audit --limit 100 --output json",
            top(
                "audit",
                vec![
                    opt("output", s("json")),
                    opt("limit", DiscordValue::Integer(100)),
                ],
            ),
        ),
        (
            "audit",
            top("audit", vec![opt("limit", DiscordValue::Integer(20))]),
        ),
    ];
    for (line, structured) in cases {
        let from_text = parse_line(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(from_discord(&structured), Ok(from_text), "{line}");
    }
}

#[test]
fn every_reference_line_round_trips_through_discord() {
    let lines = [
        "messages search --from sender@example.com --start 2024-01-01 --end 2024-01-31",
        "messages search --subject \"invoice\"",
        "messages held --start 2024-01-01 --end 2024-01-31",
        "messages release --id MESSAGE_ID --reason REASON_ID",
        "ttp urls --start 2024-01-01 --route inbound",
        "ttp attachments --start 2024-01-01 --result malicious",
        "ttp impersonation --start 2024-01-01 --action blocked",
        "archive search --query \"project report\"",
        "messages search --from suspicious@sender.com --output json",
        "ttp urls --start $(date +%Y-%m-%d) --output json",
        "audit",
        "audit --limit 50",
        "audit --limit 1 --output json",
    ];
    for line in lines {
        let from_text = parse_line(line).expect(line);
        let structured = from_text.to_discord();
        assert_eq!(from_discord(&structured).as_ref(), Ok(&from_text), "{line}");
        // Through Discord's JSON wire form as well.
        let wire = structured.to_json();
        let read = DiscordInvocation::from_json(&wire).expect("reads back");
        assert_eq!(read, structured, "{line}");
        assert_eq!(from_discord(&read).as_ref(), Ok(&from_text), "{line}");
    }
}

#[test]
fn raw_interaction_data_as_discord_sends_it() {
    let data = json!({
        "id": "1234", "name": "mimecast", "type": 1,
        "options": [{
            "name": "ttp", "type": 2,
            "options": [{
                "name": "urls", "type": 1,
                "options": [
                    {"name": "start", "type": 3, "value": "2024-01-01"},
                    {"name": "result", "type": 3, "value": "malicious"}
                ]
            }]
        }]
    });
    let invocation = DiscordInvocation::from_json(&data).expect("valid data");
    assert_eq!(
        from_discord(&invocation),
        Ok(text(urls(
            from(2024, 1, 1),
            Route::All,
            UrlResult::Malicious
        )))
    );
    let held = json!({"name": "mimecast", "options": [{"name": "held", "type": 1, "options": [{"name": "admin", "type": 5, "value": true}]}]});
    assert_eq!(
        DiscordInvocation::from_json(&held).and_then(|d| from_discord(&d)),
        Ok(text(support::held(true, range(None, None))))
    );
    let audit = json!({"name": "mimecast", "type": 1, "options": [{"name": "audit", "type": 1, "options": [{"name": "limit", "type": 4, "value": 50}]}]});
    let audit = DiscordInvocation::from_json(&audit).expect("valid data");
    assert_eq!(from_discord(&audit), Ok(text(support::audit(50))));
    assert_eq!(
        parse_line("audit --limit 50").map(|i| i.to_discord()),
        Ok(audit),
        "the limit goes out as an INTEGER"
    );
    let bad = json!({"name": "mimecast", "options": [{"name": "held", "type": 1, "options": [{"name": "admin", "type": 5, "value": "yes"}]}]});
    assert_eq!(
        DiscordInvocation::from_json(&bad).map_err(|e| e.to_string()),
        Err("unexpected Discord command data (option admin has a value that does not match its type); \
             run mimecast-bot register to update the commands"
            .to_string())
    );
}

#[test]
fn structured_errors_read_like_text_errors() {
    let cases: Vec<(DiscordInvocation, &str)> = vec![
        (
            grouped("ttp", "urls", vec![opt("result", s("evil"))]),
            "unknown value 'evil' for --result; use one of: clean, malicious, all",
        ),
        (
            grouped(
                "ttp",
                "urls",
                vec![opt("start", s("2024-02-01")), opt("end", s("2024-01-01"))],
            ),
            "--start 2024-02-01 is after --end 2024-01-01; give a --start on or before the --end",
        ),
        (
            grouped("messages", "search", vec![opt("from", s("bob@"))]),
            "'bob@' is not an email address; type e.g. --from alice@example.com",
        ),
        (
            top("release", vec![]),
            "missing --id; type e.g. messages release --id MESSAGE_ID",
        ),
        (
            top(
                "release",
                vec![
                    opt("id", s("MSG1")),
                    opt("yes", DiscordValue::Boolean(true)),
                ],
            ),
            "unknown option --yes for messages release; it is for the one-shot CLI only",
        ),
        (
            top("release", vec![opt("id", s("MSG1")), opt("id", s("MSG2"))]),
            "--id is given twice; give it once",
        ),
        (
            top("audit", vec![opt("limit", DiscordValue::Integer(0))]),
            "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
        ),
        (
            top("audit", vec![opt("limit", DiscordValue::Integer(101))]),
            "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
        ),
        (
            top("audit", vec![opt("limit", DiscordValue::Integer(-3))]),
            "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
        ),
        (
            top("audit", vec![opt("limit", DiscordValue::Number(1.5))]),
            "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
        ),
        (
            top("audit", vec![opt("limit", s("abc"))]),
            "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
        ),
        (
            top("audit", vec![opt("limit", DiscordValue::Boolean(true))]),
            "--limit must be a whole number from 1 to 100; type e.g. audit --limit 20",
        ),
        (
            top("deploy", vec![]),
            "unknown command 'deploy'; type help to list the commands",
        ),
        (
            DiscordInvocation {
                name: "other".into(),
                options: vec![],
            },
            "/other is not this bot's command; use /mimecast",
        ),
        (
            DiscordInvocation {
                name: "mimecast".into(),
                options: vec![],
            },
            "unexpected Discord command data (expected exactly one subcommand under /mimecast); \
             run mimecast-bot register to update the commands",
        ),
        (
            DiscordInvocation {
                name: "mimecast".into(),
                options: vec![opt("messages", DiscordValue::Subcommand(vec![]))],
            },
            "unknown command 'messages'; type help to list the commands",
        ),
        (
            DiscordInvocation {
                name: "mimecast".into(),
                options: vec![opt("held", s("x"))],
            },
            "unexpected Discord command data (held is not a subcommand); run mimecast-bot register to update the commands",
        ),
    ];
    for (invocation, message) in cases {
        assert_eq!(
            from_discord(&invocation).map_err(|e| e.to_string()),
            Err(message.to_string()),
            "{invocation:?}"
        );
    }
}
