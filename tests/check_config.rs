//! `mimecast-bot check-config` end to end: the real binary with a controlled environment and a
//! temporary config file; `--live` against the in-process Mimecast sandbox and loopback Slack
//! and Discord stand-ins. No secret may appear in any output.

mod common;
mod discord_standin;
mod slack_standin;

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use discord_standin::DiscordStandIn;
use mimecast_bot::sandbox::{SandboxConfig, SandboxCredentials, SandboxHandle};
use serde_json::json;
use slack_standin::SlackStandIn;

/// Distinctive secret values: none of them may be printed.
const CLIENT_SECRET: &str = "mc-secret-7Qz1vK9p";
const SIGNING_SECRET: &str = "slack-sign-4Hd8xW2m";
const BOT_TOKEN: &str = "xoxb-bot-3Lr6tN0c";
const DISCORD_TOKEN: &str = "discord-token-9Jb5uE7y";
const CLIENT_ID: &str = "mc-client-id-visible";

/// A config file in a fresh temporary folder (removed on drop).
struct TempConfig {
    dir: PathBuf,
    file: PathBuf,
}

impl TempConfig {
    /// `body` after a `[store]` section pointing into the folder.
    fn new(body: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "mimecast-bot-check-config-{}",
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("mimecast-bot.toml");
        let store = dir.join("audit.db");
        std::fs::write(
            &file,
            format!("[store]\npath = {:?}\n{body}", store.display().to_string()),
        )
        .expect("config written");
        Self { dir, file }
    }

    /// Exactly `text`, without a `[store]` section.
    fn raw(text: &str) -> Self {
        let config = Self::new("");
        std::fs::write(&config.file, text).expect("config written");
        config
    }

    fn store(&self) -> String {
        self.dir.join("audit.db").display().to_string()
    }
}

