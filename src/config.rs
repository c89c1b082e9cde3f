//! The bot's configuration file (`mimecast-bot.toml`): where the store lives and who may
//! request and approve releases on each platform. Mimecast credentials come from the
//! environment (see [`crate::mimecast::config`]).
//!
//! Unknown keys are refused with their name and position, so a typo such as `aprovers` cannot
//! silently leave a rule empty.
//!
//! ```toml
//! [store]
//! path = "/var/lib/mimecast-bot/mimecast-bot.db"
//!
//! [approvals]
//! expiry_minutes = 240
//!
//! [discord]
//! guild_id = 123456789012345678
//!
//! [approvals.discord]
//! requesters = { roles = ["111111111111111111"] }
//! approvers = { roles = ["222222222222222222"], users = ["333333333333333333"] }
//!
//! [approvals.console]
//! requesters = { anyone = true }
//! approvers = { users = ["lead"] }
//!
//! [[schedules]]
//! name = "soc-morning"
//! platform = "discord"
//! channel = "123456789012345678"
//! time = "08:00"
//! timezone = "Europe/Berlin"
//! kinds = ["impersonation", "urls", "attachments"]
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::approvals::{ApprovalPolicy, Policies, RoleSet};
use crate::summaries::schedule::{Schedule, ScheduleError};

/// Environment variable naming the config file.
pub const CONFIG_ENV: &str = "MIMECAST_BOT_CONFIG";

/// Default SQLite file of pending actions and the audit log.
pub const DEFAULT_STORE_PATH: &str = "./mimecast-bot.db";

/// Default life of an approval request.
pub const DEFAULT_EXPIRY_MINUTES: u64 = 240;

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[store]`.
    pub store: StoreConfig,
    /// `[approvals]`.
    pub approvals: ApprovalsConfig,
    /// `[discord]` (the token comes from `DISCORD_TOKEN` only).
    pub discord: DiscordConfig,
    /// `[slack]` (the signing secret and bot token come from the environment only).
    pub slack: SlackConfig,
    /// `[ops]`: the health and metrics listener.
    pub ops: OpsConfig,
    /// `[[schedules]]`: daily summaries posted to a channel.
    pub schedules: Vec<ScheduleConfig>,
}

/// One `[[schedules]]` entry: at `time` in `timezone` each day, post the summary of the
/// previous local day to `channel`. Checked on load ([`Config::schedules`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// Unique name (the key of its runs in the store).
    pub name: String,
    /// `"discord"` (Slack comes later).
    pub platform: String,
    /// The channel id, as a string.
    pub channel: String,
    /// Local time of the post, `HH:MM`.
    pub time: String,
    /// IANA timezone, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// Any of `impersonation`, `urls`, `attachments` (default: all; impersonation is always
    /// shown first).
    #[serde(default = "all_kinds")]
    pub kinds: Vec<String>,
}

fn all_kinds() -> Vec<String> {
    ["impersonation", "urls", "attachments"]
        .map(String::from)
        .to_vec()
}

impl ScheduleConfig {
    /// The checked schedule.
    pub fn to_schedule(&self) -> Result<Schedule, ScheduleError> {
        Schedule::parse(
            &self.name,
            &self.platform,
            &self.channel,
            &self.time,
            &self.timezone,
            &self.kinds,
        )
    }
}

/// `[discord]`. `DISCORD_API_URL` and `DISCORD_GUILD_ID` override these.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// Another REST base URL (a local Discord stand-in).
    pub api_url: Option<String>,
    /// Guild for `register` (instant, guild-scoped commands).
    pub guild_id: Option<u64>,
}

/// `[ops]`. `MIMECAST_BOT_OPS_LISTEN` overrides it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpsConfig {
    /// Address of `/healthz` and `/metrics`, e.g. `127.0.0.1:9090`; unset = not served.
    pub listen: Option<String>,
}

/// Environment variable overriding `[store] path`.
pub const STORE_PATH_ENV: &str = "MIMECAST_BOT_STORE_PATH";
/// Environment variable overriding `[approvals] expiry_minutes`.
pub const EXPIRY_ENV: &str = "MIMECAST_BOT_EXPIRY_MINUTES";
/// Environment variable overriding `[ops] listen`.
pub const OPS_LISTEN_ENV: &str = "MIMECAST_BOT_OPS_LISTEN";

/// `[slack]`. `SLACK_LISTEN` and `SLACK_API_URL` override these.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlackConfig {
    /// Address the HTTP listener for slash commands and interactivity binds, e.g.
    /// `0.0.0.0:3000` (default `127.0.0.1:3000`, behind a TLS-terminating proxy).
    pub listen: Option<String>,
    /// Another Web API base URL (a local Slack stand-in), e.g. `http://127.0.0.1:4100/api`.
    pub api_url: Option<String>,
}

