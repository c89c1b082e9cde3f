//! `mimecast-bot demo`: the built-in Mimecast sandbox on a free loopback port and a console
//! on it, so the bot can be tried on a fresh machine with no credentials.

use std::io::IsTerminal;
use std::process::ExitCode;

use tokio::io::BufReader;

use super::Console;
use crate::engine::Engine;
use crate::mimecast::{ClientConfig, Credentials, MimecastClient};
use crate::sandbox::{Sandbox, SandboxConfig, SandboxCredentials};
use crate::secret::Secret;

/// What an interactive demo prints before the first prompt.
pub const BANNER: &str = "\
mimecast-bot demo: a local Mimecast sandbox with generated mail, no credentials needed.
Try:
  /mimecast held --admin          the held queue
  /mimecast ttp urls --start 7d --result malicious
  /mimecast ttp impersonation --start 7d --action blocked
  /mimecast messages search --to example-corp.com --start 3d
  /mimecast summary --date yesterday
  help                            every command
  next                            the next page of the last listing
  exit                            leave";

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
    let engine = match engine_for(&sandbox.base_url()) {
        Ok(engine) => engine,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(1);
        }
    };
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        println!("{BANNER}\n(sandbox at {})\n", sandbox.base_url());
    }
    let console = Console::new(
        engine,
        BufReader::new(tokio::io::stdin()),
        tokio::io::stdout(),
        interactive,
    );
    let result = console.run().await;
    sandbox.shutdown().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: console I/O failed: {e}");
            ExitCode::from(1)
        }
    }
}

/// An engine on the sandbox at `base_url` with its default API 2.0 credentials.
pub fn engine_for(base_url: &str) -> Result<Engine, String> {
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
    Ok(Engine::new(client))
}
