//! Shell-like splitting of a chat or console line into words.
//!
//! - Whitespace separates words; quoted and unquoted parts next to each other join one word.
//! - `'…'` keeps everything literally. `"…"` keeps everything except `\"` and `\\`, which
//!   stand for `"` and `\`. Chat clients' curly quotes `“…”` and `‘…’` work like `"…"` and `'…'`.
//! - Outside quotes a backslash makes the next character literal.
//! - `$(date +%Y-%m-%d)` (or `$(date +%F)`), as the command reference writes today's date for
//!   the shell, becomes `today`; any other `$( … )` is refused. A lone `$` is literal.
//! - An unterminated quote or substitution, or a trailing lone backslash, is an error.

use crate::error::ParseError;

/// Splits `line` into words.
pub fn split(line: &str) -> Result<Vec<String>, ParseError> {
    let mut words = Vec::new();
    let mut current = String::new();
    // Whether a word is in progress, even if empty (`""` is an empty word).
    let mut in_word = false;
    let mut chars = line.chars().peekable();

    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            '\\' => match chars.next() {
                Some(next) => {
                    current.push(next);
                    in_word = true;
                }
                None => return Err(ParseError::TrailingBackslash),
            },
            '\'' | '‘' => {
                let close = if c == '\'' { '\'' } else { '’' };
                in_word = true;
                loop {
                    match chars.next() {
                        Some(q) if q == close => break,
                        Some(q) => current.push(q),
                        None => return Err(ParseError::UnterminatedQuote { open: c, close }),
                    }
                }
            }
            '"' | '“' => {
                let close = if c == '"' { '"' } else { '”' };
                in_word = true;
                loop {
                    match chars.next() {
                        Some(q) if q == close => break,
                        Some('\\') => match chars.peek() {
                            Some(&next) if next == close || next == '\\' => {
                                current.push(next);
                                chars.next();
                            }
                            _ => current.push('\\'),
                        },
                        Some(q) => current.push(q),
                        None => return Err(ParseError::UnterminatedQuote { open: c, close }),
                    }
                }
            }
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                let mut inner = String::new();
                loop {
                    match chars.next() {
                        Some(')') => break,
                        Some(q) => inner.push(q),
                        None => return Err(ParseError::UnterminatedSubstitution),
                    }
                }
                current.push_str(substitute(&inner)?);
                in_word = true;
            }
            other => {
                current.push(other);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

/// The one substitution understood: today's date as the reference writes it for the shell.
fn substitute(inner: &str) -> Result<&'static str, ParseError> {
    let words: Vec<&str> = inner.split_whitespace().collect();
    match words.as_slice() {
        ["date", format] if is_today_format(format) => Ok("today"),
        _ => Err(ParseError::UnsupportedSubstitution {
            text: inner.trim().to_string(),
        }),
    }
}

fn is_today_format(format: &str) -> bool {
    let unquoted = format.trim_matches(|c| c == '\'' || c == '"');
    matches!(unquoted, "+%Y-%m-%d" | "+%F")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split(line).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    #[test]
    fn splits_on_whitespace_and_honours_quotes() {
        assert_eq!(
            words("  messages   held\t--admin \n"),
            ["messages", "held", "--admin"]
        );
        assert_eq!(
            words(r#"archive search --query "project report""#),
            ["archive", "search", "--query", "project report"]
        );
        assert_eq!(words("--subject 'it''s'"), ["--subject", "its"]);
        assert_eq!(
            words(r#"--subject "say \"hi\" \\ \n""#),
            ["--subject", r#"say "hi" \ \n"#]
        );
        assert_eq!(words(r"--subject a\ b\'c"), ["--subject", "a b'c"]);
        assert_eq!(words(r#"--subject "" x"#), ["--subject", "", "x"]);
        assert_eq!(words("--subject=\"a b\"c"), ["--subject=a bc"]);
        assert_eq!(
            words("--query “project report” ‘x y’"),
            ["--query", "project report", "x y"]
        );
        assert_eq!(words("don’t"), ["don’t"]);
        assert!(words("").is_empty());
    }

    #[test]
    fn date_substitution_from_the_reference_means_today() {
        assert_eq!(
            words("ttp urls --start $(date +%Y-%m-%d) --output json"),
            ["ttp", "urls", "--start", "today", "--output", "json"]
        );
        assert_eq!(words("--start $(date '+%F')"), ["--start", "today"]);
        assert_eq!(words("cost $5"), ["cost", "$5"]);
        assert_eq!(
            split("--start $(rm -rf /)"),
            Err(ParseError::UnsupportedSubstitution {
                text: "rm -rf /".into()
            })
        );
        assert_eq!(
            split("--start $(date"),
            Err(ParseError::UnterminatedSubstitution)
        );
    }

    #[test]
    fn unterminated_input_is_an_error_not_a_panic() {
        assert_eq!(
            split("--query \"abc"),
            Err(ParseError::UnterminatedQuote {
                open: '"',
                close: '"'
            })
        );
        assert_eq!(
            split("--query 'abc"),
            Err(ParseError::UnterminatedQuote {
                open: '\'',
                close: '\''
            })
        );
        assert_eq!(
            split("--query “abc"),
            Err(ParseError::UnterminatedQuote {
                open: '“',
                close: '”'
            })
        );
        assert_eq!(split("held \\"), Err(ParseError::TrailingBackslash));
        assert_eq!(
            split("\"\\"),
            Err(ParseError::UnterminatedQuote {
                open: '"',
                close: '"'
            })
        );
    }
}
