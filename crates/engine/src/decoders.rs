//! Rules that read a structure rather than match a value (`decoder = ...` in a rule file):
//! a Kubernetes Secret, whose `data` values are base64 that only decoding shows, and a
//! Terraform state, which marks its own sensitive values.
//!
//! A decoder rule's `pattern` is a marker (`kind: Secret`), looked for only where one of its
//! `keywords` occurs: text without the marker costs one keyword search, and the structure is
//! read only where a segment holds it (with the segments it joins up with, a file being cut
//! into several). What a structure yields is a value located in a segment, like any match:
//!
//! - a Secret's `data` value is decoded and the decoded text classified by every rule of the
//!   engine (with its key as context, as a column header is); each finding is located at the
//!   whole base64 token and carries the decoded value, so its masked preview and fingerprint
//!   are those of the secret itself. Whatever the rules found on the base64 text is replaced:
//!   the decoding says what it is. A scalar under a key that names a secret and that no rule
//!   recognises is the decoder rule's own finding, judged like a value of its (required
//!   context, entropy, placeholders). Decoded text is never decoded again: the depth is one,
//!   and a `.dockerconfigjson`'s `auth` (base64 itself) is the `docker-config-auth` rule's to
//!   decode, as in any other text.
//! - a state's sensitive values are judged as values of the decoder rule where they stand.

use std::ops::Range;

use dlp_domain::Segment;
use memchr::memmem::Finder;
use regex_automata::Input;

use super::compiled::CompiledRule;
use super::context::SegmentWords;
use super::engine::Engine;
use super::k8s_secret;
use super::matches::{Match, gather_values};
use super::rule::Decoder;
use super::tfstate;

/// Decoded bytes classified per text read at most, over all its Secrets' values.
const MAX_DECODED: usize = 1 << 20;

/// A decoded value longer than this, or of several lines, is a file (a kubeconfig, a
/// credentials file, a key): the rules judge its content, and the decoder rule does not
/// report it whole.
const MAX_SCALAR: usize = 256;

/// Largest run of segments joined into one text to read a structure across them.
const MAX_RUN: usize = 32 << 20;

/// Bytes either side of a keyword hit where the marker is looked for.
const MARKER_REACH: usize = 128;

/// The decoder rules of an engine.
pub(super) struct Decoders {
    rules: Vec<CompiledRule>,
    /// Every rule's keywords, as written; pattern `i` is a keyword of rule `owner[i]`. Not
    /// ASCII case-insensitive as a regex rule's keywords are: a structure's marker is written
    /// one way (Kubernetes kinds are case-sensitive, `terraform_version` is a fixed key), and
    /// `secret` in any case is on every other page of a wiki. This search of every segment
    /// is the whole cost of decoder rules on text without their structure, so each marker
    /// is searched on its own with memchr's SIMD substring search: an automaton over all of
    /// them together steps through every byte, the markers starting with common letters.
    markers: Vec<Marker>,
}

/// One keyword of a decoder rule.
struct Marker {
    finder: Finder<'static>,
    /// The rule's index among the decoder rules.
    owner: usize,
}

impl Decoders {
    pub(super) fn new(rules: Vec<CompiledRule>) -> Self {
        let markers = rules
            .iter()
            .enumerate()
            .flat_map(|(owner, rule)| {
                rule.spec.keywords.iter().map(move |word| Marker {
                    finder: Finder::new(word.as_bytes()).into_owned(),
                    owner,
                })
            })
            .collect();
        Decoders { rules, markers }
    }

    pub(super) fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Every marker as written, with the bit of its rule (see [`Decoders::marked`]).
    pub(super) fn markers(&self) -> Vec<(&str, u64)> {
        self.markers
            .iter()
            .filter(|m| m.owner < 64)
            .map(|m| {
                let word = std::str::from_utf8(m.finder.needle()).expect("made from a str");
                (word, 1 << m.owner)
            })
            .collect()
    }

