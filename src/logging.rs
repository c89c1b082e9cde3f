//! Logging through `tracing` to stderr, as text or as one JSON object per line
//! (`MIMECAST_BOT_LOG_FORMAT=json`, for log shippers). `RUST_LOG` sets the level (default
//! `warn`; `mimecast_bot=info` shows the bot's own progress). Text is coloured only when
//! stderr is a terminal and `NO_COLOR` is unset, so `docker logs`, journald and files get
//! plain lines without escape codes.
//!
//! Secrets never reach the log: they are held as [`crate::secret::Secret`], whose `Debug` and
//! `Display` print a mask, and no request body, header or token is logged
//! (tests/operations.rs runs a whole session and searches everything logged).

use std::ffi::OsStr;
use std::io::IsTerminal as _;

/// The variable choosing the format.
pub const FORMAT_ENV: &str = "MIMECAST_BOT_LOG_FORMAT";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// Reads `text` or `json` (case-insensitive, blank = text).
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value
            .map(str::trim)
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "" | "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(format!("{FORMAT_ENV} must be text or json, not {other:?}")),
        }
    }
}

/// Whether text lines get ANSI colours: only on a terminal, and never when `NO_COLOR` is set
/// to a non-empty value (<https://no-color.org>).
pub fn use_colour(stderr_is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(OsStr::is_empty)
}

/// Installs the process-wide subscriber from `MIMECAST_BOT_LOG_FORMAT` and `RUST_LOG`.
pub fn init() -> Result<(), String> {
    let format = LogFormat::parse(std::env::var(FORMAT_ENV).ok().as_deref())?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let colour = use_colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let installed = match format {
        LogFormat::Text => builder.with_ansi(colour).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    installed.map_err(|e| format!("cannot start logging: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_format() {
        assert_eq!(LogFormat::parse(None), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some(" JSON ")), Ok(LogFormat::Json));
        assert_eq!(LogFormat::parse(Some("text")), Ok(LogFormat::Text));
        let err = LogFormat::parse(Some("xml")).expect_err("refused");
        assert!(
            err.contains(FORMAT_ENV) && err.contains("text or json"),
            "{err}"
        );
    }

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        assert!(use_colour(true, None));
        assert!(use_colour(true, Some(OsStr::new(""))));
        assert!(!use_colour(true, Some(OsStr::new("1"))));
        assert!(!use_colour(false, None));
        assert!(!use_colour(false, Some(OsStr::new("1"))));
    }
}
