//! Whether a value a rule's regex found is reported, and how sure the engine is of it: the
//! rule's ignore and suspect lists, its validator, entropy, the context words around the
//! value and placeholders in it.

use std::sync::Arc;

use super::Engine;
use crate::compiled::CompiledRule;
use crate::context::SegmentWords;
use crate::matches::Match;
use crate::score;
use crate::validate::Verdict;
use dlp_domain::Segment;

impl Engine {
    /// Decides whether a value the regex found is reported, and how sure we are. Decoder
    /// rules judge the values they read with it too.
    pub(crate) fn judge(
        &self,
        rule: &CompiledRule,
        needs_context: bool,
        segment: &Segment,
        span: std::ops::Range<usize>,
        words: &mut SegmentWords,
    ) -> Option<Match> {
        let text = segment.text.as_str();
        let value = &text[span.clone()];
        if self.allow.iter().any(|re| re.is_match(value)) {
            return None;
        }
        // Every rule that reads a number (a digit rule, or one with `min_digits`: the phone
        // rules near "call"): a requirement id `R-63257-11740` holds no phone number.
        if (rule.spec.prefilter == crate::rule::Prefilter::Digits || rule.spec.min_digits.is_some())
            && inside_identifier(text.as_bytes(), span.clone())
        {
            return None;
        }
        if rule
            .spec
            .validator
            .is_some_and(|v| v.refuted_by_surroundings(text, span.clone()))
        {
            return None;
        }
        let normalized = rule.normalization.canonical(value);
        if rule
            .ignore
            .as_ref()
            .is_some_and(|re| re.get().is_match(&normalized))
        {
            return None;
        }
        let mut suspect = rule
            .suspect
            .as_ref()
            .is_some_and(|re| re.get().is_match(&normalized));
        // A password the standards and textbooks publish is no secret (`published`).
        if rule.spec.category == dlp_domain::Category::Secret
            && crate::published::holds_published_password(value)
        {
            return None;
        }
        if rule
            .min_entropy
            .is_some_and(|floor| !floor.admits(&normalized))
        {
            return None;
        }
        let ctx = &rule.spec.context;
        let (before, after) = words.windows.around(text, span.start, span.end, ctx.window);
        // The segment's context (a column header) stands next to the value whatever the
        // window: a reader sees "SSN" over the cell as plainly as "SSN:" before it.
        let context = segment.context.as_deref();
        let mut nearby = words.near(
            &self.context_words,
            text,
            context,
            [&rule.raise, &rule.lower],
            before..span.start,
            span.end..after,
        );
        // The sentence is looked for only where a lower word may stand: it is read back up to
        // a few hundred bytes, for each value of a table that holds none.
        if ctx.lower_in_sentence && !nearby.lower && words.may_hold_any(&rule.lower) {
            let sentence = score::sentence_start(text, span.start);
            if sentence < before {
                // Up to the value, not to the window: a word that starts before the window
                // and ends inside it ("John Doe" in a sample record) is in neither otherwise.
                let earlier = words.near(
                    &self.context_words,
                    text,
                    context,
                    [&crate::context::WordIds::default(), &rule.lower],
                    sentence..span.start,
                    span.end..span.end,
                );
                nearby.lower = earlier.lower;
            }
        }
        // What the text says of a value holds where the value repeats: the number given
        // "such as" in one sentence is the same example in the next (`given_examples`).
        if nearby.lower {
            words.examples.note(rule.order, &normalized);
        } else if !words.examples.is_empty() && words.examples.holds(rule.order, &normalized) {
            nearby.lower = true;
        }
        let in_code = || {
            rule.spec.min_digits.is_some()
                && !ctx.raise.is_empty()
                && crate::code_operand::stands_in_code(text.as_bytes(), span.clone())
        };
        if !nearby.raise && (ctx.required || needs_context || in_code()) {
            return None;
        }
        // After the context a rule requires: a phone number's check against its country's
        // plan costs several times the words around it, and most numbers with no telephone
        // word near them are none.
        if let Some(validator) = rule.spec.validator {
            match validator.check(value) {
                Verdict::Invalid => return None,
                Verdict::Suspect => suspect = true,
                Verdict::Valid => {}
            }
        }
        let mut confidence = rule.spec.confidence;
        if nearby.raise {
            confidence += ctx.raise_by;
        }
        if nearby.lower {
            confidence -= ctx.lower_by;
        }
        if suspect {
            confidence -= self.opts.suspect_penalty;
        }
        let filled_in = rule
            .spec
            .validator
            .map_or(value, |v| v.placeholder_part(value));
        if self.placeholders.in_value(filled_in) {
            confidence -= self.opts.placeholder_penalty;
        }
        // Rounded so that 0.7 - 0.2 is 0.5 and not 0.49999999999999994: thresholds in rule
        // files and options are decimal, and reported confidences should read as written.
        let confidence = ((confidence * 1000.0).round() / 1000.0).clamp(0.0, 1.0);
        if confidence < self.opts.min_confidence {
            return None;
        }
        // A number a test feeds to the code under test is no one's, whatever words stand near
        // it (`test_input`). Asked last: it reads back up to a few lines.
        if (rule.spec.prefilter == crate::rule::Prefilter::Digits || rule.spec.min_digits.is_some())
            && words.bracket_before(text.as_bytes(), span.start)
            && crate::test_input::is_test_input(text.as_bytes(), span.start)
        {
            return None;
        }
        Some(Match::found(
            Arc::clone(&rule.id),
            rule.spec.category,
            rule.spec.severity,
            confidence,
            rule.normalization,
            rule.order,
            segment,
            span,
        ))
    }
}

/// Whether a number lies inside a longer identifier: joined by `-`, `.` or `/` to more
/// letters or digits on either side (`ACC-4539578763621486-77`, `orders/4539578763621486`,
/// `INV.123456789.2`). Sixteen digits cut out of an account reference are not a card, nor nine
/// of them an SSN; a number written with its own separators (`4539-5787-6362-1486`) is the
/// whole match, so nothing of it is outside.
fn inside_identifier(bytes: &[u8], span: std::ops::Range<usize>) -> bool {
    let joined = |sep: Option<&u8>, next: Option<&u8>| {
        matches!(sep, Some(b'-' | b'.' | b'/')) && next.is_some_and(u8::is_ascii_alphanumeric)
    };
    let before = span
        .start
        .checked_sub(1)
        .map(|i| (bytes.get(i), i.checked_sub(1)));
    let glued_before = before.is_some_and(|(sep, i)| joined(sep, i.and_then(|i| bytes.get(i))));
    let glued_after = joined(bytes.get(span.end), bytes.get(span.end + 1));
    glued_before || glued_after
}
