//! "Did you mean …?": the closest known word to a mistyped one.

/// The candidate closest to `word` by edit distance (a swap of two neighbours counts as one
/// edit), or one that `word` is a prefix of; `None` when nothing is close enough to help.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    let length = word.chars().count();
    let allowed = match length {
        0 => return None,
        1..=3 => 1,
        4..=6 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = if length >= 2 && candidate.starts_with(&word) {
            1
        } else {
            distance(&word, candidate)
        };
        if distance <= allowed && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Optimal string alignment distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rolling rows: two back, previous, current.
    let mut two_back = vec![0usize; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(two_back[j - 2] + 1);
            }
            current[j] = value;
        }
        std::mem::swap(&mut two_back, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: [&str; 6] = ["messages", "ttp", "archive", "url", "summary", "help"];

    #[test]
    fn finds_typos_swaps_and_prefixes() {
        assert_eq!(closest("mesages", WORDS), Some("messages"));
        assert_eq!(closest("mess", WORDS), Some("messages"));
        assert_eq!(closest("tpt", WORDS), Some("ttp"));
        assert_eq!(closest("SUMARY", WORDS), Some("summary"));
        assert_eq!(closest("form", ["from", "to", "subject"]), Some("from"));
        assert_eq!(
            closest("reason_type", ["id", "reason-type", "message"]),
            Some("reason-type")
        );
    }

    #[test]
    fn stays_quiet_when_nothing_is_close() {
        assert_eq!(closest("deploy", WORDS), None);
        assert_eq!(closest("", WORDS), None);
        assert_eq!(closest("x", WORDS), None);
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("held", "hled"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("ä", "a"), 1);
    }
}
