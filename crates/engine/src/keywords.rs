//! Every occurrence of the prefilter's keywords in a segment, ignoring ASCII case, without
//! walking an automaton byte after byte.
//!
//! Why it exists: the keyword pass reads every byte of every segment. An Aho-Corasick DFA over
//! a few hundred keywords is about a megabyte, and each byte's step waits on the load of the
//! step before; on benign text it ran near 300 MiB/s, the largest single cost of the engine.
//! Here no position waits on another: a bucketed shift-or filter over hashed two-byte windows
//! (the idea of Hyperscan's FDR) reads 16 positions at a time and names the few where a word
//! of some bucket may start, and only those are confirmed against the words themselves.
//!
//! What it reports is exactly what an ASCII-case-insensitive Aho-Corasick automaton over the
//! same words reports with `MatchKind::Standard` and overlapping search: every occurrence of
//! every word, words inside or overlapping other words included, non-ASCII bytes matched as
//! they are. Only the order differs (see [`KeywordSet::for_each_hit`]).

/// Bits of a hashed window: 4096 table entries of 8 bytes, which stay in the L1 cache.
const DOMAIN_BITS: u32 = 12;
const DOMAIN: usize = 1 << DOMAIN_BITS;
/// Buckets of words, one bit each in a table entry byte.
const BUCKETS: usize = 8;
/// Windows of a word the filter checks: offsets 0..8, so its first nine bytes.
const SPAN: usize = 8;
/// OR-ing 0x20 into every byte maps both cases of an ASCII letter to the lower one, so a text
/// byte equal to a word byte but for ASCII case folds to the same value. Other bytes may too
/// (`@` and `` ` ``): folding only ever keeps too many positions, and confirmation is exact.
const FOLD: u64 = 0x2020_2020_2020_2020;

/// One keyword occurrence: the word's index in the list given to [`KeywordSet::new`], and
/// its bytes in the haystack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeywordHit {
    pub pattern: usize,
    pub start: usize,
    pub end: usize,
}

/// A set of words searched for together, ignoring ASCII case.
#[derive(Debug)]
pub struct KeywordSet {
    /// The words, lower-cased, by pattern index.
    words: Vec<Box<[u8]>>,
    /// Per hashed window (two folded bytes), the buckets ruled out there: bit `b` of byte
    /// `7 - j` is set when no word of bucket `b` has this window at offset `j`. A start is a
    /// candidate for bucket `b` when no window of its first nine bytes rules `b` out.
    fail: Box<[u64; DOMAIN]>,
    buckets: Vec<Bucket>,
    /// One-byte words: a window says little about them, so they get a memchr pass instead.
    single: Vec<usize>,
    /// Empty words (rules forbid them) occur at every position, as in Aho-Corasick.
    empty: Vec<usize>,
}

/// The words of one bucket, found by the folded first `key_len` bytes of a candidate start.
#[derive(Debug, Default)]
struct Bucket {
    /// The length of the bucket's shortest word, at most 8.
    key_len: usize,
    /// Open addressing, at most half full: a probe ends at an empty slot.
    slots: Vec<Slot>,
    shift: u32,
    /// The words, grouped by key; a slot names its group.
    words: Vec<Entry>,
}

/// One word of a bucket, with what a start's first 8 folded bytes must be for it.
#[derive(Debug, Clone, Copy)]
struct Entry {
    pattern: u32,
    /// The word's first (at most 8) bytes folded, and the mask of those bytes.
    prefix: u64,
    mask: u64,
    /// The word is those bytes, all ASCII letters, whose folding is exact: a matching
    /// prefix is the word, and no byte-wise comparison is needed.
    prefix_is_word: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    key: u64,
    first: u32,
    /// 0 for an empty slot.
    count: u32,
}

