//! `mimecast-bot check-config [--config PATH] [--live]`: loads the configuration exactly as
//! `mimecast-bot run` does (the file, then the environment), prints the effective values with
//! where each came from, lists what `run` would refuse, and with `--live` tries the Mimecast
//! credentials and the chat tokens.
//!
//! Secrets (client secrets, keys, tokens) are shown only as [`Secret::MASK`]: never the value, a
//! prefix or a length. As a second guard every printed line has any configured secret value
//! replaced by the mask.
//!
//! Exit codes: 0 when everything checked is OK, 2 when the configuration is invalid (what `run`
//! would refuse to start with), 1 when a live check failed.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::approvals::Platform;
use crate::config::{
    CONFIG_ENV, Config, ConfigFileError, EXPIRY_ENV, OPS_LISTEN_ENV, PlatformRoles, RoleList,
    STORE_PATH_ENV,
};
use crate::discord::settings::{self as discord_settings, API_URL_ENV as DISCORD_API_URL_ENV};
use crate::discord::{DiscordSettings, SettingsError};
use crate::mimecast::config::{ConfigError, DEFAULT_BASE_URL, env as mimecast_env};
use crate::mimecast::{ClientConfig, Credentials, HeldQuery, MimecastClient, RetryPolicy};
use crate::secret::Secret;
use crate::slack::settings::{
    self as slack_settings, API_URL_ENV as SLACK_API_URL_ENV, BOT_TOKEN_ENV as SLACK_BOT_TOKEN_ENV,
};
use crate::slack::web::SlackWeb;
use crate::slack::{SlackApiError, SlackSettings, SlackSettingsError};
use crate::summaries::schedule::ScheduleError;

/// How long each live check may take.
pub const LIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Exit code when the configuration is invalid.
pub const EXIT_INVALID: u8 = 2;
/// Exit code when a live check failed.
pub const EXIT_LIVE_FAILED: u8 = 1;

/// Secrets shorter than this are not searched for in the output (they would mask ordinary
/// text); they are never printed in the first place.
const MIN_REDACTED_LEN: usize = 6;

/// Every environment variable that holds a secret.
const SECRET_ENVS: [&str; 6] = [
    mimecast_env::CLIENT_SECRET,
    mimecast_env::APP_KEY,
    mimecast_env::SECRET_KEY,
    discord_settings::TOKEN_ENV,
    slack_settings::SIGNING_SECRET_ENV,
    slack_settings::BOT_TOKEN_ENV,
];

/// Something `mimecast-bot run` would refuse; each message says what to set or fix.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// The config file cannot be read or is not valid.
    #[error("{0}")]
    File(#[from] ConfigFileError),
    /// A `[[schedules]]` entry is not valid.
    #[error("{0}")]
    Schedule(#[from] ScheduleError),
    /// The Mimecast credentials or base URL.
    #[error("{0}")]
    Mimecast(#[from] ConfigError),
    /// The Discord settings (`DISCORD_TOKEN` is set).
    #[error("{0}")]
    Discord(#[from] SettingsError),
    /// The Slack settings (a Slack credential is set).
    #[error("{0}")]
    Slack(#[from] SlackSettingsError),
    /// Neither Discord nor Slack is configured.
    #[error(
        "no chat platform is configured (mimecast-bot run needs one): set {} for Discord, and/or {} and {} for Slack",
        discord_settings::TOKEN_ENV,
        slack_settings::SIGNING_SECRET_ENV,
        slack_settings::BOT_TOKEN_ENV
    )]
    NoChatPlatform,
    /// A schedule posts to a platform whose credentials are not set.
    #[error(
        "schedule {schedule:?} posts to {platform}, which is not configured; set its credentials or remove the schedule"
    )]
    UnservedSchedule {
        /// The schedule's name.
        schedule: String,
        /// Its platform.
        platform: String,
    },
    /// `[ops] listen` is not `HOST:PORT`.
    #[error(
        "[ops] listen {0:?} is not HOST:PORT, e.g. 127.0.0.1:9090 (set it in the file or {OPS_LISTEN_ENV})"
    )]
    BadOpsListen(String),
}

