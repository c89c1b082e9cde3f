//! Email addresses and domains as the search filters take them.
//!
//! The check is syntactic and deliberately plain: `local@domain` with a dot-atom local part
//! (no quoted forms) and a domain of at least two labels. Letters outside ASCII are accepted
//! so internationalised addresses and domains can be searched for.

use std::fmt;

use crate::error::ParseError;

const MAX_LOCAL: usize = 64;
const MAX_DOMAIN: usize = 253;
const MAX_LABEL: usize = 63;

/// A syntactically valid email address, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses `text` as an address; `None` when it is not one.
    pub fn parse(text: &str) -> Option<EmailAddress> {
        let (local, domain) = text.rsplit_once('@')?;
        (is_local_part(local) && is_domain(domain)).then(|| EmailAddress(text.to_string()))
    }

    /// The address text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A syntactically valid domain name such as `example.com`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Domain(String);

impl Domain {
    /// Parses `text` as a domain (at least two labels); `None` when it is not one.
    pub fn parse(text: &str) -> Option<Domain> {
        is_domain(text).then(|| Domain(text.to_string()))
    }

    /// The domain text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What `messages search --from/--to` match: one address or everyone at a domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AddressFilter {
    /// One mailbox, e.g. `alice@example.com`.
    Email(EmailAddress),
    /// Every mailbox at a domain, e.g. `example.com` (typed as `example.com` or `@example.com`).
    Domain(Domain),
}

impl AddressFilter {
    /// Parses an address or a bare domain for `option` (named in the error message).
    pub fn parse(text: &str, option: &str) -> Result<AddressFilter, ParseError> {
        let trimmed = text.trim();
        if let Some(domain) = trimmed.strip_prefix('@') {
            if let Some(domain) = Domain::parse(domain) {
                return Ok(AddressFilter::Domain(domain));
            }
        } else if trimmed.contains('@') {
            if let Some(address) = EmailAddress::parse(trimmed) {
                return Ok(AddressFilter::Email(address));
            }
        } else if let Some(domain) = Domain::parse(trimmed) {
            return Ok(AddressFilter::Domain(domain));
        }
        if trimmed.contains('@') {
            Err(ParseError::InvalidAddress {
                option: option.to_string(),
                value: text.to_string(),
            })
        } else {
            Err(ParseError::InvalidAddressOrDomain {
                option: option.to_string(),
                value: text.to_string(),
            })
        }
    }

    /// The text Mimecast gets (`alice@example.com` or `example.com`).
    pub fn as_str(&self) -> &str {
        match self {
            AddressFilter::Email(address) => address.as_str(),
            AddressFilter::Domain(domain) => domain.as_str(),
        }
    }
}

impl fmt::Display for AddressFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Dot-atom local part: atext runs separated by single dots.
fn is_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    !local.is_empty()
        && local.len() <= MAX_LOCAL
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .chars()
                    .all(|c| c.is_alphanumeric() || SPECIALS.contains(c))
        })
}

/// Two or more labels of letters, digits and inner hyphens; no label or name too long.
fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= MAX_DOMAIN
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_domains_are_told_apart() {
        assert_eq!(
            AddressFilter::parse("alice@example.com", "--from").map(|a| a.to_string()),
            Ok("alice@example.com".to_string())
        );
        assert!(matches!(
            AddressFilter::parse("example.com", "--to"),
            Ok(AddressFilter::Domain(_))
        ));
        assert!(
            matches!(AddressFilter::parse("@example.com", "--to"), Ok(AddressFilter::Domain(d)) if d.as_str() == "example.com")
        );
        assert!(matches!(
            AddressFilter::parse("first.last+tag@mail.example.co.uk", "--from"),
            Ok(AddressFilter::Email(_))
        ));
        assert!(matches!(
            AddressFilter::parse("jörg@bücher.de", "--from"),
            Ok(AddressFilter::Email(_))
        ));
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for text in [
            "bob@",
            "@",
            "a@b",
            "a..b@example.com",
            ".a@example.com",
            "a@-x.com",
            "a@x-.com",
            "a b@x.com",
            "a@x..com",
            "a@1.2.3.4",
        ] {
            assert!(
                matches!(
                    AddressFilter::parse(text, "--from"),
                    Err(ParseError::InvalidAddress { .. })
                ),
                "{text}"
            );
        }
        for text in ["bob", "", "localhost", "exa mple.com", "1.2.3.4"] {
            assert!(
                matches!(
                    AddressFilter::parse(text, "--from"),
                    Err(ParseError::InvalidAddressOrDomain { .. })
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn email_domain_is_the_part_after_the_last_at() {
        let address = EmailAddress::parse("alice@example.com").expect("valid");
        assert_eq!(address.domain(), "example.com");
        assert_eq!(EmailAddress::parse("a@b@example.com"), None);
    }
}