impl Drop for TempConfig {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `check-config ARGS --config FILE` with only PATH, HOME and `env` set; bounded.
async fn check(config: &TempConfig, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_mimecast-bot"));
    command
        .arg("check-config")
        .arg("--config")
        .arg(&config.file)
        .args(args)
        .env_clear()
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    for name in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("check-config finishes within 60 s")
        .expect("check-config runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Fails if any secret value (or a long prefix of one) is in stdout or stderr.
fn assert_no_secret(o: &Output, extra: &[&str]) {
    let all = format!("{}\n{}", stdout(o), stderr(o));
    for secret in [CLIENT_SECRET, SIGNING_SECRET, BOT_TOKEN, DISCORD_TOKEN]
        .iter()
        .chain(extra)
    {
        let prefix = &secret[..secret.len() - 4];
        assert!(!all.contains(prefix), "{secret:?} leaked:\n{all}");
    }
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

/// Every platform's credentials, with distinctive values.
fn all_secrets() -> Vec<(&'static str, String)> {
    vec![
        ("MIMECAST_CLIENT_ID", CLIENT_ID.into()),
        ("MIMECAST_CLIENT_SECRET", CLIENT_SECRET.into()),
        ("SLACK_SIGNING_SECRET", SIGNING_SECRET.into()),
        ("SLACK_BOT_TOKEN", BOT_TOKEN.into()),
        ("DISCORD_TOKEN", DISCORD_TOKEN.into()),
    ]
}

/// The sandbox's URL and its API 2.0 credentials, with `secret` as the client secret.
fn sandbox_env(sandbox: &SandboxHandle, secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("MIMECAST_BASE_URL", sandbox.base_url()),
        (
            "MIMECAST_CLIENT_ID",
            SandboxCredentials::default().client_id,
        ),
        ("MIMECAST_CLIENT_SECRET", secret.to_owned()),
    ]
}

/// Slack pointed at the stand-in with `token`.
fn slack_env(slack: &SlackStandIn, token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SLACK_SIGNING_SECRET", SIGNING_SECRET.into()),
        ("SLACK_BOT_TOKEN", token.into()),
        ("SLACK_API_URL", slack.api_url()),
    ]
}

#[tokio::test]
async fn a_valid_configuration_is_printed_with_every_secret_masked() {
    let config = TempConfig::new(
        "[discord]\nguild_id = 123456789012345678\n[approvals.slack]\nrequesters = { anyone = true }\napprovers = { users = [\"U0LEAD\"] }\n",
    );
    let out = check(&config, &[], &all_secrets()).await;
    let text = stdout(&out);
    assert_eq!(code(&out), Some(0), "{text}\n{}", stderr(&out));
    for section in [
        "[store]",
        "[approvals]",
        "[approvals.discord]",
        "[approvals.slack]",
        "[approvals.console]",
        "[mimecast]",
        "[discord]",
        "[slack]",
        "[ops]",
    ] {
        assert!(
            text.lines().any(|l| l == section),
            "{section} missing:\n{text}"
        );
    }
    for line in [
        format!("path = {:?}  # file", config.store()),
        "expiry_minutes = 240  # default".to_owned(),
        "approvers = { anyone = false, users = [\"U0LEAD\"], roles = [] }  # file".to_owned(),
        format!("client_id = \"{CLIENT_ID}\"  # env MIMECAST_CLIENT_ID"),
        "client_secret = \"********\"  # env MIMECAST_CLIENT_SECRET".to_owned(),
        "base_url = \"https://api.services.mimecast.com\"  # default".to_owned(),
        "token = \"********\"  # env DISCORD_TOKEN".to_owned(),
        "guild_id = 123456789012345678  # file".to_owned(),
        "signing_secret = \"********\"  # env SLACK_SIGNING_SECRET".to_owned(),
        "bot_token = \"********\"  # env SLACK_BOT_TOKEN".to_owned(),
        "listen = \"127.0.0.1:3000\"  # default".to_owned(),
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} missing:\n{text}");
    }
    assert!(text.contains("configuration OK"), "{text}");
    // Warnings (nobody may approve on Discord) do not fail the check.
    assert!(
        stderr(&out).contains("warning: [approvals.discord]: no approvers are named"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("error:"), "{}", stderr(&out));
    assert_no_secret(&out, &[]);
}

#[tokio::test]
async fn an_environment_override_is_shown_as_the_source() {
    let config = TempConfig::new("[approvals]\nexpiry_minutes = 30\n");
    let mut env = all_secrets();
    env.push(("MIMECAST_BOT_STORE_PATH", "/srv/override/bot.db".into()));
    env.push(("SLACK_LISTEN", "0.0.0.0:3100".into()));
    let out = check(&config, &[], &env).await;
    let text = stdout(&out);
    assert_eq!(code(&out), Some(0), "{text}\n{}", stderr(&out));
    for line in [
        "path = \"/srv/override/bot.db\"  # env MIMECAST_BOT_STORE_PATH",
        "expiry_minutes = 30  # file",
        "listen = \"0.0.0.0:3100\"  # env SLACK_LISTEN",
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} missing:\n{text}");
    }
    assert!(
        !text.contains(&config.store()),
        "the file's path is overridden:\n{text}"
    );
    // The override's folder does not exist: a warning, not a failure.
    assert!(stderr(&out).contains("/srv/override"), "{}", stderr(&out));
    assert_no_secret(&out, &[]);
}

#[tokio::test]
async fn an_unknown_key_fails_with_exit_2_naming_it() {
    let config = TempConfig::raw("[store]\npaht = \"/tmp/x.db\"\n");
    let out = check(&config, &[], &all_secrets()).await;
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one error line: {err}");
    assert!(lines[0].starts_with("error: invalid config file"), "{err}");
    assert!(lines[0].contains("paht"), "{err}");
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert_no_secret(&out, &[]);
}

#[tokio::test]
async fn missing_pieces_are_listed_one_line_each_with_exit_2() {
    let config = TempConfig::new(
        "[[schedules]]\nname = \"soc-morning\"\nplatform = \"discord\"\nchannel = \"123456789012345678\"\ntime = \"08:00\"\ntimezone = \"UTC\"\n",
    );
    let out = check(
        &config,
        &[],
        &[
            ("MIMECAST_CLIENT_ID", CLIENT_ID.into()),
            ("SLACK_BOT_TOKEN", BOT_TOKEN.into()),
        ],
    )
    .await;
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 3, "{err}");
    assert!(
        errors[0].contains("MIMECAST_CLIENT_SECRET not set"),
        "{err}"
    );
    assert!(
        errors[1].contains("SLACK_SIGNING_SECRET is not set"),
        "{err}"
    );
    assert!(
        errors[2].contains("\"soc-morning\" posts to discord, which is not configured"),
        "{err}"
    );
    let text = stdout(&out);
    assert!(
        text.contains("configuration invalid: 3 problem(s)"),
        "{text}"
    );
    assert!(
        text.contains("# disabled: DISCORD_TOKEN is not set"),
        "{text}"
    );
    assert_no_secret(&out, &[]);
}

#[tokio::test]
async fn live_mimecast_is_ok_against_the_sandbox() {
    let sandbox = common::sandbox(SandboxConfig::default()).await;
    let config = TempConfig::new("");
    let secret = SandboxCredentials::default().client_secret;
    let out = check(&config, &["--live"], &sandbox_env(&sandbox, &secret)).await;
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("mimecast: ok (API 2.0 at http://127.0.0.1:")),
        "{text}\n{}",
        stderr(&out)
    );
    assert!(
        text.contains("discord: not checked (not configured)"),
        "{text}"
    );
    assert!(
        text.contains("slack: not checked (not configured)"),
        "{text}"
    );
    // No chat platform: `run` would refuse to start, so the configuration is invalid.
    assert_eq!(code(&out), Some(2), "{text}\n{}", stderr(&out));
    let err = stderr(&out);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(
        errors[0].contains("no chat platform is configured"),
        "{err}"
    );
    assert_no_secret(&out, &[&secret]);
    assert!(
        !common::served(&sandbox, "/oauth/token").is_empty(),
        "the credentials were exchanged"
    );
}

