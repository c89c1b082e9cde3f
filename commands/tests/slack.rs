//! The Slack app manifest: the checked-in file, the URLs, and Slack's limits.

use mimecast_commands::slack::{
    BOT_SCOPES, COMMANDS_PATH, INTERACTIONS_PATH,
    limits::{
        APP_DESCRIPTION_MAX, APP_NAME_MAX, BOT_DISPLAY_NAME_MAX, COMMAND_DESCRIPTION_MAX,
        COMMAND_MAX, COMMAND_URL_MAX, REQUEST_URL_MAX, SCOPE_MAX, USAGE_HINT_MAX,
    },
};
use mimecast_commands::spec::{COMMANDS, GROUPS};
use mimecast_commands::{SLACK_MANIFEST_PLACEHOLDER_URL, slack_manifest, slack_usage_hint};
use serde_json::Value;

/// The command that regenerates the checked-in manifest.
const REGENERATE: &str = "(from the workspace root) cargo run -q -p mimecast-commands --example slack_manifest > commands/slack-manifest.json";

fn at<'a>(value: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(value, |v, key| {
        v.get(key)
            .unwrap_or_else(|| panic!("no {} in the manifest", path.join(".")))
    })
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    at(value, path)
        .as_str()
        .unwrap_or_else(|| panic!("{} is not a string", path.join(".")))
}

/// The one slash command.
fn slash_command(manifest: &Value) -> &Value {
    let commands = at(manifest, &["features", "slash_commands"])
        .as_array()
        .expect("slash_commands is a list");
    assert_eq!(commands.len(), 1, "one slash command");
    &commands[0]
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

#[test]
fn the_checked_in_manifest_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/slack-manifest.json");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {path} ({e}); create it with: {REGENERATE}"));
    let checked_in: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{path} is not JSON ({e}); regenerate it with: {REGENERATE}"));
    assert!(
        checked_in == slack_manifest(SLACK_MANIFEST_PLACEHOLDER_URL),
        "{path} is out of date with the command table; regenerate it with: {REGENERATE}"
    );
    assert!(
        text.ends_with("}\n"),
        "{path} should end with one newline; regenerate it with: {REGENERATE}"
    );
}

#[test]
fn the_urls_use_the_base_url() {
    for base in [
        "https://bot.example.org",
        "https://bot.example.org/",
        "https://bot.example.org//",
    ] {
        let manifest = slack_manifest(base);
        assert_eq!(
            str_at(slash_command(&manifest), &["url"]),
            format!("https://bot.example.org{COMMANDS_PATH}"),
            "{base}"
        );
        assert_eq!(
            str_at(&manifest, &["settings", "interactivity", "request_url"]),
            format!("https://bot.example.org{INTERACTIONS_PATH}"),
            "{base}"
        );
    }
    let manifest = slack_manifest("http://10.0.0.5:8080/mimecast/");
    assert_eq!(
        str_at(slash_command(&manifest), &["url"]),
        "http://10.0.0.5:8080/mimecast/slack/commands"
    );
    assert_eq!(
        str_at(&manifest, &["settings", "interactivity", "request_url"]),
        "http://10.0.0.5:8080/mimecast/slack/interactions"
    );
}

#[test]
fn every_command_appears_in_the_usage_hint() {
    let hint = slack_usage_hint();
    let words: Vec<&str> = hint
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    for group in GROUPS {
        assert!(words.contains(&group.name), "{}: {hint}", group.name);
    }
    for command in COMMANDS {
        for word in command.group.iter().chain([&command.name]) {
            assert!(words.contains(word), "{}: {hint}", command.path());
        }
    }
    let manifest = slack_manifest(SLACK_MANIFEST_PLACEHOLDER_URL);
    assert_eq!(str_at(slash_command(&manifest), &["usage_hint"]), hint);
}