impl KeywordSet {
    pub fn new<W: AsRef<[u8]>>(words: &[W]) -> Self {
        let words: Vec<Box<[u8]>> = words
            .iter()
            .map(|w| w.as_ref().to_ascii_lowercase().into_boxed_slice())
            .collect();
        let by_len = |len: fn(usize) -> bool| {
            (0..words.len())
                .filter(|&i| len(words[i].len()))
                .collect::<Vec<_>>()
        };
        let (empty, single, mut filtered) =
            (by_len(|n| n == 0), by_len(|n| n == 1), by_len(|n| n > 1));
        filtered.sort_by(|&a, &b| {
            words[a]
                .len()
                .cmp(&words[b].len())
                .then_with(|| words[a].cmp(&words[b]))
        });
        let lens: Vec<usize> = filtered.iter().map(|&i| words[i].len()).collect();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); BUCKETS];
        for (bucket, range) in assign_buckets(&lens).into_iter().enumerate() {
            members[bucket] = filtered[range].to_vec();
        }
        let mut fail = Box::new([!0u64; DOMAIN]);
        for (b, ids) in members.iter().enumerate() {
            let Some(shortest) = ids.iter().map(|&i| words[i].len()).min() else {
                continue;
            };
            for j in 0..SPAN {
                let keep = !((1u64 << b) << (8 * (7 - j)));
                if j >= shortest {
                    // Some word of the bucket has ended before offset j: any window will do.
                    fail.iter_mut().for_each(|f| *f &= keep);
                    continue;
                }
                for &i in ids {
                    let w = &words[i];
                    let first = u16::from(w[j] | 0x20);
                    match w.get(j + 1) {
                        Some(&next) => fail[domain(first | u16::from(next | 0x20) << 8)] &= keep,
                        // The word's last byte, then any byte (or none: the text's end):
                        // any folded byte, which is any byte with 0x20 set.
                        None => {
                            for next in (0..=255u8).filter(|b| b & 0x20 != 0) {
                                fail[domain(first | u16::from(next) << 8)] &= keep;
                            }
                        }
                    }
                }
            }
        }
        let buckets = members.iter().map(|ids| Bucket::new(&words, ids)).collect();
        KeywordSet {
            words,
            fail,
            buckets,
            single,
            empty,
        }
    }

    /// Calls `each` with every occurrence of every word in `haystack`. Hits come by start
    /// (one-byte words first, empty words last), not by end as from Aho-Corasick.
    pub fn for_each_hit(&self, haystack: &[u8], mut each: impl FnMut(KeywordHit)) {
        self.scan(haystack, true, &mut each);
    }

    /// `wide`: 16 positions a step with SSE2 where there is SSE2 (every x86_64); otherwise,
    /// and at the end of the text, 8 positions a step in plain integers.
    fn scan(&self, text: &[u8], wide: bool, each: &mut impl FnMut(KeywordHit)) {
        for &pattern in &self.single {
            let byte = self.words[pattern][0];
            for start in memchr::memchr2_iter(byte, byte.to_ascii_uppercase(), text) {
                each(KeywordHit {
                    pattern,
                    start,
                    end: start + 1,
                });
            }
        }
        let n = text.len();
        // What the windows before `t0` said about the starts `t0 - 7 ..= t0` (byte 0 is
        // `t0 - 7`); before the text, there are no starts.
        let mut carry: u64 = 0x00FF_FFFF_FFFF_FFFF;
        let mut t0 = 0;
        #[cfg(target_arch = "x86_64")]
        if wide {
            // SAFETY: SSE2 is part of every x86_64 target.
            (t0, carry) = unsafe { self.scan_sse2(text, carry, each) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = wide;
        while let Some(chunk) = text.get(t0..t0 + 9) {
            let (ruled_out, next) = self.windows8(chunk.try_into().expect("nine bytes"));
            let candidates = !(ruled_out | carry);
            carry = next;
            if candidates != 0 {
                self.confirm(text, t0 as isize - 7, candidates, each);
            }
            t0 += 8;
        }
        // Fewer than nine bytes are left: at most two more steps, whose windows run on into
        // padding, which only rules out less (no word is confirmed past the end).
        let mut tail = [0u8; 17];
        tail[..n - t0].copy_from_slice(&text[t0..]);
        let mut at = 0;
        while t0 + at < n + 7 {
            let (ruled_out, next) = self.windows8(tail[at..at + 9].try_into().expect("nine bytes"));
            let candidates = !(ruled_out | carry);
            carry = next;
            if candidates != 0 {
                self.confirm(text, (t0 + at) as isize - 7, candidates, each);
            }
            at += 8;
        }
        for &pattern in &self.empty {
            (0..=n).for_each(|at| {
                each(KeywordHit {
                    pattern,
                    start: at,
                    end: at,
                })
            });
        }
    }

    /// The whole steps of 16 positions of [`Self::scan`], from the start of `text`: where
    /// they ended, and the carry from there.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    fn scan_sse2(
        &self,
        text: &[u8],
        mut carry: u64,
        each: &mut impl FnMut(KeywordHit),
    ) -> (usize, u64) {
        let mut t0 = 0;
        while let Some(chunk) = text.get(t0..t0 + 17) {
            let (first, second, next) = self.windows16(chunk.try_into().expect("seventeen bytes"));
            let (first, second) = (!(first | carry), !second);
            carry = next;
            // One test for both halves: most steps have no candidate at all.
            if first | second != 0 {
                self.confirm(text, t0 as isize - 7, first, each);
                self.confirm(text, t0 as isize + 1, second, each);
            }
            t0 += 16;
        }
        (t0, carry)
    }

    /// What the windows at the first 8 positions of `chunk` rule out for the starts around
    /// them, one byte per start: (starts `-7..=0`, starts `1..=8`) from the chunk's first byte.
    /// The first half is complete once OR-ed with what the step before carried over.
    #[inline(always)]
    fn windows8(&self, chunk: &[u8; 9]) -> (u64, u64) {
        let a = u64::from_le_bytes(chunk[..8].try_into().expect("eight bytes")) | FOLD;
        let b = u64::from_le_bytes(chunk[1..].try_into().expect("eight bytes")) | FOLD;
        let mut ruled_out: u128 = 0;
        for i in 0..8 {
            let window = ((a >> (8 * i)) & 0xFF) | ((b >> (8 * i)) & 0xFF) << 8;
            ruled_out |= u128::from(self.fail[domain(window as u16)]) << (8 * i);
        }
        (ruled_out as u64, (ruled_out >> 64) as u64)
    }

    /// [`Self::windows8`] twice, over the 16 positions of `chunk`, with SSE2: (starts
    /// `-7..=0`, starts `1..=8` complete, starts `9..=16`).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    #[inline]
    fn windows16(&self, chunk: &[u8; 17]) -> (u64, u64, u64) {
        use std::arch::x86_64::*;
        let fold = _mm_set1_epi8(0x20);
        // SAFETY: both loads read 16 of the 17 bytes of `chunk`. (Building the vectors from
        // two u64 each instead costs a tenth of the pass.)
        let (here, next) = unsafe {
            (
                _mm_loadu_si128(chunk.as_ptr().cast()),
                _mm_loadu_si128(chunk[1..].as_ptr().cast()),
            )
        };
        let (here, next) = (_mm_or_si128(here, fold), _mm_or_si128(next, fold));
        // The same hash as `domain`, on eight 16-bit windows at once.
        let hash = |windows: __m128i| {
            let h = _mm_mullo_epi16(windows, _mm_set1_epi16(HASH_MUL.0 as i16));
            let h = _mm_xor_si128(h, _mm_srli_epi16::<7>(h));
            let h = _mm_mullo_epi16(h, _mm_set1_epi16(HASH_MUL.1 as i16));
            _mm_srli_epi16::<{ 16 - DOMAIN_BITS as i32 }>(h)
        };
        let ruled_out = |domains: __m128i| {
            let low = _mm_cvtsi128_si64(domains) as u64;
            let high = _mm_cvtsi128_si64(_mm_unpackhi_epi64(domains, domains)) as u64;
            let at = |four: u64, k: u64| {
                _mm_cvtsi64_si128(self.fail[((four >> (16 * k)) as usize) & (DOMAIN - 1)] as i64)
            };
            let v = [
                at(low, 0),
                _mm_slli_si128::<1>(at(low, 1)),
                _mm_slli_si128::<2>(at(low, 2)),
                _mm_slli_si128::<3>(at(low, 3)),
                _mm_slli_si128::<4>(at(high, 0)),
                _mm_slli_si128::<5>(at(high, 1)),
                _mm_slli_si128::<6>(at(high, 2)),
                _mm_slli_si128::<7>(at(high, 3)),
            ];
            let or = _mm_or_si128;
            or(
                or(or(v[0], v[1]), or(v[2], v[3])),
                or(or(v[4], v[5]), or(v[6], v[7])),
            )
        };
        let first = ruled_out(hash(_mm_unpacklo_epi8(here, next)));
        let second = ruled_out(hash(_mm_unpackhi_epi8(here, next)));
        let half = |x: __m128i| {
            (
                _mm_cvtsi128_si64(x) as u64,
                _mm_cvtsi128_si64(_mm_unpackhi_epi64(x, x)) as u64,
            )
        };
        let ((first_low, first_high), (second_low, second_high)) = (half(first), half(second));
        (first_low, second_low | first_high, second_high)
    }

    /// Confirms the candidates of eight starts from `base`: byte `k` of `candidates` holds
    /// the buckets that may have a word at `base + k`.
    #[inline(always)]
    fn confirm(
        &self,
        text: &[u8],
        base: isize,
        mut candidates: u64,
        each: &mut impl FnMut(KeywordHit),
    ) {
        while candidates != 0 {
            let lane = candidates.trailing_zeros() / 8;
            let mut buckets = (candidates >> (lane * 8)) & 0xFF;
            candidates &= !(0xFF << (lane * 8));
            // Starts before the text never pass the filter; past its end (the last steps
            // run into padding) they may.
            let Some(start) = usize::try_from(base + lane as isize)
                .ok()
                .filter(|&s| s < text.len())
            else {
                continue;
            };
            let here = folded_key(text, start, 8);
            while buckets != 0 {
                let bucket = &self.buckets[buckets.trailing_zeros() as usize];
                buckets &= buckets - 1;
                for entry in bucket.words_at(text.len() - start, here) {
                    if here & entry.mask != entry.prefix {
                        continue;
                    }
                    let (pattern, word) =
                        (entry.pattern as usize, &self.words[entry.pattern as usize]);
                    let end = start + word.len();
                    if end <= text.len()
                        && (entry.prefix_is_word || text[start..end].eq_ignore_ascii_case(word))
                    {
                        each(KeywordHit {
                            pattern,
                            start,
                            end,
                        });
                    }
                }
            }
        }
    }
}

