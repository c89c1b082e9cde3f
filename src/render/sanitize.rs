//! Characters that must not reach a screen as they are.
//!
//! Control characters (including terminal escape sequences) could rewrite a responder's
//! terminal; bidirectional overrides can make `invoice\u{202E}fdp.exe` read as `invoiceexe.pdf`.
//! Both are shown as visible `[U+XXXX]` markers instead, so the trick is seen, not hidden.

/// True for characters shown as a `[U+XXXX]` marker.
pub fn is_dangerous(ch: char) -> bool {
    ch.is_control()
        || matches!(ch,
            '\u{200B}'..='\u{200F}'   // zero-width and directional marks
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{FEFF}'              // zero-width no-break space
        )
}

/// Replaces line breaks and tabs with spaces and every other dangerous character with a
/// visible marker, giving one line of inert text.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_dangerous(c) => out.push_str(&format!("[U+{:04X}]", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_overrides_become_visible() {
        assert_eq!(one_line("a\u{1b}[2Jb"), "a[U+001B][2Jb");
        assert_eq!(one_line("invoice\u{202E}fdp.exe"), "invoice[U+202E]fdp.exe");
        assert_eq!(one_line("line1\nline2\tx"), "line1 line2 x");
        assert_eq!(one_line("Überweisung 請求書"), "Überweisung 請求書");
    }
}
