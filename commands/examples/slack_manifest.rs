//! Prints the Slack app manifest (pretty JSON) for the bot's HTTP listener.
//!
//! ```text
//! cargo run -q -p mimecast-commands --example slack_manifest [BASE_URL] > commands/slack-manifest.json
//! ```
//!
//! `BASE_URL` defaults to the placeholder the checked-in `commands/slack-manifest.json` uses
//! ([`mimecast_commands::SLACK_MANIFEST_PLACEHOLDER_URL`]).

use std::process::ExitCode;

use mimecast_commands::{SLACK_MANIFEST_PLACEHOLDER_URL, slack_manifest};

const USAGE: &str = "usage: slack_manifest [BASE_URL]  (e.g. https://mimecast-bot.example.com)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let base_url = match args.as_slice() {
        [] => SLACK_MANIFEST_PLACEHOLDER_URL,
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        [url] if url.starts_with("https://") || url.starts_with("http://") => url.as_str(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match serde_json::to_string_pretty(&slack_manifest(base_url)) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("slack_manifest: {error}");
            ExitCode::FAILURE
        }
    }
}
