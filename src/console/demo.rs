//! `mimecast-bot demo`: the built-in Mimecast sandbox on a free loopback port and a console
//! on it, so the bot can be tried on a fresh machine with no credentials. Approvals are kept in
//! memory for the session; the demo's rules: `analyst` and `lead` may request, only `lead` may
//! approve, nobody approves their own request.

use std::io::IsTerminal;
use std::process::ExitCode;

use tokio::io::BufReader;

use super::{Console, console_actor};
use crate::approvals::{ApprovalPolicy, Approvals, Policies, RoleSet, Store};
use crate::bot::Bot;
use crate::engine::Engine;
use crate::mimecast::{ClientConfig, Credentials, MimecastClient};
use crate::sandbox::{Sandbox, SandboxConfig, SandboxCredentials};
use crate::secret::Secret;

/// The identity the demo starts with.
pub const START_AS: &str = "analyst";

/// What an interactive demo prints before the first prompt.
pub const BANNER: &str = "\
mimecast-bot demo: a local Mimecast sandbox with generated mail, no credentials needed.
You are 'analyst'. Try:
  /mimecast held --admin          the held queue (note a Ref)
  release REF --reason \"false positive\"   asks for approval
  approve REQUEST                 refused: nobody approves their own request
  /as lead                        become the team lead
  approve REQUEST                 releases it, once
  /mimecast audit                 the audit log (approvers only)
  /mimecast ttp urls --start 7d --result malicious
  /mimecast summary --date yesterday
  help, next, whoami, exit";

/// The demo's approval rules.
pub fn demo_policies() -> Policies {
    Policies {
        console: ApprovalPolicy {
            requesters: RoleSet::users(["analyst", "lead"]),
            approvers: RoleSet::users(["lead"]),
            allow_self_approval: false,
        },
        ..Policies::default()
    }
}

/// Runs the demo on the process's stdin and stdout. When stdin is not a terminal it reads one
/// command per line and prints no prompt, for scripts.
pub async fn run() -> ExitCode {
    let sandbox = match Sandbox::start(([127, 0, 0, 1], 0).into(), SandboxConfig::default()).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("error: could not start the sandbox on 127.0.0.1: {e}");
            return ExitCode::from(1);
        }
    };
    let bot = match bot_for(&sandbox.base_url()) {
        Ok(bot) => bot,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(1);
        }
    };
    // With MIMECAST_BOT_OPS_LISTEN, /healthz and /metrics are served for the session too.
    let ops = match std::env::var(crate::config::OPS_LISTEN_ENV) {
        Ok(listen) if !listen.trim().is_empty() => {
            match crate::run::serve_ops(listen.trim(), &bot, Vec::new()).await {
                Ok((task, addr)) => {
                    eprintln!("metrics: http://{addr}/metrics");
                    Some(task)
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    sandbox.shutdown().await;
                    return ExitCode::from(1);
                }
            }
        }
        _ => None,
    };
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        println!("{BANNER}\n(sandbox at {})\n", sandbox.base_url());
    }
    let console = Console::new(
        bot,
        console_actor(START_AS),
        BufReader::new(tokio::io::stdin()),
        tokio::io::stdout(),
        interactive,
    );
    let result = console.run().await;
    if let Some(task) = ops {
        task.abort();
    }
    sandbox.shutdown().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: console I/O failed: {e}");
            ExitCode::from(1)
        }
    }
}

/// A bot on the sandbox at `base_url` with its default API 2.0 credentials, an in-memory
/// approvals store and the demo's rules.
pub fn bot_for(base_url: &str) -> Result<Bot, String> {
    let creds = SandboxCredentials::default();
    let config = ClientConfig::new(
        base_url,
        Credentials::OAuth2 {
            client_id: creds.client_id,
            client_secret: Secret::new(creds.client_secret),
        },
    )
    .map_err(|e| e.to_string())?;
    let client = MimecastClient::new(config).map_err(|e| e.user_message())?;
    let store = Store::open_in_memory().map_err(|e| e.to_string())?;
    Ok(Bot::new(
        Engine::new(client),
        Approvals::new(store, demo_policies()),
    ))
}
