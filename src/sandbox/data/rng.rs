//! Deterministic randomness for the sandbox datasets.
//!
//! Every row is computed from `(seed, stream, index)` alone, so row *i* of any dataset can be
//! produced on demand without generating rows `0..i`. The generator is SplitMix64; opaque ids
//! are built from a small keyed Feistel permutation of the row index so that they look random
//! but can be decoded back to the index they came from.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a fast, well-mixed 64-bit hash.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Independent random streams: one per dataset and purpose, so adding a field to one dataset
/// never shifts the values of another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Held-message rows.
    Held = 1,
    /// Message-tracking rows (also the archive).
    Tracking = 2,
    /// URL click-log rows.
    Clicks = 3,
    /// Attachment-log rows.
    Attachments = 4,
    /// Impersonation-log rows.
    Impersonation = 5,
    /// Timestamp jitter (combined with a dataset tag).
    Jitter = 6,
    /// Filler bytes of opaque ids.
    IdFiller = 7,
    /// Extra text fields of a row, kept apart from the cheap attributes used by filters.
    Text = 8,
}

/// A SplitMix64 generator positioned for one `(seed, stream, index)` triple.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// The generator for row `index` of `stream` under `seed`.
    pub fn new(seed: u64, stream: Stream, index: u64) -> Self {
        Self::keyed(seed, stream as u64, index)
    }

    /// Like [`Rng::new`] with a free-form stream tag.
    pub fn keyed(seed: u64, tag: u64, index: u64) -> Self {
        let s = mix64(seed.wrapping_add(GOLDEN));
        let k = mix64(s ^ tag.wrapping_mul(0xD1B5_4A32_D192_ED03));
        Self {
            state: mix64(k ^ mix64(index.wrapping_add(0x2545_F491_4F6C_DD1D))),
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix64(self.state)
    }

    /// A value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A value in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo).saturating_add(1))
    }

    /// True with probability `percent`/100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice (the first element of an empty one is never asked for:
    /// every vocabulary list is a non-empty constant).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index chosen with the given relative weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut roll = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if roll < w {
                return i;
            }
            roll -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// `n` lowercase hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(n);
        while out.len() < n {
            let mut bits = self.next_u64();
            for _ in 0..16 {
                if out.len() == n {
                    break;
                }
                out.push(HEX[(bits & 0xF) as usize] as char);
                bits >>= 4;
            }
        }
        out
    }

    /// `n` characters of `[A-Za-z0-9]`.
    pub fn alnum(&mut self, n: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| *self.pick(ALPHABET) as char)
            .collect::<String>()
    }
}

fn round_key(key: u64, round: u64, half: u32) -> u32 {
    mix64(key ^ (round << 40) ^ u64::from(half)) as u32
}

/// A keyed bijection on `u64` (4-round Feistel network); [`unpermute`] inverts it.
pub fn permute(key: u64, x: u64) -> u64 {
    let (mut l, mut r) = ((x >> 32) as u32, x as u32);
    for round in 0..4 {
        let next = l ^ round_key(key, round, r);
        l = r;
        r = next;
    }
    (u64::from(l) << 32) | u64::from(r)
}

/// The inverse of [`permute`] under the same key.
pub fn unpermute(key: u64, y: u64) -> u64 {
    let (mut l, mut r) = ((y >> 32) as u32, y as u32);
    for round in (0..4).rev() {
        let prev_l = r ^ round_key(key, round, l);
        r = l;
        l = prev_l;
    }
    (u64::from(l) << 32) | u64::from(r)
}

/// Builds and parses long opaque identifiers that encode a row index.
///
/// Layout before Base64url: 8 bytes of the permuted index, 4 check bytes, then filler bytes
/// from the row's own random stream. The text is `prefix` + Base64url (no padding), cut to
/// `len` characters, so ids look like Mimecast's long `eNo…` tokens.
#[derive(Debug, Clone, Copy)]
pub struct OpaqueIds {
    key: u64,
    seed: u64,
    purpose: u64,
    prefix: &'static str,
    len: usize,
}