/// A live check failed; each message is one line without any credential.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The service did not answer in time.
    #[error("no answer within {} s", .0.as_secs())]
    Timeout(Duration),
    /// The Mimecast client could not be built, or Mimecast refused or failed the call.
    #[error("{0}")]
    Mimecast(String),
    /// Discord refused the bot token.
    #[error(
        "Discord refused the bot token (HTTP {status}); check {}",
        discord_settings::TOKEN_ENV
    )]
    DiscordRefused {
        /// 401 or 403.
        status: u16,
    },
    /// Discord answered another error status.
    #[error("Discord answered HTTP {status}")]
    DiscordHttp {
        /// The status.
        status: u16,
    },
    /// Discord could not be reached, or its answer not read.
    #[error("cannot reach Discord ({0}); check the network and {DISCORD_API_URL_ENV}")]
    DiscordUnreachable(String),
    /// Slack refused the bot token (`invalid_auth`, `not_authed`, `token_revoked`, …).
    #[error("Slack refused the bot token: {0}; check {SLACK_BOT_TOKEN_ENV}")]
    SlackRefused(String),
    /// Slack answered `auth.test` with another error.
    #[error("Slack answered auth.test with {0}")]
    SlackApi(String),
    /// Slack answered an HTTP error status.
    #[error("Slack answered HTTP {0}")]
    SlackHttp(u16),
    /// Slack could not be reached, or its answer not read.
    #[error("cannot reach Slack ({0}); check the network and {SLACK_API_URL_ENV}")]
    SlackUnreachable(String),
}

