//! Defanging: making URLs, domains, IP addresses and email addresses from Mimecast data
//! unclickable, so that nobody opens a phishing link from a chat message by accident and no
//! client fetches a preview of it.
//!
//! `https://evil.example/x` becomes `hxxps://evil[.]example/x`, `ceo@evil.example` becomes
//! `ceo[@]evil[.]example`, `203.0.113.9` becomes `203[.]0[.]113[.]9`. Ordinary words and version
//! numbers such as `2.0` are left alone.

/// Defangs every URL, host name, IPv4 address and email address in `text`.
pub fn defang(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut token = String::new();
    for ch in text.chars() {
        if is_separator(ch) {
            if !token.is_empty() {
                out.push_str(&defang_token(&token));
                token.clear();
            }
            out.push(ch);
        } else {
            token.push(ch);
        }
    }
    if !token.is_empty() {
        out.push_str(&defang_token(&token));
    }
    out
}

fn is_separator(ch: char) -> bool {
    ch.is_whitespace()
        || matches!(
            ch,
            '<' | '>' | '"' | '\'' | '(' | ')' | ',' | ';' | '`' | '|'
        )
}

/// Defangs one whitespace-free token.
fn defang_token(token: &str) -> String {
    let mut rest = token;
    let mut out = String::with_capacity(token.len() + 8);
    // Scheme: http, https, ftp (any case) become hxxp, hxxps, fxp.
    if let Some(idx) = rest.find("://") {
        let scheme = &rest[..idx];
        let lower = scheme.to_ascii_lowercase();
        let replaced = match lower.as_str() {
            "http" => Some("hxxp"),
            "https" => Some("hxxps"),
            "ftp" => Some("fxp"),
            _ => None,
        };
        if let Some(replaced) = replaced {
            out.push_str(replaced);
            out.push_str("[://]");
            rest = &rest[idx + 3..];
            // Everything up to the first '/', '?' or '#' is the authority: defang all its dots.
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            out.push_str(&rest[..end].replace('.', "[.]").replace('@', "[@]"));
            out.push_str(&rest[end..]);
            return out;
        }
    }
    // Email addresses and bare host names or IPs, possibly with trailing punctuation.
    let trimmed = rest.trim_end_matches(['.', '!', '?', ':']);
    let tail = &rest[trimmed.len()..];
    let (core, path) = match trimmed.find(['/', '?', '#']) {
        Some(i) => (&trimmed[..i], &trimmed[i..]),
        None => (trimmed, ""),
    };
    if let Some((local, domain)) = core.rsplit_once('@')
        && !local.is_empty()
        && looks_like_host(domain)
    {
        out.push_str(local);
        out.push_str("[@]");
        out.push_str(&domain.replace('.', "[.]"));
        out.push_str(path);
        out.push_str(tail);
        return out;
    }
    let host = core.rsplit_once(':').map_or(core, |(h, port)| {
        if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            core
        }
    });
    if looks_like_host(host) {
        out.push_str(&host.replace('.', "[.]"));
        out.push_str(&core[host.len()..]);
        out.push_str(path);
        out.push_str(tail);
        return out;
    }
    token.to_owned()
}

/// A dotted host name whose last label is alphabetic (2+ letters), or an IPv4 address.
fn looks_like_host(text: &str) -> bool {
    let labels: Vec<&str> = text.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return false;
    }
    let label_ok = |l: &&str| l.chars().all(|c| c.is_alphanumeric() || c == '-');
    if !labels.iter().all(label_ok) {
        return false;
    }
    let is_ipv4 = labels.len() == 4 && labels.iter().all(|l| l.parse::<u8>().is_ok());
    let tld = labels[labels.len() - 1];
    let tld_ok = tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic);
    is_ipv4 || tld_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_scheme_and_dots_in_the_host() {
        assert_eq!(
            defang("https://evil.example.com/login?x=1.2"),
            "hxxps[://]evil[.]example[.]com/login?x=1.2"
        );
        assert_eq!(defang("HTTP://a.b.io"), "hxxp[://]a[.]b[.]io");
        assert_eq!(
            defang("see ftp://files.bad.net/x."),
            "see fxp[://]files[.]bad[.]net/x."
        );
        assert_eq!(
            defang("https://user@evil.com:8443/"),
            "hxxps[://]user[@]evil[.]com:8443/"
        );
    }

    #[test]
    fn addresses_domains_and_ips_are_defanged() {
        assert_eq!(defang("ceo@examp1e-corp.com"), "ceo[@]examp1e-corp[.]com");
        assert_eq!(
            defang("from paypa1-billing.net."),
            "from paypa1-billing[.]net."
        );
        assert_eq!(defang("ip 203.0.113.9"), "ip 203[.]0[.]113[.]9");
        assert_eq!(defang("<a@b.co>"), "<a[@]b[.]co>");
        assert_eq!(defang("evil.com:8080/path"), "evil[.]com:8080/path");
        assert_eq!(defang("bücher.de"), "bücher[.]de");
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for text in [
            "Version 2.0 is out",
            "Q3 results...",
            "a.b",
            "Invoice #12.5",
            "請求書のご確認",
            "e.g. this",
        ] {
            assert_eq!(defang(text), text);
        }
    }

    #[test]
    fn defanged_text_has_no_clickable_scheme_or_dotted_host_left() {
        let out = defang("click https://x.evil.com now or mail bob@evil.com via 10.0.0.1");
        assert!(
            !out.contains("https://") && !out.contains("evil.com") && !out.contains("10.0.0.1")
        );
    }
}
