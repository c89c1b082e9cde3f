//! `mimecast-bot run` and `mimecast-bot register`: the long-running bot (Discord, Slack or
//! both) and its one-off Discord command registration.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use crate::approvals::{Approvals, Platform, Store, SystemClock};
use crate::bot::Bot;
use crate::chat::{self, RequestMessages};
use crate::config::Config;
use crate::discord::{self, DiscordSettings};
use crate::engine::Engine;
use crate::mimecast::{ClientConfig, MimecastClient};
use crate::ops;
use crate::slack::{self, SlackMessages, SlackPoster, SlackSettings};
use crate::summaries::runs::RunStore;
use crate::summaries::scheduler::{Scheduler, SummaryPoster};

/// The chat adapters the environment asks for.
struct Adapters {
    discord: Option<DiscordSettings>,
    slack: Option<SlackSettings>,
}

impl Adapters {
    /// Discord when `DISCORD_TOKEN` is set, Slack when either Slack credential is set (then both
    /// must be); at least one.
    fn from_env(config: &Config) -> Result<Self, String> {
        let discord = if std::env::var(discord::settings::TOKEN_ENV)
            .is_ok_and(|v| !v.trim().is_empty())
        {
            Some(DiscordSettings::from_env_and_config(&config.discord).map_err(|e| e.to_string())?)
        } else {
            None
        };
        let slack = if SlackSettings::wanted() {
            Some(SlackSettings::from_env_and_config(&config.slack).map_err(|e| e.to_string())?)
        } else {
            None
        };
        if discord.is_none() && slack.is_none() {
            return Err(format!(
                "no chat platform is configured: set {} for Discord, and/or {} and {} for Slack",
                discord::settings::TOKEN_ENV,
                crate::slack::settings::SIGNING_SECRET_ENV,
                crate::slack::settings::BOT_TOKEN_ENV
            ));
        }
        Ok(Self { discord, slack })
    }
}

