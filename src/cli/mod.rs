//! The one-shot CLI: `mimecast-bot messages held --admin`, every command line of the command
//! reference with the program name in front. Answers go to stdout, errors to stderr.
//!
//! The CLI is run by an operator who holds the API keys: release and reject need that
//! operator's confirmation (or `--yes`) instead of a second person, and are written to the same
//! audit log as chat approvals (the store named in the config file).
//!
//! Exit codes: 0 success, 2 bad input (including a refused confirmation), 1 Mimecast, network
//! or store error.

pub mod confirm;

use std::io::Write;
use std::process::ExitCode;

use mimecast_commands::{Command, Invocation, OutputFormat, parse_args};

use crate::approvals::{ActionKind, Actor, Approvals, CliAction, Evidence, Platform, Store};
use crate::bot::audit_reply;
use crate::config::Config;
use crate::engine::{Engine, EngineError, Reply};
use crate::mimecast::{ClientConfig, HeldMessage, MimecastClient};
use crate::render;

/// Rows per page in the one-shot CLI.
pub const PAGE_SIZE: u32 = 100;

/// Why a one-shot command failed, with its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The engine failed (input, Mimecast, confirmation).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The approvals store could not be opened or written.
    #[error("{0}")]
    Store(String),
}

impl CliError {
    /// One line for the user.
    pub fn user_message(&self) -> String {
        match self {
            Self::Engine(e) => e.user_message(),
            Self::Store(message) => message.clone(),
        }
    }

    /// 2 for bad input or a refused confirmation, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Engine(e) => e.exit_code(),
            Self::Store(_) => 1,
        }
    }
}

/// Runs one command line (without the program name) and returns the exit code.
pub async fn run(args: &[String]) -> ExitCode {
    let invocation = match parse_args(args) {
        Ok(invocation) => invocation,
        Err(e) => return fail(&e.to_string(), 2),
    };
    if let Command::Help(help) = &invocation.command {
        print(&mimecast_commands::help_text(help.topic.as_deref()));
        return ExitCode::SUCCESS;
    }
    let config = match Config::load(None) {
        Ok(config) => config,
        Err(e) => return fail(&e.to_string(), 2),
    };
    let engine = if matches!(invocation.command, Command::Audit(_)) {
        None
    } else {
        let client_config = match ClientConfig::from_env() {
            Ok(config) => config,
            Err(e) => return fail(&e.to_string(), 2),
        };
        match MimecastClient::new(client_config) {
            Ok(client) => Some(Engine::new(client).with_page_size(PAGE_SIZE)),
            Err(e) => return fail(&e.user_message(), 1),
        }
    };
    let confirm = async |evidence: &Reply, action: &'static str| {
        confirm::on_terminal(evidence, action, invocation.yes)
    };
    match execute(engine.as_ref(), &config, &invocation, confirm).await {
        Ok(reply) => {
            let mut text = format_reply(&reply, invocation.output);
            if let (Some(token), OutputFormat::Text) = (&reply.next_page, invocation.output) {
                text.push_str(&format!(
                    "\nMore results: run the same command with --page {token}\n"
                ));
            }
            print(&text);
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::debug!(error = %e, "command failed");
            fail(&e.user_message(), e.exit_code())
        }
    }
}

/// Runs `invocation`. Reads go straight to the engine. Release and reject open the audit store
/// first (no audit, no action), show `confirm` the evidence (the held message as Mimecast has
/// it now), make the one Mimecast call, and record the outcome, success or failure.
pub async fn execute(
    engine: Option<&Engine>,
    config: &Config,
    invocation: &Invocation,
    mut confirm: impl AsyncFnMut(&Reply, &'static str) -> Result<(), EngineError>,
) -> Result<Reply, CliError> {
    let needs_engine = || CliError::Store("no Mimecast client configured".into());
    match &invocation.command {
        Command::Audit(audit) => {
            let approvals = open_approvals(config).await?;
            let entries = approvals
                .recent_audit(audit.limit)
                .await
                .map_err(|e| CliError::Store(e.to_string()))?;
            Ok(audit_reply(&entries))
        }
        Command::MessagesRelease(release) => {
            let engine = engine.ok_or_else(needs_engine)?;
            let approvals = open_approvals(config).await?;
            let message = engine.find_held(release.id.as_str()).await?;
            confirm(&engine.evidence(&message, "Release"), "release").await?;
            let result = engine.release(&message, release.reason.as_deref()).await;
            record(
                &approvals,
                &message,
                ActionKind::Release,
                release.reason.clone(),
                &result,
            )
            .await?;
            Ok(result?)
        }
        Command::MessagesReject(reject) => {
            let engine = engine.ok_or_else(needs_engine)?;
            let approvals = open_approvals(config).await?;
            let message = engine.find_held(reject.id.as_str()).await?;
            confirm(&engine.evidence(&message, "Reject"), "reject").await?;
            let result = engine.reject(&message, reject).await;
            record(
                &approvals,
                &message,
                ActionKind::reject_from(reject),
                None,
                &result,
            )
            .await?;
            Ok(result?)
        }
        _ => Ok(engine
            .ok_or_else(needs_engine)?
            .execute(invocation, invocation.page.clone())
            .await?),
    }
}

async fn open_approvals(config: &Config) -> Result<Approvals, CliError> {
    let store = Store::open(&config.store.path).await.map_err(|e| {
        CliError::Store(format!(
            "cannot open the audit store {}: {e}; nothing was changed",
            config.store.path.display()
        ))
    })?;
    Ok(Approvals::new(store, config.policies()))
}

/// The operator: the OS user running the CLI.
pub fn operator() -> Actor {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    Actor::new(Platform::Cli, name.clone(), name)
}

async fn record(
    approvals: &Approvals,
    message: &HeldMessage,
    kind: ActionKind,
    reason: Option<String>,
    result: &Result<Reply, EngineError>,
) -> Result<(), CliError> {
    let outcome = match result {
        Ok(reply) => Ok(reply
            .json
            .as_ref()
            .and_then(|j| j["requestId"].as_str())
            .unwrap_or_default()
            .to_owned()),
        Err(e) => Err(e.user_message()),
    };
    let entry = CliAction {
        message_id: message.id.clone(),
        evidence: Evidence::from_held(message),
        actor: operator(),
        kind,
        reason,
        outcome,
    };
    approvals.record_cli_action(entry).await.map(|_| ()).map_err(|e| {
        CliError::Store(format!(
            "Mimecast answered, but the audit record could not be written ({e}); check the held queue"
        ))
    })
}

/// The reply in the requested format.
pub fn format_reply(reply: &Reply, output: OutputFormat) -> String {
    match output {
        OutputFormat::Json => render::json::render(reply),
        OutputFormat::Text => render::text::render(reply),
    }
}

fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (e.g. `| head`) is not an error worth a panic.
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}
