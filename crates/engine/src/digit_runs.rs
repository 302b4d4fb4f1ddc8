//! Runs of digits in a segment, the trigger of every digit rule (cards, SSNs, IBANs, phone
//! numbers near their label).
//!
//! Why it is not a loop over bytes: the pass reads every byte of every segment, and logs and
//! code are full of digits (timestamps, addresses, line numbers), where skipping digit-free
//! words of eight bytes rarely skips anything. Here each block of 64 bytes becomes two bit
//! masks (digits, separators) in a few vector instructions, and runs are read off the masks:
//! a block of prose costs one test, a block of log lines a few bit operations per run.

/// The bytes that keep a digit run going (see [`for_each_digit_run`]).
pub(crate) const RUN_SEPARATORS: [u8; 3] = [b' ', b'-', b'.'];
/// Every separator allowed.
#[cfg(test)]
pub(crate) const ALL_SEPARATORS: u8 = (1 << RUN_SEPARATORS.len()) - 1;

const BLOCK: usize = 64;

/// Calls `each(start, end, digits)` for every run of at least `min_digits` ASCII digits in
/// `text`, where a single ` `, `-` or `.` between two digits keeps the run going
/// (`4111 1111 1111 1111` is one run of 16 digits). A run starts and ends with a digit.
/// No allocation.
pub fn for_each_digit_run(
    text: &str,
    min_digits: usize,
    mut each: impl FnMut(usize, usize, usize),
) {
    let bytes = text.as_bytes();
    let min_run = min_digits.clamp(1, 8);
    // The run still open at the start of the block: its start and its digits so far.
    let mut open: Option<(usize, usize)> = None;
    // Whether the byte before the block is a digit.
    let mut digit_before = false;
    let mut base = 0;
    while base < bytes.len() {
        let block = &bytes[base..bytes.len().min(base + BLOCK)];
        let (digits, separators) = masks(block);
        if digits == 0 && open.is_none() {
            // A separator needs a digit on both sides, so nothing here continues or starts a
            // run; the byte before the next block is not a digit either.
            digit_before = false;
            base += BLOCK;
            continue;
        }
        // Whether the byte after each position is a digit; the last one looks into the next
        // block.
        let digit_next = bytes.get(base + BLOCK).is_some_and(u8::is_ascii_digit);
        let after = (digits >> 1) | (u64::from(digit_next) << 63);
        let before = (digits << 1) | u64::from(digit_before);
        let mut joined = digits | (separators & before & after);
        let width = block.len();
        if width < BLOCK {
            joined &= (1u64 << width) - 1;
        }
        digit_before = digits >> (BLOCK - 1) & 1 == 1;
        // Runs inside the block that span fewer bytes than `min_digits` digits need are
        // skipped without being walked: a hex digest or a UUID is a dozen runs of a few
        // digits each. `long` marks where `min_run` joined bytes in a row begin (a power of
        // two, at most `min_digits`, so that no run long enough is missed); the run that
        // reaches the block's end may go on in the next block, and is always walked.
        let mut long = joined;
        let mut span = 1;
        while span * 2 <= min_run {
            long &= long >> span;
            span *= 2;
        }
        let walked = long | (joined & (1 << (BLOCK - 1)));
        let starts = joined & !(joined << 1);
        let mut at = 0u32;
        if let Some((start, count)) = open.take() {
            let ones = joined.trailing_ones();
            let count = count + (digits & low_bits(ones)).count_ones() as usize;
            if ones as usize == BLOCK {
                open = Some((start, count));
                base += BLOCK;
                continue;
            }
            report(min_digits, start, base + ones as usize, count, &mut each);
            at = ones;
        }
        loop {
            let rest = if at as usize >= BLOCK {
                0
            } else {
                walked & !low_bits(at)
            };
            if rest == 0 {
                break;
            }
            // The start of the run holding the first position worth walking: it begins at or
            // after `at`, which no run covers.
            let p = rest.trailing_zeros();
            let start = 63 - (starts & low_bits(p + 1)).leading_zeros();
            let len = (joined >> start).trailing_ones();
            let end = start + len;
            let count = (digits & !low_bits(start) & low_bits(end)).count_ones() as usize;
            if end as usize == BLOCK {
                open = Some((base + start as usize, count));
                break;
            }
            report(
                min_digits,
                base + start as usize,
                base + end as usize,
                count,
                &mut each,
            );
            at = end;
        }
        base += BLOCK;
    }
    if let Some((start, count)) = open {
        // Runs end on a digit: trailing separators were never joined.
        report(min_digits, start, bytes.len(), count, &mut each);
    }
}

