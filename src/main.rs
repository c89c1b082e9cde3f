use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mimecast_bot::sandbox::cli::SandboxArgs;

/// Chat-ops bot for investigating and containing email threats on Mimecast.
#[derive(Debug, Parser)]
#[command(
    name = "mimecast-bot",
    version,
    about,
    after_help = "Mimecast commands run one-shot, e.g.:\n  mimecast-bot messages held --admin\n  mimecast-bot ttp urls --start 2024-01-01 --result malicious\n  mimecast-bot help            lists every Mimecast command"
)]
struct Cli {
    #[command(subcommand)]
    command: Process,
}

#[derive(Debug, Subcommand)]
enum Process {
    /// Try the bot: a local Mimecast sandbox and a console on it (no credentials needed).
    Demo,
    /// A console against the Mimecast configured in the environment.
    Console,
    /// Run the bot: Discord (DISCORD_TOKEN) with the approvals store and rules of the config.
    Run {
        /// The config file (else MIMECAST_BOT_CONFIG).
        #[arg(long)]
        config: Option<std::path::PathBuf>,
    },
    /// Push the /mimecast command to Discord (bulk overwrite; DISCORD_GUILD_ID for one guild).
    Register {
        /// The config file (else MIMECAST_BOT_CONFIG).
        #[arg(long)]
        config: Option<std::path::PathBuf>,
    },
    /// Check the config and environment, print them with secrets masked; --live tries the credentials.
    CheckConfig {
        /// The config file (else MIMECAST_BOT_CONFIG).
        #[arg(long)]
        config: Option<std::path::PathBuf>,
        /// Also call Mimecast, Discord and Slack with the configured credentials.
        #[arg(long)]
        live: bool,
    },
    /// Run a local Mimecast API stand-in (no credentials or internet needed).
    Sandbox(SandboxArgs),
    /// A Mimecast command, run once: messages, ttp, archive, url, summary, help.
    #[command(external_subcommand)]
    Mimecast(Vec<String>),
}

#[tokio::main]
async fn main() -> ExitCode {
    if let Err(message) = mimecast_bot::logging::init() {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    match Cli::parse().command {
        Process::Demo => mimecast_bot::console::demo::run().await,
        Process::Console => mimecast_bot::console::run_configured().await,
        Process::Run { config } => mimecast_bot::run::run(config.as_deref()).await,
        Process::Register { config } => mimecast_bot::run::register(config.as_deref()).await,
        Process::CheckConfig { config, live } => {
            mimecast_bot::check_config::run(config.as_deref(), live).await
        }
        Process::Sandbox(args) => mimecast_bot::sandbox::cli::run(args).await,
        Process::Mimecast(args) => mimecast_bot::cli::run(&args).await,
    }
}
