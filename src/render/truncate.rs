//! Cutting text to a platform limit without splitting a UTF-8 character, and saying so.

/// Cuts `text` to at most `max` characters (Unicode scalar values, the unit Discord and Slack
/// count). When something is cut, the result ends with `…` and the number of characters cut,
/// e.g. `Quarterly report for… (+1,204 chars)`, and still fits in `max`.
pub fn truncate(text: &str, max: usize) -> String {
    let total = text.chars().count();
    if total <= max {
        return text.to_owned();
    }
    // The marker's length depends on how much is cut, which depends on the marker's length:
    // try the marker for the largest possible cut, which is never shorter than the real one.
    let marker_for = |cut: usize| format!("… (+{} chars)", group_thousands(cut));
    let longest_marker = marker_for(total).chars().count();
    if max <= longest_marker {
        return text
            .chars()
            .take(max.saturating_sub(1))
            .chain(std::iter::once('…'))
            .take(max)
            .collect();
    }
    let keep = max - longest_marker;
    let kept: String = text.chars().take(keep).collect();
    let kept_trimmed = kept.trim_end();
    let cut = total - kept_trimmed.chars().count();
    format!("{kept_trimmed}{}", marker_for(cut))
}

/// Cuts `text` to at most `max` characters with a plain `…` and no count (for short labels).
pub fn truncate_plain(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    if max > 0 {
        out.push('…');
    }
    out
}

/// Formats `n` with thousands separators: `12345` → `12,345`.
pub fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_unchanged() {
        assert_eq!(truncate("hello", 5), "hello");
        assert_eq!(truncate("", 0), "");
    }

    #[test]
    fn cut_text_fits_and_says_how_much_was_cut() {
        let text = "a".repeat(5000);
        let out = truncate(&text, 1024);
        assert!(out.chars().count() <= 1024);
        let kept = out.chars().take_while(|c| *c == 'a').count();
        assert!(
            out.ends_with(&format!("… (+{} chars)", group_thousands(5000 - kept))),
            "{out}"
        );
    }

    #[test]
    fn never_splits_a_multibyte_character() {
        for text in [
            "請求書".repeat(400),
            "Überweisung ".repeat(200),
            "👩‍💻🔥".repeat(300),
        ] {
            for max in [1, 2, 10, 15, 16, 17, 100, 255, 1024] {
                let out = truncate(&text, max);
                assert!(out.chars().count() <= max, "{max}: {out}");
                // Building a String from chars guarantees validity; check the prefix is real.
                let prefix = out.split('…').next().unwrap_or_default();
                assert!(text.starts_with(prefix), "{max}");
                let plain = truncate_plain(&text, max);
                assert!(plain.chars().count() <= max);
            }
        }
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(1234567), "1,234,567");
    }
}
