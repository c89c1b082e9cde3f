//! `mimecast-bot check-config [--config PATH] [--live]`: loads the configuration exactly as
//! `mimecast-bot run` does (the file, then the environment), prints the effective values with
//! where each came from, lists what `run` would refuse, and with `--live` tries the Mimecast
//! credentials and the chat tokens.
//!
//! Secrets (client secrets, keys, tokens) are shown only as
//! [`Secret::MASK`](crate::secret::Secret::MASK): never the value, a prefix or a length. As a
//! second guard every printed line has any configured secret value replaced by the mask.
//!
//! Exit codes: 0 when everything checked is OK, 2 when the configuration is invalid (what `run`
//! would refuse to start with), 1 when a live check failed.
//!
//! - this module: choosing and loading the file, and checking it as `run` would ([`Checked`],
//!   [`Problem`]);
//! - `render`: the effective configuration as text with each value's [`Source`], and the
//!   [`Redactor`] that masks secrets in everything printed;
//! - `live`: the `--live` checks ([`check_mimecast`], [`check_discord`], [`check_slack`]).

mod live;
mod render;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::approvals::Platform;
use crate::config::{CONFIG_ENV, Config, ConfigFileError, OPS_LISTEN_ENV};
use crate::discord::settings as discord_settings;
use crate::discord::{DiscordSettings, SettingsError};
use crate::mimecast::ClientConfig;
use crate::mimecast::config::ConfigError;
use crate::slack::settings as slack_settings;
use crate::slack::{SlackSettings, SlackSettingsError};
use crate::summaries::schedule::ScheduleError;
pub use live::{LIVE_TIMEOUT, LiveError, check_discord, check_mimecast, check_slack};
use live::{LiveOutcome, live_checks};
pub use render::{FileKeys, Lookup, Redactor, Source};

/// Exit code when the configuration is invalid.
pub const EXIT_INVALID: u8 = 2;
/// Exit code when a live check failed.
pub const EXIT_LIVE_FAILED: u8 = 1;

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
}

/// Whether `text` is `HOST:PORT` with a numeric port (what a listener can bind).
fn is_host_port(text: &str) -> bool {
    match text.trim().rsplit_once(':') {
        Some((host, port)) => !host.is_empty() && port.parse::<u16>().is_ok(),
        None => false,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A [`Lookup`] over a fixed table (also used by the submodules' tests).
    pub(super) fn env(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
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
