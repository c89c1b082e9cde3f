//! The text of a slash command as Slack sends it, back to what the person typed.
//!
//! Slack always encodes `&`, `<` and `>` as entities, may wrap addresses and links it
//! recognised as `<mailto:a@b.example|a@b.example>` / `<https://x|x>`, and desktop clients may
//! turn quotes into typographic ones. The command parser wants the plain text.

/// The typed command line of a slash command's `text`.
pub fn command_text(raw: &str) -> String {
    let unwrapped = unwrap_links(raw);
    let decoded = unwrapped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    decoded
        .chars()
        .map(|c| match c {
            '\u{201C}' | '\u{201D}' | '\u{201E}' => '"',
            '\u{2018}' | '\u{2019}' => '\'',
            other => other,
        })
        .collect()
}

/// `<target|label>` → label, `<target>` → target (without a `mailto:` scheme).
fn unwrap_links(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        let shown = inner.split_once('|').map_or(inner, |(_, label)| label);
        out.push_str(shown.strip_prefix("mailto:").unwrap_or(shown));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restores_what_was_typed() {
        assert_eq!(
            command_text("messages search --from <mailto:a@b.example|a@b.example>"),
            "messages search --from a@b.example"
        );
        assert_eq!(
            command_text("archive search --text \u{201C}Q3 &amp; Q4 &lt;draft&gt;\u{201D}"),
            "archive search --text \"Q3 & Q4 <draft>\""
        );
        assert_eq!(
            command_text("url decode <https://x.example/a>"),
            "url decode https://x.example/a"
        );
        assert_eq!(command_text("held <unclosed"), "held <unclosed");
        assert_eq!(command_text("ttp urls"), "ttp urls");
    }
}
