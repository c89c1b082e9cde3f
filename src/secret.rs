//! A string that must never reach a log, an error message or a reply.

use std::fmt;

/// A credential (API key, client secret, bot token, signing secret).
///
/// `Debug` and `Display` print a fixed mask, so a secret inside a config struct, an error or a
/// `tracing` field cannot leak by accident; [`Secret::expose`] is the one way to read it, and
/// every call site of it is a place where the value leaves the process on purpose.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// The mask printed in place of every secret.
    pub const MASK: &'static str = "********";

    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself, for the HTTP header or signature that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when no value was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_formats_its_value() {
        let secret = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{secret}"), Secret::MASK);
        assert_eq!(format!("{secret:?}"), Secret::MASK);
        assert!(!format!("{:?}", Some(&secret)).contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2-very-secret");
    }
}