    /// Adds to `out` (the matches of every segment, each segment done) the findings of the
    /// decoder rules whose marker some segment holds. A structure is read from the run of
    /// segments around it that join up in the item's text: a file is cut into segments of
    /// 64 KiB on line breaks, and a state of megabytes is one object across them. `exhaustive`
    /// classifies decoded text with [`Engine::find_exhaustive`]'s search, so that the two agree.
    /// `seen`, per segment, the rules whose marker the keyword pass saw there: only those
    /// are looked for (every rule in every segment without it).
    pub(super) fn decode(
        &self,
        engine: &Engine,
        segments: &[Segment],
        seen: Option<&[u64]>,
        out: &mut Vec<Match>,
        exhaustive: bool,
    ) {
        // Each segment is looked through once (a marker's finder, then the rule's regex
        // around each occurrence); the list of what each holds is made only once one holds
        // something, so that items without a marker cost no allocation.
        let mut marks: Vec<u64> = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            let marked = self.marked(&segment.text, seen.map_or(!0, |seen| seen[i]));
            if marked != 0 && marks.is_empty() {
                marks.resize(i, 0);
            }
            if marked != 0 || !marks.is_empty() {
                marks.push(marked);
            }
        }
        if marks.is_empty() {
            return;
        }
        let mut first = 0;
        while first < segments.len() {
            let mut end = first + 1;
            let mut run_marked = marks[first];
            while end < segments.len() && joins(&segments[end - 1], &segments[end]) {
                run_marked |= marks[end];
                end += 1;
            }
            let size: usize = segments[first..end].iter().map(|s| s.text.len() + 1).sum();
            if run_marked != 0 && size <= MAX_RUN {
                self.read(
                    engine,
                    &Run::new(segments, first..end),
                    run_marked,
                    out,
                    exhaustive,
                );
            } else if run_marked != 0 {
                // Too large to copy into one text: each marked segment alone.
                for (i, &marked) in marks.iter().enumerate().take(end).skip(first) {
                    if marked != 0 {
                        self.read(
                            engine,
                            &Run::new(segments, i..i + 1),
                            marked,
                            out,
                            exhaustive,
                        );
                    }
                }
            }
            first = end;
        }
    }

    /// Runs the decoders of the `marked` rules over `run`.
    fn read(
        &self,
        engine: &Engine,
        run: &Run<'_>,
        marked: u64,
        out: &mut Vec<Match>,
        exhaustive: bool,
    ) {
        for (i, rule) in self.rules.iter().enumerate().take(64) {
            if marked & (1 << i) == 0 {
                continue;
            }
            match rule.spec.decoder {
                Some(Decoder::KubernetesSecret) => {
                    kubernetes_secret(rule, engine, run, out, exhaustive);
                }
                Some(Decoder::TerraformState) => terraform_state(rule, engine, run, out),
                None => {}
            }
        }
    }

    /// Which rules' markers occur in `text`, bit `i` for rule `i`: a bit set rather than a
    /// list, as text without a marker must cost no allocation. Rules past the 64th (a pack
    /// has one per structure) are never marked. Only the rules of `seen` are looked for.
    fn marked(&self, text: &str, seen: u64) -> u64 {
        let mut marked = 0u64;
        let all = low_bits(self.rules.len()) & seen;
        if all == 0 {
            return 0;
        }
        for marker in &self.markers {
            let r = marker.owner;
            if r >= 64 || marked & (1 << r) != 0 || seen & (1 << r) == 0 {
                continue;
            }
            for at in marker.finder.find_iter(text.as_bytes()) {
                let end = at + marker.finder.needle().len();
                let window = at.saturating_sub(MARKER_REACH)
                    ..end.saturating_add(MARKER_REACH).min(text.len());
                let input = Input::new(text).span(window);
                if self.rules[r]
                    .patterns
                    .iter()
                    .any(|p| p.regex.get().is_match(input.clone()))
                {
                    marked |= 1 << r;
                    break;
                }
            }
            if marked == all {
                break;
            }
        }
        marked
    }
}

/// The low `n` bits set (all of them for 64 or more).
fn low_bits(n: usize) -> u64 {
    if n >= 64 { !0 } else { (1 << n) - 1 }
}

/// Whether `next` continues `previous` in the item's text: the next cut of one text, joined
/// by the line break between them.
fn joins(previous: &Segment, next: &Segment) -> bool {
    next.offset == previous.offset + previous.text.len() + 1
        && next.origin == previous.origin
        && previous.context.is_none()
        && next.context.is_none()
}

/// Segments that join up, and their text as one: the item's text over their bytes.
struct Run<'a> {
    segments: &'a [Segment],
    /// Index of the first in the `find` call's segments.
    first: usize,
    text: std::borrow::Cow<'a, str>,
}

impl<'a> Run<'a> {
    fn new(all: &'a [Segment], range: Range<usize>) -> Self {
        let segments = &all[range.clone()];
        let text = match segments {
            [one] => one.text.as_str().into(),
            _ => segments
                .iter()
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>()
                .join("\n")
                .into(),
        };
        Run {
            segments,
            first: range.start,
            text,
        }
    }

