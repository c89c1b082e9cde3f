//! Free-text values, message ids and URLs: the checks that keep them one-line and bounded.

use std::fmt;

use crate::error::ParseError;

/// The longest value any option takes, in characters. Mimecast's opaque ids run to ~350
/// characters; anything near this bound is a paste gone wrong.
pub const MAX_VALUE_CHARS: usize = 1000;

/// An opaque Mimecast message id (held-queue or tracking id), as typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageId(String);

impl MessageId {
    /// Parses an id for `option`: non-empty, no whitespace or control characters, bounded.
    pub fn parse(text: &str, option: &str) -> Result<MessageId, ParseError> {
        let text = text.trim();
        check_length(text, option)?;
        if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ParseError::InvalidId {
                option: option.to_string(),
                value: text.to_string(),
            });
        }
        Ok(MessageId(text.to_string()))
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks one line of free text (a subject, a query, a reason): trimmed, non-empty, no
/// control characters, bounded.
/// `example` is a value to suggest when the text is empty.
pub fn parse_text(text: &str, option: &str, example: &str) -> Result<String, ParseError> {
    let text = text.trim();
    check_length(text, option)?;
    if text.is_empty() {
        return Err(ParseError::EmptyValue {
            option: option.to_string(),
            example: example.to_string(),
        });
    }
    if text.chars().any(char::is_control) {
        return Err(ParseError::ControlCharacter {
            option: option.to_string(),
        });
    }
    Ok(text.to_string())
}

/// Checks a URL to decode: `http://` or `https://`, a host, no whitespace.
pub fn parse_url(text: &str, option: &str) -> Result<String, ParseError> {
    let text = text.trim();
    check_length(text, option)?;
    let lower = text.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty()
    });
    if !host_ok || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ParseError::InvalidUrl {
            option: option.to_string(),
            value: text.to_string(),
        });
    }
    Ok(text.to_string())
}

fn check_length(text: &str, option: &str) -> Result<(), ParseError> {
    if text.chars().count() > MAX_VALUE_CHARS {
        return Err(ParseError::TooLong {
            option: option.to_string(),
            max: MAX_VALUE_CHARS,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_opaque_word() {
        assert_eq!(
            MessageId::parse(" MSG123 ", "--id").map(|id| id.to_string()),
            Ok("MSG123".into())
        );
        assert!(MessageId::parse("eNo1jU1PwzAQRP/K/0Cs8k+MTOKEN:x==", "--id").is_ok());
        for bad in ["", "a b", "a\u{0}b"] {
            assert!(
                matches!(
                    MessageId::parse(bad, "--id"),
                    Err(ParseError::InvalidId { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            MessageId::parse(&"x".repeat(1001), "--id"),
            Err(ParseError::TooLong { .. })
        ));
    }

    #[test]
    fn text_is_trimmed_and_single_line() {
        assert_eq!(
            parse_text("  project report ", "--query", "x"),
            Ok("project report".into())
        );
        assert_eq!(
            parse_text("   ", "--query", "invoice"),
            Err(ParseError::EmptyValue {
                option: "--query".into(),
                example: "invoice".into()
            })
        );
        assert_eq!(
            parse_text("a\nb", "--query", "x"),
            Err(ParseError::ControlCharacter {
                option: "--query".into()
            })
        );
    }

    #[test]
    fn urls_need_a_scheme_and_host() {
        assert!(parse_url("https://protect-eu.mimecast.com/s/abc?domain=x", "--url").is_ok());
        assert!(parse_url("HTTP://example.com", "--url").is_ok());
        for bad in [
            "example.com",
            "https://",
            "https:///path",
            "ftp://x.com",
            "https://a b.com",
        ] {
            assert!(
                matches!(parse_url(bad, "--url"), Err(ParseError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }
}