#[inline(always)]
fn report(
    min_digits: usize,
    start: usize,
    end: usize,
    digits: usize,
    each: &mut impl FnMut(usize, usize, usize),
) {
    if digits >= min_digits {
        each(start, end, digits);
    }
}

/// The low `n` bits set (all of them for 64).
#[inline(always)]
fn low_bits(n: u32) -> u64 {
    if n >= 64 { !0 } else { (1u64 << n) - 1 }
}

/// Bit `i` set where byte `i` of `block` (at most 64 bytes) is an ASCII digit, and where it is
/// one of [`RUN_SEPARATORS`].
#[inline(always)]
fn masks(block: &[u8]) -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    if let Ok(block) = <&[u8; BLOCK]>::try_from(block) {
        // SAFETY: SSE2 is part of every x86_64 target.
        return unsafe { masks_sse2(block) };
    }
    masks_scalar(block)
}

fn masks_scalar(block: &[u8]) -> (u64, u64) {
    let (mut digits, mut separators) = (0u64, 0u64);
    for (i, &b) in block.iter().enumerate() {
        digits |= u64::from(b.is_ascii_digit()) << i;
        separators |= u64::from(RUN_SEPARATORS.contains(&b)) << i;
    }
    (digits, separators)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn masks_sse2(block: &[u8; BLOCK]) -> (u64, u64) {
    use std::arch::x86_64::*;
    let (mut digits, mut separators) = (0u64, 0u64);
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: `chunk` is 16 bytes.
        let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
        // b - '0' <= 9 as unsigned bytes: a digit.
        let offset = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
        let nine = _mm_set1_epi8(9);
        let digit = _mm_cmpeq_epi8(_mm_max_epu8(offset, nine), nine);
        let eq = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
        let [a, b, c] = RUN_SEPARATORS;
        let separator = _mm_or_si128(_mm_or_si128(eq(a), eq(b)), eq(c));
        digits |= u64::from(_mm_movemask_epi8(digit) as u16) << (16 * k);
        separators |= u64::from(_mm_movemask_epi8(separator) as u16) << (16 * k);
    }
    (digits, separators)
}