/// The multipliers of the window hash. A multiply, a shift and a multiply: linear hashes
/// put whole families of windows (every `@x`, every `sx`) on the same few entries.
const HASH_MUL: (u16, u16) = (0x9E37, 0x2F6B);

/// The table entry of a window: its first byte in the low half, both folded.
#[inline(always)]
fn domain(window: u16) -> usize {
    let h = window.wrapping_mul(HASH_MUL.0);
    let h = (h ^ (h >> 7)).wrapping_mul(HASH_MUL.1);
    usize::from(h >> (16 - DOMAIN_BITS))
}

/// The first `len` (at most 8) bytes of `bytes` from `at`, folded, as a little-endian key;
/// bytes past the end count as 0.
#[inline(always)]
fn folded_key(bytes: &[u8], at: usize, len: usize) -> u64 {
    let word = match bytes.get(at..at + 8) {
        Some(eight) => u64::from_le_bytes(eight.try_into().expect("eight bytes")),
        None => {
            let mut padded = [0u8; 8];
            let rest = bytes.get(at..).unwrap_or_default();
            padded[..rest.len().min(8)].copy_from_slice(&rest[..rest.len().min(8)]);
            u64::from_le_bytes(padded)
        }
    };
    (word | FOLD) & key_mask(len)
}