/// `[store]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The SQLite file.
    pub path: PathBuf,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            path: PathBuf::from(DEFAULT_STORE_PATH),
        }
    }
}

/// `[approvals]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApprovalsConfig {
    /// Minutes a request stays open (never past the end of the message's 14-day hold).
    pub expiry_minutes: u64,
    /// `[approvals.discord]`: Discord role ids and user ids.
    pub discord: PlatformRoles,
    /// `[approvals.slack]`: Slack user-group ids and user ids.
    pub slack: PlatformRoles,
    /// `[approvals.console]`: console role names and user names.
    pub console: PlatformRoles,
}

impl Default for ApprovalsConfig {
    fn default() -> Self {
        Self {
            expiry_minutes: DEFAULT_EXPIRY_MINUTES,
            discord: PlatformRoles::default(),
            slack: PlatformRoles::default(),
            console: PlatformRoles::default(),
        }
    }
}

/// One platform's requesters and approvers. Empty lists refuse: the default is that nobody
/// may request or approve.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlatformRoles {
    /// Who may ask for a release or reject.
    pub requesters: RoleList,
    /// Who may approve or deny.
    pub approvers: RoleList,
    /// Whether an approver may approve their own request (off: the two-person rule).
    pub allow_self_approval: bool,
}

/// A list of people.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoleList {
    /// Everyone on the platform (honoured for requesters only).
    pub anyone: bool,
    /// User ids (console: user names).
    pub users: Vec<String>,
    /// Role ids (Slack: user-group ids; console: role names).
    pub roles: Vec<String>,
}

impl RoleList {
    fn to_role_set(&self) -> RoleSet {
        RoleSet {
            anyone: self.anyone,
            user_ids: self.users.clone(),
            roles: self.roles.clone(),
        }
    }
}

impl PlatformRoles {
    fn to_policy(&self) -> ApprovalPolicy {
        ApprovalPolicy {
            requesters: self.requesters.to_role_set(),
            approvers: self.approvers.to_role_set(),
            allow_self_approval: self.allow_self_approval,
        }
    }
}

/// The file could not be read or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// Not readable.
    #[error("cannot read the config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML, or a key that does not exist, or a value of the wrong type.
    #[error("invalid config file {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parser's message, naming the key and its line.
        message: String,
    },
}

impl Config {
    /// Reads the file named by `path`, else by `MIMECAST_BOT_CONFIG`; with neither, the
    /// defaults (nobody may request or approve). Then the environment overrides
    /// ([`Config::apply_env`]).
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigFileError> {
        let from_env = std::env::var_os(CONFIG_ENV).map(PathBuf::from);
        let mut config = match path.map(Path::to_path_buf).or(from_env) {
            Some(path) => Self::read(&path)?,
            None => Self::default(),
        };
        config
            .apply_env(|name| std::env::var(name).ok())
            .map_err(|message| ConfigFileError::Invalid {
                path: PathBuf::from("(environment)"),
                message,
            })?;
        Ok(config)
    }

    /// Applies `MIMECAST_BOT_STORE_PATH`, `MIMECAST_BOT_EXPIRY_MINUTES` and
    /// `MIMECAST_BOT_OPS_LISTEN` over the file's values (blank values are ignored). The
    /// platforms' own variables (`DISCORD_*`, `SLACK_*`, `MIMECAST_*`) are read by their
    /// settings.
    pub fn apply_env(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        if let Some(path) = get(STORE_PATH_ENV) {
            self.store.path = PathBuf::from(path);
        }
        if let Some(minutes) = get(EXPIRY_ENV) {
            self.approvals.expiry_minutes = minutes
                .parse()
                .map_err(|_| format!("{EXPIRY_ENV} must be a whole number of minutes, e.g. 240"))?;
        }
        if let Some(listen) = get(OPS_LISTEN_ENV) {
            self.ops.listen = Some(listen);
        }
        Ok(())
    }