#[tokio::test]
async fn live_a_wrong_client_secret_fails_with_exit_1_and_one_line() {
    let sandbox = common::sandbox(SandboxConfig::default()).await;
    let slack = SlackStandIn::start(&[]).await;
    let config = TempConfig::new("");
    let mut env = sandbox_env(&sandbox, CLIENT_SECRET);
    env.extend(slack_env(&slack, slack_standin::BOT_TOKEN));
    let out = check(&config, &["--live"], &env).await;
    let err = stderr(&out);
    assert_eq!(code(&out), Some(1), "{}\n{err}", stdout(&out));
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].starts_with("error: mimecast: "), "{err}");
    assert!(errors[0].contains("MIMECAST_CLIENT_SECRET"), "{err}");
    let text = stdout(&out);
    assert!(text.contains("configuration OK"), "{text}");
    assert!(!text.contains("mimecast: ok"), "{text}");
    assert!(text.contains("slack: ok"), "{text}");
    assert_no_secret(&out, &[]);
    slack.shutdown().await;
}

#[tokio::test]
async fn live_slack_is_ok_against_the_stand_in() {
    let sandbox = common::sandbox(SandboxConfig::default()).await;
    let slack = SlackStandIn::start(&[]).await;
    let config = TempConfig::new("");
    let mut env = sandbox_env(&sandbox, &SandboxCredentials::default().client_secret);
    env.extend(slack_env(&slack, slack_standin::BOT_TOKEN));
    let out = check(&config, &["--live"], &env).await;
    let text = stdout(&out);
    assert_eq!(code(&out), Some(0), "{text}\n{}", stderr(&out));
    assert!(
        text.lines()
            .any(|l| l == "slack: ok (bot mimecast-bot in Stand-in SOC)"),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("mimecast: ok")),
        "{text}"
    );
    let calls = slack.calls_of("auth.test");
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        calls[0].auth.as_deref(),
        Some("Bearer xoxb-test-token"),
        "the bot token is sent as a bearer token"
    );
    assert_no_secret(&out, &[slack_standin::BOT_TOKEN]);
    slack.shutdown().await;
}

#[tokio::test]
async fn live_a_wrong_slack_token_fails_with_exit_1_naming_slacks_error() {
    let sandbox = common::sandbox(SandboxConfig::default()).await;
    let slack = SlackStandIn::start(&[]).await;
    let config = TempConfig::new("");
    let mut env = sandbox_env(&sandbox, &SandboxCredentials::default().client_secret);
    env.extend(slack_env(&slack, BOT_TOKEN));
    let out = check(&config, &["--live"], &env).await;
    let err = stderr(&out);
    assert_eq!(code(&out), Some(1), "{}\n{err}", stdout(&out));
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].starts_with("error: slack: "), "{err}");
    assert!(errors[0].contains("invalid_auth"), "{err}");
    assert!(errors[0].contains("SLACK_BOT_TOKEN"), "{err}");
    assert!(stdout(&out).contains("mimecast: ok"), "{}", stdout(&out));
    assert_no_secret(&out, &[]);
    slack.shutdown().await;
}

#[tokio::test]
async fn live_discord_reports_the_bot_or_the_refusal() {
    let sandbox = common::sandbox(SandboxConfig::default()).await;
    let discord = DiscordStandIn::start().await;
    let config = TempConfig::new("");
    let mut env = sandbox_env(&sandbox, &SandboxCredentials::default().client_secret);
    env.push(("DISCORD_TOKEN", DISCORD_TOKEN.into()));
    env.push(("DISCORD_API_URL", discord.rest_url()));
    let out = check(&config, &["--live"], &env).await;
    let text = stdout(&out);
    assert_eq!(code(&out), Some(0), "{text}\n{}", stderr(&out));
    assert!(
        text.lines().any(|l| l == "discord: ok (bot mimecast-bot)"),
        "{text}"
    );
    assert_no_secret(&out, &[]);

    discord.fail_next(
        "GET",
        "/api/v10/users/@me",
        401,
        json!({"message": "401: Unauthorized", "code": 0}),
    );
    let out = check(&config, &["--live"], &env).await;
    let err = stderr(&out);
    assert_eq!(code(&out), Some(1), "{}\n{err}", stdout(&out));
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(
        errors,
        ["error: discord: Discord refused the bot token (HTTP 401); check DISCORD_TOKEN"],
        "{err}"
    );
    assert_no_secret(&out, &[]);
    discord.shutdown().await;
}