/// Per set of allowed separators (bit `i` for the `i`th of [`RUN_SEPARATORS`]), the most
/// digits in one piece of a digit run (as [`for_each_digit_run`] reports it, with `digits`
/// digits) when only those separators keep a piece going. All sets in one pass: every digit
/// rule asks of every run, each with its own set.
pub(crate) fn pieces(run: &[u8], digits: usize) -> [usize; 1 << RUN_SEPARATORS.len()] {
    const SETS: usize = 1 << RUN_SEPARATORS.len();
    if run.len() == digits {
        return [digits; SETS];
    }
    // Most runs with separators hold one kind (a date's dashes, an address's dots): a set
    // that allows it joins the whole run, any other keeps its longest group of digits.
    // Without a branch a byte: where a group ends is as good as random to a branch predictor.
    let (mut kinds, mut longest, mut group) = (0u8, 0usize, 0usize);
    for &b in run {
        group = (group + 1) * usize::from(b.is_ascii_digit());
        longest = longest.max(group);
        kinds |= separator_bit(b);
    }
    if kinds.count_ones() == 1 {
        return std::array::from_fn(|set| {
            if set as u8 & kinds != 0 {
                digits
            } else {
                longest
            }
        });
    }
    // Digits are counted into the group they belong to; at each separator the group is
    // added to every set's current piece, which the separator ends unless the set allows it.
    // Branch-free over the sets, in 16-bit lanes (saturating: a piece of 65,535 digits is as
    // long as any rule needs), so the compiler does the eight sets at once.
    const KEEP: [[u16; SETS]; RUN_SEPARATORS.len()] = {
        let mut keep = [[0u16; SETS]; RUN_SEPARATORS.len()];
        let mut sep = 0;
        while sep < RUN_SEPARATORS.len() {
            let mut set = 0;
            while set < SETS {
                if set & (1 << sep) != 0 {
                    keep[sep][set] = u16::MAX;
                }
                set += 1;
            }
            sep += 1;
        }
        keep
    };
    let (mut best, mut current, mut group) = ([0u16; SETS], [0u16; SETS], 0u16);
    for &b in run {
        if b.is_ascii_digit() {
            group = group.saturating_add(1);
            continue;
        }
        let bit = separator_bit(b);
        let keep = if bit == 0 {
            [0; SETS]
        } else {
            KEEP[bit.trailing_zeros() as usize]
        };
        for set in 0..SETS {
            current[set] = current[set].saturating_add(group);
            best[set] = best[set].max(current[set]);
            current[set] &= keep[set];
        }
        group = 0;
    }
    std::array::from_fn(|set| usize::from(best[set].max(current[set].saturating_add(group))))
}

