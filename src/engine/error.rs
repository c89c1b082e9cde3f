//! Why a command could not be carried out, with the message the user sees.

use mimecast_commands::ParseError;

use crate::mimecast::MimecastError;

/// A command failed. `Display` is the log detail; [`EngineError::user_message`] is for people.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The command line was wrong (exit code 2 in the CLI).
    #[error("bad input: {0}")]
    Input(#[from] ParseError),
    /// Mimecast or the network failed (exit code 1 in the CLI).
    #[error(transparent)]
    Mimecast(#[from] MimecastError),
    /// The held message named is not in the held queue.
    #[error("held message not found")]
    NotHeld,
    /// The person did not confirm a release or reject (or could not be asked).
    #[error("not confirmed: {0}")]
    Refused(Refusal),
    /// A `--page` value that this bot did not print.
    #[error("unknown page handle")]
    BadPage,
    /// A short reference matched more than one held message.
    #[error("ambiguous held-message reference")]
    AmbiguousRef,
    /// Release and reject are not run by `execute`; they need confirmation or approval.
    #[error("release and reject need confirmation or approval")]
    NeedsConfirmation,
}

impl EngineError {
    /// One line for the user, saying what to do next.
    pub fn user_message(&self) -> String {
        match self {
            Self::Input(e) => e.to_string(),
            Self::Mimecast(e) => e.user_message(),
            Self::NotHeld => {
                "That message is not in the held queue (already released or rejected?). Type: messages held --admin".to_owned()
            }
            Self::Refused(refusal) => refusal.to_string(),
            Self::BadPage => {
                "That --page value is not one this bot printed; run the command without --page to start again.".to_owned()
            }
            Self::AmbiguousRef => {
                "That reference matches more than one held message; use the full id from: messages held --admin --output json".to_owned()
            }
            Self::NeedsConfirmation => {
                "Releasing or rejecting mail needs confirmation; run it from the CLI with --yes or request approval in chat.".to_owned()
            }
        }
    }

    /// The process exit code for the one-shot CLI: 2 for bad input, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Input(_)
            | Self::NeedsConfirmation
            | Self::Refused(_)
            | Self::AmbiguousRef
            | Self::BadPage => 2,
            Self::Mimecast(MimecastError::InvalidRequest { .. }) => 2,
            _ => 1,
        }
    }
}

/// Why nothing was done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No terminal to ask on and no `--yes`.
    #[error("refusing to {0} without confirmation: no terminal to ask on; add --yes to confirm")]
    NoTerminal(String),
    /// The person did not type `yes`.
    #[error("{0} cancelled; nothing was changed")]
    Declined(String),
}
