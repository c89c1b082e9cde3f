//! Short ids of pending actions.
//!
//! Twelve characters of lowercase RFC 4648 base32 (`a`–`z`, `2`–`7`): 60 random bits from the
//! operating system's generator (a v4 UUID), safe in URLs, Discord `custom_id`s (100 characters)
//! and Slack `action_id`s with room for a prefix such as `approve:`. The length differs from the
//! 10-character held-message references (see [`crate::engine::refs`]), so one is never taken
//! for the other. The store's primary key catches the (negligible) chance of a repeat, and the
//! caller then draws again.

/// Characters in a short id.
pub const SHORT_ID_LEN: usize = 12;

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A new random short id.
pub fn new_short_id() -> String {
    // The low 60 bits of a v4 UUID are all random (version and variant bits sit higher).
    let mut bits = uuid::Uuid::new_v4().as_u128();
    let mut out = String::with_capacity(SHORT_ID_LEN);
    for _ in 0..SHORT_ID_LEN {
        out.push(char::from(ALPHABET[(bits & 31) as usize]));
        bits >>= 5;
    }
    out
}

/// True when `text` has the shape of a short id.
pub fn is_short_id(text: &str) -> bool {
    text.len() == SHORT_ID_LEN && text.bytes().all(|b| ALPHABET.contains(&b))
}

/// A short id as typed or sent back by a button: trimmed and lower-cased. Anything else is
/// left for the lookup to not find.
pub fn normalize(text: &str) -> String {
    text.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shape() {
        for _ in 0..1000 {
            let id = new_short_id();
            assert!(is_short_id(&id), "{id}");
        }
        assert!(!is_short_id("abcdef0123"));
        assert_eq!(normalize("  ABCDEFGH2345 "), "abcdefgh2345");
    }
}