impl OpaqueIds {
    /// An id family. `purpose` separates families (held ids never decode as tracking ids).
    pub fn new(seed: u64, purpose: u64, prefix: &'static str, len: usize) -> Self {
        Self {
            key: mix64(seed ^ mix64(purpose.wrapping_mul(GOLDEN))),
            seed,
            purpose,
            prefix,
            len: len.max(prefix.len() + 16),
        }
    }

    fn check(&self, index: u64) -> u32 {
        mix64(self.key ^ index.wrapping_mul(0xA24B_AED4_963E_E407)) as u32
    }

    /// The id of row `index`.
    pub fn encode(&self, index: u64) -> String {
        let body_chars = self.len - self.prefix.len();
        let byte_len = body_chars.div_ceil(4) * 3;
        let mut bytes = Vec::with_capacity(byte_len + 8);
        bytes.extend_from_slice(&permute(self.key, index).to_be_bytes());
        bytes.extend_from_slice(&self.check(index).to_be_bytes());
        let mut filler = Rng::keyed(
            self.seed,
            (Stream::IdFiller as u64) << 32 | self.purpose,
            index,
        );
        while bytes.len() < byte_len {
            bytes.extend_from_slice(&filler.next_u64().to_le_bytes());
        }
        let mut text = String::with_capacity(self.len);
        text.push_str(self.prefix);
        let encoded = URL_SAFE_NO_PAD.encode(&bytes);
        text.push_str(&encoded[..body_chars.min(encoded.len())]);
        text
    }

    /// The row index an id encodes, if it is exactly an id of this family below `limit`.
    pub fn decode(&self, text: &str, limit: u64) -> Option<u64> {
        let body = text.strip_prefix(self.prefix)?;
        let head = URL_SAFE_NO_PAD.decode(body.get(..16)?).ok()?;
        let permuted = u64::from_be_bytes(head.get(..8)?.try_into().ok()?);
        let check = u32::from_be_bytes(head.get(8..12)?.try_into().ok()?);
        let index = unpermute(self.key, permuted);
        if index >= limit || check != self.check(index) {
            return None;
        }
        (self.encode(index) == text).then_some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_round_trips() {
        for key in [0, 1, 0xDEAD_BEEF, u64::MAX] {
            for x in [0, 1, 2, 41, 99_999, u64::MAX, 1 << 40] {
                assert_eq!(unpermute(key, permute(key, x)), x);
            }
        }
        assert_ne!(permute(1, 5), permute(2, 5));
    }

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map(|_| Rng::new(1, Stream::Held, 7).next_u64())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Rng::new(1, Stream::Held, 7).next_u64(),
            Rng::new(1, Stream::Held, 8).next_u64()
        );
        assert_ne!(
            Rng::new(1, Stream::Held, 7).next_u64(),
            Rng::new(1, Stream::Tracking, 7).next_u64()
        );
        assert_ne!(
            Rng::new(1, Stream::Held, 7).next_u64(),
            Rng::new(2, Stream::Held, 7).next_u64()
        );
        let mut rng = Rng::new(3, Stream::Text, 0);
        for _ in 0..1000 {
            assert!(rng.below(7) < 7);
            let v = rng.between(3, 5);
            assert!((3..=5).contains(&v));
        }
    }

    #[test]
    fn opaque_ids_round_trip_and_reject_changes() {
        let ids = OpaqueIds::new(9, 1, "eNo", 250);
        let other = OpaqueIds::new(9, 2, "eNo", 250);
        for index in [0u64, 1, 24, 999] {
            let id = ids.encode(index);
            assert_eq!(id.len(), 250);
            assert!(id.starts_with("eNo"));
            assert_eq!(ids.decode(&id, 1000), Some(index));
            assert_eq!(ids.decode(&id, index), None, "beyond the dataset");
            assert_eq!(other.decode(&id, 1000), None, "other family");
            let mut tampered = id.clone();
            tampered.pop();
            tampered.push(if id.ends_with('A') { 'B' } else { 'A' });
            assert_eq!(ids.decode(&tampered, 1000), None);
        }
        assert_eq!(ids.decode("eNo", 1000), None);
        assert_eq!(ids.decode("", 1000), None);
        assert_eq!(ids.decode("eNo€€€€€€€€€€€€€€€€€", 1000), None);
    }
}