    /// Where the run starts in the item's text.
    fn offset(&self) -> usize {
        self.segments[0].offset
    }

    /// The segment (its index in the `find` call's segments, and it) that holds `span` of
    /// the run's text, and the span within it; `None` if the span crosses a cut.
    fn segment_of(&self, span: &Range<usize>) -> Option<((usize, &'a Segment), Range<usize>)> {
        let at = self.offset() + span.start;
        let i = self
            .segments
            .partition_point(|s| s.offset <= at)
            .checked_sub(1)?;
        let segment = &self.segments[i];
        let start = at - segment.offset;
        let end = start + span.len();
        (end <= segment.text.len()).then_some(((self.first + i, segment), start..end))
    }
}

/// A Secret's `data` values, decoded and classified.
fn kubernetes_secret(
    rule: &CompiledRule,
    engine: &Engine,
    run: &Run<'_>,
    out: &mut Vec<Match>,
    exhaustive: bool,
) {
    let mut budget = MAX_DECODED;
    let mut decoded = Vec::new();
    for entry in k8s_secret::data_entries(&run.text) {
        let Some(at) = run.segment_of(&entry.value) else {
            continue;
        };
        let Some(bytes) = k8s_secret::decode(&entry.encoded) else {
            continue;
        };
        // Binary data (a keystore, a DER key) has no text for the rules to read.
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let Some(left) = budget.checked_sub(text.len()) else {
            break;
        };
        budget = left;
        decoded.push((entry, at, text));
    }
    if decoded.is_empty() {
        return;
    }
    let token =
        |e: &k8s_secret::DataEntry| run.offset() + e.value.start..run.offset() + e.value.end;
    let tokens: Vec<Range<usize>> = decoded.iter().map(|(e, _, _)| token(e)).collect();
    // What the rules found on the base64 text is the decoding's to say.
    out.retain(|m| !tokens.iter().any(|t| t.start <= m.start && m.end <= t.end));

    for ((entry, (at, _), text), token) in decoded.into_iter().zip(tokens) {
        let inner = Segment {
            text,
            offset: 0,
            line: 1,
            origin: Default::default(),
            context: Some(entry.key),
        };
        let found = if exhaustive {
            engine.find_exhaustive_at(std::slice::from_ref(&inner), false)
        } else {
            engine.find_at(std::slice::from_ref(&inner), &mut Default::default(), false)
        };
        if found.is_empty() {
            out.extend(secret_value(rule, engine, inner).map(|m| m.moved_to(at, &token)));
        } else {
            out.extend(found.into_iter().map(|m| m.moved_to(at, &token)));
        }
    }
}

/// The decoded scalar itself, as a value of the decoder rule, under its key as context.
fn secret_value(rule: &CompiledRule, engine: &Engine, decoded: Segment) -> Option<Match> {
    // `echo 'pw' | base64` encodes the newline too.
    let scalar = decoded.text.trim();
    // JSON on one line (a registry login under `registry-credentials`) is a structure whose
    // content the rules judge, like a file.
    let structured = scalar.starts_with(['{', '[']);
    if scalar.is_empty() || scalar.len() > MAX_SCALAR || scalar.contains('\n') || structured {
        return None;
    }
    let scalar = Segment {
        text: scalar.to_owned(),
        ..decoded
    };
    let whole = 0..scalar.text.len();
    let mut words = SegmentWords::default();
    let mut found = engine.judge(rule, false, &scalar, whole, &mut words)?;
    gather_values(
        std::slice::from_ref(&scalar),
        std::slice::from_mut(&mut found),
    );
    Some(found)
}

/// A state's sensitive values, judged where they stand.
fn terraform_state(rule: &CompiledRule, engine: &Engine, run: &Run<'_>, out: &mut Vec<Match>) {
    let mut words = SegmentWords::default();
    let mut judged_in = None;
    for span in tfstate::sensitive_values(&run.text) {
        let Some(((index, segment), span)) = run.segment_of(&span) else {
            continue;
        };
        // A segment's context words are looked up once, for the values of that segment.
        if judged_in != Some(index) {
            words.reset();
            judged_in = Some(index);
        }
        let found = engine.judge(rule, false, segment, span, &mut words);
        out.extend(found.map(|m| m.placed_in((index, segment))));
    }
}