/// Builds the bot from the config file and the environment and serves the configured chat
/// platforms (Discord, Slack, or both); with `[[schedules]]`, the daily-summary scheduler runs
/// alongside, and one expiry sweep updates requests on every platform.
pub async fn run(config_path: Option<&Path>) -> ExitCode {
    let config = match Config::load(config_path) {
        Ok(config) => config,
        Err(e) => return fail(&e.to_string(), 2),
    };
    let adapters = match Adapters::from_env(&config) {
        Ok(adapters) => adapters,
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
    let (stop_sender, stop_receiver) = tokio::sync::watch::channel(false);
    let stop = move || {
        let mut receiver = stop_receiver.clone();
        async move {
            let _ = receiver.wait_for(|stopped| *stopped).await;
        }
    };
    let mut messages: Vec<Arc<dyn RequestMessages>> = Vec::new();
    let mut posters: Vec<Arc<dyn SummaryPoster>> = Vec::new();
    if let Some(settings) = &adapters.discord {
        let http = Arc::new(settings.http());
        messages.push(Arc::new(discord::DiscordMessages::new(http.clone())));
        posters.push(Arc::new(discord::DiscordPoster::new(http)));
    }
    let mut slack_server = None;
    if let Some(settings) = &adapters.slack {
        match start_slack(settings, &bot, &config, stop()).await {
            Ok((server, message_api, poster)) => {
                slack_server = Some(server);
                messages.push(Arc::new(message_api));
                posters.push(Arc::new(poster));
            }
            Err((message, code)) => return fail(&message, code),
        }
    }
    let scheduler = match build_scheduler(&config, posters, &bot).await {
        Ok(scheduler) => scheduler.map(|s| tokio::spawn(s.run_forever())),
        Err((message, code)) => return fail(&message, code),
    };
    let mut platforms = Vec::new();
    if adapters.discord.is_some() {
        platforms.push(Platform::Discord);
    }
    if adapters.slack.is_some() {
        platforms.push(Platform::Slack);
    }
    let ops_server = match start_ops(&config, &bot, platforms).await {
        Ok(server) => server,
        Err((message, code)) => return fail(&message, code),
    };
    let expiry = tokio::spawn(chat::expire_loop(bot.clone(), messages));
    let discord_task = adapters.discord.map(|settings| {
        let bot = bot.clone();
        let stop = stop();
        tokio::spawn(async move {
            discord::run(&settings, bot, stop)
                .await
                .map_err(|e| e.to_string())
        })
    });
    let mut adapters = AdapterTasks {
        discord: discord_task,
        slack: slack_server,
    };
    let result = tokio::select! {
        result = adapters.first_to_stop() => result,
        signal = shutdown_signal() => {
            tracing::info!(signal, "stopping: no new commands; finishing the ones running");
            Ok(())
        }
    };
    // Stop taking commands, let the running ones finish within the bound, then stop the rest.
    let _ = stop_sender.send(true);
    let unfinished = bot.in_flight().drain(SHUTDOWN_GRACE).await;
    adapters.wait(ADAPTER_STOP_LIMIT).await;
    if let Some(task) = scheduler {
        task.abort();
    }
    expiry.abort();
    if let Some(server) = ops_server {
        server.abort();
    }
    let closed = bot.approvals().store().checkpoint().await;
    if let Err(e) = &closed {
        tracing::warn!(error = %e, "could not checkpoint the store on the way out");
    }
    match (result, unfinished) {
        (Err(message), _) => fail(&message, 1),
        (Ok(()), 0) => {
            tracing::info!("stopped cleanly");
            ExitCode::SUCCESS
        }
        (Ok(()), n) => fail(
            &format!(
                "stopped with {n} command(s) still running after {} s; check their outcome in the audit log",
                SHUTDOWN_GRACE.as_secs()
            ),
            1,
        ),
    }
}

/// How long a stop waits for running commands (including an approved Mimecast call).
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(20);
/// How long a stop waits for the adapters to close their connections.
const ADAPTER_STOP_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

/// SIGTERM (docker stop, systemd) or SIGINT (Ctrl-C); its name.
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the bot");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// The running adapters.
struct AdapterTasks {
    discord: Option<AdapterTask>,
    slack: Option<AdapterTask>,
}

impl AdapterTasks {
    /// Waits until one adapter stops on its own; its error, if any. Never returns when no
    /// adapter runs.
    async fn first_to_stop(&mut self) -> Result<(), String> {
        async fn join(task: &mut Option<AdapterTask>, name: &str) -> Result<(), String> {
            match task.as_mut() {
                Some(handle) => {
                    let result = match handle.await {
                        Ok(result) => result,
                        Err(e) => Err(format!("the {name} adapter stopped: {e}")),
                    };
                    *task = None;
                    result
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            result = join(&mut self.discord, "Discord") => result,
            result = join(&mut self.slack, "Slack") => result,
        }
    }

    /// Waits at most `limit` for the adapters to finish after the stop; then abandons them.
    async fn wait(self, limit: std::time::Duration) {
        for task in [self.discord, self.slack].into_iter().flatten() {
            if tokio::time::timeout(limit, task).await.is_err() {
                tracing::warn!("an adapter did not close within {} s", limit.as_secs());
            }
        }
    }
}

/// A running adapter task: its one-line error when it stops.
type AdapterTask = tokio::task::JoinHandle<Result<(), String>>;

/// Binds the Slack listener and starts serving until `stop` (requests in flight are answered);
/// returns the server task and the Slack message updater and summary poster.
async fn start_slack(
    settings: &SlackSettings,
    bot: &Bot,
    config: &Config,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(AdapterTask, SlackMessages, SlackPoster), (String, u8)> {
    let web = slack::web_api(settings).map_err(|e| (e.to_string(), 2))?;
    let router = slack::router(settings, web.clone(), bot.clone(), &config.policies());
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| {
            (
                format!("cannot listen on {} for Slack: {e}", settings.listen),
                1,
            )
        })?;
    let message_api = SlackMessages::new(web.clone());
    let poster = SlackPoster::new(web);
    let server = tokio::spawn(async move {
        slack::serve(listener, router, stop)
            .await
            .map_err(|e| e.to_string())
    });
    Ok((server, message_api, poster))
}

/// Serves `/healthz` and `/metrics` on `[ops] listen` (or `MIMECAST_BOT_OPS_LISTEN`), when
/// set: the store, Mimecast and the running chat platforms are checked.
async fn start_ops(
    config: &Config,
    bot: &Bot,
    platforms: Vec<Platform>,
) -> Result<Option<tokio::task::JoinHandle<()>>, (String, u8)> {
    let Some(listen) = config.ops.listen.as_deref() else {
        return Ok(None);
    };
    serve_ops(listen, bot, platforms)
        .await
        .map(|(task, _)| Some(task))
        .map_err(|message| (message, 1))
}

/// Binds `listen` and serves `/healthz` and `/metrics` for `bot` (its store and Mimecast) and
/// `platforms`; returns the task and the bound address (a port 0 is chosen by the OS).
pub async fn serve_ops(
    listen: &str,
    bot: &Bot,
    platforms: Vec<Platform>,
) -> Result<(tokio::task::JoinHandle<()>, std::net::SocketAddr), String> {
    let mimecast =
        ops::MimecastCheck::for_client(bot.engine().client()).map_err(|e| e.to_string())?;
    let checks = ops::HealthChecks::new()
        .store(bot.approvals().store().clone())
        .mimecast(mimecast)
        .chat(platforms);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen} for /healthz and /metrics: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the address of {listen}: {e}"))?;
    tracing::info!(%addr, "health and metrics listening");
    let router = ops::router(checks);
    let task = tokio::spawn(async move {
        if let Err(e) = ops::serve(listener, router, std::future::pending()).await {
            tracing::warn!(error = %e, "the health and metrics listener stopped");
        }
    });
    Ok((task, addr))
}

/// The daily-summary scheduler of `config`'s `[[schedules]]`, posting through `posters` (one
/// per running platform), or `None` when there are none. A schedule for a platform that is not
/// running is refused.
pub async fn build_scheduler(
    config: &Config,
    posters: Vec<Arc<dyn SummaryPoster>>,
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
    for schedule in &schedules {
        tracing::info!(schedule = %schedule.name, platform = %schedule.platform, channel = %schedule.channel, time = %schedule.time, timezone = %schedule.timezone.name(), "daily summary scheduled");
    }
    let scheduler = Scheduler::new(
        schedules,
        runs,
        bot.engine().client().clone(),
        posters,
        Arc::new(SystemClock),
    );
    if let Some(platform) = scheduler.unserved_platforms().first() {
        return Err((
            format!(
                "a schedule posts to {platform}, which is not configured; set its credentials or remove the schedule"
            ),
            2,
        ));
    }
    Ok(Some(scheduler))
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
