//! The effective configuration as TOML-like text, each value with where it came from
//! ([`Source`]), and the [`Redactor`] that keeps secrets out of everything printed.

use std::fmt;

use super::{Checked, FileChoice};
use crate::config::{
    CONFIG_ENV, EXPIRY_ENV, OPS_LISTEN_ENV, PlatformRoles, RoleList, STORE_PATH_ENV,
};
use crate::discord::settings as discord_settings;
use crate::mimecast::config::{DEFAULT_BASE_URL, env as mimecast_env};
use crate::mimecast::{ClientConfig, Credentials};
use crate::secret::Secret;
use crate::slack::settings as slack_settings;

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

impl Checked {
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::check_config::tests::env;
    use crate::config::Config;
    use crate::discord::DiscordSettings;

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
}
