//! Values a segment gives as examples, so that their repeats are read as examples too.
//!
//! Documentation gives a value as an example once and then goes on using it: "such as (530)
//! 583-6985 x302/x2303. The second extension makes this two numbers, (530) 583-6985 x302 and
//! (530) 583-6985 x2303." Only the first stands in the sentence with "such as"; a reader
//! knows the others are the same example. What the text says of a value at one place holds
//! wherever the same value repeats in it.

use std::hash::{DefaultHasher, Hash, Hasher};

/// The values of one segment that a lower word stood near, by rule (a rule's lower words
/// say what its reading of a value is not; another rule's reading of the same digits may be
/// right); kept in the caller's scratch and forgotten with the segment. Only a digest of
/// each value is kept.
#[derive(Debug, Default)]
pub struct GivenExamples {
    given: Vec<(usize, u64)>,
}

impl GivenExamples {
    pub fn reset(&mut self) {
        self.given.clear();
    }

    /// Notes that `rule`'s value `canonical` (its canonical spelling) stood near a word
    /// that lowers it.
    pub fn note(&mut self, rule: usize, canonical: &str) {
        let digest = (rule, digest(canonical));
        if !self.given.contains(&digest) {
            self.given.push(digest);
        }
    }

    /// Whether no value was noted: most segments give none, and asking costs nothing then.
    pub fn is_empty(&self) -> bool {
        self.given.is_empty()
    }

    /// Whether `rule`'s value `canonical` was noted earlier in the segment.
    pub fn holds(&self, rule: usize, canonical: &str) -> bool {
        self.given.contains(&(rule, digest(canonical)))
    }
}

fn digest(canonical: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    canonical.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_held_by_its_rule_until_the_segment_is_forgotten() {
        let mut given = GivenExamples::default();
        assert!(given.is_empty() && !given.holds(3, "5305836985"));
        given.note(3, "5305836985");
        given.note(3, "5305836985");
        assert_eq!(given.given.len(), 1);
        assert!(given.holds(3, "5305836985"));
        assert!(!given.holds(4, "5305836985"), "another rule's reading");
        assert!(!given.holds(3, "5305836986"));
        given.reset();
        assert!(given.is_empty() && !given.holds(3, "5305836985"));
    }
}
