//! The candidate regions of one segment: how far from a prefilter hit a rule's match can lie,
//! and the regions of each target, merged as hits arrive and handed out target by target.

use super::char_windows::CharWindows;
use super::shape::MatchBytes;

/// How far from a prefilter hit a rule's match can lie, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The match lies within this many bytes of the hit, either side.
    Bytes(usize),
    /// The match begins where the hit does, and is at most this many bytes.
    Ahead(usize),
    /// The match, at most `longest` bytes, lies within `longest` bytes of the `window`
    /// characters either side of the hit (the rule's context window: a context word there
    /// may be what reports it).
    Near { longest: usize, window: usize },
    /// The rule's patterns have no longest match, but hold no line break except as a byte
    /// of their own at either end ([`within_a_line`](super::match_edges::within_a_line)): the
    /// match lies on a line that the `window` characters either side of the hit (0: the hit
    /// itself) touch, or holds the line break next to one. A password assignment's key may
    /// be any length; its line is what is searched, not its 64 KiB segment.
    Lines { window: usize },
    /// The rule's patterns have no longest match: a hit makes the whole segment a candidate.
    Segment,
}

impl Reach {
    /// The reach of two rules' matches together, when one kind of reach covers both: the
    /// farther of two of a kind, a context window only of the same width.
    pub(super) fn farthest(self, other: Reach) -> Option<Reach> {
        match (self, other) {
            (Reach::Bytes(a), Reach::Bytes(b)) => Some(Reach::Bytes(a.max(b))),
            (Reach::Ahead(a), Reach::Ahead(b)) => Some(Reach::Ahead(a.max(b))),
            (
                Reach::Near { longest, window },
                Reach::Near {
                    longest: other,
                    window: same,
                },
            ) if window == same => Some(Reach::Near {
                longest: longest.max(other),
                window,
            }),
            (Reach::Lines { window: a }, Reach::Lines { window: b }) => {
                Some(Reach::Lines { window: a.max(b) })
            }
            (Reach::Segment, Reach::Segment) => Some(Reach::Segment),
            _ => None,
        }
    }

    /// The bytes of `text` a match can occupy, given a hit at `start..end`; context windows
    /// are counted in characters, by the segment's `windows`.
    #[inline]
    pub(super) fn around(
        self,
        text: &str,
        start: usize,
        end: usize,
        windows: &mut CharWindows,
    ) -> (usize, usize) {
        let len = text.len();
        match self {
            Reach::Bytes(n) => (start.saturating_sub(n), end.saturating_add(n).min(len)),
            Reach::Ahead(n) => (start, start.saturating_add(n).min(len)),
            Reach::Near {
                longest,
                window: chars,
            } => {
                let (before, after) = windows.around(text, start, end, chars);
                (
                    before.saturating_sub(longest),
                    after.saturating_add(longest).min(len),
                )
            }
            Reach::Lines { window: chars } => lines(text, start, end, chars, windows),
            Reach::Segment => (0, len),
        }
    }
}

/// The region of [`Reach::Lines`]: from the line break before the first line the window
/// touches, through the one after the last.
#[inline(never)]
fn lines(
    text: &str,
    start: usize,
    end: usize,
    chars: usize,
    windows: &mut CharWindows,
) -> (usize, usize) {
    let (before, after) = match chars {
        0 => (start, end),
        _ => windows.around(text, start, end, chars),
    };
    let bytes = text.as_bytes();
    let from = memchr::memrchr(b'\n', &bytes[..before]).unwrap_or(0);
    let to = memchr::memchr(b'\n', &bytes[after..]).map_or(text.len(), |i| after + i + 1);
    (from, to)
}

/// A byte range of one segment where the regexes of one target run: a rule (index below the
/// rule count) or a group of rules (the rule count + the group's index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Region {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    /// Of a group, which members some hit here made candidates: bit `n` for its `n`th.
    pub members: u64,
}

