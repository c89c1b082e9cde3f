use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mimecast_bot::sandbox::cli::SandboxArgs;

/// Chat-ops bot for investigating and containing email threats on Mimecast.
#[derive(Debug, Parser)]
#[command(name = "mimecast-bot", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a local Mimecast API stand-in (no credentials or internet needed).
    Sandbox(SandboxArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Sandbox(args) => mimecast_bot::sandbox::cli::run(args).await,
    }
}