/// Bit `i` for the `i`th of [`RUN_SEPARATORS`], 0 for any other byte.
#[inline(always)]
fn separator_bit(b: u8) -> u8 {
    const BITS: [u8; 256] = {
        let mut bits = [0u8; 256];
        let mut i = 0;
        while i < RUN_SEPARATORS.len() {
            bits[RUN_SEPARATORS[i] as usize] = 1 << i;
            i += 1;
        }
        bits
    };
    BITS[usize::from(b)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(text: &str, min: usize) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for_each_digit_run(text, min, |s, e, d| out.push((s, e, d)));
        out
    }

    /// The definition, a byte at a time: a separator right after a digit keeps the run open
    /// for one byte, and a digit must follow.
    fn runs_by_bytes(text: &str, min_digits: usize) -> Vec<(usize, usize, usize)> {
        let bytes = text.as_bytes();
        let (mut out, mut start, mut last_digit, mut digits) = (Vec::new(), 0, 0, 0);
        for (i, &b) in bytes.iter().enumerate() {
            if b.is_ascii_digit() {
                if digits == 0 {
                    start = i;
                }
                digits += 1;
                last_digit = i;
            } else if digits > 0 && !(i == last_digit + 1 && RUN_SEPARATORS.contains(&b)) {
                if digits >= min_digits {
                    out.push((start, last_digit + 1, digits));
                }
                digits = 0;
            }
        }
        if digits >= min_digits && digits > 0 {
            out.push((start, last_digit + 1, digits));
        }
        out
    }

    #[test]
    fn digit_runs_allow_single_separators() {
        assert_eq!(runs("card 4111 1111 1111 1111 ok", 10), vec![(5, 24, 16)]);
        assert_eq!(runs("ssn 123-45-6789", 9), vec![(4, 15, 9)]);
        assert_eq!(
            runs("12  34", 1),
            vec![(0, 2, 2), (4, 6, 2)],
            "two separators end a run"
        );
        assert_eq!(runs("a1b2c3", 2), vec![]);
        assert_eq!(
            runs("v1.2.3 and 4.", 1),
            vec![(1, 6, 3), (11, 12, 1)],
            "a trailing separator is not in the run"
        );
        assert_eq!(runs("no digits", 1), vec![]);
        assert_eq!(runs("1234567890123", 5), vec![(0, 13, 13)]);
        assert_eq!(runs("", 1), vec![]);
    }

    #[test]
    fn runs_across_block_edges_are_one_run() {
        for pad in 0..140 {
            for run in [
                "4111 1111 1111 1111",
                "123-45-6789",
                "1.2",
                "7",
                &"9".repeat(150),
                &"1 2".repeat(60),
            ] {
                let text = format!("{}{run} x{}", "a".repeat(pad), "b".repeat(pad % 7));
                assert_eq!(runs(&text, 1), runs_by_bytes(&text, 1), "{pad} {run}");
            }
        }
    }

    #[test]
    fn masks_agree_with_the_byte_loop_on_random_text() {
        // A fixed generator, so a failure reproduces.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"0123456789 -.a:/\n";
        for round in 0..2000 {
            let len = (next() % 300) as usize;
            let text: String = (0..len)
                .map(|_| char::from(alphabet[(next() % alphabet.len() as u64) as usize]))
                .collect();
            for min in [1, 2, 3, 5, 9, 13] {
                assert_eq!(
                    runs(&text, min),
                    runs_by_bytes(&text, min),
                    "round {round}: {text:?}"
                );
            }
        }
        let block: Vec<u8> = (0..=255u8).cycle().take(BLOCK).collect();
        assert_eq!(masks(&block), masks_scalar(&block));
        let block: Vec<u8> = (0..=255u8).skip(BLOCK).take(BLOCK).collect();
        assert_eq!(masks(&block), masks_scalar(&block));
        let block: Vec<u8> = (0..=255u8).skip(2 * BLOCK).take(BLOCK).collect();
        assert_eq!(masks(&block), masks_scalar(&block));
    }

    #[test]
    fn non_ascii_text_around_runs() {
        let text = "é1234€5678 ü 9.9";
        assert_eq!(runs(text, 1), runs_by_bytes(text, 1));
    }

    #[test]
    fn a_run_counts_the_digits_its_allowed_separators_join() {
        let piece = |run: &str, allowed: u8| {
            let digits = run.bytes().filter(u8::is_ascii_digit).count();
            pieces(run.as_bytes(), digits)[usize::from(allowed)]
        };
        assert_eq!(piece("10.89.235.121", 0b011), 3);
        assert_eq!(piece("10.89.235.121", ALL_SEPARATORS), 10);
        assert_eq!(piece("2026-03-18", 0b001), 4);
        assert_eq!(piece("4111 1111-1111 1111", 0b001), 8);
        assert_eq!(piece("4111 1111-1111 1111", 0b011), 16);
        assert_eq!(piece("4111 1111-1111 1111", 0), 4);
        assert_eq!(piece("123456789", 0), 9);
        for (i, &separator) in RUN_SEPARATORS.iter().enumerate() {
            assert_eq!(separator_bit(separator), 1 << i);
        }
        assert_eq!(separator_bit(b'/'), 0);
        // Against splitting at the separators a set does not allow, on random runs.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..2000 {
            let mut run = String::new();
            for i in 0..(state % 40) as usize + 1 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // A run begins and ends with a digit and never holds two separators in a row.
                let separator = i > 0 && !run.ends_with([' ', '-', '.']) && state.is_multiple_of(4);
                run.push(if separator {
                    [' ', '-', '.'][(state >> 8) as usize % 3]
                } else {
                    '7'
                });
            }
            let run = run.trim_end_matches([' ', '-', '.']);
            for set in 0..=ALL_SEPARATORS {
                let longest = run
                    .split(|c: char| {
                        RUN_SEPARATORS
                            .iter()
                            .position(|&s| char::from(s) == c)
                            .is_some_and(|i| set & (1 << i) == 0)
                    })
                    .map(|piece| piece.bytes().filter(u8::is_ascii_digit).count())
                    .max()
                    .unwrap();
                assert_eq!(
                    piece(run, set),
                    longest,
                    "{run:?} with separators {set:03b}"
                );
            }
        }
    }
}