#[test]
fn the_manifest_is_within_slacks_limits() {
    let manifest = slack_manifest(SLACK_MANIFEST_PLACEHOLDER_URL);
    let within = |path: &[&str], value: &str, min: usize, max: usize| {
        let n = chars(value);
        assert!(
            (min..=max).contains(&n),
            "{}: {n} characters, Slack allows {min}-{max}: {value}",
            path.join(".")
        );
    };

    let name = str_at(&manifest, &["display_information", "name"]);
    within(&["display_information", "name"], name, 1, APP_NAME_MAX);
    let description = str_at(&manifest, &["display_information", "description"]);
    within(
        &["display_information", "description"],
        description,
        1,
        APP_DESCRIPTION_MAX,
    );
    let colour = str_at(&manifest, &["display_information", "background_color"]);
    assert!(
        colour.starts_with('#')
            && matches!(colour.len(), 4 | 7)
            && colour[1..].bytes().all(|b| b.is_ascii_hexdigit()),
        "background_color must be #rgb or #rrggbb: {colour}"
    );

    let bot = str_at(&manifest, &["features", "bot_user", "display_name"]);
    within(&["bot_user", "display_name"], bot, 1, BOT_DISPLAY_NAME_MAX);
    assert!(
        bot.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b)),
        "bot display_name allows a-z, 0-9, -, _ and .: {bot}"
    );

    let command = slash_command(&manifest);
    let slash = str_at(command, &["command"]);
    assert!(slash.starts_with('/'), "{slash}");
    within(&["slash_commands", "command"], slash, 2, COMMAND_MAX);
    within(
        &["slash_commands", "description"],
        str_at(command, &["description"]),
        1,
        COMMAND_DESCRIPTION_MAX,
    );
    within(
        &["slash_commands", "usage_hint"],
        str_at(command, &["usage_hint"]),
        1,
        USAGE_HINT_MAX,
    );
    let url = str_at(command, &["url"]);
    assert!(url.starts_with("https://"), "{url}");
    within(&["slash_commands", "url"], url, 1, COMMAND_URL_MAX);
    let request_url = str_at(&manifest, &["settings", "interactivity", "request_url"]);
    assert!(request_url.starts_with("https://"), "{request_url}");
    within(
        &["interactivity", "request_url"],
        request_url,
        1,
        REQUEST_URL_MAX,
    );

    let scopes = at(&manifest, &["oauth_config", "scopes", "bot"]);
    let scopes: Vec<&str> = scopes
        .as_array()
        .expect("bot scopes is a list")
        .iter()
        .map(|s| s.as_str().expect("a scope is a string"))
        .collect();
    assert_eq!(scopes, BOT_SCOPES);
    for scope in scopes {
        within(&["oauth_config", "scopes", "bot"], scope, 1, SCOPE_MAX);
    }
}

/// Slack refuses unknown keys (`additionalProperties: false` throughout schema version 1).
#[test]
fn the_manifest_uses_only_slacks_field_names() {
    fn keys_within(value: &Value, path: &str, allowed: &[&str]) {
        let object = value
            .as_object()
            .unwrap_or_else(|| panic!("{path} is not an object"));
        for key in object.keys() {
            assert!(
                allowed.contains(&key.as_str()),
                "unknown field {path}.{key}"
            );
        }
    }
    let manifest = slack_manifest(SLACK_MANIFEST_PLACEHOLDER_URL);
    keys_within(
        &manifest,
        "",
        &[
            "_metadata",
            "display_information",
            "features",
            "oauth_config",
            "settings",
        ],
    );
    keys_within(
        at(&manifest, &["_metadata"]),
        "_metadata",
        &["major_version", "minor_version"],
    );
    assert_eq!(at(&manifest, &["_metadata", "major_version"]), 1);
    assert_eq!(at(&manifest, &["_metadata", "minor_version"]), 1);
    keys_within(
        at(&manifest, &["display_information"]),
        "display_information",
        &[
            "name",
            "description",
            "background_color",
            "long_description",
        ],
    );
    keys_within(
        at(&manifest, &["features"]),
        "features",
        &["app_home", "bot_user", "shortcuts", "slash_commands"],
    );
    keys_within(
        at(&manifest, &["features", "bot_user"]),
        "features.bot_user",
        &["display_name", "always_online"],
    );
    keys_within(
        slash_command(&manifest),
        "features.slash_commands[0]",
        &[
            "command",
            "url",
            "description",
            "usage_hint",
            "should_escape",
        ],
    );
    keys_within(
        at(&manifest, &["oauth_config"]),
        "oauth_config",
        &["redirect_urls", "scopes"],
    );
    keys_within(
        at(&manifest, &["oauth_config", "scopes"]),
        "oauth_config.scopes",
        &["bot", "user"],
    );
    keys_within(
        at(&manifest, &["settings"]),
        "settings",
        &[
            "interactivity",
            "org_deploy_enabled",
            "socket_mode_enabled",
            "token_rotation_enabled",
        ],
    );
    keys_within(
        at(&manifest, &["settings", "interactivity"]),
        "settings.interactivity",
        &["is_enabled", "request_url", "message_menu_options_url"],
    );
    assert_eq!(
        at(&manifest, &["settings", "interactivity", "is_enabled"]),
        true
    );
    assert_eq!(at(slash_command(&manifest), &["should_escape"]), false);
}