    /// Reads and checks one file.
    pub fn read(path: &Path) -> Result<Self, ConfigFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|message| ConfigFileError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses TOML text; the error names the offending key and where it is.
    pub fn parse(text: &str) -> Result<Self, String> {
        let config: Self =
            toml::from_str(text).map_err(|e| e.to_string().trim().replace('\n', " "))?;
        config.schedules().map_err(|e| e.to_string())?;
        Ok(config)
    }

    /// The checked `[[schedules]]`; the error names the schedule at fault.
    pub fn schedules(&self) -> Result<Vec<Schedule>, ScheduleError> {
        let schedules = self
            .schedules
            .iter()
            .map(ScheduleConfig::to_schedule)
            .collect::<Result<Vec<_>, _>>()?;
        Schedule::check_all(&schedules)?;
        Ok(schedules)
    }

    /// The approval rules per platform.
    pub fn policies(&self) -> Policies {
        Policies {
            discord: self.approvals.discord.to_policy(),
            slack: self.approvals.slack.to_policy(),
            console: self.approvals.console.to_policy(),
        }
    }

    /// How long a request stays open.
    pub fn expiry(&self) -> Duration {
        Duration::from_secs(self.approvals.expiry_minutes.saturating_mul(60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_roles_per_platform() {
        let config = Config::parse(
            r#"
            [store]
            path = "/tmp/x.db"
            [approvals]
            expiry_minutes = 30
            [approvals.discord]
            requesters = { roles = ["1"] }
            approvers = { roles = ["2"], users = ["3"] }
            [approvals.console]
            requesters = { anyone = true }
            approvers = { users = ["lead"] }
            allow_self_approval = true
            "#,
        )
        .expect("valid");
        assert_eq!(config.store.path, PathBuf::from("/tmp/x.db"));
        assert_eq!(config.expiry(), Duration::from_secs(1800));
        let policies = config.policies();
        assert_eq!(policies.discord.approvers.roles, vec!["2"]);
        assert_eq!(policies.discord.approvers.user_ids, vec!["3"]);
        assert!(policies.console.requesters.anyone && policies.console.allow_self_approval);
        assert!(policies.slack.approvers.names_nobody());
        assert!(config.discord.api_url.is_none());
        let with_discord =
            Config::parse("[discord]\napi_url = \"http://127.0.0.1:4000\"\nguild_id = 42\n")
                .expect("valid");
        assert_eq!(with_discord.discord.guild_id, Some(42));
        let with_slack = Config::parse(
            "[slack]\nlisten = \"0.0.0.0:3000\"\napi_url = \"http://127.0.0.1:4100/api\"\n",
        )
        .expect("valid");
        assert_eq!(with_slack.slack.listen.as_deref(), Some("0.0.0.0:3000"));
        let err = Config::parse("[slack]\nsigning_secret = \"x\"\n").expect_err("unknown");
        assert!(
            err.contains("signing_secret"),
            "secrets are not read from the file: {err}"
        );
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let mut config = Config::parse(
            "[store]\npath = \"/file.db\"\n[approvals]\nexpiry_minutes = 30\n[ops]\nlisten = \"127.0.0.1:9000\"\n",
        )
        .expect("valid");
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        config
            .apply_env(env(&[(STORE_PATH_ENV, " ")]))
            .expect("blank ignored");
        assert_eq!(config.store.path, PathBuf::from("/file.db"));
        config
            .apply_env(env(&[
                (STORE_PATH_ENV, "/env.db"),
                (EXPIRY_ENV, "60"),
                (OPS_LISTEN_ENV, "0.0.0.0:9090"),
            ]))
            .expect("valid");
        assert_eq!(config.store.path, PathBuf::from("/env.db"));
        assert_eq!(config.expiry(), Duration::from_secs(3600));
        assert_eq!(config.ops.listen.as_deref(), Some("0.0.0.0:9090"));
        let err = config
            .apply_env(env(&[(EXPIRY_ENV, "an hour")]))
            .expect_err("not a number");
        assert!(err.contains(EXPIRY_ENV) && err.contains("240"), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name_and_line() {
        let err = Config::parse("[approvals.console]\naprovers = { users = [\"lead\"] }\n")
            .expect_err("typo");
        assert!(err.contains("aprovers"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn defaults_refuse_everyone() {
        let config = Config::default();
        assert_eq!(config.store.path, PathBuf::from(DEFAULT_STORE_PATH));
        assert_eq!(config.expiry(), Duration::from_secs(4 * 3600));
        assert!(config.policies().console.approvers.names_nobody());
    }
}
