//! Slack: the app manifest (JSON) that creates or updates the Slack app for `/mimecast`.
//!
//! [`slack_manifest`] builds it from the command table, so the slash command's usage hint
//! lists every command the grammar knows. The checked-in `commands/slack-manifest.json` is
//! this manifest for [`SLACK_MANIFEST_PLACEHOLDER_URL`]; regenerate it with
//!
//! ```text
//! cargo run -q -p mimecast-commands --example slack_manifest > commands/slack-manifest.json
//! ```
//!
//! and paste it (with the real base URL: pass it as the example's argument) into
//! "Create New App → From an app manifest" on api.slack.com.
//!
//! The limits below are those of Slack's manifest schema version 1
//! (`slackapi/manifest-schema`, `schemas/manifest.schema.1.0.0.json`), which the
//! `@slack/web-api` manifest types document the same way.

use serde_json::{Value, json};

use crate::CHAT_PREFIX;
use crate::discord::COMMAND_DESCRIPTION;
use crate::spec::{self, COMMANDS, GROUPS};

/// The base URL written into the checked-in `commands/slack-manifest.json`; replace it with
/// where the bot's HTTP listener is reachable when installing the app.
pub const SLACK_MANIFEST_PLACEHOLDER_URL: &str = "https://mimecast-bot.example.com";

/// Path (under the base URL) of the slash command request URL: Slack POSTs `/mimecast`
/// invocations here.
pub const COMMANDS_PATH: &str = "/slack/commands";
/// Path (under the base URL) of the interactivity request URL: Slack POSTs button clicks
/// (approve, reject, next page) here.
pub const INTERACTIONS_PATH: &str = "/slack/interactions";

/// The app's name (`display_information.name`).
pub const APP_NAME: &str = "Mimecast Bot";
/// The app's one-sentence description (`display_information.description`).
pub const APP_DESCRIPTION: &str = "Investigate and contain email threats on Mimecast from Slack: \
     search mail, review TTP logs and release or reject held messages.";
/// The background colour of the app's hovercards (`display_information.background_color`).
pub const APP_BACKGROUND_COLOR: &str = "#1d3557";
/// The bot user's display name (`features.bot_user.display_name`).
pub const BOT_DISPLAY_NAME: &str = "mimecast-bot";

/// The bot token scopes requested at install (`oauth_config.scopes.bot`), each with its use:
///
/// - `commands`: adds the `/mimecast` slash command;
/// - `chat:write`: posts replies, approval requests and their outcomes (`chat.postMessage`,
///   `chat.update`);
/// - `usergroups:read`: approver roles can be Slack user groups; the bot resolves their
///   members with `usergroups.users.list`.
pub const BOT_SCOPES: &[&str] = &["commands", "chat:write", "usergroups:read"];

/// Slack's limits on manifest fields (schema version 1), in characters.
pub mod limits {
    /// `display_information.name`: 1-35.
    pub const APP_NAME_MAX: usize = 35;
    /// `display_information.description`: 1-140.
    pub const APP_DESCRIPTION_MAX: usize = 140;
    /// `features.bot_user.display_name`: 1-80 (`a-z`, `0-9`, `-`, `_`, `.`).
    pub const BOT_DISPLAY_NAME_MAX: usize = 80;
    /// `features.slash_commands[].command`: 2-32, leading `/` included.
    pub const COMMAND_MAX: usize = 32;
    /// `features.slash_commands[].description`: 1-2000.
    pub const COMMAND_DESCRIPTION_MAX: usize = 2000;
    /// `features.slash_commands[].usage_hint`: 1-1000.
    pub const USAGE_HINT_MAX: usize = 1000;
    /// `features.slash_commands[].url`: at most 3000, `http(s)://`.
    pub const COMMAND_URL_MAX: usize = 3000;
    /// `settings.interactivity.request_url`: at most 3500, `http(s)://`.
    pub const REQUEST_URL_MAX: usize = 3500;
    /// `oauth_config.scopes.bot[]`: at most 50 each.
    pub const SCOPE_MAX: usize = 50;
}

/// The slash command's usage hint, from the command table: each group with its commands in
/// parentheses, then the top-level commands, e.g.
/// `messages (search|held|release|reject) | ttp (urls|…) | archive search | … | help`.
pub fn slack_usage_hint() -> String {
    let mut parts: Vec<String> = Vec::new();
    for group in GROUPS {
        let names: Vec<&str> = spec::commands_in(group.name).map(|c| c.name).collect();
        match names.as_slice() {
            [] => {}
            [one] => parts.push(format!("{} {one}", group.name)),
            many => parts.push(format!("{} ({})", group.name, many.join("|"))),
        }
    }
    parts.extend(
        COMMANDS
            .iter()
            .filter(|c| c.group.is_none())
            .map(|c| c.name.to_string()),
    );
    parts.join(" | ")
}

/// `base_url` joined with `path` (which starts with `/`), without a double slash when
/// `base_url` ends with `/`.
fn join(base_url: &str, path: &str) -> String {
    format!("{}{path}", base_url.trim_end_matches('/'))
}

/// The Slack app manifest (JSON, schema version 1.1) for the bot whose HTTP listener is
/// reachable at `base_url` (e.g. `https://mimecast-bot.example.com`): the `/mimecast` slash
/// command posting to `{base_url}/slack/commands`, interactivity posting to
/// `{base_url}/slack/interactions`, a bot user and the [`BOT_SCOPES`]. HTTP request URLs
/// only: no Socket Mode, no org-wide deployment, no token rotation.
pub fn slack_manifest(base_url: &str) -> Value {
    json!({
        "_metadata": {
            "major_version": 1,
            "minor_version": 1,
        },
        "display_information": {
            "name": APP_NAME,
            "description": APP_DESCRIPTION,
            "background_color": APP_BACKGROUND_COLOR,
        },
        "features": {
            "bot_user": {
                "display_name": BOT_DISPLAY_NAME,
                "always_online": false,
            },
            "slash_commands": [
                {
                    "command": CHAT_PREFIX,
                    "url": join(base_url, COMMANDS_PATH),
                    "description": COMMAND_DESCRIPTION,
                    "usage_hint": slack_usage_hint(),
                    "should_escape": false,
                }
            ],
        },
        "oauth_config": {
            "scopes": {
                "bot": BOT_SCOPES,
            },
        },
        "settings": {
            "interactivity": {
                "is_enabled": true,
                "request_url": join(base_url, INTERACTIONS_PATH),
            },
            "org_deploy_enabled": false,
            "socket_mode_enabled": false,
            "token_rotation_enabled": false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_drops_trailing_slashes_only() {
        assert_eq!(join("https://a.example", "/x"), "https://a.example/x");
        assert_eq!(join("https://a.example/", "/x"), "https://a.example/x");
        assert_eq!(
            join("https://a.example/bot/", "/x"),
            "https://a.example/bot/x"
        );
    }

    #[test]
    fn the_usage_hint_groups_commands() {
        let hint = slack_usage_hint();
        assert!(
            hint.starts_with("messages (search|held|release|reject) | "),
            "{hint}"
        );
        assert!(hint.contains(" | archive search | "), "{hint}");
        assert!(hint.ends_with(" | help"), "{hint}");
    }
}