/// Where the regions of a rule's hits are filed: under its target, naming `members` of the
/// target's members as candidates (bit `n` for a group's `n`th; an ungrouped rule is a target
/// of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filing {
    pub target: usize,
    pub members: u64,
}

/// The candidate regions of one segment, by target (a rule, or a group of rules that share
/// their prefilter).
#[derive(Debug, Default)]
pub struct Candidates {
    /// Per target, its regions in the order they were added. Each pass (keywords, digit runs)
    /// adds them in text order, so a new hit usually extends the latest region instead of
    /// adding one, and a target's list is usually in order already: drained target by target,
    /// the lists need no sort of all regions together (in dense text, thousands a segment).
    by_target: Vec<Vec<Span>>,
    /// The targets with regions, in the order they got their first.
    targets: Vec<usize>,
    /// Per keyword rule with `min_digits`, the bytes its keyword hits reach, merged: its
    /// candidates are the digit runs there.
    pub(super) near: Vec<NearKeywords>,
    /// The near slots with spans in this segment: a digit run is checked against those
    /// only, not against every slot of the engine (dozens, most without a keyword here).
    pub(super) near_active: Vec<usize>,
    /// The decoder rules (a bit each) whose marker the keyword pass saw in the segment.
    pub(super) marked: u64,
}

/// A region of a target named by the list it is in.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    members: u64,
}

/// Where the keyword hits of a rule with `min_digits` reach in one segment.
#[derive(Debug, Default)]
pub(super) struct NearKeywords {
    /// Disjoint once [`NearKeywords::settle`] has run, ordered by start.
    pub(super) spans: Vec<(usize, usize)>,
    in_order: bool,
    /// The first span that may still hold a digit run: runs come in text order.
    next: usize,
}

impl NearKeywords {
    fn clear(&mut self) {
        self.spans.clear();
        self.in_order = true;
        self.next = 0;
    }

    pub(super) fn add(&mut self, start: usize, end: usize) {
        match self.spans.last_mut() {
            Some(last) if start >= last.0 && start <= last.1 => last.1 = last.1.max(end),
            Some(last) => {
                self.in_order &= start > last.1;
                self.spans.push((start, end));
            }
            None => self.spans.push((start, end)),
        }
    }

    /// Orders and merges the spans, if hits came out of order.
    pub(super) fn settle(&mut self) {
        if self.in_order {
            return;
        }
        self.spans.sort_unstable();
        let mut kept = 0;
        for i in 1..self.spans.len() {
            if self.spans[i].0 <= self.spans[kept].1 {
                self.spans[kept].1 = self.spans[kept].1.max(self.spans[i].1);
            } else {
                kept += 1;
                self.spans[kept] = self.spans[i];
            }
        }
        self.spans.truncate(kept + 1);
        self.in_order = true;
    }

    /// Where the span that [`NearKeywords::overlaps`] looks at next starts, if any is left.
    pub(super) fn next_start(&self) -> Option<usize> {
        self.spans.get(self.next).map(|s| s.0)
    }

    /// Whether `start..end` overlaps a span; calls must come in text order.
    pub(super) fn overlaps(&mut self, start: usize, end: usize) -> bool {
        while self.spans.get(self.next).is_some_and(|s| s.1 <= start) {
            self.next += 1;
        }
        self.spans.get(self.next).is_some_and(|s| s.0 < end)
    }
}

impl Candidates {
    pub(super) fn fit(&mut self, target_count: usize, near_count: usize) {
        if self.by_target.len() < target_count {
            self.by_target.resize_with(target_count, Vec::new);
        }
        if self.near.len() < near_count {
            self.near.resize_with(near_count, NearKeywords::default);
        }
        self.near.iter_mut().for_each(NearKeywords::clear);
        self.marked = 0;
    }

