//! Short references to held messages.
//!
//! Mimecast's held-message ids are about 250 characters: too long to read or type. Listings
//! show a 10-character reference derived from the id (the first hex digits of its SHA-1), and
//! release and reject accept either the full id or that reference. Deriving it, rather than
//! storing a mapping, keeps it stable across restarts and processes.

use sha1::{Digest, Sha1};

/// Length of a reference in hex digits.
pub const REF_LEN: usize = 10;

/// The short reference of a held-message id.
pub fn short_ref(id: &str) -> String {
    let digest = Sha1::digest(id.as_bytes());
    let mut out = String::with_capacity(REF_LEN);
    for byte in digest.iter() {
        out.push_str(&format!("{byte:02x}"));
        if out.len() >= REF_LEN {
            break;
        }
    }
    out.truncate(REF_LEN);
    out
}

/// True when `text` has the shape of a reference (10 lowercase hex digits).
pub fn is_ref(text: &str) -> bool {
    text.len() == REF_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// True when `wanted` names `id`: the id itself, or its reference.
pub fn names(wanted: &str, id: &str) -> bool {
    wanted == id || (is_ref(wanted) && short_ref(id) == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_short_stable_and_distinct() {
        let a = short_ref("eNoVzE0KgjAQAOC7TG");
        assert_eq!(a.len(), REF_LEN);
        assert!(is_ref(&a));
        assert_eq!(a, short_ref("eNoVzE0KgjAQAOC7TG"));
        assert_ne!(a, short_ref("eNoVzE0KgjAQAOC7TH"));
        assert!(names(&a, "eNoVzE0KgjAQAOC7TG"));
        assert!(names("eNoVzE0KgjAQAOC7TG", "eNoVzE0KgjAQAOC7TG"));
        assert!(!names("eNoVzE0Kg", "eNoVzE0KgjAQAOC7TG"));
    }
}
