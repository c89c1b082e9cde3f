//! Confirmation before a release or reject in the one-shot CLI.

use std::io::{BufRead, IsTerminal, Write};

use crate::engine::error::Refusal;
use crate::engine::{EngineError, Reply};
use crate::render;

/// Confirms on the process's terminal: `--yes` (`preapproved`) goes ahead; otherwise the
/// evidence is shown on stderr and a line is read from stdin. Without a terminal to ask on,
/// it refuses.
pub fn on_terminal(evidence: &Reply, action: &str, preapproved: bool) -> Result<(), EngineError> {
    if preapproved {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(EngineError::Refused(Refusal::NoTerminal(action.to_owned())));
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "{}\n{}",
        render::text::render(evidence),
        question(action)
    );
    let _ = err.flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|_| EngineError::Refused(Refusal::Declined(action.to_owned())))?;
    answer_is_yes(&answer, action)
}

/// The question asked after the evidence.
pub fn question(action: &str) -> String {
    format!("Type yes to {action} this message: ")
}

/// `Ok` for `yes` or `y` (any case), else a cancellation.
pub fn answer_is_yes(answer: &str, action: &str) -> Result<(), EngineError> {
    match answer.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" => Ok(()),
        _ => Err(EngineError::Refused(Refusal::Declined(action.to_owned()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_confirms() {
        assert!(answer_is_yes("yes\n", "release").is_ok());
        assert!(answer_is_yes(" Y ", "release").is_ok());
        for no in ["", "no", "yess", "n", "sure"] {
            let err = answer_is_yes(no, "release").expect_err(no);
            assert_eq!(err.user_message(), "release cancelled; nothing was changed");
        }
    }
}
