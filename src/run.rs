//! `mimecast-bot run` and `mimecast-bot register`: the long-running bot and its one-off
//! Discord command registration.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use crate::approvals::{Approvals, Store, SystemClock};
use crate::bot::Bot;
use crate::config::Config;
use crate::discord::{self, DiscordSettings};
use crate::engine::Engine;
use crate::mimecast::{ClientConfig, MimecastClient};
use crate::summaries::runs::RunStore;
use crate::summaries::scheduler::Scheduler;

/// Builds the bot from the config file and the environment, and serves Discord; with
/// `[[schedules]]`, the daily-summary scheduler runs alongside.
pub async fn run(config_path: Option<&Path>) -> ExitCode {
    let (config, settings) = match load(config_path) {
        Ok(loaded) => loaded,
        Err(message) => return fail(&message, 2),
    };
    let bot = match build_bot(&config).await {
        Ok(bot) => bot,
        Err((message, code)) => return fail(&message, code),
    };
    for policy in [
        &config.policies().discord,
        &config.policies().slack,
        &config.policies().console,
    ] {
        for warning in policy.warnings() {
            tracing::warn!("{warning}");
        }
    }
    match bot.approvals().claimed().await {
        Ok(claimed) => {
            for action in claimed {
                tracing::warn!(request = %action.short_id, "an approved action's outcome is unknown (the bot stopped during the Mimecast call); check Mimecast");
            }
        }
        Err(e) => return fail(&e.to_string(), 1),
    }
    let scheduler = match build_scheduler(&config, &settings, &bot).await {
        Ok(scheduler) => scheduler.map(|s| tokio::spawn(s.run_forever())),
        Err((message, code)) => return fail(&message, code),
    };
    let result = discord::run(&settings, bot).await;
    if let Some(task) = scheduler {
        task.abort();
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string(), 1),
    }
}

/// The daily-summary scheduler of `config`'s `[[schedules]]` (posting to Discord through
/// `settings`), or `None` when there are none.
pub async fn build_scheduler(
    config: &Config,
    settings: &DiscordSettings,
    bot: &Bot,
) -> Result<Option<Scheduler>, (String, u8)> {
    let schedules = config.schedules().map_err(|e| (e.to_string(), 2))?;
    if schedules.is_empty() {
        return Ok(None);
    }
    let runs = RunStore::open(&config.store.path).await.map_err(|e| {
        (
            format!("cannot open the store {}: {e}", config.store.path.display()),
            1,
        )
    })?;
    let poster = Arc::new(discord::DiscordPoster::new(Arc::new(settings.http())));
    for schedule in &schedules {
        tracing::info!(schedule = %schedule.name, channel = %schedule.channel, time = %schedule.time, timezone = %schedule.timezone.name(), "daily summary scheduled");
    }
    Ok(Some(Scheduler::new(
        schedules,
        runs,
        bot.engine().client().clone(),
        poster,
        Arc::new(SystemClock),
    )))
}

/// The bot of `config`: the Mimecast client from the environment, the store and the rules.
pub async fn build_bot(config: &Config) -> Result<Bot, (String, u8)> {
    let client_config = ClientConfig::from_env().map_err(|e| (e.to_string(), 2))?;
    let client = MimecastClient::new(client_config).map_err(|e| (e.user_message(), 1))?;
    let store = Store::open(&config.store.path).await.map_err(|e| {
        (
            format!("cannot open the store {}: {e}", config.store.path.display()),
            1,
        )
    })?;
    let approvals = Approvals::new(store, config.policies())
        .with_expiry(crate::console::to_delta(config.expiry()));
    Ok(Bot::new(Engine::new(client), approvals))
}

/// Pushes the `/mimecast` command to Discord.
pub async fn register(config_path: Option<&Path>) -> ExitCode {
    let (_, settings) = match load(config_path) {
        Ok(loaded) => loaded,
        Err(message) => return fail(&message, 2),
    };
    match discord::register(&settings).await {
        Ok(count) => {
            let scope = settings
                .guild_id
                .map_or_else(|| "globally".to_owned(), |g| format!("in guild {g}"));
            println!("registered {count} application command(s) {scope}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string(), 1),
    }
}

/// The config file and the Discord settings (environment over file).
fn load(config_path: Option<&Path>) -> Result<(Config, DiscordSettings), String> {
    let config = Config::load(config_path).map_err(|e| e.to_string())?;
    let settings =
        DiscordSettings::from_env_and_config(&config.discord).map_err(|e| e.to_string())?;
    Ok((config, settings))
}

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}