    pub(super) fn add(&mut self, filing: Filing, start: usize, end: usize) {
        let Filing { target, members } = filing;
        let list = &mut self.by_target[target];
        match list.last_mut() {
            Some(last) if start <= last.end && end >= last.start => {
                last.start = last.start.min(start);
                last.end = last.end.max(end);
                last.members |= members;
            }
            Some(_) => list.push(Span {
                start,
                end,
                members,
            }),
            None => {
                self.targets.push(target);
                list.push(Span {
                    start,
                    end,
                    members,
                });
            }
        }
    }

    /// The candidate regions, merged, in target order and then text order, clearing them as
    /// they are handed out.
    pub(crate) fn drain_in_order(&mut self, mut each: impl FnMut(Region)) {
        self.targets.sort_unstable();
        for &rule in &self.targets {
            let list = &mut self.by_target[rule];
            if !list.is_sorted_by_key(|s| s.start) {
                list.sort_unstable_by_key(|s| s.start);
            }
            let mut pending = list[0];
            for &s in &list[1..] {
                if s.start <= pending.end {
                    pending.end = pending.end.max(s.end);
                    pending.members |= s.members;
                } else {
                    each(Region {
                        rule,
                        start: pending.start,
                        end: pending.end,
                        members: pending.members,
                    });
                    pending = s;
                }
            }
            each(Region {
                rule,
                start: pending.start,
                end: pending.end,
                members: pending.members,
            });
            list.clear();
        }
        self.targets.clear();
    }
}

/// Where the values of a rule that reports a value only with one of its context words
/// within its window (`context.required`) lie around a hit of one: within the window's
/// characters, and beyond them only as far as a value goes on in the bytes a value can hold.
/// A number on the next line is no candidate of "contact" when letters stand between the
/// window's end and the number, whatever the longest value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueReach {
    /// The longest value in bytes.
    pub longest: usize,
    /// The context window, in characters.
    pub window: usize,
    /// The bytes a value can hold.
    pub bytes: MatchBytes,
}

impl ValueReach {
    /// The bytes of `text` a value can occupy, given a hit at `start..end`; `windows` as for
    /// [`Reach::around`].
    #[inline]
    pub(super) fn around(
        self,
        text: &str,
        start: usize,
        end: usize,
        windows: &mut CharWindows,
    ) -> (usize, usize) {
        let window = self.window;
        let zone = Reach::Near { longest: 0, window }.around(text, start, end, windows);
        let most = Reach::Near {
            longest: self.longest,
            window,
        }
        .around(text, start, end, windows);
        clip(text, zone, most, &self.bytes)
    }

    /// The reach of two rules' values together, when their windows are alike.
    pub(super) fn farthest(self, other: ValueReach) -> Option<ValueReach> {
        (self.window == other.window).then(|| ValueReach {
            longest: self.longest.max(other.longest),
            window: self.window,
            bytes: self.bytes.union(&other.bytes),
        })
    }
}

