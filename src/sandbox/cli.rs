//! `mimecast-bot sandbox`: run the sandbox from the command line.
//!
//! ```text
//! mimecast-bot sandbox [--listen ADDR] [--seed N] [--scale N] [--fault SPEC]...
//! ```
//!
//! The first line on stdout is exactly `sandbox listening on http://ADDR` (the bound address),
//! then the credentials and environment variables to point the bot at it. Runs until Ctrl-C.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use super::Sandbox;
use super::config::{SandboxConfig, SandboxCredentials};
use super::faults::Fault;

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8025";

/// Arguments of the `sandbox` subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Seed of the generated data.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Rows per log dataset (tracking, archive, each TTP log); held queue = max(25, N/100).
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub scale: usize,
    /// Inject a fault: rate-limit=MS, status=CODE, slow=MS, malformed-json, fail-in-200,
    /// meta-status=CODE or item-false, optionally followed by @/api/path and *N (times).
    /// Repeatable.
    #[arg(long = "fault", value_name = "SPEC", value_parser = parse_fault)]
    pub faults: Vec<Fault>,
}

fn parse_fault(spec: &str) -> Result<Fault, String> {
    spec.parse::<Fault>().map_err(|e| e.to_string())
}

impl SandboxArgs {
    /// The configuration these arguments describe.
    pub fn config(&self) -> SandboxConfig {
        SandboxConfig {
            seed: self.seed,
            scale: self.scale,
            faults: self.faults.clone(),
            ..SandboxConfig::default()
        }
    }
}

/// The banner printed after the first line: credentials and environment variables.
pub fn banner(base_url: &str, config: &SandboxConfig) -> String {
    let SandboxCredentials {
        client_id,
        client_secret,
        app_id,
        app_key,
        access_key,
        secret_key,
    } = &config.credentials;
    let mut text = format!(
        "seed {} · scale {} · data anchored at {}\n\
         \n\
         API 2.0 (OAuth) credentials: client_id {client_id}, client_secret {client_secret}\n\
         API 1.0 (HMAC) credentials: app_id {app_id}, app_key {app_key}, access_key {access_key}, secret_key {secret_key}\n\
         \n\
         Point the bot at it:\n\
         \x20 export MIMECAST_BASE_URL={base_url}\n\
         \x20 export MIMECAST_CLIENT_ID={client_id}\n\
         \x20 export MIMECAST_CLIENT_SECRET={client_secret}\n\
         or, for API 1.0 request signing:\n\
         \x20 export MIMECAST_BASE_URL={base_url}\n\
         \x20 export MIMECAST_APP_ID={app_id}\n\
         \x20 export MIMECAST_APP_KEY={app_key}\n\
         \x20 export MIMECAST_ACCESS_KEY={access_key}\n\
         \x20 export MIMECAST_SECRET_KEY={secret_key}\n\
         \n\
         Control: {base_url}/_sandbox/info (faults, requests, expire-tokens)\n",
        config.seed,
        config.scale,
        crate::mimecast::dates::format(config.now),
    );
    for fault in &config.faults {
        text.push_str(&format!(
            "Fault queued: {}\n",
            serde_json::to_string(fault).unwrap_or_default()
        ));
    }
    text.push_str("Press Ctrl-C to stop.\n");
    text
}

/// Runs the sandbox until Ctrl-C.
pub async fn run(args: SandboxArgs) -> ExitCode {
    let config = args.config();
    let sandbox = match Sandbox::start(args.listen, config.clone()).await {
        Ok(sandbox) => sandbox,
        Err(err) => {
            eprintln!("error: cannot listen on {}: {err}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let base_url = sandbox.base_url();
    {
        let mut out = std::io::stdout().lock();
        let printed = writeln!(out, "sandbox listening on {base_url}")
            .and_then(|()| out.flush())
            .and_then(|()| write!(out, "{}", banner(&base_url, &config)))
            .and_then(|()| out.flush());
        if let Err(err) = printed {
            eprintln!("error: cannot write to stdout: {err}");
        }
    }
    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {err}");
    }
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: SandboxArgs,
    }

    #[test]
    fn parses_defaults_and_faults() {
        let cli = Cli::try_parse_from(["x"]).expect("defaults");
        assert_eq!(cli.args.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!((cli.args.seed, cli.args.scale), (1, 500));
        let cli = Cli::try_parse_from([
            "x",
            "--listen",
            "127.0.0.1:0",
            "--seed",
            "9",
            "--scale",
            "100000",
            "--fault",
            "rate-limit=250@/api/ttp/url/get-logs*1",
            "--fault",
            "item-false",
        ])
        .expect("valid");
        assert_eq!(cli.args.faults.len(), 2);
        assert_eq!(cli.args.config().scale, 100_000);
        let err = Cli::try_parse_from(["x", "--fault", "boom"]).expect_err("bad spec");
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("rate-limit=MS"));
    }

    #[test]
    fn banner_names_the_env_vars() {
        let text = banner("http://127.0.0.1:1", &SandboxConfig::default());
        for var in [
            "MIMECAST_BASE_URL=http://127.0.0.1:1",
            "MIMECAST_CLIENT_ID=sandbox-client-id",
            "MIMECAST_CLIENT_SECRET=sandbox-client-secret",
            "MIMECAST_APP_ID=sandbox-app-id",
            "MIMECAST_APP_KEY=sandbox-app-key",
            "MIMECAST_ACCESS_KEY=sandbox-access-key",
            "MIMECAST_SECRET_KEY=c2FuZGJveC1zZWNyZXQta2V5",
        ] {
            assert!(text.contains(var), "{var}");
        }
    }
}