/// Where an effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The config file.
    File,
    /// An environment variable.
    Env(&'static str),
    /// The built-in default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File => f.write_str("file"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// Reads one environment variable (the process environment, or a test table).
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The variable's trimmed value when it is set and not blank (the rule every setting uses).
fn set(lookup: Lookup<'_>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The keys the config file sets, to tell a value from the file from a default.
#[derive(Debug, Clone, Default)]
pub struct FileKeys(toml::Table);

impl FileKeys {
    /// The keys of TOML `text` (none when it does not parse: it was checked by the load).
    pub fn parse(text: &str) -> Self {
        Self(text.parse::<toml::Table>().unwrap_or_default())
    }

    /// Whether the file sets the key at `path`, e.g. `["approvals", "discord", "approvers"]`.
    pub fn has(&self, path: &[&str]) -> bool {
        let Some((last, parents)) = path.split_last() else {
            return false;
        };
        let mut table = &self.0;
        for key in parents {
            match table.get(*key).and_then(toml::Value::as_table) {
                Some(inner) => table = inner,
                None => return false,
            }
        }
        table.contains_key(*last)
    }

    /// The source of a value the file may set at `path` and `env` may override.
    fn source(&self, lookup: Lookup<'_>, env: Option<&'static str>, path: &[&str]) -> Source {
        match env {
            Some(name) if set(lookup, name).is_some() => Source::Env(name),
            _ if self.has(path) => Source::File,
            _ => Source::Default,
        }
    }
}

/// Which file was read, and why.
#[derive(Debug, Clone)]
pub struct FileChoice {
    /// The file, or `None` for the built-in defaults.
    pub path: Option<PathBuf>,
    /// `--config` or `MIMECAST_BOT_CONFIG`.
    pub from: &'static str,
}

impl FileChoice {
    /// The same choice [`Config::load`] makes: `--config`, else `MIMECAST_BOT_CONFIG`.
    pub fn locate(config_path: Option<&Path>) -> Self {
        match config_path {
            Some(path) => Self {
                path: Some(path.to_path_buf()),
                from: "--config",
            },
            None => Self {
                path: std::env::var_os(CONFIG_ENV).map(PathBuf::from),
                from: CONFIG_ENV,
            },
        }
    }

    /// The keys the file sets (none without a file).
    fn keys(&self) -> FileKeys {
        self.path
            .as_deref()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .map(|text| FileKeys::parse(&text))
            .unwrap_or_default()
    }
}

/// The loaded configuration and what was made of it.
pub struct Checked {
    /// The file and the environment overrides.
    pub config: Config,
    /// The Mimecast client settings, or why not.
    pub mimecast: Result<ClientConfig, ConfigError>,
    /// Discord when `DISCORD_TOKEN` is set: its settings or why not.
    pub discord: Option<Result<DiscordSettings, SettingsError>>,
    /// Slack when a Slack credential is set: its settings or why not.
    pub slack: Option<Result<SlackSettings, SlackSettingsError>>,
    /// What `run` would refuse.
    pub problems: Vec<Problem>,
    /// What `run` would warn about.
    pub warnings: Vec<String>,
}

impl Checked {
    /// Checks `config` against the process environment, as `run` would: schedules, the Mimecast
    /// client, Discord when `DISCORD_TOKEN` is set, Slack when either Slack credential is set,
    /// at least one chat platform, and the approval rules.
    pub fn new(config: Config) -> Self {
        let discord = std::env::var(discord_settings::TOKEN_ENV)
            .is_ok_and(|v| !v.trim().is_empty())
            .then(|| DiscordSettings::from_env_and_config(&config.discord));
        let slack =
            SlackSettings::wanted().then(|| SlackSettings::from_env_and_config(&config.slack));
        Self::with(config, ClientConfig::from_env(), discord, slack)
    }

    /// Checks `config` with the platform settings already read.
    pub fn with(
        config: Config,
        mimecast: Result<ClientConfig, ConfigError>,
        discord: Option<Result<DiscordSettings, SettingsError>>,
        slack: Option<Result<SlackSettings, SlackSettingsError>>,
    ) -> Self {
        let mut problems = Vec::new();
        let schedules = config.schedules().unwrap_or_else(|e| {
            problems.push(Problem::Schedule(e));
            Vec::new()
        });
        if let Err(e) = &mimecast {
            problems.push(Problem::Mimecast(e.clone()));
        }
        if let Some(Err(e)) = &discord {
            problems.push(Problem::Discord(e.clone()));
        }
        if let Some(Err(e)) = &slack {
            problems.push(Problem::Slack(e.clone()));
        }
        if discord.is_none() && slack.is_none() {
            problems.push(Problem::NoChatPlatform);
        } else {
            for schedule in &schedules {
                let served = match schedule.platform {
                    Platform::Discord => discord.is_some(),
                    Platform::Slack => slack.is_some(),
                    Platform::Console | Platform::Cli => false,
                };
                if !served {
                    problems.push(Problem::UnservedSchedule {
                        schedule: schedule.name.clone(),
                        platform: schedule.platform.as_str().to_owned(),
                    });
                }
            }
        }
        if let Some(listen) = &config.ops.listen
            && !is_host_port(listen)
        {
            problems.push(Problem::BadOpsListen(listen.clone()));
        }
        // The rules of the chat platforms `run` would serve (the console's are its own).
        let mut warnings = Vec::new();
        let policies = config.policies();
        for (section, policy, served) in [
            ("[approvals.discord]", &policies.discord, discord.is_some()),
            ("[approvals.slack]", &policies.slack, slack.is_some()),
        ] {
            if served {
                for warning in policy.warnings() {
                    warnings.push(format!("{section}: {warning}"));
                }
            }
        }
        let folder = match config.store.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !folder.is_dir() {
            warnings.push(format!(
                "the store's folder {} does not exist (yet); run cannot open the store until it does",
                folder.display()
            ));
        }
        Self {
            config,
            mimecast,
            discord,
            slack,
            problems,
            warnings,
        }
    }

    /// The effective configuration as TOML-like text, every value with its source; secrets as
    /// [`Secret::MASK`].
    pub fn render(&self, file: &FileChoice, keys: &FileKeys, lookup: Lookup<'_>) -> String {
        let mut out = Text::default();
        out.comment("mimecast-bot check-config: the effective configuration");
        match &file.path {
            Some(path) => out.comment(&format!(
                "config file: {} (from {})",
                path.display(),
                file.from
            )),
            None => out.comment(&format!(
                "config file: none ({CONFIG_ENV} not set): built-in defaults"
            )),
        }
        self.render_store(&mut out, keys, lookup);
        self.render_approvals(&mut out, keys, lookup);
        self.render_mimecast(&mut out, lookup);
        self.render_discord(&mut out, keys, lookup);
        self.render_slack(&mut out, keys, lookup);
        self.render_ops(&mut out, keys, lookup);
        self.render_schedules(&mut out);
        out.0
    }

    fn render_store(&self, out: &mut Text, keys: &FileKeys, lookup: Lookup<'_>) {
        out.section("[store]");
        let source = keys.source(lookup, Some(STORE_PATH_ENV), &["store", "path"]);
        let path = self.config.store.path.display().to_string();
        out.value("path", &quote(&path), source);
    }

    fn render_approvals(&self, out: &mut Text, keys: &FileKeys, lookup: Lookup<'_>) {
        out.section("[approvals]");
        out.value(
            "expiry_minutes",
            &self.config.approvals.expiry_minutes.to_string(),
            keys.source(lookup, Some(EXPIRY_ENV), &["approvals", "expiry_minutes"]),
        );
        for (name, roles) in [
            ("discord", &self.config.approvals.discord),
            ("slack", &self.config.approvals.slack),
            ("console", &self.config.approvals.console),
        ] {
            out.section(&format!("[approvals.{name}]"));
            render_roles(out, keys, name, roles);
        }
    }

    fn render_mimecast(&self, out: &mut Text, lookup: Lookup<'_>) {
        out.section("[mimecast]");
        out.comment("from the environment only");
        match set(lookup, mimecast_env::BASE_URL) {
            Some(url) => out.value(
                "base_url",
                &quote(&url),
                Source::Env(mimecast_env::BASE_URL),
            ),
            None => out.value("base_url", &quote(DEFAULT_BASE_URL), Source::Default),
        }
        let api2 = [mimecast_env::CLIENT_ID, mimecast_env::CLIENT_SECRET];
        let api1 = [
            mimecast_env::APP_ID,
            mimecast_env::APP_KEY,
            mimecast_env::ACCESS_KEY,
            mimecast_env::SECRET_KEY,
        ];
        let shown: Vec<&'static str> = match &self.mimecast {
            Ok(config) => {
                out.line(&format!(
                    "credentials = {}",
                    quote(config.credentials.api_version())
                ));
                match config.credentials {
                    Credentials::OAuth2 { .. } => api2.to_vec(),
                    Credentials::Hmac { .. } => api1.to_vec(),
                }
            }
            Err(_) => api2.iter().chain(api1.iter()).copied().collect(),
        };
        for name in shown {
            let key = name.trim_start_matches("MIMECAST_").to_ascii_lowercase();
            let secret = SECRET_ENVS.contains(&name);
            match set(lookup, name) {
                Some(_) if secret => out.value(&key, &quote(Secret::MASK), Source::Env(name)),
                Some(value) => out.value(&key, &quote(&value), Source::Env(name)),
                None => out.comment(&format!("{key}: {name} not set")),
            }
        }
        if let Ok(ClientConfig {
            credentials: Credentials::OAuth2 { .. },
            ..
        }) = &self.mimecast
            && api1.iter().any(|name| set(lookup, name).is_some())
        {
            out.comment("API 1.0 variables are also set; they are ignored (API 2.0 wins)");
        }
    }

    fn render_discord(&self, out: &mut Text, keys: &FileKeys, lookup: Lookup<'_>) {
        out.section("[discord]");
        let token = discord_settings::TOKEN_ENV;
        if self.discord.is_some() {
            out.comment(&format!("enabled: {token} is set"));
            out.value("token", &quote(Secret::MASK), Source::Env(token));
        } else {
            out.comment(&format!("disabled: {token} is not set"));
        }
        let settings = self.discord.as_ref().and_then(|s| s.as_ref().ok());
        let api_source = keys.source(
            lookup,
            Some(discord_settings::API_URL_ENV),
            &["discord", "api_url"],
        );
        let api_url = settings.map_or_else(
            || {
                set(lookup, discord_settings::API_URL_ENV)
                    .or_else(|| self.config.discord.api_url.clone())
            },
            |s| s.api_url.clone(),
        );
        match api_url {
            Some(url) => out.value("api_url", &quote(&url), api_source),
            None => out.value("api_url", &quote("https://discord.com"), Source::Default),
        }
        let guild_source = keys.source(
            lookup,
            Some(discord_settings::GUILD_ENV),
            &["discord", "guild_id"],
        );
        let guild = settings.map_or_else(
            || {
                set(lookup, discord_settings::GUILD_ENV)
                    .map(|g| quote(&g))
                    .or_else(|| self.config.discord.guild_id.map(|g| g.to_string()))
            },
            |s| s.guild_id.map(|g| g.to_string()),
        );
        match guild {
            Some(guild) => out.value("guild_id", &guild, guild_source),
            None => out.comment("guild_id: not set (register installs the command globally)"),
        }
    }

    fn render_slack(&self, out: &mut Text, keys: &FileKeys, lookup: Lookup<'_>) {
        out.section("[slack]");
        if self.slack.is_some() {
            out.comment("enabled: a Slack credential is set");
        } else {
            out.comment(&format!(
                "disabled: neither {} nor {} is set",
                slack_settings::SIGNING_SECRET_ENV,
                slack_settings::BOT_TOKEN_ENV
            ));
        }
        for (key, name) in [
            ("signing_secret", slack_settings::SIGNING_SECRET_ENV),
            ("bot_token", slack_settings::BOT_TOKEN_ENV),
        ] {
            match set(lookup, name) {
                Some(_) => out.value(key, &quote(Secret::MASK), Source::Env(name)),
                None if self.slack.is_some() => out.comment(&format!("{key}: {name} not set")),
                None => {}
            }
        }
        let settings = self.slack.as_ref().and_then(|s| s.as_ref().ok());
        let api_url = settings.map_or_else(
            || {
                set(lookup, slack_settings::API_URL_ENV)
                    .or_else(|| self.config.slack.api_url.clone())
                    .unwrap_or_else(|| slack_settings::DEFAULT_API_URL.to_owned())
            },
            |s| s.api_url.clone(),
        );
        out.value(
            "api_url",
            &quote(&api_url),
            keys.source(
                lookup,
                Some(slack_settings::API_URL_ENV),
                &["slack", "api_url"],
            ),
        );
        let listen = settings.map_or_else(
            || {
                set(lookup, slack_settings::LISTEN_ENV)
                    .or_else(|| self.config.slack.listen.clone())
                    .unwrap_or_else(|| slack_settings::DEFAULT_LISTEN.to_owned())
            },
            |s| s.listen.to_string(),
        );
        out.value(
            "listen",
            &quote(&listen),
            keys.source(
                lookup,
                Some(slack_settings::LISTEN_ENV),
                &["slack", "listen"],
            ),
        );
    }

    fn render_ops(&self, out: &mut Text, keys: &FileKeys, lookup: Lookup<'_>) {
        out.section("[ops]");
        match &self.config.ops.listen {
            Some(listen) => out.value(
                "listen",
                &quote(listen),
                keys.source(lookup, Some(OPS_LISTEN_ENV), &["ops", "listen"]),
            ),
            None => out.comment("listen: not set (/healthz and /metrics are not served)"),
        }
    }

    fn render_schedules(&self, out: &mut Text) {
        if self.config.schedules.is_empty() {
            out.section("# [[schedules]]");
            out.comment("none: no daily summaries");
            return;
        }
        for schedule in &self.config.schedules {
            out.section("[[schedules]]");
            out.comment("from the file");
            out.line(&format!("name = {}", quote(&schedule.name)));
            out.line(&format!("platform = {}", quote(&schedule.platform)));
            out.line(&format!("channel = {}", quote(&schedule.channel)));
            out.line(&format!("time = {}", quote(&schedule.time)));
            out.line(&format!("timezone = {}", quote(&schedule.timezone)));
            out.line(&format!("kinds = {}", list(&schedule.kinds)));
        }
    }
}

fn render_roles(out: &mut Text, keys: &FileKeys, platform: &str, roles: &PlatformRoles) {
    let source = |key: &str| {
        if keys.has(&["approvals", platform, key]) {
            Source::File
        } else {
            Source::Default
        }
    };
    out.value(
        "requesters",
        &role_list(&roles.requesters),
        source("requesters"),
    );
    out.value(
        "approvers",
        &role_list(&roles.approvers),
        source("approvers"),
    );
    out.value(
        "allow_self_approval",
        &roles.allow_self_approval.to_string(),
        source("allow_self_approval"),
    );
}

fn role_list(roles: &RoleList) -> String {
    format!(
        "{{ anyone = {}, users = {}, roles = {} }}",
        roles.anyone,
        list(&roles.users),
        list(&roles.roles)
    )
}

/// A TOML string literal.
fn quote(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// A TOML array of strings.
fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// Whether `text` is `HOST:PORT` with a numeric port (what a listener can bind).
fn is_host_port(text: &str) -> bool {
    match text.trim().rsplit_once(':') {
        Some((host, port)) => !host.is_empty() && port.parse::<u16>().is_ok(),
        None => false,
    }
}

/// The text being built.
#[derive(Default)]
struct Text(String);

impl Text {
    fn line(&mut self, line: &str) {
        self.0.push_str(line);
        self.0.push('\n');
    }

    fn section(&mut self, header: &str) {
        self.0.push('\n');
        self.line(header);
    }

    fn comment(&mut self, text: &str) {
        self.line(&format!("# {text}"));
    }

    fn value(&mut self, key: &str, value: &str, source: Source) {
        self.line(&format!("{key} = {value}  # {source}"));
    }
}

/// Writes lines with every configured secret value replaced by [`Secret::MASK`], and each
/// message kept to one line.
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Guards against the secrets `lookup` holds.
    pub fn new(lookup: Lookup<'_>) -> Self {
        let mut secrets: Vec<String> = SECRET_ENVS
            .iter()
            .filter_map(|name| lookup(name))
            .flat_map(|value| [value.trim().to_owned(), value])
            .filter(|value| value.len() >= MIN_REDACTED_LEN)
            .collect();
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    /// `text` with every secret masked.
    pub fn clean(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_owned(), |text, secret| {
            text.replace(secret.as_str(), Secret::MASK)
        })
    }

    /// `text` on one line (newlines and other control characters become spaces), masked.
    pub fn one_line(&self, text: &str) -> String {
        let flat: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        self.clean(flat.trim())
    }

    /// Prints `text` to stdout, masked.
    pub fn out(&self, text: &str) {
        print!("{}", self.clean(text));
    }

    /// Prints `error: MESSAGE` to stderr, one line, masked.
    pub fn error(&self, message: &str) {
        eprintln!("error: {}", self.one_line(message));
    }

    /// Prints `warning: MESSAGE` to stderr, one line, masked.
    pub fn warning(&self, message: &str) {
        eprintln!("warning: {}", self.one_line(message));
    }
}

/// `mimecast-bot check-config`: see the module documentation.
pub async fn run(config_path: Option<&Path>, live: bool) -> ExitCode {
    let env = |name: &str| std::env::var(name).ok();
    let lookup: Lookup<'_> = &env;
    let output = Redactor::new(lookup);
    let file = FileChoice::locate(config_path);
    let config = match Config::load(config_path) {
        Ok(config) => config,
        Err(e) => {
            output.error(&Problem::File(e).to_string());
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let checked = Checked::new(config);
    output.out(&checked.render(&file, &file.keys(), lookup));
    output.out("\n");
    for warning in &checked.warnings {
        output.warning(warning);
    }
    for problem in &checked.problems {
        output.error(&problem.to_string());
    }
    if checked.problems.is_empty() && checked.warnings.is_empty() {
        output.out("configuration OK\n");
    } else if checked.problems.is_empty() {
        output.out(&format!(
            "configuration OK ({} warning(s), listed on stderr)\n",
            checked.warnings.len()
        ));
    } else {
        output.out(&format!(
            "configuration invalid: {} problem(s), listed on stderr\n",
            checked.problems.len()
        ));
    }
    let mut live_failed = false;
    if live {
        for (name, result) in live_checks(&checked).await {
            match result {
                Ok(Some(detail)) => output.out(&format!("{name}: ok ({detail})\n")),
                Ok(None) => output.out(&format!("{name}: ok\n")),
                Err(LiveOutcome::Skipped(why)) => {
                    output.out(&format!("{name}: not checked ({why})\n"));
                }
                Err(LiveOutcome::Failed(e)) => {
                    live_failed = true;
                    output.error(&format!("{name}: {e}"));
                }
            }
        }
    }
    if !checked.problems.is_empty() {
        ExitCode::from(EXIT_INVALID)
    } else if live_failed {
        ExitCode::from(EXIT_LIVE_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// Why a live check has no `ok`.
#[derive(Debug)]
enum LiveOutcome {
    /// Not run: nothing (valid) to check.
    Skipped(&'static str),
    /// Run, and it failed.
    Failed(LiveError),
}

type LiveResult = Result<Option<String>, LiveOutcome>;

/// Runs the live checks side by side, each bounded by [`LIVE_TIMEOUT`]; results in the order
/// Mimecast, Discord, Slack.
async fn live_checks(checked: &Checked) -> Vec<(&'static str, LiveResult)> {
    let mimecast = async {
        match &checked.mimecast {
            Ok(config) => bounded(check_mimecast(config)).await.map(Some),
            Err(_) => Err(LiveOutcome::Skipped("its configuration is invalid")),
        }
    };
    let discord = async {
        match &checked.discord {
            Some(Ok(settings)) => bounded(check_discord(settings)).await.map(Some),
            Some(Err(_)) => Err(LiveOutcome::Skipped("its configuration is invalid")),
            None => Err(LiveOutcome::Skipped("not configured")),
        }
    };
    let slack = async {
        match &checked.slack {
            Some(Ok(settings)) => bounded(check_slack(settings)).await.map(Some),
            Some(Err(_)) => Err(LiveOutcome::Skipped("its configuration is invalid")),
            None => Err(LiveOutcome::Skipped("not configured")),
        }
    };
    let (mimecast, discord, slack) = tokio::join!(mimecast, discord, slack);
    vec![
        ("mimecast", mimecast),
        ("discord", discord),
        ("slack", slack),
    ]
}

/// `check` within [`LIVE_TIMEOUT`].
async fn bounded(
    check: impl Future<Output = Result<String, LiveError>>,
) -> Result<String, LiveOutcome> {
    match tokio::time::timeout(LIVE_TIMEOUT, check).await {
        Ok(result) => result.map_err(LiveOutcome::Failed),
        Err(_) => Err(LiveOutcome::Failed(LiveError::Timeout(LIVE_TIMEOUT))),
    }
}

/// One row of the API user's held queue: the cheapest authenticated call (with API 2.0 it
/// mints a token first), with one attempt and no rate-limit waiting.
pub async fn check_mimecast(config: &ClientConfig) -> Result<String, LiveError> {
    let mut config = config.clone();
    config.retry = RetryPolicy {
        max_attempts: 1,
        max_rate_limit_wait: Duration::ZERO,
        request_timeout: LIVE_TIMEOUT,
        ..config.retry
    };
    let api = config.credentials.api_version();
    let base = config.base_url.as_str().trim_end_matches('/').to_owned();
    let client = MimecastClient::new(config).map_err(|e| LiveError::Mimecast(e.user_message()))?;
    client
        .page(&HeldQuery::default(), 1, None)
        .await
        .map_err(|e| LiveError::Mimecast(e.user_message()))?;
    Ok(format!("{api} at {base}"))
}

/// `GET /users/@me` with the bot token.
pub async fn check_discord(settings: &DiscordSettings) -> Result<String, LiveError> {
    use serenity::http::HttpError;
    match settings.http().get_current_user().await {
        Ok(user) => Ok(format!("bot {}", user.name)),
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(answer))) => {
            let status = answer.status_code.as_u16();
            Err(if matches!(status, 401 | 403) {
                LiveError::DiscordRefused { status }
            } else {
                LiveError::DiscordHttp { status }
            })
        }
        Err(serenity::Error::Http(HttpError::Request(e))) => {
            Err(LiveError::DiscordUnreachable(causes(&e.without_url())))
        }
        Err(e) => Err(LiveError::DiscordUnreachable(e.to_string())),
    }
}

/// `error`'s message and its sources', `: `-separated (the last is usually the telling one).
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

/// `auth.test` with the bot token.
pub async fn check_slack(settings: &SlackSettings) -> Result<String, LiveError> {
    let web = SlackWeb::new(&settings.api_url, settings.bot_token.clone())
        .map_err(|e| LiveError::SlackUnreachable(e.to_string()))?;
    web.auth_test().await.map_err(|e| match e {
        SlackApiError::Api { error, .. } => match error.as_str() {
            "invalid_auth" | "not_authed" | "account_inactive" | "token_revoked"
            | "token_expired" | "no_permission" => LiveError::SlackRefused(error),
            _ => LiveError::SlackApi(error),
        },
        SlackApiError::Http { status, .. } => LiveError::SlackHttp(status),
        SlackApiError::Transport { detail, .. } => LiveError::SlackUnreachable(detail),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn sources_are_env_then_file_then_default() {
        let keys =
            FileKeys::parse("[store]\npath = \"/f.db\"\n[approvals.slack]\napprovers = {}\n");
        let none = env(&[]);
        let blank = env(&[(STORE_PATH_ENV, "  ")]);
        let over = env(&[(STORE_PATH_ENV, "/e.db")]);
        let path = ["store", "path"];
        assert_eq!(
            keys.source(&none, Some(STORE_PATH_ENV), &path),
            Source::File
        );
        assert_eq!(
            keys.source(&blank, Some(STORE_PATH_ENV), &path),
            Source::File
        );
        assert_eq!(
            keys.source(&over, Some(STORE_PATH_ENV), &path),
            Source::Env(STORE_PATH_ENV)
        );
        assert_eq!(
            keys.source(&none, Some(EXPIRY_ENV), &["approvals", "expiry_minutes"]),
            Source::Default
        );
        assert!(keys.has(&["approvals", "slack", "approvers"]));
        assert!(!keys.has(&["approvals", "slack", "requesters"]));
        assert!(!keys.has(&["store", "path", "deeper"]));
        assert_eq!(Source::Env("X").to_string(), "env X");
    }

    #[test]
    fn secrets_are_masked_in_every_line() {
        let lookup = env(&[
            (slack_settings::BOT_TOKEN_ENV, "xoxb-very-secret-token"),
            (mimecast_env::CLIENT_SECRET, " padded-secret-value "),
            (discord_settings::TOKEN_ENV, "short"),
        ]);
        let redactor = Redactor::new(&lookup);
        let line = redactor.one_line("token xoxb-very-secret-token\nand padded-secret-value");
        assert_eq!(line, "token ******** and ********");
        assert_eq!(redactor.clean("short stays"), "short stays");
    }

    #[test]
    fn the_rendering_shows_sources_and_masks_secrets() {
        let config = Config::parse(
            "[store]\npath = \"/f.db\"\n[discord]\nguild_id = 42\n[approvals.discord]\napprovers = { roles = [\"2\"] }\n",
        )
        .expect("valid");
        let keys = FileKeys::parse(
            "[store]\npath = \"/f.db\"\n[discord]\nguild_id = 42\n[approvals.discord]\napprovers = { roles = [\"2\"] }\n",
        );
        let lookup = env(&[
            (mimecast_env::CLIENT_ID, "client-id-1"),
            (mimecast_env::CLIENT_SECRET, "client-secret-1"),
            (discord_settings::TOKEN_ENV, "discord-token-1"),
            (EXPIRY_ENV, "30"),
        ]);
        let mut config = config;
        config.apply_env(&lookup).expect("valid");
        let mimecast = ClientConfig::from_lookup(&lookup);
        let discord = Some(DiscordSettings::from_lookup(|name| {
            lookup(name).or_else(|| (name == discord_settings::GUILD_ENV).then(|| "42".into()))
        }));
        let checked = Checked::with(config, mimecast, discord, None);
        assert!(checked.problems.is_empty(), "{:?}", checked.problems);
        let file = FileChoice {
            path: Some(PathBuf::from("/etc/mimecast-bot.toml")),
            from: "--config",
        };
        let text = checked.render(&file, &keys, &lookup);
        for expected in [
            "path = \"/f.db\"  # file",
            "expiry_minutes = 30  # env MIMECAST_BOT_EXPIRY_MINUTES",
            "approvers = { anyone = false, users = [], roles = [\"2\"] }  # file",
            "requesters = { anyone = false, users = [], roles = [] }  # default",
            "client_id = \"client-id-1\"  # env MIMECAST_CLIENT_ID",
            "client_secret = \"********\"  # env MIMECAST_CLIENT_SECRET",
            "token = \"********\"  # env DISCORD_TOKEN",
            "guild_id = 42  # file",
            "api_url = \"https://slack.com/api\"  # default",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from\n{text}");
        }
        assert!(!text.contains("client-secret-1") && !text.contains("discord-token-1"));
        assert!(
            checked
                .warnings
                .iter()
                .any(|w| w.starts_with("[approvals.discord]: no requesters"))
        );
    }

    #[test]
    fn run_would_refuse_these() {
        let config = Config::parse(
            "[ops]\nlisten = \"9090\"\n[[schedules]]\nname = \"m\"\nplatform = \"slack\"\nchannel = \"C0123456789\"\ntime = \"08:00\"\ntimezone = \"UTC\"\n",
        )
        .expect("valid");
        let discord = Some(DiscordSettings::from_lookup(env(&[(
            discord_settings::TOKEN_ENV,
            "t",
        )])));
        let checked = Checked::with(config, Err(ConfigError::NoCredentials), discord, None);
        let messages: Vec<String> = checked.problems.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("MIMECAST_CLIENT_ID"));
        assert!(messages[1].contains("\"m\" posts to slack"));
        assert!(messages[2].contains("[ops] listen \"9090\""));
        let nothing = Checked::with(
            Config::default(),
            Err(ConfigError::NoCredentials),
            None,
            None,
        );
        assert!(
            nothing
                .problems
                .iter()
                .any(|p| matches!(p, Problem::NoChatPlatform))
        );
        assert!(is_host_port("[::1]:9090") && is_host_port("localhost:1"));
        assert!(!is_host_port(":9090") && !is_host_port("host:port"));
    }
}