/// `region` (which holds `hit`) cut down to the bytes around the hit that a match holding
/// the hit can occupy: those of `bytes`. An e-mail address holds no space, so its regex runs
/// on the word around an `@`, not on the whole segment its unbounded pattern could reach.
pub(super) fn clip(
    text: &str,
    hit: (usize, usize),
    region: (usize, usize),
    bytes: &MatchBytes,
) -> (usize, usize) {
    let haystack = text.as_bytes();
    let (mut start, mut end) = (hit.0.max(region.0), hit.1.min(region.1));
    while start > region.0 && bytes.contains(haystack[start - 1]) {
        start -= 1;
    }
    while end < region.1 && bytes.contains(haystack[end]) {
        end += 1;
    }
    (start, end.max(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reach_of_lines_covers_the_lines_the_window_touches_and_their_line_breaks() {
        let text = "first line\nkey_password = hunter2hunter2 ; more\nthird line here\nlast";
        let at = text.find("password").unwrap();
        let hit = (at, at + "password".len());
        let lines = |window| {
            let (from, to) =
                Reach::Lines { window }.around(text, hit.0, hit.1, &mut CharWindows::default());
            &text[from..to]
        };
        assert_eq!(lines(0), "\nkey_password = hunter2hunter2 ; more\n");
        // Forty characters either side reach into the first line and the third.
        assert_eq!(
            Reach::Lines { window: 40 }.around(text, hit.0, hit.1, &mut CharWindows::default()),
            (0, text.rfind('\n').unwrap() + 1)
        );
        // At the ends of the text there is no line break to hold.
        assert_eq!(
            Reach::Lines { window: 0 }.around("a password", 2, 10, &mut CharWindows::default()),
            (0, 10)
        );
    }

    #[test]
    fn a_region_around_a_hit_inside_every_match_ends_where_no_match_byte_stands() {
        let email = MatchBytes::of(&[regex_syntax::parse(r"[a-z.]+@[a-z.]+").unwrap()]).unwrap();
        let text = "mail jane.doe@acme.com, or bob@x.org\nnext";
        let at = text.find('@').unwrap();
        let clipped = clip(text, (at, at + 1), (0, text.len()), &email);
        assert_eq!(&text[clipped.0..clipped.1], "jane.doe@acme.com");
        let at = text.rfind('@').unwrap();
        assert_eq!(
            clip(text, (at, at + 1), (at - 2, text.len()), &email),
            (at - 2, at + 6),
            "within the reach still"
        );
        let digits =
            MatchBytes::of(&[regex_syntax::parse(r"[0-9]{3}-[0-9]{2}-[0-9]{4}").unwrap()]).unwrap();
        let text = "ssn:123-45-6789.";
        assert_eq!(
            clip(text, (4, 15), (0, text.len()), &digits),
            (4, 15),
            "the hit itself is kept"
        );
        assert_eq!(clip(text, (6, 8), (0, text.len()), &digits), (4, 15));
    }

    #[test]
    fn keyword_spans_out_of_order_are_merged_before_runs_are_checked() {
        let mut near = NearKeywords::default();
        near.clear();
        near.add(50, 60);
        near.add(10, 20);
        near.add(15, 30);
        near.add(55, 70);
        near.settle();
        assert_eq!(near.spans, vec![(10, 30), (50, 70)]);
        assert!(!near.overlaps(0, 10));
        assert!(near.overlaps(25, 40));
        assert!(!near.overlaps(30, 50));
        assert!(near.overlaps(69, 80));
        assert!(!near.overlaps(70, 80));
    }

    #[test]
    fn regions_of_one_target_merge_and_come_in_target_order() {
        let mut scratch = Candidates::default();
        scratch.fit(3, 0);
        scratch.add(
            Filing {
                target: 2,
                members: 1,
            },
            50,
            60,
        );
        scratch.add(
            Filing {
                target: 0,
                members: 1,
            },
            10,
            20,
        );
        scratch.add(
            Filing {
                target: 0,
                members: 1,
            },
            15,
            30,
        );
        scratch.add(
            Filing {
                target: 2,
                members: 1,
            },
            0,
            5,
        );
        scratch.add(
            Filing {
                target: 0,
                members: 1,
            },
            40,
            45,
        );
        scratch.add(
            Filing {
                target: 2,
                members: 4,
            },
            4,
            8,
        );
        scratch.add(
            Filing {
                target: 2,
                members: 2,
            },
            55,
            58,
        );
        let mut out = Vec::new();
        scratch.drain_in_order(|r| out.push((r.rule, r.start, r.end, r.members)));
        assert_eq!(
            out,
            vec![(0, 10, 30, 1), (0, 40, 45, 1), (2, 0, 8, 5), (2, 50, 60, 3)],
            "merged regions name every member any hit named"
        );
        let mut again = Vec::new();
        scratch.drain_in_order(|r| again.push(r));
        assert!(again.is_empty(), "draining clears");
        assert!(scratch.by_target.iter().all(Vec::is_empty) && scratch.targets.is_empty());
    }
}
