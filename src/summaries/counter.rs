//! Counting values with bounded memory.

use std::collections::HashMap;

/// Distinct values a counter keeps before it counts new ones under [`OTHER`].
pub const MAX_DISTINCT: usize = 20_000;

/// The bucket for values that arrived after [`MAX_DISTINCT`] distinct ones.
pub const OTHER: &str = "(other)";

/// Longest key kept, in bytes: longer values are cut (at a character boundary) and counted
/// together, so a counter holds at most about `MAX_DISTINCT × MAX_KEY_BYTES` bytes of keys.
pub const MAX_KEY_BYTES: usize = 256;

/// `value` cut to at most [`MAX_KEY_BYTES`] bytes, at a character boundary.
pub fn clip(value: &str) -> &str {
    if value.len() <= MAX_KEY_BYTES {
        return value;
    }
    let mut end = MAX_KEY_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

/// Counts occurrences of strings, case-insensitively, keeping at most [`MAX_DISTINCT`] keys.
#[derive(Debug, Default, Clone)]
pub struct Counter {
    counts: HashMap<String, u64>,
}

impl Counter {
    /// Counts one occurrence of `value` (blank values are ignored; values longer than
    /// [`MAX_KEY_BYTES`] are cut).
    pub fn add(&mut self, value: &str) {
        let value = clip(value.trim()).trim_end();
        if value.is_empty() {
            return;
        }
        let key = value.to_lowercase();
        if let Some(count) = self.counts.get_mut(&key) {
            *count += 1;
        } else if self.counts.len() < MAX_DISTINCT {
            self.counts.insert(key, 1);
        } else {
            *self.counts.entry(OTHER.to_owned()).or_default() += 1;
        }
    }

    /// The `n` most frequent values, most frequent first, ties in alphabetical order.
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        let mut all: Vec<(String, u64)> =
            self.counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }

    /// The count of `value`.
    pub fn get(&self, value: &str) -> u64 {
        self.counts
            .get(&clip(value.trim()).trim_end().to_lowercase())
            .copied()
            .unwrap_or(0)
    }

    /// Number of distinct values kept.
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// Sum of all counts (including [`OTHER`]).
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_case_insensitively_and_ranks() {
        let mut c = Counter::default();
        for v in ["b", "A", "a", "c", "b", "a", " "] {
            c.add(v);
        }
        assert_eq!(c.top(2), vec![("a".into(), 3), ("b".into(), 2)]);
        assert_eq!(c.get("A"), 3);
    }

    #[test]
    fn long_values_are_cut_at_a_character_boundary() {
        let mut c = Counter::default();
        let long = "é".repeat(MAX_KEY_BYTES); // 2 bytes each
        c.add(&long);
        c.add(&format!("{long}x"));
        let top = c.top(1);
        assert_eq!(top[0].1, 2);
        assert!(top[0].0.len() <= MAX_KEY_BYTES);
        assert_eq!(c.get(&long), 2);
    }

    #[test]
    fn memory_is_bounded() {
        let mut c = Counter::default();
        for i in 0..(MAX_DISTINCT + 500) {
            c.add(&format!("v{i}"));
        }
        assert_eq!(c.distinct(), MAX_DISTINCT + 1);
        assert_eq!(c.get(OTHER), 500);
    }
}