/// The low `len` (1 to 8) bytes of a key.
#[inline(always)]
fn key_mask(len: usize) -> u64 {
    u64::MAX >> (64 - 8 * len)
}

impl Bucket {
    fn new(words: &[Box<[u8]>], ids: &[usize]) -> Bucket {
        let Some(key_len) = ids.iter().map(|&i| words[i].len().min(8)).min() else {
            return Bucket::default();
        };
        let mut keyed: Vec<(u64, u32)> = ids
            .iter()
            .map(|&i| (folded_key(&words[i], 0, key_len), i as u32))
            .collect();
        keyed.sort_unstable();
        let bits = (keyed.len() * 2)
            .next_power_of_two()
            .trailing_zeros()
            .max(1);
        let mut bucket = Bucket {
            key_len,
            slots: vec![Slot::default(); 1 << bits],
            shift: 64 - bits,
            words: Vec::new(),
        };
        for group in keyed.chunk_by(|a, b| a.0 == b.0) {
            let first = bucket.words.len() as u32;
            bucket.words.extend(group.iter().map(|&(_, pattern)| {
                let word = &words[pattern as usize];
                let len = word.len().min(8);
                Entry {
                    pattern,
                    prefix: folded_key(word, 0, len),
                    mask: key_mask(len),
                    prefix_is_word: word.len() <= 8 && word.iter().all(u8::is_ascii_alphabetic),
                }
            }));
            let mut slot = bucket.slot_of(group[0].0);
            while bucket.slots[slot].count != 0 {
                slot = (slot + 1) & (bucket.slots.len() - 1);
            }
            bucket.slots[slot] = Slot {
                key: group[0].0,
                first,
                count: group.len() as u32,
            };
        }
        bucket
    }

