//! The one-shot CLI: `mimecast-bot messages held --admin`, every command line of the command
//! reference with the program name in front. Answers go to stdout, errors to stderr.
//!
//! Exit codes: 0 success, 2 bad input (including a refused confirmation), 1 Mimecast or
//! network error.

pub mod confirm;

use std::io::Write;
use std::process::ExitCode;

use mimecast_commands::{Command, Invocation, OutputFormat, parse_args};

use crate::engine::{Engine, EngineError, Reply};
use crate::mimecast::{ClientConfig, MimecastClient};
use crate::render;

/// Rows per page in the one-shot CLI.
pub const PAGE_SIZE: u32 = 100;

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
    let config = match ClientConfig::from_env() {
        Ok(config) => config,
        Err(e) => return fail(&e.to_string(), 2),
    };
    let client = match MimecastClient::new(config) {
        Ok(client) => client,
        Err(e) => return fail(&e.user_message(), 1),
    };
    let engine = Engine::new(client).with_page_size(PAGE_SIZE);
    let confirm = async |evidence: &Reply, action: &'static str| {
        confirm::on_terminal(evidence, action, invocation.yes)
    };
    match execute(&engine, &invocation, confirm).await {
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

/// Runs `invocation`: reads directly; release or reject only after `confirm` has been shown
/// the evidence (the held message as Mimecast has it now) and agreed.
pub async fn execute(
    engine: &Engine,
    invocation: &Invocation,
    mut confirm: impl AsyncFnMut(&Reply, &'static str) -> Result<(), EngineError>,
) -> Result<Reply, EngineError> {
    match &invocation.command {
        Command::MessagesRelease(release) => {
            let message = engine.find_held(release.id.as_str()).await?;
            confirm(&engine.evidence(&message, "Release"), "release").await?;
            engine.release(&message, release.reason.as_deref()).await
        }
        Command::MessagesReject(reject) => {
            let message = engine.find_held(reject.id.as_str()).await?;
            confirm(&engine.evidence(&message, "Reject"), "reject").await?;
            engine.reject(&message, reject).await
        }
        _ => engine.execute(invocation, invocation.page.clone()).await,
    }
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