    fn slot_of(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The words of the bucket whose first `key_len` bytes, folded, are those of `here` (the
    /// folded first 8 bytes of a start `left` bytes before the end of the text).
    #[inline(always)]
    fn words_at(&self, left: usize, here: u64) -> &[Entry] {
        if self.slots.is_empty() || self.key_len > left {
            return &[];
        }
        let key = here & key_mask(self.key_len);
        let mut slot = self.slot_of(key);
        loop {
            let s = self.slots[slot];
            if s.count == 0 {
                return &[];
            }
            if s.key == key {
                return &self.words[s.first as usize..(s.first + s.count) as usize];
            }
            slot = (slot + 1) & (self.slots.len() - 1);
        }
    }
}

/// Splits words sorted by length into at most [`BUCKETS`] runs, one per bucket.
///
/// A bucket's false starts grow with the square of its word count (a window of one word
/// pairs with the next window of any other) and fall about twofold with each byte of its
/// shortest word: short words get small buckets of their own, long ones share. Twofold, not
/// the eightfold that random bytes would give: prose and logs share their common pairs of
/// letters with many of several hundred long keywords. On 10 MiB of the benchmark's benign
/// text, with eightfold one bucket held every word of 7 bytes or more (537 words) and passed
/// 264,000 starts, where the text holds 80,000 hits; all buckets passed 390,000. With
/// twofold, all pass 202,000, and a warm pass executes 5% fewer instructions and
/// mispredicts 18% fewer branches (counted at `confirm`; callgrind, `examples/throughput`).
/// Cuts are tried at every index for a few hundred words, on a grid beyond that.
fn assign_buckets(lens: &[usize]) -> Vec<std::ops::Range<usize>> {
    let n = lens.len();
    let step = n.div_ceil(256).max(1);
    let mut cuts: Vec<usize> = (0..n)
        .filter(|&i| i % step == 0 || lens[i] != lens[i - 1])
        .collect();
    cuts.push(n);
    let cost = |from: usize, to: usize| {
        let count = (cuts[to] - cuts[from]) as f64;
        if count == 0.0 {
            0.0
        } else {
            count * count * (-(lens[cuts[from]].min(SPAN) as f64)).exp2()
        }
    };
    // best[b][c]: the cost of the words before cut c in b buckets, and the cut before.
    let m = cuts.len();
    let mut best = vec![vec![(f64::INFINITY, 0); m]; BUCKETS + 1];
    best[0][0] = (0.0, 0);
    for b in 1..=BUCKETS {
        for to in 0..m {
            for from in 0..=to {
                let total = best[b - 1][from].0 + cost(from, to);
                if total < best[b][to].0 {
                    best[b][to] = (total, from);
                }
            }
        }
    }
    let mut ranges = vec![0..0; BUCKETS];
    let mut to = m - 1;
    for b in (1..=BUCKETS).rev() {
        let from = best[b][to].1;
        ranges[b - 1] = cuts[from]..cuts[to];
        to = from;
    }
    ranges
}

#[cfg(test)]
mod tests;
